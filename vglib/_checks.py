"""Argument checks shared by every public function of :mod:`vglib`.

Each check takes the argument's *name* first, so that the error says which
argument was wrong, what it was, and what is allowed::

    steps must be a positive integer, got 1.9
    lr must be a finite number > 0, got 'fast'

A value of the wrong type raises :class:`ArgumentTypeError`, which is both a
``TypeError`` and a ``ValueError`` (code that catches ``ValueError`` for any
bad argument keeps working); a value of the right type but out of range
raises ``ValueError``. Nothing is clamped or rounded silently: ``4.7`` is not
a layer width and ``"0.1"`` is not a learning rate. Integer-valued floats
such as ``1e4`` are accepted where an integer is asked for.
"""

from __future__ import annotations

import difflib
import math
import numbers

import numpy as np

__all__ = ["ArgumentTypeError", "show", "integer", "real", "flag", "choice", "integers", "float_dtype",
           "array", "finite_array", "seed", "generator", "network", "function", "lookup"]


class ArgumentTypeError(TypeError, ValueError):
    """An argument of the wrong type (a ``TypeError`` that is also a ``ValueError``)."""


def show(value) -> str:
    """A short description of ``value`` for an error message."""
    if isinstance(value, np.ndarray) and value.ndim > 0:
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    text = repr(value)
    if len(text) > 60:
        text = text[:57] + "..."
    simple = (bool, int, float, str, np.bool_, np.integer, np.floating, type(None))
    return text if isinstance(value, simple) else f"{text} ({type(value).__name__})"


def _scalar(value):
    """A 0-d array becomes its element; anything else is returned as is."""
    if isinstance(value, np.ndarray) and value.ndim == 0:
        return value[()]
    return value


def _is_real(value) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _range_text(low, high, low_open=False, high_open=False) -> str:
    if high == math.inf:
        return "" if low == -math.inf else f" {'>' if low_open else '>='} {low:g}"
    if low == -math.inf:
        return f" {'<' if high_open else '<='} {high:g}"
    return f" in {'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"


def integer(name, value, *, low=None, high=None) -> int:
    """``value`` as an ``int``: an integer, or a float with an integer value (``1e4``); no bool."""
    v = _scalar(value)
    if low == 1 and high is None:
        allowed = "a positive integer"
    elif low == 0 and high is None:
        allowed = "an integer >= 0"
    else:
        allowed = "an integer" + _range_text(-math.inf if low is None else low,
                                             math.inf if high is None else high)
    if not _is_real(v):
        raise ArgumentTypeError(f"{name} must be {allowed}, got {show(value)}")
    if isinstance(v, (numbers.Integral, np.integer)):
        v = int(v)
    elif math.isfinite(v) and float(v).is_integer():
        v = int(v)
    else:
        raise ValueError(f"{name} must be {allowed}, got {show(value)}")
    if (low is not None and v < low) or (high is not None and v > high):
        raise ValueError(f"{name} must be {allowed}, got {show(value)}")
    return v


def real(name, value, *, low=-math.inf, high=math.inf, low_open=False, high_open=False,
         what="a finite number") -> float:
    """``value`` as a finite Python ``float`` in the given range (no bool, no string)."""
    v = _scalar(value)
    allowed = what + _range_text(low, high, low_open, high_open)
    if not _is_real(v):
        raise ArgumentTypeError(f"{name} must be {allowed}, got {show(value)}")
    v = float(v)
    too_low = v <= low if low_open else v < low
    too_high = v >= high if high_open else v > high
    if not math.isfinite(v) or too_low or too_high:
        raise ValueError(f"{name} must be {allowed}, got {show(value)}")
    return v


def flag(name, value) -> bool:
    """``value`` if it is a bool (``True``/``False`` or a NumPy bool); no truthy strings or numbers."""
    if not isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be True or False, got {show(value)}")
    return bool(value)


def choice(name, value, options):
    """``value`` if it is one of ``options`` (strings or None)."""
    if not (value is None or isinstance(value, str)) or value not in options:
        listed = ", ".join(repr(o) for o in options)
        error = ValueError if isinstance(value, str) else ArgumentTypeError
        raise error(f"{name} must be one of {listed}; got {show(value)}")
    return value


def integers(name, values, *, low=1, min_len=0) -> list[int]:
    """A list of integers ``>= low`` from a sequence (not a string), at least ``min_len`` long."""
    if isinstance(values, (str, bytes)) or not hasattr(values, "__len__") or np.ndim(values) > 1:
        raise ArgumentTypeError(f"{name} must be a sequence of integers, got {show(values)}")
    out = [integer(f"{name}[{i}]", v, low=low) for i, v in enumerate(values)]
    if len(out) < min_len:
        raise ValueError(f"{name} must list at least {min_len} integers, got {show(values)}")
    return out


def float_dtype(name, dtype, allowed=(np.float16, np.float32, np.float64)) -> np.dtype:
    """``dtype`` as a ``numpy.dtype`` if it is one of ``allowed``."""
    names = ", ".join(np.dtype(a).name for a in allowed)
    try:
        dt = np.dtype(dtype)
    except (TypeError, ValueError):
        raise ArgumentTypeError(f"{name} must be a NumPy float dtype ({names}), got {show(dtype)}") from None
    if dt not in [np.dtype(a) for a in allowed]:
        raise ValueError(f"{name} must be one of {names}, got {dt}")
    return dt


