"""Tests of vglib.activations: derivatives, identities, extremes, dtypes, errors."""

import warnings
from collections import Counter

import numpy as np
import pytest

from vglib.activations import Sigmoid, Tanh, available, get
from vglib.studies.cost import _Traced
from vglib.gradcheck import numerical_derivative, relative_error

ALL = available()
REQUIRED = {
    "identity", "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "rrelu", "elu", "selu",
    "softplus", "gelu", "silu", "relu6", "hard_swish", "abs", "necro_relu",
}
# Far into a saturated tail the function values sit next to ±1 and a centred
# difference loses digits to rounding (about u·|f|/ε), not the derivative:
# ±6 with ε = 1e-5 keeps that error below 1e-6 relative for every activation.
GRID = np.linspace(-6, 6, 1201)
EPS = 1e-5


def away_from_kinks(act, z, margin=1e-3):
    keep = np.ones(z.shape, dtype=bool)
    for kink in act.kinks:
        keep &= np.abs(z - kink) > margin
    return z[keep]


def test_registry_has_every_required_activation():
    assert REQUIRED <= set(ALL)
    assert ALL == sorted(ALL)


@pytest.mark.parametrize("name", ALL)
def test_derivative_matches_finite_differences(name):
    act = get(name)
    z = away_from_kinks(act, GRID)
    if getattr(act, "surrogate", False):
        z = z[z > 0]  # the surrogate is a true derivative only for z > 0
    assert relative_error(act.grad(z), numerical_derivative(act, z, EPS)) < 1e-6


@pytest.mark.parametrize(
    "name, params",
    [("leaky_relu", {"alpha": 0.3}), ("leaky_relu", {"alpha": 2.0}), ("prelu", {"alpha": -0.5}),
     ("elu", {"alpha": 0.5}), ("softplus", {"beta": 3.0}), ("rrelu", {"lower": 0.1, "upper": 0.3}),
     ("rrelu", {"paper": True})],
)
def test_derivative_with_other_hyperparameters(name, params):
    act = get(name, **params)
    z = away_from_kinks(act, GRID)
    assert relative_error(act.grad(z), numerical_derivative(act, z, EPS)) < 1e-6


def test_necro_relu_gradient_is_a_surrogate_not_the_derivative():
    act = get("necro_relu", alpha=0.1)
    z = np.array([-2.0, -0.5, 0.5, 2.0])
    np.testing.assert_array_equal(act(z), get("relu")(z))
    np.testing.assert_array_equal(act.grad(z), [0.1, 0.1, 1.0, 1.0])
    np.testing.assert_array_equal(act.true_grad(z), [0.0, 0.0, 1.0, 1.0])
    assert relative_error(act.grad(z[:2]), numerical_derivative(act, z[:2], EPS)) > 0.5


def test_prelu_alpha_derivative_matches_finite_differences():
    z = away_from_kinks(get("prelu"), GRID)
    eps = 1e-6
    numeric = (get("prelu", alpha=0.25 + eps)(z) - get("prelu", alpha=0.25 - eps)(z)) / (2 * eps)
    assert relative_error(get("prelu", alpha=0.25).grad_alpha(z), numeric, floor=1e-9) < 1e-6


def test_prelu_per_unit_slopes_broadcast():
    act = get("prelu", alpha=np.array([0.1, 0.2, 0.3]))
    z = -np.ones((4, 3))
    np.testing.assert_allclose(act(z), -np.tile([0.1, 0.2, 0.3], (4, 1)))
    np.testing.assert_allclose(act.grad(z), np.tile([0.1, 0.2, 0.3], (4, 1)))


