"""The typed intermediate representation of a script.

The builder (:mod:`redipy.script.seq`, :mod:`redipy.script.expr`) produces these frozen
nodes; the Lua compiler and the Python compiler read them. Nothing here knows about a
backend: the IR is the one description of a program both compilers must agree on.

Semantics follow Lua 5.1 as Redis runs it (numbers are doubles, only ``nil`` and
``false`` are falsy, ``..`` formats numbers with ``%.14g``) with redipy's adjustments:
0-based indices, ``None`` for missing values (never ``false``), and redis command
replies converted as described by each :class:`RedisCall`'s ``post``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

# ---- static types -----------------------------------------------------------------
# A static type is a set of the base kinds a value may have at run time.

NIL = "nil"
BOOL = "bool"
NUM = "num"
STR = "str"
ARRAY = "array"
OBJECT = "object"

Type = frozenset[str]
ANY: Type = frozenset({NIL, BOOL, NUM, STR, ARRAY, OBJECT})
T_NIL: Type = frozenset({NIL})
T_BOOL: Type = frozenset({BOOL})
T_NUM: Type = frozenset({NUM})
T_STR: Type = frozenset({STR})
T_ARRAY: Type = frozenset({ARRAY})
T_OBJECT: Type = frozenset({OBJECT})
T_OPT_STR: Type = frozenset({STR, NIL})
T_OPT_NUM: Type = frozenset({NUM, NIL})
T_OPT_ARRAY: Type = frozenset({ARRAY, NIL})


# ---- expressions --------------------------------------------------------------------


class Expr:
    """Base of every expression node."""

    __slots__ = ()


@dataclass(frozen=True, slots=True)
class Lit(Expr):
    """A scalar literal: ``None``, a bool, a number or a string."""

    value: bool | int | float | str | None


@dataclass(frozen=True, slots=True)
class JsonLit(Expr):
    """A list or dict literal, kept as its JSON text (a fresh value on each evaluation)."""

    text: str
    is_array: bool


@dataclass(frozen=True, slots=True)
class MakeArray(Expr):
    """A new array of the values of ``items``."""

    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class MakeDict(Expr):
    """A new dict of ``keys[i]: values[i]``."""

    keys: tuple[Expr, ...]
    values: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ArgRef(Expr):
    """The decoded JSON argument number ``index`` (named ``name`` by the caller)."""

    index: int
    name: str
    owner: int = field(compare=False, default=0)


@dataclass(frozen=True, slots=True)
class KeyRef(Expr):
    """The key argument number ``index``."""

    index: int
    name: str
    owner: int = field(compare=False, default=0)


@dataclass(frozen=True, slots=True)
class LocalRef(Expr):
    """The local variable number ``index``."""

    index: int
    owner: int = field(compare=False, default=0)


@dataclass(frozen=True, slots=True)
class LoopIndex(Expr):
    """The 0-based index of the for loop number ``loop``."""

    loop: int
    owner: int = field(compare=False, default=0)


@dataclass(frozen=True, slots=True)
class LoopValue(Expr):
    """The current element of the for loop number ``loop``."""

    loop: int
    owner: int = field(compare=False, default=0)


Ref = ArgRef | KeyRef | LocalRef | LoopIndex | LoopValue


@dataclass(frozen=True, slots=True)
class Unary(Expr):
    """``not`` (Lua truthiness) or ``neg`` (arithmetic negation)."""

    op: str
    arg: Expr


BIN_ARITH = ("add", "sub", "mul", "div", "mod")
BIN_CMP = ("eq", "ne", "lt", "le", "gt", "ge")
BIN_LOGIC = ("and", "or")


@dataclass(frozen=True, slots=True)
class Binary(Expr):
    """An arithmetic, comparison or (Lua-style, value returning) logic operator."""

    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Concat(Expr):
    """String concatenation of strings and numbers (Lua's ``..``)."""

    parts: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class ArrayLen(Expr):
    """The number of elements of an array."""

    arg: Expr


@dataclass(frozen=True, slots=True)
class StrLen(Expr):
    """The length of a string in bytes (UTF-8), as Redis's STRLEN counts."""

    arg: Expr


@dataclass(frozen=True, slots=True)
class ArrayAt(Expr):
    """Element ``index`` (0-based) of an array, ``None`` when out of range."""

    arr: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class DictGet(Expr):
    """The value of a dict at ``key``, ``None`` when missing."""

    obj: Expr
    key: Expr


@dataclass(frozen=True, slots=True)
class Call(Expr):
    """A built-in function (see :data:`redipy.script.expr.FUNCTIONS`)."""

    fn: str
    args: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class RedisCall(Expr):
    """A Redis command. ``args`` includes the key; ``post`` says how to convert the reply
    (see :data:`redipy.script.rcmd.POSTS`)."""

    cmd: str
    args: tuple[Expr, ...]
    post: str = "raw"
    written: str = field(default="", compare=False)
    """The name as ``RedisFn`` got it (``""`` from key objects): plug-ins match it."""


@dataclass(frozen=True, slots=True)
class PlugCall(Expr):
    """A call resolved when the script is registered, by the backend's plug-ins
    (:mod:`redipy.script.plugins`): ``CallFn`` of a name redipy does not know
    (``redis=False``), or, once resolved, a ``RedisFn``/``CallFn`` whose name a
    plug-in took. ``impl`` is the plug-in a backend resolved it to (``None`` before)."""

    name: str
    args: tuple[Expr, ...]
    redis: bool = False
    no_adjust: bool = False
    """0.7.1's ``no_adjust``: no Lua patch applies."""
    impl: Any = field(default=None, compare=False)


@dataclass(frozen=True, slots=True)
class Const(Expr):
    """A named constant (``redis.LOG_DEBUG`` ...)."""

    raw: str


# ---- statements ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stmt:
    """Base of every statement; ``origin`` is the ``file.py:NN`` that built it."""

    origin: str = field(default="", kw_only=True, compare=False)


@dataclass(frozen=True, slots=True)
class Declare(Stmt):
    local: int
    value: Expr


@dataclass(frozen=True, slots=True)
class Assign(Stmt):
    target: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class SetAt(Stmt):
    """``target[index] = value`` with a 0-based index (``index == len`` appends)."""

    target: Expr
    index: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class SetKey(Stmt):
    target: Expr
    key: Expr
    value: Expr


@dataclass(frozen=True, slots=True)
class Eval(Stmt):
    """An expression evaluated for its effect."""

    expr: Expr


@dataclass(frozen=True, slots=True)
class If(Stmt):
    cond: Expr
    then: tuple[Stmt, ...]
    orelse: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class While(Stmt):
    cond: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class ForEach(Stmt):
    """Loop over the elements of an array (``LoopIndex``/``LoopValue`` of ``loop``)."""

    loop: int
    array: Expr
    body: tuple[Stmt, ...]


@dataclass(frozen=True, slots=True)
class Break(Stmt):
    pass


@dataclass(frozen=True, slots=True)
class Return(Stmt):
    """End the script; ``value is None`` returns nothing (the caller sees ``None``)."""

    value: Expr | None


@dataclass(frozen=True, slots=True)
class Script:
    """A whole program: named arguments and keys, locals, loops and the body."""

    name: str
    origin: str
    args: tuple[str, ...]
    keys: tuple[str, ...]
    nlocals: int
    nloops: int
    body: tuple[Stmt, ...]


def walk_exprs(expr: Expr) -> list[Expr]:
    """``expr`` and every expression below it (pre-order)."""
    out: list[Expr] = []
    stack = [expr]
    kids = _CHILDREN
    while stack:
        cur = stack.pop()
        out.append(cur)
        get = kids.get(type(cur))
        if get is not None:
            stack.extend(reversed(get(cur)))
    return out


_CHILDREN: dict[type, Callable[[Any], tuple[Expr, ...]]] = {
    Unary: lambda e: (e.arg,),
    ArrayLen: lambda e: (e.arg,),
    StrLen: lambda e: (e.arg,),
    Binary: lambda e: (e.left, e.right),
    Concat: lambda e: e.parts,
    ArrayAt: lambda e: (e.arr, e.index),
    DictGet: lambda e: (e.obj, e.key),
    Call: lambda e: e.args,
    RedisCall: lambda e: e.args,
    PlugCall: lambda e: e.args,
    MakeArray: lambda e: e.items,
    MakeDict: lambda e: e.keys + e.values,
}


def stmt_exprs(stmt: Stmt) -> tuple[Expr, ...]:
    """The expressions directly held by a statement (not those of nested blocks)."""
    if isinstance(stmt, Declare):
        return (stmt.value,)
    if isinstance(stmt, Assign):
        return (stmt.target, stmt.value)
    if isinstance(stmt, SetAt):
        return (stmt.target, stmt.index, stmt.value)
    if isinstance(stmt, SetKey):
        return (stmt.target, stmt.key, stmt.value)
    if isinstance(stmt, Eval):
        return (stmt.expr,)
    if isinstance(stmt, If | While):
        return (stmt.cond,)
    if isinstance(stmt, ForEach):
        return (stmt.array,)
    if isinstance(stmt, Return):
        return () if stmt.value is None else (stmt.value,)
    return ()


def blocks(stmt: Stmt) -> tuple[tuple[Stmt, ...], ...]:
    if isinstance(stmt, If):
        return (stmt.then, stmt.orelse)
    if isinstance(stmt, While | ForEach):
        return (stmt.body,)
    return ()


def walk_stmts(body: tuple[Stmt, ...]) -> list[Stmt]:
    out: list[Stmt] = []
    for stmt in body:
        out.append(stmt)
        for block in blocks(stmt):
            out.extend(walk_stmts(block))
    return out
