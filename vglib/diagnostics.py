r"""Per-layer measurements of gradient flow, at initialisation or during training.

Layers are numbered ``l = 0 … L−1`` as in :mod:`vglib.network`. Statistics
of the weights and their gradients have one value per layer (``L`` values);
statistics of the activations ``h_l`` have one value per *hidden* layer
(``L − 1`` values, the output layer is linear).

=========================  =====================================================  ========
key                        definition                                             length
=========================  =====================================================  ========
``grad_mean_abs``          mean of ``|∂ℓ/∂W_l|`` over the entries of ``W_l``        L
``grad_norm``              Frobenius norm ``‖∂ℓ/∂W_l‖``                             L
``weight_norm``            ``‖W_l‖``                                               L
``update_ratio``           ``‖ΔW_l‖ / ‖W_l‖`` of one optimiser step                L
``act_mean``, ``act_std``  mean and standard deviation of ``h_l`` on the probe set  L − 1
``saturated_fraction``     fraction of ``(example, unit)`` with ``|f'(u)| < τ``    L − 1
``dead_fraction``          fraction of units with ``h = 0`` for *every* example    L − 1
=========================  =====================================================  ========

``τ`` is ``threshold`` (default :data:`SATURATION_THRESHOLD` = 0.01): a sigmoid
unit counts as saturated when ``|z| > 4.6``, a ReLU unit whenever ``z ≤ 0``.
A dead unit is one whose output is exactly zero on the whole probe set, so
none of its incoming weights gets any gradient from those examples.
``u`` is the activation's input: ``z`` itself, or ``z`` normalised in a
network built with ``norm=`` (``net.trace.u``).

Beside the table, for one pass kept in ``net.trace``:

* :func:`delta_norms`, the course's central measurement: the size of the
  error signal ``δ_l = ∂ℓ/∂z_l`` layer by layer (norm, root mean square or
  mean absolute value);
* :func:`inactive_units` (per unit, ``u ≤ 0`` on every input) and
  :func:`first_zero_layer` (a network born dead at an input);
* :func:`sign_agreement`: do the weight updates of a layer share one sign?

**Sign agreement.** For one example the gradient of layer ``l``'s weights is an outer product,

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

References: LeCun, Bottou, Orr & Müller (1998), Efficient BackProp (inputs of
one sign force the weights into a unit to move together); Lu, Shin, Su &
Karniadakis (2020), Dying ReLU and initialization (dead units, networks born
dead).
"""

from __future__ import annotations

import numpy as np

from . import _checks
from . import activations as _acts

__all__ = [
    "SATURATION_THRESHOLD",
    "layer_stats",
    "gradient_stats",
    "weight_stats",
    "activation_stats",
    "update_ratio",
    "saturated_fraction",
    "dead_fraction",
    "histograms",
    "delta_norms",
    "inactive_units",
    "first_zero_layer",
    "sign_agreement",
    "one_signed",
]

SATURATION_THRESHOLD = 0.01


def _threshold(threshold):
    return _checks.real("threshold", threshold, low=0.0, low_open=True)


def saturated_fraction(act, z, threshold=SATURATION_THRESHOLD):
    """Fraction of the entries of ``z`` where the activation's slope ``|f'(z)|`` is below ``threshold``.

    ``z`` must be finite and non-empty (a NaN has no slope to compare).
    """
    z = _checks.array("z", z, finite=True, nonempty=True)
    return float(np.mean(np.abs(_acts.get(act).grad(z)) < _threshold(threshold)))


def dead_fraction(h):
    """Fraction of units (columns of ``h``, shape ``(N, n)``) that are zero for every example."""
    h = _checks.array("h", h, ndim=2, finite=True, nonempty=True)
    return float(np.mean(np.all(h == 0, axis=0)))


