"""Memory backend: publish/subscribe.

The :class:`Broker` (one per ``MemoryBackend``, like one per Redis server) knows which
listener is subscribed to which channel or pattern. PUBLISH hands the message to each
listener's own queue under the broker's lock, so every listener sees messages in
publish order and none is lost while it is subscribed. A :class:`MemoryPubSub` is
what ``Redis.pubsub()`` returns on this backend; it speaks redis-py's ``PubSub``
dialect (message dicts with ``type``, ``pattern``, ``channel``, ``data``).

Lock order: database lock -> broker lock -> listener lock (never the other way).
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Iterator, Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.boundary import to_text, views
from redipy.memory.db import Database
from redipy.memory.registry import command
from redipy.messages import SUBSCRIBE_TYPES, Message


def _matcher(pattern: str) -> Any:
    from redipy.memory.glob import compile_glob  # written alongside; imported lazily

    return compile_glob(pattern)


class Broker:
    """Server-wide subscription registry."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.channels: dict[str, dict[MemoryPubSub, None]] = {}
        self.patterns: dict[str, dict[MemoryPubSub, None]] = {}

    def publish(self, channel: str, data: str) -> int:
        """Deliver to channel subscribers, then to matching patterns; returns the count."""
        count = 0
        with self.lock:
            subs = self.channels.get(channel)
            if subs:
                msg: Message = {"type": "message", "pattern": None, "channel": channel,
                                "data": data}
                for listener in subs:
                    listener.deliver(dict(msg))
                    count += 1
            if self.patterns:
                for pattern, listeners in self.patterns.items():
                    if _matcher(pattern)(channel):
                        for listener in listeners:
                            listener.deliver({"type": "pmessage", "pattern": pattern,
                                              "channel": channel, "data": data})
                            count += 1
        return count

    def active_channels(self, pattern: str | None) -> list[str]:
        with self.lock:
            names = list(self.channels)
        if pattern is None:
            return names
        match = _matcher(pattern)
        return [name for name in names if match(name)]

    def numsub(self, channels: Sequence[str]) -> list[Any]:
        out: list[Any] = []
        with self.lock:
            for channel in channels:
                out.extend((channel, len(self.channels.get(channel, ()))))
        return out

    def numpat(self) -> int:
        with self.lock:
            return len(self.patterns)


