"""Activation functions and their derivatives, looked up by name.

Every activation is a small class with

* ``act(z)``      the value ``h = f(z)``, elementwise;
* ``act.grad(z)`` the derivative ``dh/dz = f'(z)``, elementwise.

Both preserve shape and floating dtype (float32 in, float32 out); lists,
scalars and integer arrays are computed in float64. Each formula is written so
that every finite input, up to the largest finite number of the dtype, gives a
finite result with no NumPy ``RuntimeWarning`` (no naive ``exp`` of a large
argument anywhere).

At a kink (a point where ``f`` has no derivative, such as ``z = 0`` for ReLU)
``grad`` returns one of the one-sided derivatives. Each class states which;
all of them agree with PyTorch's autograd so that the two can be compared
exactly.

Examples
--------
>>> from vglib.activations import get, available
>>> act = get("elu", alpha=1.0)
>>> float(act.grad(0.0))
1.0
>>> "relu" in available()
True
"""

from __future__ import annotations

import difflib
import math

import numpy as np
from scipy import special

__all__ = [
    "Activation",
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ELU",
    "SELU",
    "Softplus",
    "GELU",
    "SiLU",
    "ReLU6",
    "HardSwish",
    "Abs",
    "NecroReLU",
    "get",
    "available",
    "register",
]

_REGISTRY: dict[str, type["Activation"]] = {}


def register(cls):
    """Class decorator: make ``cls`` available to :func:`get` under ``cls.name``."""
    if cls.name in _REGISTRY:
        raise ValueError(f"activation name {cls.name!r} is already registered")
    _REGISTRY[cls.name] = cls
    return cls


def available() -> list[str]:
    """Sorted list of the registered activation names."""
    return sorted(_REGISTRY)


