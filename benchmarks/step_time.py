"""Time one training step (forward, backward, Adam update) of vglib and PyTorch CPU.

Usage::

    .venv/bin/python benchmarks/step_time.py            # all four networks
    .venv/bin/python benchmarks/step_time.py --rounds 5 --activation sigmoid

Both libraries get identical shapes, float32 parameters and data, the same
activation, mean softmax cross-entropy and Adam with the default
hyperparameters. Case (d) is a normalised residual network (chapter 12):
every hidden layer is ``Linear → BatchNorm1d → activation``, plus the skip
``h_l = f(u_l) + h_{l−1}`` where the widths match, in both libraries.
Before timing, the first step's losses are compared (the two networks start
from one point; a line is printed if they differ). Timing alternates
between the two in rounds (so a slow moment of the machine hits both) and
reports the median time per step over the rounds. PyTorch is optional: without it only vglib's times are printed.

The vglib step is :func:`vglib.train.make_step`, the hot loop of
:func:`vglib.train.fit` minus its finiteness check; the PyTorch step is
``zero_grad(set_to_none=True)``, ``model(X)``, ``cross_entropy``,
``backward()``, ``Adam.step()`` with PyTorch's defaults for CPU.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time

import numpy as np

from vglib import MLP
from vglib.optim import Adam
from vglib.train import make_step

try:
    import torch
except ImportError:  # the benchmark still times vglib
    torch = None

PLAIN = {"norm": None, "residual": False}
NORMED = {"norm": "batch", "residual": True}
CASES = [  # (title, sizes, batch size, network options)
    ("(a) investigation [784, 10×6], batch 30",
     [784, 10, 10, 10, 10, 10, 10], 30, PLAIN),
    ("(b) wide [784, 256, 256, 10], batch 128",
     [784, 256, 256, 10], 128, PLAIN),
    ("(c) digits [64, 10×6], batch 30",
     [64, 10, 10, 10, 10, 10, 10], 30, PLAIN),
    ("(d) batch norm + skips [64, 32×8], b. 32",
     [64] + [32] * 8 + [10], 32, NORMED),
]


def vglib_step(sizes, batch, activation, seed=0, norm=None, residual=False):
    net = MLP(sizes, activation=activation, init="xavier_uniform", seed=seed,
              dtype=np.float32, norm=norm, residual=residual)
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(batch, sizes[0])).astype(np.float32)
    y = rng.integers(0, sizes[-1], size=batch)
    step = make_step(net, Adam(lr=1e-3))
    return lambda: step(X, y), net


def torch_model(net, sizes, activation):
    """The PyTorch twin of ``net``: same weights, norms and skips."""
    acts = {"relu": torch.nn.ReLU, "sigmoid": torch.nn.Sigmoid,
            "tanh": torch.nn.Tanh, "leaky_relu": torch.nn.LeakyReLU}
    norms = {None: lambda n: torch.nn.Identity(),
             "batch": lambda n: torch.nn.BatchNorm1d(n, momentum=0.1),
             "layer": lambda n: torch.nn.LayerNorm(n)}  # eps 1e-5 in both
    linears = []
    for l, (W, b) in enumerate(zip(net.weights, net.biases)):
        lin = torch.nn.Linear(sizes[l], sizes[l + 1])
        with torch.no_grad():  # the same starting point as vglib (torch stores W transposed)
            lin.weight.copy_(torch.from_numpy(W.T.copy()))
            lin.bias.copy_(torch.from_numpy(b.copy()))
        linears.append(lin)
    if net.norm is None and not net.residual:
        layers = []
        for lin in linears[:-1]:
            layers += [lin, acts[activation]()]
        return torch.nn.Sequential(*layers, linears[-1])

    class Residual(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.linears = torch.nn.ModuleList(linears)
            self.norms = torch.nn.ModuleList(
                norms[net.norm](n) for n in sizes[1:-1])
            self.act = acts[activation]()
            self.skips = list(net.skips)

        def forward(self, x):
            h = x
            for lin, norm, skip in zip(self.linears, self.norms, self.skips):
                a = self.act(norm(lin(h)))
                h = a + h if skip else a
            return self.linears[-1](h)

    return Residual()


def torch_step(net, sizes, batch, activation, seed=0):
    model = torch_model(net, sizes, activation)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    rng = np.random.default_rng(seed)
    X = torch.from_numpy(rng.normal(size=(batch, sizes[0])).astype(np.float32))
    y = torch.from_numpy(rng.integers(0, sizes[-1], size=batch))
    cross_entropy = torch.nn.functional.cross_entropy

    def step():
        opt.zero_grad(set_to_none=True)
        loss = cross_entropy(model(X), y)
        loss.backward()
        opt.step()
        return loss.detach()

    return step


def per_step(fn, n):
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def calibrate(fn, target=0.2):
    """Number of steps that takes about ``target`` seconds."""
    n = 1
    while True:
        t = per_step(fn, n) * n
        if t > target / 4:
            return max(1, int(n * target / t))
        n *= 4


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--activation", default="relu", choices=["relu", "sigmoid", "tanh", "leaky_relu"])
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads for both libraries (default 1: on a small or busy "
                             "machine two spinning thread pools slow both down)")
    args = parser.parse_args()
    from threadpoolctl import threadpool_limits  # installed with scikit-learn

    threadpool_limits(args.threads)
    if torch:
        torch.set_num_threads(args.threads)

    print(f"python {platform.python_version()}, numpy {np.__version__}, "
          f"torch {torch.__version__ if torch else 'not installed'}, {os.cpu_count()} CPU(s)"
          + f", {args.threads} thread(s) each")
    print(f"activation {args.activation}, float32, Adam, median over {args.rounds} rounds\n")
    print(f"{'network':<42} {'vglib':>10} {'PyTorch':>10} {'vglib/PyTorch':>14}")
    for title, sizes, batch, options in CASES:
        vg, net = vglib_step(sizes, batch, args.activation, **options)
        th = torch_step(net, sizes, batch, args.activation) if torch else None
        # the first step's losses: the two networks start from one point
        first = [float(fn()) for fn in (vg, th) if fn is not None]
        if len(first) == 2 and abs(first[0] - first[1]) > 1e-4 * first[1]:
            print(f"{title}: the first losses differ, {first}")
        for fn in (vg, th):  # warm up (allocations, thread pools)
            if fn is not None:
                for _ in range(20):
                    fn()
        n_vg, n_th = calibrate(vg), calibrate(th) if th else 0
        t_vg, t_th = [], []
        for _ in range(args.rounds):
            t_vg.append(per_step(vg, n_vg))
            if th:
                t_th.append(per_step(th, n_th))
        v = statistics.median(t_vg)
        if th:
            t = statistics.median(t_th)
            print(f"{title:<42} {v * 1e6:>8.0f}µs {t * 1e6:>8.0f}µs {v / t:>13.2f}x")
        else:
            print(f"{title:<42} {v * 1e6:>8.0f}µs {'-':>10} {'-':>14}")


if __name__ == "__main__":
    main()
