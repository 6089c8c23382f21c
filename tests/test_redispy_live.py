"""The drop-in's pub/sub, blocking commands and asyncio client, each checked against a
real server doing the same (Valkey 9.1): messages, confirmations, timeouts, and
blocking that holds up only the caller (never the event loop)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
import redis
import redis.asyncio

import redipy
from tests.servers import Server

Factory = Callable[..., Any]


@pytest.fixture(params=["memory", "valkey9"])
def make(request: pytest.FixtureRequest, servers: dict[str, Server]) -> Factory:
    """Builds clients of one backend: the drop-in, or redis-py on Valkey 9.1."""
    if request.param == "memory":
        mem = redipy.Redis()
        return lambda **kw: mem.redis_py(**kw)
    srv = servers["valkey9"]
    redis.Redis(port=srv.port).flushall()

    def server_client(*, asyncio: bool = False, **kw: Any) -> Any:
        if asyncio:
            return redis.asyncio.Redis(port=srv.port, **kw)
        return redis.Redis(port=srv.port, **kw)

    return server_client


def messages(ps: Any, count: int) -> list[Any]:
    out = []
    for _ in range(count):
        msg = ps.get_message(timeout=2)
        assert msg is not None
        out.append((msg["type"], msg["pattern"], msg["channel"], msg["data"]))
    return out


@pytest.mark.parametrize("protocol", [2, 3])
def test_pubsub(make: Factory, protocol: int) -> None:
    pub = make(protocol=protocol)
    ps = make(protocol=protocol, decode_responses=True).pubsub()
    ps.subscribe("news", "sport")
    ps.psubscribe("n*")
    assert messages(ps, 3) == [("subscribe", None, "news", 1), ("subscribe", None, "sport", 2),
                               ("psubscribe", None, "n*", 3)]
    assert pub.publish("news", b"\x01hello") == 2
    assert messages(ps, 2) == [("message", None, "news", "\x01hello"),
                               ("pmessage", "n*", "news", "\x01hello")]
    assert ps.get_message(timeout=0.05) is None
    assert pub.pubsub_numsub("news", "x") == [(b"news", 1), (b"x", 0)]
    assert pub.pubsub_numpat() == 1
    ps.unsubscribe()
    assert sorted(messages(ps, 2)) == [("unsubscribe", None, "news", 2),
                                       ("unsubscribe", None, "sport", 1)]
    ps.punsubscribe()
    assert messages(ps, 1) == [("punsubscribe", None, "n*", 0)]
    ps.close()


def test_pubsub_listen_and_thread(make: Factory) -> None:
    pub = make()
    seen: list[Any] = []
    ps = make().pubsub(ignore_subscribe_messages=True)
    ps.subscribe(jobs=lambda msg: seen.append(msg["data"]))
    worker = ps.run_in_thread(sleep_time=0.01)
    try:
        deadline = time.monotonic() + 2
        while pub.pubsub_numsub("jobs")[0][1] == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        for i in range(3):
            pub.publish("jobs", i)
        while len(seen) < 3 and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        worker.stop()
        worker.join(2)
    assert seen == [b"0", b"1", b"2"]
    listener = make().pubsub()
    listener.subscribe("once")
    it = listener.listen()
    assert next(it)["type"] == "subscribe"
    pub.publish("once", "x")
    assert next(it)["data"] == b"x"
    listener.close()


def test_subscribed_connection_refuses_other_commands_on_resp2(make: Factory) -> None:
    ps = make(protocol=2).pubsub()
    ps.subscribe("c")
    ps.get_message(timeout=1)
    with pytest.raises(redis.ResponseError) as err:
        ps.execute_command("GET", "k")
        ps.parse_response(block=False, timeout=1)
    assert "only (P|S)SUBSCRIBE / (P|S)UNSUBSCRIBE / PING / QUIT / RESET" in str(err.value)
    ps.close()


def test_blocking_pop_blocks_only_the_caller(make: Factory) -> None:
    client = make()
    got: list[Any] = []
    worker = threading.Thread(target=lambda: got.append(client.blpop(["q1", "q2"], 5)))
    worker.start()
    time.sleep(0.05)
    assert client.set("other", 1)  # the pool hands this thread another connection
    client.rpush("q2", "job")
    worker.join(5)
    assert got == [(b"q2", b"job")]
    start = time.monotonic()
    assert client.brpop(["empty"], 0.1) is None
    assert 0.09 <= time.monotonic() - start < 1.0
    assert client.bzpopmin("nothing", 0.05) is None


def test_asyncio_client(make: Factory) -> None:
    async def scenario() -> list[Any]:
        client = make(asyncio=True, decode_responses=True)
        out: list[Any] = [await client.set("a", "1"), await client.incr("a"),
                          await client.hgetall("none")]
        async with client.pipeline() as pipe:
            pipe.set("b", 2).get("b").zadd("z", {"m": 1.5}).zscore("z", "m")
            out.append(await pipe.execute())
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            for _ in range(5):
                await asyncio.sleep(0.01)
                ticks += 1
            await client.rpush("q", "v")

        popped, _ = await asyncio.gather(client.blpop(["q"], 5), ticker())
        out.append(popped)
        out.append(ticks)  # the loop kept running while BLPOP waited
        out.append(await client.blpop(["q"], 0.05))
        waiting = asyncio.ensure_future(client.brpop(["never"], 0))
        await asyncio.sleep(0.02)
        waiting.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiting
        await client.rpush("never", "kept")
        out.append(await client.lrange("never", 0, -1))  # the cancelled pop took nothing
        ps = client.pubsub()
        await ps.subscribe("ch")
        out.append((await ps.get_message(timeout=1))["type"])
        await client.publish("ch", "hi")
        out.append((await ps.get_message(timeout=1))["data"])
        out.append(await ps.get_message(timeout=0.05))
        await ps.aclose()
        await client.aclose()
        return out

    assert asyncio.run(scenario()) == [
        True, 2, {}, [True, "2", 1, 1.5], ("q", "v"), 5, None, ["kept"], "subscribe", "hi",
        None]


def test_watch_conflict_between_clients(make: Factory) -> None:
    client = make()
    other = make()
    client.set("stock", 1)
    with client.pipeline() as pipe:
        pipe.watch("stock")
        pipe.multi()
        pipe.decr("stock")
        other.set("stock", 5)
        with pytest.raises(redis.WatchError):
            pipe.execute()
    assert client.get("stock") == b"5"
