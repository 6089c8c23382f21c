"""The typed Redis API every backend and pipeline offers.

``RedisAPI`` is the set of command methods, ``PipelineAPI`` adds ``execute()``,
``RedisClientAPI`` adds pipelines and scripts. These are 0.7.1's names.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from redipy.api.base import Backend, CommandsBase
from redipy.api.generic import GenericCommands
from redipy.api.hashes import HashCommands
from redipy.api.lists import ListCommands
from redipy.api.sets import SetCommands
from redipy.api.strings import StringCommands
from redipy.api.zsets import SortedSetCommands
from redipy.errors import ResponseError

if TYPE_CHECKING:
    from redipy.script import ExecFunction, FnContext

T = TypeVar("T")

RSetMode = Literal["always", "if_missing", "if_exists"]
RSM_ALWAYS: RSetMode = "always"
RSM_MISSING: RSetMode = "if_missing"
RSM_EXISTS: RSetMode = "if_exists"

RExpireMode = Literal["always", "if_persist", "if_expire", "if_later", "if_earlier"]
REX_ALWAYS: RExpireMode = "always"
REX_PERSIST: RExpireMode = "if_persist"
REX_EXPIRE: RExpireMode = "if_expire"
REX_LATER: RExpireMode = "if_later"
REX_EARLIER: RExpireMode = "if_earlier"

KeyType = Literal["string", "list", "hash", "set", "zset"]


class RedisAPI(
    GenericCommands,
    StringCommands,
    ListCommands,
    HashCommands,
    SetCommands,
    SortedSetCommands,
):
    """Every command method; how a call is carried out is left to subclasses."""


class PipelineAPI(RedisAPI):
    """Queues commands (their methods return ``None``) until :meth:`execute`."""

    def __init__(self, backend: Backend, *, transaction: bool = False) -> None:
        self._backend = backend
        self._transaction = transaction
        self._queue: list[tuple[str, tuple[str, ...]]] = []
        self._convs: list[Callable[[Any], Any] | None] = []

    def _call(self, name: str, *args: str) -> Any:
        self._queue.append((name, args))
        self._convs.append(None)
        return None

    def _conv(self, conv: Callable[[Any], T], name: str, *args: str) -> T:
        self._queue.append((name, args))
        self._convs.append(conv)
        return None  # type: ignore[return-value]

    def has_pending(self) -> bool:
        return bool(self._queue)

    def __len__(self) -> int:
        return len(self._queue)

    def execute(self) -> list[Any]:
        """Run every queued command in order; returns their converted replies.

        As in redis-py, every command runs, then the first error is raised.
        """
        queue, convs = self._queue, self._convs
        self._queue, self._convs = [], []
        if not queue:
            return []
        replies = self._run_queue(queue)
        out: list[Any] = []
        first_error: Exception | None = None
        for reply, conv in zip(replies, convs):
            if isinstance(reply, Exception):
                first_error = first_error or reply
                out.append(reply)
            else:
                out.append(reply if conv is None else conv(reply))
        if first_error is not None:
            raise first_error
        return out

    def _run_queue(self, queue: Sequence[tuple[str, Sequence[str]]]) -> list[Any]:
        return self._backend.run_batch(queue)


class RedisClientAPI(RedisAPI):
    """The API plus pipelines and scripts (0.7.1's ``RedisClientAPI``)."""

    def _call(self, name: str, *args: str) -> Any:
        return self._backend.run(name, args)

    def _conv(self, conv: Callable[[Any], T], name: str, *args: str) -> T:
        return conv(self._backend.run(name, args))

    def execute_command(self, *argv: Any) -> Any:
        """Send any command as a client types it; returns the raw reply."""
        from redipy.api.base import enc

        return self._backend.execute(*(enc(arg) for arg in argv))

    @contextlib.contextmanager
    def pipeline(self) -> Iterator[PipelineAPI]:
        """A pipeline; commands still queued when the block ends are run then."""
        pipe = PipelineAPI(self._backend)
        yield pipe
        if pipe.has_pending():
            pipe.execute()

    def register_script(self, ctx: FnContext) -> ExecFunction:
        """Compile a script once for this backend; returns the function that runs it."""
        raise NotImplementedError("scripts arrive with redipy.script")


__all__ = [
    "REX_ALWAYS",
    "REX_EARLIER",
    "REX_EXPIRE",
    "REX_LATER",
    "REX_PERSIST",
    "RSM_ALWAYS",
    "RSM_EXISTS",
    "RSM_MISSING",
    "CommandsBase",
    "KeyType",
    "PipelineAPI",
    "RExpireMode",
    "RSetMode",
    "RedisAPI",
    "RedisClientAPI",
    "ResponseError",
]
