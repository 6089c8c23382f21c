"""A lean pipelined RESP2 connection for bulk copying.

redis-py spends most of a pipelined command's time building and checking it in
Python; a migration sends millions of commands whose shape it already knows. So the
connection handshake (TLS, AUTH, SELECT, unix sockets) is left to redis-py, and
the socket it opened is then driven directly: commands are packed with one bytes
join and replies parsed by hiredis when it is installed (a small pure-Python parser
otherwise). The connection is dedicated to the migration and never returned to a
pool, and nothing is ever retried behind the caller's back (a retried write batch
could apply twice).
"""

from __future__ import annotations

import select
import socket
from collections.abc import Sequence
from typing import Any

from redipy.errors import ConnectionError, TimeoutError
from redipy.redis.records import Pipelining

try:  # the C parser; optional
    import hiredis

    _HAVE_HIREDIS = True
except ImportError:  # pragma: no cover - exercised only without hiredis
    _HAVE_HIREDIS = False


#: bytes the kernel may hold for the server (Linux caps it at net.core.wmem_max); with
#: the 16 KB a socket starts with, sending a batch waits until the server has
#: processed most of it, so the client and the server never work at the same time
SEND_BUFFER = 4 << 20


class ReplyError(Exception):
    """An error reply (``-ERR ...``) standing in place of a reply."""


def pack(args: Sequence[str]) -> bytes:
    """One command in RESP (strings carry undecodable bytes as surrogate escapes)."""
    out = [b"*%d\r\n" % len(args)]
    for arg in args:
        b = arg.encode("utf-8", "surrogateescape")
        out.append(b"$%d\r\n%s\r\n" % (len(b), b))
    return b"".join(out)


def pack_many(commands: Sequence[Sequence[str]]) -> bytes:
    """Many commands in RESP, built as one string and encoded once (the hot path)."""
    out: list[str] = []
    app = out.append
    for args in commands:
        if "".join(args).isascii():
            app(f"*{len(args)}\r\n" + "".join([f"${len(a)}\r\n{a}\r\n" for a in args]))
        else:
            app(f"*{len(args)}\r\n" + "".join(
                [f"${len(a.encode('utf-8', 'surrogateescape'))}\r\n{a}\r\n" for a in args]))
    return "".join(out).encode("utf-8", "surrogateescape")


def _pack_hiredis(commands: Sequence[Sequence[str]]) -> bytes:
    """:func:`pack_many` by hiredis's C packer (2x faster); it encodes text as strict
    UTF-8, so a batch carrying undecodable bytes (lone surrogates) is packed by
    :func:`pack_many` instead."""
    try:
        return b"".join(map(_pack_command, commands))  # type: ignore[arg-type]
    except UnicodeEncodeError:
        return pack_many(commands)


if _HAVE_HIREDIS:
    _pack_command = hiredis.pack_command
    _pack = _pack_hiredis
else:  # pragma: no cover
    _pack = pack_many


