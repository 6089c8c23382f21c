"""Command table: the string and bitmap commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum, KeyRange, KeySpec

_ONE = (KeyRange(1),)
_ALL = (KeyRange(1, -1),)
_PAIRS = (KeyRange(1, -1, 2),)
_R = frozenset({"readonly"})
_RF = frozenset({"readonly", "fast"})
_W = frozenset({"write"})
_WF = frozenset({"write", "fast"})


def _s(name: str, arity: int, summary: str, complexity: str, syntax: str, since: str,
       flags: frozenset[str], *, keys: tuple[KeySpec, ...] = _ONE, status: bool = False,
       group: str = "string", valkey: str = "") -> CommandSpec:
    return CommandSpec(name=name, group=group, arity=arity, summary=summary,
                       complexity=complexity, syntax=syntax, since=since, keys=keys,
                       flags=flags, status_reply=status, valkey_since=valkey)


COMMANDS: tuple[CommandSpec, ...] = (
    _s("SET", -3, "Store a string at a key, optionally only if it is missing, present or "
       "equal to a value, with an expiry, and optionally returning the old value.", "O(1)",
       "SET key value [NX | XX | IFEQ comparison-value] [GET] [EX seconds | PX milliseconds | "
       "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]",
       "1.0.0", _W, status=True),
    _s("GET", 2, "Read the string stored at a key.", "O(1)", "GET key", "1.0.0", _RF),
    _s("GETDEL", 2, "Read the string at a key and delete the key.", "O(1)",
       "GETDEL key", "6.2.0", _WF),
    _s("GETEX", -2, "Read the string at a key and change or remove its expiry.", "O(1)",
       "GETEX key [EX seconds | PX milliseconds | EXAT unix-time-seconds | "
       "PXAT unix-time-milliseconds | PERSIST]", "6.2.0", _WF),
    _s("DELIFEQ", 3, "Delete the key if it holds exactly this string; 1 when deleted.",
       "O(1)", "DELIFEQ key value", "", _WF, valkey="9.0.0"),
    _s("GETSET", 3, "Store a string and return the value it replaced (clears the expiry).",
       "O(1)", "GETSET key value", "1.0.0", _WF),
    _s("MGET", -2, "Read the strings at several keys (nil for missing or non-string keys).",
       "O(N) where N is the number of keys", "MGET key [key ...]", "1.0.0", _RF,
       keys=_ALL),
    _s("MSET", -3, "Store several key/value pairs at once.",
       "O(N) where N is the number of keys", "MSET key value [key value ...]", "1.0.1", _W,
       keys=_PAIRS, status=True),
    _s("MSETNX", -3, "Store several key/value pairs only if none of the keys exists.",
       "O(N) where N is the number of keys", "MSETNX key value [key value ...]", "1.0.1",
       _W, keys=_PAIRS),
    _s("MSETEX", -4, "Store several key/value pairs at once with one expiry, optionally only "
       "if none (NX) or all (XX) of the keys exist; 1 when stored, 0 when not.",
       "O(N) where N is the number of keys to set",
       "MSETEX numkeys key value [key value ...] [NX | XX] [EX seconds | PX milliseconds | "
       "EXAT unix-time-seconds | PXAT unix-time-milliseconds | KEEPTTL]", "8.4.0",
       frozenset({"write", "denyoom"}), keys=(KeyNum(1, 2, 2),), valkey="9.1.0"),
    _s("SETNX", 3, "Store a string only if the key does not exist yet.", "O(1)",
       "SETNX key value", "1.0.0", _WF),
    _s("SETEX", 4, "Store a string that expires after some seconds.", "O(1)",
       "SETEX key seconds value", "2.0.0", _W, status=True),
    _s("PSETEX", 4, "Store a string that expires after some milliseconds.", "O(1)",
       "PSETEX key milliseconds value", "2.6.0", _W, status=True),
    _s("APPEND", 3, "Add text at the end of a string (creating it); returns the new length.",
       "O(1) amortized", "APPEND key value", "2.0.0", _WF),
    _s("STRLEN", 2, "The length in bytes of the string at a key.", "O(1)", "STRLEN key",
       "2.2.0", _RF),
    _s("GETRANGE", 4, "A byte range of a string; negative offsets count from the end.",
       "O(N) where N is the length of the returned string", "GETRANGE key start end",
       "2.4.0", _R),
    _s("SUBSTR", 4, "GETRANGE's older name: a byte range of a string.",
       "O(N) where N is the length of the returned string", "SUBSTR key start end",
       "1.0.0", _R),
    _s("SETRANGE", 4, "Overwrite bytes of a string from an offset, padding with zero bytes.",
       "O(1), or O(M) for a value of M bytes", "SETRANGE key offset value", "2.2.0", _W),
    _s("INCR", 2, "Add one to the integer stored at a key.", "O(1)", "INCR key", "1.0.0",
       _WF),
    _s("INCRBY", 3, "Add an integer to the integer stored at a key.", "O(1)",
       "INCRBY key increment", "1.0.0", _WF),
    _s("DECR", 2, "Subtract one from the integer stored at a key.", "O(1)", "DECR key",
       "1.0.0", _WF),
    _s("DECRBY", 3, "Subtract an integer from the integer stored at a key.", "O(1)",
       "DECRBY key decrement", "1.0.0", _WF),
    _s("INCRBYFLOAT", 3, "Add a floating point number to the number stored at a key.",
       "O(1)", "INCRBYFLOAT key increment", "2.6.0", _WF),
    _s("SETBIT", 4, "Set or clear one bit of a string; returns the bit's old value.", "O(1)",
       "SETBIT key offset value", "2.2.0", _W, group="bitmap"),
    _s("GETBIT", 3, "Read one bit of a string (0 past its end).", "O(1)",
       "GETBIT key offset", "2.2.0", _RF, group="bitmap"),
    _s("BITCOUNT", -2, "Count the set bits of a string, optionally in a byte or bit range.",
       "O(N)", "BITCOUNT key [start [end [BYTE | BIT]]]", "2.6.0", _R,
       group="bitmap"),
    _s("BITPOS", -3, "The position of the first bit set to 0 or 1, optionally in a range.",
       "O(N)", "BITPOS key bit [start [end [BYTE | BIT]]]", "2.8.7", _R,
       group="bitmap"),
    _s("BITOP", -4, "Combine strings bit by bit (AND, OR, XOR, or NOT of one) into a "
       "destination key; returns its length.", "O(N)",
       "BITOP <AND | OR | XOR | NOT> destkey key [key ...]", "2.6.0", _W,
       keys=(KeyRange(2, -1),), group="bitmap"),
    _s("BITFIELD", -2, "Read, set and increment integer fields of any width at any bit "
       "offset of a string, with a choice of overflow behaviour.",
       "O(1) for each subcommand specified",
       "BITFIELD key [GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] "
       "<SET encoding offset value | INCRBY encoding offset increment> "
       "[GET encoding offset | [OVERFLOW <WRAP | SAT | FAIL>] "
       "<SET encoding offset value | INCRBY encoding offset increment> ...]]",
       "3.2.0", _W, group="bitmap"),
    _s("BITFIELD_RO", -2, "Read integer fields of a string (the GET-only BITFIELD, "
       "allowed on replicas).", "O(1) for each subcommand specified",
       "BITFIELD_RO key [GET encoding offset [GET encoding offset ...]]", "6.0.0", _RF,
       group="bitmap"),
    _s("LCS", -3, "The longest common subsequence of two strings, its length, or where "
       "its matching runs lie in each.", "O(N*M) where N and M are the lengths of s1 and s2",
       "LCS key1 key2 [LEN] [IDX] [MINMATCHLEN min-match-len] [WITHMATCHLEN]", "7.0.0", _R,
       keys=(KeyRange(1, 2),)),
)
