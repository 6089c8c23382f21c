"""Typed methods for the HyperLogLog commands (see redipy/commands/hyperloglog.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase, to_ok


class HyperLogLogCommands(CommandsBase):
    """PFADD, PFCOUNT, PFMERGE with redis-py's names and argument order (the integer
    replies as they come: both backends give an int)."""

    def pfadd(self, name: str, *values: str) -> int:
        """Add elements; 1 when the estimate may have changed (or the key was made)."""
        return self._call("PFADD", name, *values)  # type: ignore[no-any-return]

    def pfcount(self, *sources: str) -> int:
        """The estimated number of distinct elements (of the union, for several keys)."""
        return self._call("PFCOUNT", *sources)  # type: ignore[no-any-return]

    def pfmerge(self, dest: str, *sources: str) -> bool:
        """Merge the sources into ``dest`` (which counts as a source too)."""
        return self._conv(to_ok, "PFMERGE", dest, *sources)
