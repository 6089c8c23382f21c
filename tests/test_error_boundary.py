"""One error boundary: whatever goes wrong on a server, a user of the Redis or cluster
backend sees a ``redipy.errors`` class with a one-line message, on every path.

Each test kills (or misconfigures) a real server under one path and checks the class and
the message; a redis-py exception reaching the caller is the failure this guards against.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.errors import AuthenticationError, ConnectionError, RedipyError
from redipy.script import FnContext, RedisVar
from tests.servers import Server, start_server


def _script(r: redipy.Redis) -> Any:
    ctx = FnContext()
    key = RedisVar(ctx.add_key("k"))
    ctx.set_return_value(key.get_value())
    return r.register_script(ctx)


def _tx(pipe: Any) -> None:
    pipe.set_value("a", "1")


def _paths() -> dict[str, Callable[[redipy.Redis], Any]]:
    return {
        "command": lambda r: r.set_value("a", "1"),
        "execute_command": lambda r: r.execute_command("GET", "a"),
        "blpop": lambda r: r.blpop("list", timeout=1),
        "pipeline": lambda r: _run_pipeline(r, transaction=False),
        "transaction pipeline": lambda r: _run_pipeline(r, transaction=True),
        "transaction()": lambda r: r.transaction(_tx, "a"),
        "subscribe": lambda r: r.pubsub().subscribe("ch"),
        "scan_iter": lambda r: list(r.scan_iter()),
        "script": lambda r: _script(r)(keys={"k": "a"}, args={}),
        "pubsub_channels": lambda r: r.pubsub_channels(),
    }


def _run_pipeline(r: redipy.Redis, *, transaction: bool) -> Any:
    with r.pipeline(transaction=transaction) as pipe:
        pipe.set_value("a", "1")
        pipe.get_value("a")
        return pipe.execute()


PATHS = _paths()


@pytest.fixture
def doomed() -> Iterator[Server]:
    srv = start_server("valkey")
    yield srv
    srv.stop()


def _assert_one_line(err: BaseException, kind: type[RedipyError]) -> None:
    assert isinstance(err, kind), f"{type(err).__module__}.{type(err).__name__}: {err}"
    assert not isinstance(err, redis_py.RedisError)
    text = str(err)
    assert text and "\n" not in text


@pytest.mark.parametrize("path", list(PATHS))
def test_server_down_before_the_call(doomed: Server, path: str) -> None:
    r = redipy.Redis(url=doomed.url)
    r.set_value("warm", "1")  # the pool holds a live connection, then the server dies
    doomed.stop()
    with pytest.raises(RedipyError) as info:
        PATHS[path](r)
    _assert_one_line(info.value, ConnectionError)
    assert "127.0.0.1" in str(info.value)


def test_server_killed_while_blocked(doomed: Server) -> None:
    r = redipy.Redis(url=doomed.url)
    r.set_value("warm", "1")
    threading.Timer(0.3, doomed.stop).start()
    started = time.monotonic()
    with pytest.raises(RedipyError) as info:
        r.blpop("list", timeout=0)
    assert time.monotonic() - started < 10
    _assert_one_line(info.value, ConnectionError)


def test_server_killed_while_listening(doomed: Server) -> None:
    r = redipy.Redis(url=doomed.url)
    sub = r.pubsub()
    sub.subscribe("ch")
    assert sub.get_message(timeout=1.0) is not None  # the subscribe confirmation
    doomed.stop()
    with pytest.raises(RedipyError) as info:
        for _ in range(20):
            sub.get_message(timeout=0.2)
    _assert_one_line(info.value, ConnectionError)


@pytest.mark.parametrize("path", ["command", "pipeline", "transaction()", "subscribe",
                                  "scan_iter", "blpop"])
def test_wrong_password(path: str) -> None:
    srv = start_server("valkey", "--requirepass", "right-one")
    try:
        r = redipy.Redis(url=f"redis://:wrong-one@127.0.0.1:{srv.port}/0")
        with pytest.raises(RedipyError) as info:
            PATHS[path](r)
        _assert_one_line(info.value, AuthenticationError)
        assert "wrong-one" not in str(info.value)
        assert "right-one" not in str(info.value)
    finally:
        srv.stop()


def test_nothing_listening() -> None:
    from tests.servers import free_port

    r = redipy.Redis(url=f"redis://127.0.0.1:{free_port()}/0")
    for path in ("command", "pipeline", "transaction()", "subscribe", "blpop"):
        with pytest.raises(RedipyError) as info:
            PATHS[path](r)
        _assert_one_line(info.value, ConnectionError)


# ---- the cluster backend: the same boundary when every node is gone -------------------



@pytest.fixture(scope="module")
def doomed_cluster() -> Iterator[Any]:
    from tests.cluster import start_cluster

    cluster = start_cluster(3)
    yield cluster
    cluster.stop()


@pytest.mark.cluster
def test_cluster_down_under_every_path(doomed_cluster: Any) -> None:
    """Each path of a cluster client, warmed up on a live cluster, then with every node
    killed: a ``redipy.errors`` class with one line, never redis-py's own exception."""
    clients = {path: redipy.Redis(url=doomed_cluster.url) for path in PATHS}
    for client in clients.values():
        client.set_value("warm", "1")
    doomed_cluster.stop()
    failures: list[str] = []
    for path, client in clients.items():
        try:
            PATHS[path](client)
        except RedipyError as err:
            if isinstance(err, redis_py.RedisError) or "\n" in str(err) or not str(err):
                failures.append(f"{path}: {type(err).__name__}: {err!r}")
            elif not isinstance(err, ConnectionError):
                failures.append(f"{path}: {type(err).__name__} (want ConnectionError): {err}")
        except BaseException as err:  # the failure this test looks for
            failures.append(f"{path}: leaked {type(err).__module__}.{type(err).__name__}: {err}")
        else:
            failures.append(f"{path}: no error with every node down")
    assert not failures, "\n".join(failures)
