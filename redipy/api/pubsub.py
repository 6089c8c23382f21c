"""Typed methods for publish/subscribe, and the Redis backend's listener.

``publish`` / ``pubsub_channels`` / ``pubsub_numsub`` / ``pubsub_numpat`` are plain
commands (they work in pipelines too). Subscribing needs a connection of its own:
``Redis.pubsub()`` returns a listener with redis-py's ``PubSub`` methods
(``subscribe``, ``psubscribe``, ``unsubscribe``, ``punsubscribe``, ``get_message``,
``listen``, ``close``) on either backend; messages are redis-py's dicts
``{"type", "pattern", "channel", "data"}`` with decoded ``str``.

On the Redis backend the key prefix applies to channel names as well, so prefixed
clients publish and listen in their own namespace; it is taken off again in messages
and in PUBSUB replies.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any, Protocol

from redipy.api.base import CommandsBase

Message = dict[str, Any]

SUBSCRIBE_TYPES = frozenset({"subscribe", "unsubscribe", "psubscribe", "punsubscribe"})


class PubSub(Protocol):
    """What ``Redis.pubsub()`` returns on every backend."""

    def subscribe(self, *channels: str) -> None: ...

    def psubscribe(self, *patterns: str) -> None: ...

    def unsubscribe(self, *channels: str) -> None: ...

    def punsubscribe(self, *patterns: str) -> None: ...

    def get_message(self, timeout: float | None = 0.0,
                    ignore_subscribe_messages: bool = False) -> Message | None: ...

    def listen(self) -> Iterator[Message]: ...

    @property
    def subscribed(self) -> bool: ...

    def close(self) -> None: ...

    def __enter__(self) -> PubSub: ...

    def __exit__(self, *exc: object) -> None: ...


class PubSubCommands(CommandsBase):
    """PUBLISH and PUBSUB CHANNELS / NUMSUB / NUMPAT."""

    def publish(self, key: str, msg: str) -> int:
        """Send ``msg`` on channel ``key``; returns how many subscribers received it
        (0.7.1 returned nothing; the count is redis-py's answer)."""
        return self._call("PUBLISH", key, msg)  # type: ignore[no-any-return]

    def pubsub_channels(self, pattern: str = "*") -> list[str]:
        """Channels with at least one subscriber, filtered by a glob pattern."""

        def conv(reply: Any) -> list[str]:
            return [self._strip(name) for name in reply]

        return self._conv(conv, "PUBSUB", "CHANNELS", pattern)

    def pubsub_numsub(self, *channels: str) -> list[tuple[str, int]]:
        """How many clients are subscribed to each channel (patterns not counted)."""

        def conv(reply: Any) -> list[tuple[str, int]]:
            it = iter(reply)
            return [(self._strip(name), int(count)) for name, count in zip(it, it)]

        return self._conv(conv, "PUBSUB", "NUMSUB", *channels)

    def pubsub_numpat(self) -> int:
        """How many distinct patterns clients are subscribed to."""
        return self._call("PUBSUB", "NUMPAT")  # type: ignore[no-any-return]


class RedisPubSub:
    """redis-py's ``PubSub`` with redipy's conventions: the key prefix on channels,
    ``get_message`` that keeps waiting past ignored subscribe confirmations, and
    ``listen`` that honours ``ignore_subscribe_messages``."""

    def __init__(self, pubsub: Any, prefix: str = "", *,
                 ignore_subscribe_messages: bool = False) -> None:
        self._ps = pubsub
        self._prefix = prefix
        self._plen = len(prefix)
        self.ignore_subscribe_messages = ignore_subscribe_messages

    def _strip(self, name: Any) -> Any:
        if self._plen and isinstance(name, str) and name.startswith(self._prefix):
            return name[self._plen:]
        return name

    def _names(self, names: tuple[str, ...]) -> list[str]:
        return [self._prefix + name for name in names]

    def subscribe(self, *channels: str) -> None:
        self._ps.subscribe(*self._names(channels))

    def psubscribe(self, *patterns: str) -> None:
        from redipy.memory.glob import escape_glob

        self._ps.psubscribe(*(escape_glob(self._prefix) + p for p in patterns))

    def unsubscribe(self, *channels: str) -> None:
        self._ps.unsubscribe(*self._names(channels))

    def punsubscribe(self, *patterns: str) -> None:
        from redipy.memory.glob import escape_glob

        self._ps.punsubscribe(*(escape_glob(self._prefix) + p for p in patterns))

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
        from redipy.memory.glob import escape_glob

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
            msg = self._ps.get_message(ignore_subscribe_messages=False, timeout=remaining)
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
        self._ps.close()

    reset = close

    def __enter__(self) -> RedisPubSub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
