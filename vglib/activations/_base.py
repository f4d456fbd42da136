"""The registry, the input and hyperparameter checks, and the base class.

Shared by every activation module of :mod:`vglib.activations`.
"""

from __future__ import annotations

import difflib
import math

import numpy as np

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
    if getattr(z, "__vglib_traced__", False) and z.dtype.kind == "f":
        return z  # vglib.cost's operation counter: an ndarray subclass that logs ufunc calls
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
