"""Requests off the wire: RESP multibulk (hiredis) and inline commands (telnet), with a
server's limits and protocol errors.

Two parsers share one connection's stream. The fast one is hiredis's reader: a chunk
that starts at a request boundary, holds only well-formed multibulk requests of byte
strings and ends exactly at a boundary (what clients send, pipelined or not) is parsed
in C. Anything else (a chunk that ends inside a request, an inline command, a request
that is not a non-empty array of bulk strings, a chunk larger than the bulk limit) goes
to :class:`_Slow`, a resumable parser written after Redis's ``processMultibulkBuffer``
and ``processInlineBuffer``: same limits, same error texts, and it keeps what it has
parsed of a half-received request, so a large value arriving in many chunks is not
parsed again from its start. Once its buffer is empty the stream returns to hiredis.

Arguments are byte strings as the memory backend holds them: ``str`` with one
character per byte (latin-1).

hiredis reads ``+``, ``=`` and ``(`` items (simple, verbatim, big-number strings) as
strings, where a server refuses any array item that is not a bulk string ("expected
'$', got '+'"): a chunk with such a header (``\n+`` ...) goes to :class:`_Slow`.

The unauthenticated limits (at most 10 arguments of at most 16 KB before AUTH, as
Redis has them) are checked per request, as Redis does: an unauthenticated client's
chunk is parsed up to its first AUTH or HELLO (:attr:`RequestParser.held` then says
that more is buffered), so what follows a successful AUTH in the same write is held
to the limits of an authenticated client.
"""

from __future__ import annotations

import re
from typing import Any

import hiredis

INLINE_MAX = 64 * 1024
"""PROTO_INLINE_MAX_SIZE: the longest inline request or header line without CR/LF."""
INT_MAX = 2**31 - 1
UNAUTH_MULTIBULK = 10
UNAUTH_BULK = 16384

Argv = list[str]
_BIG_COUNT = re.compile(rb"\*[0-9]{7}")
"""A multibulk count of a million or more: hiredis would allocate its list at once, so
such a chunk (or one that merely looks like it) goes to the Python parser."""
_LIST = {list}


class ProtocolError(Exception):
    """A request the server refuses; the connection answers ``text`` (if any) and closes.

    ``requests`` holds the complete requests that came before it in the stream: they run
    first, as a server runs them."""

    def __init__(self, text: str | None, requests: list[Argv]) -> None:
        super().__init__(text)
        self.text = text
        self.requests = requests


def _string2ll(data: bytes | bytearray) -> int | None:
    """Redis's ``string2ll``: optional ``-``, digits, no leading zeros, no spaces."""
    n = len(data)
    if n == 0 or n > 20:
        return None
    if n == 1 and data[0] == 48:
        return 0
    start = 1 if data[0] == 45 else 0
    if start == n or not 49 <= data[start] <= 57:
        return None
    for i in range(start + 1, n):
        if not 48 <= data[i] <= 57:
            return None
    value = int(data)
    if not -(2**63) <= value < 2**63:
        return None
    return value


_SPACE = " \t\n\r\v\f"
_HEX = "0123456789abcdefABCDEF"
_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}


