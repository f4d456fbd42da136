"""The registry, the input and hyperparameter checks, and the base class.

Shared by every activation module of :mod:`vglib.activations`.
"""

from __future__ import annotations

import numpy as np

from .. import _checks

__all__ = ["Activation", "register", "available", "get"]

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
    key = _checks.lookup("activation", name, _REGISTRY, also="an Activation object")
    cls = _REGISTRY[key]
    allowed = cls.hyperparameters + cls.keywords
    unknown = sorted(set(hyperparameters) - set(allowed))
    if unknown:
        takes = ", ".join(allowed) if allowed else "no hyperparameters"
        raise ValueError(f"activation {key!r} got unknown hyperparameter(s) {unknown}; it takes: {takes}")
    return cls(**hyperparameters)


# ----------------------------------------------------------------------------
# helpers


def _as_float_array(z, name="z"):
    """Return ``z`` as a floating ndarray: floats keep their dtype, the rest become float64."""
    if getattr(z, "__vglib_traced__", False) and z.dtype.kind == "f":
        return z  # vglib.studies.cost's operation counter: an ndarray subclass that logs ufunc calls
    a = _checks.array(name, z)
    return a if a.dtype.kind == "f" else a.astype(np.float64)


def _exp_neg_abs(z):
    """``exp(-|z|)``: never overflows, lies in [0, 1]."""
    return np.exp(-np.abs(z))


def _one_or(mask, b, dtype):
    """``1`` where ``mask`` else ``b``, in ``dtype``, by arithmetic: exact for a finite ``b``.

    ``np.where`` on data whose sign changes at random is several times slower
    than a few arithmetic passes (branch misprediction), and activations are
    called on millions of numbers. ``b`` is a Python float or an array of
    ``dtype`` (a float64 ``b`` would make the work float64).
    """
    m = mask.astype(dtype)
    out = 1 - m  # 0 where mask, 1 elsewhere
    out *= b
    out += m
    return out


def _keep_nan(d, z):
    """The derivative ``d`` with NaN wherever ``z`` is NaN (``d`` itself when there is none).

    Comparisons such as ``z > 0`` are False for NaN, so a derivative built
    from them would turn a NaN input into a number. The test is one read-only
    reduction (``min`` propagates NaN), cheaper than ``isnan(z).any()``.
    """
    if z.size and np.isnan(z.min()):
        return np.where(np.isnan(z), z, d)
    return d


def _two_sided(z, alpha):
    """``max(z, 0) + α·min(z, 0)``, the leaky rectifiers; a zero slope gives 0 (not NaN) at ``z = −inf``."""
    pos, neg = np.maximum(z, 0), np.minimum(z, 0)
    if np.ndim(alpha) == 0:
        return pos if alpha == 0 else pos + alpha * neg
    return pos + np.multiply(alpha, neg, out=np.zeros_like(neg), where=alpha != 0)


def _above_min(z):
    """``z`` with ``−inf`` replaced by the most negative finite number (NaN stays NaN).

    For ``z·g(z)`` with ``g(z) → 0`` as ``z → −∞`` (GELU, SiLU, hard swish):
    ``−inf · 0`` is NaN, ``−max · 0`` is the limit, ``−0``.
    """
    return np.maximum(z, np.finfo(z.dtype).min)


def _sigmoid(z):
    e = _exp_neg_abs(z)
    s = 1.0 / (1.0 + e)  # σ(|z|)
    return s * _one_or(z >= 0, e, z.dtype)


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

    # The network's passes (vglib.network.MLP) call these on its preallocated
    # work arrays. A class may override them with fused, allocation-free
    # kernels of the same formulas (tests compare each with __call__ and grad);
    # the network uses a kernel only where the class itself defines one.
    def forward_into(self, z, out, mask):
        """``out ← f(z)`` in place. ``mask`` is a boolean work array of ``z``'s shape."""
        out[...] = self(z)

    def backward_into(self, z, h, g, tmp, mask):
        """``g ← f'(z) ⊙ g`` in place (local × upstream), with ``h = f(z)`` and work arrays ``tmp``, ``mask``."""
        g *= self.grad(z)

    @property
    def params(self) -> dict:
        """The hyperparameters as a dict (``get(act.name, **act.params)`` rebuilds it)."""
        return {k: getattr(self, k) for k in self.hyperparameters}

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.params.items())
        return f"{type(self).__name__}({args})"
