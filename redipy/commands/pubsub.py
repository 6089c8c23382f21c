"""Command table: publish/subscribe.

SUBSCRIBE and friends put a connection in subscriber mode, so the API sends them only
through the listener object ``Redis.pubsub()``; PUBLISH and PUBSUB are plain commands.
Channels are not keys (no key positions), but the Redis backend puts its key prefix in
front of channel names too, so prefixed clients stay in their own namespace.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec

_PS = frozenset({"pubsub", "fast"})
_SUB = frozenset({"pubsub", "noscript"})

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "PUBLISH", "pubsub", 3,
        "Send a message to every client subscribed to the channel or to a pattern "
        "matching it; returns how many received it.",
        "O(N+M) where N is the number of subscribers of the channel and M the number of "
        "subscribed patterns",
        "PUBLISH channel message", "2.0.0", flags=_PS),
    CommandSpec(
        "SUBSCRIBE", "pubsub", -2,
        "Start listening to the messages published on the given channels.",
        "O(N) where N is the number of channels subscribed to",
        "SUBSCRIBE channel [channel ...]", "2.0.0", flags=_SUB, script=False),
    CommandSpec(
        "PSUBSCRIBE", "pubsub", -2,
        "Start listening to the messages of every channel matching the glob patterns.",
        "O(N) where N is the number of patterns subscribed to",
        "PSUBSCRIBE pattern [pattern ...]", "2.0.0", flags=_SUB, script=False),
    CommandSpec(
        "UNSUBSCRIBE", "pubsub", -1,
        "Stop listening to the given channels (to every channel when none is given).",
        "O(N) where N is the number of channels unsubscribed from",
        "UNSUBSCRIBE [channel [channel ...]]", "2.0.0", flags=_SUB, script=False),
    CommandSpec(
        "PUNSUBSCRIBE", "pubsub", -1,
        "Stop listening to the given patterns (to every pattern when none is given).",
        "O(N) where N is the number of patterns unsubscribed from",
        "PUNSUBSCRIBE [pattern [pattern ...]]", "2.0.0", flags=_SUB, script=False),
    CommandSpec(
        "PUBSUB", "pubsub", -2,
        "Inspect the pub/sub state: CHANNELS [pattern] lists active channels, "
        "NUMSUB channel... counts each channel's subscribers, NUMPAT counts patterns.",
        "O(N) for CHANNELS (N active channels), O(N) for NUMSUB (N channels asked), "
        "O(1) for NUMPAT",
        "PUBSUB CHANNELS [pattern] | NUMSUB [channel ...] | NUMPAT", "2.8.0",
        # a container command: the flags are on its subcommands (pubsub, loading, stale)
        cluster="special"),
)

CHANNEL_COMMANDS: frozenset[str] = frozenset({"PUBLISH", "PUBSUB"})
"""Commands whose channel arguments get the Redis backend's key prefix."""
