"""Registered commands on a Redis backend (a real Valkey): their Redis forms answer as
the memory handlers do, through execute_command, pipelines, transactions and builder
scripts, under a key prefix; a command without a form fails with one clear error."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.errors import ConfigError, ExecAbortError, ResponseError
from redipy.script import FnContext, RedisFn
from tests import custom_cmds
from tests.servers import Server


@pytest.fixture(autouse=True)
def registered() -> Iterator[None]:
    custom_cmds.register_all()
    try:
        yield
    finally:
        custom_cmds.unregister_all()


@pytest.fixture
def valkey(servers: dict[str, Server]) -> Iterator[Server]:
    srv = servers["valkey9"]
    with redis_py.Redis(port=srv.port) as raw:
        raw.flushall()
        raw.function_flush()
    yield srv


def outcome(fn: Any, *args: Any) -> Any:
    """A call's reply, or its error as (class name, text)."""
    try:
        return fn(*args)
    except ResponseError as err:
        return (type(err).__name__, str(err))


CALLS: list[tuple[Any, ...]] = [
    ("INCRCAP", "c", 5, 7),
    ("INCRCAP", "c", 5, 7),
    ("incrcap", "c", 1, 7, "wrap"),
    ("INCRCAP", "c", "x", 7),
    ("INCRCAP", "c", 1, 2, "nope"),
    ("INCRCAP", "c"),
    ("INCRCAP", "l", 1, 2),
    ("INCRCAP", "s", 1, 2),
    ("SUMKEYS", "c", "missing", "n"),
    ("SUMKEYS", "l"),
    ("SUMKEYS", "s"),
    ("SUMKEYS",),
]


def run_calls(r: redipy.Redis) -> list[Any]:
    r.rpush("l", "x")
    r.set("s", "text")
    r.set("n", "40")
    return [outcome(r.execute_command, *call) for call in CALLS]


def test_forms_answer_as_the_handlers(valkey: Server) -> None:
    mem = run_calls(redipy.Redis())
    srv = run_calls(redipy.Redis(url=valkey.url))
    assert srv == mem
    assert mem[0] == 5 and mem[2] == 0 and mem[8] == 40
    assert mem[5] == ("ResponseError", "ERR wrong number of arguments for 'incrcap' command")
    assert mem[6][0] == "WrongTypeError"


def test_key_prefix_and_function_library(valkey: Server) -> None:
    r = redipy.Redis(url=valkey.url, prefix="app")
    assert r.execute_command("INCRCAP", "hits", 3, 10) == 3
    assert r.execute_command("SUMKEYS", "hits", "hits") == 6
    with redis_py.Redis(port=valkey.port, decode_responses=True) as raw:
        assert raw.keys("*") == ["app:hits"]
        assert raw.function_list(library="redipytests")[0][1] == "redipytests"
        raw.function_flush()  # the server loses the library: it is loaded again
    assert r.execute_command("SUMKEYS", "hits") == 3


def test_pipelines_and_transactions(valkey: Server) -> None:
    for r in (redipy.Redis(), redipy.Redis(url=valkey.url)):
        with r.pipeline(transaction=False) as pipe:
            pipe.execute_command("INCRCAP", "p", 2, 3)
            pipe.execute_command("INCRCAP", "p")
            pipe.execute_command("SUMKEYS", "p", "p")
            pipe.get("p")
            replies = pipe.execute(raise_on_error=False)
        assert replies[0] == 2 and replies[2] == 4 and replies[3] == "2"
        assert str(replies[1]) == "ERR wrong number of arguments for 'incrcap' command"
        with r.pipeline() as pipe:
            pipe.execute_command("INCRCAP", "p", 2, 3)
            pipe.execute_command("SUMKEYS", "p")
            assert pipe.execute() == [3, 3]
        with r.pipeline() as pipe:
            pipe.execute_command("INCRCAP", "p", 2, 3)
            pipe.execute_command("INCRCAP", "p")
            with pytest.raises(ExecAbortError):
                pipe.execute()
        assert r.execute_command("MULTI") == "OK"  # raw MULTI / EXEC, as a client types it
        assert r.execute_command("INCRCAP", "m", 1, 5) == "QUEUED"
        assert r.execute_command("SUMKEYS", "m", "m") == "QUEUED"
        assert r.execute_command("EXEC") == [1, 2]
        with r.pipeline() as pipe:  # WATCH, then the transaction on that connection
            pipe.watch("p")
            assert pipe.execute_command("SUMKEYS", "p") == 3
            pipe.multi()
            pipe.execute_command("INCRCAP", "p", 10, 100)
            assert pipe.execute() == [13]


