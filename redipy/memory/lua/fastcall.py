"""``redis.call``'s fast lane: one small generated function per argument signature.

Every command gets a caller ``fast(db, args)`` (``args``: the values after the command
name, as lupa hands them over) for the running script that may skip the general path's
checks (no write check, RESP2, nobody watching; see ``RunContext.fast``). A command
with a direct form (:class:`redipy.memory.registry.Direct`) has its values checked
against the form's kinds with no loop and no list and the form called positionally;
otherwise, or when the count does not fit the form, the arity is checked and the
handler gets the values as a tuple, numbers written as Valkey writes them. It answers
:data:`MISS` when a value is not a string or a number (the general path gives the
error). The callers are generated once per shape, as ``namedtuple`` makes its classes:
the loop they replace cost more than the command itself for one- and two-argument
commands.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redipy.memory.lua.numbers import LL_HALF, arg_text

MISS: Any = object()
"""What a fast caller answers when the call must take the general path (a value that
is neither a string nor a number, a count the command's arity refuses)."""

DIRECT_INT = 1 << 62
"""Whole numbers beyond this go through the handler's parsing (Lua numbers are doubles)."""
HALF = int(LL_HALF)
"""arg_text's bound of the numbers written as ``str(n)``."""

FastCaller = Callable[[Any, tuple[Any, ...]], Any]
"""``fast(db, args)``: the reply, or :data:`MISS`."""

_MADE: dict[tuple[tuple[str, ...], int, bool, bool], Callable[..., FastCaller]] = {}


def _factory(kinds: tuple[str, ...], nfixed: int, pack: bool = False, write: bool = False
             ) -> Callable[..., FastCaller]:
    """Source for the kinds, compiled once: ``make(fn, other, *fixed)`` gives a caller
    that hands a call it cannot take to ``other(db, args)``. ``pack``: ``fn`` is a
    handler, given the values as one tuple (the script's own when they are all strings
    already). ``write``: the caller marks ``db.script_wrote`` (SCRIPT KILL then answers
    UNKILLABLE, as a server does once a script called a write command)."""
    key = (kinds, nfixed, pack, write)
    made = _MADE.get(key)
    if made is not None:
        return made
    names = [f"a{i}" for i in range(len(kinds))]
    fixed = [f"f{i}" for i in range(nfixed)]
    if names:  # a count that does not fit fails the unpacking (no len() call)
        body = ["    try:",
                f"        {', '.join(names)}{',' if len(names) == 1 else ''} = args",
                "    except ValueError:",
                "        return other(db, args)"]
    else:
        body = ["    if args:", "        return other(db, args)"]
    if pack and names:
        body += ["    if " + " and ".join(f"type({n}) is str" for n in names) + ":",
                 *(["        db.script_wrote = True"] if write else []),
                 "        return fn(db, args)"]
    for name, kind in zip(names, kinds, strict=True):
        if kind == "str":  # arg_text's common case inlined: a whole number in range
            body += [f"    t = type({name})",
                     "    if t is not str:",
                     f"        if t is int and {-HALF} <= {name} <= {HALF}:",
                     f"            {name} = str({name})",
                     "        elif t is int or t is float:",
                     f"            {name} = arg_text({name})",
                     "        else:",
                     "            return other(db, args)"]
        else:
            body += [f"    if type({name}) is not int or not {-DIRECT_INT} <= {name} <= "
                     f"{DIRECT_INT}:",
                     "        return other(db, args)"]
    if write:
        body.append("    db.script_wrote = True")
    if pack:
        body.append(f"    return fn(db, ({''.join(n + ', ' for n in names)}))")
    else:
        body.append(f"    return fn(db, {', '.join(names + fixed)})")
    src = "\n".join([f"def make(fn, other{''.join(', ' + f for f in fixed)}):",
                     "    def fast(db, args):", *("    " + line for line in body),
                     "    return fast"])
    namespace: dict[str, Any] = {"arg_text": arg_text}
    exec(compile(src, f"<redis.call {','.join(kinds)}>", "exec"), namespace)
    make: Callable[..., FastCaller] = namespace["make"]
    _MADE[key] = make
    return make


def _miss(db: Any, args: tuple[Any, ...]) -> Any:
    return MISS


def _texts(args: tuple[Any, ...]) -> Any:
    """The values as the handler's strings, or MISS for one that is neither a string
    nor a number."""
    out = []
    for a in args:
        t = type(a)
        if t is str:
            out.append(a)
        elif t is int or t is float:
            out.append(arg_text(a))
        else:
            return MISS
    return out


_EXACT = 6
"""Handlers of a fixed arity up to this many arguments get an unrolled caller."""


def _handler(handler: Callable[..., Any], arity: int, write: bool) -> FastCaller:
    """The caller of a handler: arity checked, values as strings."""
    if 0 < arity <= _EXACT + 1:
        return _factory(("str",) * (arity - 1), 0, pack=True, write=write)(handler, _miss)
    least = -arity - 1  # values after the name
    exact = arity - 1

    def fast(db: Any, args: tuple[Any, ...]) -> Any:
        n = len(args)
        if (n != exact) if arity >= 0 else (n < least):
            return MISS
        for a in args:
            if type(a) is not str:
                args = _texts(args)
                if args is MISS:
                    return MISS
                break
        if write:
            db.script_wrote = True
        return handler(db, args)

    return fast


def fast_caller(handler: Callable[..., Any], arity: int, fn: Callable[..., Any] | None,
                kinds: tuple[str, ...], fixed: tuple[Any, ...], *, write: bool = False
                ) -> FastCaller:
    """The fast caller of one command: its direct form ``fn`` first when it has one,
    the handler when the values do not fit the form."""
    general = _handler(handler, arity, write)
    if fn is None:
        return general
    return _factory(kinds, len(fixed), write=write)(fn, general, *fixed)
