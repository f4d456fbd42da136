"""vglib.studies.compare: natural initialisations, steps to a target, reproducible comparison runs."""

import math

import numpy as np
import pytest

from vglib.studies.compare import compare, final, natural_init, steps_to_target
from vglib.data import load_digits, xor
from vglib.train import History


@pytest.mark.parametrize("name, init", [
    ("sigmoid", "xavier_uniform"), ("tanh", "xavier_uniform"), ("selu", "lecun_normal"),
    ("relu", "he_uniform"), ("leaky_relu", "he_uniform"), ("elu", "he_uniform"),
    ("gelu", "he_uniform"), ("Leaky-ReLU", "he_uniform"),
])
def test_natural_init(name, init):
    assert natural_init(name) == init


def test_natural_init_rejects_unknown_names():
    with pytest.raises(ValueError, match="unknown activation"):
        natural_init("relu6x")


def test_steps_to_target_first_record_at_or_above():
    h = History(step=[0, 50, 100, 150], test_acc=[0.1, 0.85, 0.9, 0.95])
    assert steps_to_target(h, 0.9) == 100.0
    assert steps_to_target(h, 0.1) == 0.0
    assert steps_to_target(h, 0.96) == math.inf


def test_final_averages_last_record_over_layers():
    h = History(layers={"dead_fraction": [[0.0, 0.0], [0.25, 0.75]]})
    assert final(h, "dead_fraction") == 0.5


def test_compare_keys_sizes_and_reproducibility():
    d = xor(n=200, seed=0)
    runs = compare(["relu", "rrelu"], d, hidden=[8, 8], seeds=[0, 1], steps=30, record_every=10)
    assert sorted(runs) == [("relu", 0), ("relu", 1), ("rrelu", 0), ("rrelu", 1)]
    assert runs[("relu", 0)].step == [0, 10, 20, 30]
    again = compare(["rrelu"], d, hidden=[8, 8], seeds=[1], steps=30, record_every=10)
    assert again[("rrelu", 1)].batch_loss == runs[("rrelu", 1)].batch_loss
    assert runs[("relu", 0)].batch_loss != runs[("relu", 1)].batch_loss


def test_compare_forced_init_changes_the_run():
    d = xor(n=200, seed=0)
    nat = compare(["tanh"], d, hidden=[8], seeds=[0], steps=5, record_every=5)
    he = compare(["tanh"], d, hidden=[8], seeds=[0], steps=5, record_every=5, init="he_uniform")
    assert nat[("tanh", 0)].batch_loss[0] != he[("tanh", 0)].batch_loss[0]


def test_compare_learns_digits():
    d = load_digits()
    runs = compare(["relu"], d, hidden=[32], seeds=[0], steps=200, record_every=100)
    assert runs[("relu", 0)].test_acc[-1] > 0.85
    assert np.isfinite(runs[("relu", 0)].test_acc).all()
