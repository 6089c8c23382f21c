"""Command table: the hash commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyRange

_WF = frozenset({"write", "fast"})
_R = frozenset({"readonly"})
_RF = frozenset({"readonly", "fast"})
_ONE = (KeyRange(1),)
_WHOLE = "O(N) where N is the size of the hash"

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "HSET", "hash", -4,
        "Set fields of a hash, creating it when missing; returns how many fields are new.",
        "O(1) for each field/value pair", "HSET key field value [field value ...]", "2.0.0",
        _ONE, _WF, api=("hset",)),
    CommandSpec(
        "HSETNX", "hash", 4, "Set a field of a hash only if the field does not exist yet.",
        "O(1)", "HSETNX key field value", "2.0.0", _ONE, _WF, api=("hsetnx",)),
    CommandSpec(
        "HMSET", "hash", -4, "Set fields of a hash (the old form of HSET that replies OK).",
        "O(N) where N is the number of fields set", "HMSET key field value [field value ...]",
        "2.0.0", _ONE, _WF, status_reply=True),
    CommandSpec(
        "HGET", "hash", 3, "The value of a field of a hash, or nil.",
        "O(1)", "HGET key field", "2.0.0", _ONE, _RF, api=("hget",)),
    CommandSpec(
        "HMGET", "hash", -3, "The values of several fields of a hash (nil for missing ones).",
        "O(N) where N is the number of fields asked for", "HMGET key field [field ...]",
        "2.0.0", _ONE, _RF, api=("hmget",)),
    CommandSpec(
        "HDEL", "hash", -3,
        "Remove fields from a hash; returns how many existed. An emptied hash is deleted.",
        "O(N) where N is the number of fields to remove", "HDEL key field [field ...]",
        "2.0.0", _ONE, _WF, api=("hdel",)),
    CommandSpec(
        "HEXISTS", "hash", 3, "Tell whether a hash has a field.",
        "O(1)", "HEXISTS key field", "2.0.0", _ONE, _RF, api=("hexists",)),
    CommandSpec(
        "HLEN", "hash", 2, "Count the fields of a hash (0 when it is missing).",
        "O(1)", "HLEN key", "2.0.0", _ONE, _RF, api=("hlen",)),
    CommandSpec(
        "HKEYS", "hash", 2, "Every field name of a hash.",
        _WHOLE, "HKEYS key", "2.0.0", _ONE, _R, api=("hkeys",)),
    CommandSpec(
        "HVALS", "hash", 2, "Every value of a hash.",
        _WHOLE, "HVALS key", "2.0.0", _ONE, _R, api=("hvals",)),
    CommandSpec(
        "HGETALL", "hash", 2, "Every field and value of a hash, as a flat list of pairs.",
        _WHOLE, "HGETALL key", "2.0.0", _ONE, _R, api=("hgetall",)),
    CommandSpec(
        "HINCRBY", "hash", 4,
        "Add an integer to a field holding an integer (a missing field counts as 0).",
        "O(1)", "HINCRBY key field increment", "2.0.0", _ONE, _WF, api=("hincrby",)),
    CommandSpec(
        "HINCRBYFLOAT", "hash", 4,
        "Add a float to a field holding a number, in long double precision.",
        "O(1)", "HINCRBYFLOAT key field increment", "2.6.0", _ONE, _WF,
        api=("hincrby", "hincrbyfloat")),
    CommandSpec(
        "HSTRLEN", "hash", 3, "The length in bytes of a field's value (0 when missing).",
        "O(1)", "HSTRLEN key field", "3.2.0", _ONE, _RF, api=("hstrlen",)),
    CommandSpec(
        "HRANDFIELD", "hash", -2,
        "Random fields of a hash, optionally with values; a negative count may repeat.",
        "O(N) where N is the number of fields returned",
        "HRANDFIELD key [count [WITHVALUES]]", "6.2.0", _ONE, _R, api=("hrandfield",)),
    CommandSpec(
        "HSCAN", "hash", -3,
        "Walk the fields and values of a hash a few at a time with a cursor (NOVALUES: "
        "fields only, Valkey 8+, not Redis 7.0).",
        "O(1) for every call, O(N) for a complete iteration",
        "HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]", "2.8.0", _ONE, _R,
        api=("hscan", "hscan_iter")),
)
