"""vglib.book.check (visible claim checks) and the book's figure style."""

import numpy as np
import pytest

from vglib.book import check
from vglib.book.plotting import BOOK_RC, book_style


def test_check_prints_the_claim_when_it_holds(capsys):
    check(0.03 < 0.1, "claim 7 holds: 3% of the units are dead")
    assert capsys.readouterr().out == "✓ claim 7 holds: 3% of the units are dead\n"
    check(np.float64(1.0) > 0, "numpy comparison")
    assert capsys.readouterr().out.startswith("✓ numpy comparison")


def test_check_fails_the_build_when_it_breaks(capsys):
    with pytest.raises(AssertionError, match="✗ claim 7 holds — 40% dead"):
        check(0.4 < 0.1, "claim 7 holds", "40% dead")
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("bad", [np.array([True, False]), 1, None, "yes"])
def test_check_refuses_what_is_not_one_truth_value(bad):
    with pytest.raises(TypeError, match="check"):
        check(bad, "claim")


def test_book_style_sets_readable_fonts():
    import matplotlib as mpl

    book_style()
    assert all(mpl.rcParams[k] == v for k, v in BOOK_RC.items())
    assert mpl.rcParams["font.size"] >= 11


@pytest.mark.parametrize("text, expected", [
    ("8e-09", "8 × 10⁻⁹"), ("1.7e+04", "1.7 × 10⁴"), ("1e-08", "10⁻⁸"),
    ("-3.2e-05", "−3.2 × 10⁻⁵"), ("2.5e+00", "2.5"), ("0.25", "0.25"), ("nan", "nan"),
])
def test_numbers_in_e_notation_are_written_for_reading(text, expected):
    from vglib.book import readable

    assert readable(text) == expected


def test_glued_uses_the_readable_form():
    from vglib.book import glue, glued

    glue("test_readable_x", 8.4e-9)
    assert str(glued("test_readable_x", ".1e")) == "8.4 × 10⁻⁹"
    assert str(glued("test_readable_x", ".3g")) == "8.4e-09"  # only e-specs change
