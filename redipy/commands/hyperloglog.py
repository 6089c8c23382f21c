"""Command table: the HyperLogLog commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyRange

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "PFADD", "hyperloglog", -2,
        "Add elements to a HyperLogLog (creating it); 1 when its estimate may have changed.",
        "O(1) to add every element", "PFADD key [element [element ...]]", "2.8.9",
        (KeyRange(1),), frozenset({"write", "denyoom", "fast"})),
    CommandSpec(
        "PFCOUNT", "hyperloglog", -2,
        "The estimated number of distinct elements of one HyperLogLog, or of the union of "
        "several.", "O(1) for one key (cached), O(N) for N keys",
        "PFCOUNT key [key ...]", "2.8.9", (KeyRange(1, -1),), frozenset({"readonly"})),
    CommandSpec(
        "PFMERGE", "hyperloglog", -2,
        "Merge HyperLogLogs into the destination (which counts as a source too).",
        "O(N) to merge N HyperLogLogs", "PFMERGE destkey [sourcekey [sourcekey ...]]",
        "2.8.9", (KeyRange(1, -1),), frozenset({"write", "denyoom"}), status_reply=True),
)
