"""Connecting: cfg, URL, unix socket, an existing redis-py client, prefixes, and
the errors a user sees when something is wrong (never a password)."""

from __future__ import annotations

import os
import tempfile

import pytest
import redis as redis_py

import redipy
from redipy.errors import (
    AuthenticationError,
    ConfigError,
    ConnectionError,
    ResponseError,
    WrongTypeError,
)
from tests.servers import Server, free_port, start_server


def test_cfg_like_0_7_1(server: Server) -> None:
    r = redipy.Redis(cfg={"host": "127.0.0.1", "port": server.port, "passwd": "", "prefix": "",
                          "path": "."})
    r.set_value("cfg", "yes")
    assert r.get_value("cfg") == "yes"
    r2 = redipy.Redis(backend="redis", host="127.0.0.1", port=server.port)
    assert r2.get_value("cfg") == "yes"


def test_url_and_existing_client(server: Server) -> None:
    r = redipy.Redis(url=server.url)
    r.set_value("u", "1")
    raw = redis_py.Redis(port=server.port)  # bytes client: redipy still decodes
    r2 = redipy.Redis(client=raw)
    assert r2.get_value("u") == "1"
    assert raw.get("u") == b"1"


def test_unix_socket_url() -> None:
    path = os.path.join(tempfile.mkdtemp(), "v.sock")
    srv = start_server("valkey", "--unixsocket", path, "--unixsocketperm", "700")
    try:
        r = redipy.Redis(url=f"unix://{path}")
        r.set_value("sock", "ok")
        assert r.get_value("sock") == "ok"
        assert r.backend.target == f"unix:{path}"
    finally:
        srv.stop()


def test_prefix_is_applied_and_stripped(server: Server) -> None:
    r = redipy.Redis(url=server.url, prefix="app")
    r.set_value("k", "v")
    r.rpush("l", "a")
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.set("other", "x")
    assert raw.get("app:k") == "v"
    assert raw.lrange("app:l", 0, -1) == ["a"]
    assert r.keys() == {"k", "l"}
    assert sorted(r.iter_keys()) == ["k", "l"]
    assert r.keys(match="k*") == {"k"}


def test_refused_connection_is_one_clear_line() -> None:
    port = free_port()
    r = redipy.Redis(url=f"redis://:s3cret@127.0.0.1:{port}/0")
    with pytest.raises(ConnectionError) as info:
        r.get_value("x")
    text = str(info.value)
    assert f"127.0.0.1:{port}" in text
    assert "s3cret" not in text
    assert "\n" not in text


def test_bad_url() -> None:
    with pytest.raises(ConfigError) as info:
        redipy.Redis(url="http://user:pw@localhost:6379")
    assert "pw" not in str(info.value).replace("***", "")


def test_wrong_password() -> None:
    srv = start_server("valkey", "--requirepass", "right")
    try:
        with pytest.raises(AuthenticationError) as info:
            redipy.Redis(url=f"redis://:wrong@127.0.0.1:{srv.port}/0").get_value("x")
        assert "wrong" not in str(info.value).split("failed", 1)[0]
        ok = redipy.Redis(url=f"redis://:right@127.0.0.1:{srv.port}/0")
        ok.set_value("a", "b")
        assert ok.get_value("a") == "b"
    finally:
        srv.stop()


def test_same_error_class_and_text_everywhere(r: redipy.Redis) -> None:
    r.set_value("s", "text")
    with pytest.raises(WrongTypeError) as info:
        r.lpush("s", "x")
    assert str(info.value) == "WRONGTYPE Operation against a key holding the wrong kind of value"
    with pytest.raises(TypeError):  # 0.7.1 raised TypeError for this mistake
        r.lpush("s", "x")
    with pytest.raises(ResponseError) as info2:
        r.incr("s")
    assert str(info2.value) == "ERR value is not an integer or out of range"


def test_raw_unknown_command_and_arity(r: redipy.Redis) -> None:
    with pytest.raises(ResponseError) as info:
        r.execute_command("NOPE", "a", "b")
    assert str(info.value) == "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' "
    with pytest.raises(ResponseError) as info2:
        r.execute_command("get")
    assert str(info2.value) == "ERR wrong number of arguments for 'get' command"


