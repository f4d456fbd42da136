"""vglib.book: glued numbers read the same in JupyterLab ({eval}) as on the website ({glue:text})."""

import importlib.util
from pathlib import Path

import pytest
from IPython.core.formatters import PlainTextFormatter
from myst_nb.core.variables import format_plain_text

from vglib import book

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def fresh(monkeypatch):
    """Each test starts with nothing glued, and glue() does not display."""
    monkeypatch.setattr(book, "_values", {})
    monkeypatch.setattr(book, "_waiting", {})
    handed = []
    import myst_nb

    monkeypatch.setattr(myst_nb, "glue", lambda name, value, display=True: handed.append((name, value, display)))
    return handed


VALUES = [0.94117, 2.5e-7, 123456.0, -0.0312, 7, 0, 1.0, "ReLU", True]
SPECS = ["", ".2f", ".0%", ".1%", "+.1%", ".0e", ".1e", ".3f", ".0f", ",.0f", ".1g", ".2g", "d", "s"]


@pytest.mark.parametrize("spec", SPECS)
@pytest.mark.parametrize("value", VALUES)
def test_glued_text_is_what_glue_text_pastes(value, spec):
    # The website pastes format_plain_text(IPython's text/plain of the value, spec),
    # with e-notation written for reading (tools/vg_site.py applies book.readable).
    book.glue("k", value)
    try:
        expected = format_plain_text(PlainTextFormatter()(value), spec or "s")
        if spec.endswith(("e", "E")):
            expected = book.readable(expected)
    except ValueError:  # e.g. a word with ".2f": an error in both readers
        with pytest.raises(ValueError):
            book.glued("k", spec)
        return
    assert book.glued("k", spec) == expected


def test_glued_text_shows_without_quotes_and_glue_reaches_myst_nb(fresh):
    book.glue("ch00_x", 0.5, display=False)
    text = book.glued("ch00_x", ".1%")
    assert repr(text) == "50.0%" and text == "50.0%"
    assert fresh == [("ch00_x", 0.5, False)]


def test_a_value_not_glued_yet_fills_in_when_it_is():
    first, second = book.glued("ch00_later", ".2f"), book.glued("ch00_later")
    assert first.value == second.value == book.PENDING
    assert book.PENDING_CLASS in first._dom_classes
    assert first._repr_mimebundle_()["text/plain"] == book.PENDING
    book.glue("ch00_later", 0.125)
    assert (first.value, second.value) == ("0.12", "0.125")
    assert book.PENDING_CLASS not in first._dom_classes + second._dom_classes
    assert book.glued("ch00_later", ".3f") == "0.125"
    assert not book._waiting


def _vg_site():
    spec = importlib.util.spec_from_file_location("vg_site", ROOT / "tools" / "vg_site.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("expression, args", [
    ('glued("ch06_cure_acc_min", ".2f")', ("ch06_cure_acc_min", ".2f")),
    ("glued('ch06_n')", ("ch06_n", "")),
    (' glued( "k" ,  "+.1%" ) ', ("k", "+.1%")),
])
def test_the_book_reads_the_glued_form(expression, args):
    assert _vg_site().glued_args(expression) == args


@pytest.mark.parametrize("expression", [
    "ch06_x", "glued(key)", 'glued("k", spec=".2f")', 'glued("k", ".2f", 3)', 'glue("k")',
    'f"{x:.2f}"', "glued(", 'glued("k") + 1',
])
def test_the_book_refuses_any_other_expression(expression):
    with pytest.raises(ValueError, match="reads only"):
        _vg_site().glued_args(expression)
