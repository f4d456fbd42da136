"""Smooth or exponential activations: ELU, SELU, softplus, GELU, SiLU, hard swish."""

from __future__ import annotations

import math

import numpy as np
from scipy import special

from .. import _checks
from ._base import Activation, _above_min, _as_float_array, _exp_neg_abs, _one_or, _out, _sigmoid, register

__all__ = ["ELU", "SELU", "Softplus", "GELU", "SiLU", "HardSwish"]


@register
class ELU(Activation):
    r"""Exponential linear unit.

    .. math:: f(z) = \begin{cases} z & z > 0\\ \alpha (e^{z} - 1) & z \le 0\end{cases},
        \qquad f'(z) = \begin{cases} 1 & z > 0\\ \alpha e^{z} & z \le 0\end{cases}

    Saturates at ``−α`` for very negative ``z``, which pulls mean activations
    towards zero. The exponential is only ever taken of ``min(z, 0)`` (with
    ``expm1`` for accuracy near 0), so ``z = 1000`` does not overflow; the
    one-liner ``where(z >= 0, z, α(exp(z) − 1))`` evaluates ``exp`` on both
    branches and overflows there. Kink at 0 (when ``α ≠ 1``): ``grad(0) = α``.

    For ``z ≤ 0`` the derivative is the output plus ``α``:
    ``f'(z) = αe^z = f(z) + α``, as ``σ' = σ(1 − σ)`` and ``tanh' = 1 − h²``
    are functions of the output. The network's backward pass uses this form
    (:meth:`backward_into`, :meth:`grad_from_output`), so it needs no second
    exponential. Its cost is an absolute error of about one rounding of
    ``α`` (``≈ 1e-16 α`` in float64), which is a large *relative* error only
    where ``αe^z`` is that small anyway (``z ≲ −30``); ``grad(z)`` keeps the
    exponential form, accurate to the last digit everywhere.

    Parameters
    ----------
    alpha : float, default 1.0
        Negative saturation value, finite and ``≥ 0``.

    Failure mode: the exponential costs more than ReLU's comparison.

    References
    ----------
    Clevert, Unterthiner & Hochreiter (2016), Fast and accurate deep network
    learning by exponential linear units (ELUs). ICLR.
    """

    name = "elu"
    hyperparameters = ("alpha",)
    kinks = (0.0,)

    def __init__(self, alpha=1.0):
        self.alpha = _checks.real("alpha", alpha, low=0.0, what="a finite saturation value")

    def _f(self, z):
        return np.maximum(z, 0) + self.alpha * np.expm1(np.minimum(z, 0))

    def _df(self, z):
        return _one_or(z > 0, self.alpha * np.exp(np.minimum(z, 0)), z.dtype)

    def grad_from_output(self, h):
        r"""``f'`` from the output ``h = f(z)``: 1 where ``h > 0``, else ``h + α``."""
        h = _as_float_array(h, "h")
        return _out(_one_or(h > 0, h + self.alpha, h.dtype), h)

    def backward_into(self, z, h, g, tmp, mask):
        np.add(h, self.alpha, out=tmp)  # f' = f + α for z ≤ 0: no exponential
        np.greater(z, 0, out=mask)
        tmp[mask] = 1
        g *= tmp


