"""Activation functions and their derivatives, looked up by name.

Every activation is a small class with

* ``act(z)``      the value ``h = f(z)``, elementwise;
* ``act.grad(z)`` the derivative ``dh/dz = f'(z)``, elementwise.

Both preserve shape and floating dtype (float32 in, float32 out, computed in
float32); lists, scalars and integer arrays are computed in float64. Each
formula is written so that every finite input, up to the largest finite
number of the dtype, gives a finite result with no NumPy ``RuntimeWarning``
(no naive ``exp`` of a large argument anywhere) whenever the true value is a
finite number of that dtype. Where it is not, the result is ``±inf`` with
NumPy's overflow warning, as for any other overflow: SELU's ``λz`` for
``z > max/λ`` (``λ ≈ 1.05``), and a negative slope ``α > 1`` (leaky ReLU,
PReLU) for ``z < −max/α``.

Special values: NaN in gives NaN out, for the value and for the derivative;
``±inf`` gives the limits ``f(±∞)`` and ``f'(±∞)`` (for example GELU's
``f(−∞) = 0`` and SiLU's ``f'(+∞) = 1``), with no warning. Anything that is not
real numbers (complex, strings, ragged lists) is refused with a ``ValueError``
that names ``z``.

At a kink (a point where ``f`` has no derivative, such as ``z = 0`` for ReLU)
``grad`` returns one of the one-sided derivatives. Each class states which;
all of them agree with PyTorch's autograd so that the two can be compared
exactly.

Examples
--------
>>> from vglib.activations import get, available
>>> act = get("elu", alpha=1.0)
>>> float(act.grad(0.0))
1.0
>>> "relu" in available()
True
"""

from ._base import Activation, available, get, register
from .rectifiers import Abs, LeakyReLU, NecroReLU, PReLU, ReLU, ReLU6, RReLU
from .saturating import Identity, Sigmoid, Tanh
from .smooth import ELU, GELU, SELU, HardSwish, SiLU, Softplus

__all__ = [
    "Activation",
    "Identity",
    "Sigmoid",
    "Tanh",
    "ReLU",
    "LeakyReLU",
    "PReLU",
    "RReLU",
    "ELU",
    "SELU",
    "Softplus",
    "GELU",
    "SiLU",
    "ReLU6",
    "HardSwish",
    "Abs",
    "NecroReLU",
    "get",
    "available",
    "register",
]
