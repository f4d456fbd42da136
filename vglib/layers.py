r"""The hidden layers of an MLP with normalisation and residual connections: forward and backward.

:class:`vglib.network.MLP` runs a plain network (no normalisation, no skip)
through its own fused, preallocated passes; with ``norm=`` or
``residual=True`` it runs the two functions here, which allocate their
arrays and read as the maths. Hidden layer ``l`` computes

.. math::
    z_l = h_{l-1} W_l + b_l, \qquad u_l = \mathrm{Norm}_l(z_l), \qquad a_l = f_l(u_l), \qquad
    h_l = \begin{cases} a_l + h_{l-1} & \text{with a skip}\\ a_l & \text{else}\end{cases}

with ``u_l = z_l`` when the layer has no normalisation (batch or layer norm,
:mod:`vglib.normalization`, with learnable ``γ_l`` and ``β_l``); the output
layer is linear, ``o = z_{L−1}``. Backpropagation keeps ``δ_l = ∂ℓ/∂z_l``
and runs, from ``∂ℓ/∂h_{l−1}`` (the upstream gradient into the layer's output),

.. math::
    \frac{\partial \ell}{\partial u_l} = f_l'(u_l) \odot \frac{\partial \ell}{\partial h_l},
    \qquad \delta_l = \mathrm{Norm}_l^{\,\prime}\Bigl(\frac{\partial \ell}{\partial u_l}\Bigr),
    \qquad \frac{\partial \ell}{\partial h_{l-1}} = \delta_l W_l^\top
        + [\text{skip}_l]\, \frac{\partial \ell}{\partial h_l}

The skip adds the upstream gradient unchanged: that identity path is why
residual networks keep their gradients alive at depth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Pass", "forward", "backward"]


@dataclass
class Pass:
    """Everything one forward pass computed that its backward pass needs.

    ``z`` (``L`` arrays, the last is the logits), ``u``, ``a``, ``h``,
    ``mask`` (``L − 1`` arrays each: activation inputs, activation outputs,
    layer outputs, the kernels' boolean work arrays) and ``cache``: per hidden
    layer the normalisation layer's cache, or None.
    """

    z: list
    u: list
    a: list
    h: list
    mask: list
    cache: list


def forward(X, weights, biases, kernels, norms, norm_params, skips, *, training, keep=True):
    """One forward pass; returns a :class:`Pass` (its ``z[-1]`` is the logits ``o``).

    ``kernels[l]`` is the activation's ``(forward_into, backward_into)`` pair,
    ``norms[l]`` a :class:`~vglib.normalization.BatchNorm` or
    :class:`~vglib.normalization.LayerNorm` (or None) with ``norm_params[l] ==
    (γ_l, β_l)``, ``skips[l]`` whether hidden layer ``l`` adds its input.
    ``training`` selects batch statistics (and updates the running ones).
    """
    L = len(weights)
    rec = Pass([], [], [], [], [], [])
    h = X
    for l in range(L - 1):
        z = h @ weights[l] + biases[l]
        cache = None
        if norms[l] is not None:
            gamma, beta = norm_params[l]
            u = norms[l].forward(z, gamma, beta, training=training, keep=keep)
            cache = norms[l].cache if keep else None
        else:
            u = z
        a = np.empty_like(u)
        mask = np.empty(u.shape, bool)
        kernels[l][0](u, a, mask)
        h = a + h if skips[l] else a
        for lst, v in zip((rec.z, rec.u, rec.a, rec.h, rec.mask, rec.cache), (z, u, a, h, mask, cache)):
            lst.append(v)
    rec.z.append(h @ weights[L - 1] + biases[L - 1])
    return rec


def backward(X, rec, dout, weights, kernels, activations, norms, norm_params, skips, pairs, alphas, norm_grads):
    """Backpropagate ``dout = ∂ℓ/∂o`` through the pass ``rec``; return ``[δ_0, …, δ_{L−1}]``.

    The gradients are written into the views ``pairs[l] = (dW_l, db_l)``,
    ``alphas[l]`` (PReLU slopes, or None) and ``norm_grads[l] = (dγ_l, dβ_l)``
    (or None). No parameter changes.
    """
    L = len(weights)
    deltas = [None] * L
    g = deltas[L - 1] = dout
    dh = None  # ∂ℓ/∂h_l of the layer just above (for its skip)
    for l in range(L - 1, -1, -1):
        dW, db = pairs[l]
        np.matmul(X.T if l == 0 else rec.h[l - 1].T, g, out=dW)     # ∂ℓ/∂W_l = h_{l−1}^T δ_l
        np.sum(g, axis=0, out=db)                                   # ∂ℓ/∂b_l = Σ_i δ_l
        if l == 0:
            break
        k = l - 1
        up = g @ weights[l].T                                       # δ_l W_l^T
        if l < L - 1 and skips[l]:
            up += dh                                                # the skip: upstream passes unchanged
        dh = up                                                     # ∂ℓ/∂h_k
        if alphas[k] is not None:                                   # PReLU: ∂ℓ/∂α = Σ upstream · ∂f/∂α
            ga = dh * activations[k].grad_alpha(rec.u[k])
            alphas[k][...] = ga.sum() if alphas[k].size == 1 else ga.sum(axis=0)
        du = dh.copy()
        kernels[k][1](rec.u[k], rec.a[k], du, np.empty_like(du), rec.mask[k])  # ∂ℓ/∂u = f'(u) ⊙ ∂ℓ/∂h
        if norms[k] is not None:
            norms[k].cache = rec.cache[k]
            g, dgamma, dbeta = norms[k].backward(du, norm_params[k][0])
            norm_grads[k][0][...] = dgamma
            norm_grads[k][1][...] = dbeta
        else:
            g = du
        deltas[k] = g
    return deltas
