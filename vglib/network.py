r"""A multilayer perceptron with an explicit, inspectable backward pass.

Notation (the book's): layers ``l = 0, …, L−1``; the input is ``h_{−1} = X``;

.. math::
    z_l = h_{l-1} W_l + b_l, \qquad h_l = f_l(z_l) \quad (l < L-1), \qquad o = z_{L-1}

(the last layer is linear: its output ``o`` is the logits). ``W_l`` has shape
``(n_in, n_out)``. Backpropagation starts from ``δ_{L−1} = ∂ℓ/∂o`` and runs

.. math::
    \frac{\partial \ell}{\partial W_l} = h_{l-1}^\top \delta_l, \qquad
    \frac{\partial \ell}{\partial b_l} = \textstyle\sum_i \delta_{l,i}, \qquad
    \delta_{l-1} = \underbrace{f_{l-1}'(z_{l-1})}_{\text{local}} \odot
                   \underbrace{(\delta_l W_l^\top)}_{\text{upstream}}

which is the product of local derivatives that makes gradients vanish.

With ``norm="batch"`` or ``"layer"`` each hidden layer normalises ``z_l``
into ``u_l`` before its activation, and with ``residual=True`` a hidden
layer whose widths match adds its input, ``h_l = f_l(u_l) + h_{l−1}``; those
passes are written out in :mod:`vglib.layers`. ``δ_l`` stays ``∂ℓ/∂z_l``.

The backward pass only *computes* gradients; it never changes a weight (that is
the optimiser's job, see :mod:`vglib.optim`).

All parameters live in one contiguous array (``net.flat``); ``net.weights``,
``net.biases`` and ``net.alphas`` are views of it, so an in-place change such
as ``net.weights[0][...] = W`` is seen by the network. Computation runs in
the network's dtype (float64 by default, float32 for speed) and reuses
preallocated work arrays, so a training step allocates almost nothing.
"""

from __future__ import annotations

import contextlib
import copy
import math
from dataclasses import dataclass, field
from functools import partial

import numpy as np

from . import _checks
from . import activations as _acts
from . import init as _init
from . import layers as _layers
from . import losses as _losses
from . import normalization as _norms

__all__ = ["MLP", "Gradients", "ParamViews", "Trace"]

NORMS = (None, "batch", "layer")


def _kernels(act):
    """The activation's own fused in-place passes where its class defines them, else the generic ones.

    Fused kernels live next to their maths, in the activation classes
    (``forward_into``, ``backward_into``); a subclass that does not define its
    own gets the generic pair built on ``act(z)`` and ``act.grad(z)``.
    """
    own = type(act).__dict__
    fwd = act.forward_into if "forward_into" in own else partial(_acts.Activation.forward_into, act)
    bwd = act.backward_into if "backward_into" in own else partial(_acts.Activation.backward_into, act)
    return fwd, bwd


# ----------------------------------------------------------------------------
# records


class Gradients(list):
    """The gradients of one backward pass: ``grads[l] == (dW_l, db_l)``.

    A list of ``L`` pairs with the shapes of ``(W_l, b_l)``, plus

    * ``alphas``: per hidden layer, ``∂ℓ/∂α`` of a PReLU layer's slope(s)
      (shape ``(1,)`` when shared, ``(n_units,)`` per unit), else ``None``;
    * ``norm``: per hidden layer, ``(∂ℓ/∂γ_l, ∂ℓ/∂β_l)`` of its normalisation,
      or ``None`` for a layer without; ``None`` itself for a network built
      with ``norm=None``;
    * ``flat``: all of them in one array, laid out like ``net.flat``.
    """

    def __init__(self, pairs, alphas, flat, norm=None):
        super().__init__(pairs)
        self.alphas = alphas
        self.norm = norm
        self.flat = flat

    @property
    def dW(self):
        """The weight gradients ``∂ℓ/∂W_l``, one per layer."""
        return [p[0] for p in self]

    @property
    def db(self):
        """The bias gradients ``∂ℓ/∂b_l``, one per layer."""
        return [p[1] for p in self]


