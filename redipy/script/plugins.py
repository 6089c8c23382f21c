"""0.7.1's plug-ins in scripts: where a script's function names are resolved.

A script names a function in two ways: ``RedisFn(name, key, ...)`` (the IR keeps the
name as written: ``RedisCall.written``) and ``CallFn(name, ...)`` (a built-in
``ir.Call``, or an ``ir.PlugCall`` for a name redipy does not know). **Plug-in names are
resolved here, when a script is registered** (:func:`for_backend`): the backend's
:class:`PluginTable` is looked up and each call a plug-in takes becomes an
``ir.PlugCall`` holding it. The compilers then call it: the Python compiler calls the
memory plug-in (:class:`MemoryPlugin`), the Lua compiler applies the Lua patch
(:mod:`redipy.script.luapatch`). A script that names no plug-in keeps its one compiled
form, so scripts without plug-ins pay nothing.

Another source of names (custom commands) hooks in at :func:`resolve`: a ``RedisCall``
left alone is compiled as the command table and the backend's handlers say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields, replace
from typing import Any

from redipy.errors import ScriptBuildError
from redipy.memory.boundary import to_bytes, to_text
from redipy.script import ir

HELPER_PKG = "redipy"
"""The Lua table 0.7.1's helper functions live in (``redipy.name(...)``)."""


class PluginArgcError(ScriptBuildError, ValueError):
    """A memory plug-in called with a number of arguments its ``argc()`` refuses
    (0.7.1 raised ``ValueError`` with these words when the script ran; the count is
    known when the script is registered, so it fails then)."""


@dataclass
class PluginTable:
    """The plug-ins of one backend: shared by every client and runtime over it, as
    0.7.1's runtime held them. Memory plug-ins are 0.7.1's ``LocalRedisFunction`` /
    ``LocalGeneralFunction`` objects, Lua ones ``LuaRedisPatch`` / ``LuaGeneralPatch``
    / ``HelperFunction`` objects; ``machine(backend, db)`` makes the view of the
    database a ``LocalRedisFunction`` receives."""

    redis_fns: dict[str, Any] = field(default_factory=dict)
    general_fns: dict[str, Any] = field(default_factory=dict)
    redis_patches: dict[str, Any] = field(default_factory=dict)
    general_patches: dict[str, Any] = field(default_factory=dict)
    helpers: dict[str, Any] = field(default_factory=dict)
    machine: Callable[[Any, Any], Any] | None = None
    lua_argc: dict[tuple[bool, str], Any] = field(default_factory=dict)
    """Argument counts for the Lua side, by (``RedisFn``?, name): the ``argc()`` of the
    memory functions in a module registered there, so both copies refuse the same
    calls."""
    _wrapped: dict[tuple[str, bool], MemoryPlugin] = field(default_factory=dict)

    def memory_fn(self, name: str, *, redis: bool, backend: Any) -> MemoryPlugin | None:
        """The callable a compiled script uses for memory plug-in ``name`` (one object
        per plug-in, so compiled forms can be cached by it)."""
        obj = (self.redis_fns if redis else self.general_fns).get(name)
        if obj is None:
            return None
        got = self._wrapped.get((name, redis))
        if got is None or got.plugin is not obj:
            got = MemoryPlugin(obj, name, redis, self.machine, backend)
            self._wrapped[(name, redis)] = got
        return got


_ATTR = "_redipy_plugins"


def table_of(backend: Any) -> PluginTable | None:
    """The plug-ins registered on ``backend`` (``None``: none ever were)."""
    got: PluginTable | None = getattr(backend, _ATTR, None)
    return got


def table_for(backend: Any) -> PluginTable:
    """The plug-in table of ``backend``, made on first use."""
    got = table_of(backend)
    if got is None:
        got = PluginTable()
        setattr(backend, _ATTR, got)
    return got


# ---- memory plug-ins: values in and out, argument counts ------------------------------


def check_argc(name: str, argc: Any, count: int) -> None:
    """0.7.1's ``require_argc`` (same rule, same words): exactly ``count``, or up to
    ``at_most``, or more than ``count`` with ``at_least``."""
    want = int(argc["count"])
    at_least = bool(argc.get("at_least", False))
    at_most = argc.get("at_most")
    if count == want or (at_most is not None and count <= at_most) or (
            at_least and count > want):
        return
    upto = "" if at_most is None else f"up to {at_most} arguments "
    raise PluginArgcError(
        f"{name}: incorrect number of arguments need "
        f"{'at least' if at_least else 'exactly'} {want} {upto}got {count}")


