"""Blocking pops on every backend: replies, timeouts, wake-ups, first-come-first-served,
behaviour inside transactions, and raw parity (timeout parsing, syntax errors)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands.blocking import COMMANDS as BLOCKING_COMMANDS
from redipy.errors import ResponseError, WrongTypeError
from tests.conftest import make_client
from tests.parity import assert_same, fresh, run_raw
from tests.servers import Server

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"


def same_on(servers: dict[str, Server], kinds: Sequence[str],
            cmds: Sequence[Sequence[Any]]) -> None:
    """``assert_same`` against some server kinds only (Redis 7.0 predates a fix)."""
    mem = run_raw(fresh("memory", servers), cmds)
    for kind in kinds:
        got = run_raw(fresh(kind, servers), cmds)
        for cmd, a, b in zip(cmds, mem, got):
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"


def blocked_clients(client: redipy.Redis) -> int:
    """How many clients wait in a blocking command right now."""
    backend: Any = client.backend
    if backend.kind == "memory":
        from redipy.memory.cmd_blocking import waiting_clients

        return waiting_clients(backend.db)
    info = backend.conn.execute_command("INFO", "clients")
    text = info if isinstance(info, str) else str(info)
    for line in text.splitlines():
        if line.startswith("blocked_clients:"):
            return int(line.split(":", 1)[1])
    raise AssertionError("no blocked_clients in INFO")


def wait_blocked(client: redipy.Redis, count: int, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while blocked_clients(client) < count:
        assert time.monotonic() < deadline, f"never saw {count} blocked clients"
        time.sleep(0.005)


class Runner(threading.Thread):
    """Runs one call in a thread, keeping its result, error and finish time."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        super().__init__(daemon=True)
        self.fn = fn
        self.result: Any = None
        self.error: BaseException | None = None
        self.done_at = 0.0

    def run(self) -> None:
        try:
            self.result = self.fn()
        except BaseException as err:  # reported by value()
            self.error = err
        self.done_at = time.perf_counter()

    def value(self, timeout: float = 5.0) -> Any:
        self.join(timeout)
        assert not self.is_alive(), "blocked call never returned"
        if self.error is not None:
            raise self.error
        return self.result


# ---- the command table ------------------------------------------------------------------


def test_table_matches_command_info(server: Server) -> None:
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}
    infos = raw.execute_command("COMMAND", "INFO", *(s.name for s in BLOCKING_COMMANDS))
    raw.close()
    for spec, info in zip(BLOCKING_COMMANDS, infos):
        name, arity, flags, first, last, step = info[:6]
        assert name == spec.name.lower()
        assert spec.arity == arity, spec.name
        assert "blocking" in flags and spec.blocking, spec.name
        assert ("write" in flags) == spec.write, spec.name
        assert ("fast" in flags) == ("fast" in spec.flags), spec.name
        assert not spec.script
        argv = [spec.name, *(f"a{i}" for i in range(8))]
        if first:
            want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step))
            assert spec.key_positions(argv) == want, spec.name
    specs = {s.name: s for s in BLOCKING_COMMANDS}
    assert specs["BLMPOP"].key_positions(["BLMPOP", "0", "2", "a", "b", "LEFT"]) == [3, 4]
    assert specs["BZMPOP"].key_positions(["BZMPOP", "0", "1", "a", "MIN"]) == [3]


# ---- typed API, data already there ----------------------------------------------------------


def test_pops_with_data(r: redipy.Redis) -> None:
    r.rpush("l", "1", "2", "3", "4")
    assert r.blpop(["missing", "l"], 1) == ("l", "1")
    assert r.brpop("l", 1) == ("l", "4")
    assert r.blmove("l", "m", 1) == "2"
    assert r.blmove("l", "m", 1, src="RIGHT", dest="LEFT") == "3"
    assert r.lrange("m", 0, -1) == ["3", "2"]
    assert r.exists("l") == 0
    assert r.brpoplpush("m", "n", 1) == "2"
    r.rpush("x", "a", "b", "c")
    assert r.blmpop(1, 2, "nope", "x", direction="LEFT", count=2) == ["x", ["a", "b"]]
    assert r.blmpop(1, 1, "x", direction="RIGHT") == ["x", ["c"]]
    r.zadd("z", {"a": 1, "b": 2, "c": 3})
    assert r.bzpopmin("z", 1) == ("z", "a", 1.0)
    assert r.bzpopmax(["nope", "z"], 1) == ("z", "c", 3.0)
    r.zadd("z", {"d": 4, "e": 5})
    assert r.bzmpop(1, 1, ["z"], max=True, count=2) == ("z", [("e", 5.0), ("d", 4.0)])
    assert r.bzmpop(1, 1, ["z"], min=True) == ("z", [("b", 2.0)])
    with pytest.raises(ValueError):
        r.bzmpop(1, 1, ["z"])