class MemoryPubSub:
    """A subscriber connection of the memory backend (redis-py's ``PubSub`` interface).

    With ``text`` (the typed API's listener) channel names and patterns are text and
    messages come back as text; without it everything is a byte string."""

    def __init__(self, broker: Broker, *, ignore_subscribe_messages: bool = False,
                 text: bool = True) -> None:
        self._broker = broker
        self._text = text
        self._cond = threading.Condition(threading.Lock())
        self._queue: deque[Message] = deque()
        self.channels: dict[str, None] = {}
        self.patterns: dict[str, None] = {}
        self.ignore_subscribe_messages = ignore_subscribe_messages
        self._closed = False

    # ---- delivery (called under the broker lock) ------------------------------------------

    def deliver(self, msg: Message) -> None:
        with self._cond:
            self._queue.append(msg)
            self._cond.notify()

    def _count(self) -> int:
        return len(self.channels) + len(self.patterns)

    # ---- subscribing ----------------------------------------------------------------------

    def subscribe(self, *channels: str) -> None:
        self._change("subscribe", channels, self.channels, self._broker.channels, add=True)

    def psubscribe(self, *patterns: str) -> None:
        self._change("psubscribe", patterns, self.patterns, self._broker.patterns, add=True)

    def unsubscribe(self, *channels: str) -> None:
        self._change("unsubscribe", channels, self.channels, self._broker.channels, add=False)

    def punsubscribe(self, *patterns: str) -> None:
        self._change("punsubscribe", patterns, self.patterns, self._broker.patterns,
                     add=False)

    def _change(self, kind: str, names: Sequence[str], mine: dict[str, None],
                registry: dict[str, dict[MemoryPubSub, None]], *, add: bool) -> None:
        if add and not names:
            raise ResponseError(f"ERR wrong number of arguments for '{kind}' command")
        if self._text:
            names = views(names)
        with self._broker.lock:
            targets = list(names) if names or add else list(mine)
            for name in targets:
                name = str(name)
                if add:
                    mine[name] = None
                    registry.setdefault(name, {})[self] = None
                else:
                    mine.pop(name, None)
                    subs = registry.get(name)
                    if subs is not None:
                        subs.pop(self, None)
                        if not subs:
                            del registry[name]
                self.deliver({"type": kind, "pattern": None, "channel": name,
                              "data": self._count()})

    @property
    def subscribed(self) -> bool:
        return bool(self.channels or self.patterns)

    # ---- reading --------------------------------------------------------------------------

    def get_message(self, timeout: float | None = 0.0,
                    ignore_subscribe_messages: bool = False) -> Message | None:
        """The next message, waiting up to ``timeout`` seconds (None: as long as
        something is subscribed). Ignored subscribe confirmations do not end the wait."""
        ignore = ignore_subscribe_messages or self.ignore_subscribe_messages
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while True:
                while self._queue:
                    msg = self._queue.popleft()
                    if ignore and msg["type"] in SUBSCRIBE_TYPES:
                        continue
                    if self._text:
                        for field in ("channel", "pattern", "data"):
                            value = msg[field]
                            if type(value) is str and not value.isascii():
                                msg[field] = to_text(value)
                    return msg
                if self._closed:
                    return None
                if deadline is None:
                    if not self.subscribed:
                        return None  # nothing can arrive: do not wait forever
                    self._cond.wait()
                else:
                    remaining = deadline - time.monotonic()
                    if remaining <= 0:
                        return None
                    self._cond.wait(remaining)

    def listen(self) -> Iterator[Message]:
        """Every message while subscribed (confirmations too unless ignored)."""
        while self.subscribed or self._queue:
            msg = self.get_message(timeout=None)
            if msg is None:
                return
            yield msg

    # ---- lifetime -------------------------------------------------------------------------

    def close(self) -> None:
        """Unsubscribe from everything and drop pending messages."""
        with self._broker.lock:
            for registry, mine in ((self._broker.channels, self.channels),
                                   (self._broker.patterns, self.patterns)):
                for name in mine:
                    subs = registry.get(name)
                    if subs is not None:
                        subs.pop(self, None)
                        if not subs:
                            del registry[name]
                mine.clear()
        with self._cond:
            self._queue.clear()
            self._closed = True
            self._cond.notify_all()

    reset = close

    def __enter__(self) -> MemoryPubSub:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# ---- handlers ----------------------------------------------------------------------------


def _broker(db: Database) -> Broker:
    server = getattr(db, "server", None)
    broker = getattr(server, "broker", None)
    if broker is None:
        raise ResponseError("ERR pub/sub needs a MemoryBackend")
    return broker  # type: ignore[no-any-return]


@command("PUBLISH")
def cmd_publish(db: Database, args: Sequence[str]) -> int:
    return _broker(db).publish(args[0], args[1])


@command("PUBSUB")
def cmd_pubsub(db: Database, args: Sequence[str]) -> Any:
    sub = args[0].lower()
    broker = _broker(db)
    if sub == "channels" and len(args) <= 2:
        return broker.active_channels(args[1] if len(args) == 2 else None)
    if sub == "numsub":
        return broker.numsub(args[1:])
    if sub == "numpat":
        if len(args) != 1:
            raise ResponseError(
                "ERR wrong number of arguments for 'pubsub|numpat' command")
        return broker.numpat()
    if sub in ("channels", "numsub", "numpat", "help", "shardchannels", "shardnumsub"):
        raise ResponseError(
            f"ERR unknown subcommand or wrong number of arguments for '{args[0]}'. "
            "Try PUBSUB HELP.")
    raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try PUBSUB HELP.")


@command("SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE")
def cmd_subscribe(db: Database, args: Sequence[str]) -> Any:
    raise ResponseError(
        "ERR the memory backend subscribes through a listener: use Redis.pubsub()")
