"""The drop-in's own ``set``, ``get`` and ``zadd`` (:mod:`redipy.redispy.methods`) and its
pipeline's ``set``: the same values and errors as redis-py's stock methods on real
servers, plain forms and the others, in and out of pipelines; the same warnings,
signatures and TypeErrors as redis-py's own methods."""

from __future__ import annotations

import inspect
import warnings
from typing import Any

import pytest
import redis
from redis.client import Pipeline

import redipy
from redipy.redispy.methods import SET_EXPERIMENTAL
from tests.servers import Server
from tests.test_redispy import MODES, outcome, server_client


def calls(c: redis.Redis) -> list[Any]:
    """Plain forms (the drop-in's shortcuts) and the rest (redis-py's bodies)."""
    out = [
        c.set("k", "v"), c.get("k"), c.get("missing"), c.set("kb", b"\xff"),
        outcome(lambda: c.get("kb")),
        c.set("n", 5), c.set("f", 1.5), c.get("n"), c.get("f"), c.set(b"b", "x"),
        c.get(b"b"), c.set("k", "w", get=True), c.set("k", "x", nx=True),
        c.set("k", "y", xx=True), c.set("k", "z", None, None, False, False),
        c.set(name="k2", value="v"), c.get(name="k2"),
        c.zadd("z", {"a": 1}), c.zadd("z", {"a": 2.5}), c.zadd("z", {b"b": "3"}),
        c.zadd("z", {"a": 1, "c": 2}), c.zadd("z", {"a": 9}, ch=True),
        c.zadd("z", {"a": 1}, incr=True), c.zadd("z", {"a": 5}, False, True),
        c.zadd("z", mapping={"d": 4}), c.zrange("z", 0, -1, withscores=True),
        outcome(lambda: c.zadd("z", {})), outcome(lambda: c.zadd("z", {"a": "x"})),
        outcome(lambda: c.set("k", "v", ex=1, px=1)),
        outcome(lambda: c.set("k", "v", nx=True, xx=True)),
        outcome(lambda: c.set("k", {"a": 1})),  # type: ignore[arg-type]
        c.lpush("l", "x"), outcome(lambda: c.get("l")), outcome(lambda: c.zadd("l", {"a": 1})),
        outcome(lambda: c.set("k", True)),  # type: ignore[arg-type]
    ]
    for transaction in (False, True):
        with c.pipeline(transaction=transaction) as pipe:
            pipe.set("p", "1").get("p").zadd("pz", {"m": 1}).set("p", "2", get=True)
            pipe.zadd("pz", {"m": 2}, ch=True).get("missing").set("q", 3)
            out.append(outcome(lambda: pipe.execute()))
        with c.pipeline(transaction=transaction) as pipe:
            pipe.set("p", "1").lpush("p2", "x").get("p2").zadd("p2", {"a": 1}).get("p")
            out.append(pipe.execute(raise_on_error=False))
        with c.pipeline(transaction=True) as pipe:  # WATCH: set and get run at once
            pipe.watch("w")
            out.append([pipe.set("w2", "1"), pipe.get("w2"), pipe.zadd("wz", {"a": 1})])
            pipe.multi()
            pipe.set("w", "2").get("w")
            out.append(pipe.execute())
    return [_errors_as_text(v) for v in out]


def _errors_as_text(value: Any) -> Any:
    if isinstance(value, Exception):
        return ("error", type(value).__name__, str(value))
    if isinstance(value, list):
        return [_errors_as_text(v) for v in value]
    return value


@pytest.mark.parametrize(("protocol", "decode"), MODES)
def test_same_values_as_servers(servers: dict[str, Server], protocol: int | None,
                                decode: bool) -> None:
    mem = redipy.Redis().redis_py(protocol=protocol, decode_responses=decode)
    want = calls(mem)
    for kind, srv in servers.items():
        client = server_client(srv, protocol, decode)
        try:
            assert calls(client) == want, f"{kind} (protocol={protocol}, decode={decode})"
        finally:
            client.close()


def _warned(fn: Any) -> list[tuple[str, type[Warning], str]]:
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        try:
            fn()
        except redis.RedisError:
            pass  # not every server version knows IFEQ and the like
    return [(str(w.message), w.category, w.filename) for w in got]


