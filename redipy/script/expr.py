"""Symbolic expressions: what script code is made of before it is compiled.

Every builder expression holds its IR node (:mod:`redipy.script.ir`), built when the
expression is created; expressions are immutable, so sharing one in several places
is fine. Names and signatures are redipy 0.7.1's.
"""

from __future__ import annotations

import json
import os
import re
import sys
from typing import Literal, NoReturn

from redipy.errors import ScriptBuildError
from redipy.script import ir

_HERE = os.path.dirname(os.path.abspath(__file__))


def caller_origin() -> str:
    """``file.py:NN`` of the first frame outside redipy's script package."""
    frame = sys._getframe(1)
    while frame is not None:
        fname = frame.f_code.co_filename
        if not fname.startswith(_HERE):
            return f"{os.path.basename(fname)}:{frame.f_lineno}"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


class Expr:
    """Base of all expressions; the operators build new expressions."""

    _node: ir.Expr

    def __init__(self, node: ir.Expr | None = None) -> None:
        if node is not None:
            self._node = node

    @property
    def node(self) -> ir.Expr:
        """The IR node of this expression."""
        return self._node

    # arithmetic (Lua semantics: numeric strings are coerced, numbers are doubles)
    def __add__(self, other: MixedType) -> Expr:
        return _bin("add", self, other)

    def __radd__(self, other: MixedType) -> Expr:
        return _bin("add", other, self)

    def __sub__(self, other: MixedType) -> Expr:
        return _bin("sub", self, other)

    def __rsub__(self, other: MixedType) -> Expr:
        return _bin("sub", other, self)

    def __mul__(self, other: MixedType) -> Expr:
        return _bin("mul", self, other)

    def __rmul__(self, other: MixedType) -> Expr:
        return _bin("mul", other, self)

    def __truediv__(self, other: MixedType) -> Expr:
        return _bin("div", self, other)

    def __rtruediv__(self, other: MixedType) -> Expr:
        return _bin("div", other, self)

    def __mod__(self, other: MixedType) -> Expr:
        return _bin("mod", self, other)

    def __rmod__(self, other: MixedType) -> Expr:
        return _bin("mod", other, self)

    def __neg__(self) -> Expr:
        return Expr(ir.Unary("neg", self._node))

    def neg_(self) -> Expr:
        """Arithmetic negation (same as ``-expr``)."""
        return -self

    # comparisons and logic
    def eq_(self, other: MixedType) -> Expr:
        return _bin("eq", self, other)

    def ne_(self, other: MixedType) -> Expr:
        return _bin("ne", self, other)

    def lt_(self, other: MixedType) -> Expr:
        return _bin("lt", self, other)

    def le_(self, other: MixedType) -> Expr:
        return _bin("le", self, other)

    def gt_(self, other: MixedType) -> Expr:
        return _bin("gt", self, other)

    def ge_(self, other: MixedType) -> Expr:
        return _bin("ge", self, other)

    def not_(self) -> Expr:
        return Expr(ir.Unary("not", self._node))

    def or_(self, other: MixedType) -> Expr:
        """Lua's ``or``: this value unless it is ``None``/``False``, else ``other``."""
        return _bin("or", self, other)

    def and_(self, other: MixedType) -> Expr:
        """Lua's ``and``: ``other`` unless this value is ``None``/``False``."""
        return _bin("and", self, other)

    def len_(self) -> Expr:
        """The number of elements of this array."""
        return Expr(ir.ArrayLen(self._node))

    def __getitem__(self, other: MixedType) -> Expr:
        """The array element at a 0-based index (``None`` when out of range)."""
        return Expr(ir.ArrayAt(self._node, lit_node(other)))

    def __iter__(self) -> NoReturn:
        raise TypeError("a script expression is not iterable: use for_() in the script")

    def get_key(self, key: MixedType) -> Expr:
        """The dict value at ``key`` (``None`` when missing)."""
        return Expr(ir.DictGet(self._node, lit_node(key)))

    def strlen_(self) -> Expr:
        """The length of this string in bytes."""
        return Expr(ir.StrLen(self._node))


LiteralType = str | int | float | bool | list | dict | None  # type: ignore[type-arg]
MixedType = LiteralType | Expr


def lit_node(value: MixedType) -> ir.Expr:
    """The IR node of an expression or a literal."""
    if isinstance(value, Expr):
        return value.node
    if value is None or isinstance(value, bool | int | float | str):
        return ir.Lit(value)
    if isinstance(value, list | dict) and _has_expr(value):
        if isinstance(value, list):
            return ir.MakeArray(tuple(lit_node(v) for v in value))
        return ir.MakeDict(tuple(lit_node(k) for k in value),
                           tuple(lit_node(v) for v in value.values()))
    if isinstance(value, list | dict):
        try:
            text = json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as err:
            raise ScriptBuildError(f"literal {value!r} is not JSON: {err}") from None
        return ir.JsonLit(text, isinstance(value, list))
    raise ScriptBuildError(
        f"cannot use {type(value).__name__} {value!r} in a script: "
        "use a str, int, float, bool, None, list, dict or a script expression")


