"""Typed methods for the HyperLogLog commands (see redipy/commands/hyperloglog.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase, to_ok


class HyperLogLogCommands(CommandsBase):
    """PFADD, PFCOUNT, PFMERGE with redis-py's names and argument order."""

    def pfadd(self, name: str, *values: str) -> int:
        """Add elements; 1 when the estimate may have changed (or the key was made)."""
        return self._conv(int, "PFADD", name, *values)

    def pfcount(self, *sources: str) -> int:
        """The estimated number of distinct elements (of the union, for several keys)."""
        return self._conv(int, "PFCOUNT", *sources)

    def pfmerge(self, dest: str, *sources: str) -> bool:
        """Merge the sources into ``dest`` (which counts as a source too)."""
        return self._conv(to_ok, "PFMERGE", dest, *sources)
