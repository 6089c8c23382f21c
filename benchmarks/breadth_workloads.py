"""One honest workload per command of the table, for bench_breadth.py.

A workload is spelled once as the argument list a client sends (``argv(i)`` for the
i-th call, numbers left as numbers so the typed call can pass them straight on), plus
the typed method call on that list for redis-py (fakeredis) and, where its signature
differs, for redipy. Writes add NEW members to collections of realistic size (10k),
deletes remove members that exist, reads hit members that exist. ``prep`` runs,
untimed, before each timed batch (to create what the batch consumes); ``single``
workloads get a ``prep`` before every call and are timed call by call.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

N = 10_000          # members of a big collection, keys of the keyspace
SMALL = 100         # members of a small collection (HGETALL and the like)
ALG = 1_000         # members of each input of set algebra

Exec = Callable[..., Any]
Argv = list[Any]


@dataclass
class Work:
    cmd: str
    what: str
    argv: Callable[[int], Argv]
    typed: Callable[[Any, Argv], Any] | None = None
    rtyped: Callable[[Any, Argv], Any] | None = None
    setup: Callable[[Exec], None] | None = None
    prep: Callable[[Exec, int, int], None] | None = None
    single: bool = False
    n: int = 0  # calls per batch; 0 = the default
    raw: Callable[[Exec, Argv], Any] | None = None  # how execute_command sends it


def perm(i: int, n: int = N) -> int:
    """The i-th of a fixed permutation of range(n): distinct for i < n, spread out."""
    return (i * 7919) % n


def lex(i: int, width: int) -> list[str]:
    """A lexicographical range of ``width`` members of the zset "zl"."""
    lo = perm(i, 9000)
    return [f"[m{lo:05d}", f"(m{lo + width:05d}"]


# ---- setups ------------------------------------------------------------------------

def chunked(x: Exec, head: list[Any], items: list[Any], per: int) -> None:
    """``x(*head, *items)`` in commands of ``per`` items (fakeredis is slow on huge ones)."""
    for start in range(0, len(items), per):
        x(*head, *items[start:start + per])


def keyspace(x: Exec) -> None:
    args: list[Any] = []
    for j in range(N):
        args += [f"k:{j}", f"value:{j}"]
    chunked(x, ["MSET"], args, 500)
    for j in range(1000):
        x("SET", f"t:{j}", f"v{j}", "EX", 100_000)
    x("SET", "str", "x" * 100)
    x("SET", "bm", "\x55" * 10_000)
    for j in range(100):
        x("SET", f"c:{j}", j)


def big_hash(x: Exec) -> None:
    args: list[Any] = []
    for j in range(N):
        args += [f"f{j}", f"value:{j}"]
    chunked(x, ["HSET", "h"], args, 500)
    small: list[Any] = []
    for j in range(SMALL):
        small += [f"f{j}", f"value:{j}"]
    x("HSET", "hs", *small)
    tiny: list[Any] = []
    for j in range(10):
        tiny += [f"f{j}", f"value:{j}"]
    x("HSET", "h10", *tiny)
    for j in range(100):
        x("HSET", "h", f"c{j}", j)


def big_list(x: Exec) -> None:
    for key in ("l", "l2"):
        chunked(x, ["RPUSH", key], [f"e{j}" for j in range(N)], 500)


def big_set(x: Exec) -> None:
    chunked(x, ["SADD", "s"], [f"m{j}" for j in range(N)], 500)
    chunked(x, ["SADD", "s2"], [f"x{j}" for j in range(N)], 500)
    x("SADD", "ss", *[f"m{j}" for j in range(SMALL)])
    x("SADD", "sa", *[f"m{j}" for j in range(ALG)])
    x("SADD", "sb", *[f"m{j}" for j in range(ALG // 2, ALG + ALG // 2)])


def big_zset(x: Exec) -> None:
    args: list[Any] = []
    for j in range(N):
        args += [j, f"m{j}"]
    chunked(x, ["ZADD", "z"], args, 500)
    lex: list[Any] = []
    for j in range(N):
        lex += [0, f"m{j:05d}"]
    chunked(x, ["ZADD", "zl"], lex, 500)
    for name, lo in (("za", 0), ("zb", ALG // 2)):
        alg: list[Any] = []
        for j in range(lo, lo + ALG):
            alg += [j, f"m{j}"]
        x("ZADD", name, *alg)
    tiny: list[Any] = []
    for j in range(10):
        tiny += [j, f"m{j}"]
    x("ZADD", "z10", *tiny)


NS = 5_000  # entries of the stream (XADD one by one is the only way in: kept smaller)


def big_stream(x: Exec) -> None:
    for j in range(1, NS + 1):
        x("XADD", "st", f"{j}-0", "field", f"value:{j}")
    x("XGROUP", "CREATE", "st", "g", "0")
    x("XREADGROUP", "GROUP", "g", "c", "COUNT", NS, "STREAMS", "st", ">")  # all pending
    x("XGROUP", "CREATE", "st", "fresh", "0")
    x("SET", "lcs1", "ohmytext-" * 11)
    x("SET", "lcs2", "mynewtext" * 11)


def every(*fns: Callable[[Exec], None]) -> Callable[[Exec], None]:
    def run(x: Exec) -> None:
        for fn in fns:
            fn(x)
    return run


# ---- preps -------------------------------------------------------------------------

def fresh_keys(prefix: str, ttl: bool = False) -> Callable[[Exec, int, int], None]:
    """Create the keys ``prefix{base}`` .. ``prefix{base+n-1}`` the batch consumes."""

    def prep(x: Exec, base: int, n: int) -> None:
        args: list[Any] = []
        for j in range(base, base + n):
            args += [f"{prefix}{j}", "v"]
        x("MSET", *args)
        if ttl:
            for j in range(base, base + n):
                x("PEXPIRE", f"{prefix}{j}", 100_000_000)
    return prep


def refill_keys(count: int) -> Callable[[Exec, int, int], None]:
    def prep(x: Exec, base: int, n: int) -> None:
        args: list[Any] = []
        for j in range(count):
            args += [f"fl:{j}", "v"]
        x("MSET", *args)
    return prep


SHA1 = "e0e1f9fabfc9d4800c877a703b823ac0578ff8db"  # of "return 1"
FAR = 4_102_444_800  # 2100-01-01, seconds


def workloads() -> list[Work]:
    ks, hs, ls, ss, zs = keyspace, big_hash, big_list, big_set, big_zset
    w: list[Work] = []
    add = w.append

    # ---- generic --------------------------------------------------------------------
    add(Work("EXISTS", "existing key", lambda i: ["EXISTS", f"k:{perm(i)}"],
             lambda c, a: c.exists(a[1]), setup=ks))
    add(Work("DEL", "existing key", lambda i: ["DEL", f"d:{i}"],
             lambda c, a: c.delete(a[1]), setup=ks, prep=fresh_keys("d:")))
    add(Work("UNLINK", "existing key", lambda i: ["UNLINK", f"d:{i}"],
             lambda c, a: c.unlink(a[1]), setup=ks, prep=fresh_keys("d:")))
    add(Work("TYPE", "existing key", lambda i: ["TYPE", f"k:{perm(i)}"],
             lambda c, a: c.type(a[1]), lambda c, a: c.key_type(a[1]), setup=ks))
    add(Work("SCAN", "COUNT 10 of 10k keys", lambda i: ["SCAN", 0, "COUNT", 10],
             lambda c, a: c.scan(a[1], count=a[3]), setup=ks))
    add(Work("SCAN", "MATCH k:1* COUNT 100", lambda i: ["SCAN", 0, "MATCH", "k:1*", "COUNT", 100],
             lambda c, a: c.scan(a[1], match=a[3], count=a[5]), setup=ks))
    add(Work("KEYS", "k:99* of 10k keys", lambda i: ["KEYS", "k:99*"],
             lambda c, a: c.keys(a[1]), lambda c, a: c.keys_block(match=a[1]), setup=ks, n=20))
    add(Work("KEYS", "k:*99 of 10k keys", lambda i: ["KEYS", "k:*99"],
             lambda c, a: c.keys(a[1]), lambda c, a: c.keys_block(match=a[1]), setup=ks, n=20))
    add(Work("RANDOMKEY", "10k keys", lambda i: ["RANDOMKEY"],
             lambda c, a: c.randomkey(), setup=ks))
    add(Work("RENAME", "ping-pong", lambda i: ["RENAME", f"rn{i % 2}", f"rn{(i + 1) % 2}"],
             lambda c, a: c.rename(a[1], a[2]), setup=every(ks, lambda x: x("SET", "rn0", "v"))))
    add(Work("RENAMENX", "ping-pong",
             lambda i: ["RENAMENX", f"rn{i % 2}", f"rn{(i + 1) % 2}"],
             lambda c, a: c.renamenx(a[1], a[2]),
             setup=every(ks, lambda x: x("SET", "rn0", "v"))))
    add(Work("COPY", "string to a new key", lambda i: ["COPY", "k:1", f"cp:{i}"],
             lambda c, a: c.copy(a[1], a[2]), setup=ks))
    add(Work("EXPIRE", "existing key", lambda i: ["EXPIRE", f"k:{perm(i)}", 100_000],
             lambda c, a: c.expire(a[1], a[2]),
             lambda c, a: c.execute_command(*a), setup=ks))
    add(Work("PEXPIRE", "existing key", lambda i: ["PEXPIRE", f"k:{perm(i)}", 100_000_000],
             lambda c, a: c.pexpire(a[1], a[2]), setup=ks))
    add(Work("EXPIREAT", "existing key", lambda i: ["EXPIREAT", f"k:{perm(i)}", FAR],
             lambda c, a: c.expireat(a[1], a[2]), setup=ks))
    add(Work("PEXPIREAT", "existing key",
             lambda i: ["PEXPIREAT", f"k:{perm(i)}", FAR * 1000],
             lambda c, a: c.pexpireat(a[1], a[2]), setup=ks))
    add(Work("EXPIRETIME", "key with TTL", lambda i: ["EXPIRETIME", f"t:{i % 1000}"],
             lambda c, a: c.expiretime(a[1]), setup=ks))
    add(Work("PEXPIRETIME", "key with TTL", lambda i: ["PEXPIRETIME", f"t:{i % 1000}"],
             lambda c, a: c.pexpiretime(a[1]), setup=ks))
    add(Work("TTL", "key with TTL", lambda i: ["TTL", f"t:{i % 1000}"],
             lambda c, a: c.ttl(a[1]), lambda c, a: c.execute_command(*a), setup=ks))
    add(Work("PTTL", "key with TTL", lambda i: ["PTTL", f"t:{i % 1000}"],
             lambda c, a: c.pttl(a[1]), setup=ks))
    add(Work("PERSIST", "key with TTL", lambda i: ["PERSIST", f"p:{i}"],
             lambda c, a: c.persist(a[1]), setup=ks, prep=fresh_keys("p:", ttl=True)))
    add(Work("TOUCH", "existing key", lambda i: ["TOUCH", f"k:{perm(i)}"],
             lambda c, a: c.touch(a[1]), setup=ks))
    add(Work("PING", "", lambda i: ["PING"], lambda c, a: c.ping()))
    add(Work("ECHO", "", lambda i: ["ECHO", "hello"], lambda c, a: c.echo(a[1])))
    add(Work("DBSIZE", "10k keys", lambda i: ["DBSIZE"], lambda c, a: c.dbsize(), setup=ks))
    add(Work("TIME", "", lambda i: ["TIME"], lambda c, a: c.time()))
    add(Work("FLUSHDB", "1k keys", lambda i: ["FLUSHDB"], lambda c, a: c.flushdb(),
             prep=refill_keys(1000), single=True, n=20))
    add(Work("FLUSHALL", "1k keys", lambda i: ["FLUSHALL"], lambda c, a: c.flushall(),
             prep=refill_keys(1000), single=True, n=20))

    # ---- strings --------------------------------------------------------------------
    add(Work("SET", "new key", lambda i: ["SET", f"new:{i}", "value"],
             lambda c, a: c.set(a[1], a[2]), setup=ks))
    add(Work("SET", "existing key, EX", lambda i: ["SET", f"k:{perm(i)}", "v2", "EX", 1000],
             lambda c, a: c.set(a[1], a[2], ex=a[4]), setup=ks))
    add(Work("GET", "existing key", lambda i: ["GET", f"k:{perm(i)}"],
             lambda c, a: c.get(a[1]), setup=ks))
    add(Work("GETDEL", "existing key", lambda i: ["GETDEL", f"d:{i}"],
             lambda c, a: c.getdel(a[1]), setup=ks, prep=fresh_keys("d:")))
    add(Work("GETEX", "EX", lambda i: ["GETEX", f"k:{perm(i)}", "EX", 1000],
             lambda c, a: c.getex(a[1], ex=a[3]), setup=ks))
    add(Work("GETSET", "existing key", lambda i: ["GETSET", f"k:{perm(i)}", "v2"],
             lambda c, a: c.getset(a[1], a[2]), setup=ks))
    add(Work("MGET", "10 keys", lambda i: ["MGET", *[f"k:{perm(i * 10 + j)}" for j in range(10)]],
             lambda c, a: c.mget(a[1:]), setup=ks))
    add(Work("MSET", "10 new keys",
             lambda i: ["MSET", *[x for j in range(10) for x in (f"ms:{i}:{j}", "v")]],
             lambda c, a: c.mset(dict(zip(a[1::2], a[2::2]))), setup=ks))
    add(Work("MSETNX", "10 new keys",
             lambda i: ["MSETNX", *[x for j in range(10) for x in (f"ms:{i}:{j}", "v")]],
             lambda c, a: c.msetnx(dict(zip(a[1::2], a[2::2]))), setup=ks))
    add(Work("SETNX", "new key", lambda i: ["SETNX", f"new:{i}", "v"],
             lambda c, a: c.setnx(a[1], a[2]), setup=ks))
    add(Work("SETEX", "new key", lambda i: ["SETEX", f"new:{i}", 1000, "v"],
             lambda c, a: c.setex(a[1], a[2], a[3]), setup=ks))
    add(Work("PSETEX", "new key", lambda i: ["PSETEX", f"new:{i}", 100_000, "v"],
             lambda c, a: c.psetex(a[1], a[2], a[3]), setup=ks))
    add(Work("APPEND", "100 strings", lambda i: ["APPEND", f"k:{i % 100}", "xy"],
             lambda c, a: c.append(a[1], a[2]), setup=ks))
    add(Work("STRLEN", "100 bytes", lambda i: ["STRLEN", "str"],
             lambda c, a: c.strlen(a[1]), setup=ks))
    add(Work("GETRANGE", "10 of 100 bytes", lambda i: ["GETRANGE", "str", 10, 19],
             lambda c, a: c.getrange(a[1], a[2], a[3]), setup=ks))
    add(Work("SETRANGE", "2 of 100 bytes", lambda i: ["SETRANGE", "str", i % 90, "ab"],
             lambda c, a: c.setrange(a[1], a[2], a[3]), setup=ks))
    add(Work("INCR", "100 counters", lambda i: ["INCR", f"c:{i % 100}"],
             lambda c, a: c.incr(a[1]), lambda c, a: c.execute_command(*a), setup=ks))
    add(Work("INCRBY", "100 counters", lambda i: ["INCRBY", f"c:{i % 100}", 5],
             lambda c, a: c.incr(a[1], a[2]), setup=ks))
    add(Work("DECR", "100 counters", lambda i: ["DECR", f"c:{i % 100}"],
             lambda c, a: c.decr(a[1]), lambda c, a: c.execute_command(*a), setup=ks))
    add(Work("DECRBY", "100 counters", lambda i: ["DECRBY", f"c:{i % 100}", 5],
             lambda c, a: c.decrby(a[1], a[2]), setup=ks))
    add(Work("INCRBYFLOAT", "100 counters", lambda i: ["INCRBYFLOAT", f"c:{i % 100}", 0.25],
             lambda c, a: c.incrbyfloat(a[1], a[2]), setup=ks))
    add(Work("SETBIT", "10 kB bitmap", lambda i: ["SETBIT", "bm", perm(i, 80_000), i % 2],
             lambda c, a: c.setbit(a[1], a[2], a[3]), setup=ks))
    add(Work("GETBIT", "10 kB bitmap", lambda i: ["GETBIT", "bm", perm(i, 80_000)],
             lambda c, a: c.getbit(a[1], a[2]), setup=ks))
    add(Work("BITCOUNT", "100 of 10k bytes", lambda i: ["BITCOUNT", "bm", 100, 199],
             lambda c, a: c.bitcount(a[1], a[2], a[3]), setup=ks))
    add(Work("BITPOS", "first 0 of 10 kB", lambda i: ["BITPOS", "bm", 0],
             lambda c, a: c.bitpos(a[1], a[2]), setup=ks))

    # ---- lists ----------------------------------------------------------------------
    add(Work("LPUSH", "new element, 10k list", lambda i: ["LPUSH", "l", f"n{i}"],
             lambda c, a: c.lpush(a[1], a[2]), setup=ls))
    add(Work("RPUSH", "new element, 10k list", lambda i: ["RPUSH", "l", f"n{i}"],
             lambda c, a: c.rpush(a[1], a[2]), setup=ls))
    add(Work("LPUSHX", "new element, 10k list", lambda i: ["LPUSHX", "l", f"n{i}"],
             lambda c, a: c.lpushx(a[1], a[2]), setup=ls))
    add(Work("RPUSHX", "new element, 10k list", lambda i: ["RPUSHX", "l", f"n{i}"],
             lambda c, a: c.rpushx(a[1], a[2]), setup=ls))
    add(Work("LPOP", "10k list", lambda i: ["LPOP", "l"], lambda c, a: c.lpop(a[1]), setup=ls))
    add(Work("RPOP", "10k list", lambda i: ["RPOP", "l"], lambda c, a: c.rpop(a[1]), setup=ls))
    add(Work("LLEN", "10k list", lambda i: ["LLEN", "l"], lambda c, a: c.llen(a[1]), setup=ls))
    add(Work("LRANGE", "first 10 of 10k", lambda i: ["LRANGE", "l", 0, 9],
             lambda c, a: c.lrange(a[1], a[2], a[3]), setup=ls))
    add(Work("LRANGE", "10 in the middle", lambda i: ["LRANGE", "l", 5000, 5009],
             lambda c, a: c.lrange(a[1], a[2], a[3]), setup=ls))
    add(Work("LINDEX", "random index", lambda i: ["LINDEX", "l", perm(i)],
             lambda c, a: c.lindex(a[1], a[2]), setup=ls))
    add(Work("LSET", "random index", lambda i: ["LSET", "l", perm(i), "v"],
             lambda c, a: c.lset(a[1], a[2], a[3]), setup=ls))
    add(Work("LINSERT", "after the 6th element", lambda i: ["LINSERT", "l", "AFTER", "e5", f"n{i}"],
             lambda c, a: c.linsert(a[1], a[2], a[3], a[4]), setup=ls))
    add(Work("LREM", "one element, random place", lambda i: ["LREM", "l", 1, f"e{perm(i)}"],
             lambda c, a: c.lrem(a[1], a[2], a[3]), setup=ls, n=50))
    add(Work("LTRIM", "drop the head", lambda i: ["LTRIM", "l", 1, -1],
             lambda c, a: c.ltrim(a[1], a[2], a[3]), setup=ls))
    add(Work("LPOS", "element at a random place", lambda i: ["LPOS", "l", f"e{perm(i)}"],
             lambda c, a: c.lpos(a[1], a[2]), setup=ls, n=50))
    add(Work("LMOVE", "between 10k lists", lambda i: ["LMOVE", "l", "l2", "LEFT", "RIGHT"],
             lambda c, a: c.lmove(a[1], a[2], a[3], a[4]), setup=ls))
    add(Work("RPOPLPUSH", "between 10k lists", lambda i: ["RPOPLPUSH", "l", "l2"],
             lambda c, a: c.rpoplpush(a[1], a[2]), setup=ls))
    add(Work("LMPOP", "one key", lambda i: ["LMPOP", 1, "l", "LEFT"],
             lambda c, a: c.lmpop(1, a[2], direction=a[3]), setup=ls))
    add(Work("BLPOP", "non-empty list", lambda i: ["BLPOP", "l", 1],
             lambda c, a: c.blpop([a[1]], a[2]), setup=ls))
    add(Work("BRPOP", "non-empty list", lambda i: ["BRPOP", "l", 1],
             lambda c, a: c.brpop([a[1]], a[2]), setup=ls))
    add(Work("BLMOVE", "non-empty list", lambda i: ["BLMOVE", "l", "l2", "LEFT", "RIGHT", 1],
             lambda c, a: c.blmove(a[1], a[2], a[5], a[3], a[4]), setup=ls))
    add(Work("BRPOPLPUSH", "non-empty list", lambda i: ["BRPOPLPUSH", "l", "l2", 1],
             lambda c, a: c.brpoplpush(a[1], a[2], a[3]), setup=ls))
    add(Work("BLMPOP", "non-empty list", lambda i: ["BLMPOP", 1, 1, "l", "LEFT"],
             lambda c, a: c.blmpop(a[1], 1, a[3], direction=a[4]), setup=ls))

    # ---- hashes ---------------------------------------------------------------------
    add(Work("HSET", "new field, 10k hash", lambda i: ["HSET", "h", f"n{i}", "v"],
             lambda c, a: c.hset(a[1], mapping={a[2]: a[3]}),
             lambda c, a: c.hset(a[1], {a[2]: a[3]}), setup=hs))
    add(Work("HSETNX", "new field, 10k hash", lambda i: ["HSETNX", "h", f"n{i}", "v"],
             lambda c, a: c.hsetnx(a[1], a[2], a[3]), setup=hs))
    add(Work("HMSET", "5 new fields",
             lambda i: ["HMSET", "h", *[x for j in range(5) for x in (f"n{i}:{j}", "v")]],
             lambda c, a: c.hset(a[1], mapping=dict(zip(a[2::2], a[3::2]))),
             lambda c, a: c.hset(a[1], dict(zip(a[2::2], a[3::2]))), setup=hs))
    add(Work("HGET", "existing field", lambda i: ["HGET", "h", f"f{perm(i)}"],
             lambda c, a: c.hget(a[1], a[2]), setup=hs))
    add(Work("HMGET", "5 fields", lambda i: ["HMGET", "h",
                                                *[f"f{perm(i * 5 + j)}" for j in range(5)]],
             lambda c, a: c.hmget(a[1], a[2:]), lambda c, a: c.hmget(a[1], *a[2:]), setup=hs))
    add(Work("HDEL", "existing field", lambda i: ["HDEL", "h", f"f{perm(i)}"],
             lambda c, a: c.hdel(a[1], a[2]), setup=hs))
    add(Work("HEXISTS", "existing field", lambda i: ["HEXISTS", "h", f"f{perm(i)}"],
             lambda c, a: c.hexists(a[1], a[2]), setup=hs))
    add(Work("HLEN", "10k hash", lambda i: ["HLEN", "h"], lambda c, a: c.hlen(a[1]), setup=hs))
    add(Work("HKEYS", "100 fields", lambda i: ["HKEYS", "hs"], lambda c, a: c.hkeys(a[1]),
             setup=hs))
    add(Work("HVALS", "100 fields", lambda i: ["HVALS", "hs"], lambda c, a: c.hvals(a[1]),
             setup=hs))
    add(Work("HGETALL", "100 fields", lambda i: ["HGETALL", "hs"],
             lambda c, a: c.hgetall(a[1]), setup=hs))
    add(Work("HINCRBY", "100 counters", lambda i: ["HINCRBY", "h", f"c{i % 100}", 3],
             lambda c, a: c.hincrby_int(a[1], a[2], a[3]),
             lambda c, a: c.hincrby(a[1], a[2], a[3]), setup=hs))
    add(Work("HINCRBYFLOAT", "100 counters", lambda i: ["HINCRBYFLOAT", "h", f"c{i % 100}", 0.25],
             lambda c, a: c.hincrbyfloat(a[1], a[2], a[3]), setup=hs))
    add(Work("HSTRLEN", "existing field", lambda i: ["HSTRLEN", "h", f"f{perm(i)}"],
             lambda c, a: c.hstrlen(a[1], a[2]), setup=hs))
    add(Work("HRANDFIELD", "one of 10k", lambda i: ["HRANDFIELD", "h"],
             lambda c, a: c.hrandfield(a[1]), setup=hs))
    add(Work("HRANDFIELD", "5 WITHVALUES", lambda i: ["HRANDFIELD", "h", 5, "WITHVALUES"],
             lambda c, a: c.hrandfield(a[1], a[2], withvalues=True), setup=hs))
    add(Work("HSCAN", "10-field hash", lambda i: ["HSCAN", "h10", 0],
             lambda c, a: c.hscan(a[1], a[2]), setup=hs))
    add(Work("HSCAN", "COUNT 10 of 10k", lambda i: ["HSCAN", "h", 0, "COUNT", 10],
             lambda c, a: c.hscan(a[1], a[2], count=a[4]), setup=hs))

    # ---- sets -----------------------------------------------------------------------
    add(Work("SADD", "new member, 10k set", lambda i: ["SADD", "s", f"n{i}"],
             lambda c, a: c.sadd(a[1], a[2]), setup=ss))
    add(Work("SREM", "existing member", lambda i: ["SREM", "s", f"m{perm(i)}"],
             lambda c, a: c.srem(a[1], a[2]), setup=ss))
    add(Work("SISMEMBER", "existing member", lambda i: ["SISMEMBER", "s", f"m{perm(i)}"],
             lambda c, a: c.sismember(a[1], a[2]), setup=ss))
    add(Work("SMISMEMBER", "5 members",
             lambda i: ["SMISMEMBER", "s", *[f"m{perm(i * 5 + j)}" for j in range(5)]],
             lambda c, a: c.smismember(a[1], a[2:]), setup=ss))
    add(Work("SCARD", "10k set", lambda i: ["SCARD", "s"], lambda c, a: c.scard(a[1]), setup=ss))
    add(Work("SMEMBERS", "100 members", lambda i: ["SMEMBERS", "ss"],
             lambda c, a: c.smembers(a[1]), setup=ss))
    add(Work("SPOP", "10k set", lambda i: ["SPOP", "s"], lambda c, a: c.spop(a[1]), setup=ss))
    add(Work("SRANDMEMBER", "one of 10k", lambda i: ["SRANDMEMBER", "s"],
             lambda c, a: c.srandmember(a[1]), setup=ss))
    add(Work("SRANDMEMBER", "5 of 10k", lambda i: ["SRANDMEMBER", "s", 5],
             lambda c, a: c.srandmember(a[1], a[2]), setup=ss))
    add(Work("SMOVE", "existing member", lambda i: ["SMOVE", "s", "s2", f"m{perm(i)}"],
             lambda c, a: c.smove(a[1], a[2], a[3]), setup=ss))
    add(Work("SINTER", "two 1k sets", lambda i: ["SINTER", "sa", "sb"],
             lambda c, a: c.sinter(a[1:]), setup=ss, n=50))
    add(Work("SUNION", "two 1k sets", lambda i: ["SUNION", "sa", "sb"],
             lambda c, a: c.sunion(a[1:]), setup=ss, n=50))
    add(Work("SDIFF", "two 1k sets", lambda i: ["SDIFF", "sa", "sb"],
             lambda c, a: c.sdiff(a[1:]), setup=ss, n=50))
    add(Work("SINTERSTORE", "two 1k sets", lambda i: ["SINTERSTORE", "sd", "sa", "sb"],
             lambda c, a: c.sinterstore(a[1], a[2:]), setup=ss, n=50))
    add(Work("SUNIONSTORE", "two 1k sets", lambda i: ["SUNIONSTORE", "sd", "sa", "sb"],
             lambda c, a: c.sunionstore(a[1], a[2:]), setup=ss, n=50))
    add(Work("SDIFFSTORE", "two 1k sets", lambda i: ["SDIFFSTORE", "sd", "sa", "sb"],
             lambda c, a: c.sdiffstore(a[1], a[2:]), setup=ss, n=50))
    add(Work("SINTERCARD", "two 1k sets", lambda i: ["SINTERCARD", 2, "sa", "sb"],
             lambda c, a: c.sintercard(2, a[2:]), setup=ss, n=50))
    add(Work("SSCAN", "COUNT 10 of 10k", lambda i: ["SSCAN", "s", 0, "COUNT", 10],
             lambda c, a: c.sscan(a[1], a[2], count=a[4]), setup=ss))

    # ---- sorted sets ----------------------------------------------------------------
    add(Work("ZADD", "new member, 10k zset", lambda i: ["ZADD", "z", perm(i) + 0.5, f"n{i}"],
             lambda c, a: c.zadd(a[1], {a[3]: a[2]}), setup=zs))
    add(Work("ZINCRBY", "existing member", lambda i: ["ZINCRBY", "z", 3, f"m{perm(i)}"],
             lambda c, a: c.zincrby(a[1], a[2], a[3]), setup=zs))
    add(Work("ZREM", "existing member", lambda i: ["ZREM", "z", f"m{perm(i)}"],
             lambda c, a: c.zrem(a[1], a[2]), setup=zs))
    add(Work("ZSCORE", "existing member", lambda i: ["ZSCORE", "z", f"m{perm(i)}"],
             lambda c, a: c.zscore(a[1], a[2]), setup=zs))
    add(Work("ZMSCORE", "5 members",
             lambda i: ["ZMSCORE", "z", *[f"m{perm(i * 5 + j)}" for j in range(5)]],
             lambda c, a: c.zmscore(a[1], a[2:]), setup=zs))
    add(Work("ZRANK", "existing member", lambda i: ["ZRANK", "z", f"m{perm(i)}"],
             lambda c, a: c.zrank(a[1], a[2]), setup=zs))
    add(Work("ZREVRANK", "existing member", lambda i: ["ZREVRANK", "z", f"m{perm(i)}"],
             lambda c, a: c.zrevrank(a[1], a[2]), setup=zs))
    add(Work("ZCARD", "10k zset", lambda i: ["ZCARD", "z"], lambda c, a: c.zcard(a[1]), setup=zs))
    add(Work("ZCOUNT", "100-score range", lambda i: ["ZCOUNT", "z", perm(i), perm(i) + 100],
             lambda c, a: c.zcount(a[1], a[2], a[3]), setup=zs))
    add(Work("ZLEXCOUNT", "100-member range",
             lambda i: ["ZLEXCOUNT", "zl", *lex(i, 100)],
             lambda c, a: c.zlexcount(a[1], a[2], a[3]), setup=zs))
    add(Work("ZRANGE", "first 10 of 10k", lambda i: ["ZRANGE", "z", 0, 9],
             lambda c, a: c.zrange(a[1], a[2], a[3]), setup=zs))
    add(Work("ZRANGE", "BYSCORE LIMIT 0 10",
             lambda i: ["ZRANGE", "z", perm(i), "+inf", "BYSCORE", "LIMIT", 0, 10],
             lambda c, a: c.zrange(a[1], a[2], a[3], byscore=True, offset=0, num=10), setup=zs))
    add(Work("ZRANGEBYSCORE", "10-score range",
             lambda i: ["ZRANGEBYSCORE", "z", perm(i), perm(i) + 9],
             lambda c, a: c.zrangebyscore(a[1], a[2], a[3]), setup=zs))
    add(Work("ZREVRANGEBYSCORE", "10-score range",
             lambda i: ["ZREVRANGEBYSCORE", "z", perm(i) + 9, perm(i)],
             lambda c, a: c.zrevrangebyscore(a[1], a[2], a[3]), setup=zs))
    add(Work("ZRANGEBYLEX", "10-member range",
             lambda i: ["ZRANGEBYLEX", "zl", *lex(i, 10)],
             lambda c, a: c.zrangebylex(a[1], a[2], a[3]), setup=zs))
    add(Work("ZREVRANGEBYLEX", "10-member range",
             lambda i: ["ZREVRANGEBYLEX", "zl", f"(m{perm(i, 9000) + 10:05d}",
                        f"[m{perm(i, 9000):05d}"],
             lambda c, a: c.zrevrangebylex(a[1], a[2], a[3]), setup=zs))
    add(Work("ZREVRANGE", "top 10 of 10k", lambda i: ["ZREVRANGE", "z", 0, 9],
             lambda c, a: c.zrevrange(a[1], a[2], a[3]), setup=zs))
    add(Work("ZRANGESTORE", "10 by rank", lambda i: ["ZRANGESTORE", "zd", "z", perm(i),
                                                        perm(i) + 9],
             lambda c, a: c.zrangestore(a[1], a[2], a[3], a[4]), setup=zs))
    add(Work("ZPOPMIN", "10k zset", lambda i: ["ZPOPMIN", "z"],
             lambda c, a: c.zpopmin(a[1]), setup=zs))
    add(Work("ZPOPMAX", "10k zset", lambda i: ["ZPOPMAX", "z"],
             lambda c, a: c.zpopmax(a[1]), setup=zs))
    add(Work("ZMPOP", "one key", lambda i: ["ZMPOP", 1, "z", "MIN"],
             lambda c, a: c.zmpop(1, [a[2]], min=True), setup=zs))
    add(Work("ZREMRANGEBYRANK", "one member", lambda i: ["ZREMRANGEBYRANK", "z", 0, 0],
             lambda c, a: c.zremrangebyrank(a[1], a[2], a[3]), setup=zs))
    add(Work("ZREMRANGEBYSCORE", "one member",
             lambda i: ["ZREMRANGEBYSCORE", "z", perm(i), perm(i)],
             lambda c, a: c.zremrangebyscore(a[1], a[2], a[3]), setup=zs))
    add(Work("ZREMRANGEBYLEX", "one member",
             lambda i: ["ZREMRANGEBYLEX", "zl", f"[m{perm(i):05d}", f"[m{perm(i):05d}"],
             lambda c, a: c.zremrangebylex(a[1], a[2], a[3]), setup=zs))
    add(Work("ZUNION", "two 1k zsets", lambda i: ["ZUNION", 2, "za", "zb"],
             lambda c, a: c.zunion(a[2:]), setup=zs, n=20))
    add(Work("ZINTER", "two 1k zsets", lambda i: ["ZINTER", 2, "za", "zb"],
             lambda c, a: c.zinter(a[2:]), setup=zs, n=20))
    add(Work("ZDIFF", "two 1k zsets", lambda i: ["ZDIFF", 2, "za", "zb"],
             lambda c, a: c.zdiff(a[2:]), setup=zs, n=20))
    add(Work("ZUNIONSTORE", "two 1k zsets", lambda i: ["ZUNIONSTORE", "zd", 2, "za", "zb"],
             lambda c, a: c.zunionstore(a[1], a[3:]), setup=zs, n=20))
    add(Work("ZINTERSTORE", "two 1k zsets", lambda i: ["ZINTERSTORE", "zd", 2, "za", "zb"],
             lambda c, a: c.zinterstore(a[1], a[3:]), setup=zs, n=20))
    add(Work("ZDIFFSTORE", "two 1k zsets", lambda i: ["ZDIFFSTORE", "zd", 2, "za", "zb"],
             lambda c, a: c.zdiffstore(a[1], a[3:]), setup=zs, n=20))
    add(Work("ZINTERCARD", "two 1k zsets", lambda i: ["ZINTERCARD", 2, "za", "zb"],
             lambda c, a: c.zintercard(2, a[2:]), setup=zs, n=20))
    add(Work("ZRANDMEMBER", "one of 10k", lambda i: ["ZRANDMEMBER", "z"],
             lambda c, a: c.zrandmember(a[1]), setup=zs))
    add(Work("ZRANDMEMBER", "5 of 10k", lambda i: ["ZRANDMEMBER", "z", 5],
             lambda c, a: c.zrandmember(a[1], a[2]), setup=zs))
    add(Work("ZSCAN", "10-member zset", lambda i: ["ZSCAN", "z10", 0],
             lambda c, a: c.zscan(a[1], a[2]), setup=zs))
    add(Work("ZSCAN", "COUNT 10 of 10k", lambda i: ["ZSCAN", "z", 0, "COUNT", 10],
             lambda c, a: c.zscan(a[1], a[2], count=a[4]), setup=zs))
    add(Work("BZPOPMIN", "non-empty zset", lambda i: ["BZPOPMIN", "z", 1],
             lambda c, a: c.bzpopmin([a[1]], a[2]), setup=zs))
    add(Work("BZPOPMAX", "non-empty zset", lambda i: ["BZPOPMAX", "z", 1],
             lambda c, a: c.bzpopmax([a[1]], a[2]), setup=zs))
    add(Work("BZMPOP", "non-empty zset", lambda i: ["BZMPOP", 1, 1, "z", "MIN"],
             lambda c, a: c.bzmpop(a[1], 1, [a[3]], min=True), setup=zs))

    # ---- streams and LCS -----------------------------------------------------------
    st = big_stream
    add(Work("XADD", "new entry, 5k stream", lambda i: ["XADD", "st", "*", "field", f"v{i}"],
             lambda c, a: c.xadd(a[1], {a[3]: a[4]}), setup=st))
    add(Work("XLEN", "5k stream", lambda i: ["XLEN", "st"], lambda c, a: c.xlen(a[1]),
             setup=st))
    add(Work("XRANGE", "10 from an id", lambda i: ["XRANGE", "st", f"{perm(i, NS) + 1}-0", "+",
                                                    "COUNT", 10],
             lambda c, a: c.xrange(a[1], a[2], a[3], count=a[5]), setup=st))
    add(Work("XREVRANGE", "10 before an id", lambda i: ["XREVRANGE", "st", f"{perm(i, NS) + 1}-0",
                                                         "-", "COUNT", 10],
             lambda c, a: c.xrevrange(a[1], a[2], a[3], count=a[5]), setup=st))
    add(Work("XDEL", "existing entry", lambda i: ["XDEL", "st", f"{perm(i, NS) + 1}-0"],
             lambda c, a: c.xdel(a[1], a[2]), setup=st))
    add(Work("XTRIM", "MINID: one entry", lambda i: ["XTRIM", "st", "MINID", f"{i + 2}-0"],
             lambda c, a: c.xtrim(a[1], minid=a[3], approximate=False), setup=st))
    add(Work("XREAD", "10 after an id", lambda i: ["XREAD", "COUNT", 10, "STREAMS", "st",
                                                    f"{perm(i, NS) + 1}-0"],
             lambda c, a: c.xread({a[4]: a[5]}, count=a[2]), setup=st))
    add(Work("XGROUP", "CREATE a new group", lambda i: ["XGROUP", "CREATE", "st", f"g{i}", "$"],
             lambda c, a: c.xgroup_create(a[2], a[3], a[4]), setup=st))
    add(Work("XREADGROUP", "one new entry", lambda i: ["XREADGROUP", "GROUP", "fresh", "c",
                                                        "COUNT", 1, "STREAMS", "st", ">"],
             lambda c, a: c.xreadgroup(a[2], a[3], {a[7]: a[8]}, count=a[5]), setup=st))
    add(Work("XACK", "pending entry", lambda i: ["XACK", "st", "g", f"{perm(i, NS) + 1}-0"],
             lambda c, a: c.xack(a[1], a[2], a[3]), setup=st))
    add(Work("XPENDING", "10 of 5k pending", lambda i: ["XPENDING", "st", "g", "-", "+", 10],
             lambda c, a: c.xpending_range(a[1], a[2], a[3], a[4], a[5]), setup=st))
    add(Work("XCLAIM", "pending entry", lambda i: ["XCLAIM", "st", "g", "c2", 0,
                                                    f"{perm(i, NS) + 1}-0"],
             lambda c, a: c.xclaim(a[1], a[2], a[3], a[4], [a[5]]), setup=st))
    add(Work("XAUTOCLAIM", "COUNT 10", lambda i: ["XAUTOCLAIM", "st", "g", "c2", 0,
                                                   f"{perm(i, NS) + 1}-0", "COUNT", 10],
             lambda c, a: c.xautoclaim(a[1], a[2], a[3], a[4], a[5], count=a[7]), setup=st))
    add(Work("XINFO", "STREAM", lambda i: ["XINFO", "STREAM", "st"],
             lambda c, a: c.xinfo_stream(a[2]), setup=st))
    add(Work("XSETID", "later id", lambda i: ["XSETID", "st", f"{NS + 1000 + i}-0"],
             lambda c, a: c.xsetid(a[1], a[2]), setup=st))
    add(Work("LCS", "two 99-byte strings", lambda i: ["LCS", "lcs1", "lcs2"],
             lambda c, a: c.lcs(a[1], a[2]), setup=st, n=20))

    # ---- scripting, pub/sub, transactions -------------------------------------------
    add(Work("EVAL", "return 1", lambda i: ["EVAL", "return 1", 0],
             lambda c, a: c.eval(a[1], a[2])))
    add(Work("EVALSHA", "return 1", lambda i: ["EVALSHA", SHA1, 0],
             lambda c, a: c.evalsha(a[1], a[2]),
             setup=lambda x: x("SCRIPT", "LOAD", "return 1")))
    add(Work("SCRIPT", "EXISTS", lambda i: ["SCRIPT", "EXISTS", SHA1],
             lambda c, a: c.script_exists(a[2])))
    add(Work("LASTSAVE", "", lambda i: ["LASTSAVE"], lambda c, a: c.lastsave()))
    add(Work("FUNCTION", "LIST (none)", lambda i: ["FUNCTION", "LIST"],
             lambda c, a: c.function_list()))
    add(Work("ACL", "WHOAMI", lambda i: ["ACL", "WHOAMI"], lambda c, a: c.acl_whoami()))
    add(Work("PUBLISH", "no subscriber", lambda i: ["PUBLISH", "news", "hello"],
             lambda c, a: c.publish(a[1], a[2])))
    add(Work("PUBSUB", "CHANNELS", lambda i: ["PUBSUB", "CHANNELS"],
             lambda c, a: c.pubsub_channels()))
    add(Work("MULTI", "MULTI SET EXEC", lambda i: ["SET", f"k:{perm(i)}", "v"],
             lambda c, a: tx_set(c, a), setup=ks,
             raw=lambda x, a: (x("MULTI"), x(*a), x("EXEC"))))
    add(Work("WATCH", "WATCH UNWATCH", lambda i: ["WATCH", f"k:{perm(i)}"], None, setup=ks,
             raw=lambda x, a: (x(*a), x("UNWATCH"))))
    return w


def tx_set(client: Any, argv: Sequence[Any]) -> Any:
    """A one-command transaction through the client's pipeline (MULTI ... EXEC)."""
    pipe = client.pipeline(transaction=True)
    pipe.set(argv[1], argv[2])
    return pipe.execute()


NOT_MEASURED = {
    "SUBSCRIBE": "puts the connection in subscriber mode (bench_queue covers delivery)",
    "PSUBSCRIBE": "as SUBSCRIBE", "UNSUBSCRIBE": "as SUBSCRIBE", "PUNSUBSCRIBE": "as SUBSCRIBE",
    "EXEC": "measured in the MULTI row", "DISCARD": "connection state, as MULTI",
    "UNWATCH": "measured in the WATCH row",
    "SELECT": "connection state", "CLIENT": "connection state", "HELLO": "connection state",
    "AUTH": "connection state", "QUIT": "ends the connection", "RESET": "connection state",
    "MONITOR": "a connection mode", "SAVE": "writes to disk", "BGSAVE": "writes to disk",
    "SHUTDOWN": "stops the server", "INFO": "fakeredis 2.41 has none",
    "CONFIG": "fakeredis 2.41 has none", "EVAL_RO": "fakeredis 2.41 has none",
    "EVALSHA_RO": "fakeredis 2.41 has none", "COMMAND": "fakeredis 2.41 fails on it",
    "FCALL": "needs a Lua library loaded (FUNCTION LOAD)", "FCALL_RO": "as FCALL",
}