def array(name, value, *, kinds="biuf", ndim=None, finite=False, nonempty=False, dtype=None) -> np.ndarray:
    """``value`` as an ndarray of numbers: lists and scalars are converted, the rest is refused.

    ``kinds`` are the NumPy dtype kinds allowed (``b`` bool, ``i``/``u`` integer,
    ``f`` float); complex numbers, strings, objects and ragged lists are
    refused, naming the argument. ``dtype`` converts after the checks.
    """
    try:
        a = np.asarray(value)
    except (TypeError, ValueError) as err:
        raise ArgumentTypeError(f"{name} must be an array of numbers (a ragged list is not one): {err}") from None
    if a.dtype.kind not in kinds:
        wanted = {"b": "bool", "i": "integer", "u": "integer", "f": "float"}
        listed = ", ".join(dict.fromkeys(wanted[k] for k in kinds))
        raise ArgumentTypeError(f"{name} must hold real numbers ({listed}), got dtype {a.dtype}")
    if ndim is not None and a.ndim != ndim:
        raise ValueError(f"{name} must have {ndim} dimension(s), got shape {a.shape}")
    if nonempty and a.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {a.shape}")
    if dtype is not None:
        a = a.astype(dtype, copy=False)
    if finite:
        finite_array(name, a)
    return a


def finite_array(name, a):
    """Raise ``ValueError`` if the float array ``a`` holds NaN or ±inf, naming the first one."""
    a = np.asarray(a)
    if a.dtype.kind in "fc" and not np.all(np.isfinite(a)):
        bad = np.argwhere(~np.isfinite(a))
        where = f" at index {tuple(int(i) for i in bad[0])}" if a.ndim else ""
        raise ValueError(f"{name} must be finite, but holds {len(bad)} NaN or infinite value(s); "
                         f"the first{where} is {a[tuple(bad[0])]}")
    return a


def seed(name, value):
    """``value`` if it is None or an integer ``>= 0`` (a seed for ``numpy.random.default_rng``)."""
    if value is None:
        return None
    if not isinstance(value, (numbers.Integral, np.integer)) or isinstance(value, (bool, np.bool_)):
        raise ArgumentTypeError(f"{name} must be an integer >= 0, None or a numpy.random.Generator, got {show(value)}")
    if value < 0:
        raise ValueError(f"{name} must be an integer >= 0, None or a numpy.random.Generator, got {value}")
    return int(value)


def generator(name, value) -> np.random.Generator:
    """A ``numpy.random.Generator`` from a seed (int >= 0 or None) or a generator (returned as is)."""
    if isinstance(value, np.random.Generator):
        return value
    return np.random.default_rng(seed(name, value))


def network(name, value):
    """``value`` if it is a :class:`vglib.network.MLP`."""
    from .network import MLP  # here, not at the top: network imports this module

    if not isinstance(value, MLP):
        raise ArgumentTypeError(f"{name} must be a vglib.MLP, got {show(value)}")
    return value


def function(name, value):
    """``value`` if it is callable."""
    if not callable(value):
        raise ArgumentTypeError(f"{name} must be callable, got {show(value)}")
    return value


def lookup(kind, name, names, *, aliases=None, also=None) -> str:
    """The name among ``names`` that ``name`` spells, for the registries (activations, inits, losses, optimisers).

    ``name`` is read as ``name.strip().lower()`` with ``-`` as ``_``, then
    through ``aliases`` (a dict alias → name), so ``" Leaky-ReLU"`` finds
    ``leaky_relu``. ``kind`` says what is looked up, in the messages; ``also``
    what else the caller accepts besides a name (for the error on a non-string).

    Raises
    ------
    ArgumentTypeError
        If ``name`` is not a string.
    ValueError
        For an unknown name: the message lists the known names (and aliases)
        and suggests the closest one, if any is close.

    Examples
    --------
    >>> lookup("loss", " MSE", ["mse", "cross_entropy"], aliases={"ce": "cross_entropy"})
    'mse'
    >>> lookup("loss", "msee", ["mse", "cross_entropy"], aliases={"ce": "cross_entropy"})
    Traceback (most recent call last):
    ...
    ValueError: unknown loss 'msee'; known: cross_entropy, mse (aliases: ce). Did you mean 'mse'?
    """
    aliases = {} if aliases is None else aliases
    if not isinstance(name, str):
        accepted = "a name (str)" + (f" or {also}" if also else "")
        raise ArgumentTypeError(f"{kind} must be {accepted}, got {show(name)}")
    key = name.strip().lower().replace("-", "_")
    key = aliases.get(key, key)
    if key in names:
        return key
    close = difflib.get_close_matches(key, [*names, *aliases], n=1, cutoff=0.4)
    listed = ", ".join(sorted(names)) + (f" (aliases: {', '.join(sorted(aliases))})" if aliases else "")
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ValueError(f"unknown {kind} {name!r}; known: {listed}.{hint}")