def _has_expr(value: object) -> bool:
    if isinstance(value, Expr):
        return True
    if isinstance(value, list):
        return any(_has_expr(v) for v in value)
    if isinstance(value, dict):
        return any(_has_expr(k) or _has_expr(v) for k, v in value.items())
    return False


def lit_helper(value: MixedType) -> Expr:
    """An expression for a literal (expressions pass through), as in 0.7.1."""
    if isinstance(value, Expr):
        return value
    return Expr(lit_node(value))


def _bin(op: str, left: MixedType, right: MixedType) -> Expr:
    return Expr(ir.Binary(op, lit_node(left), lit_node(right)))


class LiteralOp(Expr):
    """A literal value as an expression."""

    def __init__(self, value: LiteralType) -> None:
        super().__init__(lit_node(value))


class Constant(Expr):
    """A named constant (only the ``redis.LOG_*`` levels mean the same on both backends)."""

    def __init__(self, raw: str) -> None:
        if raw not in CONSTANTS:
            raise ScriptBuildError(
                f"unknown constant {raw!r}: known are {', '.join(sorted(CONSTANTS))}")
        super().__init__(ir.Const(raw))


CONSTANTS: dict[str, int | float] = {
    "redis.LOG_DEBUG": 0,
    "redis.LOG_VERBOSE": 1,
    "redis.LOG_NOTICE": 2,
    "redis.LOG_WARNING": 3,
    "math.huge": float("inf"),
    "math.pi": 3.141592653589793,
}


class Strs(Expr):
    """Concatenates strings and numbers (numbers are written as Lua writes them)."""

    def __init__(self, *values: MixedType) -> None:
        if not values:
            super().__init__(ir.Lit(""))
        else:
            super().__init__(ir.Concat(tuple(lit_node(v) for v in values)))


# ---- functions ----------------------------------------------------------------------

# name -> (min args, max args, result type)
FUNCTIONS: dict[str, tuple[int, int, ir.Type]] = {
    "tonumber": (1, 1, ir.T_OPT_NUM),
    "tostring": (1, 1, ir.T_STR),
    "asintstr": (1, 1, ir.T_STR),
    "cjson.encode": (1, 1, ir.T_STR),
    "cjson.decode": (1, 1, ir.ANY),
    "type": (1, 1, ir.T_STR),
    "string.find": (2, 3, ir.T_OPT_NUM),
    "string.len": (1, 1, ir.T_NUM),
    "string.upper": (1, 1, ir.T_STR),
    "string.lower": (1, 1, ir.T_STR),
    "string.rep": (2, 2, ir.T_STR),
    "math.floor": (1, 1, ir.T_NUM),
    "math.ceil": (1, 1, ir.T_NUM),
    "math.abs": (1, 1, ir.T_NUM),
    "math.min": (1, 16, ir.T_NUM),
    "math.max": (1, 16, ir.T_NUM),
    "redis.log": (2, 2, ir.T_NIL),
}


class CallFn(Expr):
    """Calls a built-in function by its Lua name (see ``FUNCTIONS``)."""

    def __init__(self, fname: str, *args: MixedType, no_adjust: bool = False) -> None:
        if fname == "redis.call":
            if not args or not isinstance(args[0], str):
                raise ScriptBuildError("redis.call needs the command name as a str")
            call = RedisFn(args[0], *args[1:], no_adjust=no_adjust)
            super().__init__(call.node)
            return
        spec = FUNCTIONS.get(fname)
        if spec is None:
            super().__init__(plugin_call(fname, args, no_adjust=no_adjust))
            return
        lo, hi, _ = spec
        if not lo <= len(args) <= hi:
            want = str(lo) if lo == hi else f"{lo} to {hi}"
            raise ScriptBuildError(
                f"{fname} takes {want} argument{'s' if hi != 1 else ''}, got {len(args)}")
        super().__init__(ir.Call(fname, tuple(lit_node(a) for a in args)))


_LUA_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*")


def plugin_call(fname: str, args: tuple[MixedType, ...], *,
                no_adjust: bool = False) -> ir.PlugCall:
    """``CallFn`` of a name redipy does not know: left for the backend's plug-ins to
    resolve when the script is registered (:mod:`redipy.script.plugins`); on a server
    without one it is Lua's own function of that name, as in 0.7.1."""
    if not _LUA_NAME.fullmatch(fname):
        raise ScriptBuildError(
            f"unknown function {fname!r}: known are {', '.join(sorted(FUNCTIONS))} "
            "(or a plug-in's name, a Lua identifier like 'string.sub')")
    return ir.PlugCall(fname, tuple(lit_node(a) for a in args), no_adjust=no_adjust)


