"""RESP2 and RESP3 encoders for raw replies (:mod:`redipy.reply`).

A raw reply is what a memory-backend handler returns; the markers (``Map``,
``SetReply``, ``Pairs``, ``Push``, ``Double``, ``Verbatim``, ``Bool``) say how RESP3 writes
it, and RESP2 writes each marker as the plain shape it is. Byte strings are ``str`` with
one character per byte, so every ``str`` is written with ``encode("latin-1")``.

Error messages are written on one line: any CR or LF in them becomes a space, as Redis
does (an error reply cannot hold a line break).

:data:`~redipy.memory.client.NIL_ARRAY` is RESP2's null *array* (``*-1``: BLPOP's timeout,
an EXEC aborted by WATCH); ``None`` is a null bulk (``$-1``). RESP3 has one null (``_``).
"""

from __future__ import annotations

from collections.abc import Callable
from operator import countOf
from typing import Any

from redipy.memory.client import NIL_ARRAY
from redipy.reply import (
    BigNumber,
    Bool,
    Double,
    Map,
    Pairs,
    Push,
    SetReply,
    Status,
    Verbatim,
)

_STATUS: dict[str, bytes] = {}
INTS = [b":%d\r\n" % i for i in range(-1, 1024)]
"""``:N\r\n`` for N from -1 to 1022 (index N + 1)."""


def _status(text: str) -> bytes:
    got = _STATUS.get(text)
    if got is None:
        got = b"+" + text.replace("\r", " ").replace("\n", " ").encode("latin-1") + b"\r\n"
        if len(_STATUS) < 256:
            _STATUS[text] = got
    return got


def error_bytes(err: BaseException) -> bytes:
    """An error reply: the message on one line, prefixed ``ERR`` if it has no code."""
    text = str(err.args[0]) if err.args else str(err)
    text = text.replace("\r", " ").replace("\n", " ")
    if not text:
        text = "ERR"
    return b"-" + text.encode("latin-1", "replace") + b"\r\n"


def _bulk(text: str) -> bytes:
    data = text.encode("latin-1")
    return b"$%d\r\n%s\r\n" % (len(data), data)


def _int(value: int) -> bytes:
    if -1 <= value < 1023:
        return INTS[value + 1]
    return b":%d\r\n" % value


BULK_HEADERS = [f"${n}\r\n" for n in range(4096)]
"""``$N\r\n`` by length (a ``str``: bulk replies are assembled as text, encoded once)."""
_LINKS = [f"\r\n${n}\r\n" for n in range(4096)]
_link = _LINKS.__getitem__


def bulk_array(items: list[Any], plain: bool = False) -> bytes | None:
    """An array of bulk strings in one piece, in C loops (LRANGE, SMEMBERS, MGET ...);
    ``None`` unless every item is a ``str`` (and, unless ``plain``, a plain one: a
    ``Status`` or ``Double`` inside is written by its own rule, a nil or a number too).
    ``plain``: the command's reply is an array of bulk strings by definition (LRANGE's
    elements are stored values), so the per-item type test is skipped.

    Each ``str`` is one character per byte, so its length is the bulk's. One join with
    NUL between the items tells, without a call per item, whether they all have the
    first one's length (every NUL sits where that length puts a separator, and there is
    no other): then the reply is one more join with one separator.
    Otherwise (items of several lengths, or holding NUL) the separators, CRLF and the
    next header, are made by length and interleaved by slice assignment."""
    count = len(items)
    if not count:
        return b"*0\r\n"
    try:
        flat = "\0".join(items)  # TypeError at an item that is not a str
    except TypeError:
        return None
    if not plain and countOf(map(type, items), str) != count:  # a subclass of str
        return None
    size = len(items[0])
    if (size < 4096 and len(flat) == count * (size + 1) - 1
            and flat.count("\0") == count - 1 and flat[size::size + 1] == "\0" * (count - 1)):
        sep = _LINKS[size]
        return f"*{count}\r\n{sep[2:]}{sep.join(items)}\r\n".encode("latin-1")
    parts = [""] * (2 * count)
    try:
        parts[0::2] = map(_link, map(len, items))
    except IndexError:  # a value of 4 KB or more: separators one by one
        parts[0::2] = [f"\r\n${len(item)}\r\n" for item in items]
    parts[1::2] = items
    parts[0] = parts[0][2:]
    return f"*{count}\r\n{''.join(parts)}\r\n".encode("latin-1")