@register
class SELU(Activation):
    r"""Scaled ELU, with the constants that make activations self-normalising.

    .. math:: f(z) = \lambda \begin{cases} z & z > 0\\ \alpha (e^{z} - 1) & z \le 0\end{cases},
        \qquad f'(z) = \lambda \begin{cases} 1 & z > 0\\ \alpha e^{z} & z \le 0\end{cases}

    with ``λ ≈ 1.0507`` and ``α ≈ 1.6733``. Kink at 0: ``grad(0) = λα``.
    As for ELU, ``f'(z) = f(z) + λα`` for ``z ≤ 0``, and the network's
    backward pass uses that form.
    ``λz`` exceeds the largest number of the dtype for ``z > max/λ``: there the
    result is ``inf`` with NumPy's overflow warning (the true value is not a
    finite number of that dtype).

    Failure mode: the self-normalising property needs LeCun-normal
    initialisation and plain feed-forward layers; elsewhere it is just an ELU.

    References
    ----------
    Klambauer, Unterthiner, Mayr & Hochreiter (2017), Self-normalizing neural
    networks. NeurIPS.
    """

    name = "selu"
    kinks = (0.0,)
    alpha = 1.6732632423543772848170429916717
    scale = 1.0507009873554804934193349852946

    def _f(self, z):
        return self.scale * (np.maximum(z, 0) + self.alpha * np.expm1(np.minimum(z, 0)))

    def _df(self, z):
        return self.scale * _one_or(z > 0, self.alpha * np.exp(np.minimum(z, 0)), z.dtype)

    def grad_from_output(self, h):
        r"""``f'`` from the output ``h = f(z)``: ``λ`` where ``h > 0``, else ``h + λα`` (as for ELU)."""
        h = _as_float_array(h, "h")
        return _out(np.where(h > 0, self.scale, h + self.scale * self.alpha).astype(h.dtype), h)

    def backward_into(self, z, h, g, tmp, mask):
        np.add(h, self.scale * self.alpha, out=tmp)  # f' = f + λα for z ≤ 0
        np.greater(z, 0, out=mask)
        tmp[mask] = self.scale
        g *= tmp


@register
class Softplus(Activation):
    r"""Softplus, a smooth ReLU.

    .. math:: f(z) = \frac{1}{\beta}\log\left(1 + e^{\beta z}\right), \qquad f'(z) = \sigma(\beta z)

    Computed as ``max(z, 0) + log1p(exp(−β|z|)) / β``, which never overflows,
    in the dtype of ``z`` unless ``β`` is not a normal number of it (``β = 1e5``
    overflows float16): then in float64, rounded back.

    Parameters
    ----------
    beta : float, default 1.0
        Sharpness, finite and ``> 0``; as ``β → ∞`` softplus tends to ReLU.

    Failure mode: like ReLU its slope tends to 0 on the negative side, but
    smoothly; it is never exactly zero, so no unit is exactly dead.

    References
    ----------
    Dugas, Bengio, Bélisle, Nadeau & Garcia (2001), Incorporating second-order
    functional knowledge for better option pricing. NeurIPS.
    """

    name = "softplus"
    hyperparameters = ("beta",)

    def __init__(self, beta=1.0):
        self.beta = _checks.real("beta", beta, low=0.0, low_open=True, what="a finite sharpness")

    def _work(self, z):
        """``z``, or a float64 copy when ``β`` is not a normal number of ``z``'s dtype.

        ``β`` meets ``z`` in its dtype, where ``β = 1e5`` is inf in float16 (and
        1e-5 is subnormal): then the work is done in float64 and rounded back.
        """
        info = np.finfo(z.dtype)
        return z if float(info.tiny) <= self.beta <= float(info.max) else z.astype(np.float64)

    def _scaled(self, z):
        # β·z, computed on z limited to ±1000/β: beyond that exp(−β|z|) is 0 in
        # every dtype, so the result is unchanged and β·z cannot overflow.
        if self.beta == 1.0:
            return z
        cap = 1000.0 / self.beta
        return self.beta * np.clip(z, -cap, cap)

    def _f(self, z):
        w = self._work(z)
        return (np.maximum(w, 0) + np.log1p(_exp_neg_abs(self._scaled(w))) / self.beta).astype(z.dtype, copy=False)

    def _df(self, z):
        return _sigmoid(self._scaled(self._work(z))).astype(z.dtype, copy=False)


