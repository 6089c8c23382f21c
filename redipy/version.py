"""redipy's version, in a module of its own so that any layer can read it without
importing the whole package (which would close an import circle)."""

__version__ = "0.8.0"
"""Kept equal to pyproject's version by a test; a literal, since importlib.metadata
costs ~40 ms of every start-up."""
