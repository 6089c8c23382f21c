"""A small RESP client for the tests: sends commands as raw bytes and reads replies with
their exact RESP2/RESP3 types, so the same exchange can be compared between a real
server and redipy (a ``Reply`` keeps the type byte: ``%`` map, ``~`` set, ``,`` double)."""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Reply:
    """One reply: ``kind`` is the RESP type byte, ``value`` the decoded contents."""

    kind: str
    value: Any

    def plain(self) -> Any:
        """The value with every nested Reply reduced the same way (types dropped)."""
        if isinstance(self.value, list):
            return [v.plain() if isinstance(v, Reply) else v for v in self.value]
        return self.value


def encode(*argv: str | bytes) -> bytes:
    out = [b"*%d\r\n" % len(argv)]
    for arg in argv:
        data = arg.encode("latin-1") if isinstance(arg, str) else arg
        out.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(out)


class Wire:
    """One connection; ``call`` sends a command and reads ``replies`` replies."""

    def __init__(self, port: int, host: str = "127.0.0.1", timeout: float = 5.0) -> None:
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.buf = b""

    def close(self) -> None:
        self.sock.close()

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def call(self, *argv: str | bytes, replies: int = 1) -> list[Reply]:
        self.send(encode(*argv))
        return [self.read() for _ in range(replies)]

    def one(self, *argv: str | bytes) -> Reply:
        return self.call(*argv)[0]

    def _fill(self) -> None:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("connection closed")
        self.buf += data

    def _line(self) -> bytes:
        while b"\r\n" not in self.buf:
            self._fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def _exact(self, n: int) -> bytes:
        while len(self.buf) < n + 2:
            self._fill()
        data, self.buf = self.buf[:n], self.buf[n + 2:]
        return data

    def read(self) -> Reply:
        line = self._line()
        kind, rest = chr(line[0]), line[1:].decode("latin-1")
        if kind in "+-":
            return Reply(kind, rest)
        if kind in ":":
            return Reply(kind, int(rest))
        if kind in "$=!":
            n = int(rest)
            if n < 0:
                return Reply("$", None)
            return Reply(kind, self._exact(n).decode("latin-1"))
        if kind in "*~>":
            n = int(rest)
            if n < 0:
                return Reply("*", None)
            return Reply(kind, [self.read() for _ in range(n)])
        if kind == "%":
            n = int(rest)
            return Reply(kind, [self.read() for _ in range(2 * n)])
        if kind == ",":
            return Reply(kind, rest)
        if kind == "#":
            return Reply(kind, rest == "t")
        if kind == "_":
            return Reply(kind, None)
        if kind == "(":
            return Reply(kind, int(rest))
        raise ValueError(f"unknown RESP type {line!r}")

    def nothing_pending(self, wait: float = 0.05) -> bool:
        """True when no further bytes arrive within ``wait`` seconds."""
        if self.buf:
            return False
        self.sock.settimeout(wait)
        try:
            data = self.sock.recv(1 << 16)
        except TimeoutError:
            return True
        finally:
            self.sock.settimeout(5.0)
        self.buf += data
        return not data  # closed (after QUIT): nothing more can come


class Parsed(Wire):
    """Replies already in hand as bytes (an encoder's output), read like a connection."""

    def __init__(self, data: bytes) -> None:  # no socket
        self.buf = data

    def _fill(self) -> None:
        raise ValueError("incomplete reply")

    def all(self) -> list[Reply]:
        out = []
        while self.buf:
            out.append(self.read())
        return out
