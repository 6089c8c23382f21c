"""Lua patches of 0.7.1 plug-ins: its expression graph shown to a patch, and back to Lua.

A ``LuaRedisPatch`` / ``LuaGeneralPatch`` receives the call as 0.7.1's graph (plain
dicts: ``{"kind": "call", "name": "redis.call", "args": [...], "no_adjust": True}``,
literals as ``{"kind": "val", "type": "str", "value": ...}``, variables as ``var`` /
``arg`` / ``key`` / ``index``) and returns a graph. :class:`GraphView` builds those
dicts from the IR and remembers each one it made: a dict the patch hands back unchanged
is compiled from its IR node (redipy's semantics), anything new or changed is compiled
as 0.7.1 compiled it (plain Lua: ``x[i + 1]``, ``t[k]``, ``name(args)``). A returned
call with ``"no_adjust": False`` is patched again, as in 0.7.1, and ``redipy.NAME``
calls pull in the registered helper function.
"""

from __future__ import annotations

import json
from typing import Any, Protocol

from redipy.errors import ScriptBuildError
from redipy.script import ir
from redipy.script.luastr import lua_string
from redipy.script.plugins import HELPER_PKG, MemoryPlugin, PluginTable


class Out(Protocol):
    """What the Lua compiler offers the patch renderer."""

    plugins: PluginTable | None

    def expr(self, expr: ir.Expr) -> str: ...

    def var_name(self, ref: ir.Expr) -> str: ...

    def number(self, value: float) -> str: ...

    def arg_number(self, value: float) -> str: ...

    def use_helper(self, name: str) -> None: ...


_OPS = {"and": "and", "or": "or", "add": "+", "sub": "-", "mul": "*", "div": "/",
        "mod": "%", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "eq": "==", "ne": "~="}
_MAX_DEPTH = 64


def _snap(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, default=repr)


def literal(value: Any) -> dict[str, Any]:
    """0.7.1's literal node for a Python value."""
    if value is None:
        vtype = "none"
    elif isinstance(value, bool):
        vtype = "bool"
    elif isinstance(value, int):
        vtype = "int"
    elif isinstance(value, float):
        vtype = "float"
    elif isinstance(value, list):
        vtype = "list"
    elif isinstance(value, dict):
        vtype = "dict"
    else:
        vtype = "str"
    return {"kind": "val", "type": vtype, "value": value}