def test_timeouts(r: redipy.Redis) -> None:
    for call in (
        lambda: r.blpop(["a", "b"], 0.15),
        lambda: r.brpop("a", 0.15),
        lambda: r.blmove("a", "b", 0.15),
        lambda: r.brpoplpush("a", "b", 0.15),
        lambda: r.blmpop(0.15, 1, "a", direction="LEFT"),
        lambda: r.bzpopmin("a", 0.15),
        lambda: r.bzpopmax("a", 0.15),
        lambda: r.bzmpop(0.15, 1, ["a"], min=True),
    ):
        start = time.monotonic()
        assert call() is None
        took = time.monotonic() - start
        assert 0.14 <= took < 1.0, took


def test_wrong_type_and_bad_timeout(r: redipy.Redis) -> None:
    r.set_value("s", "text")
    with pytest.raises(WrongTypeError):
        r.blpop("s", 0.05)
    with pytest.raises(WrongTypeError):
        r.bzpopmin("s", 0.05)
    with pytest.raises(ResponseError, match=r"^ERR timeout is negative$"):
        r.blpop("l", -1)
    with pytest.raises(ResponseError, match=r"^ERR timeout is not a float or out of range$"):
        r.execute_command("BLPOP", "l", "soon")


# ---- waking up -----------------------------------------------------------------------------


def test_woken_promptly(r: redipy.Redis) -> None:
    """A waiting pop returns well under 50 ms after the push that serves it (the median
    of five: a loaded machine may hold one thread back longer; a pop that polls would
    be late every time)."""
    lags = []
    for i in range(5):
        waiter = Runner(lambda: r.blpop("q", 5))
        waiter.start()
        wait_blocked(r, 1)
        time.sleep(0.02)
        pushed_at = time.perf_counter()
        r.rpush("q", f"v{i}")
        assert waiter.value() == ("q", f"v{i}")
        lags.append(waiter.done_at - pushed_at)
    assert sorted(lags)[2] < 0.05, lags
    assert 0 <= min(lags) and max(lags) < 1.0, lags


def test_every_kind_is_woken(r: redipy.Redis) -> None:
    cases: list[tuple[Callable[[], Any], Callable[[], Any], Any]] = [
        (lambda: r.brpop(["a", "b"], 5), lambda: r.lpush("b", "x"), ("b", "x")),
        (lambda: r.blmove("a", "d", 5, "RIGHT", "LEFT"), lambda: r.rpush("a", "y"), "y"),
        (lambda: r.brpoplpush("a", "d", 5), lambda: r.rpush("a", "z"), "z"),
        (lambda: r.blmpop(5, 2, "a", "b", direction="LEFT", count=3),
         lambda: r.rpush("b", "1", "2"), ["b", ["1", "2"]]),
        (lambda: r.bzpopmin(["za", "zb"], 5), lambda: r.zadd("zb", {"m": 2}), ("zb", "m", 2.0)),
        (lambda: r.bzpopmax("za", 5), lambda: r.zadd("za", {"m": 1, "n": 3}), ("za", "n", 3.0)),
        (lambda: r.bzmpop(5, 1, ["zc"], min=True, count=5),
         lambda: r.zadd("zc", {"p": 1, "q": 2}), ("zc", [("p", 1.0), ("q", 2.0)])),
    ]
    for pop, push, want in cases:
        waiter = Runner(pop)
        waiter.start()
        wait_blocked(r, 1)
        push()
        assert waiter.value() == want
        r.delete("a", "b", "d", "za", "zb", "zc")


def test_first_come_first_served(r: redipy.Redis) -> None:
    """Clients are served in the order they blocked, one element each."""
    waiters = []
    for i in range(4):
        waiter = Runner(lambda: r.blpop("fifo", 5))
        waiter.start()
        wait_blocked(r, i + 1)
        waiters.append(waiter)
    r.rpush("fifo", "e0", "e1", "e2", "e3")
    assert [w.value() for w in waiters] == [("fifo", f"e{i}") for i in range(4)]


def test_fifo_one_push_at_a_time(r: redipy.Redis) -> None:
    waiters = []
    for i in range(3):
        waiter = Runner(lambda: r.brpop(["other", "fifo"], 5))
        waiter.start()
        wait_blocked(r, i + 1)
        waiters.append(waiter)
    for i, waiter in enumerate(waiters):
        r.lpush("fifo", f"e{i}")
        assert waiter.value() == ("fifo", f"e{i}")
        assert all(w.is_alive() for w in waiters[i + 1:])