class _PyReader:
    """A RESP2 reply parser, used only when hiredis is missing."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def feed(self, data: bytes) -> None:
        self.buf += data

    def gets(self) -> Any:
        reply, end = self._parse(0)
        if end < 0:
            return False
        del self.buf[:end]
        return reply

    def _parse(self, pos: int) -> tuple[Any, int]:
        buf = self.buf
        nl = buf.find(b"\r\n", pos)
        if nl < 0:
            return None, -1
        tag, line = buf[pos:pos + 1], bytes(buf[pos + 1:nl])
        nxt = nl + 2
        if tag == b"+":
            return line.decode("utf-8", "surrogateescape"), nxt
        if tag == b"-":
            return ReplyError(line.decode("utf-8", "surrogateescape")), nxt
        if tag == b":":
            return int(line), nxt
        if tag == b"$":
            n = int(line)
            if n < 0:
                return None, nxt
            if len(buf) < nxt + n + 2:
                return None, -1
            return bytes(buf[nxt:nxt + n]).decode("utf-8", "surrogateescape"), nxt + n + 2
        if tag == b"*":
            n = int(line)
            if n < 0:
                return None, nxt
            items: list[Any] = []
            for _ in range(n):
                item, nxt = self._parse(nxt)
                if nxt < 0:
                    return None, -1
                items.append(item)
            return items, nxt
        raise ConnectionError(f"protocol error: unexpected reply type {tag!r}")


class RawConnection(Pipelining):
    """One dedicated connection to a server, opened through redis-py's handshake."""

    def __init__(self, redis_py_client: Any, *, target: str,
                 timeout: float | None = 120.0) -> None:
        self.target = target
        pool = redis_py_client.connection_pool
        self._conn = pool.make_connection()
        self._conn.protocol = 2  # replies parsed here are RESP2
        try:
            self._conn.connect()
        except Exception as err:
            raise _connect_error(err, target) from None
        sock = self._conn._sock
        sock.settimeout(timeout)
        try:  # room for a whole batch: send() returns while the server works on it
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
        except OSError:  # pragma: no cover - the system's default then
            pass
        self._sock: socket.socket = sock
        if _HAVE_HIREDIS:
            self._reader: Any = hiredis.Reader(
                encoding="utf-8", errors="surrogateescape", replyError=ReplyError)
        else:  # pragma: no cover
            self._reader = _PyReader()

    def send(self, commands: Sequence[Sequence[str]]) -> None:
        """Send commands without waiting (read their replies with :meth:`recv`)."""
        try:
            self._sock.sendall(_pack(commands))
        except OSError as err:
            raise self._lost(err) from None

    def recv(self, count: int) -> list[Any]:
        """The next ``count`` replies; error replies come back as :class:`ReplyError`."""
        reader = self._reader
        out: list[Any] = []
        append = out.append
        sock = self._sock
        while len(out) < count:
            reply = reader.gets()
            if reply is False:
                try:
                    data = sock.recv(1 << 17)
                except TimeoutError_ as err:
                    raise TimeoutError(f"timed out waiting for {self.target}") from err
                except OSError as err:
                    raise self._lost(err) from None
                if not data:
                    raise self._lost(None)
                reader.feed(data)
                continue
            append(reply)
        return out

    def _lost(self, err: OSError | None) -> ConnectionError:
        why = f": {err.strerror or err}" if err is not None else ""
        return ConnectionError(f"connection to {self.target} lost{why}")

    def closed(self) -> bool:
        """Whether the server has closed this connection (checked without waiting:
        a restarted server shows up here before anything is sent)."""
        try:
            readable, _, _ = select.select([self._sock], [], [], 0)
            if not readable:
                return False
            data = self._sock.recv(1, socket.MSG_PEEK)
        except (BlockingIOError, InterruptedError):
            return False
        except (OSError, ValueError):
            return True
        return not data

    def close(self) -> None:
        try:
            self._conn.disconnect()
        except Exception:  # pragma: no cover - best effort
            pass


TimeoutError_ = socket.timeout


def _connect_error(err: Exception, target: str) -> Exception:
    import redis.exceptions as rex

    from redipy.errors import AuthenticationError

    text = str(err)
    if "NOAUTH" in text or "already authenticated" in text or ("required" in text.lower() and (
            "auth" in text.lower())):
        return AuthenticationError(f"{target} requires a password: put it in the URL "
                                   "(redis://:PASSWORD@host:port)")
    if isinstance(err, rex.AuthenticationError) or ("AUTH" in text.upper() and isinstance(
            err, rex.ResponseError)):
        return AuthenticationError(f"authentication to {target} failed: {err}")
    if isinstance(err, rex.ConnectionError):
        why = str(err).split(". ")[-1].rstrip(".") or "connection failed"
        return ConnectionError(f"cannot reach Redis at {target}: {why}")
    if isinstance(err, rex.RedisError):
        return ConnectionError(f"cannot use Redis at {target}: {err}")
    return err