class GraphView:
    """0.7.1-shaped dicts for IR nodes, and Lua for the graphs patches return."""

    def __init__(self, out: Out) -> None:
        self.out = out
        self._made: dict[int, tuple[dict[str, Any], str, ir.Expr]] = {}

    # ---- IR -> 0.7.1's graph ------------------------------------------------------------

    def of(self, node: ir.Expr) -> dict[str, Any]:
        made = self._build(node)
        self._made[id(made)] = (made, _snap(made), node)
        return made

    def _build(self, node: ir.Expr) -> dict[str, Any]:
        out = self.out
        if isinstance(node, ir.Lit):
            return literal(node.value)
        if isinstance(node, ir.JsonLit):
            return literal(json.loads(node.text))
        if isinstance(node, ir.ArgRef | ir.KeyRef):
            kind = "arg" if isinstance(node, ir.ArgRef) else "key"
            return {"kind": kind, "name": out.var_name(node), "readable": node.name}
        if isinstance(node, ir.LoopIndex):
            return {"kind": "index", "name": f"ix_{node.loop}"}
        if isinstance(node, ir.LocalRef | ir.LoopValue):
            return {"kind": "var", "name": out.var_name(node)}
        if isinstance(node, ir.Unary) and node.op == "not":
            return {"kind": "unary", "op": "not", "arg": self.of(node.arg)}
        if isinstance(node, ir.Binary):
            return {"kind": "binary", "op": node.op, "left": self.of(node.left),
                    "right": self.of(node.right)}
        if isinstance(node, ir.Concat):
            return {"kind": "concat", "strings": [self.of(p) for p in node.parts]}
        if isinstance(node, ir.ArrayAt):
            return {"kind": "array_at", "arr": self.of(node.arr), "index": self.of(node.index)}
        if isinstance(node, ir.DictGet):
            return {"kind": "dict_key", "obj": self.of(node.obj), "key": self.of(node.key)}
        if isinstance(node, ir.ArrayLen):
            return {"kind": "array_len", "var": self.of(node.arg)}
        if isinstance(node, ir.Const):
            return {"kind": "constant", "raw": node.raw}
        if isinstance(node, ir.Call):
            return self.call(node.fn, [self.of(a) for a in node.args])
        if isinstance(node, ir.RedisCall):
            return self.call("redis.call", [literal(node.cmd), *(self.of(a) for a in node.args)])
        # a node 0.7.1 had no shape for: opaque, compiled from the IR
        return {"kind": "var", "name": out.expr(node)}

    @staticmethod
    def call(name: str, args: list[dict[str, Any]]) -> dict[str, Any]:
        return {"kind": "call", "name": name, "args": args, "no_adjust": True}

    # ---- a resolved plug-in call ---------------------------------------------------------

    def plug(self, node: ir.PlugCall, *, is_expr_stmt: bool) -> str:
        impl = node.impl
        if impl is None or isinstance(impl, MemoryPlugin):
            # Lua's own function, a helper, or (the memory backend's Lua text, never run)
            # the plain call a memory plug-in stands for
            args = ", ".join(self.out.expr(a) for a in node.args)
            if node.name.startswith(f"{HELPER_PKG}."):
                self.out.use_helper(node.name[len(HELPER_PKG) + 1:])
            if node.redis:
                return f"redis.call({lua_string(node.name)}, {args})"
            return f"{node.name}({args})"
        args_view = [self.of(a) for a in node.args]
        if node.redis:
            call = self.call("redis.call", [literal(node.name), *args_view])
            got = impl.patch(node.name, call, call["args"][1:], is_expr_stmt=is_expr_stmt)
        else:
            call = self.call(node.name, args_view)
            got = impl.patch(call, is_expr_stmt=is_expr_stmt)
        return self.lua(got, 0)

    # ---- 0.7.1's graph -> Lua -----------------------------------------------------------

    def lua(self, obj: Any, depth: int) -> str:
        if depth > _MAX_DEPTH:
            raise ScriptBuildError("a Lua patch keeps patching its own result")
        if not isinstance(obj, dict) or "kind" not in obj:
            raise ScriptBuildError(f"a Lua patch returned {obj!r}, not an expression")
        made = self._made.get(id(obj))
        if made is not None and made[0] is obj and made[1] == _snap(obj):
            return self.out.expr(made[2])
        kind = obj["kind"]
        sub = depth + 1
        if kind == "val":
            return self._value(obj["type"], obj["value"])
        if kind in ("var", "arg", "key"):
            return str(obj["name"])
        if kind == "index":
            return f"({obj['name']} - 1)"
        if kind == "load_json_arg":
            return f"cjson.decode(ARGV[{int(obj['index']) + 1}])"
        if kind == "load_key_arg":
            return f"(KEYS[{int(obj['index']) + 1}])"
        if kind == "unary":
            return f"(not {self.lua(obj['arg'], sub)})"
        if kind == "binary":
            op = _OPS.get(obj["op"])
            if op is None:
                raise ScriptBuildError(f"a Lua patch used the unknown operator {obj['op']!r}")
            return f"({self.lua(obj['left'], sub)} {op} {self.lua(obj['right'], sub)})"
        if kind == "constant":
            return str(obj["raw"])
        if kind == "array_at":
            return f"{self.lua(obj['arr'], sub)}[{self.lua(obj['index'], sub)} + 1]"
        if kind == "dict_key":
            return f"{self.lua(obj['obj'], sub)}[{self.lua(obj['key'], sub)}]"
        if kind == "array_len":
            return f"#{self.lua(obj['var'], sub)}"
        if kind == "concat":
            return " .. ".join(f"({self.lua(part, sub)})" for part in obj["strings"])
        if kind == "call":
            return self._call(obj, sub)
        raise ScriptBuildError(f"a Lua patch returned an expression of unknown kind {kind!r}")

    def _value(self, vtype: str, value: Any) -> str:
        if vtype == "none" or value is None:
            return "nil"
        if vtype == "bool":
            return "true" if value else "false"
        if vtype in ("int", "float"):
            return self.out.number(float(value))
        if vtype in ("list", "dict"):
            return f"cjson.decode({lua_string(json.dumps(value, separators=(',', ':')))})"
        return lua_string(str(value))

    def _call(self, obj: dict[str, Any], depth: int) -> str:
        name = str(obj["name"])
        args: list[Any] = list(obj["args"])
        if not obj.get("no_adjust", False):
            obj["no_adjust"] = True  # as 0.7.1: a call is adjusted once
            patched = self._adjust(obj, name, args)
            if patched is not None:
                return self.lua(patched, depth)
        if name.startswith(f"{HELPER_PKG}."):
            self.out.use_helper(name[len(HELPER_PKG) + 1:])
        if name == "redis.call":
            parts = [self._redis_arg(arg, depth) for arg in args]
        else:
            parts = [self.lua(arg, depth) for arg in args]
        return f"{name}({', '.join(parts)})"

    def _redis_arg(self, arg: Any, depth: int) -> str:
        """A ``redis.call`` argument; number literals go as the text the memory backend
        and redipy's own calls send (:func:`redipy.script.lua.arg_text`)."""
        if isinstance(arg, dict) and arg.get("kind") == "val" \
                and arg.get("type") in ("int", "float"):
            return self.out.arg_number(float(arg["value"]))
        return self.lua(arg, depth)

    def _adjust(self, obj: dict[str, Any], name: str, args: list[Any]) -> Any:
        table = self.out.plugins
        if table is None:
            return None
        if name == "redis.call" and args and isinstance(args[0], dict) \
                and args[0].get("kind") == "val" and args[0].get("type") == "str":
            rname = str(args[0]["value"])
            rpatch = table.redis_patches.get(rname)
            if rpatch is not None:
                return rpatch.patch(rname, obj, args[1:], is_expr_stmt=False)
            return None
        gpatch = table.general_patches.get(name)
        if gpatch is not None:
            return gpatch.patch(obj, is_expr_stmt=False)
        return None


__all__ = ["GraphView", "Out", "literal"]
