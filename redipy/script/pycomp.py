"""The Python compiler: IR to one Python function, compiled once at registration.

One ``visit_<Node>`` method per IR node class, like the Lua compiler. The generated
source is compiled with :func:`compile`, so a call runs plain Python: no tree walk.
Where static types prove both operands are numbers (or strings) the plain Python
operator is emitted; elsewhere a helper from :mod:`redipy.script.pyrt` gives Lua's
semantics. Redis commands call the memory backend's handlers directly, or, for the
common shapes of hot commands, their positional *direct forms*
(:data:`redipy.memory.registry.DIRECT`): no argument list is built and whole numbers
reach INCRBY and HINCRBY as ints, converted once per call when they are arguments
the script never reassigns.

``trace=True`` compiles a second variant that calls ``_trace(statement_id, locals())``
before every statement: the hook a debugger steps on, at no cost to normal runs.
Loops also report each turn, as Lua's line hook does: a ``while`` calls
``_trace_loop(statement_id, locals())`` before every re-check of its condition, a ``for``
before every element. ``wrap_call(cmd, handler)`` (trace mode only) replaces each
command handler the code calls, which is how a debugger sees a call and its reply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from redipy import commands
from redipy.errors import ResponseError, ScriptBuildError
from redipy.memory.boundary import to_bytes
from redipy.memory.registry import Direct, Lazy, resolve
from redipy.script import ir
from redipy.script.lua import arg_text
from redipy.script.pyrt import NAMESPACE
from redipy.script.rcmd import POSTS
from redipy.script.types import Typer, is_only, shape_of

ScriptFn = Callable[[Any, Sequence[str], Sequence[str]], Any]
Handler = Callable[[Any, Any], Any]
WrapCall = Callable[[str, Handler], Handler]

_NO_TABLES = frozenset({ir.NIL, ir.BOOL, ir.NUM, ir.STR})


@dataclass
class PyProgram:
    source: str
    fn: ScriptFn
    line_stmt: dict[int, int] = field(default_factory=dict)
    filename: str = ""


class PyCompiler:
    """Compile one :class:`ir.Script` to a Python function ``fn(db, keys, argv)``."""

    def __init__(self, script: ir.Script, handlers: Mapping[str, Any],
                 *, trace: bool = False, typer: Typer | None = None,
                 wrap_call: WrapCall | None = None,
                 direct: Mapping[str, Direct] | None = None) -> None:
        self.script = script
        self.typer = typer or Typer(script)
        self.handlers = handlers
        # a traced run sees every call through its handler (wrap_call), so no direct forms
        self.direct: Mapping[str, Direct] = {} if trace or direct is None else direct
        self.trace = trace
        self.wrap_call = wrap_call if trace else None
        self.lines: list[tuple[str, int]] = []
        self.indent = 1
        self.ns: dict[str, Any] = dict(NAMESPACE)
        self._consts: dict[str, str] = {}
        self._tmp = 0
        stmts = ir.walk_stmts(script.body)
        self._stmt_ids = {id(s): n for n, s in enumerate(stmts)}
        self._cur = -1
        # arguments never assigned to: their integer form is worked out once per call
        self._fixed_args = set(range(len(script.args))) - {
            s.target.index for s in stmts
            if isinstance(s, ir.Assign) and isinstance(s.target, ir.ArgRef)}
        self._int_args: set[int] = set()

    def compile(self, filename: str) -> PyProgram:
        script = self.script
        self.emit("def __script(db, keys, argv):", -1)
        for idx in range(len(script.keys)):
            self.emit(f"    key_{idx} = keys[{idx}]", -1)
        for idx in range(len(script.args)):
            self.emit(f"    arg_{idx} = _fromjson_arg(argv[{idx}])", -1)
        if script.nlocals:
            names = " = ".join(f"var_{i}" for i in range(script.nlocals))
            self.emit(f"    {names} = None", -1)
        head = len(self.lines)
        self.block(script.body)
        self.emit("    return None", -1)
        self.lines[head:head] = [(f"    _ia{idx} = _intarg_or_none(arg_{idx})", -1)
                                 for idx in sorted(self._int_args)]
        out = PyProgram("", _unset)
        texts: list[str] = []
        for text, sid in self.lines:
            texts.append(text)
            if sid >= 0:
                out.line_stmt[len(texts)] = sid
        out.source = "\n".join(texts) + "\n"
        code = compile(out.source, filename, "exec")
        namespace = self.ns
        exec(code, namespace)
        out.fn = namespace["__script"]
        out.filename = filename
        return out

    def emit(self, text: str, sid: int | None = None) -> None:
        self.lines.append(("    " * self.indent + text if sid is None else text,
                           self._cur if sid is None else sid))

    def block(self, body: tuple[ir.Stmt, ...]) -> None:
        if not body:
            self.emit("pass")
            return
        for stmt in body:
            prev = self._cur
            self._cur = self._stmt_ids[id(stmt)]
            if self.trace:
                self.emit(f"_trace({self._cur}, locals())")
            getattr(self, f"visit_{type(stmt).__name__}")(stmt)
            self._cur = prev

    def sub(self, body: tuple[ir.Stmt, ...]) -> None:
        self.indent += 1
        self.block(body)
        self.indent -= 1

    def expr(self, expr: ir.Expr) -> str:
        return getattr(self, f"visit_{type(expr).__name__}")(expr)  # type: ignore[no-any-return]

    def const(self, value: Any) -> str:
        """A name in the namespace bound to ``value`` (for values without a literal)."""
        key = repr((type(value).__name__, value))
        name = self._consts.get(key)
        if name is None:
            name = f"_c{len(self._consts)}"
            self._consts[key] = name
            self.ns[name] = value
        return name

    def tmp(self) -> str:
        self._tmp += 1
        return f"_t{self._tmp}"

    def typ(self, expr: ir.Expr) -> ir.Type:
        return self.typer.of(expr)

    def cond(self, expr: ir.Expr) -> str:
        code = self.expr(expr)
        return code if is_only(self.typ(expr), ir.BOOL) else f"_tr({code})"

    def var(self, ref: ir.Expr) -> str:
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
        raise ScriptBuildError(f"not a variable: {ref!r}")

    # ---- statements -----------------------------------------------------------------

    def visit_Declare(self, stmt: ir.Declare) -> None:
        self.emit(f"var_{stmt.local} = {self.expr(stmt.value)}")

    def visit_Assign(self, stmt: ir.Assign) -> None:
        self.emit(f"{self.var(stmt.target)} = {self.expr(stmt.value)}")

    def visit_SetAt(self, stmt: ir.SetAt) -> None:
        self.emit(f"_setat({self.expr(stmt.target)}, {self.expr(stmt.index)}, "
                  f"{self.expr(stmt.value)})")

    def visit_SetKey(self, stmt: ir.SetKey) -> None:
        self.emit(f"_setkey({self.expr(stmt.target)}, {self.expr(stmt.key)}, "
                  f"{self.expr(stmt.value)})")

    def visit_Eval(self, stmt: ir.Eval) -> None:
        expr = stmt.expr
        if isinstance(expr, ir.RedisCall):
            self.emit(self._call(expr))
        else:
            self.emit(f"_ = {self.expr(expr)}")

    def visit_If(self, stmt: ir.If) -> None:
        self.emit(f"if {self.cond(stmt.cond)}:")
        self.sub(stmt.then)
        if stmt.orelse:
            self.emit("else:")
            self.sub(stmt.orelse)

    def visit_While(self, stmt: ir.While) -> None:
        if self.trace:
            # every check of the condition is a step (the first one follows the
            # statement's own _trace); ``break`` still leaves the same loop
            self.emit("while True:")
            self.indent += 1
            self.emit(f"if not {self.cond(stmt.cond)}:")
            self.emit("    break")
            self.block(stmt.body)
            self.emit(f"_trace_loop({self._cur}, locals())")
            self.indent -= 1
            return
        self.emit(f"while {self.cond(stmt.cond)}:")
        self.sub(stmt.body)

    def visit_ForEach(self, stmt: ir.ForEach) -> None:
        arr = self.expr(stmt.array)
        if not is_only(self.typ(stmt.array), ir.ARRAY):
            arr = f"_iter({arr})"
        self.emit(f"for ix_{stmt.loop}, val_{stmt.loop} in zip(_count(), {arr}):")
        if self.trace:
            self.indent += 1
            self.emit(f"_trace_loop({self._cur}, locals())")
            self.block(stmt.body)
            self.indent -= 1
            return
        self.sub(stmt.body)

    def visit_Break(self, stmt: ir.Break) -> None:
        self.emit("break")

    def visit_Return(self, stmt: ir.Return) -> None:
        if stmt.value is None:
            self.emit("return None")
            return
        shape = self.const(shape_of(self.typer, stmt.value))
        self.emit(f"return _enc({self.expr(stmt.value)}, {shape})")

    # ---- expressions ----------------------------------------------------------------

    def visit_Lit(self, expr: ir.Lit) -> str:
        val = expr.value
        if isinstance(val, str):
            return repr(to_bytes(val))  # scripts run on byte strings
        if val is None or isinstance(val, bool):
            return repr(val)
        fval = float(val)
        if fval != fval or fval in (float("inf"), float("-inf")):
            return self.const(fval)
        return repr(fval)

    def visit_JsonLit(self, expr: ir.JsonLit) -> str:
        return f"_loads({to_bytes(expr.text)!r})"

    def visit_MakeArray(self, expr: ir.MakeArray) -> str:
        return "[" + "".join(f"{self.expr(e)}, " for e in expr.items) + "]"

    def visit_MakeDict(self, expr: ir.MakeDict) -> str:
        parts = [f"{self.expr(k)}: {self.expr(v)}" for k, v in zip(expr.keys, expr.values)]
        return "_mkdict({" + ", ".join(parts) + "})" if any(
            not isinstance(k, ir.Lit) or k.value is None for k in expr.keys) else \
            "{" + ", ".join(parts) + "}"

    def visit_ArgRef(self, expr: ir.ArgRef) -> str:
        return self.var(expr)

    def visit_KeyRef(self, expr: ir.KeyRef) -> str:
        return self.var(expr)

    def visit_LocalRef(self, expr: ir.LocalRef) -> str:
        return self.var(expr)

    def visit_LoopIndex(self, expr: ir.LoopIndex) -> str:
        return self.var(expr)

    def visit_LoopValue(self, expr: ir.LoopValue) -> str:
        return self.var(expr)

    def visit_Unary(self, expr: ir.Unary) -> str:
        if expr.op == "not":
            return f"(not {self.cond(expr.arg)})"
        arg = self.expr(expr.arg)
        return f"(-{arg})" if is_only(self.typ(expr.arg), ir.NUM) else f"_neg({arg})"

    _NATIVE = {"add": "+", "sub": "-", "mul": "*", "lt": "<", "le": "<=", "gt": ">",
               "ge": ">=", "eq": "==", "ne": "!="}

    def visit_Binary(self, expr: ir.Binary) -> str:
        op = expr.op
        left, right = self.expr(expr.left), self.expr(expr.right)
        lt, rt = self.typ(expr.left), self.typ(expr.right)
        if op == "and":
            if is_only(lt, ir.BOOL) and is_only(rt, ir.BOOL):
                return f"({left} and {right})"
            tmp = self.tmp()
            return f"({right} if _tr({tmp} := {left}) else {tmp})"
        if op == "or":
            if is_only(lt, ir.BOOL) and is_only(rt, ir.BOOL):
                return f"({left} or {right})"
            tmp = self.tmp()
            return f"({tmp} if _tr({tmp} := {left}) else {right})"
        if op in ("add", "sub", "mul"):
            if is_only(lt, ir.NUM) and is_only(rt, ir.NUM):
                return f"({left} {self._NATIVE[op]} {right})"
            return f"_{op}({left}, {right})"
        if op == "div":
            if is_only(lt, ir.NUM) and isinstance(expr.right, ir.Lit) \
                    and isinstance(expr.right.value, int | float) and expr.right.value:
                return f"({left} / {right})"
            return f"_div({left}, {right})"
        if op == "mod":
            if is_only(lt, ir.NUM) and isinstance(expr.right, ir.Lit) \
                    and isinstance(expr.right.value, int | float) and expr.right.value:
                return f"_modn({left}, {right})"
            return f"_mod({left}, {right})"
        if op in ("eq", "ne"):
            if isinstance(expr.right, ir.Lit) and expr.right.value is None:
                return f"({left} is {'' if op == 'eq' else 'not '}None)"
            if isinstance(expr.left, ir.Lit) and expr.left.value is None:
                return f"({right} is {'' if op == 'eq' else 'not '}None)"
            if lt <= _NO_TABLES and rt <= _NO_TABLES and not (
                    (ir.BOOL in lt and ir.NUM in rt) or (ir.NUM in lt and ir.BOOL in rt)):
                return f"({left} {self._NATIVE[op]} {right})"
            return f"_{op}({left}, {right})"
        # lt le gt ge
        if (is_only(lt, ir.NUM) and is_only(rt, ir.NUM)) or (
                is_only(lt, ir.STR) and is_only(rt, ir.STR)):
            return f"({left} {self._NATIVE[op]} {right})"
        return f"_{op}({left}, {right})"

    def visit_Concat(self, expr: ir.Concat) -> str:
        parts = [self.expr(p) if is_only(self.typ(p), ir.STR) else
                 f"_sn({self.expr(p)})" if is_only(self.typ(p), ir.NUM) else
                 f"_s({self.expr(p)})" for p in expr.parts]
        if len(parts) == 1:
            return parts[0]
        return "(" + " + ".join(parts) + ")"

    def visit_ArrayLen(self, expr: ir.ArrayLen) -> str:
        arg = self.expr(expr.arg)
        if is_only(self.typ(expr.arg), ir.ARRAY):
            return f"float(len({arg}))"
        return f"_arrlen({arg})"

    def visit_StrLen(self, expr: ir.StrLen) -> str:
        return f"_strlen({self.expr(expr.arg)})"

    def visit_ArrayAt(self, expr: ir.ArrayAt) -> str:
        return f"_at({self.expr(expr.arr)}, {self.expr(expr.index)})"

    def visit_DictGet(self, expr: ir.DictGet) -> str:
        return f"_get({self.expr(expr.obj)}, {self.expr(expr.key)})"

    _CALLS = {
        "tonumber": "_tonumber", "tostring": "_tostring", "asintstr": "_intstr",
        "cjson.decode": "_fromjson", "type": "_type", "string.find": "_find",
        "string.len": "_strlen", "string.upper": "_upper", "string.lower": "_lower",
        "string.rep": "_rep", "math.floor": "_floor", "math.ceil": "_ceil",
        "math.abs": "_abs", "math.min": "_min", "math.max": "_max", "redis.log": "_log",
    }

    def visit_Call(self, expr: ir.Call) -> str:
        args = ", ".join(self.expr(a) for a in expr.args)
        if expr.fn == "cjson.encode":
            shape = self.const(shape_of(self.typer, expr.args[0]))
            return f"_tojson({args}, {shape})"
        return f"{self._CALLS[expr.fn]}({args})"

    def _handler(self, cmd: str) -> str:
        name = f"_h_{cmd.replace(' ', '_')}"
        if name not in self.ns:
            handler = self.handlers.get(cmd)
            if type(handler) is Lazy:
                handler = handler.load()
            if handler is None:
                raise ScriptBuildError(f"the memory backend has no command {cmd}")
            spec = commands.COMMANDS.get(cmd)
            if spec is not None and spec.module:
                handler = _late(self.handlers, cmd)
            self.ns[name] = handler if self.wrap_call is None else self.wrap_call(cmd, handler)
        return name

    def _arg(self, arg: ir.Expr) -> str:
        """One command argument as the text Redis's Lua would send."""
        if isinstance(arg, ir.Lit) and isinstance(arg.value, str):
            return repr(to_bytes(arg.value))
        if isinstance(arg, ir.Lit) and isinstance(arg.value, int | float) \
                and not isinstance(arg.value, bool):
            return repr(arg_text(arg.value))
        typ = self.typ(arg)
        if is_only(typ, ir.STR):
            return self.expr(arg)
        if is_only(typ, ir.NUM):
            return f"_argn({self.expr(arg)})"
        return f"_arg({self.expr(arg)})"

    def _intarg(self, arg: ir.Expr) -> str:
        """One integer argument of a direct form, parsed here instead of by the handler."""
        if isinstance(arg, ir.Lit) and isinstance(arg.value, int | float) \
                and not isinstance(arg.value, bool) and float(arg.value).is_integer() \
                and abs(arg.value) < 9e15:
            return repr(int(arg.value))
        if isinstance(arg, ir.ArgRef) and arg.index in self._fixed_args and not self.trace:
            # converted once at the top; when that failed, converting again here
            # raises the error at this statement, as it should
            self._int_args.add(arg.index)
            return f"(_ia{arg.index} if _ia{arg.index} is not None else _intarg(arg_{arg.index}))"
        return f"_intarg({self.expr(arg)})"

    def _arglist(self, expr: ir.RedisCall) -> str:
        return "[" + ", ".join(self._arg(arg) for arg in expr.args) + "]"

    def _call(self, expr: ir.RedisCall) -> str:
        resolve(expr.cmd)  # a lazy handler's module registers its direct form
        form = self.direct.get(expr.cmd)
        if form is not None and len(form.kinds) == len(expr.args):
            # the command's positional form: no argument list, integers not re-parsed
            name = f"_d_{expr.cmd.replace(' ', '_')}"
            self.ns[name] = form.fn
            parts = [self._intarg(arg) if kind == "int" else self._arg(arg)
                     for kind, arg in zip(form.kinds, expr.args)]
            parts += [repr(value) if value is None or isinstance(value, bool | int | str)
                      else self.const(value) for value in form.fixed]
            return f"{name}(db, {', '.join(parts)})"
        return f"{self._handler(expr.cmd)}(db, {self._arglist(expr)})"

    def visit_RedisCall(self, expr: ir.RedisCall) -> str:
        post = POSTS[expr.post]
        return post.py.format(call=self._call(expr), h=self._handler(expr.cmd),
                              args=self._arglist(expr))

    def visit_PlugCall(self, expr: ir.PlugCall) -> str:
        """A memory plug-in the script was resolved to (:mod:`redipy.script.plugins`)."""
        if expr.impl is None:
            raise ScriptBuildError(f"unknown function {expr.name}")
        name = f"_p{id(expr.impl)}"
        self.ns[name] = expr.impl
        return f"{name}(db, [{', '.join(self.expr(a) for a in expr.args)}])"

    def visit_Const(self, expr: ir.Const) -> str:
        from redipy.script.expr import CONSTANTS

        return self.const(float(CONSTANTS[expr.raw]))


def _late(handlers: Mapping[str, Any], cmd: str) -> Callable[[Any, Sequence[str]], Any]:
    """A registered command's handler, looked up at each call: a compiled script then
    sees the command unregistered, or registered anew, after it was compiled."""

    def call(db: Any, args: Sequence[str]) -> Any:
        handler = handlers.get(cmd)
        if handler is None:
            raise ResponseError("ERR Unknown command called from script")
        return handler(db, args)

    return call


def _unset(db: Any, keys: Sequence[str], argv: Sequence[str]) -> Any:  # pragma: no cover
    raise RuntimeError("script not compiled")


def compile_python(script: ir.Script, handlers: Mapping[str, Any], *, trace: bool = False,
                   filename: str = "<redipy script>", typer: Typer | None = None,
                   wrap_call: WrapCall | None = None,
                   direct: Mapping[str, Direct] | None = None) -> PyProgram:
    return PyCompiler(script, handlers, trace=trace, typer=typer, wrap_call=wrap_call,
                      direct=direct).compile(filename)
