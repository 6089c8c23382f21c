"""A script past ``busy-reply-threshold``: what the other clients get meanwhile.

A script (EVAL, FCALL) runs holding its database's lock. A door that finds the lock
taken calls :func:`wait_turn` instead of waiting blindly: it waits in short slices and,
once the Lua hook has marked the running script busy (it ran longer than the
threshold), refuses the command with the server's BUSY text, except the few commands
a server still answers then (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN),
which run without the lock. The doors' common case (the lock is free) costs nothing
here: ``lock.acquire(False)`` first.

The connection-state commands a server also allows while busy (MULTI, WATCH, HELLO,
SELECT, ...) wait for the script here, as they touch the database's tables.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from redipy.errors import ResponseError

if TYPE_CHECKING:
    from redipy.memory.db import Database

POLL = 0.002
"""Seconds a waiting door sleeps on the lock before it looks whether the script holding
it became busy."""

EVAL_BUSY = ("BUSY Valkey is busy running a script. You can only call SCRIPT KILL or "
             "SHUTDOWN NOSAVE.")
FUNCTION_BUSY = ("BUSY Valkey is busy running a script. You can only call FUNCTION KILL "
                 "or SHUTDOWN NOSAVE.")

_ANSWERED = frozenset({"SCRIPT", "FUNCTION", "SHUTDOWN"})
"""Commands whose allowed forms (SCRIPT KILL, FUNCTION KILL / STATS, SHUTDOWN) run
without the lock while a script is busy."""


def busy_script(db: Database) -> Any:
    """The running script's context (:class:`~redipy.memory.lua.runtime.RunContext`)
    when one is past the threshold on ``db``'s server, else None."""
    owner = getattr(db, "server", None) or db
    rt = getattr(owner, "_redipy_lua_runtime", None)
    if rt is None:
        return None
    ctx = rt.ctx
    if ctx is None or not ctx.busy:
        return None
    return ctx


def busy_error(ctx: Any) -> ResponseError:
    return ResponseError(FUNCTION_BUSY if ctx.name else EVAL_BUSY)


def allowed(name: str, args: Sequence[str]) -> bool:
    """Whether a server answers ``name args`` while a script is busy (lock-free here)."""
    upper = name.upper()
    if upper not in _ANSWERED:
        return False
    if upper == "SHUTDOWN":  # without NOSAVE it would save a half-run script's writes
        return any(a.upper() == "NOSAVE" for a in args)
    sub = args[0].upper() if args else ""
    return sub == "KILL" or (upper == "FUNCTION" and sub == "STATS")


def wait_turn(db: Database, name: str, args: Sequence[str]) -> bool:
    """For a door that found ``db.lock`` taken: True once it holds the lock; False when
    a busy script holds it and the command is one to answer meanwhile without the lock;
    raises the server's BUSY error for any other command while a script is busy."""
    lock = db.lock
    while not lock.acquire(timeout=POLL):
        ctx = busy_script(db)
        if ctx is not None:
            if allowed(name, args):
                return False
            raise busy_error(ctx)
    return True


def refuse_if_busy(db: Database) -> None:
    """For a batch door that found the lock taken: wait for it (returns holding it) or
    raise BUSY (a pipeline's or transaction's commands are all refused then)."""
    lock = db.lock
    while not lock.acquire(timeout=POLL):
        ctx = busy_script(db)
        if ctx is not None:
            raise busy_error(ctx)
