"""One colour per activation, for every figure of the book.

Defined once here (no matplotlib import, so the maths never depends on
plotting) and read by :mod:`vglib.book.plotting` and the notebooks.
"""

__all__ = ["COLORS", "color"]

# Colour-blind-friendly base (Okabe–Ito and Tol), one hue per activation.
COLORS = {
    "identity": "#7f7f7f",
    "sigmoid": "#0072B2",
    "tanh": "#56B4E9",
    "relu": "#D55E00",
    "leaky_relu": "#E69F00",
    "prelu": "#CC79A7",
    "rrelu": "#882255",
    "elu": "#009E73",
    "selu": "#117733",
    "softplus": "#AA4499",
    "gelu": "#332288",
    "silu": "#44AA99",
    "relu6": "#999933",
    "hard_swish": "#661100",
    "abs": "#000000",
    "necro_relu": "#DDCC77",
    # recurrent models
    "rnn": "#0072B2",
    "lstm": "#009E73",
}


def color(name: str) -> str:
    """The colour of activation (or model) ``name``; raises ``ValueError`` if it has none."""
    key = getattr(name, "name", name)
    try:
        return COLORS[key]
    except KeyError:
        raise ValueError(f"no colour defined for {name!r}; known: {', '.join(sorted(COLORS))}") from None
