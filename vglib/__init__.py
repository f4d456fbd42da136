"""vglib: the NumPy library behind the Vanishing Gradients course."""
__version__ = "0.1.0"