class ParamViews(tuple):
    """Views of an array laid out like ``net.flat``: unpacks as ``(pairs, alphas)``, and has ``.norm``.

    ``pairs[l]`` are ``(W_l, b_l)``-shaped views, ``alphas[l]`` the PReLU
    slope view of hidden layer ``l`` (or None), ``norm[l]`` the ``(γ_l, β_l)``
    views of its normalisation (or None; ``norm`` is None without one).
    """

    def __new__(cls, pairs, alphas, norm=None):
        views = super().__new__(cls, (pairs, alphas))
        views.norm = norm
        return views

    @property
    def pairs(self):
        return self[0]

    @property
    def alphas(self):
        return self[1]


@dataclass
class Trace:
    """What one forward (and backward) pass computed, kept for plotting.

    Attributes
    ----------
    x : ndarray (N, n_0)
        The input ``X``.
    z : list of ndarray
        Pre-activations ``z_l`` of every layer, ``l = 0 … L−1`` (``z[-1]`` is the logits).
    h : list of ndarray
        Outputs ``h_l`` of the hidden layers, ``l = 0 … L−2``: ``f_l(z_l)`` in a
        plain network, ``f_l(u_l)`` (plus ``h_{l−1}`` where a skip adds it)
        with normalisation or residual connections.
    delta : list of ndarray
        Error signals ``δ_l = ∂ℓ/∂z_l``, ``l = 0 … L−1``; empty until a backward pass ran.
    u : list of ndarray
        The activations' inputs ``u_l`` of the hidden layers: the normalised
        ``z_l`` with ``norm=``, else ``z_l`` itself (the same arrays).
    """

    x: np.ndarray
    z: list
    h: list
    delta: list = field(default_factory=list)
    u: list = None

    def __post_init__(self):
        if self.u is None:
            self.u = self.z[:-1]

    @property
    def logits(self):
        return self.z[-1]


class _Work:
    """Preallocated work arrays for one batch size."""

    def __init__(self, sizes, n, dtype):
        outs = sizes[1:]
        self.z = [np.empty((n, k), dtype) for k in outs]
        self.h = [np.empty((n, k), dtype) for k in outs[:-1]]
        self.g = [np.empty((n, k), dtype) for k in outs[:-1]]
        self.tmp = [np.empty((n, k), dtype) for k in outs[:-1]]
        self.mask = [np.empty((n, k), bool) for k in outs[:-1]]
        self.dout = np.empty((n, outs[-1]), dtype)


# ----------------------------------------------------------------------------


