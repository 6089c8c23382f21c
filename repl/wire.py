"""The shell's own connection to a server: RESP2/RESP3 over one socket, as redis-cli has.

redis-py answers a simple string and a bulk string alike, spreads commands over a pool
(so ``SELECT`` may land on another connection than the next command) and cannot stream
pub/sub or MONITOR output through ``execute_command``. The shell needs the reply's exact
type (``+OK`` unquoted, ``=txt:`` verbatim text as lines, RESP3 maps, sets, doubles and
booleans), one connection whose state (database, MULTI, subscriptions) persists, and
replies read one by one while streaming. Strings are the shell's text view: UTF-8 with
undecodable bytes as surrogate escapes, so any byte sequence round-trips.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redipy.repl.render import Resp3Set

from redipy.errors import AuthenticationError, ConnectionError, ResponseError
from redipy.reply import Push, Status, Verbatim


def encode(args: Sequence[str | bytes]) -> bytes:
    """One command in RESP (text view strings back to their bytes)."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        b = arg if isinstance(arg, bytes) else arg.encode("utf-8", "surrogateescape")
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def text(raw: bytes) -> str:
    return raw.decode("utf-8", "surrogateescape")


class Double(float):
    """A RESP3 double, keeping the server's own text (``,1.5``, ``,inf``)."""

    text: str

    def __new__(cls, raw: str) -> Double:
        obj = super().__new__(cls, float(raw))
        obj.text = raw
        return obj


@dataclass
class Target:
    """Where and how to connect (never printed with its password)."""

    host: str = "127.0.0.1"
    port: int = 6379
    socket_path: str | None = None
    tls: bool = False
    user: str | None = None
    password: str | None = None
    db: int = 0
    resp: int = 2

    @property
    def label(self) -> str:
        return self.socket_path or f"{self.host}:{self.port}"