_SQRT_HALF = math.sqrt(0.5)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@register
class GELU(Activation):
    r"""Gaussian error linear unit (the exact form, with ``erf``).

    .. math:: f(z) = z\,\Phi(z), \qquad f'(z) = \Phi(z) + z\,\varphi(z),
        \qquad \Phi(z) = \tfrac12\left(1 + \operatorname{erf}(z/\sqrt2)\right)

    with ``φ`` the standard normal density. ``Φ`` is computed as
    ``erfc(−z/√2)/2``, which keeps its relative accuracy in the left tail where
    ``1 + erf`` cancels to nothing (at z = −8 the naive form is wrong in
    the first digit). ``z φ(z)`` is evaluated only for
    ``|z| < 40`` (beyond, it is below 1e-340 and exactly 0 in float64), so
    ``z²`` never overflows. Failure mode: non-monotone just below 0 (minimum
    ≈ −0.17 at z ≈ −0.75), and ``erf`` costs more than a comparison.

    References
    ----------
    Hendrycks & Gimpel (2016), Gaussian error linear units (GELUs). arXiv:1606.08415.
    """

    name = "gelu"

    @staticmethod
    def _cdf(z):
        x = -z * _SQRT_HALF
        if x.dtype == np.float16:  # SciPy's erfc has no float16 loop (it would pick float64)
            x = x.astype(np.float32)
        return 0.5 * special.erfc(x).astype(z.dtype, copy=False)

    def _f(self, z):
        return _above_min(z) * self._cdf(z)

    def _df(self, z):
        near = np.abs(z) < 40  # φ(40) < 1e-340: the term is exactly 0 beyond
        zc = np.where(near, z, 0)
        return self._cdf(z) + np.where(near, zc * np.exp(-0.5 * zc * zc) * _INV_SQRT_2PI, 0)


@register
class SiLU(Activation):
    r"""Sigmoid-weighted linear unit, also called swish.

    .. math:: f(z) = z\,\sigma(z), \qquad f'(z) = \sigma(z)\,\bigl(1 + z\,(1 - \sigma(z))\bigr)

    Failure mode: like GELU it dips below zero (minimum ≈ −0.28 at z ≈ −1.28)
    and needs an exponential.

    References
    ----------
    Elfwing, Uchibe & Doya (2018), Sigmoid-weighted linear units for neural
    network function approximation in reinforcement learning. Neural Networks.
    Ramachandran, Zoph & Le (2017), Searching for activation functions.
    """

    name = "silu"

    def _f(self, z):
        return _above_min(z) * _sigmoid(z)

    def _df(self, z):
        s = _sigmoid(z)
        s_neg = _sigmoid(-z)  # 1 − σ(z) without cancellation
        info = np.finfo(z.dtype)
        zc = np.clip(z, info.min, info.max)  # ±inf → ±max: then ±inf·0 is not NaN
        return s * (1.0 + zc * s_neg)


@register
class HardSwish(Activation):
    r"""Hard swish: ``z · relu6(z + 3) / 6``, a piecewise-quadratic SiLU.

    .. math:: f(z) = \begin{cases} 0 & z \le -3\\ z(z+3)/6 & -3 < z < 3\\ z & z \ge 3\end{cases},
        \qquad f'(z) = \begin{cases} 0 & z \le -3\\ (2z + 3)/6 & -3 < z < 3\\ 1 & z \ge 3\end{cases}

    Kinks at −3 and 3 take the outer branches (0 and 1), as PyTorch 2.x does.

    Failure mode: zero gradient below −3, like a ReLU shifted left.

    References
    ----------
    Howard et al. (2019), Searching for MobileNetV3. ICCV.
    """

    name = "hard_swish"
    kinks = (-3.0, 3.0)

    def _f(self, z):
        return _above_min(z) * (np.minimum(np.maximum(z + 3, 0), 6) / 6)

    def _df(self, z):
        middle = (2 * np.clip(z, -3, 3) + 3) / 6  # clipped so that 2z cannot overflow
        return np.where(z <= -3, 0, np.where(z >= 3, 1, middle))