class FindFn(CallFn):
    """The 0-based position of ``needle`` in ``haystack`` (plain text, bytes), or None."""

    def __init__(self, haystack: MixedType, needle: MixedType,
                 start_ix: MixedType = None) -> None:
        super().__init__("string.find", haystack, needle,
                         *([] if start_ix is None else [start_ix]))


class FromJSON(CallFn):
    """Decodes a JSON string."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("cjson.decode", arg)


class ToJSON(CallFn):
    """Encodes a value as JSON (numbers with 14 significant digits, as cjson does)."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("cjson.encode", arg)


class ToNum(CallFn):
    """Converts a string to a number (``None`` when it is not one)."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("tonumber", arg)


class ToIntStr(CallFn):
    """A number (or numeric string) rounded down, as an integer string (``"3"``)."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("asintstr", arg)


class ToStr(CallFn):
    """Converts a value to a string (numbers with 14 significant digits)."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("tostring", arg)


class TypeStr(CallFn):
    """The Lua type name of a value: nil, boolean, number, string or table."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("type", arg)


class StrLen(CallFn):
    """The length of a string in bytes."""

    def __init__(self, arg: MixedType) -> None:
        super().__init__("string.len", arg)


LogLevel = Literal["debug", "verbose", "notice", "warning"]


class LogFn(CallFn):
    """Writes a message to the server log (memory backend: the ``redipy.script`` logger)."""

    def __init__(self, level: LogLevel, message: MixedType) -> None:
        super().__init__("redis.log", self.convert_level(level), message)

    @staticmethod
    def convert_level(level: LogLevel) -> Expr:
        raw = {
            "debug": "redis.LOG_DEBUG",
            "verbose": "redis.LOG_VERBOSE",
            "notice": "redis.LOG_NOTICE",
            "warning": "redis.LOG_WARNING",
        }.get(level)
        if raw is None:
            raise ScriptBuildError(f"could not determine log level: {level}")
        return Constant(raw)


def check_command_arity(cmd: str, argc: int) -> None:
    """Fail at build time when the command table knows ``cmd`` and ``argc`` is wrong."""
    from redipy import commands

    spec = commands.lookup(cmd)
    if spec is None:
        return
    if not spec.arity_ok(argc):
        want = f"exactly {spec.arity - 1}" if spec.arity >= 0 else f"at least {-spec.arity - 1}"
        raise ScriptBuildError(
            f"{spec.name} takes {want} argument{'s' if abs(spec.arity) != 2 else ''} "
            f"after the name, got {argc - 1}")
    if not spec.script:
        raise ScriptBuildError(f"{spec.name} cannot be used inside a script")


def redis_call(cmd: str, args: tuple[MixedType, ...], post: str = "raw", *,
               written: str = "") -> Expr:
    """A Redis command call expression (arity checked against the command table);
    ``written`` is the name ``RedisFn`` got, which a plug-in may take over."""
    name = cmd.upper()
    check_command_arity(name, len(args) + 1)
    return Expr(ir.RedisCall(name, tuple(lit_node(a) for a in args), post, written))


class RedisFn(Expr):
    """Calls a Redis command. 0.7.1's lower-case names keep 0.7.1's reply conversions
    (``"get"`` gives None for missing, ``"incrby"`` uses INCRBYFLOAT, ...); other names,
    or ``no_adjust=True``, give the reply as Lua would see it with nil as ``None``."""

    def __init__(self, redis_fn: str, key: MixedType, *args: MixedType,
                 no_adjust: bool = False) -> None:
        cmd, post = redis_fn.upper(), "raw"
        legacy = None if no_adjust else LEGACY.get(redis_fn)
        if legacy is not None:
            cmd, post = legacy
            if redis_fn == "set" and any(
                    isinstance(a, str) and a.upper() == "GET" for a in args):
                post = "bulk"
            if redis_fn in ("lpop", "rpop") and args:
                post = "strs"
            if redis_fn in ("zpopmax", "zpopmin") and len(args) > 1:
                post = "raw"
        # no_adjust: the plain command, never a plug-in
        written = "" if no_adjust else redis_fn
        super().__init__(redis_call(cmd, (key, *args), post, written=written).node)


def _legacy() -> dict[str, tuple[str, str]]:
    from redipy.script.rcmd import LEGACY_POSTS

    return LEGACY_POSTS


LEGACY = _legacy()