def test_wrong_kind_does_not_serve(r: redipy.Redis) -> None:
    """A list waiter ahead in line does not stop a sorted-set waiter behind it."""
    lister = Runner(lambda: r.blpop("k", 1.5))
    lister.start()
    wait_blocked(r, 1)
    zsetter = Runner(lambda: r.bzpopmin("k", 5))
    zsetter.start()
    wait_blocked(r, 2)
    r.zadd("k", {"m": 1})
    assert zsetter.value() == ("k", "m", 1.0)
    assert lister.value() is None


def test_no_blocking_inside_a_transaction(r: redipy.Redis) -> None:
    start = time.monotonic()
    with r.pipeline(transaction=True) as pipe:
        pipe.blpop("empty", 0)
        pipe.bzpopmin("empty", 0)
        pipe.blmove("empty", "x", 0)
        pipe.rpush("full", "v")
        pipe.blpop("full", 0)
        res = pipe.execute()
    assert res == [None, None, None, 1, ("full", "v")]
    assert time.monotonic() - start < 1.0


def test_transaction_push_pop_does_not_serve_waiter(r: redipy.Redis) -> None:
    """MULTI; RPUSH q x; LPOP q; EXEC leaves nothing for a blocked client."""
    waiter = Runner(lambda: r.blpop("q", 0.5))
    waiter.start()
    wait_blocked(r, 1)
    with r.pipeline(transaction=True) as pipe:
        pipe.rpush("q", "x")
        pipe.lpop("q")
    assert waiter.value() is None


def test_blmove_wrong_destination_when_served(r: redipy.Redis) -> None:
    r.set_value("dst", "string")
    waiter = Runner(lambda: r.blmove("src", "dst", 5))
    waiter.start()
    wait_blocked(r, 1)
    r.rpush("src", "v")
    with pytest.raises(WrongTypeError):
        waiter.value()
    assert r.lrange("src", 0, -1) == ["v"]


def test_key_prefix_is_stripped(servers: dict[str, Server]) -> None:
    for kind in servers:
        r = make_client(kind, servers, prefix="app")
        r.rpush("l", "v")
        r.zadd("z", {"m": 1})
        assert r.blpop(["nope", "l"], 1) == ("l", "v")
        assert r.bzpopmin("z", 1) == ("z", "m", 1.0)
        r.rpush("l", "w")
        assert r.blmpop(1, 1, "l", direction="LEFT") == ["l", ["w"]]
        raw = redis_py.Redis(port=servers[kind].port, decode_responses=True)
        assert raw.keys("*") == []
        raw.rpush("app:l", "x")
        assert r.brpoplpush("l", "m", 1) == "x"
        assert raw.lrange("app:m", 0, -1) == ["x"]
        raw.close()
        r.close()


def test_redis_backend_outlasts_the_socket_timeout(servers: dict[str, Server]) -> None:
    """redis-py 8 reads with a 5 s socket timeout by default; a blocking pop must wait
    as long as it was asked to (here the socket timeout is set low to keep it quick)."""
    for srv in servers.values():
        raw = redis_py.Redis(port=srv.port, socket_timeout=0.2, decode_responses=True,
                             encoding_errors="surrogateescape", protocol=2)
        r = redipy.Redis(client=raw)
        start = time.monotonic()
        assert r.blpop("nothing", 0.6) is None
        assert time.monotonic() - start >= 0.55
        waiter = Runner(lambda r=r: r.blpop("later", 0))  # type: ignore[misc]
        waiter.start()
        wait_blocked(r, 1)
        time.sleep(0.4)
        r.rpush("later", "v")
        assert waiter.value() == ("later", "v")
        r.close()


# ---- producer / consumer -----------------------------------------------------------------


def test_queue_loses_and_duplicates_nothing(r: redipy.Redis) -> None:
    total = 100_000 if r.backend.kind == "memory" else 10_000
    producers, consumers = 2, 4
    got: list[list[str]] = [[] for _ in range(consumers)]

    def produce(start: int) -> None:
        batch: list[str] = []
        for i in range(start, total, producers):
            batch.append(str(i))
            if len(batch) == 50:
                r.rpush("jobs", *batch)
                batch = []
        if batch:
            r.rpush("jobs", *batch)

    def consume(slot: int) -> None:
        out = got[slot]
        while True:
            item = r.blpop("jobs", 5)
            assert item is not None, "queue stalled"
            if item[1] == "stop":
                return
            out.append(item[1])

    threads = [threading.Thread(target=consume, args=(i,)) for i in range(consumers)]
    threads += [threading.Thread(target=produce, args=(i,)) for i in range(producers)]
    for thread in threads:
        thread.start()
    for thread in threads[consumers:]:
        thread.join()
    r.rpush("jobs", *(["stop"] * consumers))
    for thread in threads[:consumers]:
        thread.join(60)
        assert not thread.is_alive()
    items = [item for chunk in got for item in chunk]
    assert len(items) == total
    assert sorted(map(int, items)) == list(range(total))
    for chunk in got:  # each consumer saw its items in queue order per producer
        for parity in range(producers):
            mine = [int(x) for x in chunk if int(x) % producers == parity]
            assert mine == sorted(mine)


