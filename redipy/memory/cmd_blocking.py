"""Memory backend handlers: the blocking pops (BLPOP, BRPOP, BLMOVE, BRPOPLPUSH,
BLMPOP, BZPOPMIN, BZPOPMAX, BZMPOP).

A blocking command first tries its non-blocking twin (``LPOP``, ``LMOVE``, ``ZMPOP``
...). When there is nothing to pop it waits on a condition of its own, bound to the
database lock (waiting releases the lock, so other clients run meanwhile). Waiters
queue per key in the order they blocked. A write to a key (every write goes through
:meth:`Database.touch`) marks it ready and wakes one waiter of its line; that one, once
it holds the lock (the writing command or transaction is done by then), runs the
serving round for everyone, as Redis does after each command: each ready key's line is
served first come first served, each blocked command re-run (as Redis 7.2+ re-runs it,
so errors found then, a BLMOVE destination of the wrong type, are reported the same
way) while the value can serve it. Only the clients served are woken, with their reply;
nobody races for what one write brought. No polling: a waiter sleeps until a write or
its deadline.

Inside EXEC (``db.no_block``) a blocking command answers at once, nil when empty.
"""

from __future__ import annotations

import math
import threading
import time
import weakref
from collections import deque
from collections.abc import Callable, Sequence
from fractions import Fraction
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.numbers import INT64_MAX, parse_int, parse_long_double
from redipy.memory.registry import HANDLERS, command
from redipy.memory.structs import RList, RZSet

NOT_A_TIMEOUT = "ERR timeout is not a float or out of range"
NEGATIVE_TIMEOUT = "ERR timeout is negative"
TIMEOUT_RANGE = "ERR timeout is out of range"
SYNTAX = "ERR syntax error"

Attempt = Callable[[], Any]

Parking = tuple[list[str], Sequence[str], int, type, bool]
"""How a command that found nothing waits without a thread: the arguments to retry it
with (as resolved now), its keys, its timeout in ms (0: forever), the kind of value that
serves it, and whether a write of *any* kind to a key retries it (XREADGROUP)."""

PARKERS: dict[str, Callable[[Database, Sequence[str]], Parking | None]] = {}
"""Commands that say themselves how they park (XREAD / XREADGROUP ... BLOCK: the ``$``
IDs are resolved when they park); ``None`` from one: it does not wait at all."""


_TIMEOUTS: dict[str, int] = {}
"""Timeouts already parsed (clients repeat the same few); only values far from the
64-bit limit, whose check does not depend on the clock."""


def parse_timeout(db: Database, text: str) -> int:
    """A blocking timeout in seconds, as Redis 7.2+ reads it, in whole milliseconds
    (rounded up); 0 means wait forever. Raises Redis's error replies."""
    known = _TIMEOUTS.get(text)
    if known is not None:
        return known
    tval = _parse_timeout(db, text)
    if tval < 1 << 50:
        if len(_TIMEOUTS) >= 1024:
            _TIMEOUTS.clear()
        _TIMEOUTS[text] = tval
    return tval


def _parse_timeout(db: Database, text: str) -> int:
    whole = parse_int(text)
    if whole is not None:  # the common case, without fractions
        millis: int | Fraction = whole * 1000
    else:
        value = parse_long_double(text)
        if value is None:
            raise ResponseError(NOT_A_TIMEOUT)
        if isinstance(value, float):  # +-inf
            raise ResponseError(TIMEOUT_RANGE if value > 0 else NEGATIVE_TIMEOUT)
        millis = value * 1000
    if millis > INT64_MAX:
        raise ResponseError(TIMEOUT_RANGE)
    tval = math.ceil(millis)
    if tval < 0:
        raise ResponseError(NEGATIVE_TIMEOUT)
    if tval > 0 and tval > INT64_MAX - db.clock():
        raise ResponseError(TIMEOUT_RANGE)
    return tval


# ---- the waiting room ------------------------------------------------------------------


class Waiter:
    """One blocked client: the keys it waits on, what kind of value serves it, the
    command to re-run (``attempt``), and the condition it sleeps on (bound to the
    database lock). ``any_write``: re-run whatever the key holds after a write (a
    blocked XREADGROUP answers NOGROUP or WRONGTYPE then, as Valkey re-runs it).
    ``done`` / ``reply`` are set by whichever thread serves it (the lock held)."""

    __slots__ = ("any_write", "attempt", "cond", "done", "keys", "kind", "reply")

    def __init__(self, keys: Sequence[str], kind: type, lock: Any, attempt: Attempt, *,
                 any_write: bool = False) -> None:
        self.keys = tuple(dict.fromkeys(keys))
        self.kind = kind
        self.cond = threading.Condition(lock)
        self.attempt = attempt
        self.any_write = any_write
        self.done = False
        self.reply: Any = None