def split_args(line: str) -> Argv | None:
    """sds.c's ``sdssplitargs`` as Valkey 8+ has it: an inline command's words with
    its quoting rules (``"..."`` with backslash escapes and ``\\xHH``, ``'...'`` with
    ``\\'``; a quoted part may sit inside a word, ``a"b c"`` is ``ab c``, where Redis
    7.0 calls that unbalanced); ``None`` for unbalanced quotes. A NUL ends the line."""
    nul = line.find("\0")
    if nul >= 0:
        line = line[:nul]
    out: Argv = []
    i, n = 0, len(line)
    while True:
        while i < n and line[i] in _SPACE:
            i += 1
        if i >= n:
            return out
        word: list[str] = []
        inq = insq = False
        while True:
            ch = line[i] if i < n else ""
            if inq:
                nxt = line[i + 1] if i + 1 < n else ""
                if (ch == "\\" and nxt == "x" and i + 3 < n and line[i + 2] in _HEX
                        and line[i + 3] in _HEX):
                    word.append(chr(int(line[i + 2:i + 4], 16)))
                    i += 3
                elif ch == "\\" and nxt:
                    i += 1
                    word.append(_ESCAPES.get(nxt, nxt))
                elif ch == '"':
                    inq = False  # Valkey 8+: the word goes on after the quote
                elif not ch:
                    return None
                else:
                    word.append(ch)
            elif insq:
                nxt = line[i + 1] if i + 1 < n else ""
                if ch == "\\" and nxt == "'":
                    i += 1
                    word.append("'")
                elif ch == "'":
                    insq = False
                elif not ch:
                    return None
                else:
                    word.append(ch)
            elif not ch or ch in " \n\r\t":
                break
            elif ch == '"':
                inq = True
            elif ch == "'":
                insq = True
            else:
                word.append(ch)
            i += 1
        out.append("".join(word))


_join = "".join


def _requests_only(out: list[Any]) -> bool:
    """Every item a non-empty list of byte strings (what hiredis gives for bulk strings
    in arrays); ints, nils, nested arrays, errors mean the chunk is not plain requests."""
    if len(out) == 1:
        req = out[0]
        if type(req) is not list or not req:
            return False
        for arg in req:
            if type(arg) is not str:
                return False
        return True
    if set(map(type, out)) != _LIST or not all(out):
        return False
    try:
        _join(map(_join, out))  # TypeError at the first item that is not a str
    except TypeError:
        return False
    return True


_AUTHS = ("AUTH", "HELLO")
"""The requests after which an unauthenticated client's state may have changed."""


class _Slow:
    """The resumable parser (Redis's own rules), for everything hiredis is not given."""

    __slots__ = ("argv", "buf", "bulklen", "held", "missing")

    def __init__(self) -> None:
        self.buf = bytearray()
        self.argv: Argv | None = None
        self.missing = 0
        self.bulklen = -1
        self.held = False

    @property
    def idle(self) -> bool:
        return not self.buf and self.argv is None

    def parse(self, out: list[Argv], max_bulk: int, strict: bool) -> None:
        """Complete requests into ``out``; raises :class:`ProtocolError` (with ``out``).
        ``strict`` (not authenticated): stop after an AUTH or HELLO (:attr:`held`)."""
        buf = self.buf
        n = len(buf)
        pos = 0
        self.held = False
        try:
            while pos < n:
                argv = self.argv
                if argv is None:
                    if buf[pos] == 42:  # '*'
                        cr = buf.find(b"\r", pos)
                        if cr < 0 or cr + 1 >= n:
                            if n - pos > INLINE_MAX:
                                raise ProtocolError("too big mbulk count string", out)
                            break
                        count = _string2ll(buf[pos + 1:cr])
                        if count is None or count > INT_MAX:
                            raise ProtocolError("invalid multibulk length", out)
                        if strict and count > UNAUTH_MULTIBULK:
                            raise ProtocolError("unauthenticated multibulk length", out)
                        pos = cr + 2
                        if count <= 0:
                            continue
                        argv = self.argv = []
                        self.missing = count
                    else:
                        nl = buf.find(b"\n", pos)
                        if nl < 0:
                            if n - pos > INLINE_MAX:
                                raise ProtocolError("too big inline request", out)
                            break
                        end = nl - 1 if nl > pos and buf[nl - 1] == 13 else nl
                        words = split_args(buf[pos:end].decode("latin-1"))
                        pos = nl + 1
                        if words is None:
                            raise ProtocolError("unbalanced quotes in request", out)
                        if words:
                            out.append(words)
                            if strict and words[0].upper() in _AUTHS:
                                self.held = pos < n
                                break
                        continue
                while self.missing:
                    bulklen = self.bulklen
                    if bulklen < 0:
                        if pos >= n:
                            break
                        cr = buf.find(b"\r", pos)
                        if cr < 0 or cr + 1 >= n:
                            if n - pos > INLINE_MAX:
                                raise ProtocolError("too big bulk count string", out)
                            break
                        if buf[pos] != 36:  # '$'
                            raise ProtocolError(f"expected '$', got '{chr(buf[pos])}'", out)
                        size = _string2ll(buf[pos + 1:cr])
                        if size is None or size < 0 or size > max_bulk:
                            raise ProtocolError("invalid bulk length", out)
                        if strict and size > UNAUTH_BULK:
                            raise ProtocolError("unauthenticated bulk length", out)
                        pos = cr + 2
                        bulklen = self.bulklen = size
                    if n - pos < bulklen + 2:
                        break
                    argv.append(buf[pos:pos + bulklen].decode("latin-1"))
                    pos += bulklen + 2
                    self.bulklen = -1
                    self.missing -= 1
                if self.missing:
                    break
                out.append(argv)
                self.argv = None
                if strict and argv[0].upper() in _AUTHS:
                    self.held = pos < n
                    break
        finally:
            del buf[:pos]


