"""Saturating activations: identity (for reference), sigmoid and tanh."""

from __future__ import annotations

import numpy as np
from scipy import special

from ._base import (
    Activation,
    _as_float_array,
    _exp_neg_abs,
    _keep_nan,
    _out,
    _sigmoid,
    _sigmoid_grad,
    register,
)

__all__ = ["Identity", "Sigmoid", "Tanh"]


@register
class Identity(Activation):
    r"""Identity (linear) activation.

    .. math:: f(z) = z, \qquad f'(z) = 1.

    Failure mode: a stack of linear layers is one linear map; depth buys nothing.
    """

    name = "identity"

    def _f(self, z):
        return z.copy()

    def _df(self, z):
        return _keep_nan(np.ones_like(z), z)

    def forward_into(self, z, out, mask):
        np.copyto(out, z)

    def backward_into(self, z, h, g, tmp, mask):
        pass  # f' = 1


@register
class Sigmoid(Activation):
    r"""Logistic sigmoid, the inverse of the logit.

    .. math::
        \sigma(z) = \frac{1}{1 + e^{-z}}, \qquad
        \sigma'(z) = \sigma(z)\,(1 - \sigma(z)) \le \tfrac14 .

    Computed from ``exp(-|z|)`` so that no input overflows; the derivative uses
    ``e^{-|z|} / (1 + e^{-|z|})^2``, which stays accurate in the tails where
    ``σ(1 − σ)`` rounds to zero.

    Failure mode: saturates on both sides (``σ' → 0`` as ``|z| → ∞``) and its
    largest slope is 1/4, so a product of many sigmoid derivatives vanishes.

    References
    ----------
    Rumelhart, Hinton & Williams (1986), Learning representations by
    back-propagating errors. Nature 323.
    """

    name = "sigmoid"

    def _f(self, z):
        return _sigmoid(z)

    def _df(self, z):
        return _sigmoid_grad(z)

    # Fused kernels for the network: expit is SciPy's in-place sigmoid, and
    # σ(z) σ(−z) = e^{-|z|} / (1 + e^{-|z|})^2 is the derivative above, accurate
    # in both tails (no 1 − σ to cancel).
    def forward_into(self, z, out, mask):
        special.expit(z, out=out)

    def backward_into(self, z, h, g, tmp, mask):
        np.negative(z, out=tmp)
        special.expit(tmp, out=tmp)
        tmp *= h
        g *= tmp

    @staticmethod
    def grad_from_output(h):
        r"""``σ'`` from the output ``h = σ(z)``: ``h (1 − h)``."""
        h = _as_float_array(h, "h")
        return _out(h * (1.0 - h), h)


@register
class Tanh(Activation):
    r"""Hyperbolic tangent, a rescaled sigmoid: ``tanh(z) = 2σ(2z) − 1``.

    .. math::
        f(z) = \tanh z, \qquad f'(z) = 1 - \tanh^2 z \le 1 .

    The derivative is computed as ``4e^{-2|z|} / (1 + e^{-2|z|})^2`` (exact in
    the tails, no overflow). :meth:`grad_from_output` gives ``1 − h²`` from the
    output ``h``, the form used in hand-written backprop.

    Failure mode: saturates on both sides like the sigmoid, so deep tanh
    stacks still vanish, though its slope at 0 is 1 rather than 1/4.

    References
    ----------
    LeCun, Bottou, Orr & Müller (1998), Efficient BackProp.
    """

    name = "tanh"

    def _f(self, z):
        return np.tanh(z)

    def _df(self, z):
        e = _exp_neg_abs(z) ** 2  # e^{-2|z|}, with no 2|z| to overflow
        return 4.0 * e / (1.0 + e) ** 2

    def forward_into(self, z, out, mask):
        np.tanh(z, out=out)

    def backward_into(self, z, h, g, tmp, mask):
        # the same 4e / (1 + e)^2 with e = exp(−2|z|), in place
        np.abs(z, out=tmp)
        np.negative(tmp, out=tmp)
        np.exp(tmp, out=tmp)
        tmp *= tmp
        g *= tmp
        g *= 4.0
        tmp += 1.0
        tmp *= tmp
        g /= tmp

    @staticmethod
    def grad_from_output(h):
        r"""``tanh'`` from the output ``h = tanh(z)``: ``1 − h²``."""
        h = _as_float_array(h, "h")
        return _out(1.0 - h * h, h)
