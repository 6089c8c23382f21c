"""The shell's parser and renderers and the migration API, as the magics use them.

``redipy.repl`` and ``redipy.migrate`` live outside ``redipy/`` in the source tree
(``repl/``, ``migrate/``), where mypy's run over ``redipy/`` cannot follow them; these
thin typed wrappers keep the magics type-checked while reusing that code unchanged.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

_parse: Any = importlib.import_module("redipy.repl.parse")
_render: Any = importlib.import_module("redipy.repl.render")

ArgsError: type[ValueError] = _parse.ArgsError
"""Raised for a line redis-cli cannot split (unbalanced quotes)."""


def tokenize(line: str) -> list[Any]:
    """redis-cli's split of ``line``: tokens with ``.value`` and ``.quote``."""
    return list(_parse.tokenize(line))


def split_repeat(argv: list[str]) -> tuple[int, list[str]]:
    """redis-cli's ``N command`` prefix: ``(N, rest)``."""
    count, rest = _parse.split_repeat(argv)
    return int(count), list(rest)


def to_text(reply: Any) -> str:
    """redis-cli's terminal format of a reply."""
    return str(_render.to_text(reply))


def quote(value: str) -> str:
    """A string quoted and escaped as redis-cli prints it."""
    return str(_render.quote(value))


def error_text(err: BaseException) -> str:
    """One line for an exception (Redis's own text for error replies)."""
    return str(_render.error_text(err))


def pairs_kind(argv: Sequence[str] | None) -> str | None:
    """``"map"`` / ``"scored"`` when a command's flat reply is really pairs."""
    kind = _render.pairs_kind(argv)
    return None if kind is None else str(kind)


def declared(ctx: Any) -> tuple[list[str], list[str]]:
    """The key names and argument names a script declares (the shell's reading)."""
    keys, args = importlib.import_module("redipy.repl.meta").declared(ctx)
    return list(keys), list(args)


def migration() -> Any:
    """The ``redipy.migrate`` module (migrate, dump, load, compare)."""
    return importlib.import_module("redipy.migrate")
