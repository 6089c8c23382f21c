"""Raw replies of the memory backend as redis-py's parser would have returned them.

A server's reply goes through redis-py's parser before any response callback sees it:
bulk and simple strings become ``bytes`` (``str`` with ``decode_responses``), errors
become the :class:`redis.exceptions.ResponseError` subclass its prefix names (through
the parser's own ``parse_error``), and on RESP3 maps become ``dict``, sets and arrays
``list``, doubles ``float``, booleans ``bool`` and verbatim strings their text. This
module does the same from the raw reply, with no RESP in between.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redis.client import EMPTY_RESPONSE, NEVER_DECODE, CaseInsensitiveDict

from redipy.errors import ResponseError as RedipyResponseError
from redipy.memory.client import NullArray
from redipy.redispy.argv import VIEW_ENCODING, VIEW_ERRORS
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

Converter = Callable[[Any], Any]


def _is_int(value: str) -> bool:
    try:
        int(value)
    except ValueError:
        return False
    return True
ErrorParser = Callable[[str], Exception]


def make_converter(*, resp3: bool, decode: bool, encoding: str, errors: str,
                   parse_error: ErrorParser, big_int: bool = True) -> Converter:
    """A function from a raw reply to the parsed reply of one connection's settings
    (``big_int``: RESP3 big numbers read as ``int``, as redis-py's own parser reads them;
    hiredis gives them as strings)."""

    def text(value: str) -> Any:
        data = value.encode(VIEW_ENCODING, VIEW_ERRORS)
        return data.decode(encoding, errors) if decode else data

    def conv(value: Any) -> Any:
        kind = type(value)
        if kind is str or kind is Status:
            data = value.encode(VIEW_ENCODING, VIEW_ERRORS)
            return data.decode(encoding, errors) if decode else data
        if kind is int:
            return value
        if value is None:
            return None
        if kind is list:
            return [conv(v) for v in value]
        if kind is Double:
            return float(value) if resp3 else text(value)
        if kind is Bool:
            return bool(value) if resp3 else int(value)
        if kind is Map:
            if resp3:
                it = iter(value)
                return {conv(k): conv(v) for k, v in zip(it, it)}
            return [conv(v) for v in value]
        if kind is Pairs:
            if resp3:
                it = iter(value)
                return [[conv(a), conv(b)] for a, b in zip(it, it)]
            return [conv(v) for v in value]
        if kind is SetReply or kind is Push:
            return [conv(v) for v in value]
        if kind is Verbatim:
            return text(value)
        if kind is BigNumber:
            return int(value) if resp3 and big_int and _is_int(value) else text(value)
        if isinstance(value, NullArray):
            return None
        if isinstance(value, RedipyResponseError):
            return parse_error(value.message)
        if isinstance(value, BaseException):
            return parse_error(f"ERR {value}")
        if kind is float:
            return value if resp3 else text(repr(value))
        if isinstance(value, bool):
            return value if resp3 else int(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, str):
            return text(value)
        if isinstance(value, list):
            return [conv(v) for v in value]
        raise TypeError(f"the memory backend returned a {kind.__name__}: {value!r}")

    return conv


_dict_get = dict.get


def callback_of(callbacks: Any, name: str) -> Callable[..., Any] | None:
    """The response callback redis-py applies to ``name``'s reply. A
    CaseInsensitiveDict's keys are upper case, so an upper-case name is looked up as
    a plain dict (its own ``get`` upper-cases every name first)."""
    if type(callbacks) is CaseInsensitiveDict:
        callback = _dict_get(callbacks, name)
        if callback is None and not name.isupper():
            callback = callbacks.get(name)
        return callback
    return callbacks.get(name)  # type: ignore[no-any-return]


def respond(callback: Callable[..., Any], response: Any, options: dict[str, Any]) -> Any:
    """The reply as redis-py's ``parse_response`` would hand it back: through the
    command's response ``callback``, with the options it takes (the client's own
    ones removed). An async callback's result is returned as is, for the caller to
    await."""
    if options:
        options.pop(NEVER_DECODE, None)
        options.pop(EMPTY_RESPONSE, None)
        options.pop("keys", None)
    return callback(response, **options)
