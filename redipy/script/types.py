"""Static types of IR expressions.

Both compilers need them: the Lua side to return ``[]`` for an empty array (Lua has
one table type, and cjson writes an empty one as ``{}``), the Python side to emit
plain Python operators when both operands are known numbers or strings. A local's
type is the union of everything ever assigned to it (a small fixpoint).
"""

from __future__ import annotations

from redipy.script import ir
from redipy.script.expr import FUNCTIONS
from redipy.script.luastr import lua_string
from redipy.script.rcmd import POSTS

_FALSY = frozenset({ir.NIL, ir.BOOL})


class Typer:
    """Types of the expressions of one script."""

    def __init__(self, script: ir.Script) -> None:
        self.locals: list[ir.Type] = [frozenset() for _ in range(script.nlocals)]
        self.args: list[ir.Type] = [ir.ANY for _ in script.args]
        self.keys: list[ir.Type] = [ir.T_STR for _ in script.keys]
        stmts = ir.walk_stmts(script.body)
        # a local read before its declaration (it is declared later at the top level,
        # used in an earlier block) may be nil
        declared: set[int] = set()
        for top in script.body:
            for stmt in ir.walk_stmts((top,)):
                for root in ir.stmt_exprs(stmt):
                    for expr in ir.walk_exprs(root):
                        if isinstance(expr, ir.LocalRef) and expr.index not in declared:
                            self.locals[expr.index] = ir.T_NIL
            if isinstance(top, ir.Declare):
                declared.add(top.local)
        for _ in range(20):
            changed = False
            for stmt in stmts:
                if isinstance(stmt, ir.Declare):
                    changed |= self._widen(ir.LocalRef(stmt.local), stmt.value)
                elif isinstance(stmt, ir.Assign):
                    changed |= self._widen(stmt.target, stmt.value)
            if not changed:
                break
        else:  # pragma: no cover - types only grow, in at most 6 steps per local
            self.locals = [ir.ANY for _ in self.locals]

    def _widen(self, target: ir.Expr, value: ir.Expr) -> bool:
        new = self.of(value)
        if isinstance(target, ir.LocalRef):
            old = self.locals[target.index]
            if not new <= old:
                self.locals[target.index] = old | new
                return True
        elif isinstance(target, ir.KeyRef):
            old = self.keys[target.index]
            if not new <= old:
                self.keys[target.index] = old | new
                return True
        return False

    def of(self, expr: ir.Expr) -> ir.Type:
        if isinstance(expr, ir.Lit):
            val = expr.value
            if val is None:
                return ir.T_NIL
            if isinstance(val, bool):
                return ir.T_BOOL
            if isinstance(val, int | float):
                return ir.T_NUM
            return ir.T_STR
        if isinstance(expr, ir.JsonLit):
            return ir.T_ARRAY if expr.is_array else ir.T_OBJECT
        if isinstance(expr, ir.MakeArray):
            return ir.T_ARRAY
        if isinstance(expr, ir.MakeDict):
            return ir.T_OBJECT
        if isinstance(expr, ir.LocalRef):
            return self.locals[expr.index]
        if isinstance(expr, ir.ArgRef):
            return self.args[expr.index]
        if isinstance(expr, ir.KeyRef):
            return self.keys[expr.index]
        if isinstance(expr, ir.LoopIndex):
            return ir.T_NUM
        if isinstance(expr, ir.LoopValue):
            return ir.ANY
        if isinstance(expr, ir.Unary):
            return ir.T_BOOL if expr.op == "not" else ir.T_NUM
        if isinstance(expr, ir.Binary):
            if expr.op in ir.BIN_ARITH:
                return ir.T_NUM
            if expr.op in ir.BIN_CMP:
                return ir.T_BOOL
            left, right = self.of(expr.left), self.of(expr.right)
            if expr.op == "and":
                return (left & _FALSY) | right
            return (left - {ir.NIL}) | right
        if isinstance(expr, ir.Concat):
            return ir.T_STR
        if isinstance(expr, ir.ArrayLen | ir.StrLen):
            return ir.T_NUM
        if isinstance(expr, ir.ArrayAt | ir.DictGet):
            return ir.ANY
        if isinstance(expr, ir.Call):
            return FUNCTIONS[expr.fn][2]
        if isinstance(expr, ir.RedisCall):
            return POSTS[expr.post].type
        if isinstance(expr, ir.Const):
            return ir.T_NUM
        return ir.ANY


