"""Blocking commands for the asyncio client: wait without blocking the event loop.

The sync client lets a blocking command (BLPOP, BZPOPMIN, BLMOVE, XREAD BLOCK, ...) wait
on the backend's condition in the caller's thread. An event loop must not wait like
that, so the asyncio connection runs it with ``block=False``: when there is nothing to
pop the client session answers :class:`~redipy.memory.client.Blocked` (its keys and
timeout), and the task awaits a wake-up that a write to one of those keys sends from
whatever thread made it (``Database.on_touch``), then tries again
(:meth:`DropInSession.retry`), until something is popped or the timeout passes. A
cancelled task simply stops waiting: it has popped nothing.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from redipy.memory.client import Blocked
from redipy.redispy.session import DropInSession


async def wait_blocked(session: DropInSession, blocked: Blocked) -> Any:
    """The blocked command's reply once a write serves it; ``None`` on timeout."""
    db = session.db
    keys = set(blocked.keys)
    loop = asyncio.get_running_loop()
    wake = asyncio.Event()

    def touched(key: str) -> None:
        if key in keys:
            try:
                loop.call_soon_threadsafe(wake.set)
            except RuntimeError:  # the loop has closed; nobody waits any more
                pass

    deadline = None if blocked.timeout_ms == 0 else time.monotonic() + blocked.timeout_ms / 1000
    with db.lock:
        db.on_touch.append(touched)
    try:
        while True:
            reply = session.retry(blocked)
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
