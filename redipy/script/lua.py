"""The Lua compiler: IR to readable Lua for EVALSHA, with a line map back to Python.

One ``visit_<Node>`` method per IR node class (dispatched by class name, like
sqlglot's ``Generator``). Statements append lines; expressions return Lua text.
Every emitted line remembers the statement it belongs to, so an error reported
as ``user_script:NN`` can be traced to the ``file.py:NN`` that built the statement.

Conventions of the generated code: all variables are declared up front (``local``),
arguments arrive JSON-encoded in ARGV, keys in KEYS, the result leaves as JSON text;
``nil`` inside arrays and dicts is stored as ``cjson.null`` and turned back into
``nil`` when read.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field

from redipy.errors import ScriptBuildError
from redipy.memory.numbers import fpconv_dtoa
from redipy.script import ir
from redipy.script.custom_lua import preamble, registered_names
from redipy.script.luapatch import GraphView
from redipy.script.luastr import lua_string
from redipy.script.plugins import HELPER_PKG, MemoryPlugin, PluginTable
from redipy.script.rcmd import HELPER_ORDER, LUA_HELPERS, POSTS
from redipy.script.types import Typer, is_flat, is_only, lua_shape, shape_of
from redipy.util import lua_fmt

_MAX_LOCALS = 150
_IDENT = re.compile(r"[^A-Za-z0-9_]")
_LOOP_SAFE_POSTS = ("arr", "strs", "score_pairs")


def lua_number(value: float) -> str:
    if value != value:
        return "(0/0)"
    if value in (float("inf"), float("-inf")):
        return "math.huge" if value > 0 else "(-math.huge)"
    if isinstance(value, int) and abs(value) < 2**53:
        return str(value)
    if float(value).is_integer() and abs(value) < 2**53:
        return str(int(value))
    return repr(float(value))


_LL_HALF = 4611686018427387904.0  # LLONG_MAX / 2 as a double: double2ll's range


def arg_text(value: float) -> str:
    """A number as the string a command receives, as Valkey and Redis 7.2+ write it.

    Whole numbers within +-2**62 go out as integers (``double2ll``), anything else as
    ``fpconv_dtoa`` writes it (Grisu2 digits: ``1e+20``, ``1e-7``, ``0.00001``,
    ``1.2345678901234567e+4``), a NaN with its sign. The memory backend uses the same
    function, so literals and computed numbers reach both backends as the same text.
    """
    fval = float(value)
    if fval.is_integer() and -_LL_HALF <= fval <= _LL_HALF:
        return str(int(fval))
    if fval != fval:
        return "-nan" if math.copysign(1.0, fval) < 0 else "nan"
    if fval in (math.inf, -math.inf):
        return "inf" if fval > 0 else "-inf"
    return fpconv_dtoa(fval)


@dataclass
class LuaProgram:
    """Generated Lua text plus where each line came from."""

    text: str
    line_origin: dict[int, str] = field(default_factory=dict)
    """Lua line (1-based) -> ``file.py:NN`` of the statement that produced it."""
    line_stmt: dict[int, int] = field(default_factory=dict)
    """Lua line -> statement id (pre-order number, as :func:`ir.walk_stmts` counts)."""
    stmt_line: dict[int, int] = field(default_factory=dict)
    """Statement id -> its first Lua line."""
    custom: tuple[str, ...] = ()
    """The registered commands (:mod:`redipy.custom`) the script calls."""

    def line(self, lineno: int) -> str:
        lines = self.text.split("\n")
        return lines[lineno - 1].strip() if 0 < lineno <= len(lines) else ""


class LuaCompiler:
    """Compile one :class:`ir.Script` to Lua."""

    def __init__(self, script: ir.Script, typer: Typer | None = None,
                 plugins: PluginTable | None = None) -> None:
        self.script = script
        self.typer = typer or Typer(script)
        self.plugins = plugins
        self.helpers: set[str] = set()
        self.cmds: set[str] = set()
        self.plug_helpers: set[str] = set()
        self.memory_plugins: set[str] = set()
        self._stmt_top: ir.Expr | None = None
        self.lines: list[tuple[str, int]] = []  # (text, statement id or -1)
        self.indent = 0
        self._stmt_ids: dict[int, int] = {
            id(stmt): num for num, stmt in enumerate(ir.walk_stmts(script.body))}
        self._cur = -1
        nvars = len(script.args) + len(script.keys) + script.nlocals
        self.table_vars = nvars > _MAX_LOCALS

    # ---- driver ---------------------------------------------------------------------

    def compile(self) -> LuaProgram:
        self.block(self.script.body, top=True)
        body = self.lines
        self.lines = []
        script = self.script
        local = "" if self.table_vars else "local "
        if script.args:
            self.helpers.add("fromjson")
        built = "" if script.name == script.origin else f" (built at {script.origin})"
        self.emit(f"-- redipy script {script.name}{built}", -1)
        self.emit("local null = cjson.null", -1)
        custom = registered_names(self.cmds)
        if custom:
            self.emit(preamble(custom), -1)
        for name in HELPER_ORDER:
            if name in self.helpers:
                self.emit(LUA_HELPERS[name], -1)
        self._emit_plugin_header()
        if self.table_vars:
            self.emit("local V = {}", -1)
        for idx, name in enumerate(script.keys):
            var = self.var_name(ir.KeyRef(idx, name))
            self.emit(f"{local}{var} = KEYS[{idx + 1}]  -- {name}", -1)
        for idx, name in enumerate(script.args):
            var = self.var_name(ir.ArgRef(idx, name))
            self.emit(f"{local}{var} = fromjson(ARGV[{idx + 1}])  -- {name}", -1)
        if not self.table_vars and script.nlocals:
            names = ", ".join(self.var_name(ir.LocalRef(i)) for i in range(script.nlocals))
            self.emit(f"local {names}", -1)
        self.emit("local _", -1)
        out = LuaProgram("", custom=tuple(custom))
        texts: list[str] = []
        origins = {num: stmt.origin for num, stmt in enumerate(ir.walk_stmts(script.body))}
        for text, sid in [*self.lines, *body]:
            for part in text.split("\n"):
                texts.append(part)
                lineno = len(texts)
                if sid >= 0:
                    out.line_stmt[lineno] = sid
                    out.line_origin[lineno] = origins[sid]
                    out.stmt_line.setdefault(sid, lineno)
        out.text = "\n".join(texts) + "\n"
        return out

    def _emit_plugin_header(self) -> None:
        """0.7.1's helper functions a patch used, and (memory backend's text only) the
        plug-ins the script calls, so its sha differs from the script without them."""
        if self.memory_plugins:
            self.emit(f"-- memory plug-ins: {', '.join(sorted(self.memory_plugins))}", -1)
        if not self.plug_helpers:
            return
        self.emit(f"local {HELPER_PKG} = {{}}", -1)
        for name in sorted(self.plug_helpers):
            helper = None if self.plugins is None else self.plugins.helpers.get(name)
            if helper is None:
                raise ScriptBuildError(f"unknown helper {name}")
            self.emit(f"function {HELPER_PKG}.{name}({helper.args()})", -1)
            for line in lua_fmt(helper.body()).splitlines():
                self.emit(f"  {line}" if line.strip() else "", -1)
            self.emit("end", -1)

    # ---- what the Lua patch renderer (luapatch.Out) uses --------------------------------

    def number(self, value: float) -> str:
        return lua_number(value)

    def arg_number(self, value: float) -> str:
        return lua_string(arg_text(value))

    def use_helper(self, name: str) -> None:
        self.plug_helpers.add(name)

    def emit(self, text: str, sid: int | None = None) -> None:
        self.lines.append(("  " * self.indent + text, self._cur if sid is None else sid))

    def var_name(self, ref: ir.Expr) -> str:
        if self.table_vars and isinstance(ref, ir.KeyRef | ir.ArgRef | ir.LocalRef):
            base = {"KeyRef": 0, "ArgRef": len(self.script.keys),
                    "LocalRef": len(self.script.keys) + len(self.script.args)}
            return f"V[{base[type(ref).__name__] + ref.index + 1}]"
        if isinstance(ref, ir.KeyRef):
            return f"key_{ref.index}"
        if isinstance(ref, ir.ArgRef):
            return f"arg_{ref.index}"
        if isinstance(ref, ir.LocalRef):
            return f"var_{ref.index}"
        if isinstance(ref, ir.LoopValue):
            return f"val_{ref.loop}"
        if isinstance(ref, ir.LoopIndex):
            return f"ix_{ref.loop}"
        raise TypeError(f"not a variable: {ref!r}")

    def block(self, body: tuple[ir.Stmt, ...], *, top: bool = False) -> None:
        if not top:
            self.indent += 1
        for pos, stmt in enumerate(body):
            prev = self._cur
            self._cur = self._stmt_ids[id(stmt)]
            self._last = pos == len(body) - 1
            self.stmt(stmt)
            self._cur = prev
        if not top:
            self.indent -= 1

    def stmt(self, stmt: ir.Stmt) -> None:
        method: Callable[[ir.Stmt], None] = getattr(self, f"visit_{type(stmt).__name__}")
        method(stmt)

    def expr(self, expr: ir.Expr) -> str:
        method: Callable[[ir.Expr], str] = getattr(self, f"visit_{type(expr).__name__}")
        return method(expr)

    def use(self, helper: str) -> str:
        self.helpers.add(helper)
        return helper

    # ---- statements -----------------------------------------------------------------

    def visit_Declare(self, stmt: ir.Declare) -> None:
        self.emit(f"{self.var_name(ir.LocalRef(stmt.local))} = {self.expr(stmt.value)}")

    def visit_Assign(self, stmt: ir.Assign) -> None:
        self.emit(f"{self.var_name(stmt.target)} = {self.expr(stmt.value)}")

    def visit_SetAt(self, stmt: ir.SetAt) -> None:
        self.emit(f"{self.use('setat')}({self.expr(stmt.target)}, {self.expr(stmt.index)}, "
                  f"{self.expr(stmt.value)})")

    def visit_SetKey(self, stmt: ir.SetKey) -> None:
        self.emit(f"{self.use('setkey')}({self.expr(stmt.target)}, {self.expr(stmt.key)}, "
                  f"{self.expr(stmt.value)})")

    def visit_Eval(self, stmt: ir.Eval) -> None:
        expr = stmt.expr
        if isinstance(expr, ir.RedisCall):
            self.emit(f"redis.call({self._args(expr)})")
        elif isinstance(expr, ir.Call) and expr.fn == "redis.log":
            self.emit(self.expr(expr))
        elif isinstance(expr, ir.PlugCall):
            self._stmt_top = expr  # 0.7.1's is_expr_stmt for the patch
            self.emit(f"_ = {self.expr(expr)}")
        else:
            self.emit(f"_ = {self.expr(expr)}")

    def visit_If(self, stmt: ir.If) -> None:
        self.emit(f"if {self.expr(stmt.cond)} then")
        self.block(stmt.then)
        if stmt.orelse:
            self.emit("else")
            self.block(stmt.orelse)
        self.emit("end")

    def visit_While(self, stmt: ir.While) -> None:
        self.emit(f"while {self.expr(stmt.cond)} do")
        self.block(stmt.body)
        self.emit("end")

    def visit_ForEach(self, stmt: ir.ForEach) -> None:
        arr = stmt.array
        self.emit(f"for ix_{stmt.loop}, val_{stmt.loop} in ipairs({self.expr(arr)}) do")
        if not (isinstance(arr, ir.RedisCall) and arr.post in _LOOP_SAFE_POSTS):
            self.emit(f"  if val_{stmt.loop} == null then val_{stmt.loop} = nil end")
        self.block(stmt.body)
        self.emit("end")

    def visit_Break(self, stmt: ir.Break) -> None:
        self.emit("break" if self._last else "do break end")

    def visit_Return(self, stmt: ir.Return) -> None:
        if stmt.value is None:
            text = "return"
        else:
            text = f"return {self._encode(stmt.value)}"
        self.emit(text if self._last else f"do {text} end")

    # ---- expressions ----------------------------------------------------------------

    def visit_Lit(self, expr: ir.Lit) -> str:
        val = expr.value
        if val is None:
            return "nil"
        if isinstance(val, bool):
            return "true" if val else "false"
        if isinstance(val, int | float):
            return lua_number(val)
        return lua_string(val)

    def visit_JsonLit(self, expr: ir.JsonLit) -> str:
        return f"cjson.decode({lua_string(expr.text)})"

    def visit_MakeArray(self, expr: ir.MakeArray) -> str:
        return f"{self.use('arr')}({', '.join(self.expr(e) for e in expr.items)})"

    def visit_MakeDict(self, expr: ir.MakeDict) -> str:
        parts = [f"{self.expr(k)}, {self.expr(v)}" for k, v in zip(expr.keys, expr.values)]
        return f"{self.use('dict')}({', '.join(parts)})"

    def visit_ArgRef(self, expr: ir.ArgRef) -> str:
        return self.var_name(expr)

    def visit_KeyRef(self, expr: ir.KeyRef) -> str:
        return self.var_name(expr)

    def visit_LocalRef(self, expr: ir.LocalRef) -> str:
        return self.var_name(expr)

    def visit_LoopIndex(self, expr: ir.LoopIndex) -> str:
        return f"(ix_{expr.loop} - 1)"

    def visit_LoopValue(self, expr: ir.LoopValue) -> str:
        return f"val_{expr.loop}"

    def visit_Unary(self, expr: ir.Unary) -> str:
        arg = self.expr(expr.arg)
        return f"(not {arg})" if expr.op == "not" else f"(- {arg})"

    _BIN = {"add": "+", "sub": "-", "mul": "*", "div": "/", "mod": "%", "eq": "==",
            "ne": "~=", "lt": "<", "le": "<=", "gt": ">", "ge": ">=", "and": "and",
            "or": "or"}

    def visit_Binary(self, expr: ir.Binary) -> str:
        return f"({self.expr(expr.left)} {self._BIN[expr.op]} {self.expr(expr.right)})"

    def visit_Concat(self, expr: ir.Concat) -> str:
        parts = [self.expr(p) for p in expr.parts]
        if len(parts) == 1 and not is_only(self.typer.of(expr.parts[0]), ir.STR):
            parts.insert(0, '""')
        return "(" + " .. ".join(parts) + ")"

    def visit_ArrayLen(self, expr: ir.ArrayLen) -> str:
        if is_only(self.typer.of(expr.arg), ir.ARRAY):
            return f"#{self.expr(expr.arg)}"
        return f"{self.use('arrlen')}({self.expr(expr.arg)})"

    def visit_StrLen(self, expr: ir.StrLen) -> str:
        return f"string.len({self.expr(expr.arg)})"

    def visit_ArrayAt(self, expr: ir.ArrayAt) -> str:
        return f"{self.use('at')}({self.expr(expr.arr)}, {self.expr(expr.index)})"

    def visit_DictGet(self, expr: ir.DictGet) -> str:
        return f"{self.use('get')}({self.expr(expr.obj)}, {self.expr(expr.key)})"

    _CALLS = {"asintstr": "intstr", "string.find": "find", "cjson.decode": "fromjson"}

    def visit_Call(self, expr: ir.Call) -> str:
        args = ", ".join(self.expr(a) for a in expr.args)
        name = self._CALLS.get(expr.fn)
        if name is not None:
            return f"{self.use(name)}({args})"
        if expr.fn == "cjson.encode":
            return self._encode(expr.args[0])
        return f"{expr.fn}({args})"

    def _encode(self, expr: ir.Expr) -> str:
        """JSON text of ``expr``'s value with empty arrays kept as ``[]`` where known."""
        value = self.expr(expr)
        shape = shape_of(self.typer, expr)
        if shape is None:
            return f"cjson.encode({value})"
        if is_flat(shape) and shape[0] == "o":
            return f"cjson.encode({value})"
        if is_flat(shape):
            return f"{self.use('enc_arr')}({value})"
        return f"{self.use('enc')}({value}, {lua_shape(shape)})"

    def _args(self, expr: ir.RedisCall) -> str:
        parts = [lua_string(expr.cmd)]
        for arg in expr.args:
            if isinstance(arg, ir.Lit) and isinstance(arg.value, int | float) \
                    and not isinstance(arg.value, bool):
                parts.append(lua_string(arg_text(arg.value)))
            else:
                parts.append(self.expr(arg))
        return ", ".join(parts)

    def visit_RedisCall(self, expr: ir.RedisCall) -> str:
        post = POSTS[expr.post]
        for helper in post.lua_helpers:
            self.use(helper)
        self.cmds.add(expr.cmd)
        args = self._args(expr)
        return post.lua.format(args=args, call=f"redis.call({args})")

    def visit_Const(self, expr: ir.Const) -> str:
        return expr.raw

    def visit_PlugCall(self, expr: ir.PlugCall) -> str:
        """A plug-in's call (:mod:`redipy.script.plugins`): a Lua patch rewrites it,
        Lua's own function or a helper is called as named."""
        top, self._stmt_top = self._stmt_top, None
        if isinstance(expr.impl, MemoryPlugin):
            self.memory_plugins.add(expr.impl.label)
        return GraphView(self).plug(expr, is_expr_stmt=top is expr)


def compile_lua(script: ir.Script, typer: Typer | None = None,
                plugins: PluginTable | None = None) -> LuaProgram:
    return LuaCompiler(script, typer, plugins).compile()