class Wire:
    """One connection; :meth:`call` sends a command and reads its reply, :meth:`read`
    reads the next reply of a streaming mode (SUBSCRIBE, MONITOR)."""

    def __init__(self, target: Target, *, timeout: float | None = 10.0,
                 keep_going: bool = False) -> None:
        self.target = target
        self.keep_going = keep_going
        """After a failed AUTH stay connected (unauthenticated), as redis-cli does."""
        self.auth_error: str | None = None
        self.timeout = timeout
        self._sock: socket.socket | None = None
        self._buf = b""
        self.db = target.db
        self._lock = threading.RLock()  # the completer's SCAN runs in another thread

    # ---- connecting -------------------------------------------------------------------

    def connect(self) -> None:
        t = self.target
        try:
            if t.socket_path:
                sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                sock.settimeout(self.timeout)
                sock.connect(t.socket_path)
            else:
                sock = socket.create_connection((t.host, t.port), timeout=self.timeout)
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if t.tls:
                import ssl

                sock = ssl.create_default_context().wrap_socket(sock, server_hostname=t.host)
        except OSError as err:
            why = err.strerror or str(err) or type(err).__name__
            raise ConnectionError(f"Could not connect to Redis at {t.label}: {why}") from None
        sock.settimeout(None)
        self._sock = sock
        self._buf = b""
        self._handshake()

    def _handshake(self) -> None:
        t = self.target
        try:
            if t.resp == 3:
                hello: list[str] = ["HELLO", "3"]
                if t.password is not None:
                    hello += ["AUTH", t.user or "default", t.password]
                self.call(*hello)
            elif t.password is not None:
                self.call(*(["AUTH", t.user, t.password] if t.user else ["AUTH", t.password]))
        except ResponseError as err:
            if not self.keep_going:
                self.close()
                raise AuthenticationError(f"AUTH failed: {err}") from None
            self.auth_error = f"AUTH failed: {err}"  # redis-cli says so and carries on
        if self.db:
            self.call("SELECT", str(self.db))

    @property
    def connected(self) -> bool:
        return self._sock is not None

    def close(self) -> None:
        if self._sock is not None:
            try:
                self._sock.close()
            finally:
                self._sock = None
                self._buf = b""

    def reset(self) -> None:
        """Drop the connection (after Ctrl-C mid-reply or a streaming mode); the next
        command reconnects, so nothing (no subscription, no MONITOR) is left behind."""
        self.close()

    # ---- talking ----------------------------------------------------------------------

    def send(self, args: Sequence[str | bytes]) -> None:
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        try:
            self._sock.sendall(encode(args))
        except OSError as err:
            self.close()
            raise ConnectionError(f"connection to {self.target.label} lost: {err}") from None

    def send_raw(self, data: bytes) -> None:
        if self._sock is None:
            self.connect()
        assert self._sock is not None
        self._sock.sendall(data)

    def call(self, *args: str | bytes) -> Any:
        """Send one command and return its reply; an error reply is raised."""
        with self._lock:
            self.send(args)
            try:
                reply = self.read()
            except BaseException:
                self.close()  # interrupted mid-reply: never read a stale reply later
                raise
        if isinstance(reply, ResponseError):
            raise reply
        if isinstance(args[0], str) and args[0].upper() == "SELECT" and len(args) == 2:
            self.db = int(args[1])
        return reply

    def read(self, timeout: float | None = None) -> Any:
        """The next reply (an error reply is returned, not raised); ``timeout`` seconds
        without a complete reply raise :class:`TimeoutError`."""
        assert self._sock is not None
        self._sock.settimeout(timeout)
        try:
            return self._value()
        finally:
            if self._sock is not None:
                self._sock.settimeout(None)

    # ---- parsing ----------------------------------------------------------------------

    def _fill(self) -> None:
        assert self._sock is not None
        try:
            chunk = self._sock.recv(65536)
        except TimeoutError:
            raise TimeoutError from None
        except OSError as err:
            self.close()
            raise ConnectionError(f"connection to {self.target.label} lost: {err}") from None
        if not chunk:
            self.close()
            raise ConnectionError(f"Server closed the connection ({self.target.label})")
        self._buf += chunk

    def _line(self) -> bytes:
        while True:
            end = self._buf.find(b"\r\n")
            if end >= 0:
                line, self._buf = self._buf[:end], self._buf[end + 2:]
                return line
            self._fill()

    def _exact(self, size: int) -> bytes:
        while len(self._buf) < size + 2:
            self._fill()
        data, self._buf = self._buf[:size], self._buf[size + 2:]
        return data

    def _value(self) -> Any:
        line = self._line()
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return Status(text(rest))
        if kind == b"-":
            return ResponseError(text(rest))
        if kind == b":":
            return int(rest)
        if kind == b"$":
            size = int(rest)
            return None if size < 0 else text(self._exact(size))
        if kind in (b"*", b"~", b">"):
            size = int(rest)
            if size < 0:
                return None
            items = [self._value() for _ in range(size)]
            return Resp3Set(items) if kind == b"~" else Push(items) if kind == b">" else items
        if kind == b"%":
            pairs = [(self._value(), self._value()) for _ in range(int(rest))]
            try:
                return {k: v for k, v in pairs}
            except TypeError:  # an unhashable key (an array): keep the pairs flat
                return [x for pair in pairs for x in pair]
        if kind == b"_":
            return None
        if kind == b",":
            return Double(text(rest))
        if kind == b"#":
            return rest == b"t"
        if kind == b"(":
            return int(rest)
        if kind in (b"=", b"!"):
            body = text(self._exact(int(rest)))
            if kind == b"!":
                return ResponseError(body)
            return Verbatim(body[4:])
        if kind == b"|":  # attributes: read and drop, then the reply they annotate
            for _ in range(int(rest) * 2):
                self._value()
            return self._value()
        raise ConnectionError(f"protocol error from {self.target.label}: {line[:40]!r}")
