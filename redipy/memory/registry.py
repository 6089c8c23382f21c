"""Where the memory backend's command handlers register themselves.

A handler receives the database and the command's arguments (without the name),
as strings exactly as a client sent them, and returns a raw reply
(:mod:`redipy.reply`) or raises :class:`redipy.errors.ResponseError` with Redis's
own wording. Arity is checked before a handler runs; everything else is its job.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redipy.memory.db import Database

Handler = Callable[[Database, Sequence[str]], Any]

HANDLERS: dict[str, Handler] = {}


def command(*names: str) -> Callable[[Handler], Handler]:
    """Register a handler under one or more command names (upper case)."""

    def register(fn: Handler) -> Handler:
        for name in names:
            if name in HANDLERS:
                raise RuntimeError(f"two memory handlers for {name}")
            HANDLERS[name] = fn
        return fn

    return register
