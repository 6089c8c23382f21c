"""Memory backend handlers: OBJECT and MEMORY, the introspection tools call.

OBJECT ENCODING names the encoding a Valkey 9.1 server with default settings would
report for the value as it is now, by the server's thresholds (the same numbers
``CONFIG GET`` shows): a string is ``int`` when it is a canonical 64-bit integer,
``embstr`` when key and value fit one 128-byte allocation (key + value <= 113
bytes, 105 with a TTL), else ``raw`` (and ``raw`` once changed in place, until a
read turns it back into a plain value); a list is a ``listpack`` up to 8 KB of
listpack bytes (``list-max-listpack-size -2``), else a ``quicklist``; a set an
``intset`` (up to 512 integers), a ``listpack`` (up to 128 members of up to 64
bytes) or a ``hashtable``; a hash a ``listpack`` (512 fields, 64 bytes) or a
``hashtable``; a sorted set a ``listpack`` (128 members, 64 bytes) or a
``skiplist``. A hash or sorted set, once a write took it past its limits, stays a
``hashtable`` / ``skiplist`` when it shrinks, as on every server (a flag set at that
write, ``RHash.big`` / ``RZSet.big``; COPY keeps it). A set carries the encoding a
Valkey 9.1 server gives it (``RSet.enc``, decided as t_set.c does: SADD's member count
and first member pick it for a new set, an ``intset`` becomes a ``listpack`` at its
first non-integer and a ``hashtable`` past 512 members, a ``listpack`` a ``hashtable``
past 128 members or at a member over 64 bytes; it never goes back, except that SPOP
with a big count and the *STORE commands build a new set, as the server does; Redis
7.0 has no listpack sets). One difference stays: Valkey 8.1 / 9.1 turn a
``quicklist`` back into a ``listpack`` when a shrinking command leaves one node of at
most half the limit (4 KB; Redis 7.0 never does), while memory says ``listpack``
whenever the list fits 8 KB.

OBJECT REFCOUNT is 1 (Valkey 9.1 shares no values); OBJECT IDLETIME is 0 (memory
keeps no access clock: every key counts as just used); OBJECT FREQ answers as a
server whose maxmemory policy is not LFU (memory's is ``noeviction``).

MEMORY USAGE is an estimate, not a measurement of Python objects (which are several
times bigger): what a server would allocate for the same value in its encoding --
the key's object and dict entry, plus the string bytes or the listpack bytes, or
per element the server's node overhead (see :func:`usage`). It is within a small
factor of Valkey's figure (``tests/test_cmd_object.py`` checks a factor of 2 against
Valkey 8.1 and 9.1; Redis 7.0 holds small lists and sets in bigger encodings).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.cmd_generic import _other_db
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.memory.registry import command
from redipy.memory.stream import RStream
from redipy.memory.structs import HASHTABLE, INTSET, LISTPACK, RHash, RList, RSet, RZSet
from redipy.reply import OK, Status

SYNTAX = "ERR syntax error"
SAME_OBJECT = "ERR source and destination objects are the same"
NO_LFU = ("ERR An LFU maxmemory policy is not selected, access frequency not tracked. "
          "Please note that when switching between policies at runtime LRU and LFU data "
          "will take some time to adjust.")

# the server's defaults (CONFIG GET shows the same numbers)
EMBSTR_LIMIT = 113
LIST_LISTPACK_BYTES = 8192
SET_ENCODINGS = {INTSET: "intset", LISTPACK: "listpack", HASHTABLE: "hashtable"}
ZSET_LISTPACK_ENTRIES = 128
ZSET_LISTPACK_VALUE = 64

OBJECT_HELP = [
    "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "ENCODING <key>",
    "    Return the kind of internal representation used in order to store the value",
    "    associated with a <key>.",
    "FREQ <key>",
    "    Return the access frequency index of the <key>. The returned integer is",
    "    proportional to the logarithm of the recent access frequency of the key.",
    "IDLETIME <key>",
    "    Return the idle time of the <key>, that is the approximated number of",
    "    seconds elapsed since the last access to the key.",
    "REFCOUNT <key>",
    "    Return the number of references of the value associated with the specified",
    "    <key>.",
    "HELP",
    "    Print this help.",
]
MEMORY_HELP = [
    "MEMORY <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
    "DOCTOR",
    "    Return memory problems reports.",
    "MALLOC-STATS",
    "    Return internal statistics report from the memory allocator.",
    "PURGE",
    "    Attempt to purge dirty pages for reclamation by the allocator.",
    "STATS",
    "    Return information about the memory usage of the server.",
    "USAGE <key> [SAMPLES <count>]",
    "    Return memory in bytes used by <key> and its value. Nested values are",
    "    sampled up to <count> times (default: 5, 0 means sample all).",
    "HELP",
    "    Print this help.",
]


def _is_int(text: str) -> bool:
    return len(text) <= 20 and parse_int(text) is not None


def _lp_entry(text: str) -> int:
    """Bytes of one listpack entry (encoding, data, back-length), as listpack.c."""
    if _is_int(text):
        num = int(text)
        if 0 <= num <= 127:
            size = 1
        elif -4096 <= num <= 4095:
            size = 2
        elif -32768 <= num <= 32767:
            size = 3
        elif -(1 << 23) <= num < (1 << 23):
            size = 4
        elif -(1 << 31) <= num < (1 << 31):
            size = 5
        else:
            size = 9
    else:
        n = len(text)
        size = n + (1 if n <= 63 else 2 if n <= 4095 else 5)
    back = 1 if size <= 127 else 2 if size < 16383 else 3 if size < 2097151 else 4
    return size + back


def _lp_bytes(items: Any) -> int:
    return 7 + sum(_lp_entry(item) for item in items)


def encoding(db: Database, key: str, val: Any) -> str:
    kind = type(val)
    if kind is str:
        if _is_int(val):
            return "int"
        extra = 8 if db.expiry(key) is not None else 0
        return "embstr" if len(key) + len(val) + extra <= EMBSTR_LIMIT else "raw"
    if kind is bytearray:
        return "raw"
    if kind is RList:
        return "listpack" if _lp_bytes(val) <= LIST_LISTPACK_BYTES else "quicklist"
    if kind is RSet:
        return SET_ENCODINGS[val.enc]
    if kind is RHash:
        return "hashtable" if val.big or val.ttls is not None else "listpack"
    if kind is RZSet:
        if not val.big and len(val) <= ZSET_LISTPACK_ENTRIES and all(
                len(m) <= ZSET_LISTPACK_VALUE for m in val.scores):
            return "listpack"
        return "skiplist"
    if kind is RStream:
        return "stream"
    return "raw"


def _sds(n: int) -> int:
    """An sds string of n bytes: header, bytes and the terminating zero."""
    return n + (3 if n < 256 else 5 if n < 65536 else 9) + 1


def usage(db: Database, key: str, val: Any, samples: int) -> int:
    """MEMORY USAGE's estimate: a Valkey 9.1 object (16 bytes, the key embedded, 8
    more with a TTL) and its dict slot (8), plus the value in its encoding --
    strings and listpacks by their bytes, other encodings per element (hashtable
    entry 24 plus sds strings, skiplist node 48 plus the member, quicklist node 32
    per 8 KB, a stream's first 4 KB node). Like the server, a collection is measured
    on ``samples`` elements (0: all) and scaled up."""
    head = 24 + _sds(len(key)) + (8 if db.expiry(key) is not None else 0)
    enc = encoding(db, key, val)
    if enc == "int":
        return head
    if enc in ("embstr", "raw"):
        return head + _sds(len(val))
    if enc == "intset":
        return head + 8 + 8 * len(val)
    if enc == "listpack":
        if type(val) is RHash:
            items: list[str] = [part for pair in val.items() for part in pair]
        elif type(val) is RZSet:
            items = [m for m in val.scores for m in (m, "0")]
        else:
            items = list(val)
        return head + _lp_bytes(items)
    if type(val) is RStream:
        return head + 4096 + 64 * len(val)  # 4 KB first node
    elems = list(val.scores) if type(val) is RZSet else (
        list(val.map) if type(val) is RHash else list(val))
    if not elems:
        return head
    picked = elems if samples == 0 or samples >= len(elems) else elems[:samples]
    if type(val) is RHash:
        each = sum(24 + _sds(len(f)) + _sds(len(val.map[f])) for f in picked)
    elif type(val) is RZSet:
        head += 600  # the skiplist's header node (32 levels) and its dict
        each = sum(24 + 48 + _sds(len(m)) for m in picked)
    elif type(val) is RSet:
        each = sum(24 + _sds(len(m)) for m in picked)
    else:  # quicklist: listpack bytes plus a node per 8 KB
        each = _lp_bytes(picked) + 32 * (1 + _lp_bytes(picked) // LIST_LISTPACK_BYTES)
    return head + 48 + each * len(elems) // len(picked)


def _sub(args: Sequence[str]) -> str:
    return args[0].upper() if args[0].isascii() else ""


def _arity(container: str, sub: str) -> ResponseError:
    return ResponseError(
        f"ERR wrong number of arguments for '{container.lower()}|{sub.lower()}' command")


@command("OBJECT")
def cmd_object(db: Database, args: Sequence[str]) -> Any:
    sub = _sub(args)
    if sub == "HELP":
        if len(args) != 1:
            raise _arity("OBJECT", "help")
        return [Status(line) for line in OBJECT_HELP]
    if sub not in ("ENCODING", "REFCOUNT", "IDLETIME", "FREQ"):
        raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try OBJECT HELP.")
    if len(args) != 2:
        raise _arity("OBJECT", sub)
    val = db.get(args[1])
    if val is None:
        return None
    if sub == "ENCODING":
        return encoding(db, args[1], val)
    if sub == "REFCOUNT":
        return 1
    if sub == "IDLETIME":
        return 0
    raise ResponseError(NO_LFU)


@command("MEMORY")
def cmd_memory(db: Database, args: Sequence[str]) -> Any:
    sub = _sub(args)
    if sub == "HELP":
        if len(args) != 1:
            raise _arity("MEMORY", "help")
        return [Status(line) for line in MEMORY_HELP]
    if sub != "USAGE":
        raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try MEMORY HELP.")
    if len(args) < 2:
        raise _arity("MEMORY", "usage")
    samples = 5
    i = 2
    while i < len(args):
        if args[i].lower() == "samples" and i + 1 < len(args):
            num = parse_int(args[i + 1])
            if num is None:
                raise ResponseError(NOT_INT)
            samples = max(num, 0)
            i += 2
        else:
            raise ResponseError(SYNTAX)
    val = db.get(args[1])
    return None if val is None else usage(db, args[1], val, samples)


# ---- numbered databases: MOVE, SWAPDB -----------------------------------------------------


@command("MOVE")
def cmd_move(db: Database, args: Sequence[str]) -> int:
    key = args[0]
    target = _other_db(db, args[1])
    if target is db:
        raise ResponseError(SAME_OBJECT)
    val = db.get(key)
    if val is None:
        return 0
    when = db.expiry(key)
    with target.lock:
        if target.get(key) is not None:
            return 0
        db.delete(key)
        target.place(key, val, when)
    return 1


def _db_index(text: str, error: str) -> int:
    num = parse_int(text)
    if num is None or not -(2**31) <= num < 2**31:
        raise ResponseError(error)
    return num


@command("SWAPDB")
def cmd_swapdb(db: Database, args: Sequence[str]) -> Status:
    first = _db_index(args[0], "ERR invalid first DB index")
    second = _db_index(args[1], "ERR invalid second DB index")
    server = getattr(db, "server", None)
    dbs: list[Database] = list(server.dbs) if server is not None else [db]
    if not (0 <= first < len(dbs) and 0 <= second < len(dbs)):
        raise ResponseError("ERR DB index is out of range")
    if first == second:
        return OK
    one, two = dbs[first], dbs[second]
    with one.lock, two.lock:
        for key in list(one.watchers) + list(two.watchers):
            one.touch(key)
            two.touch(key)
        one.swap_contents(two)
    return OK
