"""Negative zero out of constants, so both compilers agree on them.

Lua 5.1 folds arithmetic on numeric constants while compiling and keeps each function's
constants in a table keyed by value, where ``-0 == 0``: a folded ``-0`` becomes whichever
of ``0`` / ``-0`` the function met first (``tostring`` then says ``0`` or ``-0``). Python
has no such table. This pass replaces every literal-only arithmetic expression whose
value is ``-0`` (and every ``-0`` literal) with the literal ``0``, so no ``-0`` constant
reaches the Lua text and both backends compute ``0``. Other constant expressions are
left alone: Lua folds them to the same IEEE double Python computes at run time.
"""

from __future__ import annotations

import math
from dataclasses import fields, replace
from typing import Any

from redipy.script import ir

_ZERO = ir.Lit(0.0)


def fold_negative_zero(script: ir.Script) -> ir.Script:
    return replace(script, body=tuple(_stmt(s) for s in script.body))


def _stmt(stmt: ir.Stmt) -> ir.Stmt:
    changes: dict[str, Any] = {}
    for f in fields(stmt):
        if f.name == "origin":
            continue
        old = getattr(stmt, f.name)
        new = _any(old)
        if new is not old:
            changes[f.name] = new
    return replace(stmt, **changes) if changes else stmt


def _any(value: Any) -> Any:
    if isinstance(value, ir.Expr):
        return _expr(value)[0]
    if isinstance(value, ir.Stmt):
        return _stmt(value)
    if isinstance(value, tuple):
        out = tuple(_any(v) for v in value)
        return value if all(a is b for a, b in zip(out, value)) else out
    return value


def _expr(expr: ir.Expr) -> tuple[ir.Expr, float | None]:
    """The expression with ``-0`` constants folded away, and its value when it is a
    number Lua would fold (``None`` otherwise)."""
    if isinstance(expr, ir.Lit):
        val = expr.value
        if isinstance(val, int | float) and not isinstance(val, bool):
            num = float(val)
            if num == 0 and math.copysign(1.0, num) < 0:
                return _ZERO, 0.0
            return expr, num
        return expr, None
    if isinstance(expr, ir.Unary) and expr.op == "neg":
        arg, val = _expr(expr.arg)
        negated: ir.Expr = expr if arg is expr.arg else replace(expr, arg=arg)
        return _settle(negated, None if val is None else -val)
    if isinstance(expr, ir.Binary) and expr.op in ir.BIN_ARITH:
        left, lval = _expr(expr.left)
        right, rval = _expr(expr.right)
        combined: ir.Expr = expr if left is expr.left and right is expr.right else \
            replace(expr, left=left, right=right)
        return _settle(combined, _arith(expr.op, lval, rval))
    changes: dict[str, Any] = {}
    for f in fields(expr):  # type: ignore[arg-type]
        old = getattr(expr, f.name)
        new = _any(old)
        if new is not old:
            changes[f.name] = new
    return (replace(expr, **changes) if changes else expr), None  # type: ignore[type-var]


def _settle(node: ir.Expr, val: float | None) -> tuple[ir.Expr, float | None]:
    if val is not None and val == 0 and math.copysign(1.0, val) < 0:
        return _ZERO, 0.0
    return node, val


def _arith(op: str, a: float | None, b: float | None) -> float | None:
    """What Lua 5.1's constant folding computes, or ``None`` where it does not fold
    (a non-constant operand, division or modulo by zero, a NaN result)."""
    if a is None or b is None:
        return None
    try:
        if op == "add":
            out = a + b
        elif op == "sub":
            out = a - b
        elif op == "mul":
            out = a * b
        elif b == 0:
            return None
        elif op == "div":
            out = a / b
        else:
            out = a - math.floor(a / b) * b
    except (OverflowError, ValueError):
        return None
    return None if out != out else out
