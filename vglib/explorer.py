"""Interactive explorers that work live in Jupyter and on the static website.

An explorer shows one figure that depends on a few controls (a depth, a
weight scale, an activation). :func:`explorer` takes a plotting function and
the values each control may take, and returns an object that displays as

* a live ``ipywidgets`` panel in a running Jupyter kernel (each change calls
  the plotting function again), and
* on the static website, where no kernel runs, a self-contained HTML form:
  every combination of control values is rendered once, at build time, to a
  PNG frame, and a few lines of JavaScript show the frame that matches the
  controls. Nothing is fetched from the network.

The object carries both representations in one MIME bundle; Jupyter picks
the widget, the book (``nb_mime_priority_overrides`` in ``_config.yml``)
picks the HTML.
"""

from __future__ import annotations

import base64
import hashlib
import html
import io
import itertools
import json

__all__ = ["explorer", "Explorer"]

MAX_FRAMES = 120
_serial = itertools.count(1)  # explorers made in this kernel, for unique, repeatable element ids


def _render_png(fig, dpi):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return base64.b64encode(buf.getvalue()).decode("ascii")


class Explorer:
    """A figure with controls; see :func:`explorer`."""

    def __init__(self, plot, controls, *, title="", dpi=72, initial=None):
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
        # Render every combination once (mixed radix, last control fastest).
        self.frames = []
        for combo in itertools.product(*self.controls.values()):
            fig = plot(**dict(zip(self.controls, combo)))
            if fig is None:
                raise ValueError("the plotting function must return its matplotlib Figure")
            self.frames.append(_render_png(fig, dpi))
            plt.close(fig)
        digest = hashlib.sha1("".join(self.frames[:1]).encode() + title.encode()).hexdigest()[:10]
        self.uid = f"vgx-{digest}-{next(_serial)}"  # the same in every build of the page

    def _start_index(self, name):
        values = self.controls[name]
        return values.index(self.initial[name]) if name in self.initial else 0

    # -- static form ---------------------------------------------------------
    def to_html(self) -> str:
        """The kernel-free form: controls, one image, and the frames as data URIs."""
        uid = self.uid
        rows = []
        for k, (name, values) in enumerate(self.controls.items()):
            start = self._start_index(name)
            labels = [str(v) for v in values]
            rows.append(
                f'<label style="display:block;margin:2px 0">'
                f'<span style="display:inline-block;min-width:9em">{html.escape(name)}</span>'
                f'<input type="range" class="vgx-control" data-k="{k}" min="0" max="{len(values) - 1}" '
                f'step="1" value="{start}" aria-label="{html.escape(name)}" style="vertical-align:middle;width:14em">'
                f' <output class="vgx-value" data-k="{k}">{html.escape(labels[start])}</output></label>'
            )
        sizes = [len(v) for v in self.controls.values()]
        labels = [[str(v) for v in values] for values in self.controls.values()]
        heading = f"<strong>{html.escape(self.title)}</strong>" if self.title else ""
        script = f"""
(function() {{
  var root = document.getElementById({json.dumps(uid)});
  var frames = {json.dumps(self.frames)};
  var sizes = {json.dumps(sizes)};
  var labels = {json.dumps(labels)};
  var inputs = root.querySelectorAll('input.vgx-control');
  var outputs = root.querySelectorAll('output.vgx-value');
  var img = root.querySelector('img.vgx-frame');
  function update() {{
    var index = 0;
    for (var k = 0; k < sizes.length; k++) {{
      var i = parseInt(inputs[k].value, 10);
      outputs[k].textContent = labels[k][i];
      index = index * sizes[k] + i;
    }}
    img.src = 'data:image/png;base64,' + frames[index];
    root.setAttribute('data-frame', index);
  }}
  for (var k = 0; k < inputs.length; k++) {{ inputs[k].addEventListener('input', update); }}
  update();
}})();"""
        first = 0
        for name, size in zip(self.controls, sizes):
            first = first * size + self._start_index(name)
        return (
            f'<div id="{uid}" class="vg-explorer" data-frame="{first}" '
            f'style="border:1px solid #ddd;border-radius:6px;padding:8px;margin:8px 0">'
            f"{heading}{''.join(rows)}"
            f'<img class="vgx-frame" alt="{html.escape(self.title or "explorer figure")}" '
            f'src="data:image/png;base64,{self.frames[first]}" style="max-width:100%">'
            f"<script>{script}</script></div>"
        )

    # -- live form -----------------------------------------------------------
    def widget(self):
        """A live ``ipywidgets`` panel that calls the plotting function on each change."""
        import ipywidgets as widgets
        import matplotlib.pyplot as plt
        from IPython.display import display

        out = widgets.Output()
        sliders = {}
        for name, values in self.controls.items():
            options = [(str(v), v) for v in values]
            sliders[name] = widgets.SelectionSlider(
                options=options, value=values[self._start_index(name)], description=name,
                continuous_update=False, style={"description_width": "initial"},
            )

        def redraw(change=None):
            with out:
                out.clear_output(wait=True)
                fig = self.plot(**{n: s.value for n, s in sliders.items()})
                display(fig)
                plt.close(fig)

        for s in sliders.values():
            s.observe(redraw, names="value")
        redraw()
        children = ([widgets.HTML(f"<b>{html.escape(self.title)}</b>")] if self.title else [])
        return widgets.VBox(children + list(sliders.values()) + [out])

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = {"text/plain": f"<explorer {self.title!r}: {len(self.frames)} frames>",
                  "text/html": self.to_html()}
        try:
            w = self.widget()
        except Exception:  # no ipywidgets or no kernel: the HTML form still works
            return bundle
        data = w._repr_mimebundle_()
        if isinstance(data, tuple):
            data = data[0]
        if data and "application/vnd.jupyter.widget-view+json" in data:
            bundle["application/vnd.jupyter.widget-view+json"] = data["application/vnd.jupyter.widget-view+json"]
        return bundle


def explorer(plot, *, title="", dpi=72, initial=None, **controls) -> Explorer:
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
    **controls
        ``name=[values...]``: the values each control may take, in order.
        At most 120 combinations in all.

    Examples
    --------
    >>> ex = explorer(lambda depth, scale: make_figure(depth, scale),
    ...               depth=[2, 5, 10, 20], scale=[0.5, 1.0, 2.0])  # doctest: +SKIP
    >>> ex  # last expression of a cell: shows the explorer  # doctest: +SKIP
    """
    return Explorer(plot, controls, title=title, dpi=dpi, initial=initial)
