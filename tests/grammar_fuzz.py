"""Random commands drawn from the command table's grammar (each entry's syntax line), run
on the memory backend and on Valkey 9.1 (the newest server, which memory follows).

Values are filled by the name the syntax line gives them (``key``, ``count``, ``min``,
``milliseconds`` ...) from small pools that mix good values, edge cases and garbage, so a
sequence reaches the success paths, the type errors and the parse errors of a command;
some calls lose their last word or gain one, for the arity and syntax errors.
"""

from __future__ import annotations

import random
from typing import Any

from redipy.commands import COMMANDS
from redipy.commands.grammar import Node, OneOf, Optional, Repeat, Seq, Token, Value, grammar
from redipy.commands.spec import CommandSpec

KEYS = ["s", "n", "l", "h", "st", "z", "g", "p", "x", "missing"]

#: the keys each sequence starts with, one of each type (a geo set is a zset)
SEED: list[tuple[str, ...]] = [
    ("SET", "s", "hello world"),
    ("SET", "n", "12"),
    ("RPUSH", "l", "a", "b", "c", "a", "1"),
    ("HSET", "h", "f1", "v1", "f2", "2", "f3", "2.5"),
    ("SADD", "st", "a", "b", "1", "m1"),
    ("ZADD", "z", "1", "m1", "2", "m2", "2", "b", "0", "a", "-1.5", "c"),
    ("GEOADD", "g", "13.361389", "38.115556", "Palermo", "15.087269", "37.502669", "Catania"),
    ("PFADD", "p", "a", "b", "c"),
    ("XADD", "x", "1-1", "a", "1"), ("XADD", "x", "2-1", "b", "2"), ("XADD", "x", "3-5", "c", "3"),
    ("XGROUP", "CREATE", "x", "g1", "0"), ("XGROUP", "CREATE", "x", "g2", "$"),
    ("XREADGROUP", "GROUP", "g1", "c1", "COUNT", "2", "STREAMS", "x", ">"),
]

_MEMBERS = ["a", "b", "c", "m1", "m2", "1", "2.5", "", "ü", "Palermo", "Catania"]
_INTS = ["0", "1", "-1", "2", "-2", "5", "100", "-100", "x", "9223372036854775807", "1.5"]

POOLS: dict[str, list[str]] = {
    "key": KEYS,
    "count": ["0", "1", "2", "3", "-1", "10", "x", "-3"],
    "field": ["f1", "f2", "f3", "x", ""],
    "value": _MEMBERS,
    "element": _MEMBERS,
    "member": _MEMBERS,
    "pivot": _MEMBERS,
    "comparison-value": ["hello world", "12", "x", ""],
    "offset": _INTS,
    "start": _INTS,
    "end": _INTS,
    "stop": _INTS,
    "index": _INTS,
    "rank": _INTS,
    "pattern": ["*", "f*", "m?", "[ab]*", "*o*", "x"],
    "milliseconds": ["100000", "1000000", "0", "-1", "x", "1.5", "9223372036854775807"],
    "seconds": ["1000", "100000", "0", "-1", "x", "1.5", "9223372036854775807"],
    "unix-time-seconds": ["1", "4102444800", "0", "-1", "x"],
    "unix-time-milliseconds": ["1", "4102444800000", "0", "x"],
    "min": ["-inf", "+inf", "0", "1", "(1", "2.5", "[a", "(b", "-", "+", "x"],
    "max": ["-inf", "+inf", "0", "2", "(2", "2.5", "[m", "(c", "-", "+", "x"],
    "increment": ["1", "-1", "2.5", "x", "0", "1e3", "9223372036854775807", "inf"],
    "decrement": ["1", "-1", "x", "9223372036854775807"],
    "longitude": ["13.361389", "15.087269", "0", "-180", "200", "x"],
    "latitude": ["38.115556", "37.502669", "0", "85.1", "x"],
    "radius": ["100", "200000", "0", "-1", "x"],
    "width": ["100", "400000", "0", "x"],
    "height": ["100", "400000", "-1", "x"],
    "weight": ["1", "2", "0.5", "x", "-inf"],
    "encoding": ["u8", "i8", "u4", "i16", "i64", "u63", "u64", "x"],
    "bit": ["0", "1", "2"],
    "len": ["0", "1", "3", "x"],
    "min-match-len": ["0", "1", "3", "x"],
    "score": ["1", "2.5", "-inf", "x"],
    "db": ["0", "1", "x", "16"],
    "destination-db": ["0", "1", "x"],
    "numkeys": ["1", "2", "0", "-1", "x"],
    "numfields": ["1", "2", "0", "x"],
    "num-vertices": ["3", "x"],
}
_IDS = ["0-1", "1-1", "1-2", "2-1", "3-5", "4", "9-9", "0", "0-0", "1-1", "2-1", "3-5",
        "3-*", "$", ">", "+", "-", "(1-1", "x", "18446744073709551615-18446744073709551615"]
