"""The one place where the typed API's text meets the memory backend's byte strings.

Inside the memory backend every argument and bulk reply is a *byte string*: a ``str``
with one character per byte (the latin-1 view of the bytes), so ``len`` is the byte
length and ordering is by bytes, as on a server. The typed API speaks text. This module
converts between the two views, and nothing else in the backend does:

- an argument: text -> UTF-8 (``surrogateescape``, so text read from non-UTF-8 bytes
  goes back as the same bytes) -> latin-1 view; ``bytes`` are taken as they are;
  ``int`` and ``float`` as redis-py writes them; anything else is refused with
  :class:`redipy.errors.DataError`, as the Redis backend refuses it;
- a reply: the reverse, recursively, keeping the marker classes of :mod:`redipy.reply`
  and the class of errors (in place or raised).

ASCII needs no conversion and ``str.isascii()`` is O(1), so the common case costs one
check per argument.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError, invalid_input


def to_bytes(text: str) -> str:
    """Text (a plain ``str``) as its byte string."""
    if text.isascii():
        return text
    return text.encode("utf-8", "surrogateescape").decode("latin-1")


def view(arg: object) -> str:
    """One typed-API argument as the byte string a handler receives."""
    if type(arg) is str:
        if arg.isascii():
            return arg
        return arg.encode("utf-8", "surrogateescape").decode("latin-1")
    if isinstance(arg, bool):
        raise invalid_input(arg)
    if isinstance(arg, str):
        return to_bytes(str.__str__(arg))
    if isinstance(arg, int):
        return str(int(arg))
    if isinstance(arg, float):
        return repr(float(arg))
    if isinstance(arg, bytes | bytearray | memoryview):
        return bytes(arg).decode("latin-1")
    raise invalid_input(arg)


def views(args: Sequence[Any]) -> Sequence[str]:
    """Arguments as byte strings; the same sequence when every one is an ASCII ``str``."""
    for arg in args:
        if type(arg) is not str or not arg.isascii():  # view()'s common cases inlined
            out: list[str] = []
            add = out.append
            for a in args:
                kind = type(a)
                if kind is str:
                    add(a if a.isascii() else a.encode("utf-8", "surrogateescape")
                        .decode("latin-1"))
                elif kind is int:
                    add(str(a))
                else:
                    add(view(a))
            return out
    return args


def to_text(data: str) -> str:
    """A byte string as text (invalid UTF-8 bytes become lone surrogates)."""
    if data.isascii():
        return data
    try:
        raw = data.encode("latin-1")
    except UnicodeEncodeError:  # not a byte string: already text (a Python-made message)
        return data
    return raw.decode("utf-8", "surrogateescape")


def _with_message(err: ResponseError, msg: str, fix: Any = None) -> ResponseError:
    """A copy of ``err`` (same class, same attributes) with another message; ``fix``
    converts its other text attributes too (ScriptRunError's ``error``, ...)."""
    out = type(err).__new__(type(err))
    out.__dict__.update(err.__dict__)
    if fix is not None:
        for name, value in out.__dict__.items():
            if type(value) is str:
                out.__dict__[name] = fix(value)
    out.args = (msg,)
    out.__cause__ = err.__cause__
    return out


def error_text(err: ResponseError) -> ResponseError:
    """An error whose message is a byte string, as the same class with text."""
    msg = err.args[0] if err.args else ""
    if type(msg) is not str or msg.isascii():
        return err
    return _with_message(err, to_text(msg), to_text)


def _ascii_nested(reply: list[Any]) -> bool:
    """Whether a list nested up to three deep (stream entries: ``[[id, [f, v, ...]],
    ...]``, XREAD's ``[[key, entries], ...]``) holds only ASCII strings, ints and nils:
    one join over the strings instead of a call per level."""
    parts: list[str] = []
    add = parts.append
    extend = parts.extend
    for item in reply:
        itype = type(item)
        if itype is str:
            add(item)
        elif itype is list:
            for sub in item:
                stype = type(sub)
                if stype is str:
                    add(sub)
                elif stype is list:
                    extend(sub)  # a fourth level or an int fails the join below
                elif stype is not int and sub is not None:
                    return False
        elif itype is not int and item is not None:
            return False
    try:
        return "".join(parts).isascii()
    except TypeError:
        return False


def _ascii_entries(reply: list[Any]) -> bool:
    """Whether stream entries ``[[id, [f, v, ...]], ...]`` hold only ASCII strings: one
    unpacking loop and one join (anything else, a deleted entry's nil included, makes
    the loop or the join raise, and the general walk decides)."""
    parts: list[str] = []
    add = parts.append
    extend = parts.extend
    try:
        for sid, flat in reply:
            add(sid)
            extend(flat)
        return "".join(parts).isascii()
    except (TypeError, ValueError):
        return False


def _ascii_stream_reply(reply: list[Any]) -> bool:
    """The stream shapes, told by their first element: entries (XRANGE, XCLAIM) and
    XREAD / XREADGROUP's ``[[key, entries], ...]``."""
    first = reply[0]
    if len(first) != 2 or type(first[1]) is not list:
        return False
    inner = first[1]
    if not inner or type(inner[0]) is not list:
        return _ascii_entries(reply)
    for item in reply:  # [[key, entries], ...]
        if (type(item) is not list or len(item) != 2 or type(item[0]) is not str
                or not item[0].isascii() or type(item[1]) is not list
                or not _ascii_entries(item[1])):
            return False
    return True


def reply_text(reply: Any) -> Any:
    """A raw reply with every byte string turned into text (markers kept)."""
    kind = type(reply)
    if kind is str:
        return reply if reply.isascii() else to_text(reply)
    if reply is None or kind is int:
        return reply
    if kind is list:
        if not reply:
            return reply
        first = type(reply[0])
        if first is list:
            if _ascii_stream_reply(reply):
                return reply
        elif first is not str:
            pass  # ints first (BITFIELD, HTTL, ...): no join raising TypeError (~1 us)
        elif type(reply[-1]) is list:
            if len(reply) == 2:  # a SCAN's [cursor, items]: one join of the items
                try:
                    if reply[0].isascii() and "".join(reply[1]).isascii():
                        return reply
                except TypeError:
                    pass
        else:
            try:  # a list of ASCII strings (the common reply): one C pass, no Python loop
                if "".join(reply).isascii():
                    return reply
            except TypeError:  # an int, None or a nested list inside: item by item
                pass
        if _ascii_nested(reply):
            return reply
        return [reply_text(item) for item in reply]
    if isinstance(reply, str):
        return reply if reply.isascii() else kind(to_text(reply))
    if isinstance(reply, list):
        if len(reply) > 1 and type(reply[1]) is not str:
            # a map whose first value is a number or a list (XINFO): the join would
            # raise (~1 us), so the one walk at once
            if _ascii_nested(reply):
                return reply
        else:
            try:
                if "".join(reply).isascii():
                    return reply
            except TypeError:
                if _ascii_nested(reply):
                    return reply
        return kind([reply_text(item) for item in reply])
    if isinstance(reply, ResponseError):
        return error_text(reply)
    if isinstance(reply, tuple):
        return tuple(reply_text(item) for item in reply)
    return reply


def shown(value: Any) -> Any:
    """A script value (strings, numbers, lists, dicts) with its byte strings as text,
    for people to read (the debugger's locals and calls)."""
    kind = type(value)
    if kind is str:
        return to_text(value)
    if kind is list:
        return [shown(item) for item in value]
    if kind is tuple:
        return tuple(shown(item) for item in value)
    if kind is dict:
        return {shown(k): shown(v) for k, v in value.items()}
    if isinstance(value, str | list | ResponseError):
        return reply_text(value)
    return value


def clean_error(err: ResponseError) -> ResponseError:
    """An error reply as a server sends it: no CR or LF inside (Redis trims them at
    the ends and turns the others into spaces, since they would break the protocol)."""
    msg = err.args[0] if err.args else ""
    if type(msg) is not str or ("\n" not in msg and "\r" not in msg):
        return err
    return _with_message(err, msg.strip("\r\n").replace("\r", " ").replace("\n", " "))
