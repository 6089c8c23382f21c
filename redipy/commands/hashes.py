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
        _ONE, _WF),
    CommandSpec(
        "HSETNX", "hash", 4, "Set a field of a hash only if the field does not exist yet.",
        "O(1)", "HSETNX key field value", "2.0.0", _ONE, _WF),
    CommandSpec(
        "HMSET", "hash", -4, "Set fields of a hash (the old form of HSET that replies OK).",
        "O(N) where N is the number of fields set", "HMSET key field value [field value ...]",
        "2.0.0", _ONE, _WF, status_reply=True),
    CommandSpec(
        "HGET", "hash", 3, "The value of a field of a hash, or nil.",
        "O(1)", "HGET key field", "2.0.0", _ONE, _RF),
    CommandSpec(
        "HMGET", "hash", -3, "The values of several fields of a hash (nil for missing ones).",
        "O(N) where N is the number of fields asked for", "HMGET key field [field ...]",
        "2.0.0", _ONE, _RF),
    CommandSpec(
        "HDEL", "hash", -3,
        "Remove fields from a hash; returns how many existed. An emptied hash is deleted.",
        "O(N) where N is the number of fields to remove", "HDEL key field [field ...]",
        "2.0.0", _ONE, _WF),
    CommandSpec(
        "HEXISTS", "hash", 3, "Tell whether a hash has a field.",
        "O(1)", "HEXISTS key field", "2.0.0", _ONE, _RF),
    CommandSpec(
        "HLEN", "hash", 2, "Count the fields of a hash (0 when it is missing).",
        "O(1)", "HLEN key", "2.0.0", _ONE, _RF),
    CommandSpec(
        "HKEYS", "hash", 2, "Every field name of a hash.",
        _WHOLE, "HKEYS key", "2.0.0", _ONE, _R),
    CommandSpec(
        "HVALS", "hash", 2, "Every value of a hash.",
        _WHOLE, "HVALS key", "2.0.0", _ONE, _R),
    CommandSpec(
        "HGETALL", "hash", 2, "Every field and value of a hash, as a flat list of pairs.",
        _WHOLE, "HGETALL key", "2.0.0", _ONE, _R),
    CommandSpec(
        "HINCRBY", "hash", 4,
        "Add an integer to a field holding an integer (a missing field counts as 0).",
        "O(1)", "HINCRBY key field increment", "2.0.0", _ONE, _WF),
    CommandSpec(
        "HINCRBYFLOAT", "hash", 4,
        "Add a float to a field holding a number, in long double precision.",
        "O(1)", "HINCRBYFLOAT key field increment", "2.6.0", _ONE, _WF),
    CommandSpec(
        "HSTRLEN", "hash", 3, "The length in bytes of a field's value (0 when missing).",
        "O(1)", "HSTRLEN key field", "3.2.0", _ONE, _RF),
    CommandSpec(
        "HRANDFIELD", "hash", -2,
        "Random fields of a hash, optionally with values; a negative count may repeat.",
        "O(N) where N is the number of fields returned",
        "HRANDFIELD key [count [WITHVALUES]]", "6.2.0", _ONE, _R),
    CommandSpec(
        "HSCAN", "hash", -3,
        "Walk the fields and values of a hash a few at a time with a cursor (NOVALUES: "
        "fields only, Valkey 8+, not Redis 7.0).",
        "O(1) for every call, O(N) for a complete iteration",
        "HSCAN key cursor [MATCH pattern] [COUNT count] [NOVALUES]", "2.8.0", _ONE, _R),
)

_FIELDS = "FIELDS numfields field [field ...]"
_EXP_OPTS = "[NX | XX | GT | LT]"
_PER_FIELD = "O(N) where N is the number of specified fields"


def _hfe(name: str, arity: int, summary: str, syntax: str, flags: frozenset[str], *,
         since: str = "7.4.0", valkey: str = "9.0.0") -> CommandSpec:
    """A hash-field expiration command: Redis 7.4/8.0, Valkey 9.0 (HGETDEL 9.1)."""
    return CommandSpec(name, "hash", arity, summary, _PER_FIELD, syntax, since, _ONE, flags,
                       valkey_since=valkey)


COMMANDS += (
    _hfe("HEXPIRE", -6, "Give fields of a hash a time to live in seconds (per field: 1 "
         "set, 0 condition not met, 2 deleted as the time is 0, -2 no such field).",
         f"HEXPIRE key seconds {_EXP_OPTS} {_FIELDS}", _WF),
    _hfe("HPEXPIRE", -6, "HEXPIRE with the time to live in milliseconds.",
         f"HPEXPIRE key milliseconds {_EXP_OPTS} {_FIELDS}", _WF),
    _hfe("HEXPIREAT", -6, "Give fields of a hash a deadline as a Unix time in seconds.",
         f"HEXPIREAT key unix-time-seconds {_EXP_OPTS} {_FIELDS}", _WF),
    _hfe("HPEXPIREAT", -6, "Give fields of a hash a deadline as a Unix time in "
         "milliseconds.", f"HPEXPIREAT key unix-time-milliseconds {_EXP_OPTS} {_FIELDS}",
         _WF),
    _hfe("HTTL", -5, "The seconds each field of a hash has left (-1 no TTL, -2 no field).",
         f"HTTL key {_FIELDS}", _RF),
    _hfe("HPTTL", -5, "The milliseconds each field of a hash has left.",
         f"HPTTL key {_FIELDS}", _RF),
    _hfe("HEXPIRETIME", -5, "The Unix time in seconds when each field of a hash expires.",
         f"HEXPIRETIME key {_FIELDS}", _RF),
    _hfe("HPEXPIRETIME", -5, "The Unix time in milliseconds when each field expires.",
         f"HPEXPIRETIME key {_FIELDS}", _RF),
    _hfe("HPERSIST", -5, "Remove the time to live of fields of a hash (1 removed, -1 had "
         "none, -2 no such field).", f"HPERSIST key {_FIELDS}", _WF),
    _hfe("HGETEX", -5, "Read fields of a hash and set or remove their time to live.",
         "HGETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
         f"PXAT unix-time-milliseconds | PERSIST] {_FIELDS}", _WF,
         since="8.0.0"),
    _hfe("HSETEX", -6, "Set fields of a hash with a time to live, optionally only if the "
         "key or the fields exist (or not); 1 when set, 0 when a condition failed.",
         "HSETEX key [NX | XX] [FNX | FXX] [EX seconds | PX milliseconds | "
         "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL] "
         "FIELDS numfields field value [field value ...]",
         frozenset({"write", "denyoom", "fast"}), since="8.0.0"),
    _hfe("HGETDEL", -5, "Read fields of a hash and delete them (an emptied hash is "
         "deleted).", f"HGETDEL key {_FIELDS}", _WF, since="8.0.0",
         valkey="9.1.0"),
)
