"""0.7.1's ``redipy.graph.seq``: a whole script as JSON-able data."""

from typing import Any

SequenceObj = dict[str, Any]
"""A script's JSON view (:class:`redipy.script.view.ScriptView` is one)."""

__all__ = ["SequenceObj"]
