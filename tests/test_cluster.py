"""redipy on a real Redis Cluster: 3 Valkey primaries on local ports (tests/cluster.py).

Connecting, routing by slot (keys spread over every primary), CROSSSLOT errors
exactly as a cluster node words them, keyless commands across the primaries, SCAN
helpers and shell completion over every node, pipelines and transactions, MOVED/ASK
while a slot moves, scripts (the construct cases with hash-tagged keys, cross-slot
refusal before anything is sent, SCRIPT LOAD on every primary), pub/sub, the parity
state machine (memory vs cluster) with and without a hash-tag prefix, and migrations
standalone -> cluster -> standalone.
"""

from __future__ import annotations

import importlib
import inspect
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, ClassVar

import pytest
import redis as redis_py
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, rule, run_state_machine_as_test
from redis.cluster import RedisCluster

import redipy
from redipy.commands import COMMANDS
from redipy.errors import (
    ConfigError,
    ConnectionError,
    ExecAbortError,
    RedipyError,
    ResponseError,
)
from redipy.redis.cluster import CROSSSLOT, CrossSlotScriptError, key_slot
from redipy.script import FnContext, RedisList, RedisVar
from tests.cluster import Cluster, start_cluster
from tests.parity import is_newest, outcome
from tests.servers import Server, server_kinds, start_server
from tests.test_migrate_roundtrip import HOUR, populate
from tests.test_parity_machine import all_ops, call, snapshot
from tests.test_script_constructs import CASES

pytestmark = pytest.mark.cluster

CROSS = ("error", ("ResponseError", CROSSSLOT))


