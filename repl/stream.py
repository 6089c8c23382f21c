"""Streaming modes: SUBSCRIBE, PSUBSCRIBE, SSUBSCRIBE and MONITOR print what arrives
until Ctrl-C, in redis-cli's format (``Reading messages... (press Ctrl-C to quit)``,
then each message as an array; MONITOR's lines as they come).

On a server the shell's own connection enters the mode and is dropped afterwards, so
the server forgets every subscription (and the MONITOR) at once; the next command
reconnects to the same database. On the memory backend the shell's client session
(:class:`redipy.memory.client.ClientSession`) subscribes or monitors (MONITOR hears the
backend's command events, :meth:`redipy.memory.backend.MemoryBackend.add_monitor`) and
unsubscribes / stops on the way out.
"""

from __future__ import annotations

import queue
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from redipy.errors import ResponseError

if TYPE_CHECKING:
    from redipy.repl.shell import Shell

STREAMING = frozenset({"SUBSCRIBE", "PSUBSCRIBE", "SSUBSCRIBE", "MONITOR"})

READING = "Reading messages... (press Ctrl-C to quit)"


def streams(argv: Sequence[str]) -> bool:
    """Whether ``argv`` starts a streaming mode (MONITOR takes no arguments)."""
    name = argv[0].upper()
    if name == "MONITOR":
        return len(argv) == 1
    return name in STREAMING and len(argv) > 1


def run(shell: Shell, argv: list[str], *, until: Callable[[], bool] | None = None) -> None:
    """Stream until Ctrl-C (or ``until()`` turns true: tests and notebooks)."""
    name = argv[0].upper()
    wire = shell.session.wire
    try:
        if wire is not None:
            _wire(shell, wire, argv, name, until)
        elif shell.session.kind == "memory":
            _memory(shell, argv, name, until)
        else:
            shell.show(ResponseError(
                f"ERR {name} streams on a single server or the memory backend; "
                "this session goes through a cluster or key-prefix client"), argv)
    except KeyboardInterrupt:
        pass


def _stopped(until: Callable[[], bool] | None) -> bool:
    return until is not None and until()


def _header(shell: Shell, name: str) -> None:
    if name != "MONITOR" and shell.mode != "raw":
        shell.echo(READING)


def _wire(shell: Shell, wire: Any, argv: list[str], name: str,
          until: Callable[[], bool] | None) -> None:
    wire.send(argv)
    try:
        first = wire.read()
        if isinstance(first, ResponseError):
            shell.show(first, argv)
            return
        _header(shell, name)
        shell.show(first, argv)
        while not _stopped(until):
            try:
                reply = wire.read(timeout=0.1 if until is not None else None)
            except TimeoutError:
                continue
            shell.show(reply, argv)
    finally:
        wire.reset()  # the server drops every subscription / the MONITOR with the socket


def _memory(shell: Shell, argv: list[str], name: str,
            until: Callable[[], bool] | None) -> None:
    """On the shell's client session: its pushes (messages, MONITOR lines) come through
    ``on_push``; on the way out it unsubscribes / stops monitoring, keeping its database."""
    from redipy.repl.session import memory_reply

    session = shell.session
    conn = session.memory_conn()
    events: queue.SimpleQueue[Any] = queue.SimpleQueue()
    conn.on_push = events.put
    try:
        try:
            first = session.execute(argv)
        except ResponseError as err:
            shell.show(err, argv)
            return
        _header(shell, name)
        for reply in (first if name != "MONITOR" else [first]):
            shell.show(reply, argv)
        while not _stopped(until):
            try:
                pushed = events.get(timeout=0.1)
            except queue.Empty:
                continue
            shell.show(memory_reply(pushed), argv)
    finally:
        conn.on_push = None
        if name == "MONITOR":
            conn.stop_monitoring()
        else:
            for undo in ("UNSUBSCRIBE", "PUNSUBSCRIBE"):
                conn.execute([undo])


def monitor_line(when: float, db: int, origin: str, argv: Sequence[str]) -> str:
    """One MONITOR line as a server writes it: ``1700000000.123456 [0 memory] "SET" "a"``."""
    from redipy.repl.render import quote
    from redipy.repl.session import from_bytes_view

    words = " ".join(quote(from_bytes_view(a)) for a in argv)  # the backend's byte strings
    return f"{when:.6f} [{db} {origin}] {words}"