def gradient_stats(grads):
    """``grad_mean_abs`` and ``grad_norm`` of every ``∂ℓ/∂W_l`` (arrays of length L)."""
    if isinstance(grads, (str, bytes)) or not hasattr(grads, "__len__") or not len(grads):
        raise _checks.ArgumentTypeError(f"grads must be a list of (dW, db) pairs, got {_checks.show(grads)}")
    for l, pair in enumerate(grads):
        _checks.array(f"grads[{l}][0]", pair[0], kinds="f", finite=True, nonempty=True)
    return {
        "grad_mean_abs": np.array([float(np.mean(np.abs(dW))) for dW, _ in grads]),
        "grad_norm": np.array([float(np.linalg.norm(dW)) for dW, _ in grads]),
    }


def weight_stats(net):
    """``weight_norm``: ``‖W_l‖`` of every layer (length L)."""
    _checks.network("net", net)
    return {"weight_norm": np.array([float(np.linalg.norm(W)) for W in net.weights])}


def update_ratio(net, flat_before):
    r"""``‖ΔW_l‖ / ‖W_l‖`` per layer, with ``ΔW`` the change of ``net.flat`` since ``flat_before``."""
    flat_before = _checks.array("flat_before", flat_before, kinds="f", finite=True)
    if flat_before.shape != _checks.network("net", net).flat.shape:
        raise ValueError(f"flat_before must have the shape of net.flat, {net.flat.shape}, got {flat_before.shape}")
    before = net.param_views(flat_before)[0]
    return np.array([float(np.linalg.norm(W - W0) / max(np.linalg.norm(W0), 1e-300))
                     for W, (W0, _) in zip(net.weights, before)])


def activation_stats(net, X, threshold=SATURATION_THRESHOLD):
    """Mean, std, saturated and dead fraction of every hidden layer's ``h_l`` on the probe set ``X``.

    The saturated fraction is measured at the activation's input ``u_l``
    (``net.trace.u``: ``z_l`` itself, or its normalised form with ``norm=``).
    Runs one forward pass in evaluation mode (RReLU uses its fixed slope) and
    restores the network's mode afterwards. ``X`` needs at least one row.
    """
    X = _checks.network("net", net).check_input(X)
    if X.shape[0] == 0:
        raise ValueError("X has no rows: activation statistics need at least one example")
    threshold = _threshold(threshold)
    with net.evaluating():  # RReLU's slope (and so its saturation) is the fixed one
        net.forward(X, keep=True)
        tr, acts = net.trace, net.activations
        return {
            "act_mean": np.array([float(h.mean()) for h in tr.h]),
            "act_std": np.array([float(h.std()) for h in tr.h]),
            "saturated_fraction": np.array([saturated_fraction(a, u, threshold) for a, u in zip(acts, tr.u)]),
            "dead_fraction": np.array([dead_fraction(h) for h in tr.h]),
        }


def layer_stats(net, X, y, probe=None, threshold=SATURATION_THRESHOLD):
    """Every per-layer statistic of the table above, for one batch, without training.

    Parameters
    ----------
    net : MLP
    X, y : arrays
        The batch whose gradients are measured.
    probe : array, optional
        Inputs for the activation statistics (default: ``X``).
    threshold : float
        ``τ`` of the saturated fraction.

    Returns
    -------
    dict of str to ndarray
        ``update_ratio`` is NaN here (no step was taken).

    Examples
    --------
    >>> import numpy as np
    >>> from vglib import MLP
    >>> net = MLP([4, 8, 8, 2], activation="sigmoid", seed=0)
    >>> X = np.random.default_rng(0).normal(size=(16, 4)); y = np.arange(16) % 2
    >>> stats = layer_stats(net, X, y)
    >>> stats["grad_mean_abs"].shape, stats["dead_fraction"].shape
    ((3,), (2,))
    """
    _, grads = _checks.network("net", net).loss_and_grads(X, y)
    out = {**gradient_stats(grads), **weight_stats(net)}
    out["update_ratio"] = np.full(net.n_layers, np.nan)
    out.update(activation_stats(net, X if probe is None else probe, threshold))
    return out