def test_pipeline_runs_and_drains(r: redipy.Redis) -> None:
    with r.pipeline() as pipe:
        pipe.set_value("p", "1")
        pipe.incr("p")
        pipe.get_value("p")
        assert pipe.execute() == [True, 2, "2"]
        pipe.rpush("q", "x")  # left queued: run when the block ends (0.7.1 behaviour)
    assert r.lrange("q", 0, -1) == ["x"]


def test_pipeline_errors_stand_in_place_then_raise(r: redipy.Redis) -> None:
    r.set_value("s", "x")
    with r.pipeline() as pipe:
        pipe.lpush("s", "a")
        pipe.set_value("t", "y")
        with pytest.raises(WrongTypeError):
            pipe.execute()
    assert r.get_value("t") == "y"


BINARY = b"\xff\xfe ok \x80".decode("utf-8", "surrogateescape")  # not UTF-8: lone surrogates


def test_bytes_that_are_not_utf8_round_trip(r: redipy.Redis) -> None:
    """Values read with surrogateescape (binary data) go back as the same bytes on every
    path: direct calls, raw commands, pipelines, transactions and blocking pops."""
    assert r.set_value("bin", BINARY)
    assert r.get_value("bin") == BINARY
    assert r.execute_command("APPEND", "bin", BINARY) == 14
    assert r.strlen("bin") == 14
    with r.pipeline(transaction=False) as pipe:
        pipe.rpush("l", BINARY, "plain")
        pipe.lrange("l", 0, -1)
        assert pipe.execute() == [2, [BINARY, "plain"]]
    with r.pipeline() as pipe:
        pipe.hset("h", {BINARY: BINARY})
        pipe.hgetall("h")
        assert pipe.execute() == [1, {BINARY: BINARY}]
    assert r.blpop("l", 0.1) == ("l", BINARY)


@pytest.mark.parametrize("kind", ["memory", "valkey", "redis"])
def test_raw_transaction_replies_keep_their_kind(kind: str, servers: dict[str, Server]) -> None:
    """Typed as in redis-cli, MULTI ... EXEC answers +QUEUED and nests +OK as status
    replies on every backend (the shell prints them unquoted, as redis-cli does)."""
    from redipy.reply import Status
    from tests.parity import fresh

    r = fresh(kind, servers)
    try:
        assert type(r.execute_command("MULTI")) is Status
        queued = [r.execute_command("SET", "a", "1"), r.execute_command("INCR", "a"),
                  r.execute_command("GET", "a")]
        assert all(type(q) is Status and q == "QUEUED" for q in queued)
        ok, count, value = r.execute_command("EXEC")
        assert (type(ok), ok, count, type(value), value) == (Status, "OK", 2, str, "2")
        r.execute_command("MULTI")
        r.execute_command("SET", "a", "3")
        assert r.execute_command("DISCARD") == "OK"
        assert r.execute_command("GET", "a") == "2"
    finally:
        r.close()


def test_raw_keys_and_scan_stay_in_the_prefix(server: Server) -> None:
    """Typed KEYS and SCAN under a key prefix see only that namespace, prefix stripped,
    like the typed ``keys()`` / ``scan()``; other keys are left alone."""
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.flushall()
    raw.mset({"a": "1", "app:x": "1", "app:a": "1", "app:app:y": "1", "apple": "1"})
    r = redipy.Redis(url=server.url, prefix="app")
    try:
        assert sorted(r.execute_command("KEYS", "*")) == ["a", "app:y", "x"]
        assert sorted(r.execute_command("KEYS", "a*")) == ["a", "app:y"]
        cursor, keys = r.execute_command("SCAN", "0", "COUNT", "100")
        assert cursor == "0" and sorted(keys) == ["a", "app:y", "x"]
        cursor, keys = r.execute_command("scan", "0", "match", "x", "COUNT", "100")
        assert keys == ["x"]
        assert sorted(r.keys()) == ["a", "app:y", "x"]
        with pytest.raises(ResponseError, match="wrong number of arguments"):
            r.execute_command("KEYS")
        with pytest.raises(ResponseError, match="syntax error"):
            r.execute_command("SCAN", "0", "COUNT")
    finally:
        r.close()
        raw.flushall()
        raw.close()
