"""redis-py's arguments as the memory backend's argument list (byte strings).

redis-py's packer turns every argument into bytes and splits a command name holding
spaces (``"CONFIG GET"``) into words. Here the same bytes become the latin-1 view the
backend's handlers read, without building RESP. Which bytes depends on the packer: the
Python one (``Encoder.encode``: ``str`` in the client's encoding, ``int`` and ``float``
by ``repr``, ``bool`` and other types refused) or, on a sync connection when hiredis
is installed, hiredis's (:class:`HiredisPacking`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from redis._parsers.encoders import Encoder
from redis.connection import HiredisRespSerializer
from redis.exceptions import DataError

VIEW_ENCODING = "latin-1"
VIEW_ERRORS = "strict"
"""How the backend's strings hold bytes: one character per byte (the latin-1 view,
see :mod:`redipy.reply`); the one place the drop-in names it."""


class ArgEncoder(Protocol):
    """What makes bytes of an argument: redis-py's ``Encoder`` or :class:`HiredisPacking`."""

    encoding: str
    encoding_errors: str

    def encode(self, value: Any) -> Any: ...


class HiredisPacking:
    """How redis-py's hiredis packer (``HiredisRespSerializer``) makes bytes of an
    argument: text as UTF-8 whatever the client's encoding, exact ``str``, ``int``,
    ``float`` and bytes-like values only, anything else (``bool``, an ``IntEnum``)
    refused with hiredis's own message."""

    encoding = "utf-8"
    encoding_errors = "strict"

    def encode(self, value: Any) -> bytes:
        if isinstance(value, (bytearray, memoryview)):
            return bytes(value)
        import hiredis  # there whenever redis-py chose this packer

        try:
            packed = hiredis.pack_command((value,))
        except TypeError as err:  # as HiredisRespSerializer.pack turns it
            raise DataError(err) from None
        data: bytes = packed[packed.index(b"\r\n", 4) + 2:-2]  # *1 $<n> <data>
        return data


HIREDIS_PACKING = HiredisPacking()


def arg_encoder(packer: Any, encoder: Encoder) -> ArgEncoder:
    """What a sync connection whose command packer is ``packer`` encodes arguments with
    (a packer of the caller's own: the encoder, as the Python packer does). redis-py 8.2's
    hiredis packer runs the client's encoder first (it holds it as ``_encode``); before
    8.2 hiredis made the bytes itself."""
    if isinstance(packer, HiredisRespSerializer) and getattr(packer, "_encode", None) is None:
        return HIREDIS_PACKING
    return encoder


def ascii_compatible(encoder: ArgEncoder) -> bool:
    """True when ASCII text encodes to itself (then ASCII ``str`` arguments pass as they are)."""
    return encoder.encoding.lower().replace("-", "").replace("_", "") in _ASCII_SUPERSETS


def to_argv(args: Sequence[Any], encoder: ArgEncoder, ascii_safe: bool) -> list[str]:
    """The byte-string argument list of one redis-py command."""
    first = args[0]
    if type(first) is str:
        out = first.split() if " " in first else [first]
    elif isinstance(first, (bytes, bytearray, memoryview)):
        out = [w.decode(VIEW_ENCODING, VIEW_ERRORS) for w in bytes(first).split()]
    else:
        out = [_slow(first, encoder)]
    out += arguments(args, encoder, ascii_safe)
    return out


def arguments(args: Sequence[Any], encoder: ArgEncoder, ascii_safe: bool) -> list[str]:
    """The byte strings of ``args[1:]`` (the command's arguments after its name).
    The drop-in's hot paths (``MemoryConnection.call`` and ``run_batch``) have this
    loop inlined."""
    out = []
    for arg in args[1:]:
        kind = type(arg)
        if kind is str and ascii_safe and arg.isascii():
            out.append(arg)
        elif kind is bytes:
            out.append(arg.decode(VIEW_ENCODING, VIEW_ERRORS))
        else:
            out.append(other_arg(arg, encoder, ascii_safe))
    return out


def other_arg(arg: Any, encoder: ArgEncoder, ascii_safe: bool) -> str:
    """One argument that is not ASCII text or bytes (an int, non-ASCII text, ...)."""
    kind = type(arg)
    if kind is int:
        return str(arg)
    if kind is float:  # repr, as both packers write one
        return repr(arg)
    return to_arg(arg, encoder, ascii_safe)


def to_arg(arg: Any, encoder: ArgEncoder, ascii_safe: bool) -> str:
    """One argument that is not ASCII text, bytes or an int."""
    if type(arg) is str:
        return (arg.encode(encoder.encoding, encoder.encoding_errors)
                .decode(VIEW_ENCODING, VIEW_ERRORS))
    return _slow(arg, encoder)


_ASCII_SUPERSETS = frozenset({"utf8", "latin1", "iso88591", "ascii", "usascii", "cp1252"})


def _slow(arg: Any, encoder: ArgEncoder) -> str:
    """Anything else goes through redis-py's own encoder (its DataError included)."""
    data = encoder.encode(arg)
    return bytes(data).decode(VIEW_ENCODING, VIEW_ERRORS)
