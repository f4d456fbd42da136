r"""Do the weight updates of a layer share one sign? Per unit, per layer, per batch.

For one example the gradient of layer ``l``'s weights is an outer product,

.. math:: \frac{\partial \ell}{\partial W_{ij}} = h_{i}\,\delta_{j},

with ``h = h_{l−1}`` the layer's input and ``δ = δ_l`` its error signal.
Column ``j`` (every weight *into* unit ``j``) is the input vector ``h``
times one number ``δ_j``. When every ``h_i ≥ 0`` (ReLU or sigmoid outputs),
the entries of that column all have the sign of ``δ_j``, or are zero. That
is a statement about one unit and one example: different units have
different ``δ_j``, and a minibatch sums outer products whose ``δ`` differ.

:func:`sign_agreement` measures how often the statement holds. It groups the
examples into batches of ``batch_size`` consecutive rows, forms each batch's
gradient ``G = h_bᵀ δ_b`` (shape ``(n_in, n_out)``), and reports

* ``"column"``: the fraction of columns of ``G`` whose non-zero entries all
  share one sign (pooled over batches; columns that are entirely zero, such
  as those of an inactive ReLU unit, move no weight and are left out);
* ``"layer"``: the fraction of batches whose whole ``G`` has one sign;
* ``"minority"``: the mean, over those columns, of the share of the
  column's absolute mass ``Σ|G_ij|`` carried by its less common sign
  (0 for a one-signed column, 1/2 for an even split);
* ``"n_columns"``: how many columns ``"column"`` and ``"minority"`` count.

References
----------
LeCun, Bottou, Orr & Müller (1998), Efficient BackProp (inputs of one sign
force the weights into a unit to move together).
"""

from __future__ import annotations

import numpy as np

from . import _checks

__all__ = ["sign_agreement", "one_signed"]


def one_signed(G, axis=None):
    """True where the non-zero entries of ``G`` (along ``axis``, or all of them) share one sign.

    An all-zero slice counts as one-signed; callers that want to skip such
    slices test ``np.any(G != 0, axis)`` themselves.
    """
    G = _checks.array("G", G, finite=True)
    return ~(np.any(G > 0, axis=axis) & np.any(G < 0, axis=axis))


def sign_agreement(h_prev, delta, batch_size=1):
    r"""How often the weight gradient ``h_bᵀ δ_b`` of a batch has one sign per column, and per layer.

    Parameters
    ----------
    h_prev : array (N, n_in)
        The layer's inputs ``h_{l−1}``, one row per example (``X`` for the first layer).
    delta : array (N, n_out)
        The layer's error signals ``δ_l = ∂ℓ/∂z_l`` for the same examples.
    batch_size : int
        Examples per batch (1: single examples). ``N`` must be a multiple of it.

    Returns
    -------
    dict
        ``{"column": float, "layer": float, "minority": float, "n_columns": int}``
        (see the module docstring); ``"column"`` and ``"minority"`` are NaN
        when every column is zero.

    Examples
    --------
    >>> h = np.array([[1.0, 2.0], [3.0, 0.0]]); d = np.array([[1.0, -1.0], [-1.0, 2.0]])
    >>> sign_agreement(h, d)["column"], sign_agreement(h, d)["layer"]
    (1.0, 0.0)
    """
    h_prev = _checks.array("h_prev", h_prev, finite=True, nonempty=True, dtype=np.float64)
    delta = _checks.array("delta", delta, finite=True, nonempty=True, dtype=np.float64)
    if h_prev.ndim != 2 or delta.ndim != 2 or h_prev.shape[0] != delta.shape[0]:
        raise ValueError(
            f"h_prev and delta must be (N, n_in) and (N, n_out) with the same N; "
            f"got {h_prev.shape} and {delta.shape}")
    batch_size = _checks.integer("batch_size", batch_size, low=1)
    n = h_prev.shape[0]
    if n % batch_size:
        raise ValueError(f"batch_size must be >= 1 and divide N = {n}, got {batch_size}")
    nb = n // batch_size
    Hb = h_prev.reshape(nb, batch_size, -1)
    Db = delta.reshape(nb, batch_size, -1)
    G = np.matmul(Hb.transpose(0, 2, 1), Db)           # (nb, n_in, n_out): ∂ℓ/∂W of each batch
    moving = np.any(G != 0, axis=1)                    # (nb, n_out): columns that change a weight
    col_ok = one_signed(G, axis=1) & moving
    n_cols = int(moving.sum())
    column = float(col_ok.sum() / n_cols) if n_cols else float("nan")
    layer = float(np.mean(one_signed(G.reshape(nb, -1), axis=1)))
    pos = np.where(G > 0, G, 0.0).sum(axis=1)
    neg = -np.where(G < 0, G, 0.0).sum(axis=1)
    share = np.minimum(pos, neg)[moving] / (pos + neg)[moving]
    minority = float(share.mean()) if n_cols else float("nan")
    return {"column": column, "layer": layer, "minority": minority, "n_columns": n_cols}
