"""A JSON view of a script's IR: what 0.7.1's ``ctx.compile()`` and ``compile_hook`` gave.

0.7.1 handed out its expression graph as plain dicts (``{"kind": ..., ...}``); users
printed it with ``json.dumps``. Our IR is frozen dataclasses, so this module turns a node
into nested dicts and lists (``kind`` is the node's class name in snake case) without
copying any semantics: the IR stays the one description of a program.
"""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from redipy.script import ir

_SNAKE = re.compile(r"(?<!^)(?=[A-Z])")


def _kind(node: object) -> str:
    return _SNAKE.sub("_", type(node).__name__).lower()


def json_view(node: Any) -> Any:
    """``node`` (an IR node, tuple, frozenset or scalar) as JSON-able data."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        out: dict[str, Any] = {"kind": _kind(node)}
        for fld in dataclasses.fields(node):
            if fld.name == "origin" and not isinstance(node, ir.Script):
                continue
            out[fld.name] = json_view(getattr(node, fld.name))
        return out
    if isinstance(node, tuple | list):
        return [json_view(item) for item in node]
    if isinstance(node, frozenset | set):
        return sorted(json_view(item) for item in node)
    if node is None or isinstance(node, bool | int | float | str):
        return node
    return repr(node)


class ScriptView(dict[str, Any]):
    """The JSON view of a whole script; ``json.dumps`` prints it, and it remembers the
    builder it came from, so 0.7.1's ``LocalBackend().translate(ctx.compile())`` and
    ``LuaBackend().translate(...)`` can compile it again."""

    def __init__(self, ctx: Any, script: ir.Script) -> None:
        super().__init__(json_view(script))
        self.ctx = ctx


__all__ = ["ScriptView", "json_view"]
