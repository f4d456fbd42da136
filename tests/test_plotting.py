import numpy as np
import pytest

from vglib.book.plotting import centre_and_range, check_finite


def test_equal_values_give_no_negative_bar():
    # three equal floats whose mean rounds away from them
    x = 0.1 + 0.2
    v = np.array([[x, 1.0], [x, 2.0], [x, 4.0]])
    c, err = centre_and_range(v, axis=0)
    assert np.all(err >= 0)
    assert np.allclose(c, [x, 7 / 3])
    assert np.allclose(err[:, 1], [7 / 3 - 1, 4 - 7 / 3])


def test_rounding_case_is_clipped_to_zero():
    v = np.full(3, 0.7)  # in IEEE double, (0.7 + 0.7 + 0.7) / 3 is 0.7 - 1.1e-16
    assert v.mean() - v.min() < 0  # the case the clip exists for
    c, err = centre_and_range(v)
    assert err.shape == (2,)
    assert err[0] == 0.0 and 0 <= err[1] < 1e-15


def test_median_centre():
    c, err = centre_and_range([1.0, 2.0, 10.0], centre="median")
    assert c == 2.0 and err.tolist() == [1.0, 8.0]


@pytest.mark.parametrize("bad, match", [([], "at least one"), ([1.0, np.nan], "non-finite")])
def test_bad_values(bad, match):
    with pytest.raises(ValueError, match=match):
        centre_and_range(bad)


def test_bad_centre():
    with pytest.raises(ValueError, match="centre must be"):
        centre_and_range([1.0], centre="mode")


def test_check_finite_names_the_array():
    with pytest.raises(ValueError, match="mine: 1 non-finite"):
        check_finite("mine", [1.0, np.inf])
