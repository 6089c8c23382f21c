"""0.7.1's ``redipy.memory.rt``: the memory runtime (a ``redipy.Redis`` in memory)."""

from redipy.main import LocalRuntime

__all__ = ["LocalRuntime"]
