"""The book's edge: what only the chapters need. Nothing in the core or the studies imports it.

* this module: numbers in the prose (:func:`glue`, :func:`glued`);
* :mod:`vglib.book.style`: one colour per activation, the same in every figure;
* :mod:`vglib.book.plotting`: figure helpers (:func:`~vglib.book.plotting.check_finite`, error bars);
* :mod:`vglib.book.explorer`: explorers, live in Jupyter and kernel-free on the website.

Numbers in the prose, the same on the website and in JupyterLab.

A chapter computes a number in a code cell and states it in a markdown cell::

    glue("ch06_cure_acc_min", float(acc.min()))             # code cell
    ... at least {eval}`glued("ch06_cure_acc_min", ".2f")` ...   # markdown cell

:func:`glue` records the value and hands it to ``myst_nb.glue``;
:func:`glued` formats a recorded value. Who reads the ``{eval}`` role:

* **The website** (Jupyter Book, myst-nb). ``tools/vg_site.py`` makes the
  ``eval`` role read ``glued("key", "spec")`` from the notebook's glue data,
  exactly as ``{glue:text}`key:spec``` would: the value is looked up after the
  whole notebook ran, so a sentence may state a number computed further down.
  ``errata.md`` pastes the same keys across documents with ``{glue:text}``.
* **JupyterLab** with ``jupyterlab-myst``. Running a markdown cell (or Run All)
  evaluates each ``{eval}`` expression in the kernel, so ``glued`` must be
  imported there (``from vglib.book import glue, glued``). A value not
  computed yet (a cell run before the code cell below it) shows as a
  placeholder that fills in when :func:`glue` records it.
* **Without myst-nb** (Colab): :func:`glue` only records.

Formatting follows myst-nb's ``{glue:text}`` (``format_plain_text``): the
last letter of the spec picks ``int`` (``d``, ``x``, ...), ``float`` (``f``,
``e``, ``g``, ``%``, ...) or ``str`` (``s``); no spec is ``str(value)``.
Glue Python numbers (``float(x)``), not NumPy scalars.
"""

from __future__ import annotations

__all__ = ["glue", "glued", "check", "readable"]

PENDING = "…"
PENDING_CLASS = "vg-glued-pending"  # on a placeholder until its value arrives (tests/lab looks for it)
_values: dict[str, object] = {}
_waiting: dict[str, list] = {}  # key -> [(placeholder widget, spec)] shown before the value existed


class _Text(str):
    """A formatted number whose plain-text form has no quotes around it."""

    def __repr__(self) -> str:
        return str(self)


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def readable(text: str) -> str:
    """``"8e-09"`` → ``"8 × 10⁻⁹"``: a number in ``e`` notation written for reading.

    Text that is not one number in ``e`` notation comes back unchanged; a
    mantissa of exactly 1 is dropped (``"1e-08"`` → ``"10⁻⁸"``).
    """
    import re

    m = re.fullmatch(r"([-+]?\d+(?:\.\d*)?)[eE]([-+]?)(\d+)", text.strip())
    if m is None:
        return text
    mantissa, sign, digits = m.groups()
    exponent = int(digits)
    if exponent == 0:
        return mantissa
    power = "10" + (("-" if sign == "-" else "") + str(exponent)).translate(_SUPERSCRIPT)
    sign_char = "−" if mantissa.startswith("-") else ""
    mantissa = mantissa.lstrip("+-")
    if mantissa in ("1", "1.", "1.0"):
        return sign_char + power
    return f"{sign_char}{mantissa} × {power}"


def _format(value, spec: str) -> str:
    if not spec:
        return str(value)
    kind = spec[-1]
    if kind == "s":
        value = str(value)
    elif kind in "bcdoxX":
        value = int(value)
    elif kind in "eEfFgGn%":
        value = float(value)
    text = format(value, spec)
    return readable(text) if kind in "eE" else text


def check(condition, claim: str, detail: str = "") -> None:
    """A visible claim check: print ``✓ claim`` when it holds, raise ``AssertionError`` when not.

    The chapters state a claim and test it in one readable line::

        check(dead < 0.1, f"claim 7 holds: {dead:.0%} of the units are dead")

    On the page the reader sees ``✓ claim 7 holds: 3% of the units are dead``;
    if the claim ever breaks, the build stops with ``✗ claim 7 holds: … —
    detail``. ``condition`` must be a plain ``bool`` or a NumPy boolean
    scalar (an array raises ``TypeError``: say ``.all()`` or ``.any()``).
    """
    import numpy as np

    if isinstance(condition, np.ndarray) and condition.ndim > 0:
        raise TypeError(f"check({claim!r}): the condition is an array of shape {condition.shape}; "
                        "reduce it with .all() or .any()")
    if not isinstance(condition, (bool, np.bool_)):
        raise TypeError(f"check({claim!r}): the condition must be True or False, got {condition!r}")
    if not condition:
        raise AssertionError(f"✗ {claim}" + (f" — {detail}" if detail else ""))
    print(f"✓ {claim}")


def glue(name: str, value, display: bool = False):
    """Record ``value`` under ``name`` for :func:`glued` and glue it for the book.

    Same signature as ``myst_nb.glue``; chapters pass ``display=False``.
    """
    _values[name] = value
    for widget, spec in _waiting.pop(name, []):
        widget.value = _format(value, spec)
        widget.remove_class(PENDING_CLASS)
    try:
        from myst_nb import glue as myst_glue
    except ImportError:  # no myst-nb (Colab): JupyterLab's {eval} still works
        return None
    return myst_glue(name, value, display=display)


class _Placeholder:
    """Built on first use: ipywidgets is only needed for a not-yet-computed value."""

    cls = None

    @classmethod
    def make(cls):
        if cls.cls is None:
            import ipywidgets as widgets

            class Placeholder(widgets.Label):
                def _repr_mimebundle_(self, **kwargs):
                    data = super()._repr_mimebundle_(**kwargs)
                    if isinstance(data, tuple):
                        data = data[0]
                    data = dict(data or {})
                    data["text/plain"] = self.value  # what an untrusted, reopened notebook shows
                    return data

            cls.cls = Placeholder
        widget = cls.cls(value=PENDING, layout={"width": "auto", "height": "auto", "margin": "0"})
        widget.add_class(PENDING_CLASS)
        return widget


def glued(name: str, spec: str = ""):
    """The value glued under ``name``, formatted with ``spec`` (e.g. ``".2f"``).

    For a name not glued yet, a placeholder widget (``…``) that :func:`glue`
    fills in; without ipywidgets, the text ``…``.
    """
    if name in _values:
        return _Text(_format(_values[name], spec))
    try:
        widget = _Placeholder.make()
    except ImportError:
        return _Text(PENDING)
    _waiting.setdefault(name, []).append((widget, spec))
    return widget