# ---- raw parity -------------------------------------------------------------------------


def test_raw_timeout_parsing(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("BLPOP", "k", "abc"), ("BLPOP", "k", "-1"), ("BLPOP", "k", "-0.5"),
        ("BLPOP", "k", "1e5x"), ("BLPOP", "k", "nan"), ("BLPOP", "k", "-inf"),
        ("BLPOP", "k", "0.001"), ("BLPOP", "k", ".001"), ("BLPOP", "k", "0x1p-6"),
        ("BLPOP", "k", "1e-400"), ("BLPOP", "k", " 1"), ("BLPOP", "k", ""),
        ("BRPOP", "a", "b", "x"), ("BZPOPMIN", "k", "abc"), ("BZPOPMAX", "k", "-2"),
        ("BRPOPLPUSH", "a", "b", "-1"), ("BLMOVE", "a", "b", "LEFT", "RIGHT", "x"),
        ("BLMOVE", "a", "b", "LEFTX", "RIGHT", "x"), ("BLMOVE", "a", "b", "LEFT", "UP", "0.01"),
        ("BLMPOP", "x", "1", "k", "LEFT"), ("BLMPOP", "x", "0", "k", "LEFT"),
        ("BLMPOP", "x", "1", "k", "LEFTX"), ("BLMPOP", "x", "1", "k", "LEFT", "COUNT", "0"),
        ("BLMPOP", "x", "1", "k", "LEFT", "COUNT"), ("BLMPOP", "x", "2", "k", "LEFT"),
        ("BLMPOP", "0.01", "abc", "k", "LEFT"), ("BLMPOP", "0.01", "1", "k", "LEFT"),
        ("BZMPOP", "x", "1", "k", "MINX"), ("BZMPOP", "x", "0", "k", "MIN"),
        ("BZMPOP", "x", "1", "k", "MIN", "COUNT", "0"), ("BZMPOP", "0.01", "1", "k", "MAX"),
        ("BLPOP", "k"), ("BLMOVE", "a", "b", "LEFT", "RIGHT"), ("BZMPOP", "0", "1", "k"),
    ])


def test_raw_timeout_range(servers: dict[str, Server]) -> None:
    """Redis 7.0 called huge timeouts negative; 7.2+ and Valkey say out of range."""
    same_on(servers, ["valkey"], [
        ("BLPOP", "k", "1e20"), ("BLPOP", "k", "inf"), ("BLPOP", "k", "9223372036854775807"),
        ("BLPOP", "k", "9223372036854775"), ("BZPOPMIN", "k", "+inf"),
    ])


def test_raw_replies_and_wrong_types(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("RPUSH", "l", "a", "b", "c"), ("ZADD", "z", "1", "m", "2.5", "n"), ("SET", "s", "v"),
        ("BLPOP", "nope", "l", "0.01"), ("BRPOP", "l", "0.01"), ("BLPOP", "s", "l", "0.01"),
        ("BLPOP", "l", "s", "0.01"), ("BLPOP", "s", "x"), ("RPUSH", "l", "a", "b", "c"),
        ("BLMOVE", "l", "s", "LEFT", "LEFT", "0.01"),
        ("BLMOVE", "s", "l", "LEFT", "LEFT", "0.01"),
        ("BLMOVE", "nope", "s", "LEFT", "LEFT", "0.01"),
        ("BLMOVE", "l", "l", "left", "right", "0.01"), ("LRANGE", "l", "0", "-1"),
        ("BRPOPLPUSH", "l", "m", "0.01"), ("BRPOPLPUSH", "l", "m", "0.01"),
        ("BRPOPLPUSH", "l", "m", "0.01"), ("EXISTS", "l"),
        ("BLMPOP", "0.01", "2", "s", "m", "LEFT"),
        ("BLMPOP", "0.01", "2", "nope", "m", "right", "count", "5"),
        ("BZPOPMIN", "nope", "z", "0.01"), ("BZPOPMAX", "z", "0.01"), ("BZPOPMIN", "z", "0.01"),
        ("BZPOPMIN", "s", "0.01"), ("ZADD", "z", "1", "a", "2", "b", "3", "c"),
        ("BZMPOP", "0.01", "1", "z", "max", "count", "2"), ("BZMPOP", "0.01", "2", "s", "z", "MIN"),
        ("BZMPOP", "0.01", "2", "nope", "z", "MIN", "COUNT", "9"),
        ("BZMPOP", "0.01", "1", "z", "MIN"),
        ("TYPE", "z"),
    ])
