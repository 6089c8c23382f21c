"""The plumbing under every typed command method.

A command method builds the argument list and names a reply converter; where the
command goes (the memory backend, a server, or a pipeline's queue) is the
business of :meth:`CommandsBase._call` and :meth:`CommandsBase._conv`. Because
both backends return the same raw replies, the conversion is shared: a method
behaves the same whatever is underneath.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Protocol, TypeVar

from redipy.errors import invalid_input

T = TypeVar("T")


class Backend(Protocol):
    """What a backend offers the API layer."""

    kind: str

    def run(self, name: str, args: Sequence[str]) -> Any: ...

    def execute(self, *argv: str) -> Any: ...

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any]: ...

    def strip_key(self, key: str) -> str: ...

    @property
    def target(self) -> str: ...

    def close(self) -> None: ...


def enc(value: object) -> str:
    """An argument as the text a server receives (redis-py's encoding rules)."""
    if type(value) is str:
        return value
    if type(value) is int:
        return str(value)
    if isinstance(value, bool):
        raise invalid_input(value)
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    raise invalid_input(value)


class CommandsBase:
    """Base of every command mixin; subclasses decide how a call is carried out."""

    _backend: Backend

    def _call(self, name: str, *args: str) -> Any:
        """Send a command and give back its raw reply."""
        raise NotImplementedError

    def _conv(self, conv: Callable[[Any], T], name: str, *args: str) -> T:
        """Send a command and give back its reply passed through ``conv``."""
        raise NotImplementedError

    def _answer(self, value: T) -> T:
        """``value`` as the answer of a call that needs no command (a pipeline still
        gets its reply slot, so a no-op PING is sent)."""
        return self._conv(lambda _reply: value, "PING")

    def _answer_with(self, work: Callable[[Any], T]) -> T:
        """The answer ``work`` computes when the call's reply slot comes (no command of
        its own: a no-op PING holds the slot in a pipeline)."""
        return self._conv(work, "PING")

    def _strip(self, key: str) -> str:
        return self._backend.strip_key(key)


def to_bool(reply: Any) -> bool:
    return bool(reply)


def to_float(reply: Any) -> float:
    return float(reply)


def to_opt_float(reply: Any) -> float | None:
    return None if reply is None else float(reply)


def to_ok(reply: Any) -> bool:
    return bool(reply == "OK")


def to_none(reply: Any) -> None:
    return None


def pairs_to_scored(reply: Any) -> list[tuple[str, float]]:
    it = iter(reply)
    return [(member, float(score)) for member, score in zip(it, it)]