def write2(reply: Any, out: list[bytes]) -> None:
    """Append the RESP2 form of ``reply`` to ``out``."""
    kind = type(reply)
    if kind is str:
        out.append(_bulk(reply))
    elif kind is Status:
        out.append(_status(reply))
    elif kind is int:
        out.append(_int(reply))
    elif reply is None:
        out.append(b"$-1\r\n")
    elif reply is NIL_ARRAY:
        out.append(b"*-1\r\n")
    elif isinstance(reply, list):
        if len(reply) > 2:
            data = bulk_array(reply)  # LRANGE, SMEMBERS, MGET ...: C loops only
            if data is not None:
                out.append(data)
                return
        out.append(b"*%d\r\n" % len(reply))
        for item in reply:
            write2(item, out)
    elif isinstance(reply, str):  # Double, Verbatim
        out.append(_bulk(reply))
    elif isinstance(reply, bool):
        out.append(INTS[2] if reply else INTS[1])
    elif isinstance(reply, int):  # Bool and other int subclasses
        out.append(_int(int(reply)))
    elif isinstance(reply, BaseException):
        out.append(error_bytes(reply))
    elif isinstance(reply, float):
        out.append(_bulk(_float_text(reply)))
    elif isinstance(reply, bytes):
        out.append(b"$%d\r\n%s\r\n" % (len(reply), reply))
    elif isinstance(reply, tuple):
        write2(list(reply), out)
    else:
        raise TypeError(f"cannot encode a {kind.__name__} reply")


def write3(reply: Any, out: list[bytes]) -> None:
    """Append the RESP3 form of ``reply`` to ``out``."""
    kind = type(reply)
    if kind is str:
        out.append(_bulk(reply))
    elif kind is Status:
        out.append(_status(reply))
    elif kind is int:
        out.append(_int(reply))
    elif reply is None or reply is NIL_ARRAY:
        out.append(b"_\r\n")
    elif kind is list:
        if len(reply) > 2:
            data = bulk_array(reply)
            if data is not None:
                out.append(data)
                return
        out.append(b"*%d\r\n" % len(reply))
        for item in reply:
            write3(item, out)
    elif kind is Map:
        out.append(b"%%%d\r\n" % (len(reply) // 2))
        for item in reply:
            write3(item, out)
    elif kind is SetReply:
        out.append(b"~%d\r\n" % len(reply))
        for item in reply:
            write3(item, out)
    elif kind is Pairs:
        out.append(b"*%d\r\n" % (len(reply) // 2))
        for i in range(0, len(reply) - 1, 2):
            out.append(b"*2\r\n")
            write3(reply[i], out)
            write3(reply[i + 1], out)
    elif kind is Push:
        out.append(b">%d\r\n" % len(reply))
        for item in reply:
            write3(item, out)
    elif kind is Double:
        out.append(b",%s\r\n" % reply.encode("latin-1"))
    elif kind is Verbatim:
        data = reply.encode("latin-1")
        out.append(b"=%d\r\ntxt:%s\r\n" % (len(data) + 4, data))
    elif kind is Bool or kind is bool:
        out.append(b"#t\r\n" if reply else b"#f\r\n")
    elif kind is BigNumber:
        out.append(b"(%s\r\n" % reply.encode("latin-1"))
    elif isinstance(reply, list):
        out.append(b"*%d\r\n" % len(reply))
        for item in reply:
            write3(item, out)
    elif isinstance(reply, str):
        out.append(_bulk(reply))
    elif isinstance(reply, int):
        out.append(_int(int(reply)))
    elif isinstance(reply, BaseException):
        out.append(error_bytes(reply))
    elif isinstance(reply, float):
        out.append(b",%s\r\n" % _float_text(reply).encode("ascii"))
    elif isinstance(reply, bytes):
        out.append(b"$%d\r\n%s\r\n" % (len(reply), reply))
    elif isinstance(reply, tuple):
        write3(list(reply), out)
    else:
        raise TypeError(f"cannot encode a {kind.__name__} reply")


def _float_text(value: float) -> str:
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    return repr(value).removesuffix(".0") if value.is_integer() else repr(value)


Writer = Callable[[Any, list[bytes]], None]


def writer(protocol: int) -> Writer:
    """The encoder for a protocol version (2 or 3)."""
    return write3 if protocol == 3 else write2


def encode(reply: Any, protocol: int = 2) -> bytes:
    """One reply as bytes (for tests and one-off writes; the server batches instead)."""
    out: list[bytes] = []
    writer(protocol)(reply, out)
    return b"".join(out)
