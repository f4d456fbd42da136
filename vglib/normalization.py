r"""Batch and layer normalisation: forward and backward passes, explicit and checked.

Both normalise a pre-activation ``z`` (rows: examples, columns: units), then
scale and shift it with learnable :math:`\gamma` and :math:`\beta`:

.. math::
    \hat z = \frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}}, \qquad
    u = \gamma \odot \hat z + \beta .

* **Batch norm** (Ioffe & Szegedy 2015) takes :math:`\mu, \sigma^2` of each
  *unit* over the examples of the batch (the biased variance) in training,
  and keeps running averages for evaluation: after each training batch
  ``running = (1 - momentum) * running + momentum * batch_statistic``, with
  the *unbiased* variance (PyTorch's ``BatchNorm1d`` convention). In
  evaluation mode it uses the running statistics, so an example's output does
  not depend on the rest of the batch.
* **Layer norm** (Ba, Kiros & Hinton 2016) takes :math:`\mu, \sigma^2` of
  each *example* over its units (biased variance), the same in training and
  evaluation.

The backward pass, with :math:`g = \gamma \odot \partial L/\partial u` and
:math:`N` the number of values each statistic averages over,

.. math::
    \frac{\partial L}{\partial z} = \frac{1}{\sqrt{\sigma^2 + \varepsilon}}
        \Bigl(g - \overline{g} - \hat z\,\overline{g \odot \hat z}\Bigr),

where the bars are means over the same axis as the statistics (when they are
batch statistics; in evaluation mode batch norm is a fixed affine map and
:math:`\partial L/\partial z = g / \sqrt{\sigma^2_{run} + \varepsilon}`).
:math:`\partial L/\partial \gamma = \sum \partial L/\partial u \odot \hat z`
and :math:`\partial L/\partial \beta = \sum \partial L/\partial u` over the
examples.

>>> import numpy as np
>>> from vglib.normalization import LayerNorm
>>> ln = LayerNorm(3)
>>> u = ln.forward(np.array([[1.0, 2.0, 3.0]]), np.ones(3), np.zeros(3))
>>> np.round(u, 4).tolist()
[[-1.2247, 0.0, 1.2247]]
"""

from __future__ import annotations

import numpy as np

__all__ = ["NORMS", "BatchNorm", "LayerNorm", "make"]


class _Norm:
    """Shared parts: the affine map, the backward formula and the cache."""

    axis = 0

    def __init__(self, width, *, eps=1e-5, dtype=np.float64):
        width = int(width)
        if width < 1:
            raise ValueError(f"width must be a positive integer, got {width}")
        eps = float(eps)
        if not np.isfinite(eps) or eps <= 0:
            raise ValueError(f"eps must be a finite number > 0, got {eps!r}")
        self.width, self.eps, self.dtype = width, eps, np.dtype(dtype)
        self.cache = None

    def _check(self, z):
        z = np.asarray(z)
        if z.ndim != 2 or z.shape[1] != self.width:
            raise ValueError(f"{self.name} norm of width {self.width} needs z of shape (batch, "
                             f"{self.width}), got {z.shape}")
        return z

    def _normalise(self, z, mean, var, gamma, beta, batch_stats, keep):
        inv = 1.0 / np.sqrt(var + self.eps)
        zhat = (z - mean) * inv
        if keep:
            self.cache = (zhat, inv, batch_stats)
        return gamma * zhat + beta

    def backward(self, du, gamma):
        """Return ``(dz, dgamma, dbeta)`` for the last ``forward(..., keep=True)``."""
        if self.cache is None:
            raise RuntimeError(f"{self.name} norm: call forward(..., keep=True) before backward")
        zhat, inv, batch_stats = self.cache
        du = np.asarray(du)
        if du.shape != zhat.shape:
            raise ValueError(f"{self.name} norm: du has shape {du.shape}, the forward pass "
                             f"gave {zhat.shape}")
        dgamma = (du * zhat).sum(axis=0)
        dbeta = du.sum(axis=0)
        g = du * gamma
        if batch_stats:
            a = self.axis
            g = g - g.mean(axis=a, keepdims=True) - zhat * (g * zhat).mean(axis=a, keepdims=True)
        return g * inv, dgamma, dbeta


class BatchNorm(_Norm):
    """Batch normalisation over the examples of a batch, with running statistics for evaluation.

    Parameters
    ----------
    width : int
        Number of units.
    eps : float, default 1e-5
    momentum : float in (0, 1], default 0.1
        Weight of the newest batch in the running mean and variance.
    dtype : float dtype of the running statistics.
    """

    name = "batch"
    axis = 0

    def __init__(self, width, *, eps=1e-5, momentum=0.1, dtype=np.float64):
        super().__init__(width, eps=eps, dtype=dtype)
        momentum = float(momentum)
        if not 0 < momentum <= 1:
            raise ValueError(f"momentum must be in (0, 1], got {momentum!r}")
        self.momentum = momentum
        self.running_mean = np.zeros(self.width, dtype=self.dtype)
        self.running_var = np.ones(self.width, dtype=self.dtype)

    def forward(self, z, gamma, beta, *, training=True, keep=True):
        """``u = γ ẑ + β``; in training, batch statistics (and the running ones are updated)."""
        z = self._check(z)
        if not training:
            return self._normalise(z, self.running_mean, self.running_var, gamma, beta, False, keep)
        n = z.shape[0]
        if n < 2:
            raise ValueError(f"batch norm in training mode needs at least 2 examples per batch "
                             f"(the variance of one number is undefined), got {n}; use eval mode "
                             f"or layer norm")
        mean = z.mean(axis=0)
        var = z.var(axis=0)
        m = self.momentum
        self.running_mean *= 1 - m
        self.running_mean += m * mean
        self.running_var *= 1 - m
        self.running_var += m * var * (n / (n - 1))
        return self._normalise(z, mean, var, gamma, beta, True, keep)


class LayerNorm(_Norm):
    """Layer normalisation over the units of each example (the same in training and evaluation)."""

    name = "layer"
    axis = 1

    def forward(self, z, gamma, beta, *, training=True, keep=True):
        """``u = γ ẑ + β`` with each row's own mean and (biased) variance."""
        z = self._check(z)
        mean = z.mean(axis=1, keepdims=True)
        var = z.var(axis=1, keepdims=True)
        return self._normalise(z, mean, var, gamma, beta, True, keep)


NORMS = {"batch": BatchNorm, "layer": LayerNorm}


def make(kind, width, *, dtype=np.float64):
    """A new normalisation layer by name: ``"batch"`` or ``"layer"``."""
    if kind not in NORMS:
        raise ValueError(f"norm must be None, 'batch' or 'layer', got {kind!r}")
    return NORMS[kind](width, dtype=dtype)