@pytest.fixture(scope="session", params=server_kinds())
def cluster(request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """One 3-primary cluster of each server kind for the whole run, stopped at the end."""
    started = start_cluster(kind=request.param)
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture
def rc(cluster: Cluster) -> Iterator[redipy.Redis]:
    """A cluster client on an empty cluster."""
    cluster.flushall()
    client = redipy.Redis(url=cluster.url)
    yield client
    client.close()


def node(port: int) -> redipy.Redis:
    """redipy's standalone backend on one node: what that node itself answers."""
    return redipy.Redis(url=f"redis://127.0.0.1:{port}/0")


def spread_keys(cluster: Cluster, count: int = 30) -> list[str]:
    keys = [f"key:{i}" for i in range(count)]
    owners = {cluster.owner(k) for k in keys}
    assert owners == set(cluster.ports), "test keys must land on every primary"
    return keys


# ---- connecting --------------------------------------------------------------------------


def test_connect_by_url_cfg_and_client(cluster: Cluster) -> None:
    host, port = "127.0.0.1", cluster.ports[1]
    forms = [
        redipy.Redis(url=cluster.url),
        redipy.Redis(url=f"redis+cluster://{host}:1,{host}:{port}"),  # first seed is dead
        redipy.Redis(cfg={"cluster": True, "host": host, "port": port}),
        redipy.Redis(cfg={"cluster": True, "url": f"redis://{host}:{port}"}),
        redipy.Redis(host=host, port=port, cluster=True),
        redipy.Redis(url=f"redis://{host}:{port}", cluster=True, prefix="app"),
        redipy.Redis(client=RedisCluster(host=host, port=port)),  # redis-py's own defaults
    ]
    cluster.flushall()
    for i, client in enumerate(forms):
        assert client.backend.cluster  # type: ignore[attr-defined]
        assert client.set(f"{{c}}{i}", "é") is True
        assert client.get(f"{{c}}{i}") == "é"  # raw decoded replies whatever the client
        assert "cluster:" in repr(client)
        client.close()
    assert redipy.Redis(url=cluster.url).dbsize() == len(forms)


def test_bad_cluster_urls() -> None:
    with pytest.raises(ConfigError):
        redipy.Redis(url="redis+cluster://127.0.0.1:6379/3")
    with pytest.raises(ConfigError):
        redipy.Redis(url="redis+cluster://127.0.0.1:port")
    with pytest.raises(ConnectionError) as err:
        redipy.Redis(url="redis+cluster://:secret@127.0.0.1:1")
    assert "secret" not in str(err.value)


# ---- routing and keyless commands ------------------------------------------------------


def test_keys_are_spread_and_read_back(cluster: Cluster, rc: redipy.Redis) -> None:
    keys = spread_keys(cluster)
    for key in keys:
        rc.set(key, key.upper())
    for port in cluster.ports:
        on_node = node(port).keys()
        assert on_node == {k for k in keys if cluster.owner(k) == port}
    assert [rc.get(k) for k in keys] == [k.upper() for k in keys]
    assert rc.dbsize() == len(keys) == cluster.dbsize()
    assert rc.keys() == set(keys)
    assert rc.keys(match="key:1*") == {k for k in keys if k.startswith("key:1")}
    assert sorted(rc.keys_block()) == sorted(keys)
    assert sorted(rc.iter_keys()) == sorted(keys)
    twenties = {k for k in keys if len(k) == 6 and k.startswith("key:2")}
    assert set(rc.iter_keys(match="key:2?")) == twenties
    assert rc.keys(block=False, filter_type="string") == set(keys)
    assert rc.randomkey() in set(keys)
    rc.flushall()
    assert rc.dbsize() == 0 == cluster.dbsize()
    assert rc.randomkey() is None


def test_scan_walks_every_primary_with_one_cursor(cluster: Cluster, rc: redipy.Redis) -> None:
    keys = spread_keys(cluster, 60)
    for key in keys:
        rc.set(key, "1")
    seen: list[str] = []
    cursor, pages = 0, 0
    while True:
        cursor, page = rc.scan(cursor, count=5)
        seen += page
        pages += 1
        if cursor == 0:
            break
    assert sorted(seen) == sorted(keys) and pages >= 3
    # a node walked to its end hands over to the next in the same call: a small
    # keyspace comes back whole with cursor 0, as one server answers
    cursor_text, page = rc.execute_command("SCAN", "0", "COUNT", "1000")
    assert cursor_text == "0" and sorted(page) == sorted(keys)
    with pytest.raises(ResponseError, match="invalid cursor"):
        rc.execute_command("SCAN", "x")


def test_keyless_commands_match_memory(cluster: Cluster, rc: redipy.Redis) -> None:
    keys = spread_keys(cluster, 12)
    cmds: list[tuple[str, ...]] = [
        *(("SET", k, k) for k in keys), ("DBSIZE",), ("KEYS", "*"), ("KEYS", "key:1*"),
        ("PING",), ("PING", "hi"), ("ECHO", "é"), ("FLUSHDB",), ("DBSIZE",), ("KEYS", "*"),
        ("RANDOMKEY",), ("SET", "x", "1"), ("RANDOMKEY",), ("FLUSHALL",), ("DBSIZE",),
        ("PUBLISH", "ch", "m"),
    ]
    mem = redipy.Redis()
    for cmd in cmds:
        want, got = outcome(lambda c=cmd: mem.execute_command(*c)), \
            outcome(lambda c=cmd: rc.execute_command(*c))  # type: ignore[misc]
        if cmd[0] == "KEYS":
            want, got = (want[0], sorted(want[1])), (got[0], sorted(got[1]))
        assert want == got, cmd
    assert len(rc.time()) == 2


def test_script_cache_commands_reach_every_primary(cluster: Cluster, rc: redipy.Redis) -> None:
    sha = rc.execute_command("SCRIPT", "LOAD", "return 1")
    for port in cluster.ports:
        assert node(port).execute_command("SCRIPT", "EXISTS", sha) == [1]
    node(cluster.ports[2]).execute_command("SCRIPT", "FLUSH")
    assert rc.execute_command("SCRIPT", "EXISTS", sha, "0" * 40) == [0, 0]
    assert rc.execute_command("SCRIPT", "LOAD", "return 1") == sha
    assert rc.execute_command("SCRIPT", "EXISTS", sha) == [1]
    assert rc.execute_command("SCRIPT", "FLUSH") == "OK"
    assert all(node(p).execute_command("SCRIPT", "EXISTS", sha) == [0] for p in cluster.ports)


def test_key_prefix_keeps_hash_tags(cluster: Cluster) -> None:
    cluster.flushall()
    app = redipy.Redis(url=cluster.url, prefix="app")
    assert app.mset({"{user42}:a": "1", "{user42}:b": "2"}) is True
    assert app.mget("{user42}:a", "{user42}:b") == ["1", "2"]
    assert key_slot("app:{user42}:a") == key_slot("user42")
    assert node(cluster.owner("user42")).keys() == {"app:{user42}:a", "app:{user42}:b"}
    with pytest.raises(ResponseError) as err:
        app.mset({"a": "1", "b": "2"})
    assert str(err.value) == CROSSSLOT
    one_slot = redipy.Redis(url=cluster.url, prefix="{app}")  # the prefix's tag wins
    assert one_slot.mset({"a": "1", "b": "2"}) is True
    assert app.keys() == {"{user42}:a", "{user42}:b"}
    app.flushall()  # under a prefix: only its keys, wherever they live
    assert cluster.dbsize() == 2
    assert one_slot.keys() == {"a", "b"}


# ---- cross-slot errors, as a cluster node gives them ----------------------------------------

CROSS_CMDS: list[tuple[str, ...]] = [
    ("MSET", "a", "1", "b", "2"), ("MSETNX", "a", "1", "b", "2"), ("MGET", "a", "b"),
    ("DEL", "a", "b"), ("UNLINK", "a", "b"), ("EXISTS", "a", "b"), ("TOUCH", "a", "b"),
    ("RENAME", "a", "b"), ("RENAMENX", "a", "b"), ("COPY", "a", "b"),
    ("SMOVE", "a", "b", "m"), ("SUNION", "a", "b"), ("SUNIONSTORE", "c", "a"),
    ("SINTER", "a", "b"), ("SINTERSTORE", "a", "b"), ("SDIFF", "a", "b"),
    ("SDIFFSTORE", "a", "a", "b"), ("SINTERCARD", "2", "a", "b"),
    ("ZUNIONSTORE", "a", "2", "a", "b"), ("ZINTERSTORE", "c", "1", "a"),
    ("ZDIFFSTORE", "a", "2", "b", "a"), ("ZUNION", "2", "a", "b"), ("ZINTER", "2", "a", "b"),
    ("ZDIFF", "2", "a", "b"), ("ZINTERCARD", "2", "a", "b"), ("ZRANGESTORE", "a", "b", "0", "-1"),
    ("ZMPOP", "2", "a", "b", "MIN"), ("LMOVE", "a", "b", "LEFT", "LEFT"),
    ("RPOPLPUSH", "a", "b"), ("LMPOP", "2", "a", "b", "LEFT"), ("BLPOP", "a", "b", "0.01"),
    ("BRPOP", "a", "b", "0.01"), ("BLMOVE", "a", "b", "LEFT", "LEFT", "0.01"),
    ("BRPOPLPUSH", "a", "b", "0.01"), ("BZPOPMIN", "a", "b", "0.01"),
    ("BLMPOP", "0.01", "2", "a", "b", "LEFT"), ("BZMPOP", "0.01", "2", "a", "b", "MIN"),
    ("BITOP", "AND", "a", "b"), ("LCS", "a", "b"), ("EVAL", "return 1", "2", "a", "b"),
    ("EVALSHA", "e0e1f9fabfc9d4800c877a703b823ac0578ff8db", "2", "a", "b"),
]


def test_cross_slot_list_is_meaningful() -> None:
    assert key_slot("a") != key_slot("b") != key_slot("c") != key_slot("a")
    known = [cmd for cmd in CROSS_CMDS if cmd[0] in COMMANDS]
    assert len(known) >= 35, [cmd[0] for cmd in CROSS_CMDS if cmd[0] not in COMMANDS]


@pytest.mark.parametrize("cmd", [c for c in CROSS_CMDS if c[0] in COMMANDS],
                         ids=lambda c: c[0])
def test_cross_slot_error_is_what_a_node_says(cluster: Cluster, rc: redipy.Redis,
                                               cmd: tuple[str, ...]) -> None:
    got = outcome(lambda: rc.execute_command(*cmd))
    for port in cluster.ports:
        assert outcome(lambda p=port: node(p).execute_command(*cmd)) == got  # type: ignore[misc]
    assert got == CROSS
    # the same command in a pipeline: the error in place, the rest runs
    replies = rc.backend.run_batch([("SET", ("{a}", "x")), (cmd[0], cmd[1:]),
                                    ("GET", ("{a}",))])
    assert str(replies[1]) == CROSSSLOT and replies[2] == "x"
    # with a shared hash tag the keys meet in one slot and a node accepts the command
    tagged = tuple(f"{{t}}{arg}" if arg in ("a", "b", "c") else arg for arg in cmd)
    assert outcome(lambda: rc.execute_command(*tagged)) != CROSS


def test_arity_and_syntax_errors_come_from_the_node(cluster: Cluster, rc: redipy.Redis) -> None:
    for cmd in [("GET",), ("GET", "a", "b"), ("MSET", "a"), ("ZUNIONSTORE", "a", "5", "b"),
                ("ZUNIONSTORE", "a", "x", "b"), ("LMPOP", "0", "a", "LEFT"),
                ("ZUNIONSTORE", "a", "-1", "b"), ("SINTERCARD", "3", "a", "b"),
                ("EVAL", "return 1", "3", "a", "b"), ("BLMPOP", "0.01", "5", "a", "b", "LEFT"),
                ("SELECT", "1"), ("COPY", "{t}x", "{t}y", "DB", "1"), ("NOSUCHCMD", "a")]:
        got = outcome(lambda c=cmd: rc.execute_command(*c))  # type: ignore[misc]
        owner = cluster.owner(cmd[1]) if len(cmd) > 1 else cluster.ports[0]
        assert got == outcome(lambda c=cmd, p=owner: node(p).execute_command(*c)), cmd  # type: ignore[misc]
        assert got[0] == "error"


# ---- pipelines and transactions ------------------------------------------------------------


def test_pipeline_is_split_per_node_in_order(cluster: Cluster, rc: redipy.Redis) -> None:
    keys = spread_keys(cluster, 12)
    with rc.pipeline(transaction=False) as pipe:
        for i, key in enumerate(keys):
            pipe.set(key, str(i))
        pipe.dbsize()
        for key in keys:
            pipe.incr(key)
        pipe.flushall()
        pipe.get(keys[0])
        pipe.rpush("{l}a", "x")
        pipe.lpop("{l}a")
        replies = pipe.execute()
    n = len(keys)
    assert replies[:n] == [True] * n
    assert replies[n] == n
    assert replies[n + 1:2 * n + 1] == list(range(1, n + 1))
    assert replies[2 * n + 1:] == [None, None, 1, "x"]


def test_transaction_on_one_slot(cluster: Cluster, rc: redipy.Redis) -> None:
    with rc.pipeline() as pipe:
        pipe.set("{u1}:name", "ann")
        pipe.hset("{u1}:h", mapping={"a": "1"})
        pipe.incr("{u1}:n")
        pipe.ping()
        assert pipe.execute() == [True, 1, 1, True]
    # a queue-time error aborts it all, as on one server
    with pytest.raises(ExecAbortError):
        rc.backend.run_batch([("SET", ("{u1}:x", "1")), ("INCR", ())], transaction=True)
    assert rc.get("{u1}:x") is None
    # keys in two slots: refused before anything is sent
    with pytest.raises(ResponseError) as err, rc.pipeline() as pipe:
        pipe.set("{u1}:y", "1")
        pipe.set("{u2}:y", "1")
        pipe.execute()
    assert str(err.value) == CROSSSLOT
    assert rc.get("{u1}:y") is None and rc.get("{u2}:y") is None
    with pytest.raises(ResponseError, match="cannot run inside a transaction"), \
            rc.pipeline() as pipe:
        pipe.set("{u1}:y", "1")
        pipe.dbsize()
        pipe.execute()
    with pytest.raises(ResponseError, match="transaction pipeline"):
        rc.execute_command("MULTI")


def test_watch_and_transaction_helper(cluster: Cluster, rc: redipy.Redis) -> None:
    rc.set("{acct}:bal", "10")
    other = redipy.Redis(url=cluster.url)
    tries = []

    def move(pipe: Any) -> int:
        bal = int(pipe.get("{acct}:bal"))
        if not tries:
            other.set("{acct}:bal", "100")  # a concurrent write: the first EXEC must fail
        tries.append(bal)
        pipe.multi()
        pipe.set("{acct}:bal", str(bal - 1))
        pipe.incr("{acct}:log")
        return bal

    assert rc.transaction(move, "{acct}:bal", "{acct}:log", value_from_callable=True) == 100
    assert tries == [10, 100] and rc.get("{acct}:bal") == "99"
    with pytest.raises(ResponseError) as err, rc.pipeline() as pipe:
        pipe.watch("{acct}:bal", "elsewhere")
    assert str(err.value) == CROSSSLOT
    other.close()


def test_blocking_pop_across_threads(cluster: Cluster, rc: redipy.Redis) -> None:
    other = redipy.Redis(url=cluster.url)
    timer = threading.Timer(0.2, lambda: other.rpush("{q}:b", "job"))
    timer.start()
    try:
        assert rc.blpop(["{q}:a", "{q}:b"], 5) == ("{q}:b", "job")
    finally:
        timer.join()
        other.close()
    assert rc.blpop(["{q}:a", "{q}:b"], 0.1) is None


def test_pubsub(cluster: Cluster, rc: redipy.Redis) -> None:
    ps = rc.pubsub(ignore_subscribe_messages=True)
    ps.subscribe("news")
    deadline = time.monotonic() + 5
    while rc.execute_command("PUBSUB", "NUMSUB", "news") != ["news", 1]:
        assert time.monotonic() < deadline
        time.sleep(0.02)
    assert rc.execute_command("PUBSUB", "CHANNELS") == ["news"]
    # published through another node: a cluster delivers it everywhere
    assert node(cluster.ports[-1]).execute_command("PUBLISH", "news", "hi") >= 0
    msg = None
    while msg is None and time.monotonic() < deadline:
        msg = ps.get_message(timeout=0.2)
    assert msg is not None and msg["data"] == "hi"
    ps.close()


# ---- MOVED and ASK while a slot moves -------------------------------------------------------


def _setslot(port: int, *args: Any) -> None:
    client = redis_py.Redis(port=port, decode_responses=True)
    try:
        client.execute_command("CLUSTER", "SETSLOT", *args)
    finally:
        client.close()


def _myid(port: int) -> str:
    client = redis_py.Redis(port=port, decode_responses=True)
    try:
        return str(client.execute_command("CLUSTER", "MYID"))
    finally:
        client.close()


def _move_slot(cluster: Cluster, slot: int, src: int, dst: int, keys: list[str],
               between: Any = None) -> None:
    """Move ``slot`` from node ``src`` to ``dst`` the way redis-cli reshards."""
    _setslot(dst, slot, "IMPORTING", _myid(src))
    _setslot(src, slot, "MIGRATING", _myid(dst))
    client = redis_py.Redis(port=src, decode_responses=True)
    try:
        if keys:
            client.execute_command("MIGRATE", "127.0.0.1", dst, "", 0, 5000, "KEYS", *keys)
    finally:
        client.close()
    if between is not None:
        between()
    for port in cluster.ports:
        _setslot(port, slot, "NODE", _myid(dst))


def test_follows_ask_and_moved(cluster: Cluster, rc: redipy.Redis) -> None:
    key = "{mover}:k"
    slot = key_slot(key)
    src = cluster.owner(key)
    dst = next(p for p in cluster.ports if p != src)
    rc.set(key, "v")
    stale_pipe = redipy.Redis(url=cluster.url)
    stale_tx = redipy.Redis(url=cluster.url)

    def during_migration() -> None:
        # the key is on dst, the slot still on src: src answers ASK
        assert rc.get(key) == "v"
        assert rc.append(key, "w") == 2
        assert rc.get("{mover}:absent") is None

    try:
        _move_slot(cluster, slot, src, dst, [key], during_migration)
        assert cluster.owner(key) == dst
        assert rc.get(key) == "vw"  # MOVED: the map is updated and the command resent
        backend: Any = rc.backend
        assert backend.conn.nodes_manager.get_node_from_slot(slot).port == dst
        assert stale_pipe.backend.run_batch(
            [("GET", (key,)), ("SET", ("{mover}:p", "1"))]) == ["vw", "OK"]
        with stale_tx.pipeline() as pipe:
            pipe.incr("{mover}:n")
            pipe.get(key)
            assert pipe.execute() == [1, "vw"]
    finally:
        if cluster.owner(key) != src:
            keys = node(dst).keys(match="{mover}*")
            _move_slot(cluster, slot, dst, src, sorted(keys))
        stale_pipe.close()
        stale_tx.close()
    assert rc.get(key) == "vw" and cluster.owner(key) == src


# ---- scripts ----------------------------------------------------------------------------------


def run_script(r: redipy.Redis, case: str) -> tuple[list[Any], dict[str, Any], list[Any]]:
    ctx, setup, calls, expected = CASES[case]()
    for cmd in setup:
        r.execute_command(*cmd)
    fn = r.register_script(ctx)
    results = []
    for keys, args in calls:
        try:
            results.append(("ok", fn(keys=keys, args=args)))
        except RedipyError as err:
            results.append(("error", type(err).__name__))
    return results, snapshot(r), expected  # the keyspace under the prefix, plain data


@pytest.mark.parametrize("case", sorted(CASES))
def test_script_constructs_on_the_cluster(cluster: Cluster, case: str) -> None:
    """Every construct case, its keys in one slot through a hash-tag prefix."""
    cluster.flushall()
    mem_results, mem_dump, expected = run_script(redipy.Redis(), case)
    client = redipy.Redis(url=cluster.url, prefix="{s}")
    try:
        got_results, got_dump, _ = run_script(client, case)
    finally:
        client.close()
    assert mem_results == expected
    assert got_results == mem_results
    assert got_dump == mem_dump


def _two_keys() -> FnContext:
    ctx = FnContext()
    a = RedisVar(ctx.add_key("first"))
    b = RedisList(ctx.add_key("second"))
    ctx.set_return_value([a.incrby(1), b.rpush("x")])
    return ctx


def _evalsha_calls(cluster: Cluster) -> int:
    total = 0
    for port in cluster.ports:
        stats = node(port).execute_command("INFO", "commandstats")
        for line in str(stats).splitlines():
            if line.startswith("cmdstat_evalsha:"):
                total += int(line.split("calls=")[1].split(",")[0])
    return total


def test_script_keys_in_two_slots_fail_before_sending(cluster: Cluster,
                                                       rc: redipy.Redis) -> None:
    fn = rc.register_script(_two_keys())
    for port in cluster.ports:  # SCRIPT LOAD reached every primary
        assert node(port).execute_command("SCRIPT", "EXISTS", fn.sha) == [1]  # type: ignore[attr-defined]
    assert fn(keys={"first": "{o}:a", "second": "{o}:b"}, args={}) == [1, 1]
    before = _evalsha_calls(cluster)
    with pytest.raises(CrossSlotScriptError) as err:
        fn(keys={"first": "user:1", "second": "user:2"}, args={})
    text = str(err.value)
    assert text.startswith("CROSSSLOT") and "first='user:1'" in text
    assert "second='user:2'" in text and "hash tag" in text
    assert isinstance(err.value, ResponseError)
    with pytest.raises(CrossSlotScriptError), rc.pipeline(transaction=False) as pipe:
        fn(keys={"first": "user:1", "second": "user:2"}, args={}, client=pipe)
    assert _evalsha_calls(cluster) == before
    assert rc.keys() == {"{o}:a", "{o}:b"}


def test_scripts_in_a_pipeline_and_after_script_flush(cluster: Cluster,
                                                       rc: redipy.Redis) -> None:
    fn = rc.register_script(_two_keys())
    with rc.pipeline(transaction=False) as pipe:
        for tag in ("x1", "x2", "x3", "x4", "x5", "x6"):
            fn(keys={"first": f"{{{tag}}}:a", "second": f"{{{tag}}}:b"}, args={}, client=pipe)
        assert pipe.execute() == [[1, 1]] * 6
    assert len({cluster.owner(f"{{x{i}}}") for i in range(1, 7)}) > 1
    for port in cluster.ports:
        node(port).execute_command("SCRIPT", "FLUSH")
    assert fn(keys={"first": "{x1}:a", "second": "{x1}:b"}, args={}) == [2, 2]  # NOSCRIPT


# ---- the parity state machine ---------------------------------------------------------------


# the keys each transaction function of tests/strategies/transactions.py reads or writes
TX_KEYS = {"copy_then_bump": ("a", "b", "c"), "push_and_read": ("k:1",),
           "hash_counter": ("k:2", "z")}


class ClusterParity(RuleBasedStateMachine):
    """Typed calls on memory and on the cluster; replies and final keyspace must agree.

    ``prefix="{p}"`` puts every key in one slot: every command must work. Without a
    prefix the pool's keys live in different slots: a multi-key call across slots must
    fail with CROSSSLOT (checked against what a node answers) and is then not run on
    memory."""

    cluster: ClassVar[Cluster]
    prefix: ClassVar[str | None] = None
    ops: ClassVar[list[Any]] = []
    crossed: ClassVar[list[tuple[str, tuple[str, ...]]]] = []
    steps: ClassVar[int] = 0

    def __init__(self) -> None:
        super().__init__()
        self.cluster.flushall()
        self.mem = redipy.Redis()
        self.cl = redipy.Redis(url=self.cluster.url, prefix=self.prefix)
        backend: Any = self.cl.backend
        run = backend.run
        self.last: list[tuple[str, tuple[str, ...]]] = []

        def recording(name: str, args: Any) -> Any:
            try:
                return run(name, args)
            except ResponseError as err:
                if str(err) == CROSSSLOT:
                    self.last.append((name, tuple(args)))
                raise

        backend.run = recording

    @rule(data=st.data())
    def step(self, data: st.DataObject) -> None:
        op = data.draw(st.sampled_from(self.ops), label="op")
        args = data.draw(op.args, label="args")
        kwargs = data.draw(op.kwargs, label="kwargs")
        if op.method == "copy" and len(args) == 3:
            args = (*args[:2], 0)  # a cluster has database 0 only
        self.last.clear()
        got = call(self.cl, op, args, kwargs)
        type(self).steps += 1
        if got[0] == "error" and got[2] == CROSSSLOT:
            assert self.prefix is None, f"{op.method}{args}: CROSSSLOT under a hash-tag prefix"
            if op.method == "transaction":
                # refused before MULTI is sent: the watched key and the keys the function
                # writes must really span slots
                func, watched = args
                touched = {*TX_KEYS[func.__name__], watched}
                assert len({key_slot(k) for k in touched}) > 1, f"{touched} share a slot"
                type(self).crossed.append(("MULTI", tuple(sorted(touched))))
                return
            assert self.last, "CROSSSLOT not from a routed command"
            name, raw = self.last[-1]
            said = outcome(lambda: node(self.cluster.ports[0]).execute_command(name, *raw))
            assert said == CROSS, f"{name} {raw}: a node says {said}"
            type(self).crossed.append((name, raw))
            return
        want = call(self.mem, op, args, kwargs)
        if not op.compared(want, got, lambda: is_newest(self.cluster.nodes[0])):
            return
        assert want == got, f"{op.method}{args}{kwargs}: memory {want!r} != cluster {got!r}"

    def teardown(self) -> None:
        try:
            assert snapshot(self.cl) == snapshot(self.mem), "final keyspace differs"
        finally:
            self.cl.close()
            self.mem.close()


@pytest.mark.parametrize("prefix", ["{p}", None], ids=["one-slot", "many-slots"])
def test_parity_state_machine_on_the_cluster(cluster: Cluster, prefix: str | None) -> None:
    ClusterParity.cluster = cluster
    ClusterParity.prefix = prefix
    # streams included: under the one-slot prefix, NOGROUP errors named the prefixed key
    # (the Redis backend now strips its prefix from error texts)
    ClusterParity.ops = all_ops()
    ClusterParity.crossed = []
    ClusterParity.steps = 0
    run_state_machine_as_test(ClusterParity, settings=settings(
        max_examples=50, stateful_step_count=30, deadline=None,
        suppress_health_check=list(HealthCheck)))
    assert ClusterParity.steps > 100
    if prefix is None:
        assert ClusterParity.crossed, "no cross-slot call was drawn"


# ---- the raw-command parity tests of tests/test_cmd_*.py, on the cluster ---------------------

_TAG = "{p}:"
_CMD_MODULES = ("generic", "strings", "lists", "hashes", "sets", "zsets", "streams")
#: parity tests a cluster cannot run at all (they would hang, not fail), and why
_NOT_RUN_ON_A_CLUSTER = {
    "test_blocking_raw_answers": "raw MULTI: a cluster connection runs transactions only "
                                 "in pipelines, so the XREAD BLOCK 0 queued after it blocks",
}
#: parity tests that cannot hold on a cluster, and why (everything else must pass)
_NOT_ON_A_CLUSTER = {
    "test_copy_parity": "COPY ... DB n: a cluster has database 0 only",
    "test_flushall_flushes_every_database_parity": "uses COPY ... DB n",
    "test_parity_copy_db_argument": "COPY ... DB n: a cluster has database 0 only",
    "test_bitcount_order_redis70": "compares with a standalone Redis 7.0 by name",
    "test_keys_glob_parity": "the tag prefix lets '**' match the empty key's stored name",
}
_DIRECT = re.compile(r"servers\[|\.port|redis_py|start_server|raw_client|\"valkey\"")


def _cmd_parity_tests() -> list[Any]:
    """Every ``test_*(servers)`` of tests/test_cmd_*.py that talks through
    ``tests.parity`` (not to a server directly)."""
    out = []
    for group in _CMD_MODULES:
        module = importlib.import_module(f"tests.test_cmd_{group}")
        for name, fn in vars(module).items():
            if (name.startswith("test_") and callable(fn) and name not in _NOT_RUN_ON_A_CLUSTER
                    and list(inspect.signature(fn).parameters) == ["servers"]
                    and not _DIRECT.search(inspect.getsource(fn))):
                out.append(pytest.param(module, fn, id=f"{group}.{name}", marks=()))
    return out


def _untag(value: Any) -> Any:
    if isinstance(value, str):
        return value[len(_TAG):] if value.startswith(_TAG) else value
    if isinstance(value, list):
        return [_untag(v) for v in value]
    return value


class _Tagged:
    """A cluster client whose raw commands all land in one slot: keys get the ``{p}:``
    prefix (the backend's key prefix), KEYS/SCAN patterns too, and replies lose it
    (where the backend's raw path leaves it: key names inside other replies)."""

    def __init__(self, client: redipy.Redis) -> None:
        self.client = client

    def execute_command(self, *argv: Any) -> Any:
        # the backend applies the prefix to keys and to typed KEYS/SCAN patterns
        args = [str(a) for a in argv]
        return _untag(self.client.execute_command(*args))

    def __getattr__(self, name: str) -> Any:
        return getattr(self.client, name)


class _ClusterAsServer:
    kind = "cluster"

    def __init__(self, cluster: Cluster) -> None:
        self.port = cluster.ports[0]
        self.url = cluster.url
        self._version = cluster.nodes[0].version()

    def version(self) -> str:
        return self._version


_CMD_TESTS = _cmd_parity_tests()


def test_cmd_parity_selection() -> None:
    names = {p.values[1].__name__ for p in _CMD_TESTS}
    assert len(_CMD_TESTS) >= 70
    assert set(_NOT_ON_A_CLUSTER) <= names


@pytest.mark.parametrize(("module", "fn"), _CMD_TESTS)
def test_cmd_parity_on_the_cluster(cluster: Cluster, module: Any, fn: Any,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """tests/test_cmd_*.py's raw parity checks: memory vs the cluster, keys in one slot."""
    import tests.parity as parity

    plain_fresh = parity.fresh

    def fresh(kind: str, servers: dict[str, Any]) -> Any:
        if kind != "cluster":
            return plain_fresh(kind, servers)
        cluster.flushall()
        return _Tagged(redipy.Redis(url=cluster.url, prefix="{p}"))

    monkeypatch.setattr(parity, "fresh", fresh)
    for group in _CMD_MODULES:  # helpers are shared between these modules
        other = importlib.import_module(f"tests.test_cmd_{group}")
        if getattr(other, "fresh", None) is plain_fresh:
            monkeypatch.setattr(other, "fresh", fresh)
    servers = {"cluster": _ClusterAsServer(cluster)}
    why = _NOT_ON_A_CLUSTER.get(fn.__name__)
    if why is None:
        fn(servers)
        return
    # a cluster answers differently, as noted (or the test refuses to run without the
    # standalone server it names)
    with pytest.raises((AssertionError, pytest.fail.Exception)):
        fn(servers)


# ---- shell completion and migration --------------------------------------------------------


def test_shell_key_completion_sees_every_node(cluster: Cluster, rc: redipy.Redis) -> None:
    from redipy.repl.session import Session

    keys = spread_keys(cluster, 20)
    for key in keys:
        rc.set(key, "1")
    session = Session(rc)
    assert session.keys("key:") == sorted(keys)
    assert session.keys("key:1") == sorted(k for k in keys if k.startswith("key:1"))


@pytest.fixture
def origin() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        populate(redis_py.Redis(port=srv.port), big=700)
        yield srv
    finally:
        srv.stop()


def test_migrate_standalone_cluster_standalone(cluster: Cluster, origin: Server,
                                               tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from redipy.migrate import compare, migrate
    from redipy.migrate.cli import main

    monkeypatch.chdir(tmp_path)  # the CLI's checkpoint file goes to the working directory
    cluster.flushall()
    assert main(["migrate", origin.url, cluster.url, "--chunk", "100", "--verify"]) == 0
    want = redis_py.Redis(port=origin.port).dbsize()
    assert cluster.dbsize() == want
    assert all(node(p).dbsize() > 0 for p in cluster.ports)  # spread over every primary
    rc = redipy.Redis(url=cluster.url)
    assert compare(origin.url, rc).ok
    ttl = rc.pttl("str:ttl")
    assert HOUR - 60_000 < ttl <= HOUR

    back = start_server("valkey")
    try:
        rep = migrate(rc, redipy.Redis(url=back.url), chunk=100, verify=True)
        assert rep.ok and rep.keys == want, rep.problems
        result = compare(origin.url, back.url, check_ttl=True)
        assert result.ok and result.keys == want, result.problems
        plain = redis_py.Redis(port=back.port, decode_responses=True)
        assert HOUR - 60_000 < int(plain.pttl("str:ttl")) <= HOUR
        assert 2 * HOUR - 60_000 < int(plain.pttl("big:zset")) <= 2 * HOUR
        assert plain.pttl("str:plain") == -1
        assert plain.get("user:{42}") == "hash tag"
        plain.close()
    finally:
        back.stop()
    rc.close()


def test_cluster_source_resumes_per_node(cluster: Cluster, rc: redipy.Redis) -> None:
    from redipy.migrate.endpoints import ClusterEndpoint, as_source
    from redipy.migrate.records import Mark

    keys = spread_keys(cluster, 30)
    for key in keys:
        rc.set(key, "v")
    src = as_source(rc)
    assert isinstance(src, ClusterEndpoint)
    try:
        items = list(src.records(match=None, types=None, chunk=100, batch=4))
        marks = [i.pos for i in items if isinstance(i, Mark)]
        assert marks[-1] == "done" and "1:0" in marks and "2:0" in marks
        assert sorted(i.key for i in items if not isinstance(i, Mark)) == sorted(keys)
        later = [i.key for i in src.records(match=None, types=None, chunk=100, batch=4,
                                            start="1:0") if not isinstance(i, Mark)]
        first = sorted(src.nodes, key=lambda n: n.name)[0].port
        assert sorted(later) == sorted(k for k in keys if cluster.owner(k) != first)
    finally:
        src.close()


def test_cli_reports_an_unreachable_cluster(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    from redipy.migrate.cli import main

    out = str(tmp_path / "out.jsonl")
    assert main(["migrate", "redis+cluster://127.0.0.1:1", out]) == 1
    assert "cannot reach Redis cluster" in capsys.readouterr().err


def test_bytes_that_are_not_utf8_round_trip_on_the_cluster(cluster: Cluster) -> None:
    from tests.test_backends import BINARY

    r = redipy.Redis(url=cluster.url)
    try:
        assert r.set_value("{b}:bin", BINARY)
        assert r.get_value("{b}:bin") == BINARY
        with r.pipeline(transaction=False) as pipe:  # split over nodes
            for i in range(6):
                pipe.rpush(f"{{x{i}}}:l", BINARY)
            pipe.lrange("{x0}:l", 0, -1)
            assert pipe.execute()[-1] == [BINARY]
        with r.pipeline() as pipe:  # one slot, MULTI/EXEC on its node
            pipe.hset("{b}:h", {BINARY: BINARY})
            pipe.hgetall("{b}:h")
            assert pipe.execute() == [1, {BINARY: BINARY}]
        assert r.blpop("{x1}:l", 0.1) == ("{x1}:l", BINARY)
    finally:
        r.delete("{b}:bin", "{b}:h")
        for i in range(6):
            r.delete(f"{{x{i}}}:l")
        r.close()
