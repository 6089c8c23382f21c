"""Command table: streams (XADD, XRANGE, consumer groups, XINFO ...).

A stream is an append-only log of entries, each an ID (``ms-seq``) and field/value
pairs. Consumer groups hand entries out to consumers and remember, per group, what was
delivered and not yet acknowledged (the pending entries list, PEL). XREAD and
XREADGROUP may wait (BLOCK milliseconds, 0 = forever) for an XADD; inside a
transaction they answer at once, as a server's do.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyAfter, KeyRange

G = "stream"
_KEY = (KeyRange(1),)
_SUBKEY = (KeyRange(2),)
_W = frozenset({"write"})
_WF = frozenset({"write", "fast"})
_WDF = frozenset({"write", "denyoom", "fast"})
_R = frozenset({"readonly"})
_RF = frozenset({"readonly", "fast"})

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "XADD", G, -5,
        "Append an entry (field/value pairs) to a stream under a new or given ID, "
        "optionally trimming the stream; replies with the entry's ID.",
        "O(1) when adding a new entry, O(N) when trimming where N is the number of entries "
        "evicted",
        "XADD key [NOMKSTREAM] [MAXLEN|MINID [=|~] threshold [LIMIT count]] *|id "
        "field value [field value ...]", "5.0.0", _KEY, _WDF),
    CommandSpec(
        "XRANGE", G, -4,
        "Entries of a stream with IDs between start and end (- and + for the ends, "
        "( for exclusive bounds), oldest first.",
        "O(N) with N being the number of elements being returned",
        "XRANGE key start end [COUNT count]", "5.0.0", _KEY, _R),
    CommandSpec(
        "XREVRANGE", G, -4,
        "Entries of a stream with IDs between end and start, newest first.",
        "O(N) with N being the number of elements returned",
        "XREVRANGE key end start [COUNT count]", "5.0.0", _KEY, _R),
    CommandSpec(
        "XLEN", G, 2,
        "The number of entries in a stream (0 for a missing key).",
        "O(1)", "XLEN key", "5.0.0", _KEY, _RF),
    CommandSpec(
        "XDEL", G, -3,
        "Delete entries by ID; replies with how many existed.",
        "O(1) for each single item to delete in the stream",
        "XDEL key id [id ...]", "5.0.0", _KEY, _WF),
    CommandSpec(
        "XTRIM", G, -4,
        "Evict the oldest entries of a stream down to a length or up to a minimum ID; "
        "replies with how many were evicted.",
        "O(N), with N being the number of evicted entries",
        "XTRIM key MAXLEN|MINID [=|~] threshold [LIMIT count]", "5.0.0", _KEY, _W),
    CommandSpec(
        "XREAD", G, -4,
        "Entries after the given IDs of one or more streams ($ for only new ones, + for "
        "the last one), waiting up to BLOCK milliseconds for new entries.",
        "O(M) where M is the number of elements returned",
        "XREAD [COUNT count] [BLOCK milliseconds] STREAMS key [key ...] id [id ...]",
        "5.0.0", (KeyAfter("STREAMS", 1),),
        frozenset({"readonly", "blocking", "movablekeys"}), script=False),
    CommandSpec(
        "XREADGROUP", G, -7,
        "Read as a consumer of a group: new entries (>) become pending for it, an ID "
        "re-reads its own pending entries; may wait up to BLOCK milliseconds.",
        "O(M) where M is the number of elements returned",
        "XREADGROUP GROUP group consumer [COUNT count] [BLOCK milliseconds] [NOACK] "
        "STREAMS key [key ...] id [id ...]", "5.0.0", (KeyAfter("STREAMS", 1),),
        frozenset({"write", "blocking", "movablekeys"}), script=False),
    CommandSpec(
        "XGROUP", G, -2,
        "Manage consumer groups: CREATE (MKSTREAM, ENTRIESREAD), SETID, DESTROY, "
        "CREATECONSUMER, DELCONSUMER.",
        "O(1) for each subcommand but DESTROY (O(N) for N pending entries)",
        "XGROUP CREATE key group id|$ [MKSTREAM] [ENTRIESREAD entries-read] | "
        "XGROUP SETID key group id|$ [ENTRIESREAD entries-read] | XGROUP DESTROY key group | "
        "XGROUP CREATECONSUMER key group consumer | XGROUP DELCONSUMER key group consumer",
        "5.0.0", _SUBKEY, frozenset()),
    CommandSpec(
        "XACK", G, -4,
        "Acknowledge entries of a group's pending list; replies with how many were pending.",
        "O(1) for each message ID processed",
        "XACK key group id [id ...]", "5.0.0", _KEY, _WF),
    CommandSpec(
        "XPENDING", G, -3,
        "A group's pending entries: a summary, or entries in an ID range (optionally "
        "idle at least IDLE ms, of one consumer) with owner, idle time and delivery count.",
        "O(N) with N the number of elements returned",
        "XPENDING key group [[IDLE min-idle-time] start end count [consumer]]", "5.0.0",
        _KEY, _R),
    CommandSpec(
        "XCLAIM", G, -6,
        "Take pending entries idle at least min-idle-time ms over for a consumer "
        "(IDLE, TIME, RETRYCOUNT, FORCE, JUSTID, LASTID).",
        "O(log N) with N the number of messages in the PEL of the consumer group",
        "XCLAIM key group consumer min-idle-time id [id ...] [IDLE ms] "
        "[TIME unix-time-milliseconds] [RETRYCOUNT count] [FORCE] [JUSTID] [LASTID lastid]",
        "5.0.0", _KEY, _WF),
    CommandSpec(
        "XAUTOCLAIM", G, -6,
        "Scan a group's pending entries from start and claim those idle at least "
        "min-idle-time ms; replies with the next cursor, the claimed and the deleted IDs.",
        "O(1) if COUNT is small",
        "XAUTOCLAIM key group consumer min-idle-time start [COUNT count] [JUSTID]",
        "6.2.0", _KEY, _WF),
    CommandSpec(
        "XINFO", G, -2,
        "Describe a stream (STREAM [FULL [COUNT n]]), its groups (GROUPS) or a group's "
        "consumers (CONSUMERS).",
        "O(1) for STREAM; O(N) for FULL, GROUPS and CONSUMERS",
        "XINFO STREAM key [FULL [COUNT count]] | XINFO GROUPS key | "
        "XINFO CONSUMERS key group", "5.0.0", _SUBKEY, frozenset()),
    CommandSpec(
        "XSETID", G, -3,
        "Set a stream's last ID (and its entries-added counter and max deleted ID), as "
        "replication and migration do.",
        "O(1)",
        "XSETID key last-id [ENTRIESADDED entries-added] [MAXDELETEDID max-deleted-id]",
        "5.0.0", _KEY, _WDF),
)

BLOCKING_STREAM_NAMES: frozenset[str] = frozenset({"XREAD", "XREADGROUP"})
"""Stream commands that may wait on the server (with BLOCK)."""