class RequestParser:
    """One connection's request stream: :meth:`parse` each chunk read. The limits are
    read from the server's parameters (``CONFIG SET`` applies to connected clients)."""

    __slots__ = ("_max_bulk", "_params", "_reader", "_slow", "_text")

    @property
    def held(self) -> bool:
        """An unauthenticated parse stopped after AUTH / HELLO with more buffered: run
        what it gave, then :meth:`parse` ``b""`` with the client's new state."""
        return self._slow.held

    def __init__(self, params: dict[str, Any]) -> None:
        self._reader = hiredis.Reader(encoding="latin-1")
        self._slow = _Slow()
        self._params = params
        self._text = ""
        self._max_bulk = 0

    def _bulk_limit(self) -> int:
        text = self._params["proto-max-bulk-len"].value
        if text is not self._text:
            self._text = text
            self._max_bulk = int(text)
        return self._max_bulk

    def parse(self, data: bytes, strict: bool = False) -> list[Argv]:
        """The complete requests in ``data`` (and before it); :class:`ProtocolError`
        when the stream breaks a rule (``strict``: the client has not authenticated)."""
        slow = self._slow
        text = self._params["proto-max-bulk-len"].value
        if text is not self._text:
            self._text = text
            self._max_bulk = int(text)
        # bytes.find, not ``in``: bytes.__contains__ first tries its operand as an int
        # and formats the TypeError (about 2,700 instructions a test); a one-byte needle
        # is a memchr, so the two-byte search runs only where that byte occurs
        find = data.find
        if (not strict and not slow.buf and slow.argv is None and data[:1] == b"*"
                and len(data) <= self._max_bulk and (find(b"+") < 0 or find(b"\n+") < 0)
                and (find(b"=") < 0 or find(b"\n=") < 0) and (find(b"(") < 0 or find(b"\n(") < 0)
                and _BIG_COUNT.search(data) is None):
            reader = self._reader
            reader.feed(data)
            try:
                first = reader.gets()
                if first is not False and not reader.has_data():
                    # one reply that ends where the chunk does (what an unpipelined
                    # client sends): the reader is at a request boundary
                    if type(first) is list and first:
                        for arg in first:
                            if type(arg) is not str:
                                break
                        else:
                            return [first]
                elif first is not False:
                    out: list[Argv] = [first, *iter(reader.gets, False)]
                    # at a request boundary a lone empty status comes back whole; inside
                    # a request it becomes part of it (the reader is then discarded); a
                    # top-level 0 (equal to False) stops the loop early and fails this too
                    reader.feed(b"+\r\n")
                    if reader.gets() == "" and _requests_only(out):
                        return out
            except hiredis.ProtocolError:
                pass
            self._reader = hiredis.Reader(encoding="latin-1")  # start over in Python
        max_bulk = self._bulk_limit()
        slow.buf += data
        if len(slow.buf) > int(self._params["client-query-buffer-limit"].value):
            raise ProtocolError(None, [])
        out = []
        slow.parse(out, max_bulk, strict)
        return out
