"""redis-py's arguments as the memory backend's argument list (byte strings).

redis-py's packer turns every argument into bytes (``Encoder.encode``: ``str`` in the
client's encoding, ``int`` and ``float`` by ``repr``, ``bool`` and other types refused)
and splits a command name holding spaces (``"CONFIG GET"``) into words. Here the same
bytes become the latin-1 view the backend's handlers read, without building RESP.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redis._parsers.encoders import Encoder

VIEW_ENCODING = "latin-1"
VIEW_ERRORS = "strict"
"""How the backend's strings hold bytes: one character per byte (the latin-1 view,
see :mod:`redipy.reply`); the one place the drop-in names it."""


def ascii_compatible(encoder: Encoder) -> bool:
    """True when ASCII text encodes to itself (then ASCII ``str`` arguments pass as they are)."""
    return encoder.encoding.lower().replace("-", "").replace("_", "") in _ASCII_SUPERSETS


def to_argv(args: Sequence[Any], encoder: Encoder, ascii_safe: bool) -> list[str]:
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


def arguments(args: Sequence[Any], encoder: Encoder, ascii_safe: bool) -> list[str]:
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
        elif kind is int:
            out.append(str(arg))
        else:
            out.append(to_arg(arg, encoder, ascii_safe))
    return out


def to_arg(arg: Any, encoder: Encoder, ascii_safe: bool) -> str:
    """One argument that is not ASCII text, bytes or an int."""
    if type(arg) is str:
        return (arg.encode(encoder.encoding, encoder.encoding_errors)
                .decode(VIEW_ENCODING, VIEW_ERRORS))
    return _slow(arg, encoder)


_ASCII_SUPERSETS = frozenset({"utf8", "latin1", "iso88591", "ascii", "usascii", "cp1252"})


def _slow(arg: Any, encoder: Encoder) -> str:
    """Anything else goes through redis-py's own encoder (its DataError included)."""
    data = encoder.encode(arg)
    return bytes(data).decode(VIEW_ENCODING, VIEW_ERRORS)
