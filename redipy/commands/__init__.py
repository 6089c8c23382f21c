"""The command table: one record per supported command, read by everything else."""

from __future__ import annotations

from redipy.commands import (
    blocking,
    generic,
    geo,
    hashes,
    hyperloglog,
    introspection,
    lists,
    pubsub,
    scripting,
    server,
    sets,
    sort,
    streams,
    strings,
    transactions,
    zsets,
)
from redipy.commands.replies import RESP3, RESP3_SHAPE_NAMES
from redipy.commands.spec import CommandSpec, KeyAfter, KeyNum, KeyRange, KeySpec

GROUPS: tuple[str, ...] = (
    "generic",
    "string",
    "bitmap",
    "list",
    "hash",
    "set",
    "sorted_set",
    "stream",
    "hyperloglog",
    "geo",
    "connection",
    "server",
    "transactions",
    "pubsub",
    "scripting",
    "module",
)
"""Redis's command groups; ``module`` holds the commands registered at run time."""

COMMANDS: dict[str, CommandSpec] = {}
for _module in (generic, strings, lists, hashes, sets, zsets, scripting,
                blocking, pubsub, transactions, streams, server, sort, introspection,
                hyperloglog, geo):
    for _spec in _module.COMMANDS:
        if _spec.name in COMMANDS:
            raise RuntimeError(f"command {_spec.name} is in the table twice")
        if _spec.group not in GROUPS:
            raise RuntimeError(f"command {_spec.name} has unknown group {_spec.group}")
        if _spec.resp3 and _spec.resp3 not in RESP3_SHAPE_NAMES:
            raise RuntimeError(f"command {_spec.name} has unknown RESP3 shape {_spec.resp3}")
        COMMANDS[_spec.name] = _spec
for _name in RESP3:
    if _name not in COMMANDS:
        raise RuntimeError(f"a RESP3 shape for {_name}, which is not in the table")


def lookup(name: str) -> CommandSpec | None:
    """The spec for a command name in any case (``"get"``, ``"SCRIPT load"``)."""
    return COMMANDS.get(" ".join(name.split()).upper())


def builtins() -> list[CommandSpec]:
    """The commands redipy itself implements (not those registered at run time)."""
    return [spec for spec in COMMANDS.values() if not spec.module]


def by_group(group: str) -> list[CommandSpec]:
    return sorted((s for s in COMMANDS.values() if s.group == group), key=lambda s: s.name)


__all__ = [
    "COMMANDS",
    "GROUPS",
    "CommandSpec",
    "KeyAfter",
    "KeyNum",
    "KeyRange",
    "KeySpec",
    "builtins",
    "by_group",
    "lookup",
]
