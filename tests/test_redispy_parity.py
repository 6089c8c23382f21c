"""Parity through redis-py: a Hypothesis state machine draws redis-py method calls (and
pipelines of them) and runs each on the drop-in and on Valkey 8.1, Valkey 9.1 and Redis
7.0 through plain ``redis.Redis`` clients, for RESP2 and RESP3, ``decode_responses`` off
and on. Values and errors (class and text) must be equal, types included; where the
servers disagree among themselves the drop-in must equal Valkey 9.1. The keyspace is
compared after every run."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import redis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, rule, run_state_machine_as_test

import redipy
from tests.servers import Server

KEYS = st.sampled_from(["k1", "k2", "k3"])
FIELDS = st.sampled_from(["f1", "f2", "f3"])
VALUES = st.one_of(st.sampled_from([b"", b"0", b"1", b"-7", b"x", b"\xff\xfe", "é", "10"]),
                   st.binary(max_size=6))
SCORES = st.sampled_from([0, 1, 2.5, -3, 10])
INTS = st.integers(min_value=-5, max_value=5)

Call = Callable[[Any], Any]


def outcome(fn: Call, client: Any) -> Any:
    try:
        value = fn(client)
    except (redis.RedisError, UnicodeDecodeError) as err:
        return ("error", type(err).__name__, str(err))
    if isinstance(value, set):
        return ("set", sorted(value, key=repr))
    return value


def calls() -> st.SearchStrategy[tuple[str, Call]]:
    """One redis-py method call, named for the failure report."""
    return st.one_of(
        st.tuples(KEYS, VALUES).map(lambda a: (f"set{a}", lambda c: c.set(a[0], a[1]))),
        KEYS.map(lambda k: (f"get({k})", lambda c: c.get(k))),
        KEYS.map(lambda k: (f"incr({k})", lambda c: c.incr(k))),
        st.tuples(KEYS, VALUES).map(lambda a: (f"append{a}", lambda c: c.append(*a))),
        st.tuples(KEYS, INTS, INTS).map(
            lambda a: (f"getrange{a}", lambda c: c.getrange(*a))),
        KEYS.map(lambda k: (f"delete({k})", lambda c: c.delete(k))),
        KEYS.map(lambda k: (f"type({k})", lambda c: c.type(k))),
        st.tuples(KEYS, FIELDS, VALUES).map(
            lambda a: (f"hset{a}", lambda c: c.hset(a[0], a[1], a[2]))),
        st.tuples(KEYS, FIELDS).map(lambda a: (f"hget{a}", lambda c: c.hget(*a))),
        KEYS.map(lambda k: (f"hgetall({k})", lambda c: c.hgetall(k))),
        st.tuples(KEYS, FIELDS, INTS).map(
            lambda a: (f"hincrby{a}", lambda c: c.hincrby(*a))),
        st.tuples(KEYS, VALUES).map(lambda a: (f"rpush{a}", lambda c: c.rpush(*a))),
        st.tuples(KEYS, VALUES).map(lambda a: (f"lpush{a}", lambda c: c.lpush(*a))),
        KEYS.map(lambda k: (f"lpop({k})", lambda c: c.lpop(k))),
        st.tuples(KEYS, INTS, INTS).map(lambda a: (f"lrange{a}", lambda c: c.lrange(*a))),
        st.tuples(KEYS, VALUES).map(lambda a: (f"sadd{a}", lambda c: c.sadd(*a))),
        KEYS.map(lambda k: (f"smembers({k})", lambda c: c.smembers(k))),
        st.tuples(KEYS, VALUES).map(lambda a: (f"sismember{a}", lambda c: c.sismember(*a))),
        st.tuples(KEYS, FIELDS, SCORES).map(
            lambda a: (f"zadd{a}", lambda c: c.zadd(a[0], {a[1]: a[2]}))),
        st.tuples(KEYS, FIELDS, SCORES).map(
            lambda a: (f"zincrby{a}", lambda c: c.zincrby(a[0], a[2], a[1]))),
        st.tuples(KEYS, FIELDS).map(lambda a: (f"zscore{a}", lambda c: c.zscore(*a))),
        KEYS.map(lambda k: (f"zrange-ws({k})",
                            lambda c: c.zrange(k, 0, -1, withscores=True))),
        KEYS.map(lambda k: (f"zpopmin({k})", lambda c: c.zpopmin(k))),
        st.tuples(KEYS, INTS).map(lambda a: (f"expire{a}", lambda c: c.expire(a[0], 100 + a[1]))),
        KEYS.map(lambda k: (f"persist({k})", lambda c: c.persist(k))),
    )


def pipelined(steps: list[tuple[str, Call]], transaction: bool) -> Call:
    def run(client: Any) -> Any:
        with client.pipeline(transaction=transaction) as pipe:
            for _, fn in steps:
                fn(pipe)
            replies = pipe.execute(raise_on_error=False)
        return [("error", type(r).__name__, str(r)) if isinstance(r, Exception)
                else ("set", sorted(r, key=repr)) if isinstance(r, set) else r
                for r in replies]
    return run


class DropInParity(RuleBasedStateMachine):
    servers: dict[str, Server] = {}
    protocol: int = 2
    decode: bool = False

    @initialize()
    def clients(self) -> None:
        kw = {"protocol": self.protocol, "decode_responses": self.decode}
        self.memory = redipy.Redis().redis_py(**kw)
        self.others: dict[str, redis.Redis] = {}
        for kind, srv in self.servers.items():
            client = redis.Redis(port=srv.port, **kw)
            client.flushall()
            self.others[kind] = client

    def check(self, name: str, fn: Call) -> None:
        mine = outcome(fn, self.memory)
        theirs = {kind: outcome(fn, client) for kind, client in self.others.items()}
        truth = theirs.get("valkey9", next(iter(theirs.values())))
        assert mine == truth, f"{name}: drop-in {mine!r} != valkey9 {truth!r}"
        for kind, got in theirs.items():
            assert got == mine or got != truth, f"{name}: drop-in {mine!r} != {kind} {got!r}"

    @rule(step=calls())
    def one_call(self, step: tuple[str, Call]) -> None:
        self.check(*step)

    @rule(steps=st.lists(calls(), min_size=1, max_size=4), transaction=st.booleans())
    def a_pipeline(self, steps: list[tuple[str, Call]], transaction: bool) -> None:
        self.check(f"pipeline(transaction={transaction})[{', '.join(n for n, _ in steps)}]",
                   pipelined(steps, transaction))

    def teardown(self) -> None:
        if not hasattr(self, "memory"):
            return
        for key in ("k1", "k2", "k3"):
            self.check(f"final type({key})", lambda c, k=key: c.type(k))
            self.check(f"final ttl>0({key})", lambda c, k=key: c.ttl(k) > 0)
        self.memory.close()
        for client in self.others.values():
            client.close()


@pytest.mark.parametrize("protocol", [2, 3])
@pytest.mark.parametrize("decode", [False, True], ids=["bytes", "str"])
def test_redis_py_calls_match_servers(servers: dict[str, Server], protocol: int,
                                      decode: bool) -> None:
    machine = type("Machine", (DropInParity,),
                   {"servers": servers, "protocol": protocol, "decode": decode})
    run_state_machine_as_test(machine, settings=settings(  # type: ignore[arg-type]
        max_examples=12, stateful_step_count=15, deadline=None,
        suppress_health_check=list(HealthCheck)))
