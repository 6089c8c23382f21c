"""MULTI / EXEC / DISCARD on every backend: typed pipelines and raw commands,
queue-time errors (EXECABORT), runtime errors in place, the command table."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands.transactions import COMMANDS as TX_COMMANDS
from redipy.errors import ExecAbortError, PipelineError, RedipyError, WrongTypeError
from tests.parity import fresh
from tests.servers import Server

EXECABORT = "EXECABORT Transaction discarded because of previous errors."


def flat(value: Any) -> Any:
    """Errors nested in replies as (class, text), so replies compare across backends."""
    if isinstance(value, Exception):
        return ("error", type(value).__name__, str(value))
    if isinstance(value, list):
        return [flat(v) for v in value]
    return value


def run_flat(client: redipy.Redis, cmds: Sequence[Sequence[Any]]) -> list[Any]:
    out = []
    for cmd in cmds:
        try:
            out.append(("ok", flat(client.execute_command(*cmd))))
        except RedipyError as err:
            out.append(flat(err))
    return out


def same_tx(servers: dict[str, Server], cmds: Sequence[Sequence[Any]],
            kinds: Sequence[str] | None = None) -> list[Any]:
    """Raw commands on one connection of memory and of each server: same replies,
    errors nested in EXEC's reply included."""
    want = run_flat(fresh("memory", servers), cmds)
    for kind in kinds if kinds is not None else list(servers):
        got = run_flat(fresh(kind, servers), cmds)
        for cmd, a, b in zip(cmds, want, got):
            assert a == b, f"{kind}: {list(cmd)!r} -> memory {a!r} != server {b!r}"
    return want


def test_table_matches_command_info(server: Server) -> None:
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}
    infos = raw.execute_command("COMMAND", "INFO", *(s.name for s in TX_COMMANDS))
    raw.close()
    for spec, info in zip(TX_COMMANDS, infos):
        name, arity, flags, first, last, step = info[:6]
        assert name == spec.name.lower()
        assert spec.arity == arity, spec.name
        assert spec.group == "transactions"
        assert not spec.script and "noscript" in flags
        if first:
            argv = [spec.name, "a", "b", "c"]
            want = list(range(first, (len(argv) + last if last < 0 else last) + 1, step))
            assert spec.key_positions(argv) == want


# ---- typed pipelines ------------------------------------------------------------------------


def test_transaction_results_in_order(r: redipy.Redis) -> None:
    with r.pipeline(transaction=True) as pipe:
        assert pipe.set_value("a", "1") is None
        pipe.incr("a")
        pipe.lpush("l", "x", "y")
        pipe.lrange("l", 0, -1)
        pipe.get_value("a")
        assert len(pipe) == 5
        res = pipe.execute()
    assert res == [True, 2, 2, ["y", "x"], "2"]


