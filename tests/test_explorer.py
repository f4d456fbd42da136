"""vglib.book.explorer: the kernel-free form carries every frame and repeatable ids."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vglib.book import explorer as ex  # noqa: E402


def plot(depth, scale):
    fig, ax = plt.subplots(figsize=(2, 1.5))
    ax.plot([0, depth], [0, scale])
    return fig


def test_one_frame_per_combination_and_the_initial_one_shown():
    e = ex.explorer(plot, depth=[2, 4, 8], scale=[0.5, 1.0], initial={"depth": 4, "scale": 1.0})
    assert len(e.frames) == 6
    html = e.to_html()
    assert html.count('class="vgx-control"') == 2
    assert 'data-frame="3"' in html  # depth index 1 of 3, scale index 1 of 2 → 1·2 + 1
    assert e.frames[3] in html and "<script>" in html


def test_ids_differ_within_a_page_and_repeat_across_builds(monkeypatch):
    monkeypatch.setattr(ex, "_serial", iter(range(1, 100)))
    first = [ex.explorer(plot, depth=[2], scale=[1.0]).uid for _ in range(2)]
    monkeypatch.setattr(ex, "_serial", iter(range(1, 100)))
    second = [ex.explorer(plot, depth=[2], scale=[1.0]).uid for _ in range(2)]
    assert first[0] != first[1] and first == second


def test_bad_controls_are_named():
    with pytest.raises(ValueError, match="at least one control"):
        ex.explorer(plot)
    with pytest.raises(ValueError, match="control 'depth' has no values"):
        ex.explorer(plot, depth=[], scale=[1.0])
    with pytest.raises(ValueError, match="more than 120"):
        ex.explorer(plot, depth=list(range(11)), scale=list(range(11)))
    with pytest.raises(ValueError, match="initial depth=3"):
        ex.explorer(plot, depth=[2], scale=[1.0], initial={"depth": 3})
    with pytest.raises(ValueError, match="must return its matplotlib Figure"):
        ex.explorer(lambda depth: None, depth=[1])


# -- live form: stored frames, and no queue of stale updates -------------------

class Counting:
    """A plotting function that counts its calls."""

    def __init__(self):
        self.calls = []

    def __call__(self, depth, scale):
        self.calls.append((depth, scale))
        return plot(depth, scale)


def test_frames_on_the_grid_are_reused_and_only_off_grid_values_are_plotted():
    counting = Counting()
    e = ex.explorer(counting, depth=[2, 4], scale=[0.5, 1.0])
    assert len(counting.calls) == 4
    assert e.frame_index(depth=4, scale=0.5) == 2
    assert e.frame(depth=4, scale=0.5) == ex.base64.b64decode(e.frames[2])
    assert len(counting.calls) == 4  # no plotting for a stored frame
    assert e.frame_index(depth=3, scale=0.5) is None
    off = e.frame(depth=3, scale=0.5)
    assert off.startswith(b"\x89PNG") and counting.calls[-1] == (3, 0.5)
    assert e.frame(depth=3, scale=0.5) == off and len(counting.calls) == 5  # kept
    with pytest.raises(ValueError, match="no value for control 'scale'"):
        e.frame(depth=2)
    with pytest.raises(ValueError, match="unknown control 'width'"):
        e.frame(depth=2, scale=0.5, width=3)


def test_a_burst_of_requests_draws_only_the_last():
    drawn, waiting = [], []
    latest = ex.LatestOnly(drawn.append, schedule=waiting.append)
    for v in range(1, 6):
        latest.request(v)
    assert len(waiting) == 1 and drawn == []
    waiting.pop()()
    assert drawn == [5] and latest.dropped == 4


def test_requests_during_a_slow_draw_replace_each_other_and_the_last_is_drawn():
    drawn, waiting = [], []

    def slow_draw(v):
        drawn.append(v)
        if v == 1:  # slider messages handled while this figure renders
            for w in (2, 3, 4):
                latest.request(w)

    latest = ex.LatestOnly(slow_draw, schedule=waiting.append)
    latest.request(1)
    while waiting:
        waiting.pop(0)()
    assert drawn == [1, 4] and latest.dropped == 2


def test_a_stored_frame_drawn_now_supersedes_a_waiting_off_grid_one():
    drawn, waiting = [], []
    latest = ex.LatestOnly(drawn.append, schedule=waiting.append)
    latest.request("off-grid")
    latest.request("stored", now=True)
    while waiting:
        waiting.pop(0)()
    assert drawn == ["stored"]  # the older, slower value never overwrites the newer one


@pytest.mark.parametrize("seed", range(5))
def test_no_update_is_lost_or_stuck(seed):
    import random

    rnd = random.Random(seed)
    drawn, waiting = [], []
    latest = ex.LatestOnly(drawn.append, schedule=waiting.append)
    last = None
    for _ in range(200):
        action = rnd.random()
        if action < 0.6:
            last = rnd.randrange(10)
            latest.request(last, now=rnd.random() < 0.3)
        elif waiting:
            waiting.pop(0)()
    while waiting:
        waiting.pop(0)()
    assert drawn and drawn[-1] == last and not latest.pending


def test_the_live_panel_shows_stored_frames_without_plotting():
    counting = Counting()
    e = ex.explorer(counting, depth=[2, 4, 8], scale=[0.5, 1.0], initial={"depth": 4})
    box = e.widget()
    sliders = [w for w in box.children if hasattr(w, "options")]
    image = [w for w in box.children if getattr(w, "format", None) == "png"][0]
    assert image.value == e.frame(depth=4, scale=0.5) and "vgx-frame-2" in image._dom_classes
    sliders[0].value = 8
    sliders[1].value = 1.0
    assert image.value == ex.base64.b64decode(e.frames[5])
    assert [c for c in image._dom_classes if c.startswith("vgx-frame-")] == ["vgx-frame-5"]
    assert len(counting.calls) == 6  # only the build-time frames were ever plotted


# -- accessibility: human labels and the value a screen reader says -----------

def _sliders(html):
    import re

    return re.findall(r'<label[^>]*><span[^>]*>([^<]*)</span>'
                      r'(<input [^>]*>) <output ([^>]*)>([^<]*)</output>',
                      html)


def _attr(tag, name):
    import re

    m = re.search(rf'\b{name}="([^"]*)"', tag)
    return m and m.group(1)


def test_sliders_are_named_by_label_and_say_the_value_shown():
    def plot2(sigma_w2, rnn_scale):
        return plot(sigma_w2, rnn_scale)

    e = ex.explorer(plot2, title="Flow", sigma_w2=[0.5, 1, 2],
                    rnn_scale=[0.9, 1.2], initial={"sigma_w2": 2},
                    labels={"sigma_w2": "weight variance σ_w² <b>"})
    rows = _sliders(e.to_html())
    assert len(rows) == 2
    (text0, input0, out0, shown0), (text1, input1, out1, shown1) = rows
    # visible label = accessible name; given label escaped, default label
    # is the name with spaces
    assert text0 == _attr(input0, "aria-label") == \
        "weight variance σ_w² &lt;b&gt;"
    assert text1 == _attr(input1, "aria-label") == "rnn scale"
    # the value read out is the value shown, not the step index
    assert _attr(input0, "value") == "2" and shown0 == "2"
    assert _attr(input0, "aria-valuetext") == "2"
    assert _attr(input1, "value") == "0" and shown1 == "0.9"
    assert _attr(input1, "aria-valuetext") == "0.9"
    # the <output> (a live region) is not announced a second time
    assert _attr(out0, "aria-hidden") == _attr(out1, "aria-hidden") == "true"
    html = e.to_html()
    assert "setAttribute('aria-valuetext'" in html
    assert 'role="group" aria-label="Flow"' in html
    assert 'alt="Flow (weight variance σ_w² &lt;b&gt; = 2, ' \
        'rnn scale = 0.9)"' in html


def test_labels_must_name_controls_and_reach_the_live_panel():
    with pytest.raises(ValueError, match="labels: 'width' is not a control"):
        ex.explorer(plot, depth=[2], scale=[1.0], labels={"width": "w"})
    e = ex.explorer(plot, depth=[2, 4], scale=[1.0],
                    labels={"depth": "number of layers"})
    assert e.labels == {"depth": "number of layers", "scale": "scale"}
    sliders = [w for w in e.widget().children if hasattr(w, "options")]
    assert [s.description for s in sliders] == ["number of layers", "scale"]
