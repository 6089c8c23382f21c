"""0.7.1's ``redipy.memory.local``: the memory script compiler."""

from redipy.script.compilers import LocalBackend

__all__ = ["LocalBackend"]
