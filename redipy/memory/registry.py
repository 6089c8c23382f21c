"""Where the memory backend's command handlers register themselves.

A handler receives the database and the command's arguments (without the name),
as strings exactly as a client sent them, and returns a raw reply
(:mod:`redipy.reply`) or raises :class:`redipy.errors.ResponseError` with Redis's
own wording. Arity is checked before a handler runs; everything else is its job.

Handler modules load on first use: until then a command of the table is registered as a
:class:`Lazy` stand-in that imports its group's modules when first called (their
``@command`` replaces it), so building a backend costs no import of handlers it never
runs. Code that keeps a handler (or its direct form) calls :func:`resolve` first.
"""

from __future__ import annotations

import importlib
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from redipy.memory.db import Database

Handler = Callable[[Database, Sequence[str]], Any]

HANDLERS: dict[str, Handler] = {}

ARITY: dict[str, int] = {}
"""Redis's arity of every command of the table (negative: at least that many, the name
counted), shared by every backend; :mod:`redipy.custom` adds and removes entries."""


_CACHES: list[tuple[weakref.ref[Any], dict[str, Any]]] = []
_CACHES_LOCK = threading.Lock()


def name_cache(owner: object) -> dict[str, Any]:
    """A fresh cache that :func:`table_changed` empties while ``owner`` lives: a door
    that remembers what a name resolved to keeps one, so a command registered or removed
    at run time is seen. A plain dict (its ``get`` is on hot paths); ``owner`` is held
    weakly."""
    cache: dict[str, Any] = {}
    with _CACHES_LOCK:
        _CACHES[:] = [(ref, c) for ref, c in _CACHES if ref() is not None]
        _CACHES.append((weakref.ref(owner), cache))
    return cache


def table_changed() -> None:
    """The command table gained or lost a command: forget every resolved name."""
    with _CACHES_LOCK:
        for ref, cache in _CACHES:
            if ref() is not None:
                cache.clear()


def command(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more command names (upper case)."""

    def register(fn: Handler) -> Handler:
        for name in names:
            if name in HANDLERS and type(HANDLERS[name]) is not Lazy:
                raise RuntimeError(f"two memory handlers for {name}")
            HANDLERS[name] = fn
        return fn

    return register


class Lazy:
    """The stand-in for a handler whose module is not imported yet: called, it imports
    ``modules`` (which register the real handler over it) and runs the real one."""

    __slots__ = ("modules", "name")

    def __init__(self, name: str, modules: tuple[str, ...]) -> None:
        self.name = name
        self.modules = modules

    def load(self) -> Handler:
        for module in self.modules:
            importlib.import_module(module)
        handler = HANDLERS.get(self.name)
        if handler is None or type(handler) is Lazy:
            raise RuntimeError(f"no memory handler for {self.name} in {self.modules}")
        return handler

    def __call__(self, db: Database, args: Sequence[str]) -> Any:
        return self.load()(db, args)


def resolve(name: str) -> Handler | None:
    """The real handler registered for ``name`` (its module imported now if it was
    still lazy, so its direct form is in :data:`DIRECT` too); None if there is none."""
    handler = HANDLERS.get(name)
    if type(handler) is Lazy:
        return handler.load()
    return handler


# ---- direct forms: what compiled scripts call ---------------------------------------------

DirectFn = Callable[..., Any]

ARG_KINDS = frozenset({"str", "int"})


@dataclass(frozen=True)
class Direct:
    """A positional form of one command for exactly ``len(kinds)`` arguments.

    A compiled script calls ``fn(db, *args, *fixed)`` instead of
    ``handler(db, [args...])``: no argument list, no re-parsing of numbers it already
    holds. ``kinds`` says how each script value becomes an argument: ``"str"`` as
    Redis's Lua converts it, ``"int"`` straight to a Python int (the handler's error
    for a non-integer there must be ``NOT_INT``). The reply and every error must be
    the handler's own; ``tests/test_direct.py`` checks each one against it.
    """

    fn: DirectFn
    kinds: tuple[str, ...]
    fixed: tuple[Any, ...] = ()


DIRECT: dict[str, Direct] = {}


F = TypeVar("F", bound=DirectFn)


def direct(name: str, *kinds: str, fixed: tuple[Any, ...] = ()) -> Callable[[F], F]:
    """Register ``fn`` as the direct form of ``name`` (see :class:`Direct`)."""

    def register(fn: F) -> F:
        if name in DIRECT:
            raise RuntimeError(f"two direct forms of {name}")
        if not set(kinds) <= ARG_KINDS:
            raise RuntimeError(f"{name}: argument kinds are {sorted(ARG_KINDS)}")
        DIRECT[name] = Direct(fn, kinds, fixed)
        return fn

    return register