class Room:
    """A database's waiting room bookkeeping besides ``db.blocked`` (key -> line): the
    keys written since the last serving round, in the order they became ready (Redis's
    ready list), and the touch hook that fills it."""

    __slots__ = ("hook", "ready")

    def __init__(self, hook: Callable[[str], None]) -> None:
        self.hook = hook
        self.ready: dict[str, None] = {}


_ROOMS: weakref.WeakKeyDictionary[Database, Room] = weakref.WeakKeyDictionary()


def _servable(waiter: Waiter, kind: type) -> bool:
    return waiter.kind is kind or waiter.any_write


def _room_of(db: Database) -> Room:
    room = _ROOMS.get(db)
    if room is None:
        ref = weakref.ref(db)
        ready: dict[str, None] = {}

        def touched(key: str) -> None:
            """Called by every write while someone waits (the lock held, mid-command):
            mark the key ready and wake one waiter of its line to serve the line after
            the command; the others sleep on."""
            target = ref()
            if target is None:
                return
            line = target.blocked.get(key)
            if line:
                ready[key] = None
                kind = type(target.data.get(key))
                for waiter in line:
                    if _servable(waiter, kind):
                        waiter.cond.notify()
                        return
                line[0].cond.notify()  # the command may not be done with the key yet

        room = _ROOMS[db] = Room(touched)
        room.ready = ready
    return room


def serve_ready(db: Database) -> None:
    """One serving round, as Redis runs it after each command (the lock held): for each
    key written since the last round, in that order, re-run the blocked commands of its
    line first come first served, each that the value can serve; one that gets a reply
    (or an error) leaves every line with it and is woken. Writes made while serving (a
    BLMOVE's destination) are served in the same round."""
    room = _ROOMS.get(db)
    if room is None:
        return
    ready = room.ready
    blocked = db.blocked
    while ready:
        key = next(iter(ready))
        del ready[key]
        line = blocked.get(key)
        if not line:
            continue
        for waiter in tuple(line):
            if waiter.done or not _servable(waiter, type(db.get(key))):
                continue
            try:
                reply = waiter.attempt()
            except Exception as err:  # delivered to (raised in) the waiter's own thread
                reply = err
            if reply is not None:
                waiter.reply = reply
                waiter.done = True
                dequeue(db, waiter)
                waiter.cond.notify()
    if not blocked:
        ready.clear()


def enqueue(db: Database, waiter: Waiter) -> None:
    """Put a waiter in line on its keys (the lock held)."""
    if not db.blocked:
        hook = _room_of(db).hook
        if hook not in db.on_touch:
            db.on_touch.append(hook)
    for key in waiter.keys:
        line = db.blocked.get(key)
        if line is None:
            line = db.blocked[key] = deque()
        line.append(waiter)


def dequeue(db: Database, waiter: Waiter) -> None:
    """Take a waiter out of every line (the lock held); the last one out unhooks."""
    blocked = db.blocked
    for key in waiter.keys:
        line = blocked.get(key)
        if line is None:
            continue
        try:
            line.remove(waiter)
        except ValueError:
            pass
        if not line:
            del blocked[key]
    if not blocked:
        room = _ROOMS.get(db)
        if room is not None and room.hook in db.on_touch:
            db.on_touch.remove(room.hook)


def serve_or_wait(db: Database, keys: Sequence[str], kind: type, timeout_ms: int,
                  attempt: Attempt) -> Any:
    """Run ``attempt`` (the non-blocking command; ``None`` = nothing to pop); if it finds
    nothing, wait in line on ``keys`` until a write serves us or the timeout passes.
    Called with the database lock held (``MemoryBackend.run``)."""
    reply = attempt()
    if reply is not None or db.no_block:
        return reply
    return wait_in_line(db, keys, kind, timeout_ms, attempt)


def wait_in_line(db: Database, keys: Sequence[str], kind: type, timeout_ms: int,
                 attempt: Attempt, *, any_write: bool = False) -> Any:
    """Sleep (the lock released) until a serving round hands us a reply, or until the
    timeout (``None``). Whoever is woken first after a write runs the round for all
    (:func:`serve_ready`), so only the clients it serves wake, in the order they
    blocked, and none races another for what a write brought."""
    deadline = None if timeout_ms == 0 else time.monotonic() + timeout_ms / 1000.0
    waiter = Waiter(keys, kind, db.lock, attempt, any_write=any_write)
    enqueue(db, waiter)
    room = _ROOMS[db]
    try:
        while True:
            if deadline is None:
                waiter.cond.wait()
            else:
                remaining = deadline - time.monotonic()
                if remaining > 0:
                    waiter.cond.wait(remaining)
            if room.ready:
                serve_ready(db)
            if waiter.done:
                reply = waiter.reply
                if isinstance(reply, Exception):
                    raise reply
                return reply
            if deadline is not None and deadline - time.monotonic() <= 0:
                return None
    finally:
        if not waiter.done:
            dequeue(db, waiter)