def test_identities():
    z = np.linspace(-20, 20, 4001)
    sig, tanh = get("sigmoid"), get("tanh")
    np.testing.assert_allclose(tanh(z), 2 * sig(2 * z) - 1, atol=1e-15)
    np.testing.assert_allclose(get("softplus").grad(z), sig(z), rtol=1e-15)
    np.testing.assert_allclose(get("silu")(z), z * sig(z), rtol=1e-15)
    np.testing.assert_allclose(sig.grad(z), sig(z) * (1 - sig(z)), atol=1e-16)
    np.testing.assert_allclose(Tanh.grad_from_output(tanh(z)), tanh.grad(z), atol=1e-15)
    np.testing.assert_allclose(Sigmoid.grad_from_output(sig(z)), sig.grad(z), atol=1e-16)
    np.testing.assert_allclose(get("selu")(z), get("selu").scale * get("elu", alpha=get("selu").alpha)(z))


def test_known_values():
    assert get("sigmoid").grad(0.0) == 0.25
    assert get("tanh").grad(0.0) == 1.0
    assert get("sigmoid")(0.0) == 0.5
    assert get("gelu")(0.0) == 0.0 and get("gelu").grad(0.0) == 0.5
    assert get("softplus")(0.0) == pytest.approx(np.log(2.0), rel=1e-15)
    assert get("elu", alpha=2.0)(-50.0) == pytest.approx(-2.0)
    assert get("elu", alpha=2.0)(-np.inf) == -2.0  # the limit -α, exactly
    # the largest slope of the sigmoid is 1/4, of tanh 1
    assert get("sigmoid").grad(GRID).max() == 0.25
    assert get("tanh").grad(GRID).max() == 1.0


KINK_VALUES = [
    ("relu", 0.0, 0.0), ("leaky_relu", 0.0, 0.01), ("prelu", 0.0, 0.25), ("elu", 0.0, 1.0),
    ("abs", 0.0, 0.0), ("relu6", 0.0, 0.0), ("relu6", 6.0, 0.0), ("hard_swish", -3.0, 0.0),
    ("hard_swish", 3.0, 1.0), ("necro_relu", 0.0, 0.01), ("selu", 0.0, 1.0507009873554805 * 1.6732632423543772),
]


@pytest.mark.parametrize("name, z, expected", KINK_VALUES)
def test_documented_derivative_at_kinks(name, z, expected):
    assert get(name).grad(z) == pytest.approx(expected, rel=1e-15)


