"""Plotting helpers shared by the chapters (matplotlib lives here, at the edge).

Nothing in the maths modules imports this one.
"""

from __future__ import annotations

import numpy as np

from .style import color

__all__ = ["color", "check_finite", "plot_activation", "new_figure"]


def check_finite(name, *arrays):
    """Raise ``ValueError`` if any array holds NaN or ±inf, so no NaN reaches a plot unnoticed."""
    for a in arrays:
        a = np.asarray(a, dtype=float)
        bad = ~np.isfinite(a)
        if bad.any():
            first = np.argwhere(bad)[0].tolist()
            raise ValueError(f"{name}: {int(bad.sum())} non-finite value(s) to plot, first at index {first}")


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
