"""Random well-typed programs must give the same results on every backend.

Hypothesis draws a program (locals of four types, nested ifs, while loops with a
counter, for loops over arrays, breaks, early returns, arithmetic, string functions
and commands on a string, a list, a hash, a set and a sorted set key), then runs it on
the memory backend and on each real server: return values and the final keyspace
(values and whether keys have a TTL) must be equal. Sizes are bounded so the whole
test stays well under a minute.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from redipy.script import (
    CallFn,
    FindFn,
    FnContext,
    RedisHash,
    RedisList,
    RedisSet,
    RedisSortedSet,
    RedisVar,
    Sequence,
    Strs,
    ToIntStr,
    ToJSON,
    ToNum,
    ToStr,
    TypeStr,
    to_lua,
)
from redipy.script.expr import Expr
from tests.servers import Server
from tests.test_script_support import run_everywhere

WORDS = ["", "a", "b", "x1", "é", "10", "2.5", "-3", "a b"]
FIELDS = ["f1", "f2", "f3"]
MEMBERS = ["m1", "m2", "m3", "m4"]
NUM_LITS = [0, 1, 2, 3, 7, -4, 0.5, 1.25, -2.5, 20]
MAX_STMTS = 40


@dataclass
class Env:
    """What a program may use at one point: typed variables and the keys."""

    nums: list[Expr]
    strs: list[Expr]
    arrs: list[Expr]
    dicts: list[Expr]
    kv: RedisVar
    kl: RedisList
    kh: RedisHash
    ks: RedisSet
    kz: RedisSortedSet
    in_loop: bool = False
    in_for: bool = False
    budget: list[int] = field(default_factory=lambda: [MAX_STMTS])

    def child(self, **extra: Any) -> Env:
        env = Env(list(self.nums), list(self.strs), list(self.arrs), list(self.dicts),
                  self.kv, self.kl, self.kh, self.ks, self.kz, self.in_loop, self.in_for,
                  self.budget)
        for name, value in extra.items():
            setattr(env, name, value)
        return env


class Gen:
    """Draws expressions and statements of a given type."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.counters: set[int] = set()

    def pick(self, options: list[Any]) -> Any:
        return self.data.draw(st.sampled_from(options))

    def coin(self, p: float = 0.5) -> bool:
        return self.data.draw(st.floats(0, 1)) < p

    # ---- expressions ----------------------------------------------------------------

    def num(self, env: Env, depth: int = 0) -> Any:
        leaf = depth >= 2 or self.coin(0.3)
        if leaf:
            choices = ["lit", "lit"] + (["var"] if env.nums else [])
            kind = self.pick(choices)
            return self.pick(env.nums) if kind == "var" else self.pick(NUM_LITS)
        kind = self.pick(["add", "sub", "mul", "div", "mod", "neg", "strlen", "strlen", "len",
                          "llen", "hlen", "card", "zcard", "strlen_key", "floor", "max", "find",
                          "find", "tonum", "abs", "zscore"])
        sub = depth + 1
        if kind == "add":
            return self.num(env, sub) + self.num(env, sub)
        if kind == "sub":
            return self.num(env, sub) - self.num(env, sub)
        if kind == "mul":
            return self.num(env, sub) * self.pick([2, -1, 0.5, 3])
        if kind == "div":
            return self.num(env, sub) / self.pick([2, 4, 0.5, -8])
        if kind == "mod":
            return self.num(env, sub) % self.pick([3, 7, 2.5])
        if kind == "neg":
            return -self.as_expr(self.num(env, sub))
        if kind == "strlen":
            return self.as_expr(self.str(env, sub)).strlen_()
        if kind == "len" and env.arrs:
            return self.pick(env.arrs).len_()
        if kind == "llen":
            return env.kl.llen()
        if kind == "hlen":
            return env.kh.hlen()
        if kind == "card":
            return env.ks.card()
        if kind == "zcard":
            return env.kz.card()
        if kind == "strlen_key":
            return env.kv.strlen()
        if kind == "floor":
            return CallFn("math.floor", self.num(env, sub))
        if kind == "max":
            return CallFn("math.max", self.num(env, sub), self.num(env, sub))
        if kind == "abs":
            return CallFn("math.abs", self.num(env, sub))
        if kind == "find":
            return FindFn(self.str(env, sub), self.pick(["a", "1", "é", ""])).or_(-1)
        if kind == "tonum":
            return ToNum(ToIntStr(self.num(env, sub)))
        if kind == "zscore":
            return env.kz.score(self.pick(MEMBERS)).or_(0)
        return self.pick(NUM_LITS)

    def str(self, env: Env, depth: int = 0) -> Any:
        leaf = depth >= 2 or self.coin(0.3)
        if leaf:
            kind = self.pick(["lit", "lit"] + (["var"] if env.strs else []))
            return self.pick(env.strs) if kind == "var" else self.pick(WORDS)
        kind = self.pick(["concat", "tostr", "intstr", "get", "lindex", "hget", "type",
                          "upper", "lower", "rep", "json", "arr_at", "dict_get", "lpop"])
        sub = depth + 1
        if kind == "concat":
            return Strs(*[self.str(env, sub) if self.coin() else self.num(env, sub)
                          for _ in range(self.pick([1, 2, 3]))])
        if kind == "tostr":
            return ToStr(self.num(env, sub))
        if kind == "intstr":
            return ToIntStr(self.num(env, sub))
        if kind == "get":
            return env.kv.get_value(default="dflt")
        if kind == "lindex":
            return env.kl.lindex(self.pick([0, -1, 2])).or_("")
        if kind == "hget":
            return env.kh.hget(self.pick(FIELDS)).or_("none")
        if kind == "type":
            return TypeStr(self.any(env, sub))
        if kind == "upper":
            return CallFn("string.upper", self.str(env, sub))
        if kind == "lower":
            return CallFn("string.lower", self.str(env, sub))
        if kind == "rep":
            return CallFn("string.rep", self.str(env, sub), self.pick([0, 1, 2]))
        if kind == "json":
            return ToJSON(self.pick([self.num(env, sub), self.str(env, sub)]))
        if kind == "arr_at" and env.arrs:
            return self.as_expr(self.pick(env.arrs))[self.pick([0, 1, -1, 9])].or_("?")
        if kind == "dict_get" and env.dicts:
            return self.as_expr(self.pick(env.dicts)).get_key(self.pick(FIELDS)).or_("?")
        if kind == "lpop":
            return env.kl.lpop().or_("empty")
        return self.pick(WORDS)

    def arr(self, env: Env) -> Any:
        kind = self.pick(["lit", "lrange", "hkeys", "hvals", "zrange", "make"]
                         + (["var"] * 2 if env.arrs else []))
        if kind == "var":
            return self.pick(env.arrs)
        if kind == "lrange":
            return env.kl.lrange(self.pick([0, 1]), self.pick([-1, 2]))
        if kind == "hkeys":
            return env.kh.hkeys()
        if kind == "hvals":
            return env.kh.hvals()
        if kind == "zrange":
            return env.kz.range(0, self.pick([-1, 1]))
        if kind == "make":
            return [self.str(env, 1) for _ in range(self.pick([0, 1, 2]))]
        return self.pick([[], ["a"], ["b", "10", "é"]])

    def dict(self, env: Env) -> Any:
        kind = self.pick(["hgetall", "hmget", "lit"] + (["var"] if env.dicts else []))
        if kind == "var":
            return self.pick(env.dicts)
        if kind == "hgetall":
            return env.kh.hgetall()
        if kind == "hmget":
            return env.kh.hmget(*FIELDS[: self.pick([1, 2, 3])])
        return self.pick([{}, {"f1": "x"}])

    def bool(self, env: Env, depth: int = 0) -> Any:
        kind = self.pick(["numcmp", "numcmp", "streq", "strlt", "not", "and", "or", "has",
                          "hexists", "exists", "nil"])
        sub = depth + 1
        if depth >= 2 and kind in ("not", "and", "or"):
            kind = "numcmp"
        if kind == "numcmp":
            op = self.pick(["lt_", "le_", "gt_", "ge_", "eq_", "ne_"])
            return getattr(self.as_expr(self.num(env, sub)), op)(self.num(env, sub))
        if kind == "streq":
            return self.as_expr(self.str(env, sub)).eq_(self.str(env, sub))
        if kind == "strlt":
            return self.as_expr(self.str(env, sub)).lt_(self.str(env, sub))
        if kind == "not":
            return self.as_expr(self.bool(env, sub)).not_()
        if kind == "and":
            return self.as_expr(self.bool(env, sub)).and_(self.bool(env, sub))
        if kind == "or":
            return self.as_expr(self.bool(env, sub)).or_(self.bool(env, sub))
        if kind == "has":
            return env.ks.has(self.pick(WORDS))
        if kind == "hexists":
            return env.kh.hexists(self.pick(FIELDS))
        if kind == "exists":
            return env.kv.exists()
        return env.kl.lindex(0).eq_(None)

    def any(self, env: Env, depth: int = 0) -> Any:
        kind = self.pick(["num", "str", "arr", "dict", "bool", "nil"])
        if kind == "num":
            return self.num(env, depth)
        if kind == "str":
            return self.str(env, depth)
        if kind == "arr":
            return self.arr(env)
        if kind == "dict":
            return self.dict(env)
        if kind == "bool":
            return self.bool(env, depth)
        return None

    @staticmethod
    def as_expr(value: Any) -> Expr:
        from redipy.script.expr import lit_helper

        return lit_helper(value)

    # ---- statements ---------------------------------------------------------------

    def effect(self, env: Env) -> Any:
        """A command on one of the keys, as a statement."""
        kind = self.pick([
            "set", "append", "incr", "rpush", "lpush", "lpop", "rpop", "ltrim", "lrem",
            "hset", "hdel", "hincr", "sadd", "srem", "zadd", "zincr", "zrem", "zpop", "expire",
            "persist", "del", "getdel", "hincrf"])
        # leaf strings only (literals, args, loop values): no value can double per loop
        leaf_env = env.child(strs=[v for v in env.strs if type(v).__name__ != "LocalVariable"])
        def s() -> Any:
            return self.str(leaf_env, 2)
        if kind == "set":
            return env.kv.set_value(s(), mode=self.pick(["always", "if_missing", "if_exists"]))
        if kind == "append":
            return env.kv.append(s())
        if kind == "incr":
            return env.kv.incrby_int(self.pick([1, -2, 5]))
        if kind == "rpush":
            return env.kl.rpush(s(), *([s()] if self.coin() else []))
        if kind == "lpush":
            return env.kl.lpush(s())
        if kind == "lpop":
            return env.kl.lpop(self.pick([None, 1, 2]))
        if kind == "rpop":
            return env.kl.rpop()
        if kind == "ltrim":
            return env.kl.ltrim(self.pick([0, 1]), self.pick([-1, 3]))
        if kind == "lrem":
            return env.kl.lrem(self.pick([0, 1, -1]), s())
        if kind == "lset":
            return env.kl.lset(0, s())
        if kind == "hset":
            return env.kh.hset({self.pick(FIELDS): s()})
        if kind == "hdel":
            return env.kh.hdel(self.pick(FIELDS))
        if kind == "hincr":
            return env.kh.hincrby_int(self.pick(["f1", "f3"]), self.pick([1, 3]))
        if kind == "hincrf":
            return env.kh.hincrby(self.pick(FIELDS), self.pick([0.5, -1.25, 2]))
        if kind == "sadd":
            return env.ks.add(s())
        if kind == "srem":
            return env.ks.remove(s())
        if kind == "zadd":
            return env.kz.add(self.num(env, 1), self.pick(MEMBERS))
        if kind == "zincr":
            return env.kz.incrby(self.pick(MEMBERS), self.pick([1, 0.5, -3]))
        if kind == "zrem":
            return env.kz.remove(self.pick(MEMBERS))
        if kind == "zpop":
            return self.pick([env.kz.pop_min(), env.kz.pop_max(2)])
        if kind == "expire":
            return self.pick([env.kv, env.kl, env.kh]).expire(expire_in=100)
        if kind == "persist":
            return self.pick([env.kv, env.kl]).persist()
        if kind == "getdel":
            return env.kv.getdel()
        return self.pick([env.kv, env.kl, env.ks, env.kz, env.kh]).delete()

    def block(self, ctx: FnContext, seq: Sequence, env: Env, depth: int, count: int) -> None:
        for _ in range(count):
            if env.budget[0] <= 0:
                return
            env.budget[0] -= 1
            kinds = ["effect", "effect", "assign", "assign"]
            if depth < 3:
                kinds += ["if", "while", "for"]
            if env.in_loop:
                kinds.append("break")
            if depth > 0:
                kinds.append("return")
            kind = self.pick(kinds)
            if kind == "effect" and self.coin(0.1):
                guard, _ = seq.if_(env.kl.llen().gt_(0))
                guard.add(env.kl.lset(self.pick([0, -1]), self.str(env, 1)))
            elif kind == "effect":
                seq.add(self.effect(env))
            elif kind == "assign":
                self.assign(seq, env)
            elif kind == "if":
                then, other = seq.if_(self.bool(env))
                self.block(ctx, then, env.child(), depth + 1, self.pick([1, 2]))
                if self.coin():
                    self.block(ctx, other, env.child(), depth + 1, self.pick([1, 2]))
            elif kind == "while":
                counter = ctx.add_local(0)
                self.counters.add(id(counter))
                if self.coin(0.9):
                    seq.add(counter.assign(0))
                loop = seq.while_(counter.lt_(self.pick([1, 2, 3])))
                loop.add(counter.assign(counter + 1))
                inner = env.child(in_loop=True)
                inner.nums.append(counter)
                self.block(ctx, loop, inner, depth + 1, self.pick([1, 2, 3]))
            elif kind == "for":
                array = self.arr(env)
                body, idx, val = seq.for_(array)
                # arrays are shared by reference (``b = a`` aliases, as in Lua), so no
                # array may grow inside a for loop: the walked one could be among them
                inner = env.child(in_loop=True, in_for=True)
                inner.nums.append(idx)
                inner.strs.append(val)
                self.block(ctx, body, inner, depth + 1, self.pick([1, 2]))
            elif kind == "break":
                stop, _ = seq.if_(self.bool(env))
                stop.break_()
            else:
                stop, _ = seq.if_(self.bool(env))
                stop.return_(self.result(env))

    def assign(self, seq: Sequence, env: Env) -> None:
        kind = self.pick(["nums", "strs", "arrs", "dicts"])
        targets = [v for v in getattr(env, kind) if type(v).__name__ == "LocalVariable"
                   and id(v) not in self.counters]
        if not targets:
            seq.add(self.effect(env))
            return
        # string values never build on string locals, so no string can double per loop
        bounded = env.child(strs=[v for v in env.strs if type(v).__name__ != "LocalVariable"])
        value = {"nums": lambda: self.num(env), "strs": lambda: self.str(bounded),
                 "arrs": lambda: self.arr(env), "dicts": lambda: self.dict(env)}[kind]()
        target = self.pick(targets)
        if kind == "arrs" and not env.in_for and self.coin(0.3):
            seq.add(target.set_at(target.len_(), self.str(bounded, 1)))
        elif kind == "dicts" and self.coin(0.3):
            seq.add(target.set_key(self.pick(FIELDS), self.str(bounded, 1)))
        else:
            seq.add(target.assign(value))

    def result(self, env: Env) -> Any:
        return [self.any(env, 0) for _ in range(self.pick([2, 3, 4]))]