#: the stream commands' own pools for names other groups use differently
STREAM_POOLS: dict[str, list[str]] = {
    "id": _IDS, "start": _IDS, "end": _IDS, "last-id": _IDS, "lastid": _IDS,
    "max-deleted-id": _IDS,
    "group": ["g1", "g2", "g3", "x"], "consumer": ["c1", "c2", "c3"],
    "min-idle-time": ["0", "0", "100000000", "x", "-1"],
    "threshold": ["0", "1", "2", "2-1", "9-9", "x", "-1"],
    "entries-read": ["0", "1", "3", "-1", "x"], "entries-added": ["0", "3", "10", "x"],
    "ms": ["0", "5", "x"], "field": ["a", "b", "f"], "value": ["1", "2", "v", ""],
}
_KEYLIKE = {"key", "source", "key1", "key2", "sourcekey", "src"}
#: the seed key of each group's type
PREFER = {"string": "s", "bitmap": "s", "list": "l", "hash": "h", "set": "st",
          "sorted_set": "z", "geo": "g", "hyperloglog": "p", "stream": "x"}
for _name in ("destination", "source", "newkey", "destkey", "storekey", "storedistkey",
              "key1", "key2", "sourcekey", "dst", "src"):
    POOLS[_name] = KEYS
for _name in ("member1", "member2"):
    POOLS[_name] = _MEMBERS
for _name in ("index1", "index2"):
    POOLS[_name] = ["0", "1", "x"]
_OTHER = ["1", "0", "x", "a", "-1"]
_COUNTED = {"numkeys", "numfields", "num-vertices"}

GROUPS = ("generic", "string", "bitmap", "list", "hash", "set", "sorted_set", "geo",
          "hyperloglog", "stream")

#: commands whose replies a second run would not repeat (random picks, clocks, cursors,
#: the whole server) or that wait; each is covered by its own tests
NOT_DRAWN = {
    "SRANDMEMBER", "SPOP", "RANDOMKEY", "HRANDFIELD", "ZRANDMEMBER",
    "TTL", "PTTL", "EXPIRETIME", "PEXPIRETIME", "HTTL", "HPTTL", "HEXPIRETIME",
    "HPEXPIRETIME", "OBJECT", "MEMORY", "SCAN", "SSCAN", "HSCAN", "ZSCAN", "KEYS",
    "FLUSHALL", "FLUSHDB", "SWAPDB", "MOVE", "SELECT", "DBSIZE", "WAIT", "TOUCH",
    "HGETEX", "HSETEX", "HEXPIRE", "HPEXPIRE", "HEXPIREAT", "HPEXPIREAT", "HPERSIST",
}


def _past_32_bits(word: str) -> bool:
    try:
        return not -2**31 <= int(word) < 2**31
    except ValueError:
        return False


#: blocking commands drawn without their BLOCK option (they then answer at once)
UNBLOCKED = {"XREAD", "XREADGROUP"}


def drawable(spec: CommandSpec) -> bool:
    return (spec.group in GROUPS and (not spec.blocking or spec.name in UNBLOCKED)
            and spec.name not in NOT_DRAWN and " " not in spec.name)


def _stream_args(name: str, args: list[str], rng: random.Random) -> list[str]:
    """What a second run would not repeat, taken out: XADD's clock IDs, BLOCK, the idle
    times of XPENDING's extended form, XINFO's FULL and CONSUMERS forms."""
    if name == "XADD":
        return [rng.choice(["5-1", "6-*", "7"]) if a == "*" else a for a in args]
    if name in UNBLOCKED:
        upper = [a.upper() for a in args]
        if "BLOCK" in upper:
            at = upper.index("BLOCK")
            args, upper = args[:at] + args[at + 2:], upper[:at] + upper[at + 2:]
        if "STREAMS" in upper and rng.random() < 0.7:  # as many IDs as keys
            at = upper.index("STREAMS") + 1
            n = rng.choice((1, 1, 2))
            ids = [">", ">", "0", "1-1"] if name == "XREADGROUP" else ["0", "1-1", "$", "+"]
            args = [*args[:at], *(rng.choice(["x", "x", "x", "l"]) for _ in range(n)),
                    *(rng.choice(ids) for _ in range(n))]
    if name == "XPENDING":
        return args[:2]
    if name == "XINFO" and (args[:1] in (["CONSUMERS"], ["consumers"])
                            or "FULL" in (a.upper() for a in args)):
        return ["GROUPS", *args[1:2]]
    return args


