r"""Optimisers: the only code that changes a network's parameters.

An optimiser updates the parameters ``θ`` (``net.flat``: every ``W_l``,
``b_l`` and PReLU slope in one array) from the gradients ``g = ∂ℓ/∂θ`` of a
backward pass::

    loss, grads = net.loss_and_grads(X, y)   # computes, changes nothing
    opt.step(net, grads)                     # θ ← θ − (update)

``opt.update(theta, g)`` does the same on any pair of float arrays, which is
how the tests check each rule against a hand computation. All arithmetic is
in place and in the dtype of ``θ`` (hyperparameters are Python floats, so
float32 stays float32).

Gradient clipping (``clip_norm=c``) rescales ``g`` to norm ``c`` when
``‖g‖ > c``, with the norm taken over all parameters together; the gradient
object itself is left unchanged.

Learning-rate warm-up (``warmup_steps=k``) scales the learning rate of step
``t`` (counted from 1) by ``min(1, t / k)``: the first step uses ``η / k``,
step ``k`` and every later one the full ``η`` (linear warm-up, as in Goyal
et al. 2017, who ramp up over the first epochs of large-batch training).
``warmup_steps=0`` (the default) or ``None`` means no warm-up;
:meth:`Optimizer.reset` starts the warm-up again.
"""

from __future__ import annotations

import inspect
import math

import numpy as np

from . import _checks

__all__ = ["Optimizer", "SGD", "Adam", "get", "available", "clip_by_norm"]


def clip_by_norm(g, max_norm):
    r"""The factor ``min(1, c / ‖g‖)`` that brings ``g`` to norm at most ``c``.

    A non-finite norm gives 1 (nothing to rescale by): callers check ``g`` for
    NaN and inf themselves, as :func:`vglib.train.fit` does every step.
    """
    max_norm = _positive("max_norm", max_norm)
    norm = math.sqrt(float(np.vdot(g, g)))
    if not math.isfinite(norm) or norm <= max_norm:
        return 1.0
    return max_norm / norm


def _positive(name, value, allow_zero=False):
    return _checks.real(name, value, low=0.0, low_open=not allow_zero)


class Optimizer:
    """Base class: ``step(net, grads)`` or ``update(theta, g)``.

    State is kept per parameter array. ``lr`` is the learning rate ``η``
    after the warm-up; :meth:`lr_at` gives the one a given step uses.
    """

    name = ""

    def __init__(self, lr, clip_norm=None, warmup_steps=0):
        self.lr = _positive("lr", lr)
        self.clip_norm = None if clip_norm is None else _positive("clip_norm", clip_norm)
        self.warmup_steps = 0 if warmup_steps is None else _checks.integer(
            "warmup_steps", warmup_steps, low=0)
        self.t = 0
        self._shape = None
        self._g = None

    def step(self, net, grads):
        """Update ``net``'s parameters in place from ``grads`` (a :class:`~vglib.network.Gradients`).

        Refuses gradients that hold NaN or inf (they would spoil every parameter).
        """
        flat = getattr(grads, "flat", None)
        if not isinstance(getattr(net, "flat", None), np.ndarray) or not isinstance(flat, np.ndarray):
            raise _checks.ArgumentTypeError(
                f"step takes a network and its Gradients (net.loss_and_grads), got {_checks.show(net)} "
                f"and {_checks.show(grads)}")
        self.update(net.flat, _checks.finite_array("grads", flat))

    def update(self, theta, g):
        """Update the array ``theta`` in place from its gradient ``g`` (same shape and dtype).

        The hot loop of training: no check of the values (``fit`` checks them once per step).
        """
        for name, a in (("theta", theta), ("g", g)):
            if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
                raise _checks.ArgumentTypeError(f"{name} must be a float numpy array, got {_checks.show(a)}")
        if theta.shape != g.shape:
            raise ValueError(f"parameters of shape {theta.shape} and gradients of shape {g.shape} differ")
        if self._shape is None:
            self._shape = theta.shape
            self._init_state(theta)
        elif self._shape != theta.shape:
            raise ValueError(
                f"this optimiser holds state for parameters of shape {self._shape}, got {theta.shape}; "
                "use one optimiser per network (or call reset())")
        if self.clip_norm is not None:
            factor = clip_by_norm(g, self.clip_norm)
            if factor < 1.0:
                if self._g is None or self._g.dtype != g.dtype:
                    self._g = np.empty_like(g)
                g = np.multiply(g, factor, out=self._g)
        self.t += 1
        self._update(theta, g)

    def lr_at(self, t=None):
        r"""The learning rate of step ``t`` (from 1; default: the last step).

        ``η · min(1, t / k)``, ``k = warmup_steps`` (``η`` if ``k = 0``).
        """
        t = self.t if t is None else _checks.integer("t", t, low=1)
        k = self.warmup_steps
        if k == 0 or t >= k:
            return self.lr
        return self.lr * t / k

    def reset(self):
        """Forget the state (step count, moments); a warm-up starts again."""
        self.t = 0
        self._shape = None

    def _init_state(self, theta):
        pass

    def _update(self, theta, g):  # pragma: no cover - abstract
        raise NotImplementedError


