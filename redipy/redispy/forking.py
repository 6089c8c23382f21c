"""What a forked child finds of the drop-in: its own copy of the data, nothing of the
parent's that could hang or misroute.

redis-py resets a connection pool in a forked child (``ConnectionPool._checkpid``) so
the child never shares the parent's sockets; the child then reaches the same server.
A memory backend lives in the process, so the child gets a copy of it as fork leaves
it (as with fakeredis): the child's writes stay in the child, the parent's in the
parent. :func:`os.register_at_fork` makes that copy sound:

- before the fork, the databases' locks of every backend a drop-in connection uses
  are taken (waiting at most :data:`WAIT` seconds in all for a command running in
  another thread), so the copy holds no command half done;
- in the child, the locks other threads may hold are made new (the backend's, its
  broker's, every memory pool's), the blocked commands of threads that do not exist
  there leave the queues they would otherwise hold up, every pool is reset as redis-py
  resets it, and every connection made in the parent is closed as a server closes a
  socket (a connection the child still holds reconnects on its next command, as
  after ``CLIENT KILL``).

:data:`PID` is this process's id, kept by the same hooks: the clients' fast path
compares it with a pool's ``pid`` instead of calling ``os.getpid()`` (100 ns) per
command.
"""

from __future__ import annotations

import os
import time
import weakref
from typing import Any

from redipy.memory import cmd_blocking, serverstate

PID = os.getpid()
"""This process's id (updated in a forked child before any of its code runs)."""

WAIT = 1.0
"""The longest a fork waits for commands running in other threads, in seconds."""

_BACKENDS: weakref.WeakSet[Any] = weakref.WeakSet()
_CONNECTIONS: weakref.WeakSet[Any] = weakref.WeakSet()
_POOLS: weakref.WeakSet[Any] = weakref.WeakSet()
_held: list[Any] = []


def track_connection(conn: Any) -> None:
    """A drop-in connection (sync or asyncio; it has ``backend`` and ``_forked()``)."""
    _CONNECTIONS.add(conn)
    _BACKENDS.add(conn.backend)


def track_pool(pool: Any, backend: Any) -> None:
    """A redis-py pool of drop-in connections to ``backend`` (reset in a child)."""
    _POOLS.add(pool)
    _BACKENDS.add(backend)


def _backends() -> list[Any]:
    return list(_BACKENDS)


def _before() -> None:
    deadline = time.monotonic() + WAIT
    for backend in _backends():
        for db in backend.dbs:
            if db.lock.acquire(timeout=max(0.0, deadline - time.monotonic())):
                _held.append(db.lock)


def _after_in_parent() -> None:
    while _held:
        _held.pop().release()


def _after_in_child() -> None:
    global PID
    PID = os.getpid()
    _held.clear()
    for backend in _backends():
        for db in backend.dbs:
            db.cond._at_fork_reinit()  # the lock and waiters
            waiters = {id(w): w for line in db.blocked.values() for w in line}
            for waiter in waiters.values():  # threads of the parent: gone here
                waiter.cond._at_fork_reinit()
                cmd_blocking.dequeue(db, waiter)
        serverstate.server_state(backend).lock._at_fork_reinit()  # type: ignore[attr-defined]
        backend.broker.lock._at_fork_reinit()
    serverstate._MAKE_LOCK._at_fork_reinit()  # type: ignore[attr-defined]
    for pool in list(_POOLS):
        pool._lock._at_fork_reinit()
        pool._fork_lock._at_fork_reinit()
        pool.reset()
    for conn in list(_CONNECTIONS):
        conn._forked()


os.register_at_fork(before=_before, after_in_parent=_after_in_parent,
                    after_in_child=_after_in_child)
