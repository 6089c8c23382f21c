"""Statements and blocks: ``FnContext`` and the sequences it hands out (0.7.1's API).

Blocks are filled after they are created (``then, other = ctx.if_(...)`` and later
``then.add(...)``), so the IR is frozen only when the script is compiled
(:meth:`FnContext.build`). Every statement remembers the ``file.py:NN`` that built it,
which is how a failing script points at the user's line.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

from redipy.errors import ScriptBuildError
from redipy.script import ir
from redipy.script.expr import Expr, MixedType, caller_origin, lit_node

_SERIAL = itertools.count(1)


class Stmt:
    """A statement not yet added to a block (what ``assign`` and friends return)."""

    def __init__(self, make: ir.Stmt) -> None:
        self.stmt = make


CmdHelper = Stmt  # 0.7.1's name
Compilable = Stmt


class Variable(Expr):
    """A value with a name in the script: argument, key, local or loop variable."""

    def assign(self, val: MixedType) -> Stmt:
        return Stmt(ir.Assign(self._node, lit_node(val)))

    def set_at(self, index: MixedType, val: MixedType) -> Stmt:
        """``var[index] = val`` (0-based; ``index == len`` appends)."""
        return Stmt(ir.SetAt(self._node, lit_node(index), lit_node(val)))

    def set_key(self, key: MixedType, val: MixedType) -> Stmt:
        return Stmt(ir.SetKey(self._node, lit_node(key), lit_node(val)))


class JSONArg(Variable):
    """A script argument: any JSON value, passed by name when calling the script."""

    def __init__(self, name: str, index: int, owner: int) -> None:
        super().__init__(ir.ArgRef(index, name, owner))
        self.name = name


class KeyVariable(Variable):
    """A key argument, passed by name in ``keys=`` (gets the backend's key prefix)."""

    def __init__(self, name: str, index: int, owner: int) -> None:
        super().__init__(ir.KeyRef(index, name, owner))
        self.name = name


class LocalVariable(Variable):
    """A local variable of the script."""

    def __init__(self, index: int, owner: int) -> None:
        super().__init__(ir.LocalRef(index, owner))


class IndexVariable(Variable):
    """The 0-based index of a for loop's current element."""

    def __init__(self, loop: int, owner: int) -> None:
        super().__init__(ir.LoopIndex(loop, owner))


class ValueVariable(Variable):
    """A for loop's current element."""

    def __init__(self, loop: int, owner: int) -> None:
        super().__init__(ir.LoopValue(loop, owner))


@dataclass
class _Block:
    kind: str  # "if" | "while" | "for"
    origin: str
    cond: ir.Expr
    seqs: tuple[Sequence, ...]
    loop: int = -1


class Sequence:
    """A block of statements (the script body, a branch or a loop body)."""

    def __init__(self, ctx: FnContext, loops: tuple[int, ...] = ()) -> None:
        self._ctx = ctx
        self._loops = loops
        self._seq: list[ir.Stmt | _Block] = []

    def _put(self, stmt: ir.Stmt | _Block) -> None:
        if self._ctx._frozen:
            raise ScriptBuildError(
                "this script was already compiled; build a new FnContext to change it")
        self._seq.append(stmt)

    def add(self, term: Stmt | Expr) -> None:
        """Add a statement, or an expression evaluated for its effect."""
        origin = caller_origin()
        if isinstance(term, Stmt):
            stmt = term.stmt
        elif isinstance(term, Expr):
            stmt = ir.Eval(term.node)
        else:
            raise ScriptBuildError(
                f"cannot add {type(term).__name__} {term!r} as a statement: "
                "add an expression or the result of assign/set_at/set_key")
        self._put(_with_origin(stmt, origin))

    def is_empty(self) -> bool:
        return not self._seq

    def if_(self, condition: MixedType) -> tuple[Sequence, Sequence]:
        """A branch; returns the blocks run when ``condition`` is truthy / not."""
        then, other = Sequence(self._ctx, self._loops), Sequence(self._ctx, self._loops)
        self._put(_Block("if", caller_origin(), lit_node(condition), (then, other)))
        return then, other

    def while_(self, condition: MixedType) -> Sequence:
        """A loop; returns its body, run while ``condition`` is truthy."""
        body = Sequence(self._ctx, (*self._loops, -1))
        self._put(_Block("while", caller_origin(), lit_node(condition), (body,)))
        return body

    def for_(self, array: MixedType) -> tuple[Sequence, Variable, Variable]:
        """A loop over an array; returns the body, the 0-based index and the element."""
        loop = self._ctx._nloops
        self._ctx._nloops += 1
        body = Sequence(self._ctx, (*self._loops, loop))
        owner = self._ctx._serial
        self._put(_Block("for", caller_origin(), lit_node(array), (body,), loop))
        return body, IndexVariable(loop, owner), ValueVariable(loop, owner)

    def break_(self) -> None:
        """Leave the innermost loop."""
        if not self._loops:
            raise ScriptBuildError("break_() outside of a loop")
        self._put(ir.Break(origin=caller_origin()))

    def return_(self, value: MixedType) -> None:
        """End the script here, returning ``value``."""
        self._put(ir.Return(None if value is None else lit_node(value), origin=caller_origin()))

    def _freeze(self) -> tuple[ir.Stmt, ...]:
        out: list[ir.Stmt] = []
        for item in self._seq:
            if isinstance(item, ir.Stmt):
                out.append(item)
            elif item.kind == "if":
                out.append(ir.If(item.cond, item.seqs[0]._freeze(), item.seqs[1]._freeze(),
                                 origin=item.origin))
            elif item.kind == "while":
                out.append(ir.While(item.cond, item.seqs[0]._freeze(), origin=item.origin))
            else:
                out.append(ir.ForEach(item.loop, item.cond, item.seqs[0]._freeze(),
                                      origin=item.origin))
        return tuple(out)


Seq = Sequence


def _with_origin(stmt: ir.Stmt, origin: str) -> ir.Stmt:
    import dataclasses

    return dataclasses.replace(stmt, origin=origin)


class FnContext(Sequence):
    """A script: its arguments, keys, locals and statements.

    ``name`` names the script in error messages (default: where it was created).
    """

    def __init__(self, name: str | None = None) -> None:
        self._frozen = False
        super().__init__(self)
        self._serial = next(_SERIAL)
        self.origin = caller_origin()
        self.name = name or self.origin
        self._args: list[str] = []
        self._keys: list[str] = []
        self._nlocals = 0
        self._nloops = 0
        self._built: ir.Script | None = None

    def add_arg(self, name: str) -> JSONArg:
        """A JSON argument, passed as ``args={name: value}``."""
        if name in self._args:
            raise ScriptBuildError(f"ambiguous arg name: {name}")
        self._args.append(name)
        return JSONArg(name, len(self._args) - 1, self._serial)

    def add_key(self, name: str) -> KeyVariable:
        """A key argument, passed as ``keys={name: key}``."""
        if name in self._keys:
            raise ScriptBuildError(f"ambiguous key name: {name}")
        self._keys.append(name)
        return KeyVariable(name, len(self._keys) - 1, self._serial)

    def add_local(self, init: MixedType) -> LocalVariable:
        """A local variable, initialised here with ``init``."""
        index = self._nlocals
        self._nlocals += 1
        self._put(ir.Declare(index, lit_node(init), origin=caller_origin()))
        return LocalVariable(index, self._serial)

    def add_loop(self) -> int:
        loop = self._nloops
        self._nloops += 1
        return loop

    def set_return_value(self, value: MixedType) -> None:
        """Return ``value`` from the script (the script ends here)."""
        self._put(ir.Return(None if value is None else lit_node(value), origin=caller_origin()))

    def compile(self) -> Any:
        """0.7.1's name: the script as JSON-able data (:mod:`redipy.script.view`)."""
        from redipy.script.view import ScriptView

        return ScriptView(self, self.build())

    def build(self) -> ir.Script:
        """Freeze the script into IR (checked; the context can no longer change)."""
        if self._built is None:
            body = self._freeze()
            script = ir.Script(
                name=self.name, origin=self.origin, args=tuple(self._args),
                keys=tuple(self._keys), nlocals=self._nlocals, nloops=self._nloops, body=body)
            check(script, self._serial)
            self._built = script
            self._frozen = True
        return self._built


def _describe(ref: ir.Expr) -> str:
    if isinstance(ref, ir.KeyRef):
        return f"key {ref.name!r}"
    if isinstance(ref, ir.ArgRef):
        return f"arg {ref.name!r}"
    if isinstance(ref, ir.LocalRef):
        return f"local variable #{ref.index}"
    return "loop variable"


def check(script: ir.Script, owner: int) -> None:
    """Build-time checks: every variable belongs to this script and is in scope."""

    def visit(body: tuple[ir.Stmt, ...], loops: frozenset[int]) -> None:
        for stmt in body:
            for top in ir.stmt_exprs(stmt):
                for expr in ir.walk_exprs(top):
                    _check_expr(expr, stmt, loops)
            if isinstance(stmt, ir.Assign | ir.SetAt | ir.SetKey):
                if not isinstance(stmt.target, ir.ArgRef | ir.KeyRef | ir.LocalRef
                                  | ir.LoopValue | ir.LoopIndex):
                    raise ScriptBuildError(f"{stmt.origin}: can only assign to a variable")
            inner = loops | {stmt.loop} if isinstance(stmt, ir.ForEach) else loops
            for block in ir.blocks(stmt):
                visit(block, inner)

    def _check_expr(expr: ir.Expr, stmt: ir.Stmt, loops: frozenset[int]) -> None:
        if isinstance(expr, ir.ArgRef | ir.KeyRef | ir.LocalRef | ir.LoopIndex | ir.LoopValue):
            if expr.owner != owner:
                raise ScriptBuildError(
                    f"{stmt.origin}: {_describe(expr)} belongs to another script: "
                    "declare it in this FnContext (add_key / add_arg / add_local)")
            if isinstance(expr, ir.LoopIndex | ir.LoopValue) and expr.loop not in loops:
                raise ScriptBuildError(
                    f"{stmt.origin}: a for loop's index/value used outside its loop body")

    visit(script.body, frozenset())
