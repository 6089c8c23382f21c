"""Fixtures: real servers for the whole session, a fresh client per test."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import redis as redis_py

import redipy
from tests.servers import Server, server_kinds, start_server

SERVER_KINDS = server_kinds()
BACKENDS = ["memory", *SERVER_KINDS]


@pytest.fixture(scope="session")
def servers() -> Iterator[dict[str, Server]]:
    started: dict[str, Server] = {}
    try:
        for kind in SERVER_KINDS:
            started[kind] = start_server(kind)
        yield started
    finally:
        for srv in started.values():
            srv.stop()


def make_client(kind: str, servers: dict[str, Server], **kwargs: object) -> redipy.Redis:
    """A flushed client on ``kind`` ("memory", "valkey" or "redis")."""
    if kind == "memory":
        return redipy.Redis()
    srv = servers[kind]
    raw = redis_py.Redis(port=srv.port)
    raw.flushall()
    raw.close()
    return redipy.Redis(url=srv.url, **kwargs)  # type: ignore[arg-type]


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def r(backend: str, servers: dict[str, Server]) -> Iterator[redipy.Redis]:
    """A fresh client on every backend in turn (memory, valkey, redis)."""
    client = make_client(backend, servers)
    yield client
    client.close()


@pytest.fixture(params=SERVER_KINDS)
def server(request: pytest.FixtureRequest, servers: dict[str, Server]) -> Server:
    """Each real server in turn."""
    return servers[str(request.param)]


@pytest.fixture(params=["memory", "valkey"])
def session(request: pytest.FixtureRequest, servers: dict[str, Server]) -> Iterator[Any]:
    """A shell session on the memory backend (built lazily, as the shell does), then on
    a real server (flushed)."""
    from redipy.repl.session import Session

    kind = str(request.param)
    sess = Session() if kind == "memory" else Session(make_client(kind, servers))
    yield sess
    sess.close()