class SGD(Optimizer):
    r"""Stochastic gradient descent, optionally with (heavy-ball) momentum.

    .. math::
        v \leftarrow \mu v + g, \qquad \theta \leftarrow \theta - \eta v

    With ``μ = 0`` this is ``θ ← θ − η g``. (The form of PyTorch's ``SGD``; the
    first step sets ``v = g``.)

    Parameters
    ----------
    lr : float
        Learning rate ``η > 0``.
    momentum : float
        ``μ`` in ``[0, 1)``.
    clip_norm : float, optional
        Rescale ``g`` to this global norm when it is larger.
    warmup_steps : int
        Raise the learning rate linearly over this many steps, from
        ``η / warmup_steps`` to ``η`` (0: no warm-up).
    """

    name = "sgd"

    def __init__(self, lr=0.1, momentum=0.0, clip_norm=None, warmup_steps=0):
        super().__init__(lr, clip_norm, warmup_steps)
        self.momentum = _positive("momentum", momentum, allow_zero=True)
        if self.momentum >= 1:
            raise ValueError(f"momentum must lie in [0, 1), got {momentum!r}")

    def _init_state(self, theta):
        self.v = np.zeros_like(theta) if self.momentum else None
        self._tmp = np.empty_like(theta)

    def _update(self, theta, g):
        if self.momentum:
            v = self.v
            if self.t == 1:
                np.copyto(v, g)
            else:
                v *= self.momentum
                v += g
            g = v
        np.multiply(g, self.lr_at(), out=self._tmp)
        theta -= self._tmp

    def __repr__(self):
        return (f"SGD(lr={self.lr}, momentum={self.momentum}, "
                f"clip_norm={self.clip_norm}, "
                f"warmup_steps={self.warmup_steps})")


class Adam(Optimizer):
    r"""Adam: steps scaled by running estimates of the gradient's mean and variance.

    .. math::
        m \leftarrow \beta_1 m + (1-\beta_1) g, \qquad
        v \leftarrow \beta_2 v + (1-\beta_2) g^2, \\
        \theta \leftarrow \theta - \eta\,\frac{m / (1-\beta_1^t)}{\sqrt{v / (1-\beta_2^t)} + \varepsilon}

    with ``t`` the step count (from 1) and ``η`` scaled by the warm-up, if
    any (``warmup_steps``, see :meth:`Optimizer.lr_at`). Defaults are the
    paper's:
    ``η = 1e-3, β₁ = 0.9, β₂ = 0.999, ε = 1e-8``. Computed in place on the one
    flat parameter array (a dozen array operations per step, whatever the depth).

    References
    ----------
    Kingma & Ba (2015), Adam: a method for stochastic optimization. ICLR.
    """

    name = "adam"

    def __init__(self, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8,
                 clip_norm=None, warmup_steps=0):
        super().__init__(lr, clip_norm, warmup_steps)
        self.beta1 = _positive("beta1", beta1, allow_zero=True)
        self.beta2 = _positive("beta2", beta2, allow_zero=True)
        if self.beta1 >= 1 or self.beta2 >= 1:
            raise ValueError(f"beta1 and beta2 must lie in [0, 1), got {beta1!r} and {beta2!r}")
        self.eps = _positive("eps", eps)

    def _init_state(self, theta):
        self.m = np.zeros_like(theta)
        self.v = np.zeros_like(theta)
        self._tmp = np.empty_like(theta)

    def _update(self, theta, g):
        b1, b2, t, tmp = self.beta1, self.beta2, self.t, self._tmp
        m, v = self.m, self.v
        m *= b1                                   # m ← β₁ m + (1 − β₁) g
        np.multiply(g, 1.0 - b1, out=tmp)
        m += tmp
        v *= b2                                   # v ← β₂ v + (1 − β₂) g²
        np.multiply(g, g, out=tmp)
        tmp *= 1.0 - b2
        v += tmp
        # θ ← θ − η m̂ / (√v̂ + ε), rearranged as θ − (η √c₂ / c₁) m / (√v + ε √c₂)
        c1, c2 = 1.0 - b1**t, math.sqrt(1.0 - b2**t)
        np.sqrt(v, out=tmp)
        tmp += self.eps * c2
        np.divide(m, tmp, out=tmp)
        tmp *= self.lr_at() * c2 / c1
        theta -= tmp

    def __repr__(self):
        return (f"Adam(lr={self.lr}, beta1={self.beta1}, beta2={self.beta2}, eps={self.eps}, "
                f"clip_norm={self.clip_norm}, "
                f"warmup_steps={self.warmup_steps})")


_REGISTRY = {"sgd": SGD, "adam": Adam}


def available() -> list[str]:
    """Sorted optimiser names (``"momentum"`` is SGD with ``momentum=0.9``)."""
    return sorted([*_REGISTRY, "momentum"])


def get(name, **options) -> Optimizer:
    """An optimiser from a name (``"sgd"``, ``"momentum"``, ``"adam"``) and options such as ``lr``.

    An :class:`Optimizer` object is returned unchanged (then no options may be given).
    """
    options = {k: v for k, v in options.items() if v is not None}
    if isinstance(name, Optimizer):
        if options:
            raise ValueError(f"got an optimiser object {name!r} and options {sorted(options)}: "
                             "give the options to the object")
        return name
    key = _checks.lookup("optimizer", name, available(), also="an Optimizer")
    if key == "momentum":
        options.setdefault("momentum", 0.9)
        key = "sgd"
    cls = _REGISTRY[key]
    takes = [p for p in inspect.signature(cls).parameters]
    unknown = sorted(set(options) - set(takes))
    if unknown:
        raise _checks.ArgumentTypeError(f"optimizer {name!r} got unknown option(s) {unknown}; it takes: {', '.join(takes)}")
    return cls(**options)
