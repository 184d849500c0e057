"""gdcode: the NumPy code that the book *Gradient descent, day by day* runs on."""

__version__ = "0.1.0"
