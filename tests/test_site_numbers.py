"""tools/vg_numbers.py: per-chapter numbers for exercises, equations and figures."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tools"))

from vg_numbers import chapter_number, per_chapter  # noqa: E402


def test_chapter_number_from_the_file_name():
    assert chapter_number("chapters/06_dying_relu") == "6"
    assert chapter_number("chapters/12_beyond_activations") == "12"
    assert chapter_number("chapters/04b_vanishing_during_training") == "4b"
    assert chapter_number("chapters/activation_gallery") is None
    assert chapter_number("errata") is None


def test_numbers_restart_per_chapter_in_page_order():
    book = {
        "chapters/02_sigmoid": {"exercise": {"ex-b": (5,), "ex-a": (4,), "ex-c": (6,)},
                                "displaymath": {"e1": (3,)}},
        "chapters/06_dying_relu": {"exercise": {"x": (16,), "y": (15,)}},
        "errata": {"displaymath": {"m": (40,), "n": (39,)}},
    }
    out = per_chapter(book)
    assert out["chapters/02_sigmoid"]["exercise"] == {"ex-a": ("2", 1), "ex-b": ("2", 2), "ex-c": ("2", 3)}
    assert out["chapters/02_sigmoid"]["displaymath"] == {"e1": ("2", 1)}
    assert out["chapters/06_dying_relu"]["exercise"] == {"y": ("6", 1), "x": ("6", 2)}
    assert out["errata"]["displaymath"] == {"n": (1,), "m": (2,)}
    assert ".".join(map(str, out["chapters/06_dying_relu"]["exercise"]["x"])) == "6.2"
