"""Plotting helpers shared by the chapters (matplotlib lives here, at the edge).

Nothing in the maths modules imports this one.
"""

from __future__ import annotations

import numpy as np

from .style import color

__all__ = ["color", "check_finite", "plot_activation", "new_figure", "centre_and_range", "book_style"]

BOOK_RC = {
    "font.size": 11,
    "axes.titlesize": 11,
    "axes.labelsize": 11,
    "legend.fontsize": 9,
    "xtick.labelsize": 10,
    "ytick.labelsize": 10,
    "figure.dpi": 100,
    "savefig.dpi": 200,
}


def book_style():
    """The book's figure defaults: readable fonts, and figures drawn at twice the pixels.

    Sets ``BOOK_RC`` in matplotlib and, in a running IPython kernel, the
    inline backend's ``retina`` format: each figure is a PNG with twice the
    pixels, shown at its normal size, so tick labels stay sharp on high-
    resolution screens and on the website. Called when this module is
    imported.
    """
    import matplotlib as mpl

    mpl.rcParams.update(BOOK_RC)
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    try:
        from matplotlib_inline.backend_inline import set_matplotlib_formats
    except ImportError:
        return
    set_matplotlib_formats("retina")


def check_finite(name, *arrays):
    """Raise ``ValueError`` if any array holds NaN or ±inf, so no NaN reaches a plot unnoticed."""
    for a in arrays:
        a = np.asarray(a, dtype=float)
        bad = ~np.isfinite(a)
        if bad.any():
            first = np.argwhere(bad)[0].tolist()
            raise ValueError(f"{name}: {int(bad.sum())} non-finite value(s) to plot, first at index {first}")


def centre_and_range(values, axis=0, centre="mean"):
    """A centre of ``values`` along ``axis`` and its distance to the minimum and maximum.

    Returns ``(c, yerr)`` for ``errorbar(x, c, yerr=yerr)``. The mean of equal
    numbers can round a hair above or below them (three copies of one float
    may average to it minus 5e-17), and matplotlib rejects negative error
    bars; both distances are therefore clipped at 0, which removes only such
    rounding, never a real spread.
    """
    v = np.asarray(values, dtype=float)
    check_finite("centre_and_range", v)
    if v.size == 0:
        raise ValueError("centre_and_range needs at least one value")
    if centre == "mean":
        c = v.mean(axis=axis)
    elif centre == "median":
        c = np.median(v, axis=axis)
    else:
        raise ValueError(f"centre must be 'mean' or 'median', got {centre!r}")
    low = np.maximum(c - v.min(axis=axis), 0.0)
    high = np.maximum(v.max(axis=axis) - c, 0.0)
    return c, np.stack([low, high])


def new_figure(ncols=1, nrows=1, width=4.2, height=3.0, **kwargs):
    """A figure with a grid of axes, sized per panel."""
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(nrows, ncols, figsize=(width * ncols, height * nrows), **kwargs)
    return fig, axes


def plot_activation(ax, act, z, *, derivative=False, label=None, **kwargs):
    """Plot an activation (or its derivative) on ``ax`` in the activation's book colour."""
    y = act.grad(z) if derivative else act(z)
    check_finite(act.name, y)
    name = act.name
    ax.plot(z, y, color=color(name), label=label if label is not None else name, **kwargs)
    return ax


book_style()
