r"""Recurrent networks with explicit backpropagation through time (BPTT).

Two models, one layer each, with the weight layout of PyTorch's ``nn.RNN``
and ``nn.LSTM`` (so that weights can be copied across and results compared):

* :class:`RNN`, the vanilla (Elman) tanh network

  .. math:: z_t = W_{ih} x_t + W_{hh} h_{t-1} + b, \qquad h_t = \tanh z_t ;

* :class:`LSTM`, the long short-term memory cell with a forget gate

  .. math::
      a_t &= W_{ih} x_t + W_{hh} h_{t-1} + b = [a^i_t; a^f_t; a^g_t; a^o_t] \\
      i_t &= \sigma(a^i_t),\; f_t = \sigma(a^f_t),\; g_t = \tanh(a^g_t),\; o_t = \sigma(a^o_t) \\
      c_t &= f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh c_t .

Both start from a zero state. ``forward(X)`` takes ``X`` of shape
``(T, batch, input_size)``; ``backward(dhs)`` takes the loss gradient with
respect to every ``h_t`` and returns the gradients of ``W_ih``, ``W_hh``,
``b`` and ``X``. Backward is "local derivative × upstream gradient", step by
step from ``t = T−1`` down to 0, and never changes a weight.

Gradient flow through time, the subject of chapter 9, is measured by
``jacobians(X)`` / ``jacobian_norms(X)``: the matrices ``∂h_{T−1}/∂h_t`` for
every ``t`` (time lag ``T−1−t``), computed by propagating an identity matrix
backwards. After ``backward``, ``grad_h`` holds the total loss gradient
``∂L/∂h_t`` that reached each step (and, for the LSTM, ``grad_c`` holds
``∂L/∂c_t``).

A pass computes in the dtype of ``X`` (float32 or float64) and returns that
dtype; a gradient that overflows on its way back through time raises
:class:`ExplodingGradientError` with the step, never inf or NaN.

Parameters are kept in PyTorch's layout (``W_ih`` is ``(G, I)``, so a step
computes ``W_ih x + W_hh h + b`` on column vectors, or ``x W_ihᵀ`` on rows)
and, as in :class:`~vglib.network.MLP`, all in one array ``flat``. The
*adding problem* of chapter 9, a task that needs a long memory, and its
trainer are in :mod:`vglib.studies.adding`.

References
----------
Elman (1990), Finding structure in time. Cognitive Science 14.
Bengio, Simard & Frasconi (1994), Learning long-term dependencies with
gradient descent is difficult. IEEE Trans. Neural Networks 5(2).
Hochreiter & Schmidhuber (1997), Long short-term memory. Neural Computation 9(8).
Gers, Schmidhuber & Cummins (2000), Learning to forget: continual prediction
with LSTM. Neural Computation 12(10).
"""

from __future__ import annotations

import math

import numpy as np

from . import _checks
from .activations import get
from .init import as_generator

__all__ = ["Recurrent", "RNN", "LSTM", "GATES", "ExplodingGradientError"]

_sigmoid = get("sigmoid")
_tanh = get("tanh")

#: Order of the gate blocks in ``W_ih``, ``W_hh`` and ``b`` (as in PyTorch).
GATES = ("i", "f", "g", "o")


class ExplodingGradientError(FloatingPointError):
    """Backpropagation through time overflowed: the gradient grew past the dtype's largest number.

    Attributes: ``t`` (the time step at which it first did) and ``lag`` (``T − 1 − t``).
    """

    def __init__(self, message, t, lag):
        super().__init__(message)
        self.t, self.lag = t, lag


def _positive_int(name, value):
    return _checks.integer(name, value, low=1)


def _orthogonal(n, rng):
    """A random ``n × n`` orthogonal matrix (QR of a Gaussian matrix, signs fixed)."""
    q, r = np.linalg.qr(rng.standard_normal((n, n)))
    return q * np.sign(np.diag(r))


