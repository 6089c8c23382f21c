"""What a command registered at run time becomes on a Redis backend.

The memory backend runs a registered command's Python handler; a server has no such
handler, so the same name is sent as a Lua script (:class:`LuaCommand`, ``EVAL``) or as
a function of a FUNCTION library (:class:`FunctionCommand`, ``FCALL``). Either way the
script sees the command's keys (the table's key positions) in ``KEYS`` and every other
argument, in order, in ``ARGV``. Kept here, neutral, because the Redis backend and the
script compiler read it and neither may import the memory backend.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from redipy.commands.spec import CommandSpec
from redipy.errors import ConfigError, ResponseError


@dataclass(frozen=True)
class LuaCommand:
    """The command as a Lua script body over ``KEYS`` and ``ARGV``; what it returns is
    the reply (``return redis.call('INCRBY', KEYS[1], ARGV[1])``)."""

    source: str


_LIBRARY_NAME = re.compile(r"^#!lua\s+name=([A-Za-z0-9_]+)")


@dataclass(frozen=True)
class FunctionCommand:
    """The command as ``function`` of the FUNCTION library ``library`` (its code, from the
    ``#!lua name=...`` line on), called as ``FCALL function numkeys keys... args...``.
    The library is loaded with FUNCTION LOAD REPLACE the first time a backend sends the
    command, and again when the server says the function is missing."""

    library: str
    function: str
    name: str = field(init=False)
    """The library's name, from its first line."""

    def __post_init__(self) -> None:
        match = _LIBRARY_NAME.match(self.library)
        if match is None:
            raise ConfigError("FunctionCommand: the library code must start with "
                              "'#!lua name=<library>'")
        if not re.fullmatch(r"[A-Za-z0-9_]+", self.function):
            raise ConfigError(f"FunctionCommand: bad function name {self.function!r}")
        object.__setattr__(self, "name", match.group(1))


RedisForm = LuaCommand | FunctionCommand

REGISTERED: set[str] = set()
"""The names (upper case) of the commands registered at run time."""

REDIS_FORMS: dict[str, RedisForm] = {}
"""Registered commands that have a Redis form."""


def split_keys(spec: CommandSpec, args: Sequence[str]) -> tuple[list[str], list[str]]:
    """``args`` (without the name) as (the keys, every other argument), both in order."""
    positions = set(spec.key_positions([spec.name, *args]))
    keys = [a for i, a in enumerate(args, 1) if i in positions]
    rest = [a for i, a in enumerate(args, 1) if i not in positions]
    return keys, rest


def no_form(name: str) -> ConfigError:
    """The one error for a registered command sent where only the memory backend has it."""
    return ConfigError(
        f"command {name} is registered for the memory backend only: give "
        "register_command(..., redis=LuaCommand(...) or FunctionCommand(...)) to run it "
        "on Redis")


def redis_argv(spec: CommandSpec, args: Sequence[str]) -> tuple[str, list[str]]:
    """What a Redis backend sends for a registered command: ``EVAL`` or ``FCALL`` with the
    keys split out. The arity is checked here, with the memory backend's error."""
    if not spec.arity_ok(len(args) + 1):
        raise ResponseError(f"ERR wrong number of arguments for '{spec.name.lower()}' command")
    form = REDIS_FORMS.get(spec.name)
    if form is None:
        raise no_form(spec.name)
    keys, rest = split_keys(spec, args)
    head = form.source if isinstance(form, LuaCommand) else form.function
    return ("EVAL" if isinstance(form, LuaCommand) else "FCALL",
            [head, str(len(keys)), *keys, *rest])
