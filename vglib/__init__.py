"""vglib: the NumPy library behind the Vanishing Gradients course."""
__version__ = "0.1.0"

from .network import MLP  # noqa: E402

__all__ = ["MLP", "__version__"]
