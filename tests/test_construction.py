"""``redipy.Redis(...)``: unknown arguments are refused, 0.7.1's spellings still work,
and ``db=`` selects a database on servers and on the memory backend."""

from __future__ import annotations

from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.errors import ConfigError
from redipy.script import FnContext, RedisVar
from tests.servers import Server


@pytest.mark.parametrize("kwargs, words", [
    ({"hots": "10.0.0.1"}, ["'hots'", "did you mean 'host'?"]),
    ({"dbb": 3}, ["'dbb'", "did you mean 'db'?"]),
    ({"password": "x", "zzz": 1}, ["unknown arguments", "'password'", "'zzz'"]),
])
def test_unknown_keyword_is_refused(kwargs: dict[str, Any], words: list[str]) -> None:
    with pytest.raises(ConfigError) as err:
        redipy.Redis(**kwargs)
    text = str(err.value)
    assert "\n" not in text
    for word in words:
        assert word in text


def test_unknown_keyword_never_echoes_a_value() -> None:
    with pytest.raises(ConfigError) as err:
        redipy.Redis(passwrd="s3cret")
    assert "s3cret" not in str(err.value)


@pytest.mark.parametrize("db", [-1, 16, "2", 1.0, True])
def test_bad_db_on_memory(db: Any) -> None:
    with pytest.raises(ConfigError):
        redipy.Redis(db=db)


def test_db_on_memory_is_its_own_keyspace() -> None:
    r = redipy.Redis(db=3)
    r.set_value("k", "v")
    backend: Any = r.backend
    assert backend.db.index == 3
    assert "k" in backend.dbs[3].data
    assert "k" not in backend.dbs[0].data


@pytest.mark.parametrize("how", ["url", "host"])
def test_db_on_a_server(server: Server, how: str) -> None:
    raw = redis_py.Redis(port=server.port, db=5, decode_responses=True)
    raw.flushall()
    if how == "url":
        r = redipy.Redis(url=f"redis://127.0.0.1:{server.port}/0", db=5)
    else:
        r = redipy.Redis(host="127.0.0.1", port=server.port, db=5)
    try:
        r.set_value("k", "in five")
        assert raw.get("k") == "in five"
        assert redis_py.Redis(port=server.port, db=0).get("k") is None
    finally:
        r.close()
        raw.close()


def test_071_spellings_are_accepted(server: Server) -> None:
    seen: list[Any] = []
    made: list[dict[str, Any]] = []

    def factory(*, cfg: dict[str, Any]) -> redis_py.Redis:
        made.append(cfg)
        return redis_py.Redis(host=cfg["host"], port=cfg["port"], decode_responses=True)

    r = redipy.Redis(
        "redis", host="127.0.0.1", port=server.port, is_caching_enabled=False,
        redis_factory=factory, lua_code_hook=seen.append, compile_hook=seen.append,
        verbose_lua_test=False)
    try:
        assert made and made[0]["port"] == server.port
        r.set_value("a", "1")
        assert r.get_value("a") == "1"
        ctx = FnContext()
        key = RedisVar(ctx.add_key("k"))
        ctx.set_return_value(key.get_value())
        fn = r.register_script(ctx)
        assert fn(keys={"k": "a"}, args={}) == "1"
        lua_lines = [item for item in seen if isinstance(item, list)]
        assert lua_lines and any("redis.call" in line for line in lua_lines[0])
        assert len(seen) == 2  # the IR once, the Lua lines once
    finally:
        r.close()