def words(node: Node, rng: random.Random, prefer: str = "", group: str = "") -> list[str]:
    """One random sentence of a grammar (``prefer``: the key of the group's type, drawn
    for most key arguments so that calls get past the type check)."""
    if isinstance(node, Token):
        return [node.text.lower() if rng.random() < 0.2 else node.text]
    if isinstance(node, Value):
        if prefer and node.name in _KEYLIKE and rng.random() < 0.6:
            return [prefer]
        pools = STREAM_POOLS if group == "stream" and node.name in STREAM_POOLS else POOLS
        return [rng.choice(pools.get(node.name, _OTHER))]
    if isinstance(node, Seq):
        out: list[str] = []
        items = node.items
        i = 0
        while i < len(items):
            item = items[i]
            follows = items[i + 1] if i + 1 < len(items) else None
            if (isinstance(item, Value) and item.name in _COUNTED
                    and isinstance(follows, Repeat) and rng.random() < 0.8):
                reps = rng.choice((1, 1, 2, 3))  # the count that matches what follows
                body = [w for _ in range(reps) for w in words(follows.node, rng, prefer, group)]
                out += [str(reps), *body]
                i += 2
                continue
            out += words(item, rng, prefer, group)
            i += 1
        return out
    if isinstance(node, OneOf):
        return words(rng.choice(node.choices), rng, prefer, group)
    if isinstance(node, Optional):
        return words(node.node, rng, prefer, group) if rng.random() < 0.5 else []
    if isinstance(node, Repeat):
        reps = rng.choice((1, 1, 2, 3))
        return [w for _ in range(reps) for w in words(node.node, rng, prefer, group)]
    raise TypeError(node)


def command(spec: CommandSpec, rng: random.Random, prefer: str = "") -> tuple[str, ...]:
    args = words(grammar(spec), rng, prefer, spec.group)
    if spec.group == "stream":
        args = _stream_args(spec.name, args, rng)
    if spec.name == "LSET" and len(args) > 1 and _past_32_bits(args[1]):
        args[1] = "100"  # memory differs from Valkey there on purpose (the README says why)
    roll = rng.random()
    if roll < 0.05 and args:
        args = args[:-1]  # one word short
    elif roll < 0.1:
        args = [*args, rng.choice(["x", "1", "NX"])]  # one word too many
    return (spec.name, *args)


def sequence(group: str, seed: int, length: int = 40) -> list[tuple[str, ...]]:
    """The seed keys, then ``length`` random commands of ``group`` (a fifth of them from
    the whole drawable table, so types meet), then a read of every key."""
    rng = random.Random(f"{group}:{seed}")
    own = [s for s in COMMANDS.values() if s.group == group and drawable(s)]
    every = [s for s in COMMANDS.values() if drawable(s)]
    cmds: list[tuple[str, ...]] = list(SEED)
    for _ in range(length):
        spec = rng.choice(every if rng.random() < 0.2 else own)
        cmds.append(command(spec, rng, PREFER.get(spec.group, "")))
    for key in KEYS:  # the final state, whole (a wrong type is an equal error)
        cmds += [("TYPE", key), ("GET", key), ("LRANGE", key, "0", "-1"), ("HGETALL", key),
                 ("SMEMBERS", key), ("ZRANGE", key, "0", "-1", "WITHSCORES"),
                 ("XRANGE", key, "-", "+"), ("XINFO", "GROUPS", key)]
    return cmds


#: replies that are sets: a server lists a set built on the fly in hash order
UNORDERED = {"SUNION", "SINTER", "SDIFF", "SMEMBERS"}


def comparable(cmd: tuple[str, ...], outcome: tuple[str, Any]) -> tuple[str, Any]:
    kind, value = outcome
    if cmd[0] in UNORDERED and kind == "ok" and isinstance(value, list):
        return kind, sorted(value)
    return outcome
