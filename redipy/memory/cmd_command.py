"""Memory backend handler: COMMAND (and COUNT, INFO, DOCS, LIST, GETKEYS), generated from
the one command table (:mod:`redipy.commands`), in the layout of Redis 7's replies.

Key specs are derived from the table's key positions (a range or a numkeys count); their
flags say only RO / RW, which is what the table knows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy import commands
from redipy.commands.spec import CommandSpec, KeyAfter, KeyNum, KeyOption, KeyRange
from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.glob import compile_glob
from redipy.memory.registry import command
from redipy.reply import Map, SetReply, Status

REDIS_FLAGS = (
    "write", "readonly", "denyoom", "admin", "pubsub", "noscript", "blocking", "loading",
    "stale", "skip_monitor", "skip_slowlog", "fast", "no_auth", "may_replicate",
    "no_mandatory_keys", "no_async_loading", "no_multi", "allow_busy",
)
"""COMMAND's flag names, in the order Redis lists them."""

GROUP_CATEGORY = {
    "generic": "@keyspace", "string": "@string", "bitmap": "@bitmap", "list": "@list",
    "hash": "@hash", "set": "@set", "sorted_set": "@sortedset", "connection": "@connection",
    "server": "@admin", "transactions": "@transaction", "pubsub": "@pubsub",
    "scripting": "@scripting",
}


def _movable(spec: CommandSpec) -> bool:
    return any(isinstance(k, (KeyNum, KeyAfter, KeyOption)) for k in spec.keys)


def _flags(spec: CommandSpec) -> SetReply:
    names = [f for f in REDIS_FLAGS if f in spec.flags]
    if spec.module:  # where Redis lists a module's command: after denyoom
        names.insert(sum(f in spec.flags for f in REDIS_FLAGS[:3]), "module")
    if _movable(spec):
        names.append("movablekeys")
    return SetReply(Status(f) for f in names)


def _categories(spec: CommandSpec) -> SetReply:
    out = []
    if spec.write:
        out.append("@write")
    elif spec.readonly:
        out.append("@read")
    if not spec.module:  # a module's command has only the categories its flags imply
        out.append(GROUP_CATEGORY.get(spec.group, "@" + spec.group))
    out.append("@fast" if "fast" in spec.flags else "@slow")
    if spec.blocking:
        out.append("@blocking")
    if "admin" in spec.flags:
        out.append("@dangerous")
    return SetReply(Status(c) for c in dict.fromkeys(out))


def _legacy_keys(spec: CommandSpec) -> tuple[int, int, int]:
    for key in spec.keys:
        if isinstance(key, KeyRange):
            return key.first, key.first if key.last == 0 else key.last, key.step
    return 0, 0, 0


def _key_specs(spec: CommandSpec) -> SetReply:
    flag = Status("RW") if spec.write else Status("RO")
    out = SetReply()
    for key in spec.keys:
        if isinstance(key, KeyRange):
            last = key.last if key.last < 0 else (key.last or key.first) - key.first
            begin = Map(["type", "index", "spec", Map(["index", key.first])])
            find = Map(["type", "range", "spec",
                        Map(["lastkey", last, "keystep", key.step, "limit", 0])])
        elif isinstance(key, KeyOption):
            begin = Map(["type", "unknown", "spec", Map([])])
            find = Map(["type", "unknown", "spec", Map([])])
        elif isinstance(key, KeyAfter):
            begin = Map(["type", "keyword", "spec",
                         Map(["keyword", key.word, "startfrom", key.start])])
            find = Map(["type", "range", "spec",
                        Map(["lastkey", -1, "keystep", 1, "limit", 2])])
        else:
            begin = Map(["type", "index", "spec", Map(["index", key.numkeys_at])])
            find = Map(["type", "keynum", "spec",
                        Map(["keynumidx", 0, "firstkey", key.first - key.numkeys_at,
                             "keystep", key.step])])
        out.append(Map(["flags", SetReply([flag]), "begin_search", begin,
                        "find_keys", find]))
    return out


def command_info(spec: CommandSpec) -> list[Any]:
    """One command's COMMAND INFO entry (ten fields, as Redis 7 sends them)."""
    first, last, step = _legacy_keys(spec)
    return [spec.name.lower(), spec.arity, _flags(spec), first, last, step,
            _categories(spec), SetReply(), _key_specs(spec), []]


def command_docs(spec: CommandSpec) -> Map:
    return Map(["summary", spec.summary, "since", spec.introduced, "group", spec.group,
                "complexity", spec.complexity])


def _specs(names: Sequence[str]) -> list[CommandSpec | None]:
    return [commands.COMMANDS.get(name.upper()) for name in names]


@command("COMMAND")
def cmd_command(db: Database, args: Sequence[str]) -> Any:
    table = commands.COMMANDS
    if not args:
        return [command_info(spec) for spec in table.values()]
    sub = args[0].upper()
    if sub == "COUNT":
        if len(args) != 1:
            raise ResponseError("ERR wrong number of arguments for 'command|count' command")
        return len(table)
    if sub == "INFO":
        if len(args) == 1:
            return [command_info(spec) for spec in table.values()]
        return [None if spec is None else command_info(spec) for spec in _specs(args[1:])]
    if sub == "DOCS":
        chosen = list(table.values()) if len(args) == 1 else _specs(args[1:])
        out = Map()
        for spec in chosen:
            if spec is not None:
                out.extend((spec.name.lower(), command_docs(spec)))
        return out
    if sub == "LIST":
        return _command_list(args[1:])
    if sub == "GETKEYS":
        return _getkeys(args[1:])
    raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try COMMAND HELP.")


def _command_list(args: Sequence[str]) -> list[str]:
    names = [name.lower() for name in commands.COMMANDS]
    if not args:
        return names
    if len(args) != 3 or args[0].upper() != "FILTERBY":
        raise ResponseError("ERR syntax error")
    kind, value = args[1].upper(), args[2]
    if kind == "PATTERN":
        match = compile_glob(value)
        return [n for n in names if match(n)]
    if kind == "ACLCAT":
        wanted = "@" + value.lower()
        return [spec.name.lower() for spec in commands.COMMANDS.values()
                if wanted in _categories(spec)]
    if kind == "MODULE":
        return [spec.name.lower() for spec in commands.COMMANDS.values()
                if spec.module and spec.module == value]
    raise ResponseError("ERR syntax error")


def _getkeys(argv: Sequence[str]) -> list[str]:
    if not argv:
        raise ResponseError("ERR wrong number of arguments for 'command|getkeys' command")
    spec = commands.COMMANDS.get(argv[0].upper())
    if spec is None:
        raise ResponseError("ERR Invalid command specified")
    if not spec.arity_ok(len(argv)):
        raise ResponseError("ERR Invalid number of arguments specified for command")
    positions = spec.key_positions(list(argv))
    if not positions:
        raise ResponseError("ERR The command has no key arguments")
    return [argv[i] for i in positions]
