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

VIEW_ENCODING = "utf-8"
VIEW_ERRORS = "surrogateescape"
"""How the backend's strings hold bytes. The memory backend keeps values as the
UTF-8 text of their bytes (``surrogateescape`` for bytes that are not UTF-8) until the
byte-string convention (one character per byte, latin-1) reaches every handler; this
pair is the one place the drop-in names it."""


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
    for arg in args[1:]:
        kind = type(arg)
        if kind is str:
            if ascii_safe and arg.isascii():
                out.append(arg)
            else:
                out.append(arg.encode(encoder.encoding, encoder.encoding_errors)
                           .decode(VIEW_ENCODING, VIEW_ERRORS))
        elif kind is bytes:
            out.append(arg.decode(VIEW_ENCODING, VIEW_ERRORS))
        elif kind is int:
            out.append(str(arg))
        else:
            out.append(_slow(arg, encoder))
    return out


_ASCII_SUPERSETS = frozenset({"utf8", "latin1", "iso88591", "ascii", "usascii", "cp1252"})


def _slow(arg: Any, encoder: Encoder) -> str:
    """Anything else goes through redis-py's own encoder (its DataError included)."""
    data = encoder.encode(arg)
    return bytes(data).decode(VIEW_ENCODING, VIEW_ERRORS)
