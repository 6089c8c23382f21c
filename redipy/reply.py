"""The shape of a raw reply, shared by both backends.

A raw reply is what a server sends, decoded: ``int``, ``str`` (bulk string),
:class:`Status` (simple string such as ``OK``), ``None`` (nil), ``float``
(RESP3 doubles only), or a ``list`` of replies. Errors are raised, not returned,
except inside a pipeline or transaction result, where they stand in place as
:class:`redipy.errors.ResponseError` instances.
"""

from __future__ import annotations

from typing import TypeAlias


class Status(str):
    """A simple-string reply (``+OK``): equal to the plain ``str``, rendered unquoted."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"Status({str.__repr__(self)})"


OK = Status("OK")
PONG = Status("PONG")
QUEUED = Status("QUEUED")

Reply: TypeAlias = "int | str | float | list[Reply] | Exception | None"