def waiting_clients(db: Database) -> int:
    """How many clients are blocked on this database (for tests and INFO-like views)."""
    seen: set[int] = set()
    for line in db.blocked.values():
        seen.update(id(w) for w in line)
    return len(seen)


# ---- argument checks that must come before the timeout -----------------------------------


def _absent_key(db: Database) -> str:
    """A key name that holds nothing, to run a command's syntax checks without data."""
    name = "\x00redipy:absent"
    while name in db.data:
        name += "\x00"
    return name


def _check_syntax_only(db: Database, handler_name: str, args: Sequence[str]) -> None:
    """Run LMPOP/ZMPOP's own argument checks on ``args`` with every key replaced by an
    absent one, so nothing is popped: Redis checks the syntax before the timeout."""
    numkeys = parse_int(args[0]) if args else None
    patched = list(args)
    if numkeys is not None and numkeys > 0:
        absent = _absent_key(db)
        for i in range(1, min(numkeys + 1, len(patched))):
            patched[i] = absent
    HANDLERS[handler_name](db, patched)


def _direction(text: str) -> str:
    upper = text.upper()
    if upper not in ("LEFT", "RIGHT"):
        raise ResponseError(SYNTAX)
    return upper


# ---- the commands ----------------------------------------------------------------------


def _list_pop(name: str) -> Callable[[Database, Sequence[str]], Any]:
    def handler(db: Database, args: Sequence[str]) -> Any:
        keys = args[:-1]
        timeout = parse_timeout(db, args[-1])
        pop = HANDLERS[name]
        for key in keys:  # the common case first: something to pop right away
            value = pop(db, (key,))
            if value is not None:
                return [key, value]
        if db.no_block:
            return None

        def attempt() -> Any:
            for key in keys:
                value = pop(db, (key,))
                if value is not None:
                    return [key, value]
            return None

        return wait_in_line(db, keys, RList, timeout, attempt)

    return handler


command("BLPOP")(_list_pop("LPOP"))
command("BRPOP")(_list_pop("RPOP"))


@command("BLMOVE")
def cmd_blmove(db: Database, args: Sequence[str]) -> Any:
    src, dst = args[0], args[1]
    wherefrom, whereto = _direction(args[2]), _direction(args[3])
    timeout = parse_timeout(db, args[4])
    lmove = HANDLERS["LMOVE"]
    return serve_or_wait(db, (src,), RList, timeout,
                         lambda: lmove(db, (src, dst, wherefrom, whereto)))


@command("BRPOPLPUSH")
def cmd_brpoplpush(db: Database, args: Sequence[str]) -> Any:
    src, dst = args[0], args[1]
    timeout = parse_timeout(db, args[2])
    rpoplpush = HANDLERS["RPOPLPUSH"]
    return serve_or_wait(db, (src,), RList, timeout, lambda: rpoplpush(db, (src, dst)))


def _multi_pop(name: str, kind: type) -> Callable[[Database, Sequence[str]], Any]:
    def handler(db: Database, args: Sequence[str]) -> Any:
        rest = args[1:]
        try:
            timeout = parse_timeout(db, args[0])
        except ResponseError:
            _check_syntax_only(db, name, rest)
            raise
        pop = HANDLERS[name]
        reply = pop(db, rest)  # also checks the syntax
        if reply is not None or db.no_block:
            return reply
        numkeys = parse_int(rest[0]) or 0
        keys = rest[1:numkeys + 1]
        return wait_in_line(db, keys, kind, timeout, lambda: pop(db, rest))

    return handler


command("BLMPOP")(_multi_pop("LMPOP", RList))
command("BZMPOP")(_multi_pop("ZMPOP", RZSet))


def _zset_pop(name: str) -> Callable[[Database, Sequence[str]], Any]:
    def handler(db: Database, args: Sequence[str]) -> Any:
        keys = args[:-1]
        timeout = parse_timeout(db, args[-1])
        pop = HANDLERS[name]

        def attempt() -> Any:
            for key in keys:
                popped = pop(db, (key,))
                if popped:
                    return [key, *popped]
            return None

        return serve_or_wait(db, keys, RZSet, timeout, attempt)

    return handler


command("BZPOPMIN")(_zset_pop("ZPOPMIN"))
command("BZPOPMAX")(_zset_pop("ZPOPMAX"))
