"""The learning-rate playground: Sphinx extension ``playground.playground`` and its assets."""
