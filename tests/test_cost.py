import numpy as np
import pytest

from vglib.activations import Activation, available
from vglib.studies.cost import activation_ops_per_step, count_passes, step_multiply_adds


class _TwoExps(Activation):
    """exp(z) + exp(-z) (cosh times 2), written with two exponentials on purpose."""

    name = "two_exps"

    def _f(self, z):
        return np.exp(z) + np.exp(-z)

    def _df(self, z):
        return np.exp(z) - np.exp(-z)


def test_counts_every_ufunc_of_a_custom_activation():
    p = count_passes(_TwoExps())
    assert (p.value, p.grad) == (4, 4)  # exp, negative, exp, add|subtract
    assert p.transcendental == 4
    assert p.ufuncs == {"exp": 4, "negative": 2, "add": 1, "subtract": 1}


def test_relu_is_one_pass_each_way_and_the_fewest():
    relu = count_passes("relu")
    assert (relu.value, relu.grad, relu.transcendental) == (1, 1, 0)
    others = [count_passes(a) for a in available() if a not in ("relu", "identity")]
    assert all(p.total >= relu.total for p in others)


@pytest.mark.parametrize("name", ["sigmoid", "tanh", "elu", "selu", "softplus", "gelu", "silu"])
def test_exponential_family_needs_transcendentals(name):
    assert count_passes(name).transcendental >= 1


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "prelu", "rrelu", "relu6", "abs", "hard_swish"])
def test_piecewise_linear_family_needs_none(name):
    assert count_passes(name).transcendental == 0


@pytest.mark.parametrize("name", available())
def test_counts_do_not_depend_on_size_or_dtype(name):
    base = count_passes(name)
    for n, dt in ((7, np.float64), (1000, np.float32)):
        assert count_passes(name, n=n, dtype=dt) == base


def test_step_multiply_adds_by_hand():
    # [2, 3, 4], batch 5: forward 6 + 12, weight gradients 6 + 12, delta to layer 1: 12
    assert step_multiply_adds([2, 3, 4], 5) == 5 * (6 + 12 + 6 + 12 + 12)


def test_activation_share_falls_with_width():
    small = activation_ops_per_step("elu", [64, 32, 32, 10], 128)
    wide = activation_ops_per_step("elu", [784, 1024, 1024, 10], 128)
    assert small["elements"] == 128 * 64
    share = [d["passes"] / d["multiply_adds"] for d in (small, wide)]
    assert share[1] < share[0] / 10


@pytest.mark.parametrize("bad", [([5], 2), ([3, 0, 2], 2), ([3, 2], 0)])
def test_bad_sizes_are_named(bad):
    with pytest.raises(ValueError, match="sizes|batch_size"):
        step_multiply_adds(*bad)


def test_count_needs_two_elements():
    with pytest.raises(ValueError, match="n must"):
        count_passes("relu", n=1)