def is_only(typ: ir.Type, *kinds: str) -> bool:
    """Whether every value of ``typ`` is one of ``kinds`` (and ``typ`` is not empty)."""
    return bool(typ) and typ <= frozenset(kinds)


def return_shape(typ: ir.Type) -> str:
    """``"array"`` / ``"object"`` when an empty table must come back as ``[]`` / ``{}``."""
    tables = typ & {ir.ARRAY, ir.OBJECT}
    if tables == {ir.ARRAY}:
        return "array"
    if tables == {ir.OBJECT}:
        return "object"
    return "any"


# ---- shapes: where empty tables are arrays --------------------------------------------
# A shape is None (unknown: an empty table is written ``{}``, as cjson does) or
# (kind, items, each, fields): kind "a" (array) or "o" (object), shapes of the items of
# an array by position, a shape for every element, and shapes of an object's fields.

Shape = tuple[str, tuple["Shape | None", ...] | None, "Shape | None",
              tuple[tuple[str, "Shape | None"], ...] | None]

_STR_ARRAY: Shape = ("a", None, None, None)
_OBJECT: Shape = ("o", None, None, None)
_POST_SHAPES: dict[str, Shape] = {
    "arr": _STR_ARRAY, "strs": _STR_ARRAY, "score_pairs": ("a", None, _STR_ARRAY, None),
    "pairs_dict": _OBJECT, "hmget": _OBJECT,
}


def _value_shape(value: object) -> Shape | None:
    if isinstance(value, list):
        items = tuple(_value_shape(v) for v in value)
        return ("a", items if any(items) else None, None, None)
    if isinstance(value, dict):
        fields = tuple((str(k), _value_shape(v)) for k, v in value.items())
        return ("o", None, None, fields if any(s for _, s in fields) else None)
    return None


def shape_of(typer: Typer, expr: ir.Expr) -> Shape | None:
    """The static shape of ``expr``'s value (nested where it is known)."""
    import json

    if isinstance(expr, ir.MakeArray):
        items = tuple(shape_of(typer, e) for e in expr.items)
        return ("a", items if any(items) else None, None, None)
    if isinstance(expr, ir.MakeDict):
        fields = tuple((k.value, shape_of(typer, v)) for k, v in zip(expr.keys, expr.values)
                       if isinstance(k, ir.Lit) and isinstance(k.value, str))
        return ("o", None, None, fields if any(s for _, s in fields) else None)
    if isinstance(expr, ir.JsonLit):
        return _value_shape(json.loads(expr.text))
    if isinstance(expr, ir.RedisCall) and expr.post in _POST_SHAPES:
        return _POST_SHAPES[expr.post]
    shape = return_shape(typer.of(expr))
    if shape == "array":
        return _STR_ARRAY
    if shape == "object":
        return _OBJECT
    return None


def lua_shape(shape: Shape | None) -> str:
    """A shape as a Lua table literal (``false`` for unknown)."""
    if shape is None:
        return "false"
    kind, items, each, fields = shape
    parts = [f'k="{kind}"']
    if items is not None:
        parts.append("i={" + ", ".join(lua_shape(s) for s in items) + "}")
    if each is not None:
        parts.append(f"e={lua_shape(each)}")
    if fields is not None:

        parts.append("f={" + ", ".join(
            f"[{lua_string(k)}]={lua_shape(s)}" for k, s in fields) + "}")
    return "{" + ", ".join(parts) + "}"


def is_flat(shape: Shape | None) -> bool:
    return shape is None or (shape[1] is None and shape[2] is None and shape[3] is None)