@pytest.mark.parametrize("name", SET_EXPERIMENTAL)
def test_experimental_warnings_as_redis_pys(name: str) -> None:
    """Warned once per experimental argument passed (even as None, even positionally),
    at the caller's line, as redis-py's ``@experimental_args`` warns."""
    rp = redipy.Redis().redis_py()
    stock = redis.Redis.set  # redis-py's own, over the same connection
    position = list(inspect.signature(stock).parameters).index(name) - 1  # no self
    for client in (rp, rp.pipeline(transaction=False)):
        mine = _warned(lambda: client.set("k", "v", **{name: "x"}))  # noqa: B023
        theirs = _warned(lambda: stock(client, "k", "v", **{name: "x"}))  # noqa: B023
        assert mine == theirs and len(mine) == 1 and mine[0][2] == __file__
        assert _warned(lambda: client.set("k", "v", **{name: None})) == theirs  # noqa: B023
        args = ["k", "v", *[None] * (position - 2), "x"]
        theirs = _warned(lambda: stock(client, *args))  # noqa: B023
        assert _warned(lambda: client.set(*args)) == theirs  # noqa: B023
        assert len(theirs) == SET_EXPERIMENTAL.index(name) + 1  # the Nones before it too
    assert _warned(lambda: rp.set("k", "v", nx=True)) == []


@pytest.mark.filterwarnings("ignore:Call to 'set' method with experimental")
def test_signatures_and_type_errors_as_redis_pys() -> None:
    rp = redipy.Redis().redis_py()
    bare = redis.Redis()  # redis-py's own methods (never connected: errors come first)
    pipe = rp.pipeline()
    assert isinstance(rp, redis.Redis) and isinstance(pipe, Pipeline)
    for name in ("set", "get", "zadd"):
        assert inspect.signature(getattr(rp, name)) == inspect.signature(getattr(bare, name))
        assert inspect.signature(getattr(pipe, name)) == inspect.signature(getattr(bare, name))
        assert getattr(rp, name).__doc__ == getattr(bare, name).__doc__
    for args, kwargs in [((), {}), (("k",), {}), (("k", "v"), {"bogus": 1}),
                         (("k", "v", 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13), {})]:
        for method in ("set", "get", "zadd"):
            if method == "get" and args == ("k",) and not kwargs:
                continue  # a valid call
            with pytest.raises(TypeError) as theirs:
                getattr(bare, method)(*args, **kwargs)
            for client in (rp, pipe):
                with pytest.raises(TypeError) as mine:
                    getattr(client, method)(*args, **kwargs)
                assert str(mine.value) == str(theirs.value)


async def _async_calls(c: Any) -> list[Any]:
    out = [await c.set("k", "v"), await c.get("k"), await c.get("missing"),
           await c.set("k", "w", get=True), await c.set("n", 5), await c.get("n"),
           await c.zadd("z", {"a": 1}), await c.zadd("z", {"a": 2}, ch=True),
           await c.zrange("z", 0, -1, withscores=True)]
    async with c.pipeline(transaction=True) as pipe:
        pipe.set("p", "1").get("p").zadd("pz", {"m": 1})
        out.append(await pipe.execute())
    with warnings.catch_warnings(record=True) as got:
        warnings.simplefilter("always")
        try:
            await c.set("k", "v", ifeq="w")
        except redis.RedisError:
            pass
    out.append([(str(w.message), w.filename) for w in got])
    return out


def test_asyncio_same_values_as_servers(servers: dict[str, Server]) -> None:
    import asyncio

    import redis.asyncio

    async def both() -> None:
        mem = redipy.Redis().redis_py(asyncio=True)
        want = await _async_calls(mem)
        assert want[-1] and want[-1][0][1] == __file__
        for kind, srv in servers.items():
            client = redis.asyncio.Redis(port=srv.port)
            try:
                await client.flushall()
                assert await _async_calls(client) == want, kind
            finally:
                await client.aclose()
        await mem.aclose()

    asyncio.run(both())


# ---- the drop-in's direct GET (MemoryRedis.get -> MemoryConnection.call_get) -------------