def build_program(data: st.DataObject) -> tuple[FnContext, list[Any]]:
    gen = Gen(data)
    ctx = FnContext(name="random")
    env = Env([], [], [], [], RedisVar(ctx.add_key("kv")), RedisList(ctx.add_key("kl")),
              RedisHash(ctx.add_key("kh")), RedisSet(ctx.add_key("ks")),
              RedisSortedSet(ctx.add_key("kz")))
    env.nums.append(ToNum(ctx.add_arg("n")))
    env.strs.append(ctx.add_arg("s"))
    for kind, make in (("nums", gen.num), ("strs", gen.str), ("arrs", gen.arr),
                       ("dicts", gen.dict)):
        for _ in range(gen.pick([0, 1, 2])):
            getattr(env, kind).append(ctx.add_local(make(env)))
    gen.block(ctx, ctx, env, 0, gen.pick([3, 5, 8]))
    # return every local (the whole state) and a few more expressions
    ctx.set_return_value([*env.nums[1:], *env.strs[1:], *env.arrs, *env.dicts,
                          *gen.result(env)])
    setup: list[Any] = []
    if gen.coin():
        setup.append(("SET", "kv", gen.pick(["5", "5", "abc", "2.5"])))
    if gen.coin():
        setup.append(("RPUSH", "kl", "a", "10", "é"))
    if gen.coin():
        setup.append(("HSET", "kh", "f1", "1", "f2", "x"))
    if gen.coin():
        setup.append(("SADD", "ks", "a", "b"))
    if gen.coin():
        setup.append(("ZADD", "kz", "1", "m1", "2.5", "m2"))
    return ctx, setup


KEYS = {"kv": "kv", "kl": "kl", "kh": "kh", "ks": "ks", "kz": "kz"}


@settings(max_examples=200, deadline=None, derandomize=False,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                 HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_programs_agree(data: st.DataObject, servers: dict[str, Server]) -> None:
    ctx, setup = build_program(data)
    n = data.draw(st.sampled_from([0, 3, "7", -1.5]))
    s = data.draw(st.sampled_from(WORDS))
    try:
        run_everywhere(servers, ctx, [(KEYS, {"n": n, "s": s}), (KEYS, {"n": 1, "s": "b"})],
                       setup)
    except AssertionError as err:
        raise AssertionError(f"{err}\n--- program ---\n{to_lua(ctx)}\nsetup: {setup}") from None
