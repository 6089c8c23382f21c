"""Random transactions, same outcome everywhere.

Hypothesis draws a short history of transactions (lists of typed calls run inside
``pipeline(transaction=True)``), some guarded by WATCH with or without an interfering
write, some poisoned by a call that fails at queue time (EXECABORT), some containing
blocking pops that must not block. Each history runs on the memory backend and on
every real server; every transaction's results and errors, and the final keyspace,
must be the same.
"""

from __future__ import annotations

from typing import Any

import redis as redis_py
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import redipy
from redipy.errors import RedipyError
from tests.servers import Server
from tests.test_parity_machine import snapshot

KEYS = ["a", "b", "l", "h", "z"]
keys = st.sampled_from(KEYS)
vals = st.sampled_from(["", "1", "-2", "x", "ü", "10", "2.5"])
ints = st.integers(min_value=-3, max_value=3)

Call = tuple[str, tuple[Any, ...]]

CALLS: list[st.SearchStrategy[Call]] = [
    st.tuples(st.just("set_value"), st.tuples(keys, vals)),
    st.tuples(st.just("get_value"), st.tuples(keys)),
    st.tuples(st.just("incr"), st.tuples(keys)),
    st.tuples(st.just("decr"), st.tuples(keys, st.integers(1, 3))),
    st.tuples(st.just("append"), st.tuples(keys, vals)),
    st.tuples(st.just("delete"), st.lists(keys, min_size=1, max_size=2).map(tuple)),
    st.tuples(st.just("exists"), st.lists(keys, min_size=1, max_size=2).map(tuple)),
    st.tuples(st.just("lpush"), st.tuples(keys, vals, vals)),
    st.tuples(st.just("rpush"), st.tuples(keys, vals)),
    st.tuples(st.just("lpop"), st.tuples(keys)),
    st.tuples(st.just("rpop"), st.tuples(keys, st.integers(1, 3))),
    st.tuples(st.just("lrange"), st.tuples(keys, ints, ints)),
    st.tuples(st.just("llen"), st.tuples(keys)),
    st.tuples(st.just("hset"), st.tuples(keys, st.dictionaries(vals, vals, min_size=1,
                                                                 max_size=2))),
    st.tuples(st.just("hget"), st.tuples(keys, vals)),
    st.tuples(st.just("hgetall"), st.tuples(keys)),
    st.tuples(st.just("sadd"), st.tuples(keys, vals)),
    st.tuples(st.just("scard"), st.tuples(keys)),
    st.tuples(st.just("zadd"), st.tuples(keys, st.dictionaries(
        vals, st.sampled_from([0.0, 1.5, -2.0]), min_size=1, max_size=2))),
    st.tuples(st.just("zcard"), st.tuples(keys)),
    st.tuples(st.just("zpop_min"), st.tuples(keys)),
    st.tuples(st.just("blpop"), st.tuples(st.lists(keys, min_size=1, max_size=2), st.just(0))),
    st.tuples(st.just("brpoplpush"), st.tuples(keys, keys, st.just(0))),
    st.tuples(st.just("bzpopmax"), st.tuples(keys, st.just(0))),
    st.tuples(st.just("publish"), st.tuples(keys, vals)),
]
BAD_CALL: Call = ("_call", ("GET",))  # wrong arity: refused at queue time

calls = st.one_of(*CALLS)
transactions = st.fixed_dictionaries({
    "calls": st.lists(calls, min_size=0, max_size=6),
    "poison": st.sampled_from([False, False, False, True]),
    "watch": st.sampled_from([None, None, "a", "l", "h"]),
    "interfere": st.sampled_from([None, None, ("set_value", ("a", "w")), ("rpush", ("l", "w")),
                                  ("delete", ("h",)), ("get_value", ("a",))]),
})


def outcome(fn: Any) -> Any:
    try:
        return ("ok", norm(fn()))
    except RedipyError as err:
        return ("error", type(err).__name__, str(err))


def norm(value: Any) -> Any:
    if isinstance(value, Exception):
        return ("error", type(value).__name__, str(value))
    if isinstance(value, list):
        return [norm(v) for v in value]
    return value


def run_tx(client: redipy.Redis, tx: dict[str, Any]) -> Any:
    pipe = client.pipeline(transaction=True)
    try:
        if tx["watch"] is not None:
            pipe.watch(tx["watch"])
            if tx["interfere"] is not None:
                name, args = tx["interfere"]
                outcome(lambda: getattr(client, name)(*args))
            pipe.multi()
        for name, args in tx["calls"]:
            getattr(pipe, name)(*args)
        if tx["poison"]:
            getattr(pipe, BAD_CALL[0])(*BAD_CALL[1])
        return outcome(lambda: pipe.execute(raise_on_error=False))
    finally:
        pipe.reset()


def check(servers: dict[str, Server], history: list[dict[str, Any]]) -> None:
    clients: dict[str, redipy.Redis] = {"memory": redipy.Redis()}
    for kind, srv in servers.items():
        raw = redis_py.Redis(port=srv.port)
        raw.flushall()
        raw.close()
        clients[kind] = redipy.Redis(url=srv.url)
    try:
        results = {kind: [run_tx(c, tx) for tx in history] for kind, c in clients.items()}
        for kind in servers:
            for i, (a, b) in enumerate(zip(results["memory"], results[kind])):
                assert a == b, f"transaction {i} {history[i]!r}: memory {a!r} != {kind} {b!r}"
        want = snapshot(clients["memory"])
        for kind in servers:
            assert snapshot(clients[kind]) == want, f"final keyspace differs on {kind}"
    finally:
        for client in clients.values():
            client.close()


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(history=st.lists(transactions, min_size=1, max_size=5))
def test_random_transactions_agree(servers: dict[str, Server],
                                   history: list[dict[str, Any]]) -> None:
    check(servers, history)


def test_known_histories(servers: dict[str, Server]) -> None:
    """A few fixed cases, so the interesting paths run even if Hypothesis misses them."""
    check(servers, [
        {"calls": [("set_value", ("a", "1")), ("lpush", ("a", "x", "y")), ("incr", ("a",))],
         "poison": False, "watch": None, "interfere": None},
        {"calls": [("rpush", ("l", "1")), ("blpop", (["l"], 0)), ("blpop", (["l"], 0))],
         "poison": False, "watch": "l", "interfere": None},
        {"calls": [("incr", ("a",))], "poison": False, "watch": "a",
         "interfere": ("set_value", ("a", "w"))},
        {"calls": [("incr", ("b",))], "poison": True, "watch": None, "interfere": None},
        {"calls": [], "poison": False, "watch": "h", "interfere": ("delete", ("h",))},
    ])

