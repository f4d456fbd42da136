"""Weight initialisation: names, aliases, scales, errors."""

import math

import numpy as np
import pytest

from vglib import init


@pytest.mark.parametrize(("name", "expected_std"), [
    ("xavier_uniform", math.sqrt(2 / (400 + 200))), ("glorot_normal", math.sqrt(2 / 600)),
    ("he_uniform", math.sqrt(2 / 400)), ("kaiming_normal", math.sqrt(2 / 400)),
    ("lecun_normal", math.sqrt(1 / 400)), ("lecun_uniform", math.sqrt(1 / 400)),
])
def test_standard_deviation_follows_fan_in_and_fan_out(name, expected_std):
    W = init.initialize(name, 400, 200, rng=0)
    assert W.shape == (400, 200)
    assert abs(W.std() / expected_std - 1) < 0.02


def test_given_scales_zeros_and_dtype():
    assert abs(init.initialize("normal", 300, 300, rng=0, std=0.5).std() - 0.5) < 0.01
    W = init.initialize("uniform", 300, 300, rng=0, bound=0.2)
    assert W.max() <= 0.2 and W.min() >= -0.2 and W.max() > 0.19
    assert not init.initialize("zeros", 3, 4).any()
    W32 = init.initialize("he_normal", 5, 6, rng=1, dtype=np.float32)
    assert W32.dtype == np.float32
    np.testing.assert_array_equal(W32, init.initialize("he_normal", 5, 6, rng=1).astype(np.float32))


def test_bad_names_and_options():
    with pytest.raises(ValueError, match="unknown init 'xavier'.*Did you mean"):
        init.initialize("xavier", 2, 2)
    with pytest.raises(ValueError, match="std is only used by init='normal'"):
        init.initialize("he_normal", 2, 2, std=1.0)
    with pytest.raises(ValueError, match="rng must be"):
        init.initialize("normal", 2, 2, rng="zero")
    assert "kaiming_uniform" in init.available()
