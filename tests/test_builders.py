"""One builder per command: the typed API, a pipeline and a script's key object send the
same command for the same call, so they give the same answer and leave the same state."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

import redipy
from redipy.script import FnContext, RedisVar
from tests.conftest import make_client
from tests.servers import Server

MODES = ["always", "if_persist", "if_expire", "if_later", "if_earlier"]
STATES = ["missing", "no ttl", "ttl 100s"]
TIMES: list[float | None] = [None, 10.0, 1000.0]


def _prepare(r: redipy.Redis, state: str) -> None:
    r.delete("k")
    if state != "missing":
        r.set_value("k", "v")
    if state == "ttl 100s":
        r.expire("k", expire_in=100)


def _script_expire(r: redipy.Redis, mode: str, expire_in: float | None) -> Any:
    ctx = FnContext()
    key = RedisVar(ctx.add_key("k"))
    ctx.set_return_value(key.expire(mode=mode, expire_in=expire_in))
    return r.register_script(ctx)


def _ttl_bucket(r: redipy.Redis) -> str:
    ttl = r.ttl("k")
    if ttl is None or ttl < 0:
        return str(ttl)
    return "short" if ttl <= 10 else "100s" if ttl <= 100 else "long"


def test_expire_twins_agree(r: redipy.Redis) -> None:
    """r.expire, pipe.expire and RedisVar.expire for every mode, time and key state."""
    for mode, expire_in, state in itertools.product(MODES, TIMES, STATES):
        case = f"mode={mode} expire_in={expire_in} key {state}"
        _prepare(r, state)
        api = r.expire("k", mode=mode, expire_in=expire_in)
        api_ttl = _ttl_bucket(r)
        _prepare(r, state)
        with r.pipeline() as pipe:
            pipe.expire("k", mode=mode, expire_in=expire_in)
            (piped,) = pipe.execute()
        pipe_ttl = _ttl_bucket(r)
        _prepare(r, state)
        scripted = _script_expire(r, mode, expire_in)(keys={"k": "k"}, args={})
        script_ttl = _ttl_bucket(r)
        assert api == piped == scripted, case
        assert api_ttl == pipe_ttl == script_ttl, case


@pytest.mark.parametrize("kind", ["memory", "valkey9"])
def test_unknown_expire_mode_is_refused_the_same_way(kind: str,
                                                     servers: dict[str, Server]) -> None:
    r = make_client(kind, servers)
    with pytest.raises(ValueError, match="unknown expire mode 'sometimes'"):
        r.expire("k", mode="sometimes", expire_in=1)
    from redipy.errors import ScriptBuildError

    with pytest.raises(ScriptBuildError, match="unknown expire mode 'sometimes'"):
        _script_expire(r, "sometimes", 1.0)
    r.close()
