"""Random Lua programs on the memory backend and on the servers: same replies, same
errors, same final keyspace.

A seeded generator writes each program from the constructs scripts use: locals,
arithmetic and comparisons, ``if``/``while``/numeric and ``ipairs`` loops, string and
table functions, ``redis.call`` and ``redis.pcall`` over about sixty table commands on
a few shared keys (so wrong types and bad arguments happen), ``cjson``, ``cmsgpack``,
``bit`` and ``struct`` round trips, ``redis.setresp(3)`` runs, and errors raised on
purpose; results are collected into a table the script returns (a failing
``redis.call`` ends it with the server's error instead). Programs are sent to Redis 7.0
without non-integral numbers in command arguments (it writes them with ``%.17g``).
``REDIPY_LUA_EXAMPLES`` sets the number of programs per server (default 40).
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

from redipy.memory.backend import MemoryBackend
from tests.lua_wire import MemoryWire, Wire, as_valkey9
from tests.servers import Server

EXAMPLES = int(os.environ.get("REDIPY_LUA_EXAMPLES", "40"))
KEYS = ["k1", "k2", "k3", "h", "l", "s", "z"]
WORDS = ["a", "b", "10", "-3", "x y", "3.5", "", "007", "\xe9t\xe9", "nan"]

# command -> argument shapes: k key, v value, n small int, f number, m member, w word
COMMANDS: dict[str, list[str]] = {
    "GET": ["k"], "SET": ["kv", "kvw", "kvwn"], "SETNX": ["kv"], "GETSET": ["kv"],
    "APPEND": ["kv"], "STRLEN": ["k"], "INCR": ["k"], "DECR": ["k"], "INCRBY": ["kn"],
    "DECRBY": ["kn"], "INCRBYFLOAT": ["kf"], "GETRANGE": ["knn"], "SETRANGE": ["knv"],
    "MGET": ["kk", "kkk"], "MSET": ["kvkv"], "GETDEL": ["k"], "DEL": ["k", "kk"],
    "EXISTS": ["k", "kkk"], "TYPE": ["k"], "EXPIRE": ["kn"], "PERSIST": ["k"],
    "TTL": ["k"], "RENAME": ["kk"], "RENAMENX": ["kk"],
    "LPUSH": ["kv", "kvv"], "RPUSH": ["kv", "kvv"], "LPOP": ["k", "kn"], "RPOP": ["k"],
    "LLEN": ["k"], "LRANGE": ["knn"], "LINDEX": ["kn"], "LSET": ["knv"], "LREM": ["knv"],
    "LTRIM": ["knn"], "LINSERT": ["kwvv"], "LPOS": ["kv"], "RPOPLPUSH": ["kk"],
    "HSET": ["kvv", "kvvvv"], "HGET": ["kv"], "HDEL": ["kv"], "HLEN": ["k"],
    "HEXISTS": ["kv"], "HINCRBY": ["kvn"], "HINCRBYFLOAT": ["kvf"], "HGETALL": ["k"],
    "HMGET": ["kvv"], "HSETNX": ["kvv"], "HSTRLEN": ["kv"],
    "SADD": ["kv", "kvvv"], "SREM": ["kv"], "SCARD": ["k"], "SISMEMBER": ["kv"],
    "SMEMBERS": ["k"], "SINTER": ["kk"], "SUNION": ["kk"], "SDIFF": ["kk"],
    "SMISMEMBER": ["kvv"], "SMOVE": ["kkv"],
    "ZADD": ["kfv", "kfvfv", "kwfv"], "ZSCORE": ["kv"], "ZINCRBY": ["kfv"], "ZCARD": ["k"],
    "ZREM": ["kv"], "ZRANK": ["kv"], "ZRANGE": ["knn", "knnw"], "ZCOUNT": ["kff"],
    "ZRANGEBYSCORE": ["kff"], "ZREVRANGE": ["knn"], "ZPOPMIN": ["k"], "ZMSCORE": ["kvv"],
}
UNORDERED = {"SMEMBERS", "SINTER", "SUNION", "SDIFF"}
FLAG_WORDS = ["NX", "XX", "GET", "KEEPTTL", "WITHSCORES", "BEFORE", "AFTER", "CH", "INCR",
              "EX", "bogus"]


def lua_str(text: str) -> str:
    out = []
    for ch in text:
        if ch in "\\'":
            out.append("\\" + ch)
        elif 32 <= ord(ch) < 127:
            out.append(ch)
        else:
            out.append(f"\\{ord(ch)}")
    return "'" + "".join(out) + "'"


class Gen:
    """Writes one program; ``floats`` says whether non-integral numbers may reach
    command arguments."""

    def __init__(self, rnd: random.Random, floats: bool) -> None:
        self.r = rnd
        self.floats = floats
        self.lines: list[str] = []
        self.nvars = 0
        self.depth = 0

    # ---- values -------------------------------------------------------------------------

    def number(self) -> str:
        r = self.r
        choice = r.random()
        if choice < 0.5:
            return str(r.randint(-5, 20))
        if choice < 0.7 and self.floats:
            return r.choice(["1.5", "0.1", "-2.25", "1e3", "3.0"])
        return r.choice(["#ARGV", "#KEYS", str(r.randint(0, 3))])

    def word(self) -> str:
        return lua_str(self.r.choice(WORDS))

    def arg(self, shape: str) -> str:
        r = self.r
        if shape == "k":
            return f"KEYS[{r.randint(1, len(KEYS))}]" if r.random() < 0.7 \
                else lua_str(r.choice(KEYS))
        if shape == "v":
            return r.choice([self.word(), f"ARGV[{r.randint(1, 3)}]", self.number()])
        if shape == "n":
            return str(r.randint(-3, 6)) if r.random() < 0.9 else self.word()
        if shape == "f":
            return self.number() if r.random() < 0.8 else self.word()
        if shape == "w":
            return lua_str(r.choice(FLAG_WORDS))
        raise AssertionError(shape)

    def call(self) -> str:
        r = self.r
        name = r.choice(sorted(COMMANDS))
        shape = r.choice(COMMANDS[name])
        args = [self.arg(c) for c in shape]
        if r.random() < 0.05:
            args = args[:-1]  # a wrong number of arguments
        spelled = name if r.random() < 0.7 else name.lower()
        fn = "redis.pcall" if r.random() < 0.75 else "redis.call"
        text = f"{fn}({', '.join([lua_str(spelled), *args])})"
        if name in UNORDERED:
            v = self.fresh()
            self.emit(f"local {v} = {text}")
            self.emit(f"if type({v}) == 'table' and {v}.err == nil and {v}.set == nil then "
                      f"table.sort({v}) end")
            return v
        return text

    def fresh(self) -> str:
        self.nvars += 1
        return f"v{self.nvars}"

    def expr(self) -> str:
        r = self.r
        pick = r.randrange(12)
        if pick == 0:
            return f"({self.number()} {r.choice(['+', '-', '*', '%'])} {self.number()})"
        if pick == 1:
            return f"string.upper({self.word()}) .. string.rep('x', {r.randint(0, 3)})"
        if pick == 2:
            return f"string.sub({self.word()}, {r.randint(-2, 2)}, {r.randint(-1, 4)})"
        if pick == 3:
            return f"tostring({self.number()}) .. {self.word()}"
        if pick == 4:
            return f"tonumber({self.word()})"
        if pick == 5:
            return f"string.format('%d:%s', {r.randint(-9, 9)}, {self.word()})"
        if pick == 6:
            return f"#({self.word()} .. {self.word()})"
        if pick == 7:
            return f"string.byte({self.word()} .. 'z')"
        if pick == 8:
            return f"string.len(string.rep({self.word()}, {r.randint(0, 4)}, '-'))"
        if pick == 9:
            return f"({self.number()} < {self.number()})"
        if pick == 10:
            return "#KEYS + #ARGV"
        return self.call()

    # ---- statements ---------------------------------------------------------------------

    def emit(self, line: str) -> None:
        self.lines.append("  " * self.depth + line)

    def statement(self) -> None:
        r = self.r
        pick = r.randrange(16)
        if pick <= 4:
            self.emit(f"out[#out + 1] = {self.call()}")
        elif pick == 5:
            v = self.fresh()
            self.emit(f"local {v} = {self.expr()}")
            self.emit(f"out[#out + 1] = {v}")
        elif pick == 6 and self.depth < 2:
            self.emit(f"if {self.expr()} then")
            self.depth += 1
            self.statement()
            self.depth -= 1
            self.emit("else")
            self.depth += 1
            self.statement()
            self.depth -= 1
            self.emit("end")
        elif pick == 7 and self.depth < 2:
            v = self.fresh()
            self.emit(f"for {v} = 1, {r.randint(0, 3)} do")
            self.depth += 1
            self.emit(f"out[#out + 1] = {v}")
            self.statement()
            self.depth -= 1
            self.emit("end")
        elif pick == 8:
            v = self.fresh()
            self.emit(f"local {v} = {{{', '.join(self.word() for _ in range(r.randint(0, 4)))}}}")
            self.emit(f"table.insert({v}, {self.word()})")
            if r.random() < 0.5:
                self.emit(f"table.sort({v})")
            self.emit(f"out[#out + 1] = table.concat({v}, ',')")
            self.emit(f"for i, x in ipairs({v}) do out[#out + 1] = i .. '=' .. x end")
            self.emit(f"out[#out + 1] = table.remove({v}) or false")
        elif pick == 9:
            self.cjson()
        elif pick == 10:
            self.msgpack()
        elif pick == 11:
            a, b = r.randint(-2**31, 2**31), r.randint(0, 31)
            op = r.choice(["band", "bor", "bxor", "lshift", "rshift", "arshift", "rol",
                           "ror"])
            self.emit(f"out[#out + 1] = bit.{op}({a}, {b})")
            self.emit(f"out[#out + 1] = bit.tohex({a}, {r.choice([2, 8, -4])})")
        elif pick == 12:
            fmt = r.choice(["<i4", ">I2", "b", "<h", ">d", "<i8", "Bs"])
            vals = {"<i4": "-123456", ">I2": "513", "b": "-7", "<h": "300", ">d": "2.5",
                    "<i8": "4294967297", "Bs": "7, 'str'"}[fmt]
            self.emit(f"out[#out + 1] = {{struct.unpack('{fmt}', struct.pack('{fmt}', "
                      f"{vals}))}}")
        elif pick == 13:
            v = self.fresh()
            self.emit(f"local {v} = 0")
            self.emit(f"while {v} < {r.randint(0, 3)} do")
            self.depth += 1
            self.emit(f"{v} = {v} + 1")
            self.emit(f"out[#out + 1] = {self.call()}")
            self.depth -= 1
            self.emit("end")
        elif pick == 14:
            self.emit(f"out[#out + 1] = {{pcall(redis.call, {lua_str('INCR')}, "
                      f"{self.arg('k')})}}")
        else:
            self.emit(f"out[#out + 1] = {{ok = {self.word()}}}" if r.random() < 0.5
                      else f"out[#out + 1] = redis.sha1hex({self.word()})")

    def cjson(self) -> None:
        r = self.r
        parts = [r.choice([self.word(), str(r.randint(-9, 99)), "true", "false",
                           "{}", "{1, 2}", "{x = 1}", "cjson.null"])
                 for _ in range(r.randint(0, 4))]
        v = self.fresh()
        self.emit(f"local {v} = cjson.encode({{{', '.join(parts)}}})")
        self.emit(f"out[#out + 1] = {v}")
        self.emit(f"out[#out + 1] = cjson.encode(cjson.decode({v}))")
        if r.random() < 0.3:
            self.emit(f"out[#out + 1] = {{pcall(cjson.decode, {self.word()})}}")

    def msgpack(self) -> None:
        r = self.r
        vals = [r.choice([str(r.randint(-70000, 70000)), self.word(), "true", "{1, 'a'}",
                          "{}", "2.5", "-1e10"]) for _ in range(r.randint(1, 4))]
        v = self.fresh()
        self.emit(f"local {v} = cmsgpack.pack({', '.join(vals)})")
        self.emit(f"out[#out + 1] = {v}")
        self.emit(f"out[#out + 1] = {{cmsgpack.unpack({v})}}")

    def program(self) -> str:
        r = self.r
        self.lines = []
        if r.random() < 0.2:
            self.emit("redis.setresp(3)")
        self.emit("local out = {}")
        for _ in range(r.randint(3, 12)):
            self.statement()
        if r.random() < 0.1:
            self.emit(r.choice(["error('stop here')", "error({err = 'MINE custom'})",
                                "local t = nil; out[1] = t.x", "undefined_global = 1"]))
        self.emit("return out")
        return "\n".join(self.lines)


def keyspace(conn: Any) -> list[Any]:
    out: list[Any] = []
    keys = conn.call("KEYS", "*")
    for key in sorted(keys):
        kind = conn.call("TYPE", key)[1]
        value: Any
        if kind == b"string":
            value = conn.call("GET", key)
        elif kind == b"list":
            value = conn.call("LRANGE", key, "0", "-1")
        elif kind == b"hash":
            value = conn.call("HGETALL", key)
        elif kind == b"set":
            value = sorted(conn.call("SMEMBERS", key))
        else:
            value = conn.call("ZRANGE", key, "0", "-1", "WITHSCORES")
        out.append((key, kind, value, conn.call("PTTL", key)[1] > 0))
    return out


def check(server: Server, seed: int) -> None:
    rnd = random.Random(seed)
    body = Gen(rnd, floats=server.kind != "redis").program()
    argv = [rnd.choice(WORDS) for _ in range(3)]
    proto = 3 if rnd.random() < 0.25 else 2
    wire = Wire(server.port, proto)
    mem = MemoryWire(MemoryBackend(), proto)
    try:
        wire.call("FLUSHALL")
        for conn in (wire, mem):
            conn.call("SET", "k1", "5")
            conn.call("RPUSH", "l", "a", "b")
            conn.call("HSET", "h", "f", "1")
        cmd = ("EVAL", body, str(len(KEYS)), *KEYS, *argv)
        want = as_valkey9(wire.call(*cmd))
        got = mem.call(*cmd)
        assert got == want, f"seed {seed} on {server.kind}:\n{body}"
        plain = Wire(server.port)  # the keyspace is read in RESP2 on both sides
        try:
            assert keyspace(MemoryWire(mem.backend)) == keyspace(plain), \
                f"keyspace, seed {seed}:\n{body}"
        finally:
            plain.close()
    finally:
        wire.close()


@pytest.mark.parametrize("chunk", range(4))
def test_random_lua_programs(server: Server, chunk: int) -> None:
    per = max(1, EXAMPLES // 4)
    for seed in range(chunk * per, (chunk + 1) * per):
        check(server, seed)
