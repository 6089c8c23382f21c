"""Helpers for library functions written in Python and called from Lua.

A library function raises :class:`LuaLibError` for a bad argument; :class:`LuaLib`
turns that into a Lua error with the script position in front, so a script sees the
message the C library gives.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_TYPE_NAMES = {str: "string", int: "number", float: "number", bool: "boolean"}


class LuaLibError(Exception):
    """A Lua error raised by a library function (message as Lua shows it)."""


def typename(value: Any) -> str:
    if value is None:
        return "nil"
    name = _TYPE_NAMES.get(type(value))
    if name is not None:
        return name
    import lupa.lua51 as lupa

    return str(lupa.lua_type(value) or "userdata")


def checknumber(args: tuple[Any, ...], i: int, fname: str, missing: str = "no value"
                ) -> float:
    """``luaL_checknumber``: numbers and numeric strings; Lua's message otherwise."""
    value = args[i - 1] if i <= len(args) else None
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    if isinstance(value, str):
        num = tonumber(value)
        if num is not None:
            return num
    got = missing if i > len(args) else typename(value)
    raise LuaLibError(f"bad argument #{i} to '{fname}' (number expected, got {got})")


def checkstring(args: tuple[Any, ...], i: int, fname: str) -> str:
    value = args[i - 1] if i <= len(args) else None
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return f"{value:.14g}"
    got = "no value" if i > len(args) else typename(value)
    raise LuaLibError(f"bad argument #{i} to '{fname}' (string expected, got {got})")


def tonumber(text: str) -> float | None:
    """Lua 5.1's string-to-number (decimal, or hex with 0x), surrounding spaces allowed."""
    s = text.strip(" \t\n\r\f\v")
    if not s:
        return None
    try:
        if s[:2].lower() == "0x" or s[:3].lower() in ("-0x", "+0x"):
            return float(int(s, 16))
        if s.lower() in ("inf", "-inf", "+inf", "nan", "-nan", "+nan", "infinity",
                         "-infinity", "+infinity"):
            return None
        value = float(s)
    except ValueError:
        return None
    return int(value) if value == int(value) and abs(value) < 2**63 else value


class ScriptRaise(Exception):
    """Raised by a Python function called from Lua to raise a Lua error: ``value`` (an
    error table or a message) is what the script's handler or ``pcall`` sees."""

    def __init__(self, value: Any) -> None:
        super().__init__(value)
        self.value = value


def unwrap_err(err: Any) -> Any:
    """The Lua error value of an exception that crossed from Python into Lua."""
    if isinstance(err, ScriptRaise):
        return err.value
    if isinstance(err, BaseException):
        return f"{type(err).__name__}: {err}"
    return err


class LuaLib:
    """Collects Python functions into one Lua table; a :class:`LuaLibError` becomes a
    Lua error positioned at the calling script line, as ``luaL_error`` positions it."""

    def __init__(self, lua: Any, name: str, where: Callable[[], str]) -> None:
        self.lua = lua
        self.name = name
        self.where = where
        self.funcs: dict[str, Callable[..., Any]] = {}

    def add(self, name: str, fn: Callable[..., Any]) -> None:
        where = self.where

        def guarded(*args: Any) -> Any:
            try:
                return fn(*args)
            except LuaLibError as exc:
                raise ScriptRaise(where() + str(exc)) from None

        self.funcs[name] = guarded

    def fn(self, f: Callable[..., Any]) -> Callable[..., Any]:
        """Decorator: ``_name`` becomes the library function ``name``."""
        self.add(f.__name__.lstrip("_"), f)
        return f

    def table(self, **extra: Any) -> Any:
        out: dict[str, Any] = dict(extra)
        out.update(self.funcs)
        return self.lua.table_from(out)
