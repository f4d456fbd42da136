"""Rectifiers: ReLU and its relatives with a kink at 0."""

from __future__ import annotations

import numpy as np

from .. import _checks
from ._base import Activation, _as_float_array, _keep_nan, _one_or, _out, _two_sided, register

__all__ = ["ReLU", "LeakyReLU", "PReLU", "RReLU", "ReLU6", "Abs", "NecroReLU"]


@register
class ReLU(Activation):
    r"""Rectified linear unit.

    .. math:: f(z) = \max(0, z), \qquad f'(z) = \begin{cases}1 & z > 0\\ 0 & z \le 0\end{cases}

    Kink at 0: ``grad(0) = 0`` (the left derivative, as in PyTorch).

    Failure mode: a unit whose pre-activation is negative for every input has
    zero gradient on all its incoming weights ("dying ReLU").

    References
    ----------
    Nair & Hinton (2010), Rectified linear units improve restricted Boltzmann
    machines. ICML. Glorot, Bordes & Bengio (2011), Deep sparse rectifier
    neural networks. AISTATS.
    """

    name = "relu"
    kinks = (0.0,)

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z):
        return _keep_nan((z > 0).astype(z.dtype), z)

    # Fused kernels for the network (NaN never reaches them: the network refuses it).
    def forward_into(self, z, out, mask):
        np.maximum(z, 0, out=out)

    def backward_into(self, z, h, g, tmp, mask):
        np.greater(z, 0, out=mask)
        np.multiply(g, mask, out=g)


@register
class LeakyReLU(Activation):
    r"""Leaky ReLU with a fixed negative slope ``α``.

    .. math:: f(z) = \begin{cases} z & z > 0\\ \alpha z & z \le 0\end{cases},
        \qquad f'(z) = \begin{cases} 1 & z > 0\\ \alpha & z \le 0\end{cases}

    Computed as ``max(z, 0) + α·min(z, 0)``, which is right for every ``α``;
    the shortcut ``max(αz, z)`` is right for every ``α ≤ 1`` (negative ones too)
    and wrong for ``α > 1``, where it returns ``αz`` for positive ``z``.
    Kink at 0: ``grad(0) = α``.

    Parameters
    ----------
    alpha : float, default 0.01
        Slope for ``z ≤ 0``, finite and ``≥ 0``.

    Failure mode: the negative side is almost flat for small ``α``, so units
    learn slowly there, but never stop completely.

    References
    ----------
    Maas, Hannun & Ng (2013), Rectifier nonlinearities improve neural network
    acoustic models. ICML workshop.
    """

    name = "leaky_relu"
    hyperparameters = ("alpha",)
    kinks = (0.0,)

    def __init__(self, alpha=0.01):
        self.alpha = _checks.real("alpha", alpha, low=0.0, what="a finite slope")

    def _f(self, z):
        return _two_sided(z, self.alpha)

    def _df(self, z):
        return _keep_nan(_one_or(z > 0, self.alpha, z.dtype), z)

    def forward_into(self, z, out, mask):
        np.multiply(z, self.alpha, out=out)
        np.greater(z, 0, out=mask)
        np.copyto(out, z, where=mask)

    def backward_into(self, z, h, g, tmp, mask):
        np.less_equal(z, 0, out=mask)
        np.multiply(g, self.alpha, out=g, where=mask)


