"""Command table: the generic (keyspace), connection and server commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyRange

_RO_FAST = frozenset({"readonly", "fast"})
_W_FAST = frozenset({"write", "fast"})
_RO = frozenset({"readonly"})
_W = frozenset({"write"})

_ONE = (KeyRange(1),)
_ALL = (KeyRange(1, -1),)
_TWO = (KeyRange(1, 2),)

COMMANDS: tuple[CommandSpec, ...] = (
    # ---- generic: existence, deletion, type ---------------------------------------------
    CommandSpec(
        "EXISTS", "generic", -2,
        "Count how many of the given keys exist (a key named twice counts twice).",
        "O(N) where N is the number of keys to check.",
        "EXISTS key [key ...]", since="1.0.0", keys=_ALL, flags=_RO_FAST),
    CommandSpec(
        "DEL", "generic", -2,
        "Remove keys, freeing their values right away; returns how many existed.",
        "O(N) where N is the number of keys removed; O(M) more for a collection of M elements.",
        "DEL key [key ...]", since="1.0.0", keys=_ALL, flags=_W),
    CommandSpec(
        "UNLINK", "generic", -2,
        "Remove keys like DEL, leaving the memory to be reclaimed in the background.",
        "O(1) for each key removed; freeing the values happens later, off the main thread.",
        "UNLINK key [key ...]", since="4.0.0", keys=_ALL, flags=_W_FAST),
    CommandSpec(
        "TYPE", "generic", 2,
        "Name the kind of value a key holds (string, list, hash, set, zset), or none.",
        "O(1)",
        "TYPE key", since="1.0.0", keys=_ONE, flags=_RO_FAST, status_reply=True),
    # ---- generic: walking the keyspace --------------------------------------------------
    CommandSpec(
        "SCAN", "generic", -2,
        "Walk the keyspace a few keys per call with a cursor, optionally filtered "
        "by a glob pattern and a type.",
        "O(1) per call; O(N) for a whole walk back to cursor 0.",
        "SCAN cursor [MATCH pattern] [COUNT count] [TYPE type]", since="2.8.0",
        cluster="special", flags=_RO),
    CommandSpec(
        "KEYS", "generic", 2,
        "List every key matching a glob pattern in one go (blocks the server on big "
        "databases: prefer SCAN).",
        "O(N) where N is the number of keys in the database.",
        "KEYS pattern", since="1.0.0", cluster="all:concat", flags=_RO),
    CommandSpec(
        "RANDOMKEY", "generic", 1,
        "Pick one key of the database at random; nil when it is empty.",
        "O(1)",
        "RANDOMKEY", since="1.0.0", cluster="special", flags=_RO),
    # ---- generic: renaming and copying --------------------------------------------------
    CommandSpec(
        "RENAME", "generic", 3,
        "Give a key a new name, replacing whatever the new name held; the TTL moves along.",
        "O(1)",
        "RENAME key newkey", since="1.0.0", keys=_TWO, flags=_W, status_reply=True),
    CommandSpec(
        "RENAMENX", "generic", 3,
        "Give a key a new name only if that name is free; 1 when renamed.",
        "O(1)",
        "RENAMENX key newkey", since="1.0.0", keys=_TWO, flags=_W_FAST),
    CommandSpec(
        "COPY", "generic", -3,
        "Duplicate a key's value and TTL under another name (or in another database); "
        "REPLACE overwrites an existing destination.",
        "O(N) for a collection of N nested elements, O(1) for a string.",
        "COPY source destination [DB destination-db] [REPLACE]", since="6.2.0",
        keys=_TWO, flags=frozenset({"write", "denyoom"})),
    # ---- generic: expiry ----------------------------------------------------------------
    CommandSpec(
        "EXPIRE", "generic", -3,
        "Let a key live only that many more seconds (a time <= 0 deletes it); NX, XX, "
        "GT and LT make it conditional on the current TTL.",
        "O(1)",
        "EXPIRE key seconds [NX | XX | GT | LT]", since="1.0.0", keys=_ONE, flags=_W_FAST),
    CommandSpec(
        "PEXPIRE", "generic", -3,
        "Like EXPIRE with the time to live in milliseconds.",
        "O(1)",
        "PEXPIRE key milliseconds [NX | XX | GT | LT]", since="2.6.0", keys=_ONE,
        flags=_W_FAST),
    CommandSpec(
        "EXPIREAT", "generic", -3,
        "Make a key expire at an absolute Unix time in seconds (a past time deletes it).",
        "O(1)",
        "EXPIREAT key unix-time-seconds [NX | XX | GT | LT]", since="1.2.0", keys=_ONE,
        flags=_W_FAST),
    CommandSpec(
        "PEXPIREAT", "generic", -3,
        "Make a key expire at an absolute Unix time in milliseconds.",
        "O(1)",
        "PEXPIREAT key unix-time-milliseconds [NX | XX | GT | LT]", since="2.6.0",
        keys=_ONE, flags=_W_FAST),
    CommandSpec(
        "EXPIRETIME", "generic", 2,
        "When a key expires, as a Unix time in seconds; -1 without a TTL, -2 when missing.",
        "O(1)",
        "EXPIRETIME key", since="7.0.0", keys=_ONE, flags=_RO_FAST),
    CommandSpec(
        "PEXPIRETIME", "generic", 2,
        "When a key expires, as a Unix time in milliseconds; -1 without a TTL, -2 when "
        "missing.",
        "O(1)",
        "PEXPIRETIME key", since="7.0.0", keys=_ONE, flags=_RO_FAST),
    CommandSpec(
        "TTL", "generic", 2,
        "Seconds (rounded) a key has left to live; -1 without a TTL, -2 when missing.",
        "O(1)",
        "TTL key", since="1.0.0", keys=_ONE, flags=_RO_FAST),
    CommandSpec(
        "PTTL", "generic", 2,
        "Milliseconds a key has left to live; -1 without a TTL, -2 when missing.",
        "O(1)",
        "PTTL key", since="2.6.0", keys=_ONE, flags=_RO_FAST),
    CommandSpec(
        "PERSIST", "generic", 2,
        "Drop a key's TTL so it lives until deleted; 1 when there was one.",
        "O(1)",
        "PERSIST key", since="2.2.0", keys=_ONE, flags=_W_FAST),
    CommandSpec(
        "TOUCH", "generic", -2,
        "Mark keys as just used (for LRU eviction); returns how many exist.",
        "O(N) where N is the number of keys touched.",
        "TOUCH key [key ...]", since="3.2.1", keys=_ALL, flags=_RO_FAST),
    # ---- connection ---------------------------------------------------------------------
    CommandSpec(
        "PING", "connection", -1,
        "Check the connection: PONG, or the message back when one is given.",
        "O(1)",
        "PING [message]", since="1.0.0", flags=frozenset({"fast"}), status_reply=True),
    CommandSpec(
        "ECHO", "connection", 2,
        "Send the message back unchanged.",
        "O(1)",
        "ECHO message", since="1.0.0", flags=frozenset({"fast", "loading", "stale"})),
    # ---- server -------------------------------------------------------------------------
    CommandSpec(
        "DBSIZE", "server", 1,
        "Count the keys of the current database.",
        "O(1)",
        "DBSIZE", since="1.0.0", cluster="all:sum", flags=_RO_FAST),
    CommandSpec(
        "FLUSHDB", "server", -1,
        "Delete every key of the current database.",
        "O(N) where N is the number of keys in the database.",
        "FLUSHDB [ASYNC | SYNC]", since="1.0.0", cluster="all:ok", flags=_W,
        status_reply=True),
    CommandSpec(
        "FLUSHALL", "server", -1,
        "Delete every key of every database of the server.",
        "O(N) where N is the number of keys in all databases.",
        "FLUSHALL [ASYNC | SYNC]", since="1.0.0", cluster="all:ok", flags=_W,
        status_reply=True),
    CommandSpec(
        "TIME", "server", 1,
        "The server's clock: Unix seconds and the microseconds within that second.",
        "O(1)",
        "TIME", since="2.6.0", flags=frozenset({"fast", "loading", "stale"})),
)
