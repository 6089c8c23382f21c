"""Memory backend: running redipy's builder scripts (:mod:`redipy.script`).

A script registered with ``register_script`` is compiled to Python and filed in the
server's script table under the SHA1 of its generated Lua text, as a
``(Compiled, PyProgram)`` pair. EVALSHA of that sha (or EVAL of that same text) runs
the compiled Python, never the Lua; everything else is real Lua
(:mod:`redipy.memory.cmd_lua`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.memory.db import Database


def is_builder(entry: Any) -> bool:
    """Whether a script-table entry is a compiled builder script (not a Lua script)."""
    return type(entry) is tuple


def run_builder(db: Database, entry: Any, keys: Sequence[str], argv: Sequence[str]) -> Any:
    """Run a builder script's compiled Python, atomically under the caller's lock."""
    comp, prog = entry
    return comp.run_memory(prog, db, keys, argv)