EXTREMES = {np.float32: [1e4, 3e38, float(np.finfo(np.float32).max)],
            np.float64: [1e4, 1e308, float(np.finfo(np.float64).max)]}


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name", ALL)
def test_extreme_inputs_are_finite_and_warning_free(name, dtype):
    act = get(name)
    info = np.finfo(dtype)
    mags = EXTREMES[dtype]
    if name == "selu":
        mags = mags[:2]  # λ·max overflows: the true value is not finite there
    z = np.array([0.0, info.tiny, -info.tiny, info.smallest_subnormal, 1.0, -1.0, 50.0, -50.0]
                 + mags + [-m for m in mags], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(all="warn", under="ignore"):
            h, d = act(z), act.grad(z)
    assert h.dtype == dtype and d.dtype == dtype
    assert np.all(np.isfinite(h)), (name, z[~np.isfinite(h)])
    assert np.all(np.isfinite(d)), (name, z[~np.isfinite(d)])


def test_saturating_tails_keep_their_tiny_derivatives():
    # σ'(40) ≈ 4.2e-18 is not 0, even though σ(40) rounds to 1
    assert get("sigmoid").grad(40.0) == pytest.approx(np.exp(-40.0), rel=1e-12)
    assert get("tanh").grad(20.0) == pytest.approx(4 * np.exp(-40.0), rel=1e-12)
    assert get("softplus")(-800.0) == 0.0 and get("softplus")(800.0) == 800.0


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
def test_shape_and_float_dtype_preserved(name, dtype):
    act = get(name)
    z = np.linspace(-3, 3, 24, dtype=dtype).reshape(2, 3, 4)
    h = act(z)
    d = act.grad(z)
    assert h.shape == z.shape and d.shape == z.shape
    assert h.dtype == dtype and d.dtype == dtype


@pytest.mark.parametrize("name", ALL)
@pytest.mark.parametrize("value", [[-1, 0, 2], 3, -2, True, np.arange(-2, 3, dtype=np.int32), [[1.5], [-0.5]]])
def test_lists_scalars_and_integers_computed_in_float64(name, value):
    act = get(name)
    h, d = act(value), act.grad(value)
    expected = np.asarray(value, dtype=np.float64)
    assert np.asarray(h).dtype == np.float64 and np.asarray(d).dtype == np.float64
    assert np.shape(h) == expected.shape
    np.testing.assert_allclose(h, act(expected))


def test_scalar_in_scalar_out():
    out = get("relu")(2.5)
    assert np.ndim(out) == 0 and float(out) == 2.5


def test_float32_values_close_to_float64():
    z = np.linspace(-10, 10, 201)
    for name in ALL:
        act = get(name)
        np.testing.assert_allclose(act(z.astype(np.float32)), act(z), rtol=2e-6, atol=2e-6, err_msg=name)


def test_unknown_name_lists_known_and_suggests():
    with pytest.raises(ValueError, match=r"unknown activation 'relu6x'.*known: abs, elu.*Did you mean 'relu6'"):
        get("relu6x")
    with pytest.raises(ValueError, match="Did you mean 'sigmoid'"):
        get("sigmiod")


def test_names_are_normalised():
    assert get("Leaky-ReLU").name == "leaky_relu"


@pytest.mark.parametrize(
    "name, params, pattern",
    [("rrelu", {"lower": 0.5, "upper": 0.1}, "lower <= upper"),
     ("rrelu", {"lower": -0.1}, "lower must be"),
     ("leaky_relu", {"alpha": -0.1}, r"alpha must be .*>= 0"),
     ("elu", {"alpha": -1.0}, r"alpha must be .*>= 0"),
     ("elu", {"alpha": float("nan")}, "alpha must be"),
     ("softplus", {"beta": 0.0}, r"beta must be .*> 0"),
     ("prelu", {"alpha": float("inf")}, "alpha must be finite"),
     ("elu", {"beta": 1.0}, r"unknown hyperparameter.*\['beta'\].*takes: alpha"),
     ("relu", {"alpha": 1.0}, "takes: no hyperparameters"),
     ("rrelu", {"seed": 0, "rng": np.random.default_rng(0)}, "seed or an rng")],
)
def test_invalid_hyperparameters_are_named(name, params, pattern):
    with pytest.raises(ValueError, match=pattern):
        get(name, **params)


def test_non_real_input_is_refused():
    with pytest.raises(ValueError, match="real numbers"):
        get("relu")(np.array([1 + 2j]))
    with pytest.raises(ValueError, match="real numbers"):
        get("relu")("abc")


def test_rrelu_training_draws_per_element_and_grad_uses_last_slopes():
    act = get("rrelu", training=True, seed=0)
    z = -np.ones((1000,))
    h = act(z)
    slopes = -h
    assert np.all((slopes >= 1 / 8) & (slopes <= 1 / 3))
    assert len(np.unique(slopes)) == z.size  # one slope per element
    np.testing.assert_array_equal(act.grad(z), slopes)
    h2 = act(z)
    assert not np.array_equal(h, h2)  # fresh slopes at each call
    # same seed, same slopes
    np.testing.assert_array_equal(get("rrelu", training=True, seed=0)(z), h)
    rng = np.random.default_rng(0)
    np.testing.assert_array_equal(get("rrelu", training=True, rng=rng)(z), h)


def test_rrelu_grad_before_call_or_with_other_shape_is_an_error():
    act = get("rrelu", training=True, seed=1)
    with pytest.raises(ValueError, match="call it on an array of shape"):
        act.grad(np.ones(3))
    act(np.ones(3))
    with pytest.raises(ValueError, match=r"shape \(4,\)"):
        act.grad(np.ones(4))


def test_rrelu_evaluation_slopes_library_and_paper():
    z = np.array([-1.0])
    assert get("rrelu")(z)[0] == pytest.approx(-(1 / 8 + 1 / 3) / 2)  # 11/48
    assert get("rrelu", paper=True)(z)[0] == pytest.approx(-2 / 11)
    paper = get("rrelu", paper=True, training=True, seed=0)
    slopes = -paper(-np.ones(200_000))
    # slope = 1/a with a ~ U(3, 8): mean is ln(8/3)/5, not the midpoint 11/48
    assert slopes.mean() == pytest.approx(np.log(8 / 3) / 5, rel=5e-3)
    assert slopes.min() >= 1 / 8 and slopes.max() <= 1 / 3


def test_rrelu_library_slopes_are_uniform():
    slopes = -get("rrelu", training=True, seed=3)(-np.ones(200_000))
    assert slopes.mean() == pytest.approx((1 / 8 + 1 / 3) / 2, rel=5e-3)
    assert slopes.std() == pytest.approx((1 / 3 - 1 / 8) / np.sqrt(12), rel=1e-2)


def test_leaky_relu_where_formula_differs_from_max_shortcut_above_one():
    z = np.array([-2.0, 3.0])
    act = get("leaky_relu", alpha=2.0)
    np.testing.assert_array_equal(act(z), [-4.0, 3.0])
    assert not np.array_equal(np.maximum(2.0 * z, z), act(z))


def test_get_returns_objects_unchanged_and_rebuilds_from_params():
    act = get("elu", alpha=0.7)
    assert get(act) is act
    assert get(act.name, **act.params)(-1.0) == act(-1.0)
    with pytest.raises(ValueError, match="hyperparameters only with a name"):
        get(act, alpha=1.0)
    assert "alpha=0.7" in repr(act)


class _DtypeSpy(_Traced):
    """vglib.studies.cost's traced array, which also notes ``(ufunc, result dtype)`` of every call."""

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        result = super().__array_ufunc__(ufunc, method, *inputs, **kwargs)
        for r in result if isinstance(result, tuple) else (result,):
            self.log[ufunc.__name__, np.asarray(r).dtype.name] += 1
        return result

    @staticmethod
    def _wrap(r, log):
        return _Traced._wrap(r, log).view(_DtypeSpy) if isinstance(r, np.ndarray) and r.ndim else r


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("part", ["value", "grad"])
@pytest.mark.parametrize("name", ALL)
def test_no_intermediate_changes_the_float_dtype(name, part, dtype):
    # the leaky ReLU derivative once built its 0/1 mask in float64 for float32
    # input (~30x slower, and rounded back only at the end): every ufunc on the
    # way must compute in the input's dtype
    act = get(name, training=True, seed=0) if name == "rrelu" else get(name)
    z = np.linspace(-8, 8, 41).astype(dtype).view(_DtypeSpy)
    z.log = Counter()
    act(z)
    if part == "grad":
        z.log.clear()
        act.grad(z)
    seen = {key for key in z.log if isinstance(key, tuple)}
    other = {(fn, dt) for fn, dt in seen if dt != np.dtype(dtype).name and dt.startswith("float")}
    if dtype == np.float16:  # SciPy's erfc has no float16 loop: GELU's Φ goes through float32
        other -= {("erfc", "float32")}
    assert not other, other
    assert seen or name == "identity", "the spy saw no ufunc"


@pytest.mark.parametrize("dtype", [np.float16, np.float32, np.float64])
@pytest.mark.parametrize("name", ALL)
def test_value_and_derivative_keep_the_dtype_of_every_float(name, dtype):
    act = get(name)
    for z in (dtype(-1.5), np.array([-2.0, 0.5, 3.0], dtype=dtype), np.zeros((0, 3), dtype=dtype)):
        h, d = act(z), act.grad(z)
        assert np.asarray(h).dtype == dtype and np.asarray(d).dtype == dtype
        assert np.shape(h) == np.shape(z) == np.shape(d)
