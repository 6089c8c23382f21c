"""Step through a redipy script: the debugger engine (no UI code here).

:class:`Debugger` runs any script, on a memory or a Redis-backed client, through
the memory backend's trace-mode compilation, one event at a time, with the
vocabulary of Redis's own Lua debugger (``redis-cli --ldb``): ``step``, ``continue``,
``break``, ``list``, ``print``, ``eval``, ``redis``, ``abort``, ``restart``.
:meth:`Debugger.execute` takes those commands as text (the shell and notebooks use
it); :func:`trace_run` returns the whole trace of one run.

The script runs against copies of the keys it uses, never against the client's
data: changes roll back, unless ``sync=True`` (memory clients only) applies them.
On a Redis-backed client the keys are read from the server and the script steps
in a scratch memory backend; nothing is ever written to the server.

Raw Lua (an EVAL body) steps the same way with :class:`redipy.debug.lua.LuaDebugger`,
driven by Lua line hooks, with Valkey 9.1's ldb words (:mod:`redipy.debug.luatext`).
"""

from __future__ import annotations

from redipy.debug.engine import Debugger, trace_run
from redipy.debug.events import CALL, ERROR, LOG, RETURN, STMT, DebugResult, TraceEvent
from redipy.debug.text import lua_value, reply_text

__all__ = [
    "CALL",
    "ERROR",
    "LOG",
    "RETURN",
    "STMT",
    "DebugResult",
    "Debugger",
    "TraceEvent",
    "lua_value",
    "reply_text",
    "trace_run",
]