def histograms(net, X, y, bins=30):
    """Histograms of every hidden layer's activations ``h_l`` and every layer's ``∂ℓ/∂W_l``.

    Returns
    -------
    dict
        ``{"activations": [(counts, edges), …], "gradients": [(counts, edges), …]}``,
        with ``L − 1`` and ``L`` entries (``numpy.histogram`` output).
    """
    bins = _checks.integer("bins", bins, low=1)
    _, grads = _checks.network("net", net).loss_and_grads(X, y, keep=True)
    return {
        "activations": [np.histogram(h, bins=bins) for h in net.trace.h],
        "gradients": [np.histogram(dW, bins=bins) for dW, _ in grads],
    }


# ----------------------------------------------------------------------------
# the error signal, unit status and signs of one kept pass

_DELTA_KINDS = {
    "norm": lambda d: float(np.linalg.norm(d)),
    "rms": lambda d: float(np.sqrt(np.mean(np.square(d)))),
    "mean_abs": lambda d: float(np.mean(np.abs(d))),
}


def delta_norms(source, kind="norm"):
    r"""The size of the error signal ``δ_l = ∂ℓ/∂z_l`` in every layer, ``l = 0 … L−1``.

    This is how gradients vanish, measured: backpropagation multiplies
    ``δ_l`` by the local slopes and the weights on its way down, so a profile
    falling towards ``l = 0`` is a vanishing gradient.

    Parameters
    ----------
    source : MLP or Trace
        A network whose last ``loss_and_grads(…, keep=True)`` (or
        ``forward(…, keep=True)`` and ``backward``) is in ``net.trace``, or
        such a trace itself.
    kind : {"norm", "rms", "mean_abs"}
        ``‖δ_l‖`` (Frobenius norm over the batch), its root mean square
        (the norm divided by ``√(N n_l)``, comparable across widths), or the
        mean ``|δ_l|``.

    Returns
    -------
    ndarray of shape (L,)

    Examples
    --------
    >>> import numpy as np
    >>> from vglib import MLP
    >>> net = MLP([4, 8, 8, 2], activation="sigmoid", seed=0)
    >>> _ = net.loss_and_grads(np.ones((3, 4)), np.array([0, 1, 1]), keep=True)
    >>> d = delta_norms(net)
    >>> d.shape, bool(d[0] < d[-1])
    ((3,), True)
    """
    _checks.choice("kind", kind, tuple(_DELTA_KINDS))
    trace = getattr(source, "trace", source)
    delta = getattr(trace, "delta", None)
    if not delta or any(d is None for d in delta):
        raise ValueError("delta_norms needs a backward pass kept in the trace: call "
                         "net.loss_and_grads(X, y, keep=True) first")
    return np.array([_DELTA_KINDS[kind](d) for d in delta])


def inactive_units(net, X):
    r"""Per hidden layer, a boolean array ``(n_l,)``: True where ``u_{l,j} ≤ 0`` for every row of ``X``.

    ``u_l`` is the activation's input (``net.trace.u``): ``z_l`` in a network
    without normalisation.

    For a ReLU layer, True means the unit is dead on ``X``: ``f'(z) = 0``
    there, so no example of ``X`` sends any gradient to its incoming weights
    and bias (for leaky ReLU the unit still gets the slope ``α``). Runs in
    evaluation mode (the network's mode is restored).
    """
    with _checks.network("net", net).evaluating():
        net.forward(X, keep=True)
    return [np.all(u <= 0, axis=0) for u in net.trace.u]


def first_zero_layer(net, X):
    """Index (from 0) of the first hidden layer whose output ``h_l`` is zero for every row of ``X``; None if none.

    With one row ``x``, a result that is not None means the network is born
    dead at ``x``: every layer above sees the same input whatever ``x`` was.
    """
    with _checks.network("net", net).evaluating():
        net.forward(X, keep=True)
    for l, h in enumerate(net.trace.h):
        if not np.any(h):
            return l
    return None


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
