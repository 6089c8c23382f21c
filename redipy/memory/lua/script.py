"""A compiled script's record and the sha it is filed under: what EVAL's bookkeeping
needs without loading Lua, so the backend can be imported (the shell's start-up)
before lupa is (:mod:`redipy.memory.lua.runtime` loads it on a script's first use)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any


def sha1_of(body: str) -> str:
    """The sha a server files a script under (of its bytes)."""
    return hashlib.sha1(as_bytes(body)).hexdigest()


def as_bytes(text: str) -> bytes:
    """The bytes of a byte string (latin-1 view); text outside latin-1 as UTF-8."""
    try:
        return text.encode("latin-1")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogateescape")



@dataclass
class LuaScript:
    """A compiled script (EVAL / SCRIPT LOAD body), filed by the sha of its text, with
    the Lua state it was compiled in (SCRIPT FLUSH replaces the state and empties the
    table together) and whether its shebang says ``no-writes``: EVALSHA needs no
    lookup beyond the script's own."""

    sha: str
    body: str
    fn: Any
    flags: frozenset[str]
    shebang: bool
    rt: Any = None
    no_writes: bool = False
    runs: list[Any] = field(default_factory=lambda: [None] * 16)
    """The script's runners by shape (keys * 4 + arguments, fewer than 4 of each), made
    at their first use (``LuaRuntime.run_args``)."""
