"""vglib.explorer: the kernel-free form carries every frame and repeatable ids."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from vglib import explorer as ex  # noqa: E402


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
