"""A script past ``busy-reply-threshold``: what the other clients get meanwhile.

A script (EVAL, FCALL) runs holding its database's lock. A door that finds the lock
taken calls :func:`wait_turn` instead of waiting blindly: it waits in short slices and,
once the Lua hook has marked the running script busy (it ran longer than the
threshold), refuses the command with the server's BUSY text, except the few commands
a server still answers then (SCRIPT KILL, FUNCTION KILL, FUNCTION STATS, SHUTDOWN
NOSAVE / ABORT, MULTI, DISCARD, WATCH, UNWATCH), which run without the lock. The doors' common
case (the lock is free) costs nothing here: ``lock.acquire(False)`` first.

A client session (:class:`~redipy.memory.client.ClientSession`) asks :func:`refused`
before its connection-state commands: Valkey 9.1 answers the commands flagged
``allow_busy`` (AUTH, HELLO, MULTI, DISCARD, WATCH, UNWATCH, QUIT, RESET, SELECT and
CLIENT ID / GETNAME / SETNAME / REPLY / SETINFO / ...) while a script is busy and
refuses the rest, PING and SUBSCRIBE included; a refused command inside MULTI makes
EXEC fail, and a refused EXEC discards the transaction ("EXECABORT Transaction
discarded because of: BUSY ..."). Valkey 8.1 and Redis 7.0 also refuse SELECT and
CLIENT's subcommands; this follows Valkey 9.1. WATCH and UNWATCH change the watched
keys without the lock then (:func:`hold`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from redipy.errors import ExecAbortError, ResponseError

if TYPE_CHECKING:
    from redipy.memory.db import Database

POLL = 0.002
"""Seconds a waiting door sleeps on the lock before it looks whether the script holding
it became busy."""

EVAL_BUSY = ("BUSY Valkey is busy running a script. You can only call SCRIPT KILL or "
             "SHUTDOWN NOSAVE.")
FUNCTION_BUSY = ("BUSY Valkey is busy running a script. You can only call FUNCTION KILL "
                 "or SHUTDOWN NOSAVE.")
EXEC_BUSY = "EXECABORT Transaction discarded because of: "

_ANSWERED = frozenset({"SCRIPT", "FUNCTION", "SHUTDOWN", "MULTI", "DISCARD", "WATCH",
                       "UNWATCH"})
"""Backend commands whose allowed forms run without the lock while a script is busy."""
_TX = frozenset({"MULTI", "DISCARD", "WATCH", "UNWATCH"})
_SHUTDOWN_SAVING = frozenset({"SAVE", "NOW", "FORCE"})
"""SHUTDOWN's words that leave it a saving shutdown (BUSY while a script is busy)."""

ALLOW_BUSY = frozenset({"AUTH", "HELLO", "MULTI", "DISCARD", "WATCH", "UNWATCH", "QUIT",
                        "RESET", "SELECT", "REPLCONF", "SHUTDOWN"})
"""Valkey 9.1's commands flagged ``allow_busy`` (COMMAND INFO), whole commands."""
ALLOW_BUSY_SUB = {
    "CLIENT": frozenset({"CACHING", "CAPA", "GETNAME", "GETREDIR", "ID", "NO-EVICT",
                         "NO-TOUCH", "REPLY", "SETINFO", "SETNAME"}),
    "SCRIPT": frozenset({"KILL"}),
    "FUNCTION": frozenset({"KILL", "STATS"}),
}
"""... and subcommands; a subcommand the server does not know is answered with its
unknown-subcommand error first."""
_KNOWN_SUB = {
    "CLIENT": frozenset({"INFO", "LIST", "KILL", "PAUSE", "UNPAUSE", "UNBLOCK", "TRACKING",
                         "TRACKINGINFO", "HELP", "IMPORT-SOURCE"}),
}


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


def exec_refused(ctx: Any) -> ExecAbortError:
    """What a refused EXEC answers (the transaction is discarded)."""
    return ExecAbortError(EXEC_BUSY + busy_error(ctx).message)


def allowed(name: str, args: Sequence[str]) -> bool:
    """Whether a server answers ``name args`` while a script is busy (lock-free here)."""
    upper = name.upper()
    if upper not in _ANSWERED:
        return False
    if upper in _TX:
        return True
    if upper == "SHUTDOWN":  # Valkey 9.1's order: its syntax errors and ABORT's answer
        # first, then BUSY for a form that would save a half-run script's writes
        words = {a.upper() for a in args}
        return "NOSAVE" in words or "ABORT" in words or not words <= _SHUTDOWN_SAVING
    sub = args[0].upper() if args else ""
    return sub == "KILL" or (upper == "FUNCTION" and sub == "STATS")


def allow_busy(upper: str, argv: Sequence[str]) -> bool:
    """Whether a client's ``argv`` (``upper`` its name) gets past a busy script's gate,
    as Valkey 9.1's ``allow_busy`` flag (and an unknown subcommand's error) has it."""
    if upper in ALLOW_BUSY:
        return True
    subs = ALLOW_BUSY_SUB.get(upper)
    if subs is None or len(argv) < 2:
        return False
    sub = argv[1].upper()
    return sub in subs or (upper in _KNOWN_SUB and sub not in _KNOWN_SUB[upper])


def refused(db: Database, upper: str, argv: Sequence[str]) -> Any:
    """The busy script's context when a client's command is refused now, else None."""
    ctx = busy_script(db)
    if ctx is None or allow_busy(upper, argv):
        return None
    return ctx


def wait_turn(db: Database, name: str, args: Sequence[str]) -> bool:
    """For a door that found ``db.lock`` taken: True once it holds the lock; False when
    a busy script holds it and the command is one to answer meanwhile without the lock;
    raises the server's BUSY error for any other command while a script is busy (EXEC:
    the transaction is discarded, see :func:`exec_refused`). A busy script is looked at
    before each wait, so refusals come at once."""
    lock = db.lock
    while True:
        ctx = busy_script(db)
        if ctx is not None:
            if allowed(name, args):
                return False
            if name.upper() == "EXEC":
                server = getattr(db, "server", None)
                if server is not None:
                    server.thread_session().close()
                raise exec_refused(ctx)
            raise busy_error(ctx)
        if lock.acquire(timeout=POLL):
            return True


def hold(db: Database) -> bool:
    """For WATCH / UNWATCH: True once ``db.lock`` is held (the caller releases it); False
    when a busy script holds it (the caller changes ``db.watchers`` copy-on-write then:
    the script's writes iterate the sets they found)."""
    lock = db.lock
    if lock.acquire(False):
        return True
    while busy_script(db) is None:
        if lock.acquire(timeout=POLL):
            return True
    return False


def refuse_if_busy(db: Database) -> None:
    """For a batch door that found the lock taken: wait for it (returns holding it) or
    raise BUSY (a pipeline's or transaction's commands are all refused then)."""
    lock = db.lock
    while True:
        ctx = busy_script(db)
        if ctx is not None:
            raise busy_error(ctx)
        if lock.acquire(timeout=POLL):
            return