@register
class PReLU(Activation):
    r"""Parametric ReLU: a leaky ReLU whose slope ``α`` is learned by backprop.

    .. math:: f(z) = \begin{cases} z & z > 0\\ \alpha z & z \le 0\end{cases},
        \qquad \frac{\partial f}{\partial z} = \begin{cases} 1 & z > 0\\ \alpha & z \le 0\end{cases},
        \qquad \frac{\partial f}{\partial \alpha} = \begin{cases} 0 & z > 0\\ z & z \le 0\end{cases}

    ``alpha`` is a float (one slope shared by all units) or an array that
    broadcasts against ``z`` (one slope per unit: shape ``(n_units,)`` for
    ``z`` of shape ``(batch, n_units)``). :meth:`grad_alpha` gives the
    elementwise ``∂f/∂α``; a network sums it over the elements that share a
    slope. Kink at 0: ``grad(0) = α``.

    Parameters
    ----------
    alpha : float or array, default 0.25
        Initial slope(s), finite. Negative values are allowed (the paper does
        not constrain the learned slope).

    Failure mode: with few data the extra parameters can overfit; a slope
    that turns negative makes the unit non-monotone (α = −1 gives ``|z|``), and
    one above 1 makes the negative side steeper than the positive.

    References
    ----------
    He, Zhang, Ren & Sun (2015), Delving deep into rectifiers: surpassing
    human-level performance on ImageNet classification. ICCV.
    """

    name = "prelu"
    hyperparameters = ("alpha",)
    kinks = (0.0,)

    def __init__(self, alpha=0.25):
        a = _checks.array("alpha", alpha, kinds="iuf", finite=True, nonempty=True)
        self.alpha = float(a) if a.ndim == 0 else a.astype(np.float64)

    def _slopes(self, z):
        """``alpha`` in the dtype of ``z``, after checking that it broadcasts against ``z``."""
        if np.ndim(self.alpha) == 0:
            return self.alpha
        a = np.asarray(self.alpha)
        try:
            fits = np.broadcast_shapes(a.shape, z.shape) == z.shape
        except ValueError:
            fits = False
        if not fits:
            raise ValueError(
                f"prelu's alpha has shape {a.shape}, which does not broadcast against z of shape "
                f"{z.shape}: give one slope, or one per unit (shape ({z.shape[-1] if z.ndim else 1},))")
        return a.astype(z.dtype, copy=False)

    def _f(self, z):
        return _two_sided(z, self._slopes(z))

    def _df(self, z):
        return _keep_nan(_one_or(z > 0, self._slopes(z), z.dtype), z)

    def grad_alpha(self, z):
        """Elementwise ``∂f/∂α`` at ``z``: ``0`` where ``z > 0``, else ``z``."""
        z = _as_float_array(z)
        return _out(np.minimum(z, 0), z)


@register
class RReLU(Activation):
    r"""Randomised leaky ReLU: a random negative slope in training, a fixed one at test.

    .. math:: f(z) = \begin{cases} z & z \ge 0\\ a z & z < 0\end{cases}, \qquad
        f'(z) = \begin{cases} 1 & z > 0\\ a & z \le 0\end{cases}

    * Training mode (``training=True``): every call draws one slope per element,
      ``a ~ U(lower, upper)``, and keeps them in ``last_slopes``; :meth:`grad`
      uses the slopes of the last call (so call the activation first, then
      ``grad`` on an array of the same shape).
    * Evaluation mode (the default): ``a = (lower + upper) / 2``.

    This is the formulation of PyTorch's ``nn.RReLU`` (defaults 1/8 and 1/3).
    The RReLU paper (Xu et al. 2015) writes it differently: ``y = z / a`` for
    ``z < 0`` with the *divisor* ``a ~ U(l, u)``, ``l = 3``, ``u = 8``, and at
    test time ``y = z / ((l + u) / 2)``. The slopes ``1/a`` then also lie in
    [1/8, 1/3] but are not uniform on it, and the test slope is ``2/11 ≈ 0.182``
    rather than ``11/48 ≈ 0.229``. ``paper=True`` selects that formulation
    (``lower`` and ``upper`` still name the slope range, so the divisor range
    is ``[1/upper, 1/lower]``).

    Parameters
    ----------
    lower, upper : float
        Slope range, ``0 ≤ lower ≤ upper``, finite.
    training : bool, default False
        Draw random slopes (True) or use the fixed test-time slope (False).
    seed : int, optional
        Seed of the generator used in training mode.
    rng : numpy.random.Generator, optional
        A generator to draw from instead of ``seed`` (give one or neither).
    paper : bool, default False
        Use the paper's divisor formulation instead of the library one.

    Failure mode: the noise is a regulariser; on small data it helps, on a
    task that is already hard to fit it slows training down.

    References
    ----------
    Xu, Wang, Chen & Li (2015), Empirical evaluation of rectified activations
    in convolutional network. arXiv:1505.00853.
    """

    name = "rrelu"
    hyperparameters = ("lower", "upper", "training", "seed", "paper")
    keywords = ("rng",)
    kinks = (0.0,)

    def __init__(self, lower=1 / 8, upper=1 / 3, training=False, seed=None, rng=None, paper=False):
        self.lower = _checks.real("lower", lower, low=0.0, what="a finite slope")
        self.upper = _checks.real("upper", upper, low=0.0, what="a finite slope")
        if self.lower > self.upper:
            raise ValueError(f"rrelu needs lower <= upper, got lower={lower!r} > upper={upper!r}")
        if paper and self.lower == 0.0:
            raise ValueError("rrelu with paper=True divides by the slope: lower must be > 0")
        if seed is not None and rng is not None:
            raise ValueError("give rrelu a seed or an rng, not both")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise _checks.ArgumentTypeError(f"rng must be a numpy.random.Generator, got {_checks.show(rng)}")
        self.training = _checks.flag("training", training)
        self.seed = _checks.seed("seed", seed)
        self.paper = _checks.flag("paper", paper)
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.last_slopes = None

    @property
    def eval_slope(self) -> float:
        """The fixed slope used in evaluation mode."""
        if self.paper:
            return 2.0 / (1.0 / self.lower + 1.0 / self.upper)
        return (self.lower + self.upper) / 2.0

    def draw_slopes(self, shape, dtype=np.float64):
        """Draw one training-mode slope per element of an array of ``shape`` (drawn in float64, then rounded)."""
        dtype = _checks.float_dtype("dtype", dtype)
        shape = _checks.integers("shape", (shape,) if np.ndim(shape) == 0 else shape, low=0)
        if self.paper:
            divisor = self.rng.uniform(1.0 / self.upper, 1.0 / self.lower, size=shape)
            return (1.0 / divisor).astype(dtype)
        return self.rng.uniform(self.lower, self.upper, size=shape).astype(dtype)

    def _slopes(self, z, *, fresh):
        if not self.training:
            return self.eval_slope
        if fresh:
            self.last_slopes = self.draw_slopes(z.shape, z.dtype)
        elif self.last_slopes is None or self.last_slopes.shape != z.shape:
            got = None if self.last_slopes is None else self.last_slopes.shape
            raise ValueError(
                "rrelu in training mode differentiates with the slopes of its last call: "
                f"call it on an array of shape {z.shape} before grad (last slopes: {got})"
            )
        return self.last_slopes

    def _f(self, z):
        return _two_sided(z, self._slopes(z, fresh=True))

    def _df(self, z):
        return _keep_nan(_one_or(z > 0, self._slopes(z, fresh=False), z.dtype), z)

    @property
    def params(self):
        return {"lower": self.lower, "upper": self.upper, "training": self.training,
                "seed": self.seed, "paper": self.paper}


