"""Activations cross-checked against PyTorch (skips cleanly when torch is not installed)."""

import numpy as np
import pytest

from vglib.activations import available, get

# --- PyTorch cross-check (skips cleanly when torch is not installed) -------------

torch = pytest.importorskip("torch")
F = torch.nn.functional

TORCH = {
    "identity": lambda t: t,
    "sigmoid": torch.sigmoid,
    "tanh": torch.tanh,
    "relu": F.relu,
    "leaky_relu": lambda t: F.leaky_relu(t, 0.01),
    "prelu": lambda t: F.prelu(t, torch.tensor([0.25], dtype=t.dtype)),
    "rrelu": lambda t: F.rrelu(t, 1 / 8, 1 / 3, training=False),
    "elu": F.elu,
    "selu": F.selu,
    "softplus": lambda t: F.softplus(t, beta=1.0, threshold=1e9),
    "gelu": lambda t: F.gelu(t, approximate="none"),
    "silu": F.silu,
    "relu6": F.relu6,
    "hard_swish": F.hardswish,
    "abs": torch.abs,
}


@pytest.mark.parametrize("name", [n for n in available() if n in TORCH])
def test_value_and_derivative_match_pytorch(name):
    act = get(name)
    # include the kinks: both libraries must follow the same convention there
    z = np.concatenate([np.linspace(-7, 7, 1401), [-3.0, 0.0, 3.0, 6.0]])
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = TORCH[name](t)
    out.sum().backward()
    np.testing.assert_allclose(act(z), out.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(act.grad(z), t.grad.numpy(), rtol=1e-12, atol=1e-14)


def test_every_registered_activation_is_cross_checked_or_has_no_torch_twin():
    assert set(available()) - set(TORCH) == {"necro_relu"}
