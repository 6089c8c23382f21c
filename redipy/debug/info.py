"""What the debugger knows about a script before running it.

Statement kinds, enclosing blocks and loops, which variables are in scope where,
and the names the user gave the variables. Keys and arguments are named by the
script (``add_key("inp")``); locals and loop variables have no name in the IR, so
the line that built them is read back (``cur = ctx.add_local(...)`` names ``cur``,
``body, idx, val = ctx.for_(...)`` names ``idx`` and ``val``). Where the source
cannot be found, or the name is taken, the Lua name (``var_0``, ``ix_0``) is used.
"""

from __future__ import annotations

import linecache
import os
import re
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field

from redipy.script import ir
from redipy.script.register import Compiled

_LOCAL = re.compile(r"^\s*(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)\s*(?::[^=]*)?=(?!=).*\badd_local\s*\(")
_FOR = re.compile(r"^\s*[A-Za-z_]\w*\s*,\s*([A-Za-z_]\w*)\s*,\s*([A-Za-z_]\w*)\s*=(?!=)"
                  r".*\bfor_\s*\(")

_KIND = {
    "Declare": "declare", "Assign": "assign", "SetAt": "set_at", "SetKey": "set_key",
    "If": "if", "While": "while", "ForEach": "for", "Break": "break", "Return": "return",
}


def stmt_kind(stmt: ir.Stmt) -> str:
    if isinstance(stmt, ir.Eval):
        return "call" if isinstance(stmt.expr, ir.RedisCall) else "eval"
    return _KIND.get(type(stmt).__name__, type(stmt).__name__.lower())


@dataclass
class ScriptInfo:
    """Static facts about one compiled script, by statement id."""

    comp: Compiled
    stmts: list[ir.Stmt] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)
    parents: list[int] = field(default_factory=list)
    loops: list[tuple[int, ...]] = field(default_factory=list)
    """For loops (their numbers) enclosing each statement."""
    declared_at: dict[int, int] = field(default_factory=dict)
    """Local index -> statement id of its declaration."""
    names: dict[str, str] = field(default_factory=dict)
    """Python variable of the compiled code (``key_0``, ``var_1``) -> display name."""
    lines: list[str] = field(default_factory=list)
    """The Lua text, one entry per line (line N is ``lines[N - 1]``)."""

    @property
    def name(self) -> str:
        return self.comp.script.name

    def line_of(self, sid: int) -> int:
        return self.comp.lua.stmt_line.get(sid, 0)

    def text_of(self, line: int) -> str:
        return self.lines[line - 1].strip() if 0 < line <= len(self.lines) else ""

    def origin_of(self, sid: int) -> str:
        return self.stmts[sid].origin if 0 <= sid < len(self.stmts) else ""

    def visible(self, sid: int, turn: bool) -> list[str]:
        """The compiled code's variables in scope at ``sid`` (``turn``: a loop's own
        variables at the start of one of its turns)."""
        script = self.comp.script
        out = [f"key_{i}" for i in range(len(script.keys))]
        out.extend(f"arg_{i}" for i in range(len(script.args)))
        out.extend(f"var_{i}" for i, at in self.declared_at.items() if at < sid or sid < 0)
        if sid < 0:
            return out
        loops = self.loops[sid]
        stmt = self.stmts[sid]
        if turn and isinstance(stmt, ir.ForEach):
            loops = (*loops, stmt.loop)
        for loop in loops:
            out.extend((f"ix_{loop}", f"val_{loop}"))
        return out

    def path(self, sid: int) -> list[int]:
        """The statement ids from the outermost enclosing block down to ``sid``."""
        out: list[int] = []
        while sid >= 0:
            out.append(sid)
            sid = self.parents[sid]
        return out[::-1]


def script_info(comp: Compiled, sources: Iterable[str] = ()) -> ScriptInfo:
    info = ScriptInfo(comp)
    info.lines = comp.lua.text.split("\n")
    if info.lines and info.lines[-1] == "":
        info.lines.pop()

    def walk(body: tuple[ir.Stmt, ...], parent: int, loops: tuple[int, ...]) -> None:
        for stmt in body:
            sid = len(info.stmts)
            info.stmts.append(stmt)
            info.kinds.append(stmt_kind(stmt))
            info.parents.append(parent)
            info.loops.append(loops)
            if isinstance(stmt, ir.Declare):
                info.declared_at.setdefault(stmt.local, sid)
            inner = (*loops, stmt.loop) if isinstance(stmt, ir.ForEach) else loops
            for block in ir.blocks(stmt):
                walk(block, sid, inner)

    walk(comp.script.body, -1, ())
    _name_variables(info, list(sources))
    return info


def _name_variables(info: ScriptInfo, sources: list[str]) -> None:
    script = info.comp.script
    finder = _SourceFinder(sources)
    taken: set[str] = set()

    def give(var: str, wanted: str | None) -> None:
        name = wanted if wanted and wanted not in taken else var
        taken.add(name)
        info.names[var] = name

    for idx, key in enumerate(script.keys):
        give(f"key_{idx}", key)
    for idx, arg in enumerate(script.args):
        give(f"arg_{idx}", arg)
    for idx in range(script.nlocals):
        sid = info.declared_at.get(idx)
        wanted = None
        if sid is not None:
            match = _LOCAL.match(finder.line(info.stmts[sid].origin))
            wanted = match.group(1) if match else None
        give(f"var_{idx}", wanted)
    for stmt in info.stmts:
        if isinstance(stmt, ir.ForEach):
            match = _FOR.match(finder.line(stmt.origin))
            give(f"ix_{stmt.loop}", match.group(1) if match else None)
            give(f"val_{stmt.loop}", match.group(2) if match else None)


class _SourceFinder:
    """Source lines by ``file.py:NN`` origins, which name only the file's base name."""

    def __init__(self, sources: list[str]) -> None:
        self._sources = sources
        self._paths: dict[str, list[str]] | None = None

    def _index(self) -> dict[str, list[str]]:
        if self._paths is None:
            found: dict[str, list[str]] = {}
            names = list(self._sources) + list(linecache.cache)
            for mod in list(sys.modules.values()):
                path = getattr(mod, "__file__", None)
                if isinstance(path, str):
                    names.append(path)
            if sys.argv and sys.argv[0]:
                names.append(sys.argv[0])
            for path in names:
                paths = found.setdefault(os.path.basename(path), [])
                if path not in paths:
                    paths.append(path)
            self._paths = found
        return self._paths

    def line(self, origin: str) -> str:
        base, _, num = origin.rpartition(":")
        if not base or not num.isdigit():
            return ""
        for path in self._index().get(base, []):
            text = linecache.getline(path, int(num))
            if text and ("add_local" in text or "for_" in text):
                return text
        return ""