def check_call(name: str, argc: Any, count: int, *, redis: bool) -> None:
    """:func:`check_argc` for a call of ``count`` arguments; for ``RedisFn`` the key
    counts, as 0.7.1 counted it."""
    spec = dict(argc)
    if redis:
        spec["count"] = int(spec["count"]) + 1
        if spec.get("at_most") is not None:
            spec["at_most"] = int(spec["at_most"]) + 1
    check_argc(name, spec, count)


def to_plugin(value: Any) -> Any:
    """A script value as 0.7.1 handed it to a plug-in: text, whole numbers as ``int``."""
    kind = type(value)
    if kind is str:
        return to_text(value)
    if kind is float:
        if value.is_integer() and abs(value) < 2**53:
            return int(value)
        return value
    if kind is list:
        return [to_plugin(v) for v in value]
    if kind is dict:
        return {to_plugin(k): to_plugin(v) for k, v in value.items()}
    return value


def from_plugin(value: Any) -> Any:
    """A plug-in's result as a script value (byte strings, numbers as floats)."""
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, str):
        return to_bytes(str(value))
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, list | tuple | set | frozenset):
        return [from_plugin(v) for v in value]
    if isinstance(value, dict):
        return {from_plugin(k): from_plugin(v) for k, v in value.items()}
    # a TypeError fails the script run like any other error inside it
    raise TypeError(f"a plug-in returned {type(value).__name__} {value!r}: "
                    "plug-ins return JSON values")


class MemoryPlugin:
    """What a compiled script calls for a memory plug-in: ``fn(db, values)``."""

    __slots__ = ("backend", "label", "machine", "name", "plugin", "redis")

    def __init__(self, plugin: Any, name: str, redis: bool,
                 machine: Callable[[Any, Any], Any] | None, backend: Any) -> None:
        self.plugin = plugin
        self.name = name
        self.redis = redis
        self.machine = machine
        self.backend = backend
        cls = type(plugin)
        self.label = f"{name}={cls.__module__}.{cls.__qualname__}"

    def check(self, count: int) -> None:
        check_call(self.name, self.plugin.argc(), count, redis=self.redis)

    def __call__(self, db: Any, values: list[Any]) -> Any:
        args = [to_plugin(v) for v in values]
        if not self.redis:
            return from_plugin(self.plugin.call(args))
        if self.machine is None:  # pragma: no cover - set by every registration
            raise ScriptBuildError("no memory view for redis plug-ins")
        return from_plugin(self.plugin.call(
            self.machine(self.backend, db), f"{args[0]}", args[1:]))


# ---- resolving a script's names ---------------------------------------------------------


def resolve(script: ir.Script, table: PluginTable | None, *, memory: bool,
            backend: Any = None) -> ir.Script | None:
    """``script`` with every call a plug-in of ``table`` takes replaced by a resolved
    ``ir.PlugCall``, or ``None`` when nothing changes. On the memory backend an
    unknown ``CallFn`` name is an error (0.7.1's words); on a server it stays Lua's
    own function of that name, and a ``redipy.NAME`` helper must be registered."""
    changed = False

    def visit(node: ir.Expr) -> ir.Expr:
        nonlocal changed
        got = _memory(node, table, backend) if memory else _lua(node, table)
        if got is not node:
            changed = True
        return got

    body = tuple(_map_stmt(stmt, visit) for stmt in script.body)
    return replace(script, body=body) if changed else None


def _memory(node: ir.Expr, table: PluginTable | None, backend: Any) -> ir.Expr:
    if isinstance(node, ir.RedisCall):
        if not node.written or table is None:
            return node
        fn = table.memory_fn(node.written, redis=True, backend=backend)
        if fn is None:
            return node
        fn.check(len(node.args))
        return ir.PlugCall(node.written, node.args, True, False, fn)
    if isinstance(node, ir.Call | ir.PlugCall):
        name = node.fn if isinstance(node, ir.Call) else node.name
        if isinstance(node, ir.PlugCall) and node.impl is not None:
            return node
        fn = None if table is None else table.memory_fn(name, redis=False, backend=backend)
        if fn is None:
            if isinstance(node, ir.PlugCall):
                raise ScriptBuildError(
                    f"unknown function {name}: the memory backend has no plug-in of that "
                    "name (LocalRuntime.add_general_function_plugin registers one)")
            return node
        fn.check(len(node.args))
        return ir.PlugCall(name, node.args, False, False, fn)
    return node