def _get_calls(c: redis.Redis) -> list[Any]:
    """What a user sees of ``get(name)`` on the direct path and off it: replies in each
    decoding, non-UTF-8 values, keys of every kind, errors, a user's callback, SELECT,
    and what the server counts (INFO commandstats)."""
    c.config_resetstat()
    out = [c.set("a", "plain"), c.get("a"), c.get("missing"), c.set(b"\xff\xfe", b"\x80\xff"),
           outcome(lambda: c.get(b"\xff\xfe")),
           # latin-1 cannot encode the key: redis-py 8.2 refuses it, 8.1 sent UTF-8
           outcome(lambda: c.set("\u043a\u043b\u044e\u0447", "\u00e9t\u00e9")),
           outcome(lambda: c.get("\u043a\u043b\u044e\u0447")), c.set("7", "seven"), c.get(7),
           c.set("1.5", "x"), c.get(1.5), c.set(b"b", "bytes key"), c.get(b"b"),
           c.set("e", ""), c.get("e"), c.set("big", "x" * 5000), len(c.get("big") or ""),
           c.lpush("l", "x"), outcome(lambda: c.get("l")), c.hset("h", "f", "v"),
           outcome(lambda: c.get("h")), c.set("n", 12), c.incr("n"), c.get("n")]
    out.append(outcome(lambda: c.get({"a": 1})))  # type: ignore[arg-type]
    info = c.info("commandstats")["cmdstat_get"]
    out.append((info["calls"], info["failed_calls"], info.get("rejected_calls")))
    c.execute_command("SELECT", 3)  # the pool's one connection now on db 3
    out += [c.get("a"), c.set("a", "in three"), c.get("a")]
    c.execute_command("SELECT", 0)
    out.append(c.get("a"))
    c.set_response_callback("GET", lambda reply: ("called back", reply))
    out += [c.get("a"), c.get("missing"), outcome(lambda: c.get("l"))]
    del c.response_callbacks["GET"]
    out.append(c.get("a"))
    info = c.info("commandstats")["cmdstat_get"]
    out.append((info["calls"], info["failed_calls"]))
    return [_errors_as_text(v) for v in out]


GET_MODES = [{"protocol": protocol, "decode_responses": decode} for protocol, decode in MODES] + [
    {"decode_responses": True, "encoding_errors": "replace"},
    {"decode_responses": True, "encoding": "latin-1"},
    {"decode_responses": True, "encoding": "latin-1", "encoding_errors": "ignore"},
    {"health_check_interval": 30},
    {"single_connection_client": True, "decode_responses": True}]


@pytest.mark.parametrize("kwargs", GET_MODES,
                         ids=lambda kw: ",".join(f"{k}={v}" for k, v in kw.items()))
def test_direct_get_as_servers(servers: dict[str, Server], kwargs: dict[str, Any]) -> None:
    mem = redipy.Redis().redis_py(**kwargs)
    want = _get_calls(mem)
    if kwargs.get("decode_responses") and not {"encoding", "encoding_errors"} & set(kwargs):
        assert want[4][:2] == ("error", "UnicodeDecodeError")
    else:
        assert type(want[4]) in (bytes, str)
    for kind, srv in servers.items():
        client = redis.Redis(port=srv.port, **kwargs)
        client.flushall()
        try:
            assert _get_calls(client) == want, f"{kind} {kwargs}"
        finally:
            client.close()


def test_direct_get_keeps_connection_state() -> None:
    """A client made on a db and named, MONITOR watching, CLIENT INFO's counters:
    the direct GET keeps them as a server does."""
    mem = redipy.Redis().redis_py(db=2, client_name="getter")
    other = redipy.Redis().redis_py()
    for c in (mem, other):
        c.flushall()
    mem.set("k", "v")
    assert mem.get("k") == b"v" and mem.client_getname() == "getter"
    info = mem.client_info()
    assert info["db"] == 2 and info["name"] == "getter"
    with mem.monitor() as monitor:
        mem.get("k")
        # the GET on a new connection of the pool (the monitor has the first one),
        # after that connection's hand-shake
        heard = [monitor.next_command()["command"]]
        while heard[-1] != "GET k" and len(heard) < 8:
            heard.append(monitor.next_command()["command"])
    assert heard[0] == "CLIENT SETNAME getter" and heard[-2:] == ["SELECT 2", "GET k"]
    assert mem.get("k") == b"v"
