"""The memory backend: an in-process server that answers like Redis.

Commands arrive as argument lists (the same lists the Redis backend sends over the
wire) and are answered by the handlers in ``redipy.memory.cmd_*`` under the
database lock, so every command is atomic and the backend is safe to share
between threads.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy import commands
from redipy.errors import ResponseError
from redipy.memory import (  # noqa: F401  (imported to register their handlers)
    cmd_generic,
    cmd_hashes,
    cmd_lists,
    cmd_sets,
    cmd_strings,
    cmd_zsets,
)
from redipy.memory.db import Database
from redipy.memory.registry import HANDLERS, Handler


def unknown_command(name: str, args: Sequence[str]) -> ResponseError:
    """Redis's wording, including its habit of listing the first few arguments."""
    shown = ""
    for arg in args:
        if len(shown) >= 128:
            break
        shown += f"'{arg[: 128 - len(shown)]}' "
    return ResponseError(f"ERR unknown command '{name}', with args beginning with: {shown}")


def arity_error(name: str) -> ResponseError:
    return ResponseError(f"ERR wrong number of arguments for '{name.lower()}' command")


class MemoryBackend:
    """One in-process server with 16 databases (database 0 is used unless selected)."""

    kind = "memory"

    def __init__(self, databases: int = 16) -> None:
        self.dbs = [Database(i) for i in range(databases)]
        for db in self.dbs:
            db.server = self  # type: ignore[attr-defined]
        self.db = self.dbs[0]
        self.handlers: dict[str, Handler] = HANDLERS

    @property
    def target(self) -> str:
        return "memory"

    def run(self, name: str, args: Sequence[str]) -> Any:
        """Run a command known to be well-formed (upper-case name, right arity)."""
        db = self.db
        with db.lock:
            return self.handlers[name](db, args)

    def execute(self, *argv: str) -> Any:
        """Run a command as a client typed it: any case, arity checked, errors as Redis's."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0]
        upper = name.upper()
        args = argv[1:]
        handler = self.handlers.get(upper)
        if handler is None:
            raise unknown_command(name, args)
        spec = commands.COMMANDS.get(upper)
        if spec is not None and not spec.arity_ok(len(argv)):
            raise arity_error(name)
        db = self.db
        with db.lock:
            return handler(db, args)

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any]:
        """Run queued commands in order under one lock; errors stand in place."""
        db = self.db
        out: list[Any] = []
        with db.lock:
            for name, args in calls:
                try:
                    out.append(self.handlers[name](db, args))
                except ResponseError as err:
                    out.append(err)
        return out

    def strip_key(self, key: str) -> str:
        return key

    def close(self) -> None:
        pass