class Recurrent:
    """What RNN and LSTM share: parameters, shape checks, the BPTT driver."""

    n_blocks = 1  # gate blocks stacked in W_ih, W_hh, b

    def __init__(self, input_size, hidden_size, *, seed=0, rng=None, scale=None):
        self.input_size = _positive_int("input_size", input_size)
        self.hidden_size = _positive_int("hidden_size", hidden_size)
        if rng is None:
            rng = as_generator(seed)
        elif not isinstance(rng, np.random.Generator):
            raise _checks.ArgumentTypeError(f"rng must be a numpy.random.Generator, got {_checks.show(rng)}")
        H, G = self.hidden_size, self.n_blocks * self.hidden_size
        k = 1.0 / math.sqrt(H)
        W_ih = rng.uniform(-k, k, size=(G, self.input_size))
        if scale is None:
            W_hh = rng.uniform(-k, k, size=(G, H))
        else:
            scale = _checks.real("scale", scale, low=0.0)
            W_hh = np.concatenate([scale * _orthogonal(H, rng) for _ in range(self.n_blocks)])
        # every parameter lives in one flat array, as in MLP: W_ih, W_hh, b
        self.bind(np.concatenate([W_ih.ravel(), W_hh.ravel(), np.zeros(G)]))
        self._cache = None
        self.grad_h = None

    # -- parameters and shapes -----------------------------------------------------
    def _expected_shapes(self):
        n = "" if self.n_blocks == 1 else f"{self.n_blocks}"
        G, H, I = self.n_blocks * self.hidden_size, self.hidden_size, self.input_size
        return {"W_ih": (f"({n}H, I)", (G, I)), "W_hh": (f"({n}H, H)", (G, H)), "b": (f"({n}H,)", (G,))}

    def bind(self, flat):
        """Keep the parameters in ``flat`` (float64, ``n_params`` numbers, e.g. a view into a larger array).

        ``W_ih``, ``W_hh`` and ``b`` become views of it. The current values are
        *not* copied: ``flat`` holds the parameters from now on.
        """
        n = sum(math.prod(shape) for _, shape in self._expected_shapes().values())
        if not isinstance(flat, np.ndarray) or flat.shape != (n,) or flat.dtype != np.float64:
            raise ValueError(f"{type(self).__name__}.bind needs a float64 array of shape ({n},), "
                             f"got {_checks.show(flat)}")
        self.flat = flat
        self._views, offset = {}, 0
        for name, (_, shape) in self._expected_shapes().items():
            self._views[name] = flat[offset:offset + math.prod(shape)].reshape(shape)
            offset += math.prod(shape)

    def _set(self, name, value):
        symbolic, shape = self._expected_shapes()[name]
        value = _checks.array(f"{type(self).__name__}.{name}", value, kinds="iuf")
        if value.shape != shape:
            raise ValueError(
                f"{type(self).__name__}.{name} must have shape {symbolic} = {shape} "
                f"(H={self.hidden_size}, I={self.input_size}), got {value.shape}")
        self._views[name][...] = value

    W_ih = property(lambda self: self._views["W_ih"], lambda self, v: self._set("W_ih", v),
                    doc="Input weights, shape (G, I) with G = n_blocks·H (PyTorch's weight_ih_l0).")
    W_hh = property(lambda self: self._views["W_hh"], lambda self, v: self._set("W_hh", v),
                    doc="Recurrent weights, shape (G, H) (PyTorch's weight_hh_l0).")
    b = property(lambda self: self._views["b"], lambda self, v: self._set("b", v),
                 doc="Bias, shape (G,) (PyTorch's bias_ih_l0 + bias_hh_l0).")

    def __getstate__(self):  # copies and pickles keep W_ih, W_hh, b as views of flat
        state = self.__dict__.copy()
        state.pop("_views", None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self.bind(self.flat)

    def parameters(self):
        """``[(name, array), …]`` for ``W_ih``, ``W_hh``, ``b``: views of ``flat``, not copies."""
        return list(self._views.items())

    @property
    def n_params(self) -> int:
        """Number of trained numbers."""
        return self.flat.size

    def _check_X(self, X):
        """``X`` checked and in the dtype of the computation: float32 or float64 as given, else float64."""
        X = _checks.array("X", X, finite=True)
        if X.ndim != 3 or X.shape[2] != self.input_size or X.shape[0] < 1 or X.shape[1] < 1:
            hint = " (for one sequence use X[:, None, :])" if X.ndim == 2 else ""
            raise ValueError(
                f"X must have shape (T, batch, input_size) = (T, batch, {self.input_size}) "
                f"with T, batch >= 1, got {X.shape}{hint}"
            )
        if X.dtype == np.float16:
            raise ValueError("X must be float32 or float64 (or integers, computed in float64), got float16")
        return X if X.dtype.kind == "f" else X.astype(np.float64)

    def _weights(self, dtype):
        """``(W_ih, W_hh, b)`` in the dtype of the computation (the parameters themselves stay float64)."""
        for name, p in self.parameters():
            _checks.finite_array(f"{type(self).__name__}.{name}", p)
        return tuple(p.astype(dtype, copy=False) for p in (self.W_ih, self.W_hh, self.b))

    def _overflowed(self, t, T, *arrays):
        """Raise :class:`ExplodingGradientError` if a gradient carried back to step ``t`` is not finite."""
        if all(np.isfinite(a).all() for a in arrays):
            return
        W_hh = self._cache["W"][1]
        wider = ", or float64 input" if W_hh.dtype != np.float64 else ""
        raise ExplodingGradientError(
            f"{type(self).__name__}: the gradient carried back through time overflowed {W_hh.dtype.name} "
            f"at t = {t} (time lag {T - 1 - t} of {T - 1}). Each step back multiplies it by up to "
            f"‖W_hh‖₂ = {np.linalg.norm(W_hh.astype(np.float64), 2):.3g}: use shorter sequences or a "
            f"smaller scale{wider}.", t, T - 1 - t)

    def _check_dhs(self, dhs):
        if self._cache is None:
            raise RuntimeError(f"call {type(self).__name__}.forward(X) before backward(dhs)")
        T, B = self._cache["X"].shape[:2]
        dhs = _checks.array("dhs", dhs, finite=True).astype(self._cache["X"].dtype, copy=False)
        if dhs.shape != (T, B, self.hidden_size):
            raise ValueError(
                f"dhs must have the shape of hs, (T, batch, hidden_size) = {(T, B, self.hidden_size)}, got {dhs.shape}"
            )
        return dhs

    def _param_grads(self, dz, X, hs):
        """Gradients of W_ih, W_hh, b and X from the pre-activation errors ``dz`` (T, B, G)."""
        h_prev = np.concatenate([np.zeros_like(hs[:1]), hs[:-1]])
        return {
            "W_ih": np.einsum("tbg,tbi->gi", dz, X),
            "W_hh": np.einsum("tbg,tbh->gh", dz, h_prev),
            "b": dz.sum(axis=(0, 1)),
            "X": dz @ self._cache["W"][0],
        }

    # -- gradient flow through time ------------------------------------------------
    def jacobian_norms(self, X, ord=2, **kwargs):
        """Norm of ``∂h_{T−1}/∂h_t`` for every ``t`` and sequence: shape ``(T, batch)``.

        ``ord=2`` is the spectral norm (the largest factor by which the step can
        amplify a gradient), ``ord="fro"`` the Frobenius norm. Row ``t`` belongs to
        time lag ``T−1−t``; row ``T−1`` is the identity (spectral norm 1).
        """
        if not (ord == "fro" if isinstance(ord, str) else isinstance(ord, int) and not isinstance(ord, bool) and ord == 2):
            raise ValueError(f"ord must be 2 (spectral) or 'fro' (Frobenius), got {_checks.show(ord)}")
        J = self.jacobians(X, **kwargs)
        return np.linalg.norm(J, ord=ord, axis=(-2, -1))

    def __repr__(self):
        return f"{type(self).__name__}(input_size={self.input_size}, hidden_size={self.hidden_size})"


class RNN(Recurrent):
    r"""Vanilla tanh RNN, one layer, with explicit BPTT.

    .. math::
        z_t = W_{ih} x_t + W_{hh} h_{t-1} + b,\quad h_t = \tanh z_t,\quad h_{-1} = 0, \\
        \frac{\partial h_t}{\partial h_{t-1}} = \operatorname{diag}(1 - h_t^2)\, W_{hh},
        \qquad \frac{\partial h_{T-1}}{\partial h_t} = \prod_{s=T-1}^{t+1}
        \operatorname{diag}(1 - h_s^2)\, W_{hh} .

    Each step back multiplies the gradient by ``W_hh`` and by ``tanh'`` (at most
    1), so its norm is at most ``‖W_hh‖₂^k`` after ``k`` steps: with a spectral
    norm below one the gradient vanishes geometrically with the time lag, as it
    does with depth in a deep tanh network.

    Parameters
    ----------
    input_size, hidden_size : int
        ``I`` and ``H``.
    seed : int, default 0
        Seed of the generator that draws the weights (ignored if ``rng`` is given).
    rng : numpy.random.Generator, optional
        Generator to draw the weights from.
    scale : float, optional
        ``None`` (default): every weight ``~ U(−1/√H, 1/√H)``, PyTorch's
        initialisation. A number ``s``: ``W_hh = s·Q`` with ``Q`` a random
        orthogonal matrix, so that every singular value of ``W_hh`` is ``s``.

    Attributes
    ----------
    W_ih : (H, I) array; W_hh : (H, H) array; b : (H,) array, zero at start.
    grad_h : (T, batch, H) array after :meth:`backward`, the total ``∂L/∂h_t``.

    Notes
    -----
    The parameters are float64; a pass computes in the dtype of ``X``
    (float32 or float64; integers in float64), with the weights rounded to it,
    and ``hs``, the gradients and the Jacobians come back in that dtype.

    An exploding gradient (``s > 1`` over many steps: ``5^{500}`` is beyond
    any float) makes :meth:`backward` and :meth:`jacobians` raise
    :class:`ExplodingGradientError`, naming the step where the gradient
    overflowed, instead of returning inf or NaN.
    """

    n_blocks = 1

    def forward(self, X):
        """Run the sequence ``X`` (T, batch, I) from ``h = 0``; return ``hs`` (T, batch, H) and ``h_{T−1}``."""
        X = self._check_X(X)
        W_ih, W_hh, b = weights = self._weights(X.dtype)
        T, B, _ = X.shape
        xz = X @ W_ih.T + b
        hs = np.empty((T, B, self.hidden_size), X.dtype)
        h = np.zeros((B, self.hidden_size), X.dtype)
        for t in range(T):
            h = _tanh(xz[t] + h @ W_hh.T)
            hs[t] = h
        self._cache = {"X": X, "hs": hs, "W": weights}
        return hs.copy(), h.copy()

    def backward(self, dhs):
        """BPTT. ``dhs[t] = ∂L/∂h_t`` from the loss alone (T, batch, H).

        Returns a dict of gradients ``{"W_ih", "W_hh", "b", "X"}``, each the shape
        of its array. The weights are not changed.
        """
        dhs = self._check_dhs(dhs)
        X, hs, W_hh = self._cache["X"], self._cache["hs"], self._cache["W"][1]
        dz = np.empty_like(hs)
        self.grad_h = np.empty_like(hs)
        dh = np.zeros_like(hs[0])
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, with the step
            for t in reversed(range(len(hs))):
                dh = dh + dhs[t]  # from the loss at t and from step t+1
                self._overflowed(t, len(hs), dh)
                self.grad_h[t] = dh
                dz[t] = dh * _tanh.grad_from_output(hs[t])  # local × upstream
                dh = dz[t] @ W_hh
        return self._param_grads(dz, X, hs)

    def jacobians(self, X):
        """``∂h_{T−1}/∂h_t`` for every ``t``: array (T, batch, H, H), entry ``[t, n, k, j] = ∂h_{T−1,k}/∂h_{t,j}``."""
        self.forward(X)
        hs, W_hh = self._cache["hs"], self._cache["W"][1]
        T, B, H = hs.shape
        J = np.broadcast_to(np.eye(H, dtype=hs.dtype), (B, H, H)).copy()
        out = np.empty((T, B, H, H), hs.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, with the step
            for t in reversed(range(T)):
                self._overflowed(t, T, J)
                out[t] = J
                J = (J * _tanh.grad_from_output(hs[t])[:, None, :]) @ W_hh
        return out


class LSTM(Recurrent):
    r"""LSTM layer with input, forget and output gates, and explicit BPTT.

    .. math::
        i_t = \sigma(a^i_t),\ f_t = \sigma(a^f_t),\ g_t = \tanh(a^g_t),\ o_t = \sigma(a^o_t),\\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t,\qquad h_t = o_t \odot \tanh c_t,

    with ``a_t = W_ih x_t + W_hh h_{t−1} + b`` split into four blocks of ``H``
    rows in the order input, forget, cell (``g``), output (PyTorch's order).

    The cell path is additive: along it ``∂c_t/∂c_{t−1} = diag(f_t)``, a gate
    value rather than a weight matrix times a squashing derivative. With
    ``f_t = 1`` the error on the cell passes back unchanged, the *constant
    error carousel* of Hochreiter & Schmidhuber (1997), whose LSTM had no
    forget gate. The forget gate came with Gers, Schmidhuber & Cummins (2000);
    its bias sets how much the cell keeps at the start of training.

    Parameters
    ----------
    input_size, hidden_size, seed, rng, scale
        As for :class:`RNN` (``scale`` makes each of the four blocks of
        ``W_hh`` a scaled orthogonal matrix).
    forget_bias : float, default 0.0
        Initial value of the forget block of ``b`` (the other blocks start at 0).
        A large value (say 40) makes ``f_t = 1`` to machine precision.

    Dtypes and exploding gradients behave as for :class:`RNN` (see its Notes).

    Attributes
    ----------
    W_ih : (4H, I) array; W_hh : (4H, H) array; b : (4H,) array.
    gates : dict ``{"i", "f", "g", "o"}`` of (T, batch, H) arrays after :meth:`forward`.
    cs : (T, batch, H) array of cell states after :meth:`forward`.
    grad_h, grad_c : (T, batch, H) arrays after :meth:`backward`, ``∂L/∂h_t`` and ``∂L/∂c_t``.
    """

    n_blocks = 4

    def __init__(self, input_size, hidden_size, *, seed=0, rng=None, scale=None, forget_bias=0.0):
        super().__init__(input_size, hidden_size, seed=seed, rng=rng, scale=scale)
        forget_bias = _checks.real("forget_bias", forget_bias)
        H = self.hidden_size
        self.b[H : 2 * H] = forget_bias
        self.grad_c = None

    def _blocks(self, a):
        H = self.hidden_size
        return a[..., :H], a[..., H : 2 * H], a[..., 2 * H : 3 * H], a[..., 3 * H :]

    @property
    def gates(self) -> dict:
        if self._cache is None:
            raise RuntimeError("call LSTM.forward(X) first")
        return dict(zip(GATES, self._blocks(self._cache["G"])))

    @property
    def cs(self):
        if self._cache is None:
            raise RuntimeError("call LSTM.forward(X) first")
        return self._cache["cs"]

    def forward(self, X):
        """Run ``X`` (T, batch, I) from ``h = c = 0``; return ``hs`` (T, batch, H) and ``(h_{T−1}, c_{T−1})``."""
        X = self._check_X(X)
        W_ih, W_hh, b = weights = self._weights(X.dtype)
        T, B, _ = X.shape
        H, dt = self.hidden_size, X.dtype
        xa = X @ W_ih.T + b
        G = np.empty((T, B, 4 * H), dt)  # gate values i, f, g, o
        dG = np.empty((T, B, 4 * H), dt)  # their local derivatives σ'(a) or tanh'(a)
        hs, cs, tcs = (np.empty((T, B, H), dt) for _ in range(3))
        h, c = np.zeros((B, H), dt), np.zeros((B, H), dt)
        for t in range(T):
            a = xa[t] + h @ W_hh.T
            G[t], dG[t] = _sigmoid(a), _sigmoid.grad(a)  # gates i, f, o (and g, replaced next)
            a_g = a[:, 2 * H : 3 * H]
            G[t, :, 2 * H : 3 * H], dG[t, :, 2 * H : 3 * H] = _tanh(a_g), _tanh.grad(a_g)
            i, f, g, o = self._blocks(G[t])
            c = f * c + i * g  # the additive cell path
            tcs[t] = _tanh(c)
            h = o * tcs[t]
            hs[t], cs[t] = h, c
        self._cache = {"X": X, "hs": hs, "cs": cs, "tcs": tcs, "G": G, "dG": dG, "W": weights}
        return hs.copy(), (h.copy(), c.copy())

    def _step_back(self, t, dh, dc):
        """One step of BPTT at time ``t``.

        ``dh`` is the total ``∂/∂h_t``, ``dc`` the part of ``∂/∂c_t`` that comes from
        ``c_{t+1}``. Both are (B, H), or (B, K, H) to carry K gradients at once.
        Returns ``(dc_total, da, dh_prev, dc_prev)``.
        """
        C = self._cache
        e = (lambda a: a[:, None, :]) if dh.ndim == 3 else (lambda a: a)
        i, f, g, o = (e(x) for x in self._blocks(C["G"][t]))
        tc = e(C["tcs"][t])
        c_prev = e(C["cs"][t - 1]) if t > 0 else 0.0
        dc_total = dc + dh * o * _tanh.grad_from_output(tc)
        da = np.concatenate([dc_total * g, dc_total * c_prev, dc_total * i, dh * tc], axis=-1) * e(C["dG"][t])
        return dc_total, da, da @ C["W"][1], dc_total * f

    def backward(self, dhs):
        """BPTT. ``dhs[t] = ∂L/∂h_t`` from the loss alone (T, batch, H); no loss on the cell.

        Returns a dict of gradients ``{"W_ih", "W_hh", "b", "X"}``, each the shape
        of its array. The weights are not changed.
        """
        dhs = self._check_dhs(dhs)
        X, hs = self._cache["X"], self._cache["hs"]
        T = len(hs)
        da = np.empty((T,) + hs.shape[1:-1] + (4 * self.hidden_size,), hs.dtype)
        self.grad_h, self.grad_c = np.empty_like(hs), np.empty_like(hs)
        dh, dc = np.zeros_like(hs[0]), np.zeros_like(hs[0])
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, with the step
            for t in reversed(range(T)):
                dh = dh + dhs[t]
                self._overflowed(t, T, dh, dc)
                self.grad_h[t] = dh
                self.grad_c[t], da[t], dh, dc = self._step_back(t, dh, dc)
        return self._param_grads(da, X, hs)

    def jacobians(self, X, of="h", wrt="h"):
        """``∂s_{T−1}/∂r_t`` for every ``t``, with ``s = of`` and ``r = wrt`` in ``{"h", "c"}``.

        Array (T, batch, H, H), entry ``[t, n, k, j] = ∂s_{T−1,k}/∂r_{t,j}``: the
        effect of a small change of ``r_t`` on the final state through every
        path, as backprop computes it. A change of ``h_t`` leaves ``c_t`` alone;
        a change of ``c_t`` also moves ``h_t = o_t ⊙ tanh c_t``. Row ``k`` of
        ``jacobians(X)[t]`` is ``grad_h[t]`` for the loss ``L = h_{T−1,k}``.
        """
        _checks.choice("of", of, ("h", "c"))
        _checks.choice("wrt", wrt, ("h", "c"))
        self.forward(X)
        hs = self._cache["hs"]
        T, B, H = hs.shape
        eye = np.broadcast_to(np.eye(H, dtype=hs.dtype), (B, H, H)).copy()
        dh, dc = (eye, np.zeros_like(eye)) if of == "h" else (np.zeros_like(eye), eye)
        out = np.empty((T, B, H, H), hs.dtype)
        with np.errstate(over="ignore", invalid="ignore"):  # overflow is reported below, with the step
            for t in reversed(range(T)):
                self._overflowed(t, T, dh, dc)
                dc_total, _, dh_prev, dc_prev = self._step_back(t, dh, dc)
                out[t] = dh if wrt == "h" else dc_total
                dh, dc = dh_prev, dc_prev
        return out


# ----------------------------------------------------------------------------------
# The adding problem