class MLP:
    r"""A fully connected network: hidden layers with activations, then a linear output.

    Parameters
    ----------
    sizes : sequence of int
        ``[n_0, n_1, …, n_L]``: input width, hidden widths, number of outputs
        (at least two entries).
    activation : str, Activation, or a list of them, default "relu"
        The hidden activation (see :func:`vglib.activations.available`), or
        one per hidden layer (``len(sizes) − 2`` of them). Every layer gets its
        own copy of an activation object, so an RReLU layer's random slopes
        and a PReLU layer's learned slope belong to that layer.
    init : str or callable, default "xavier_uniform"
        Weight initialisation (see :func:`vglib.init.available`).
    seed : int, None or numpy.random.Generator
        Source of all randomness (weights, then RReLU slopes).
    init_std, init_bound : float, optional
        The scale for ``init="normal"`` (standard deviation) and
        ``init="uniform"`` (bound ``a`` of ``U(−a, a)``).
    bias : float or sequence of float, default 0.0
        Initial value of every bias, or one per layer (a negative value
        provokes dead ReLU units).
    dtype : numpy.float64 or numpy.float32
        Dtype of every parameter, activation and gradient.
    loss : str or Loss, default "cross_entropy"
        Used by :meth:`loss_and_grads` (see :mod:`vglib.losses`).
    prelu_slopes : {"shared", "per_unit"}
        For PReLU layers given by name: one slope per layer or one per unit.
        A PReLU object whose ``alpha`` is an array of shape ``(n_units,)`` is
        per unit anyway.
    norm : {None, "batch", "layer"}
        Normalise every hidden layer's ``z_l`` before its activation,
        ``u_l = γ_l ẑ_l + β_l`` (:mod:`vglib.normalization`, ``ε = 1e−5``,
        batch-norm momentum 0.1; ``γ = 1``, ``β = 0`` at the start). ``γ_l``
        and ``β_l`` are trained like ``W`` and ``b``: they live in
        ``net.flat`` (after the PReLU slopes), ``net.norm_params`` shows them
        and ``grads.norm`` holds their gradients. The output layer is never
        normalised.
    residual : bool, default False
        Add a skip connection ``h_l = f_l(u_l) + h_{l−1}`` to every hidden
        layer ``l ≥ 1`` whose input and output widths match
        (``n_l == n_{l+1}``); the others stay plain (``net.skips`` says which
        have one). The first layer (its input is ``X``) and the output layer
        never have a skip, and a network with no hidden layer that can have
        one is refused with a ``ValueError`` rather than silently built
        without skips.

    Notes
    -----
    Every argument is checked, and a bad one is named in the error. The
    passes refuse inputs ``X`` (and ``dout``) that hold NaN or inf, and a
    network whose own parameters do (after a diverged update or a hand edit),
    so that no NaN comes out of them unnoticed.

    A new network is in training mode, as in PyTorch: RReLU layers draw
    random slopes on every pass until ``net.eval()`` (``net.train()`` switches
    back), and batch norm normalises with the batch's statistics (and
    updates its running mean and variance) until ``net.eval()``, when it uses
    the running statistics. Other layers behave the same in both modes.

    A plain network (``norm=None``, ``residual=False``) runs fused in-place
    passes; with normalisation or skips the passes of :mod:`vglib.layers`
    run instead. Weights are drawn
    first from ``seed``; each RReLU layer then gets its own generator spawned
    from it, so one seed fixes everything.

    Examples
    --------
    >>> import numpy as np
    >>> net = MLP([4, 3, 2], activation="tanh", seed=0)
    >>> X = np.ones((5, 4)); y = np.array([0, 1, 0, 1, 1])
    >>> loss, grads = net.loss_and_grads(X, y)
    >>> grads[0][0].shape, grads[0][1].shape
    ((4, 3), (3,))
    >>> net = MLP([4, 3, 3, 2], activation="tanh", seed=0, norm="batch", residual=True)
    >>> net.skips, [g.shape for g, _ in net.norm_params]
    ([False, True], [(3,), (3,)])
    >>> loss, grads = net.loss_and_grads(np.arange(20.0).reshape(5, 4), y)
    >>> grads.norm[1][0].shape, net.norms[0].running_mean.shape
    ((3,), (3,))
    """

    def __init__(self, sizes, activation="relu", init="xavier_uniform", seed=None, *,
                 init_std=None, init_bound=None, bias=0.0, dtype=np.float64,
                 loss="cross_entropy", prelu_slopes="shared", norm=None, residual=False):
        sizes = _checks.integers("sizes", sizes, low=1, min_len=2)
        dtype = _checks.float_dtype("dtype", dtype, allowed=(np.float64, np.float32))
        _checks.choice("prelu_slopes", prelu_slopes, ("shared", "per_unit"))
        self.norm = _checks.choice("norm", norm, NORMS)
        self.residual = _checks.flag("residual", residual)
        init_std = None if init_std is None else _checks.real("init_std", init_std, low=0.0)
        init_bound = None if init_bound is None else _checks.real("init_bound", init_bound, low=0.0)
        self.sizes = sizes
        self.dtype = dtype
        self.loss = _losses.get(loss)
        self.training = True
        L = self.n_layers = len(sizes) - 1
        n_hidden = L - 1
        self.skips = [self.residual and l >= 1 and sizes[l] == sizes[l + 1] for l in range(n_hidden)]
        if self.residual and not any(self.skips):
            if n_hidden == 0:
                why = "no hidden layer"
            elif n_hidden == 1:
                why = "one hidden layer, the first, which takes X and never has a skip"
            else:
                why = "none: " + ", ".join(f"layer {l} ({sizes[l]} → {sizes[l + 1]})"
                                           for l in range(1, n_hidden)) + " cannot have a skip"
            raise ValueError(
                f"residual=True needs a hidden layer l ≥ 1 whose input and output widths match, "
                f"but sizes {sizes} has {why}; make two adjacent hidden widths equal, "
                f"e.g. [n_0, 32, 32, …, n_L]")

        # activations: one object per hidden layer
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(
                    f"got {len(activation)} activations for {n_hidden} hidden layers "
                    f"(sizes {sizes} has {n_hidden} hidden layers)")
            acts = [copy.deepcopy(_acts.get(a)) for a in activation]
        else:
            proto = _acts.get(activation)
            acts = [copy.deepcopy(proto) for _ in range(n_hidden)]
        rng = _init.as_generator(seed)

        # parameter layout in one flat array: W_0, b_0, W_1, b_1, …, then PReLU slopes
        self._layout = []
        offset = 0
        for l in range(L):
            shape_w = (sizes[l], sizes[l + 1])
            self._layout.append(("W", l, offset, shape_w))
            offset += shape_w[0] * shape_w[1]
            self._layout.append(("b", l, offset, (sizes[l + 1],)))
            offset += sizes[l + 1]
        alpha_init = {}
        for l, act in enumerate(acts):
            if isinstance(act, _acts.PReLU):
                a = np.asarray(act.alpha, dtype=np.float64)
                if a.ndim == 0:
                    a = np.full(sizes[l + 1] if prelu_slopes == "per_unit" else 1, float(a))
                if a.shape not in ((1,), (sizes[l + 1],)):
                    raise ValueError(
                        f"PReLU slopes of hidden layer {l} have shape {a.shape}; expected (1,) "
                        f"or ({sizes[l + 1]},) for its {sizes[l + 1]} units")
                alpha_init[l] = a
                self._layout.append(("alpha", l, offset, a.shape))
                offset += a.size
        self.norms = [None if norm is None else _norms.make(norm, sizes[l + 1], dtype=dtype)
                      for l in range(n_hidden)]
        for l in range(n_hidden if norm is not None else 0):
            for kind in ("gamma", "beta"):
                self._layout.append((kind, l, offset, (sizes[l + 1],)))
                offset += sizes[l + 1]
        self.flat = np.zeros(offset, dtype=dtype)
        self.activations = acts
        self._make_views()

        biases = _checks.array("bias", bias, kinds="iuf", finite=True, dtype=np.float64)
        if biases.ndim > 1 or biases.ndim == 1 and len(biases) != L:
            raise ValueError(f"bias must be one number or one per layer ({L} of them), got {_checks.show(bias)}")
        biases = np.broadcast_to(biases, (L,))
        for l in range(L):
            self._W[l][...] = _init.initialize(init, sizes[l], sizes[l + 1], rng, dtype=dtype,
                                               std=init_std, bound=init_bound)
            self._b[l][...] = biases[l]
        for l, a in alpha_init.items():
            self._alpha[l][...] = a
        for gamma in self._gamma:
            if gamma is not None:
                gamma[...] = 1.0
        for act in acts:
            if isinstance(act, _acts.RReLU):
                act.rng = rng.spawn(1)[0]
        self.trace = None
        self.train()

    # -- storage --------------------------------------------------------------

    def _make_views(self):
        L = self.n_layers
        self._W, self._b = [None] * L, [None] * L
        self._alpha = [None] * (L - 1)
        self._gamma, self._beta = [None] * (L - 1), [None] * (L - 1)
        views = {"W": self._W, "b": self._b, "alpha": self._alpha, "gamma": self._gamma, "beta": self._beta}
        for kind, l, off, shape in self._layout:
            views[kind][l] = self.flat[off:off + math.prod(shape)].reshape(shape)
        for l, act in enumerate(self.activations):
            if self._alpha[l] is not None:
                act.alpha = self._alpha[l]  # the activation reads the trained slope
        self._kern = [_kernels(a) for a in self.activations]
        self._work = {}
        self._grad_views = None  # (flat gradient array, its views), reused by training
        self._plain = self.norm is None and not self.residual
        self._pass = None  # the last pass of the norm/residual path (for first_nonfinite)
        self._kept = None  # (trace, pass) kept by forward(keep=True) on that path, for backward

    def param_views(self, flat):
        """Views of an array laid out like ``net.flat`` (e.g. a flat gradient): ``(pairs, alphas)``.

        ``pairs[l] == (W_l, b_l)``-shaped views, ``alphas[l]`` the PReLU slope
        view of hidden layer ``l`` or ``None``. Used by optimisers and
        diagnostics that work on the whole parameter vector at once. The
        result is a :class:`ParamViews`: its ``.norm[l]`` holds the
        ``(γ_l, β_l)``-shaped views (``.norm`` is None when ``norm=None``).
        """
        if not isinstance(flat, np.ndarray) or flat.shape != self.flat.shape:
            raise ValueError(f"flat must be an array of net.flat's shape {self.flat.shape}, "
                             f"got {_checks.show(flat)}")
        return self._views(flat)

    def _views(self, flat):
        L = self.n_layers
        alphas = [None] * (L - 1)
        tmp = {"W": [None] * L, "b": [None] * L, "alpha": alphas, "gamma": [None] * (L - 1),
               "beta": [None] * (L - 1)}
        for kind, l, off, shape in self._layout:
            tmp[kind][l] = flat[off:off + math.prod(shape)].reshape(shape)
        pairs = list(zip(tmp["W"], tmp["b"]))
        norm = None
        if self.norm is not None:
            norm = [None if g is None else (g, b) for g, b in zip(tmp["gamma"], tmp["beta"])]
        return ParamViews(pairs, alphas, norm)

    def __getstate__(self):
        state = self.__dict__.copy()
        for key in ("_W", "_b", "_alpha", "_gamma", "_beta", "_kern", "_work", "_grad_views", "_plain",
                    "_pass", "_kept"):
            state.pop(key, None)
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._make_views()

    def copy(self):
        """An independent copy (parameters, activations and mode)."""
        return copy.deepcopy(self)

    @property
    def weights(self):
        """``[W_0, …, W_{L−1}]``, views of ``net.flat`` (change them in place)."""
        return list(self._W)

    @weights.setter
    def weights(self, values):
        self._assign(self._W, values, "weights")

    @property
    def biases(self):
        """``[b_0, …, b_{L−1}]``, views of ``net.flat``."""
        return list(self._b)

    @biases.setter
    def biases(self, values):
        self._assign(self._b, values, "biases")

    @property
    def alphas(self):
        """Per hidden layer, the PReLU slope(s) (a view of ``net.flat``), or ``None``."""
        return list(self._alpha)

    @property
    def norm_params(self):
        """Per hidden layer, ``(γ_l, β_l)`` of its normalisation (views of ``net.flat``), or ``None``."""
        return [None if g is None else (g, b) for g, b in zip(self._gamma, self._beta)]

    def _assign(self, targets, values, what):
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise _checks.ArgumentTypeError(f"{what} must be a list of arrays, one per layer, got {_checks.show(values)}")
        values = list(values)
        if len(values) != len(targets):
            raise ValueError(f"got {len(values)} {what} for {len(targets)} layers")
        for l, (t, v) in enumerate(zip(targets, values)):
            v = _checks.array(f"{what}[{l}]", v, kinds="iuf", finite=True)
            if v.shape != t.shape:
                raise ValueError(f"{what}[{l}] must have shape {t.shape}, got {v.shape}")
            t[...] = v

    def parameters(self):
        """List of ``(name, array)`` for every trained parameter (``W0``, ``b0``, …, ``alpha2``, ``gamma0``, ``beta0``, …)."""
        views = {"W": self._W, "b": self._b, "alpha": self._alpha, "gamma": self._gamma, "beta": self._beta}
        return [(f"{kind}{l}", views[kind][l]) for kind, l, _, _ in self._layout]

    @property
    def n_params(self) -> int:
        """Number of trained numbers."""
        return self.flat.size

    # -- mode -----------------------------------------------------------------

    def train(self):
        """Training mode: RReLU layers draw random slopes, batch norm uses batch statistics. Returns the network."""
        self.training = True
        for act in self.activations:
            if hasattr(act, "training"):
                act.training = True
        return self

    def eval(self):
        """Evaluation mode: RReLU layers use their fixed slope, batch norm its running statistics. Returns the network."""
        self.training = False
        for act in self.activations:
            if hasattr(act, "training"):
                act.training = False
        return self

    @contextlib.contextmanager
    def evaluating(self):
        """``with net.evaluating(): …`` runs the block in evaluation mode and restores the mode after."""
        was_training = self.training
        self.eval()
        try:
            yield self
        finally:
            if was_training:
                self.train()

    # -- checks ---------------------------------------------------------------

    def check_input(self, X, name="X"):
        """``X`` checked (numbers, shape ``(N, n_0)``, finite) and converted to the network's dtype."""
        X = _checks.array(name, X, finite=True)
        if X.ndim != 2 or X.shape[1] != self.sizes[0]:
            raise ValueError(
                f"{name} has shape {X.shape}, but the first layer takes {self.sizes[0]} features: "
                f"expected (batch, {self.sizes[0]})")
        if X.dtype.kind == "f" and X.dtype.itemsize > self.dtype.itemsize:
            with np.errstate(over="ignore"):
                Xc = np.ascontiguousarray(X, dtype=self.dtype)
            if not np.all(np.isfinite(Xc)):
                raise ValueError(f"{name} holds values beyond the largest {self.dtype.name} "
                                 f"({np.finfo(self.dtype).max:.3g}), the network's dtype")
            return Xc
        return np.ascontiguousarray(X, dtype=self.dtype)

    def _check_parameters(self):
        """Refuse to compute with NaN or inf among the parameters (a diverged or hand-edited network)."""
        if not np.isfinite(self.flat).all():
            bad = next(name for name, p in self.parameters() if not np.isfinite(p).all())
            raise ValueError(f"the network's parameter {bad} holds NaN or inf (set by hand, or left by a "
                             "diverged update): its outputs would be NaN")

    def _work_for(self, n):
        w = self._work.get(n)
        if w is None:
            if len(self._work) > 8:
                self._work.clear()
            w = self._work[n] = _Work(self.sizes, n, self.dtype)
        return w

    # -- passes ---------------------------------------------------------------

    def _forward(self, X, zs, hs, masks):
        """Fill ``zs`` and ``hs`` (lists of arrays) from ``X``; return the logits."""
        W, b, L = self._W, self._b, self.n_layers
        h = X
        for l in range(L - 1):
            z = zs[l]
            np.matmul(h, W[l], out=z)
            z += b[l]
            self._kern[l][0](z, hs[l], masks[l])
            h = hs[l]
        z = zs[L - 1]
        np.matmul(h, W[L - 1], out=z)
        z += b[L - 1]
        return z

    def _backward(self, X, zs, hs, dout, gs, tmps, masks, flat):
        """Backpropagate ``dout = ∂ℓ/∂o`` into the gradient array ``flat``; ``gs`` become ``δ_l``."""
        cached = self._grad_views
        if cached is not None and cached[0] is flat:
            pairs, alphas = cached[1], cached[2]
        else:
            pairs, alphas = self._views(flat)
            self._grad_views = (flat, pairs, alphas)
        g = dout
        for l in range(self.n_layers - 1, -1, -1):
            dW, db = pairs[l]
            np.matmul(X.T if l == 0 else hs[l - 1].T, g, out=dW)     # ∂ℓ/∂W_l = h_{l−1}^T δ_l
            np.sum(g, axis=0, out=db)                                # ∂ℓ/∂b_l = Σ_i δ_l
            if l == 0:
                break
            k = l - 1
            gp = gs[k]
            np.matmul(g, self._W[l].T, out=gp)                       # upstream: δ_l W_l^T
            act = self.activations[k]
            if alphas[k] is not None:                                # PReLU: ∂ℓ/∂α = Σ upstream · ∂f/∂α
                ga = gp * act.grad_alpha(zs[k])
                alphas[k][...] = ga.sum() if alphas[k].size == 1 else ga.sum(axis=0)
            self._kern[k][1](zs[k], hs[k], gp, tmps[k], masks[k])  # δ_{l−1} = f'(z) ⊙ upstream
            g = gp
        return pairs, alphas

    # the norm/residual path: the passes of vglib.layers, on fresh arrays

    def _layers_forward(self, X, keep=True):
        rec = _layers.forward(X, self._W, self._b, self._kern, self.norms, self.norm_params, self.skips,
                              training=self.training, keep=keep)
        self._pass = rec
        return rec

    def _layers_backward(self, X, rec, dout, flat):
        views = self._views(flat)
        pairs, alphas = views
        deltas = _layers.backward(X, rec, dout, self._W, self._kern, self.activations, self.norms,
                                  self.norm_params, self.skips, pairs, alphas,
                                  views.norm or [None] * (self.n_layers - 1))
        return views, deltas

    @staticmethod
    def _trace_of(X, rec):
        return Trace(x=X.copy(), z=list(rec.z), h=list(rec.h), u=list(rec.u))

    def step_grads(self, X, t, flat):
        """The training hot path: one forward and backward pass, gradients written into ``flat``.

        No checks and no copies, for loops that have checked their data once:
        ``X`` must come from :meth:`check_input` and ``t`` from
        ``net.loss.targets``; ``flat`` is an array like ``net.flat`` (its views
        by :meth:`param_views`). Work arrays are reused between calls with the
        same batch size. Returns the loss. :meth:`loss_and_grads` is the
        checked, copying form for inspection.
        """
        if not self._plain:
            rec = self._layers_forward(X)
            loss, dout = self.loss.value_and_grad_into(rec.z[-1], t, np.empty_like(rec.z[-1]))
            self._layers_backward(X, rec, dout, flat)
            return loss
        w = self._work_for(X.shape[0])
        o = self._forward(X, w.z, w.h, w.mask)
        loss, dout = self.loss.value_and_grad_into(o, t, w.dout)
        self._backward(X, w.z, w.h, dout, w.g, w.tmp, w.mask, flat)
        return loss

    def forward(self, X, keep=False):
        """The logits ``o`` for the inputs ``X`` of shape ``(N, n_0)``; returns a new ``(N, n_L)`` array.

        With ``keep=True`` the pass is also recorded in ``net.trace``
        (a :class:`Trace` with ``z_l`` and ``h_l``), ready for :meth:`backward`.
        """
        X = self.check_input(X)
        keep = _checks.flag("keep", keep)
        self._check_parameters()
        if not self._plain:
            rec = self._layers_forward(X, keep=keep)
            if keep:
                self.trace = self._trace_of(X, rec)
                self._kept = (self.trace, rec)
            return rec.z[-1].copy()
        w = self._work_for(X.shape[0])
        o = self._forward(X, w.z, w.h, w.mask)
        if keep:
            self.trace = Trace(x=X.copy(), z=[z.copy() for z in w.z], h=[h.copy() for h in w.h])
        return o.copy()

    def backward(self, dout):
        r"""Backpropagate ``∂ℓ/∂o`` through the pass kept by ``forward(X, keep=True)``.

        Parameters
        ----------
        dout : ndarray (N, n_L)
            The gradient of the loss with respect to the logits, ``δ_{L−1}``.

        Returns
        -------
        Gradients
            ``grads[l] == (∂ℓ/∂W_l, ∂ℓ/∂b_l)`` (``grads.alphas``, ``grads.norm``:
            see :class:`Gradients`). The error signals ``δ_l`` are stored in
            ``net.trace.delta``. No parameter changes.
        """
        tr = self.trace
        if tr is None:
            raise ValueError("backward needs the pass kept by net.forward(X, keep=True); call that first")
        dout = _checks.array("dout", dout, kinds="iuf", finite=True).astype(self.dtype)
        if dout.shape != tr.z[-1].shape:
            raise ValueError(f"dout has shape {dout.shape}, but the kept output has shape {tr.z[-1].shape}")
        if not self._plain:
            if self._kept is None or self._kept[0] is not tr:
                raise ValueError("backward needs the pass kept by net.forward(X, keep=True); call that first")
            flat = np.empty_like(self.flat)
            views, deltas = self._layers_backward(tr.x, self._kept[1], dout.copy(), flat)
            tr.delta = [d.copy() for d in deltas]
            return Gradients(views.pairs, views.alphas, flat, views.norm)
        gs = [np.empty_like(h) for h in tr.h]
        tmps = [np.empty_like(h) for h in tr.h]
        masks = [np.empty(h.shape, bool) for h in tr.h]
        flat = np.empty_like(self.flat)
        pairs, alphas = self._backward(tr.x, tr.z, tr.h, dout.copy(), gs, tmps, masks, flat)
        tr.delta = [*gs, dout.copy()]
        return Gradients(pairs, alphas, flat)

    def loss_and_grads(self, X, y, keep=False):
        r"""Loss ``ℓ`` of the batch and its gradients with respect to every parameter.

        Parameters
        ----------
        X : array (N, n_0)
            Inputs.
        y : array
            Targets: integer labels of shape ``(N,)`` for cross-entropy (see
            :mod:`vglib.losses` for the others).
        keep : bool
            Also record ``z_l``, ``h_l`` and ``δ_l`` in ``net.trace``.

        Returns
        -------
        loss : float
        grads : Gradients
            ``grads[l] == (dW_l, db_l)`` with the shapes of ``(W_l, b_l)``;
            ``grads.alphas`` holds PReLU slope gradients and ``grads.norm`` those
            of the normalisations' ``γ`` and ``β``. A fresh copy: later
            passes do not change it, and no parameter was changed.
        """
        X = self.check_input(X)
        keep = _checks.flag("keep", keep)
        self._check_parameters()
        t = self.loss.targets(y, (X.shape[0], self.sizes[-1]), self.dtype)
        if not self._plain:
            rec = self._layers_forward(X)
            loss, dout = self.loss.value_and_grad_into(rec.z[-1], t, np.empty_like(rec.z[-1]))
            flat = np.empty_like(self.flat)
            views, deltas = self._layers_backward(X, rec, dout, flat)
            if keep:
                self.trace = self._trace_of(X, rec)
                self.trace.delta = [d.copy() for d in deltas]
            return loss, Gradients(views.pairs, views.alphas, flat, views.norm)
        w = self._work_for(X.shape[0])
        o = self._forward(X, w.z, w.h, w.mask)
        loss, dout = self.loss.value_and_grad_into(o, t, w.dout)
        if keep:
            self.trace = Trace(x=X.copy(), z=[z.copy() for z in w.z], h=[h.copy() for h in w.h])
            self.trace.delta = [None] * self.n_layers
            self.trace.delta[-1] = dout.copy()
        flat = np.empty_like(self.flat)
        pairs, alphas = self._backward(X, w.z, w.h, dout, w.g, w.tmp, w.mask, flat)
        if keep:
            self.trace.delta[:-1] = [g.copy() for g in w.g]
        return loss, Gradients(pairs, alphas, flat)

    def first_nonfinite(self, X, grads_flat):
        """Where the last :meth:`step_grads` on batch ``X`` first produced NaN or inf: ``(layer, where)``.

        Looks at the parameters, then the forward pass, the loss gradient and
        the backward pass, in the order they were computed; ``(None, "the loss
        only")`` if all of those are finite.
        """
        for l, (W, b) in enumerate(zip(self._W, self._b)):
            if not (np.all(np.isfinite(W)) and np.all(np.isfinite(b))):
                return l, f"parameters W_{l}/b_{l}"
        for l, gb in enumerate(self.norm_params):
            if gb is not None and not (np.all(np.isfinite(gb[0])) and np.all(np.isfinite(gb[1]))):
                return l, f"parameters gamma_{l}/beta_{l}"
        if self._plain:
            w = self._work_for(X.shape[0])
            zs, us, dout = w.z, [], w.dout
        elif self._pass is not None:
            zs, us, dout = self._pass.z, self._pass.u, None
        else:
            zs, us, dout = [], [], None
        for l, z in enumerate(zs):
            if not np.all(np.isfinite(z)):
                return l, f"pre-activations z_{l}, forward pass"
            if l < len(us) and not np.all(np.isfinite(us[l])):
                return l, f"normalised pre-activations u_{l}, forward pass"
        if dout is not None and not np.all(np.isfinite(dout)):
            return self.n_layers - 1, "loss gradient ∂ℓ/∂o"
        views = self.param_views(grads_flat)
        pairs, alphas, norm = views.pairs, views.alphas, views.norm
        for l in range(self.n_layers - 1, -1, -1):  # the order in which backprop computes them
            if not (np.all(np.isfinite(pairs[l][0])) and np.all(np.isfinite(pairs[l][1]))):
                return l, f"gradients of W_{l}/b_{l}, backward pass"
            if l < len(alphas) and alphas[l] is not None and not np.all(np.isfinite(alphas[l])):
                return l, "gradient of the PReLU slope, backward pass"
            if norm is not None and l < len(norm) and not all(np.all(np.isfinite(a)) for a in norm[l]):
                return l, f"gradients of gamma_{l}/beta_{l}, backward pass"
        return None, "the loss only"

    def predict(self, X):
        """Predicted class ``argmax_k o_k`` for every row of ``X``."""
        return self.forward(X).argmax(axis=1)

    def __repr__(self):
        names = [a.name for a in self.activations]
        act = names[0] if names and len(set(names)) == 1 else names
        extra = (f", norm={self.norm!r}" if self.norm else "") + (", residual=True" if self.residual else "")
        return f"MLP({self.sizes}, activation={act!r}{extra}, dtype={self.dtype.name})"
