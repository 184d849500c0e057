"""The book's explorables (one weight, optimizers on a surface, backpropagation step by step).

Sphinx extension ``explorables.explorables``; the numbers come from :mod:`gdcode.explorables`.
"""
