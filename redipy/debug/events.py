"""The plain data a debugging run produces: one :class:`TraceEvent` per step.

Events are snapshots: ``locals`` and ``reply`` are copies taken when the event
happened, so a later step never changes an event already handed out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from redipy.errors import ResponseError

STMT = "stmt"
"""About to run a statement (for loops: also before every further turn)."""
CALL = "call"
"""A Redis command just ran: ``command``, ``args`` and ``reply`` (or ``error``)."""
ERROR = "error"
"""The script failed at this statement; ``error`` holds the message (the last event)."""
RETURN = "return"
"""The script ended; ``reply`` holds the value a normal run returns (the last event)."""
LOG = "log"
"""A line the script logged for the debugger (``redis.debug``): the text is ``reply``."""


@dataclass(frozen=True)
class TraceEvent:
    """One step of a traced script.

    ``statement`` is the IR statement kind (``declare``, ``assign``, ``set_at``,
    ``set_key``, ``call``, ``eval``, ``if``, ``while``, ``for``, ``break``,
    ``return``); for ``call`` events it is the statement the command belongs to.
    ``lua_line`` / ``lua_text`` locate it in the generated Lua (0 / "" when the
    script ended without a return statement), ``origin`` is the ``file.py:NN`` that
    built it. ``locals`` maps the variables in scope to their values (names as the
    user gave them where they could be found, else the Lua names); for ``call``,
    ``error`` and ``return`` events they are those of the statement's start.
    """

    step: int
    kind: str
    statement: str
    lua_line: int
    lua_text: str
    origin: str
    locals: dict[str, Any] = field(default_factory=dict)
    command: str | None = None
    args: tuple[str, ...] | None = None
    reply: Any = None
    error: str | None = None
    sid: int = -1
    """The statement's id (pre-order number in the IR); -1 when there is none."""
    frames: tuple[tuple[int, str, dict[str, Any]], ...] = ()
    """Raw Lua only: (current line, function name, locals) of each frame of the
    script, innermost first (``trace`` and ``print`` read them)."""
    log: tuple[str, ...] = ()
    """Raw Lua only: the lines ldb logs for a ``call`` event (``<command>``, ``<reply>``,
    ``<error>``)."""


@dataclass
class DebugResult:
    """A finished debugging run: every event, and what a normal run would give.

    ``value`` is exactly what calling the registered script returns; on failure it
    is ``None``, ``error`` is the message and ``exception`` the error a normal call
    raises (a :class:`~redipy.script.ScriptRunError` for builder scripts).
    """

    events: list[TraceEvent]
    value: Any
    error: str | None = None
    exception: ResponseError | None = None
    aborted: bool = False
    synced: bool = False
    """True when the run's changes were applied to the client (``sync=True``)."""

    @property
    def calls(self) -> list[tuple[str, tuple[str, ...], Any]]:
        """``(command, args, reply)`` of every Redis call, in order."""
        return [(e.command or "", e.args or (), e.reply) for e in self.events
                if e.kind == CALL]
