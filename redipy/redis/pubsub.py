"""The Redis backend's subscriber: redis-py's ``PubSub`` behind redipy's conventions.

The key prefix applies to channel names, so prefixed clients publish and listen in
their own namespace (it is taken off again in messages); every redis-py error on the way
becomes a :mod:`redipy.errors` class through the backend's ``fail`` mapping.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import redis.exceptions as rex

from redipy.messages import SUBSCRIBE_TYPES, Message
from redipy.patterns import escape_glob

T = TypeVar("T")


class RedisPubSub:
    """redis-py's ``PubSub`` with redipy's conventions: the key prefix on channels,
    ``get_message`` that keeps waiting past ignored subscribe confirmations, and
    ``listen`` that honours ``ignore_subscribe_messages``."""

    def __init__(self, pubsub: Any, prefix: str = "", *,
                 fail: Callable[[Exception], Exception],
                 ignore_subscribe_messages: bool = False) -> None:
        self._ps = pubsub
        self._fail = fail
        self._prefix = prefix
        self._plen = len(prefix)
        self.ignore_subscribe_messages = ignore_subscribe_messages

    def _strip(self, name: Any) -> Any:
        if self._plen and isinstance(name, str) and name.startswith(self._prefix):
            return name[self._plen:]
        return name

    def _names(self, names: tuple[str, ...]) -> list[str]:
        return [self._prefix + name for name in names]

    def _guard(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        try:
            return fn(*args, **kwargs)
        except rex.RedisError as err:
            raise self._fail(err) from None

    def subscribe(self, *channels: str) -> None:
        self._guard(self._ps.subscribe, *self._names(channels))

    def psubscribe(self, *patterns: str) -> None:
        self._guard(self._ps.psubscribe, *(escape_glob(self._prefix) + p for p in patterns))

    def unsubscribe(self, *channels: str) -> None:
        self._guard(self._ps.unsubscribe, *self._names(channels))

    def punsubscribe(self, *patterns: str) -> None:
        self._guard(self._ps.punsubscribe,
                    *(escape_glob(self._prefix) + p for p in patterns))

    @property
    def subscribed(self) -> bool:
        return bool(self._ps.subscribed)

    def _convert(self, msg: Message) -> Message:
        pattern = msg.get("pattern")
        channel = msg.get("channel")
        if self._plen and msg["type"] in ("psubscribe", "punsubscribe"):
            channel = self._unescape_pattern(channel)
        elif pattern is not None:
            pattern = self._unescape_pattern(pattern)
            channel = self._strip(channel)
        else:
            channel = self._strip(channel)
        return {"type": msg["type"], "pattern": pattern, "channel": channel,
                "data": msg["data"]}

    def _unescape_pattern(self, pattern: Any) -> Any:
        if not self._plen or not isinstance(pattern, str):
            return pattern
        escaped = escape_glob(self._prefix)
        return pattern[len(escaped):] if pattern.startswith(escaped) else pattern

    def get_message(self, timeout: float | None = 0.0,
                    ignore_subscribe_messages: bool = False) -> Message | None:
        """The next message, waiting up to ``timeout`` seconds (None: as long as
        something is subscribed); ignored subscribe confirmations do not end the wait."""
        ignore = ignore_subscribe_messages or self.ignore_subscribe_messages
        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            if deadline is None and not self._ps.subscribed:
                return None  # nothing can arrive: do not wait forever
            remaining = None if deadline is None else max(0.0, deadline - time.monotonic())
            msg = self._guard(self._ps.get_message, ignore_subscribe_messages=False,
                              timeout=remaining)
            if msg is not None:
                if not (ignore and msg["type"] in SUBSCRIBE_TYPES):
                    return self._convert(msg)
                continue
            if deadline is not None and time.monotonic() >= deadline:
                return None

    def listen(self) -> Iterator[Message]:
        """Every message while subscribed (confirmations too unless ignored)."""
        while self._ps.subscribed:
            msg = self.get_message(timeout=None)
            if msg is not None:
                yield msg

    def close(self) -> None:
        self._guard(self._ps.close)

    reset = close

    def __enter__(self) -> RedisPubSub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
