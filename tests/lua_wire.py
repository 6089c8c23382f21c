"""Raw replies from a server and from the memory backend, in one comparable shape.

The Lua tests compare error texts word for word, so they read the wire themselves
(redis-py drops an error's ``ERR`` code). A reply becomes: ``bytes`` (bulk), ``None``
(nil), ``("int", n)``, ``("status", b)``, ``("err", text)``, a ``list`` (array) and, in
RESP3, ``("map", [(k, v), ...])``, ``("set", [...])``, ``("double", text)``,
``("bool", b)``, ``("verbatim", text)``, ``("big", text)``.

:func:`as_valkey9` rewrites the known wording differences of Valkey 8.1 and Redis 7.0
into Valkey 9.1's, which the memory backend follows.
"""

from __future__ import annotations

import re
import socket
from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.reply import BigNumber, Bool, Double, Map, SetReply, Status, Verbatim


def _encode(args: Sequence[Any]) -> bytes:
    out = [b"*%d\r\n" % len(args)]
    for a in args:
        raw = a if isinstance(a, bytes) else str(a).encode("latin-1")
        out.append(b"$%d\r\n%s\r\n" % (len(raw), raw))
    return b"".join(out)


class Wire:
    """One raw connection to a server."""

    def __init__(self, port: int, proto: int = 2) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.file = self.sock.makefile("rb")
        if proto == 3:
            self.call("HELLO", "3")

    def call(self, *args: Any) -> Any:
        self.sock.sendall(_encode(args))
        return self._read()

    def _read(self) -> Any:
        line = self.file.readline()[:-2]
        kind, rest = line[:1], line[1:]
        if kind == b"+":
            return ("status", rest)
        if kind == b"-":
            return ("err", rest.decode("latin-1"))
        if kind == b":":
            return ("int", int(rest))
        if kind in (b"$", b"=", b"!"):
            n = int(rest)
            if n < 0:
                return None
            data = self.file.read(n + 2)[:-2]
            return data if kind == b"$" else ("verbatim", data[4:])
        if kind == b"_":
            return None
        if kind == b",":
            return ("double", rest.decode())
        if kind == b"#":
            return ("bool", rest == b"t")
        if kind == b"(":
            return ("big", rest.decode())
        if kind in (b"*", b"~", b">"):
            n = int(rest)
            if n < 0:
                return None
            items = [self._read() for _ in range(n)]
            return ("set", items) if kind == b"~" else items
        if kind == b"%":
            return ("map", [(self._read(), self._read()) for _ in range(int(rest))])
        raise AssertionError(f"unexpected reply line {line!r}")

    def close(self) -> None:
        self.file.close()
        self.sock.close()


def shape(reply: Any, proto: int = 2) -> Any:
    """A raw memory-backend reply in :class:`Wire`'s shape (RESP2 or RESP3)."""
    if reply is None:
        return None
    if isinstance(reply, ResponseError):
        return ("err", reply.message)
    if isinstance(reply, Status):
        return ("status", str(reply).encode("latin-1"))
    if isinstance(reply, Bool):
        return ("bool", bool(reply)) if proto == 3 else ("int", int(reply))
    if isinstance(reply, bool):
        return ("int", int(reply))
    if isinstance(reply, int):
        return ("int", reply)
    if isinstance(reply, Double) and proto == 3:
        return ("double", str(reply))
    if isinstance(reply, BigNumber) and proto == 3:
        return ("big", str(reply))
    if isinstance(reply, Verbatim) and proto == 3:
        return ("verbatim", str(reply).encode("latin-1"))
    if isinstance(reply, str):
        return reply.encode("latin-1")
    if isinstance(reply, Map) and proto == 3:
        return ("map", [(shape(reply[i], proto), shape(reply[i + 1], proto))
                        for i in range(0, len(reply), 2)])
    if isinstance(reply, SetReply) and proto == 3:
        return ("set", [shape(x, proto) for x in reply])
    if isinstance(reply, list):
        return [shape(x, proto) for x in reply]
    raise AssertionError(f"unexpected memory reply {reply!r}")


class MemoryWire:
    """The memory backend through its byte-level door, answering in :class:`Wire`'s
    shape."""

    def __init__(self, backend: MemoryBackend | None = None, proto: int = 2) -> None:
        self.backend = backend or MemoryBackend()
        self.proto = proto

    def call(self, *args: Any) -> Any:
        argv = [a.decode("latin-1") if isinstance(a, bytes) else str(a) for a in args]
        try:
            reply = self.backend._execute(argv)  # the byte-level door with MULTI queueing
        except ResponseError as err:
            return ("err", err.message)
        return shape(reply, self.proto)

    def close(self) -> None:
        pass


_SHA_TAIL = re.compile(r" script: [0-9A-Za-z_]+, on ")
_R7 = [
    ("Unknown Redis command called from script", "Unknown command called from script"),
    ("Wrong number of args calling Redis command from script",
     "Wrong number of args calling command from script"),
    ("for this redis lib call", "for this call"),
    ("Lua redis lib command arguments must be strings or integers",
     "Command arguments must be strings or integers"),
    ("This Redis command is not allowed", "This Valkey command is not allowed"),
    ("redis.set_repl() requires two arguments.", "server.set_repl() requires one argument."),
    ("redis.log()", "server.log()"), ("redis.setresp()", "server.setresp()"),
    ("redis.register_function", "server.register_function"),
    ("redis.acl_check_cmd", "server.acl_check_cmd"),
    ("No matching script. Please use EVAL.", "No matching script."),
    ("Invalid debug level.", "Invalid log level."),
]


def as_valkey9(reply: Any) -> Any:
    """A Valkey 8.1 / Redis 7.0 reply with its wording made Valkey 9.1's."""
    if isinstance(reply, tuple) and reply[0] == "err":
        text = _SHA_TAIL.sub(" script: on ", reply[1])
        for old, new in _R7:
            text = text.replace(old, new)
        return ("err", text)
    if isinstance(reply, list):
        return [as_valkey9(x) for x in reply]
    if isinstance(reply, tuple) and reply[0] in ("map", "set"):
        return (reply[0], as_valkey9(reply[1]))
    return reply
