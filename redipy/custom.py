"""Commands of your own for the memory backend, added the way a Redis module adds them.

:func:`register_command` puts a :class:`~redipy.commands.CommandSpec` into the command
table and a Python handler into the memory backend's handler table, so the command is
then answered wherever a built-in is: ``execute_command``, pipelines and MULTI/EXEC
(WATCH included), builder scripts (``RedisFn``), raw Lua (``redis.call``), the shell
(completion, HELP), ``COMMAND INFO`` / ``DOCS``, the redis-py drop-in and ``redipy
serve``. The handler has the built-ins' contract: ``handler(db, args)`` gets the
database (:class:`redipy.memory.db.Database`, its lock held) and the arguments after the
name as byte strings (latin-1 ``str``), returns a raw reply (int, byte string,
:class:`redipy.reply.Status`, list, ``None``) or raises
:class:`redipy.errors.ResponseError` with the error's text. Arity and unknown-name
errors come from the table, as for a built-in.

On a Redis backend the name runs as the ``redis=`` form given (:class:`LuaCommand` or
:class:`FunctionCommand`); without one it fails with a :class:`~redipy.errors.ConfigError`
naming the command. The tables are process-wide, like the built-ins';
:func:`unregister_command` takes a command out again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from redipy import commands
from redipy.commands.custom import (
    REDIS_FORMS,
    REGISTERED,
    FunctionCommand,
    LuaCommand,
    RedisForm,
)
from redipy.commands.grammar import parse
from redipy.commands.spec import CommandSpec, KeyNum, KeyRange
from redipy.errors import ConfigError
from redipy.memory.db import Database
from redipy.memory.registry import ARITY, HANDLERS, table_changed

Handler = Callable[[Database, Sequence[str]], Any]

FLAGS = frozenset({
    "write", "readonly", "denyoom", "admin", "noscript", "fast", "no_multi",
    "may_replicate", "no_mandatory_keys",
})
"""The flags a registered command may carry (Redis's names, as COMMAND INFO lists them);
blocking and pub/sub commands need machinery a plain handler does not have."""

_LOCK = threading.Lock()


def register_command(name: str, handler: Handler, *, arity: int,
                     keys: KeyRange | KeyNum | Sequence[KeyRange | KeyNum] = (),
                     flags: Iterable[str] = (), summary: str = "", syntax: str = "",
                     complexity: str = "", since: str = "", module: str = "custom",
                     redis: RedisForm | None = None) -> CommandSpec:
    """Add the command ``name`` (any case; one word, not a built-in's name).

    ``arity`` is Redis's (the name counted, negative for "at least"); ``keys`` says
    where the keys are (``KeyRange(1)``: the first argument; ``KeyRange(1, -1)``: all;
    ``KeyNum(1, 2)``: a count, then that many keys), for key prefixes, COMMAND GETKEYS
    and the Redis form's ``KEYS``; ``flags`` are from :data:`FLAGS`; ``syntax`` is the
    line in Redis's documentation style that the shell completes and HELP shows (by
    default one is made from the arity and keys). Returns the table entry."""
    upper = _name(name)
    if not callable(handler):
        raise ConfigError(f"register_command {upper}: the handler must be callable")
    if type(arity) is not int or arity == 0:
        raise ConfigError(f"register_command {upper}: arity must be a non-zero int "
                          "(the name counted, negative for 'at least')")
    key_specs = _keys(upper, arity, keys)
    flag_set = _flags(upper, flags, key_specs)
    if redis is not None and not isinstance(redis, LuaCommand | FunctionCommand):
        raise ConfigError(f"register_command {upper}: redis= takes a LuaCommand or a "
                          "FunctionCommand")
    if not module or not module.replace("_", "").replace("-", "").isalnum():
        raise ConfigError(f"register_command {upper}: module must be a plain word")
    line = _syntax(upper, syntax) if syntax else _default_syntax(upper, arity, key_specs)
    spec = CommandSpec(
        upper, "module", arity, summary or f"A command of the {module} module.",
        complexity, line, since=since, keys=key_specs, flags=flag_set,
        script="noscript" not in flag_set, module=module)
    with _LOCK:
        known = commands.COMMANDS.get(upper)
        if (known is None and upper in HANDLERS) or (known is not None and not known.module):
            raise ConfigError(f"register_command {upper}: a built-in command has that name")
        if known is not None:
            raise ConfigError(f"register_command {upper}: already registered (by module "
                              f"{known.module}); unregister_command it first")
        commands.COMMANDS[upper] = spec  # the entry first: a door that finds the
        ARITY[upper] = arity             # handler finds the entry too
        if redis is not None:
            REDIS_FORMS[upper] = redis
        REGISTERED.add(upper)
        HANDLERS[upper] = handler
        table_changed()
    return spec


def unregister_command(name: str) -> None:
    """Take a command added by :func:`register_command` out of every table."""
    upper = " ".join(name.split()).upper()
    with _LOCK:
        spec = commands.COMMANDS.get(upper)
        if spec is None or not spec.module:
            raise ConfigError(f"unregister_command {upper}: "
                              + ("a built-in command" if spec else "no such registered command"))
        HANDLERS.pop(upper, None)
        REGISTERED.discard(upper)
        REDIS_FORMS.pop(upper, None)
        ARITY.pop(upper, None)
        del commands.COMMANDS[upper]
        table_changed()


def string_value(db: Database, key: str) -> str | None:
    """The string at ``key`` as GET reads it (a byte string; ``None`` if missing), or
    the WRONGTYPE error for a key of another type: handlers should read strings here,
    as a string changed in place (APPEND, SETRANGE, SETBIT) is stored as a bytearray."""
    from redipy.memory.cmd_strings import read_string

    return read_string(db, key)


def registered() -> list[CommandSpec]:
    """The commands registered at run time, in the order they were added."""
    return [spec for spec in commands.COMMANDS.values() if spec.module]


def _name(name: str) -> str:
    if not isinstance(name, str) or not name or not name.isascii() or not name.isprintable() \
            or any(ch.isspace() for ch in name):
        raise ConfigError(f"register_command: bad command name {name!r} "
                          "(one word of printable ASCII)")
    return name.upper()


def _keys(name: str, arity: int, keys: KeyRange | KeyNum | Sequence[KeyRange | KeyNum]
          ) -> tuple[KeyRange | KeyNum, ...]:
    specs = (keys,) if isinstance(keys, KeyRange | KeyNum) else tuple(keys)
    most = arity - 1 if arity > 0 else None  # the last position an argument can have
    for key in specs:
        if isinstance(key, KeyRange):
            bad = (key.first < 1 or key.step < 1
                   or (key.last > 0 and key.last < key.first)
                   or (most is not None and max(key.first, key.last) > most))
        elif isinstance(key, KeyNum):
            bad = (key.numkeys_at < 1 or key.first <= key.numkeys_at
                   or (most is not None and key.numkeys_at > most))
        else:
            raise ConfigError(f"register_command {name}: keys are KeyRange or KeyNum, "
                              f"not {type(key).__name__}")
        if bad:
            raise ConfigError(f"register_command {name}: key spec {key} does not fit "
                              f"arity {arity} (positions count from 1, the name is 0)")
    return specs


def _flags(name: str, flags: Iterable[str], keys: Sequence[object]) -> frozenset[str]:
    if isinstance(flags, str):
        flags = flags.split()
    out = frozenset(str(f).lower() for f in flags)
    unknown = sorted(out - FLAGS)
    if unknown:
        raise ConfigError(f"register_command {name}: unknown flag {unknown[0]!r} "
                          f"(one of {', '.join(sorted(FLAGS))})")
    if {"write", "readonly"} <= out:
        raise ConfigError(f"register_command {name}: a command is write or readonly, "
                          "not both")
    return out


def _default_syntax(name: str, arity: int, keys: Sequence[KeyRange | KeyNum]) -> str:
    """``NAME key arg [arg ...]``: ``key`` where a KeyRange puts a key, ``arg`` elsewhere."""
    least = abs(arity) - 1
    argv = [name] + ["arg"] * least
    spec = CommandSpec(name, "module", arity, "", "", name, keys=tuple(keys))
    at = set(spec.key_positions(argv))
    words = [name] + ["key" if i in at else "arg" for i in range(1, least + 1)]
    if arity < 0:
        more = "key" if any(isinstance(k, KeyRange) and k.last < 0 for k in keys) else "arg"
        words.append(f"[{more} ...]")
    return " ".join(words)


def _syntax(name: str, line: str) -> str:
    """The syntax line given, its first word (the name) in upper case, once it parses."""
    head, _, rest = line.strip().partition(" ")
    if head.upper() != name:
        raise ConfigError(f"register_command {name}: the syntax line must start with "
                          f"the name ({line!r})")
    line = f"{name} {rest.strip()}".rstrip()
    try:
        parse(line)
    except (ValueError, IndexError) as err:
        raise ConfigError(f"register_command {name}: cannot read the syntax line "
                          f"{line!r}: {err}") from None
    return line


__all__ = [
    "FLAGS",
    "FunctionCommand",
    "Handler",
    "KeyNum",
    "KeyRange",
    "LuaCommand",
    "register_command",
    "registered",
    "string_value",
    "unregister_command",
]