def test_default_pipeline_is_a_transaction_and_drains(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.set_value("p", "1")
        pipe.incr("p")
    assert r.get_value("p") == "2"
    with r.pipeline(transaction=False) as pipe:
        pipe.incr("p")
        assert pipe.execute() == [3]
        pipe.incr("p")
    assert r.get_value("p") == "4"


def test_runtime_error_leaves_the_rest_applied(r: redipy.Redis) -> None:
    r.set_value("s", "text")
    pipe = r.pipeline(transaction=True)
    pipe.set_value("a", "1")
    pipe.lpush("s", "x")
    pipe.incr("a")
    with pytest.raises(WrongTypeError):
        pipe.execute()
    assert r.get_value("a") == "2"
    pipe.incr("a")
    pipe.incr("s")
    pipe.incr("a")
    res = pipe.execute(raise_on_error=False)
    assert res[0] == 3 and res[2] == 4
    assert str(res[1]) == "ERR value is not an integer or out of range"


def test_queue_time_error_aborts_everything(r: redipy.Redis) -> None:
    pipe = r.pipeline(transaction=True)
    pipe.set_value("a", "1")
    pipe._call("GET")  # wrong number of arguments: refused when queued
    pipe.incr("b")
    with pytest.raises(ExecAbortError) as info:
        pipe.execute()
    assert str(info.value) == EXECABORT
    assert r.exists("a", "b") == 0
    assert not pipe.has_pending()


def test_non_transactional_pipeline_keeps_going(r: redipy.Redis) -> None:
    pipe = r.pipeline(transaction=False)
    pipe.set_value("a", "1")
    pipe._call("GET")
    pipe.incr("a")
    res = pipe.execute(raise_on_error=False)
    assert res[0] is True and res[2] == 2
    assert str(res[1]) == "ERR wrong number of arguments for 'get' command"


def test_empty_and_reset(r: redipy.Redis) -> None:
    pipe = r.pipeline(transaction=True)
    assert pipe.execute() == []
    pipe.set_value("a", "1")
    pipe.reset()
    assert pipe.execute() == []
    assert r.exists("a") == 0


def test_exception_in_block_discards(r: redipy.Redis) -> None:
    with pytest.raises(KeyError):
        with r.pipeline() as pipe:
            pipe.set_value("a", "1")
            raise KeyError("boom")
    assert r.exists("a") == 0


def test_multi_rules(r: redipy.Redis) -> None:
    pipe = r.pipeline()
    pipe.multi()
    with pytest.raises(PipelineError):
        pipe.multi()
    with pytest.raises(PipelineError):
        pipe.watch("a")
    pipe.reset()
    pipe.set_value("a", "1")
    with pytest.raises(PipelineError):
        pipe.multi()
    pipe.reset()


def test_publish_in_a_transaction(r: redipy.Redis) -> None:
    with r.pubsub() as listener:
        listener.subscribe("tx")
        with r.pipeline(transaction=True) as pipe:
            pipe.publish("tx", "one")
            pipe.set_value("k", "v")
            pipe.publish("tx", "two")
            assert pipe.execute() == [1, True, 1]
        got = [listener.get_message(timeout=1.0, ignore_subscribe_messages=True)
               for _ in range(2)]
    assert [m["data"] for m in got if m] == ["one", "two"]


# ---- raw MULTI / EXEC (the shell's path) ------------------------------------------------------


def test_raw_multi_exec(servers: dict[str, Server]) -> None:
    same_tx(servers, [
        ("EXEC",), ("DISCARD",), ("MULTI",), ("SET", "a", "1"), ("INCR", "a"),
        ("LPUSH", "a", "x"), ("GET", "a"), ("BLPOP", "nolist", "0"), ("BLPOP", "a", "abc"),
        ("BLPOP", "a", "-1"), ("PUBLISH", "nobody", "hi"), ("EXEC",), ("GET", "a"),
        ("MULTI",), ("EXEC",), ("MULTI",), ("SET", "b", "2"), ("DISCARD",), ("GET", "b"),
        ("EXEC",), ("UNWATCH",), ("WATCH",), ("multi",), ("rpush", "l", "1", "2"),
        ("lrange", "l", "0", "-1"), ("exec",),
    ])


def test_raw_queue_time_errors(servers: dict[str, Server]) -> None:
    same_tx(servers, [
        ("MULTI",), ("SET", "a", "1"), ("NOSUCH", "1"), ("INCR", "a"), ("EXEC",), ("GET", "a"),
        ("MULTI",), ("SET", "a", "1"), ("GET",), ("EXEC",), ("GET", "a"),
        ("MULTI",), ("SET", "a", "1"), ("EXEC",), ("GET", "a"),
    ])


def test_raw_nested_multi_and_watch_inside_multi(servers: dict[str, Server]) -> None:
    """Valkey (and the memory backend) refuse both and poison the transaction;
    Redis 7.0 answered with other words and went on."""
    same_tx(servers, [
        ("MULTI",), ("MULTI",), ("SET", "a", "1"), ("EXEC",), ("GET", "a"),
        ("MULTI",), ("WATCH", "x"), ("SET", "a", "2"), ("EXEC",), ("GET", "a"),
    ], kinds=["valkey"])


def test_raw_watch(servers: dict[str, Server]) -> None:
    same_tx(servers, [
        ("SET", "k", "1"), ("WATCH", "k"), ("SET", "k", "2"), ("MULTI",), ("SET", "x", "1"),
        ("EXEC",), ("GET", "x"),
        ("WATCH", "k"), ("MULTI",), ("SET", "x", "2"), ("EXEC",), ("GET", "x"),
        ("WATCH", "k", "missing"), ("GET", "k"), ("MULTI",), ("DEL", "k"), ("EXEC",),
        ("WATCH", "k"), ("UNWATCH",), ("SET", "k", "3"), ("MULTI",), ("GET", "k"), ("EXEC",),
        ("WATCH", "k"), ("SET", "k", "3"), ("MULTI",), ("DISCARD",), ("MULTI",),
        ("GET", "k"), ("EXEC",),
        ("RPUSH", "l", "a"), ("WATCH", "l"), ("LPOP", "l"), ("MULTI",), ("GET", "k"), ("EXEC",),
        ("WATCH", "nothing"), ("DEL", "nothing"), ("MULTI",), ("GET", "k"), ("EXEC",),
        ("SET", "f", "1"), ("WATCH", "f"), ("FLUSHDB",), ("MULTI",), ("PING",), ("EXEC",),
    ])