def _lua(node: ir.Expr, table: PluginTable | None) -> ir.Expr:
    if table is not None and table.lua_argc:
        _lua_counts(node, table)
    if isinstance(node, ir.RedisCall):
        patch = None if table is None or not node.written else \
            table.redis_patches.get(node.written)
        if patch is None:
            return node
        return ir.PlugCall(node.written, node.args, True, False, patch)
    if isinstance(node, ir.Call):
        patch = None if table is None else table.general_patches.get(node.fn)
        return node if patch is None else ir.PlugCall(node.fn, node.args, False, False, patch)
    if isinstance(node, ir.PlugCall) and node.impl is None:
        if node.name.startswith(f"{HELPER_PKG}."):
            short = node.name[len(HELPER_PKG) + 1:]
            if table is None or short not in table.helpers:
                raise ScriptBuildError(
                    f"unknown helper {short}: LuaBackend.add_helper_function_plugin "
                    "registers one")
            return node
        if node.no_adjust or table is None:
            return node
        patch = table.general_patches.get(node.name)
        return node if patch is None else replace(node, impl=patch)
    return node


def _lua_counts(node: ir.Expr, table: PluginTable) -> None:
    if isinstance(node, ir.RedisCall):
        key = (True, node.written)
    elif isinstance(node, ir.PlugCall):
        key = (node.redis, node.name)
    elif isinstance(node, ir.Call):
        key = (False, node.fn)
    else:
        return
    argc = table.lua_argc.get(key)
    if argc is not None:
        check_call(key[1], argc, len(node.args), redis=key[0])


def _map_expr(expr: ir.Expr, visit: Callable[[ir.Expr], ir.Expr]) -> ir.Expr:
    changes: dict[str, Any] = {}
    for fld in fields(expr):  # type: ignore[arg-type]
        if fld.name == "impl":
            continue
        old = getattr(expr, fld.name)
        new = _map_any(old, visit)
        if new is not old:
            changes[fld.name] = new
    node = replace(expr, **changes) if changes else expr  # type: ignore[type-var]
    return visit(node)


def _map_any(value: Any, visit: Callable[[ir.Expr], ir.Expr]) -> Any:
    if isinstance(value, ir.Expr):
        return _map_expr(value, visit)
    if isinstance(value, ir.Stmt):
        return _map_stmt(value, visit)
    if isinstance(value, tuple):
        out = tuple(_map_any(v, visit) for v in value)
        return value if all(a is b for a, b in zip(out, value)) else out
    return value


def _map_stmt(stmt: ir.Stmt, visit: Callable[[ir.Expr], ir.Expr]) -> ir.Stmt:
    changes: dict[str, Any] = {}
    for fld in fields(stmt):
        if fld.name == "origin":
            continue
        old = getattr(stmt, fld.name)
        new = _map_any(old, visit)
        if new is not old:
            changes[fld.name] = new
    return replace(stmt, **changes) if changes else stmt


def names_in(script: ir.Script) -> tuple[frozenset[str], bool]:
    """The names a plug-in could take in ``script`` and whether it has calls only a
    plug-in (or Lua itself) can answer."""
    names: set[str] = set()
    deferred = False
    for stmt in ir.walk_stmts(script.body):
        for root in ir.stmt_exprs(stmt):
            for node in ir.walk_exprs(root):
                if isinstance(node, ir.RedisCall) and node.written:
                    names.add(node.written)
                elif isinstance(node, ir.Call):
                    names.add(node.fn)
                elif isinstance(node, ir.PlugCall):
                    names.add(node.name)
                    deferred = True
    return frozenset(names), deferred


def hits(names: frozenset[str], table: PluginTable | None, *, memory: bool) -> bool:
    """Whether any of ``names`` is a plug-in of ``table`` on that side."""
    if table is None:
        return False
    if memory:
        pools: tuple[dict[str, Any], ...] = (table.redis_fns, table.general_fns)
    else:
        counted = {name: None for _, name in table.lua_argc}
        pools = (table.redis_patches, table.general_patches, counted)
    return any(name in pool for pool in pools for name in names)


def for_backend_key(script: ir.Script) -> tuple[tuple[str, int], ...]:
    """The plug-ins a resolved script uses, by name and identity (a cache key)."""
    out: list[tuple[str, int]] = []
    for stmt in ir.walk_stmts(script.body):
        for root in ir.stmt_exprs(stmt):
            for node in ir.walk_exprs(root):
                if isinstance(node, ir.PlugCall):
                    out.append((node.name, id(node.impl)))
    return tuple(out)


__all__ = ["HELPER_PKG", "MemoryPlugin", "PluginArgcError", "PluginTable", "check_argc",
           "check_call",
           "for_backend_key", "names_in", "resolve", "table_for", "table_of"]
