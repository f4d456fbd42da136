"""vglib.studies.compare: natural initialisations, steps to a target, reproducible comparison runs."""

import math

import numpy as np
import pytest

from scipy import stats

from vglib.studies.compare import (compare, final, natural_init,
                                   paired_differences, steps_to_target)
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


def test_paired_differences_against_a_hand_computation():
    v, b = [0.95, 0.93, 0.96, 0.90], [0.90, 0.91, 0.97, 0.85]
    d = np.subtract(v, b)
    r = paired_differences(v, b)
    se = d.std(ddof=1) / 2.0
    half = stats.t.ppf(0.975, 3) * se
    assert r.n == 4 and r.better == "higher" and r.level == 0.95
    np.testing.assert_allclose(r.differences, d)
    np.testing.assert_allclose([r.mean, r.se], [d.mean(), se])
    np.testing.assert_allclose([r.low, r.high],
                               [d.mean() - half, d.mean() + half])
    assert (r.n_better, r.n_worse, r.n_ties) == (3, 1, 0)
    assert not r.excludes_zero()


def test_paired_differences_agrees_with_scipy_paired_t_test():
    rng = np.random.default_rng(0)
    b = rng.normal(size=6)
    v = b + 0.5 + 0.1 * rng.normal(size=6)
    r = paired_differences(v, b, level=0.99)
    t = stats.ttest_rel(v, b)
    ci = t.confidence_interval(0.99)
    np.testing.assert_allclose([r.low, r.high], [ci.low, ci.high])
    assert r.excludes_zero() and r.n_better == 6


def test_paired_differences_lower_is_better_and_ties():
    r = paired_differences([100, 150, 200], [150, 150, 175], better="lower")
    assert (r.n_better, r.n_worse, r.n_ties) == (1, 1, 1)
    assert r.mean == pytest.approx(-25 / 3)


def test_paired_differences_pairs_mappings_by_seed():
    r = paired_differences({2: 0.9, 0: 0.8, 1: 0.7}, {0: 0.7, 1: 0.8, 2: 0.6})
    np.testing.assert_allclose(r.differences, [0.1, -0.1, 0.3])
    assert r.n_better == 2


def test_paired_differences_one_seed_has_no_interval():
    r = paired_differences([1.0], [0.5])
    assert r.mean == 0.5 and r.n_better == 1
    assert math.isnan(r.se) and math.isnan(r.low) and math.isnan(r.high)


@pytest.mark.parametrize("v, b, match", [
    ([1.0, 2.0], [1.0], "one length"),
    ([], [], "no seeds"),
    ([1.0, math.inf], [1.0, 2.0], r"seed\(s\) \[1\]"),
    ({0: 1.0}, {1: 1.0}, "same seeds"),
    ([[1.0]], [[1.0]], "1-d"),
])
def test_paired_differences_refuses_bad_values(v, b, match):
    with pytest.raises(ValueError, match=match):
        paired_differences(v, b)


def test_paired_differences_refuses_bad_arguments():
    with pytest.raises(TypeError, match="both be mappings"):
        paired_differences({0: 1.0}, [1.0])
    with pytest.raises(ValueError, match="better"):
        paired_differences([1.0], [1.0], better="bigger")
    with pytest.raises(ValueError, match="level"):
        paired_differences([1.0], [1.0], level=1.0)


def test_paired_differences_of_real_runs_capped_steps():
    d = xor(n=200, seed=0)
    runs = compare(["relu", "tanh"], d, hidden=[8, 8], seeds=[0, 1, 2],
                   steps=60, record_every=10)
    reach = {a: [steps_to_target(runs[(a, s)], 0.9) for s in (0, 1, 2)]
             for a in ("relu", "tanh")}
    capped = {a: np.minimum(r, 70.0) for a, r in reach.items()}
    r = paired_differences(capped["tanh"], capped["relu"], better="lower")
    assert r.n == 3 and r.n_better + r.n_worse + r.n_ties == 3
    np.testing.assert_allclose(r.differences,
                               capped["tanh"] - capped["relu"])
    acc = {a: [runs[(a, s)].test_acc[-1] for s in (0, 1, 2)]
           for a in ("relu", "tanh")}
    r = paired_differences(acc["tanh"], acc["relu"])
    assert r.mean == pytest.approx(np.mean(acc["tanh"]) - np.mean(acc["relu"]))
