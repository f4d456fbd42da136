"""An activation's name is a key in several tables; they must list the same activations.

The registry (:func:`vglib.activations.available`) is the source of truth. A
new activation needs a colour (``vglib.book.style.COLORS``, read by ``color()`` in
every figure) and a natural initialisation
(``vglib.studies.compare.natural_init``: its ``NATURAL_INIT`` table, else the
default); a colour or a natural init for a name that is not registered is a
leftover (a renamed or removed activation).
"""

import pytest

from vglib import activations as acts
from vglib import init
from vglib.activations import _base
from vglib.studies import compare
from vglib.book.style import COLORS, color

# Colours that are not activations, documented in vglib/book/style.py ("recurrent models").
NON_ACTIVATION_COLORS = {"rnn", "lstm"}


def _has_color(name):
    try:
        color(name)
    except ValueError:
        return False
    return True


def registry_gaps():
    """Each table that disagrees with the registry, with the names it misses or has in excess."""
    registered = set(acts.available())
    inits = set(init.available())
    gaps = {
        "registered but no colour": [n for n in registered if not _has_color(n)],
        "registered but no registered natural init": [n for n in registered
                                                      if compare.natural_init(n) not in inits],
        "colour for an unregistered name": [n for n in COLORS if n not in registered | NON_ACTIVATION_COLORS],
        "natural init for an unregistered name": [n for n in compare.NATURAL_INIT if n not in registered],
        "documented extra colour missing or now an activation": [n for n in NON_ACTIVATION_COLORS
                                                              if n in registered or n not in COLORS],
    }
    return {what: sorted(names) for what, names in gaps.items() if names}


def test_every_table_agrees_with_the_registry():
    assert registry_gaps() == {}


# The check can fail: each table broken in turn.

@pytest.fixture
def dummy_activation():
    """A registered activation that no table knows; unregistered after the test."""

    @acts.register
    class Dummy(acts.Activation):
        name = "dummy_for_registry_test"

        def _f(self, z):
            return z

        def _df(self, z):
            return z * 0 + 1

    yield Dummy.name
    del _base._REGISTRY[Dummy.name]
    assert Dummy.name not in acts.available()


def test_a_new_activation_without_a_colour_is_reported(dummy_activation):
    assert registry_gaps() == {"registered but no colour": [dummy_activation]}
    assert compare.natural_init(dummy_activation) == "he_uniform"  # the default covers it


def test_a_natural_init_that_is_not_registered_is_reported(monkeypatch):
    monkeypatch.setitem(compare.NATURAL_INIT, "selu", "lecun")  # not an init name
    assert registry_gaps() == {"registered but no registered natural init": ["selu"]}


def test_leftover_entries_are_reported(monkeypatch):
    monkeypatch.setitem(COLORS, "relu7", "#123456")
    monkeypatch.setitem(compare.NATURAL_INIT, "relu7", "he_normal")
    assert registry_gaps() == {"colour for an unregistered name": ["relu7"],
                               "natural init for an unregistered name": ["relu7"]}


def test_a_documented_extra_colour_that_disappears_is_reported(monkeypatch):
    monkeypatch.delitem(COLORS, "lstm")
    assert registry_gaps() == {"documented extra colour missing or now an activation": ["lstm"]}
