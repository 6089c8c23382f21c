"""Blocking commands for the asyncio client: wait without blocking the event loop.

The sync client lets a blocking command (BLPOP, BZPOPMIN, BLMOVE, ...) wait on the
backend's condition in the caller's thread. An event loop must not wait like that, so
here the command first runs with ``db.no_block`` (it answers at once, nil when there
is nothing to pop); on nil the task awaits a wake-up that a write to one of the
command's keys sends from whatever thread made it (``Database.on_touch``), then tries
again, until something is popped or the command's timeout passes. A cancelled task
simply stops waiting: it has popped nothing.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from typing import Any

from redipy import commands
from redipy.memory.db import Database


def blocking_timeout(name: str, argv: Sequence[str]) -> float | None:
    """The command's timeout in seconds (``None`` = wait forever); ``argv`` is
    well formed (the non-blocking try already checked it)."""
    if name in ("BLMPOP", "BZMPOP"):
        text = argv[1]
    elif name in ("XREAD", "XREADGROUP"):
        upper = [a.upper() for a in argv]
        if "BLOCK" not in upper:
            return -1.0
        return _or_forever(float(argv[upper.index("BLOCK") + 1]) / 1000.0)
    else:
        text = argv[-1]
    return _or_forever(float(text))


def _or_forever(seconds: float) -> float | None:
    return None if seconds == 0 else seconds


def keys_of(name: str, argv: Sequence[str]) -> set[str]:
    spec = commands.COMMANDS.get(name)
    if spec is None:
        return set()
    return {argv[i] for i in spec.key_positions(list(argv)) if i < len(argv)}


def is_blocking(name: str) -> bool:
    spec = commands.COMMANDS.get(name)
    return spec is not None and spec.blocking


async def run_blocking(db: Database, name: str, argv: Sequence[str],
                       attempt: Callable[[], Any]) -> Any:
    """``attempt()`` (the command with ``no_block``) until it pops or times out."""
    reply = attempt()
    if reply is not None:
        return reply
    timeout = blocking_timeout(name, argv)
    if timeout is not None and timeout < 0:
        return reply
    keys = keys_of(name, argv)
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def touched(key: str) -> None:
        if key in keys:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # the loop has closed; nobody waits any more
                pass

    deadline = None if timeout is None else time.monotonic() + timeout
    with db.lock:
        db.on_touch.append(touched)
    try:
        while True:
            reply = attempt()
            if reply is not None:
                return reply
            if deadline is None:
                await wake.wait()
            else:
                left = deadline - time.monotonic()
                if left <= 0:
                    return None
                try:
                    await asyncio.wait_for(wake.wait(), left)
                except TimeoutError:
                    return None
            wake.clear()
    finally:
        with db.lock:
            try:
                db.on_touch.remove(touched)
            except ValueError:
                pass
