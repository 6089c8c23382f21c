"""Command table: introspection (OBJECT, MEMORY) and moving keys between numbered
databases (MOVE, SWAPDB)."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyRange

_AT2 = (KeyRange(2),)

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "OBJECT", "generic", -2,
        "Inspect a key's value: ENCODING (the server's representation for it), "
        "REFCOUNT, IDLETIME, FREQ, HELP.",
        "O(1) for all the currently implemented subcommands.",
        "OBJECT subcommand [argument ...]", since="2.2.3", keys=_AT2,
        flags=frozenset({"readonly"})),
    CommandSpec(
        "MEMORY", "server", -2,
        "Estimate the bytes a key and its value take (USAGE key [SAMPLES count]), HELP.",
        "O(N) where N is the number of samples.",
        "MEMORY subcommand [argument ...]", since="4.0.0", keys=_AT2,
        flags=frozenset({"readonly"})),
    CommandSpec(
        "MOVE", "generic", 3,
        "Move a key (with its TTL) to another numbered database, unless it exists there.",
        "O(1)", "MOVE key db", since="1.0.0", keys=(KeyRange(1),),
        flags=frozenset({"write", "fast"})),
    CommandSpec(
        "SWAPDB", "server", 3,
        "Swap two numbered databases: clients on either now see the other's keys.",
        "O(N) where N is the count of clients watching or blocking on keys from both "
        "databases.",
        "SWAPDB index1 index2", since="4.0.0", flags=frozenset({"write", "fast"})),
)