def test_builder_scripts_inline_the_forms(valkey: Server) -> None:
    ctx = FnContext()
    key = ctx.add_key("k")
    first = ctx.add_local(RedisFn("incrcap", key, 4, 6))
    ctx.set_return_value([first, RedisFn("sumkeys", key), RedisFn("incrcap", key, 9, 10)])
    for r in (redipy.Redis(), redipy.Redis(url=valkey.url, prefix="x")):
        fn = r.register_script(ctx)
        assert fn(keys={"k": "a"}, args={}) == [4, 4, 10]
        assert fn(keys={"k": "a"}, args={}) == [6, 6, 10]
        r.rpush("l", "v")
        with pytest.raises(ResponseError, match="WRONGTYPE"):
            fn(keys={"k": "l"}, args={})


def test_without_a_form_the_error_names_the_command(valkey: Server) -> None:
    r = redipy.Redis(url=valkey.url)
    want = "command LOCALONLY is registered for the memory backend only"
    with pytest.raises(ConfigError, match=want) as info:
        r.execute_command("LOCALONLY", "k")
    assert "\n" not in str(info.value)
    with pytest.raises(ConfigError, match=want):
        with r.pipeline() as pipe:
            pipe.execute_command("LOCALONLY", "k")
    ctx = FnContext()
    ctx.set_return_value(RedisFn("localonly", ctx.add_key("k")))
    with pytest.raises(ConfigError, match=want):
        r.register_script(ctx)
    assert redipy.Redis().register_script(ctx)(keys={"k": "k"}, args={}) is None


def test_script_arguments_and_replies_convert_as_through_redis_call(valkey: Server) -> None:
    """Inside a builder script a form's reply is what ``redis.call`` would have given
    (a Lua number truncated to an integer, true as 1, false as nil) and a number argument arrives as
    Valkey 9 writes it."""
    from redipy.custom import KeyRange, LuaCommand, register_command, unregister_command

    register_command("echoargs", lambda db, args: [*args, 1, None], arity=-2,
                     keys=KeyRange(1),
                     redis=LuaCommand("local out = {KEYS[1]} for i = 1, #ARGV do "
                                      "out[#out + 1] = ARGV[i] end out[#out + 1] = true "
                                      "out[#out + 1] = false return out"))
    register_command("half", lambda db, args: 1, arity=2, keys=KeyRange(1),
                     redis=LuaCommand("return 1.75"))
    try:
        ctx = FnContext()
        key = ctx.add_key("k")
        ctx.set_return_value([RedisFn("echoargs", key, 0.1, 3, "x"), RedisFn("half", key)])
        for r in (redipy.Redis(), redipy.Redis(url=valkey.url)):
            assert r.register_script(ctx)(keys={"k": "a"}, args={}) == [
                ["a", "0.1", "3", "x", 1, None], 1]
    finally:
        unregister_command("echoargs")
        unregister_command("half")


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    from tests.cluster import start_cluster

    started = start_cluster(kind="valkey")
    try:
        yield started
    finally:
        started.stop()


def test_on_a_cluster(cluster: Any) -> None:
    """The forms are routed by their keys' slot; the library is on every primary."""
    cluster.flushall()
    rc = redipy.Redis(url=cluster.url)
    try:
        keys = [f"k{i}" for i in range(12)]  # spread over the three primaries
        assert [rc.execute_command("INCRCAP", k, 2, 9) for k in keys] == [2] * 12
        assert [rc.execute_command("SUMKEYS", k) for k in keys] == [2] * 12
        assert rc.execute_command("SUMKEYS", "{a}x", "{a}y", "{a}x") == 0
        with pytest.raises(ResponseError, match="CROSSSLOT"):
            rc.execute_command("SUMKEYS", "k0", "k1", "k2", "k3")
        for port in cluster.ports:
            with cluster.node_client(port) as node:
                if node.execute_command("ROLE")[0] == "master":
                    assert node.function_list(library="redipytests")
        with rc.pipeline(transaction=False) as pipe:
            for k in keys:
                pipe.execute_command("INCRCAP", k, 1, 9)
            pipe.execute_command("INCRCAP", "k0")
            replies = pipe.execute(raise_on_error=False)
        assert replies[:12] == [3] * 12
        assert str(replies[12]) == "ERR wrong number of arguments for 'incrcap' command"
        with rc.pipeline() as pipe:
            pipe.execute_command("INCRCAP", "{t}a", 5, 9)
            pipe.execute_command("SUMKEYS", "{t}a", "{t}b")
            assert pipe.execute() == [5, 5]
    finally:
        rc.close()
