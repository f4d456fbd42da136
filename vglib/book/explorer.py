"""Interactive explorers that work live in Jupyter and on the static website.

An explorer shows one figure that depends on a few controls (a depth, a
weight scale, an activation). :func:`explorer` takes a plotting function and
the values each control may take, and returns an object that displays as

* a live ``ipywidgets`` panel in a running Jupyter kernel, and
* on the static website, where no kernel runs, a self-contained HTML form.

Every combination of control values is rendered once, when the explorer is
made, to a PNG frame. The HTML form holds them all (as data URIs), and a few
lines of JavaScript show the frame that matches the controls. On the
website each frame is an image file instead (``tools/vg_site.py`` writes
them into ``_images/`` after the build): the page loads the frame it shows,
and another one only when the controls select it. The live panel shows the
same frames: moving a slider swaps the image (a few milliseconds in the
kernel) instead of calling the plotting function again (about 0.6 s for a
chapter's figure). :meth:`Explorer.frame` renders values off the grid, and
keeps them. Updates never queue up: while a figure is being rendered,
newer requests replace older ones, and only the newest is drawn next
(:class:`LatestOnly`).

The object carries both representations in one MIME bundle; Jupyter picks
the widget, the book (``nb_mime_priority_overrides`` in ``_config.yml``)
picks the HTML.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import html
import io
import itertools
import json

__all__ = ["explorer", "Explorer", "LatestOnly"]

MAX_FRAMES = 120
_serial = itertools.count(1)  # explorers made in this kernel, for unique, repeatable element ids


def _png(fig, dpi) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()


_URI = "data:image/png;base64,"  # a frame's address in the HTML form


def _render_png(fig, dpi):
    return base64.b64encode(_png(fig, dpi)).decode("ascii")


class LatestOnly:
    """Draw only the newest of the requests that arrive while one is drawn.

    ``request(values)`` asks for ``draw(values)``. ``schedule(callback)``
    decides when the drawing happens: now (the default), or later, e.g. on
    the kernel's event loop after the slider messages already waiting there.
    Requests that arrive before it happens (or while a slow ``draw`` runs
    and the next one waits) replace each other, so a burst of slider moves
    costs one drawing of its last value, never one per move; and the last
    value is always drawn, so no update is lost or stuck behind another.
    ``request(values, now=True)`` draws at once (a stored frame) and
    supersedes any drawing still waiting.
    """

    def __init__(self, draw, schedule=None):
        self.draw = draw
        self.schedule = schedule or (lambda callback: callback())
        self.wanted = None
        self.drawn = None
        self.pending = False
        self.dropped = 0  # requests replaced before they were drawn

    def request(self, values, now=False):
        if self.pending:
            self.dropped += 1
        self.wanted = values
        if now:
            self._run()  # a callback still scheduled will find nothing new to draw
        elif not self.pending:
            self.pending = True
            self.schedule(self._run)

    def _run(self):
        self.pending = False
        values = self.wanted
        if values == self.drawn:
            return
        self.drawn = values
        self.draw(values)


class Explorer:
    """A figure with controls; see :func:`explorer`."""

    def __init__(self, plot, controls, *, title="", dpi=72, initial=None,
                 labels=None):
        import matplotlib.pyplot as plt

        if not controls:
            raise ValueError("an explorer needs at least one control, e.g. depth=[2, 4, 8]")
        self.plot = plot
        self.controls = {}
        for name, values in controls.items():
            values = list(values)
            if not values:
                raise ValueError(f"control {name!r} has no values")
            self.controls[name] = values
        n_frames = 1
        for values in self.controls.values():
            n_frames *= len(values)
        if n_frames > MAX_FRAMES:
            shape = " x ".join(str(len(v)) for v in self.controls.values())
            raise ValueError(f"{shape} = {n_frames} frames is more than {MAX_FRAMES}; use fewer values")
        self.title = title
        self.initial = dict(initial or {})
        for name, value in self.initial.items():
            if name not in self.controls or value not in self.controls[name]:
                raise ValueError(f"initial {name}={value!r} is not one of the values of control {name!r}")
        # What a reader sees and hears for each control: a human label.
        labels = dict(labels or {})
        for name in labels:
            if name not in self.controls:
                raise ValueError(f"labels: {name!r} is not a control; "
                                 f"controls: {', '.join(self.controls)}")
        self.labels = {name: str(labels.get(name, name.replace("_", " ")))
                       for name in self.controls}
        # Render every combination once (mixed radix, last control fastest).
        self.frames = []
        for combo in itertools.product(*self.controls.values()):
            fig = plot(**dict(zip(self.controls, combo)))
            if fig is None:
                raise ValueError("the plotting function must return its matplotlib Figure")
            self.frames.append(_render_png(fig, dpi))
            plt.close(fig)
        self.dpi = dpi
        self._off_grid = {}  # values off the grid -> PNG bytes, rendered on demand
        digest = hashlib.sha1("".join(self.frames[:1]).encode() + title.encode()).hexdigest()[:10]
        self.uid = f"vgx-{digest}-{next(_serial)}"  # the same in every build of the page

    def _start_index(self, name):
        values = self.controls[name]
        return values.index(self.initial[name]) if name in self.initial else 0

    def frame_index(self, **values):
        """The number of the pre-rendered frame for these values, or None if one is off the grid."""
        index = 0
        for name, options in self.controls.items():
            if name not in values:
                raise ValueError(f"no value for control {name!r}; controls: {', '.join(self.controls)}")
            try:
                i = options.index(values[name])
            except ValueError:
                return None
            index = index * len(options) + i
        unknown = set(values) - set(self.controls)
        if unknown:
            raise ValueError(f"unknown control {sorted(unknown)[0]!r}; controls: {', '.join(self.controls)}")
        return index

    def frame(self, **values) -> bytes:
        """The PNG for these control values.

        On the grid it is the frame rendered when the explorer was made (no
        plotting); off the grid it is rendered now, once, and kept.
        """
        index = self.frame_index(**values)
        if index is not None:
            return base64.b64decode(self.frames[index])
        key = tuple(values[name] for name in self.controls)
        if key not in self._off_grid:
            import matplotlib.pyplot as plt

            fig = self.plot(**values)
            if fig is None:
                raise ValueError("the plotting function must return its matplotlib Figure")
            try:
                self._off_grid[key] = _png(fig, self.dpi)
            finally:
                plt.close(fig)
        return self._off_grid[key]

    # -- static form ---------------------------------------------------------
    def to_html(self) -> str:
        """The kernel-free form: controls, an image, the frames as data URIs.

        The script holds each frame's address (``var frames = [...]``) and
        sets the image's ``src`` only when the controls pick another frame,
        so the website can replace the data URIs by files that the browser
        fetches when they are needed.
        """
        uid = self.uid
        rows = []
        for k, (name, values) in enumerate(self.controls.items()):
            start = self._start_index(name)
            labels = [str(v) for v in values]
            # The slider's name is its visible label; aria-valuetext says
            # the value shown (not the step index). The <output> is a live
            # region by default: hidden from screen readers, which already
            # hear the new value from the slider.
            label = html.escape(self.labels[name])
            shown = html.escape(labels[start])
            rows.append(
                f'<label style="display:block;margin:2px 0">'
                f'<span style="display:inline-block;min-width:9em">'
                f'{label}</span>'
                f'<input type="range" class="vgx-control" data-k="{k}" '
                f'min="0" max="{len(values) - 1}" step="1" value="{start}" '
                f'aria-label="{label}" aria-valuetext="{shown}" '
                f'style="vertical-align:middle;width:14em">'
                f' <output class="vgx-value" data-k="{k}" aria-hidden="true">'
                f'{shown}</output></label>'
            )
        sizes = [len(v) for v in self.controls.values()]
        labels = [[str(v) for v in values] for values in self.controls.values()]
        heading = f"<strong>{html.escape(self.title)}</strong>" if self.title else ""
        script = f"""