@register
class ReLU6(Activation):
    r"""ReLU capped at 6.

    .. math:: f(z) = \min(\max(0, z), 6), \qquad f'(z) = \begin{cases}1 & 0 < z < 6\\ 0 & \text{otherwise}\end{cases}

    Kinks at 0 and 6: ``grad`` is 0 at both (as in PyTorch).

    Failure mode: saturates on both sides, like a hard sigmoid; units pushed
    above 6 stop learning as surely as those below 0.

    References
    ----------
    Krizhevsky (2010), Convolutional deep belief networks on CIFAR-10.
    Howard et al. (2017), MobileNets. arXiv:1704.04861.
    """

    name = "relu6"
    kinks = (0.0, 6.0)

    def _f(self, z):
        return np.minimum(np.maximum(z, 0), 6)

    def _df(self, z):
        return _keep_nan(((z > 0) & (z < 6)).astype(z.dtype), z)


@register
class Abs(Activation):
    r"""Absolute value.

    .. math:: f(z) = |z|, \qquad f'(z) = \operatorname{sign}(z)

    Kink at 0: ``grad(0) = 0`` (as in PyTorch).

    Failure mode: symmetric, so a unit cannot tell ``z`` from ``−z``; it
    neither saturates nor dies.

    References
    ----------
    Jarrett, Kavukcuoglu, Ranzato & LeCun (2009), What is the best multi-stage
    architecture for object recognition? ICCV.
    """

    name = "abs"
    kinks = (0.0,)

    def _f(self, z):
        return np.abs(z)

    def _df(self, z):
        return np.sign(z)


@register
class NecroReLU(Activation):
    r"""ReLU forward, leaky backward: a *surrogate* gradient, not a derivative.

    .. math:: f(z) = \max(0, z), \qquad \text{grad}(z) = \begin{cases} 1 & z > 0\\ \alpha & z \le 0\end{cases}

    ``grad`` is **not** the derivative of ``f``: for ``z < 0`` the true
    derivative is 0, and this returns ``α``. The surrogate lets a unit whose
    inputs are all negative still receive a signal, while its output stays
    exactly a ReLU's. A finite-difference check therefore fails on purpose
    for ``z < 0``; ``true_grad`` returns ReLU's real derivative.

    Parameters
    ----------
    alpha : float, default 0.01
        Surrogate slope for ``z ≤ 0``, finite and ``≥ 0``.

    Failure mode: the gradient no longer describes the function, so the
    optimiser follows a direction that is not a descent direction of the loss
    for units with negative input.
    """

    name = "necro_relu"
    hyperparameters = ("alpha",)
    kinks = (0.0,)
    surrogate = True

    def __init__(self, alpha=0.01):
        self.alpha = _checks.real("alpha", alpha, low=0.0, what="a finite slope")

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z):
        return _keep_nan(_one_or(z > 0, self.alpha, z.dtype), z)

    def true_grad(self, z):
        """The real derivative of ``max(0, z)`` (0 for ``z ≤ 0``)."""
        return ReLU().grad(z)
