"""vglib._checks.lookup: the one name lookup behind every registry (activations, inits, losses, optimisers)."""

import pytest

from vglib import _checks, init, losses, optim
from vglib import activations as acts

NAMES = ["cross_entropy", "mse", "bce_with_logits"]
ALIASES = {"ce": "cross_entropy", "bce": "bce_with_logits"}


@pytest.mark.parametrize("spelled, key", [
    ("mse", "mse"), (" MSE\t", "mse"), ("Cross-Entropy", "cross_entropy"), ("BCE-with-logits", "bce_with_logits"),
    ("CE", "cross_entropy"), (" bce ", "bce_with_logits"),
])
def test_lookup_normalises_case_spaces_hyphens_and_aliases(spelled, key):
    assert _checks.lookup("loss", spelled, NAMES, aliases=ALIASES) == key


def test_lookup_accepts_a_dict_as_the_table():
    assert _checks.lookup("loss", "Mse", dict.fromkeys(NAMES)) == "mse"


def test_unknown_name_lists_names_and_aliases_and_suggests_the_closest():
    with pytest.raises(ValueError) as err:
        _checks.lookup("loss", "cross-entropi", NAMES, aliases=ALIASES)
    assert str(err.value) == ("unknown loss 'cross-entropi'; known: bce_with_logits, cross_entropy, mse "
                              "(aliases: bce, ce). Did you mean 'cross_entropy'?")
    assert type(err.value) is ValueError  # a wrong value, not a wrong type


def test_unknown_name_may_be_closest_to_an_alias():
    with pytest.raises(ValueError, match="Did you mean 'bce'"):
        _checks.lookup("loss", "bcee", NAMES, aliases=ALIASES)


def test_no_suggestion_when_nothing_is_close():
    with pytest.raises(ValueError) as err:
        _checks.lookup("loss", "zzzz", NAMES)
    assert str(err.value) == "unknown loss 'zzzz'; known: bce_with_logits, cross_entropy, mse."


@pytest.mark.parametrize("bad", [None, 3, b"mse", ["mse"]])
def test_a_non_string_is_a_type_error_that_names_the_kind(bad):
    with pytest.raises(TypeError, match=r"^loss must be a name \(str\) or a Loss object, got ") as err:
        _checks.lookup("loss", bad, NAMES, also="a Loss object")
    assert isinstance(err.value, ValueError)  # ArgumentTypeError: both, as every check of vglib
    with pytest.raises(_checks.ArgumentTypeError, match=r"^loss must be a name \(str\), got "):
        _checks.lookup("loss", bad, NAMES)


# Every registry goes through lookup: same spelling rules, same messages.

@pytest.mark.parametrize("spelled, key", [(" Leaky-ReLU ", "leaky_relu"), ("HARD-SWISH", "hard_swish")])
def test_activation_names(spelled, key):
    assert acts.get(spelled).name == key


@pytest.mark.parametrize("spelled, key", [("He-Normal", "he_normal"), (" Kaiming-Uniform", "he_uniform"),
                                          ("glorot-normal", "xavier_normal")])
def test_init_names(spelled, key):
    assert init.scale(spelled, 10, 20) == init.scale(key, 10, 20)
    assert (init.initialize(spelled, 3, 2, rng=0) == init.initialize(key, 3, 2, rng=0)).all()


@pytest.mark.parametrize("spelled, cls", [("Cross-Entropy", losses.CrossEntropy), ("binary-cross-entropy-with-logits",
                                                                                 losses.BCEWithLogits)])
def test_loss_names(spelled, cls):
    assert type(losses.get(spelled)) is cls


def test_optimizer_names():
    # The registry has no name with an underscore (sgd, momentum, adam), so no
    # hyphen to test; case and spaces are normalised as for the others.
    assert all("_" not in n for n in optim.available())
    assert type(optim.get(" ADAM ")) is optim.Adam
    sgd = optim.get("Momentum", lr=0.5)
    assert type(sgd) is optim.SGD and sgd.momentum == 0.9 and sgd.lr == 0.5


@pytest.mark.parametrize("get, kind, typo, known, suggestion", [
    (acts.get, "activation", "relu6x", "abs, elu", "relu6"),
    (lambda n: init.initialize(n, 2, 2), "init", "xavier", "he_normal", "xavier_normal"),
    (losses.get, "loss", "msee", "bce_with_logits, cross_entropy, mse (aliases: ", "mse"),
    (optim.get, "optimizer", "adma", "adam, momentum, sgd", "adam"),
])
def test_every_registry_reports_unknown_names_alike(get, kind, typo, known, suggestion):
    with pytest.raises(ValueError, match=rf"^unknown {kind} '{typo}'; known: .*") as err:
        get(typo)
    assert known in str(err.value) and str(err.value).endswith(f"Did you mean '{suggestion}'?")


@pytest.mark.parametrize("get, kind", [(acts.get, "activation"), (lambda n: init.scale(n, 2, 2), "init"),
                                       (losses.get, "loss"), (optim.get, "optimizer")])
def test_every_registry_refuses_a_non_string_as_a_type_error(get, kind):
    with pytest.raises(_checks.ArgumentTypeError, match=rf"^{kind} must be a name \(str\) or "):
        get(3)