(function() {{
  var root = document.getElementById({json.dumps(uid)});
  if (!root) return;
  var frames = {json.dumps([_URI + f for f in self.frames])};
  var sizes = {json.dumps(sizes)};
  var labels = {json.dumps(labels)};
  var names = {json.dumps(list(self.labels.values()))};
  var title = {json.dumps(self.title or "explorer figure")};
  var inputs = root.querySelectorAll('input.vgx-control');
  var outputs = root.querySelectorAll('output.vgx-value');
  var img = root.querySelector('img.vgx-frame');
  function update() {{
    var index = 0, settings = [];
    for (var k = 0; k < sizes.length; k++) {{
      var i = parseInt(inputs[k].value, 10);
      outputs[k].textContent = labels[k][i];
      inputs[k].setAttribute('aria-valuetext', labels[k][i]);
      settings.push(names[k] + ' = ' + labels[k][i]);
      index = index * sizes[k] + i;
    }}
    if (img.getAttribute('src') !== frames[index]) img.src = frames[index];
    img.alt = title + ' (' + settings.join(', ') + ')';
    root.setAttribute('data-frame', index);
  }}
  for (var k = 0; k < inputs.length; k++) {{ inputs[k].addEventListener('input', update); }}
  update();
}})();"""
        first = 0
        for name, size in zip(self.controls, sizes):
            first = first * size + self._start_index(name)
        group = html.escape(self.title or "explorer")
        settings = ", ".join(
            f"{self.labels[name]} = {values[self._start_index(name)]}"
            for name, values in self.controls.items())
        alt = html.escape(f'{self.title or "explorer figure"} ({settings})')
        return (
            f'<div id="{uid}" class="vg-explorer" data-frame="{first}" '
            f'role="group" aria-label="{group}" '
            f'style="border:1px solid #ddd;border-radius:6px;padding:8px;margin:8px 0">'
            f"{heading}{''.join(rows)}"
            f'<img class="vgx-frame" alt="{alt}" '
            f'src="{_URI}{self.frames[first]}" style="max-width:100%">'
            f"<script>{script}</script></div>"
        )

    # -- live form -----------------------------------------------------------
    def widget(self):
        """A live ``ipywidgets`` panel: sliders over the controls' values and the frame they pick.

        The image is a ``widgets.Image`` whose CSS class ``vgx-frame-N`` names
        the frame shown (N as in the website's ``data-frame``), set in the
        same message as the picture.
        """
        import ipywidgets as widgets

        sliders = {}
        for name, values in self.controls.items():
            sliders[name] = widgets.SelectionSlider(
                options=[(str(v), v) for v in values], value=values[self._start_index(name)],
                description=self.labels[name], continuous_update=True,
                style={"description_width": "initial"},
            )
        # flex-start: a column VBox would otherwise stretch the picture past its size, blurred
        image = widgets.Image(format="png", layout={"max_width": "100%", "align_self": "flex-start"})
        status = widgets.HTML()
        image.add_class("vgx-live")
        shown = {"class": None}  # the vgx-frame-N class on the image now

        def draw(values):
            try:
                png = self.frame(**values)
            except Exception as exc:  # shown under the figure: a callback's error is otherwise lost in the kernel log
                status.value = f"<pre style='color:#b00'>{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</pre>"
                return
            index = self.frame_index(**values)
            name = f"vgx-frame-{index}" if index is not None else "vgx-frame-off-grid"
            with image.hold_sync():  # picture and class in one message
                image.value = png
                if shown["class"]:
                    image.remove_class(shown["class"])
                image.add_class(name)
            shown["class"] = name
            status.value = ""

        latest = LatestOnly(draw, schedule=_on_event_loop)

        def changed(change=None):
            values = {n: s.value for n, s in sliders.items()}
            # A stored frame is drawn at once (a few milliseconds); one off the grid waits its turn.
            latest.request(values, now=self.frame_index(**values) is not None)

        for s in sliders.values():
            s.observe(changed, names="value")
        changed()
        children = ([widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else [])
        box = widgets.VBox(children + list(sliders.values()) + [image, status])
        box.add_class("vg-explorer-live")
        return box

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"<explorer {self.title!r}: {len(self.frames)} frames>",
                  "text/html": self.to_html()}
        try:
            w = self.widget()
        except Exception:  # no ipywidgets or no kernel: the HTML form still works
            return bundle
        # What the widget's own bundle holds (ipywidgets 8: widget-view format 2.0), from public attributes.
        bundle["application/vnd.jupyter.widget-view+json"] = {"version_major": 2, "version_minor": 0,
                                                               "model_id": w.model_id}
        return bundle


def _on_event_loop(callback):
    """Run ``callback`` after the messages already waiting in the kernel (now, outside an event loop)."""
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        callback()
        return
    loop.call_soon(callback)


def explorer(plot, *, title="", dpi=72, initial=None, labels=None,
             **controls) -> Explorer:
    """Build an explorer over every combination of the control values.

    Parameters
    ----------
    plot : callable
        ``plot(**values) -> matplotlib.figure.Figure``, called with one value
        per control. It must return the figure (the explorer closes it).
    title : str
        Shown above the controls.
    dpi : int
        Resolution of the pre-rendered frames.
    initial : dict, optional
        Starting value of some controls (default: each control's first value).
    labels : dict, optional
        What readers see and screen readers say for some controls, e.g.
        ``{"sigma_w2": "weight variance σ_w²"}`` (default: the control's
        name with underscores as spaces).
    **controls
        ``name=[values...]``: the values each control may take, in order.
        At most 120 combinations in all.

    Examples
    --------
    >>> ex = explorer(lambda depth, scale: make_figure(depth, scale),
    ...               depth=[2, 5, 10, 20], scale=[0.5, 1.0, 2.0])  # doctest: +SKIP
    >>> ex  # last expression of a cell: shows the explorer  # doctest: +SKIP
    """
    return Explorer(plot, controls, title=title, dpi=dpi, initial=initial,
                    labels=labels)
