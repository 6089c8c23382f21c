"""Typed methods for publish/subscribe (the Redis backend's listener is
:class:`redipy.redis.pubsub.RedisPubSub`, the memory backend's
:class:`redipy.memory.cmd_pubsub.MemoryPubSub`).

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

from collections.abc import Iterator
from typing import Any, Protocol

from redipy.api.base import CommandsBase
from redipy.messages import Message


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
