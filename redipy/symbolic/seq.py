"""0.7.1's ``redipy.symbolic.seq``: ``FnContext`` and its blocks."""

from redipy.script.seq import FnContext, Sequence

__all__ = ["FnContext", "Sequence"]
