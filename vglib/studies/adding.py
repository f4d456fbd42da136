r"""The adding problem of chapter 9: remember two marked numbers over a long sequence, output their sum.

After Hochreiter & Schmidhuber (1997), experiment 4. A recurrent model
(:class:`vglib.recurrent.RNN` or :class:`~vglib.recurrent.LSTM`) reads the
sequence; a linear readout ``ŷ = v·h_{T−1} + c`` of its last state is trained
with it, on the mean squared error, through the library's one training loop
(:func:`vglib.train.run_steps`) with Adam and global-norm gradient clipping.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .. import _checks
from ..init import as_generator
from ..optim import Adam
from ..recurrent import Recurrent
from ..train import run_steps

__all__ = ["adding_problem", "AddingModel", "AddingResult", "train_adding"]


def _positive_int(name, value):
    return _checks.integer(name, value, low=1)


def adding_problem(batch, length, rng):
    """A batch of the adding problem: remember two marked numbers, output their sum.

    Each sequence has ``length`` steps with two inputs: a value ``u ~ U(0, 1)``
    and a marker that is 1 at exactly two steps, one in the first half and one
    in the second half, 0 elsewhere. The target is the sum of the two marked
    values. Predicting the mean (1) gives a mean squared error of 1/6;
    remembering only the second marked value (answering it plus 1/2) gives
    1/12 with no long memory. To do better than 1/12 a model must carry the
    first marked value over at least ``length/2`` steps.

    Returns ``X`` (length, batch, 2) and ``y`` (batch,). ``rng`` is a
    ``numpy.random.Generator`` or a seed.
    """
    batch = _positive_int("batch", batch)
    length = _positive_int("length", length)
    if length < 2:
        raise ValueError(f"the adding problem needs length >= 2, got {length}")
    rng = as_generator(rng, "rng")
    u = rng.uniform(0.0, 1.0, size=(length, batch))
    cols = np.arange(batch)
    first = rng.integers(0, length // 2, size=batch)
    second = rng.integers(length // 2, length, size=batch)
    marks = np.zeros((length, batch))
    marks[first, cols] = 1.0
    marks[second, cols] = 1.0
    return np.stack([u, marks], axis=-1), u[first, cols] + u[second, cols]


class AddingModel:
    """A recurrent model and its linear readout ``ŷ = v·h_{T−1} + c``, with all parameters in one array.

    ``flat`` holds the recurrent model's parameters, then ``v``, then ``c``;
    the recurrent model is bound to its part of it, so an optimiser step on
    ``flat`` trains both. ``step_grads(X, y, grads_flat)`` is the training
    loop's interface (see :func:`vglib.train.run_steps`).
    """

    def __init__(self, model, rng):
        if not isinstance(model, Recurrent):
            raise _checks.ArgumentTypeError(f"model must be a vglib RNN or LSTM, got {_checks.show(model)}")
        if model.input_size != 2:
            raise ValueError(f"the adding problem has 2 inputs; the model has input_size={model.input_size}")
        H, n = model.hidden_size, model.n_params
        v = rng.normal(0.0, 1.0 / math.sqrt(H), size=H)
        self.flat = np.concatenate([model.flat, v, [1.0]])  # c = 1: start at the mean predictor
        model.bind(self.flat[:n])
        self.model, self.v, self.c = model, self.flat[n:n + H], self.flat[n + H:]
        self.last_grad_norm = math.nan

    def predict(self, X):
        hs, _ = self.model.forward(X)
        return hs[-1] @ self.v + self.c[0]

    def step_grads(self, X, y, grads_flat):
        """Mean squared error of the batch; every gradient (BPTT, then the readout) into ``grads_flat``."""
        hs, _ = self.model.forward(X)
        err = hs[-1] @ self.v + self.c[0] - y
        dy = 2.0 * err / len(y)
        dhs = np.zeros_like(hs)
        dhs[-1] = np.outer(dy, self.v)
        g = self.model.backward(dhs)
        n, H = self.model.n_params, self.model.hidden_size
        offset = 0
        for name, p in self.model.parameters():
            grads_flat[offset:offset + p.size] = g[name].ravel()
            offset += p.size
        grads_flat[n:n + H] = hs[-1].T @ dy
        grads_flat[n + H] = dy.sum()
        return float(np.mean(err**2))


@dataclass
class AddingResult:
    """What :func:`train_adding` measured."""

    length: int
    losses: np.ndarray  # training MSE at every step
    grad_norms: np.ndarray  # global gradient norm before clipping, every step
    test_mse: float  # on a fresh test set after training
    baseline_mse: float  # of always predicting 1, on the same test set
    readout: dict = field(repr=False, default_factory=dict)

    @property
    def solved_fraction(self) -> float:
        """1 − test_mse / baseline_mse: 0 for the mean predictor, 1 for a perfect one."""
        return 1.0 - self.test_mse / self.baseline_mse


def train_adding(model, length, *, steps=300, batch=32, lr=1e-2, clip=1.0, seed=0, test_size=512):
    """Train ``model`` (RNN or LSTM, ``input_size=2``) in place on the adding problem.

    The prediction is ``ŷ = v·h_{T−1} + c`` (a linear readout trained with the
    model), the loss the mean squared error. Each step draws a fresh batch,
    computes every gradient by BPTT, rescales them so that their global norm is
    at most ``clip`` (gradient clipping, which keeps an RNN near an exploding
    gradient from jumping away) and takes one step of :class:`vglib.optim.Adam`.
    After training, ``model`` keeps its parameters in the array of the
    :class:`AddingModel` that trained it.

    Returns an :class:`AddingResult`.
    """
    steps = _positive_int("steps", steps)
    batch, test_size = _positive_int("batch", batch), _positive_int("test_size", test_size)
    length = _positive_int("length", length)
    clip = _checks.real("clip", clip, low=0.0, low_open=True)
    seed = _checks.integer("seed", seed, low=0)
    rng = np.random.default_rng(seed)
    task = AddingModel(model, rng)
    losses, norms = np.empty(steps), np.empty(steps)

    def batches():
        while True:
            yield adding_problem(batch, length, rng)

    def before_update(s, loss, grads_flat, xb):
        losses[s - 1] = loss
        norms[s - 1] = float(np.linalg.norm(grads_flat))

    _, bad = run_steps(task, batches(), steps=steps, optimizer=Adam(lr=lr, clip_norm=clip),
                       before_update=before_update)
    if bad is not None:
        raise FloatingPointError(f"train_adding: gradient is not finite at step {bad[0] - 1} (length {length})")
    Xt, yt = adding_problem(test_size, length, np.random.default_rng(seed + 10_000))
    test_mse = float(np.mean((task.predict(Xt) - yt) ** 2))
    baseline = float(np.mean((1.0 - yt) ** 2))
    return AddingResult(length, losses, norms, test_mse, baseline,
                        readout={"v": task.v.copy(), "c": float(task.c[0])})