def get(name, **hyperparameters) -> "Activation":
    """Return a new activation object looked up by name.

    Parameters
    ----------
    name : str or Activation
        A registered name (see :func:`available`). An ``Activation`` object is
        returned unchanged (then no hyperparameters may be given).
    **hyperparameters
        Keyword hyperparameters of that activation, e.g. ``alpha=0.1``.

    Raises
    ------
    ValueError
        For an unknown name (the message lists the known names and suggests
        the closest), an unknown hyperparameter, or a value out of range.
    """
    if isinstance(name, Activation):
        if hyperparameters:
            raise ValueError(
                f"got an activation object {name!r} and hyperparameters "
                f"{sorted(hyperparameters)}; give hyperparameters only with a name"
            )
        return name
    if not isinstance(name, str):
        raise ValueError(
            f"activation must be a name (str) or an Activation object, got {type(name).__name__}"
        )
    key = name.strip().lower().replace("-", "_")
    if key not in _REGISTRY:
        close = difflib.get_close_matches(key, available(), n=1, cutoff=0.4)
        hint = f" Did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"unknown activation {name!r}; known: {', '.join(available())}.{hint}")
    cls = _REGISTRY[key]
    allowed = cls.hyperparameters + cls.keywords
    unknown = sorted(set(hyperparameters) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no hyperparameters"
        raise ValueError(f"activation {key!r} got unknown hyperparameter(s) {unknown}; it takes: {takes}")
    return cls(**hyperparameters)


# ----------------------------------------------------------------------------
# helpers


def _as_float_array(z):
    """Return ``z`` as a floating ndarray: floats keep their dtype, the rest become float64."""
    a = np.asarray(z)
    if a.dtype.kind == "f":
        return a
    if a.dtype.kind in "biu":
        return a.astype(np.float64)
    raise ValueError(
        f"activations take real numbers (float, int or bool arrays, lists, scalars); got dtype {a.dtype}"
    )


def _finite_real(name, value, *, low=-math.inf, high=math.inf, low_open=False, what="a real number"):
    """Check a scalar hyperparameter and return it as a Python float."""
    lo = f"> {low:g}" if low_open else f">= {low:g}"
    allowed = lo if high == math.inf else f"in {'(' if low_open else '['}{low:g}, {high:g}]"
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be {what} {allowed}, got {value!r}") from None
    too_low = v <= low if low_open else v < low
    if not math.isfinite(v) or too_low or v > high:
        raise ValueError(f"{name} must be {what} {allowed}, got {value!r}")
    return v


def _exp_neg_abs(z):
    """``exp(-|z|)``: never overflows, lies in [0, 1]."""
    return np.exp(-np.abs(z))


def _select(mask, a, b):
    """``a`` where ``mask`` else ``b``, by arithmetic: exact for a 0/1 mask.

    ``np.where`` on data whose sign changes at random is several times slower
    than a few arithmetic passes (branch misprediction), and activations are
    called on millions of numbers.
    """
    m = mask.astype(np.result_type(a, b), copy=False) if hasattr(mask, "astype") else mask
    return m * a + (1 - m) * b


def _sigmoid(z):
    e = _exp_neg_abs(z)
    s = 1.0 / (1.0 + e)  # σ(|z|)
    return (s * _select(z >= 0, 1.0, e).astype(z.dtype, copy=False)).astype(z.dtype, copy=False)


def _sigmoid_grad(z):
    # σ'(z) = e^{-|z|} / (1 + e^{-|z|})^2, exact in the tails where σ(1-σ) rounds to 0.
    e = _exp_neg_abs(z)
    return e / (1.0 + e) ** 2


def _out(result, like):
    """Give ``result`` the dtype of ``like`` and return a NumPy scalar for 0-d input."""
    r = np.asarray(result, dtype=like.dtype)
    return r[()] if r.ndim == 0 else r


class Activation:
    """Base class: an elementwise activation ``h = f(z)`` with derivative ``f'(z)``.

    Subclasses implement ``_f`` and ``_df`` on floating arrays and set

    * ``name``: the registry name;
    * ``hyperparameters``: the names of the ``__init__`` keywords;
    * ``kinks``: the points where ``f`` is not differentiable (finite-difference
      checks stay away from them).
    """

    name: str = ""
    hyperparameters: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()  # further __init__ keywords that are not hyperparameters (rng)
    kinks: tuple[float, ...] = ()

    def __call__(self, z):
        z = _as_float_array(z)
        return _out(self._f(z), z)

    def grad(self, z):
        """Elementwise derivative ``dh/dz`` at ``z``."""
        z = _as_float_array(z)
        return _out(self._df(z), z)

    def _f(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    def _df(self, z):  # pragma: no cover - abstract
        raise NotImplementedError

    @property
    def params(self) -> dict:
        """The hyperparameters as a dict (``get(act.name, **act.params)`` rebuilds it)."""
        return {k: getattr(self, k) for k in self.hyperparameters}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"


# ----------------------------------------------------------------------------
# the activations


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
        return np.ones_like(z)


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

    @staticmethod
    def grad_from_output(h):
        r"""``σ'`` from the output ``h = σ(z)``: ``h (1 − h)``."""
        h = _as_float_array(h)
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

    @staticmethod
    def grad_from_output(h):
        r"""``tanh'`` from the output ``h = tanh(z)``: ``1 − h²``."""
        h = _as_float_array(h)
        return _out(1.0 - h * h, h)


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
        return (z > 0).astype(z.dtype)


@register
class LeakyReLU(Activation):
    r"""Leaky ReLU with a fixed negative slope ``α``.

    .. math:: f(z) = \begin{cases} z & z > 0\\ \alpha z & z \le 0\end{cases},
        \qquad f'(z) = \begin{cases} 1 & z > 0\\ \alpha & z \le 0\end{cases}

    Computed as ``max(z, 0) + α·min(z, 0)``, which is right for every ``α``;
    the shortcut ``max(αz, z)`` is only right when ``0 ≤ α ≤ 1``.
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
        self.alpha = _finite_real("alpha", alpha, low=0.0, what="a finite slope")

    def _f(self, z):
        return np.maximum(z, 0) + self.alpha * np.minimum(z, 0)

    def _df(self, z):
        return _select(z > 0, 1.0, self.alpha).astype(z.dtype)


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
        a = np.asarray(alpha)
        if a.dtype.kind not in "biuf" or not np.all(np.isfinite(a)):
            raise ValueError(f"alpha must be a finite real number or array of them, got {alpha!r}")
        self.alpha = float(a) if a.ndim == 0 else a.astype(np.float64)

    def _f(self, z):
        return np.maximum(z, 0) + self.alpha * np.minimum(z, 0)

    def _df(self, z):
        return _select(z > 0, 1.0, self.alpha * np.ones_like(z))

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
        self.lower = _finite_real("lower", lower, low=0.0, what="a finite slope")
        self.upper = _finite_real("upper", upper, low=0.0, what="a finite slope")
        if self.lower > self.upper:
            raise ValueError(f"rrelu needs lower <= upper, got lower={lower!r} > upper={upper!r}")
        if paper and self.lower == 0.0:
            raise ValueError("rrelu with paper=True divides by the slope: lower must be > 0")
        if seed is not None and rng is not None:
            raise ValueError("give rrelu a seed or an rng, not both")
        if rng is not None and not isinstance(rng, np.random.Generator):
            raise ValueError(f"rng must be a numpy.random.Generator, got {type(rng).__name__}")
        self.training = bool(training)
        self.seed = seed
        self.paper = bool(paper)
        self.rng = rng if rng is not None else np.random.default_rng(seed)
        self.last_slopes = None

    @property
    def eval_slope(self) -> float:
        """The fixed slope used in evaluation mode."""
        if self.paper:
            return 2.0 / (1.0 / self.lower + 1.0 / self.upper)
        return (self.lower + self.upper) / 2.0

    def draw_slopes(self, shape, dtype=np.float64):
        """Draw one training-mode slope per element of an array of ``shape``."""
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
        return np.where(z >= 0, z, self._slopes(z, fresh=True) * z)

    def _df(self, z):
        return np.where(z > 0, 1.0, self._slopes(z, fresh=False) * np.ones_like(z))

    @property
    def params(self):
        return {"lower": self.lower, "upper": self.upper, "training": self.training,
                "seed": self.seed, "paper": self.paper}


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
        self.alpha = _finite_real("alpha", alpha, low=0.0, what="a finite saturation value")

    def _f(self, z):
        return np.maximum(z, 0) + self.alpha * np.expm1(np.minimum(z, 0))

    def _df(self, z):
        return _select(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0))).astype(z.dtype)


@register
class SELU(Activation):
    r"""Scaled ELU, with the constants that make activations self-normalising.

    .. math:: f(z) = \lambda \begin{cases} z & z > 0\\ \alpha (e^{z} - 1) & z \le 0\end{cases},
        \qquad f'(z) = \lambda \begin{cases} 1 & z > 0\\ \alpha e^{z} & z \le 0\end{cases}

    with ``λ ≈ 1.0507`` and ``α ≈ 1.6733``. Kink at 0: ``grad(0) = λα``.

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
        return self.scale * _select(z > 0, 1.0, self.alpha * np.exp(np.minimum(z, 0)))


@register
class Softplus(Activation):
    r"""Softplus, a smooth ReLU.

    .. math:: f(z) = \frac{1}{\beta}\log\left(1 + e^{\beta z}\right), \qquad f'(z) = \sigma(\beta z)

    Computed as ``max(z, 0) + log1p(exp(−β|z|)) / β``, which never overflows.

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
        self.beta = _finite_real("beta", beta, low=0.0, low_open=True, what="a finite sharpness")

    def _scaled(self, z):
        # β·z, computed on z limited to ±1000/β: beyond that exp(−β|z|) is 0 in
        # every dtype, so the result is unchanged and β·z cannot overflow.
        if self.beta == 1.0:
            return z
        cap = 1000.0 / self.beta
        return self.beta * np.clip(z, -cap, cap)

    def _f(self, z):
        return np.maximum(z, 0) + np.log1p(_exp_neg_abs(self._scaled(z))) / self.beta

    def _df(self, z):
        return _sigmoid(self._scaled(z))


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

    def _f(self, z):
        return z * (0.5 * special.erfc(-z * _SQRT_HALF))

    def _df(self, z):
        cdf = 0.5 * special.erfc(-z * _SQRT_HALF)
        zc = np.where(np.abs(z) < 40, z, 0)  # φ(40) < 1e-340: the term is exactly 0 beyond
        pdf_term = np.where(np.abs(z) < 40, zc * np.exp(-0.5 * zc * zc) * _INV_SQRT_2PI, 0.0)
        return cdf + pdf_term


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
        return z * _sigmoid(z)

    def _df(self, z):
        s = _sigmoid(z)
        s_neg = _sigmoid(-z)  # 1 − σ(z) without cancellation
        return s * (1.0 + z * s_neg)


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
        return ((z > 0) & (z < 6)).astype(z.dtype)


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
        return z * (np.minimum(np.maximum(z + 3, 0), 6) / 6)

    def _df(self, z):
        middle = (2 * np.clip(z, -3, 3) + 3) / 6  # clipped so that 2z cannot overflow
        return np.where(z <= -3, 0.0, np.where(z >= 3, 1.0, middle)).astype(z.dtype)


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
        self.alpha = _finite_real("alpha", alpha, low=0.0, what="a finite slope")

    def _f(self, z):
        return np.maximum(z, 0)

    def _df(self, z):
        return _select(z > 0, 1.0, self.alpha).astype(z.dtype)

    def true_grad(self, z):
        """The real derivative of ``max(0, z)`` (0 for ``z ≤ 0``)."""
        return ReLU().grad(z)
