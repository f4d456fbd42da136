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
``saturated_fraction``     fraction of ``(example, unit)`` with ``|f'(z)| < τ``    L − 1
``dead_fraction``          fraction of units with ``h = 0`` for *every* example    L − 1
=========================  =====================================================  ========

``τ`` is ``threshold`` (default :data:`SATURATION_THRESHOLD` = 0.01): a sigmoid
unit counts as saturated when ``|z| > 4.6``, a ReLU unit whenever ``z ≤ 0``.
A dead unit is one whose output is exactly zero on the whole probe set, so
none of its incoming weights gets any gradient from those examples.
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
    before = net._views_of(flat_before)[0]
    return np.array([float(np.linalg.norm(W - W0) / max(np.linalg.norm(W0), 1e-300))
                     for W, (W0, _) in zip(net.weights, before)])


def activation_stats(net, X, threshold=SATURATION_THRESHOLD):
    """Mean, std, saturated and dead fraction of every hidden layer's ``h_l`` on the probe set ``X``.

    Runs one forward pass in evaluation mode (RReLU uses its fixed slope) and
    restores the network's mode afterwards. ``X`` needs at least one row.
    """
    X = _checks.network("net", net)._input(X)
    if X.shape[0] == 0:
        raise ValueError("X has no rows: activation statistics need at least one example")
    threshold = _threshold(threshold)
    was_training = net.training
    net.eval()
    try:
        net.forward(X, keep=True)
        tr, acts = net.trace, net.activations
        return {
            "act_mean": np.array([float(h.mean()) for h in tr.h]),
            "act_std": np.array([float(h.std()) for h in tr.h]),
            "saturated_fraction": np.array([saturated_fraction(a, z, threshold) for a, z in zip(acts, tr.z)]),
            "dead_fraction": np.array([dead_fraction(h) for h in tr.h]),
        }
    finally:
        if was_training:
            net.train()


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
