"""The shape of a raw reply, shared by both backends and by every door to them.

A raw reply is what a server sends, decoded: ``int``, ``str`` (bulk string),
:class:`Status` (simple string such as ``OK``), ``None`` (nil), ``float``
(RESP3 doubles only), or a ``list`` of replies. Errors are raised, not returned,
except inside a pipeline or transaction result, where they stand in place as
:class:`redipy.errors.ResponseError` instances.

The memory backend marks replies whose RESP3 form differs from their RESP2 form with
the subclasses below. Each *is* its RESP2 shape (a flat ``list``, a ``str``, an ``int``),
so the typed API and anything written for RESP2 reads them unchanged; the RESP encoder
of ``redipy serve`` and the redis-py drop-in read the marker to give the RESP3 form:

=============  ======================  ===========================================
marker         RESP2 (what it is)      RESP3
=============  ======================  ===========================================
:class:`Map`   flat array k, v, ...    map ``%`` (HGETALL, CONFIG GET, XINFO, HELLO)
:class:`SetReply` array                set ``~`` (SMEMBERS, SINTER, ...)
:class:`Double`  bulk string (text)    double ``,`` (ZSCORE, ZINCRBY, GEODIST, ...)
:class:`Pairs` flat array a, b, ...    array of 2-element arrays (ZRANGE WITHSCORES)
:class:`Verbatim` bulk string          verbatim string ``=txt:`` (INFO, CLIENT INFO)
:class:`BigNumber` bulk string         big number ``(`` (a Lua ``{big_number=...}``)
:class:`Bool`  integer 0 / 1           boolean ``#t`` / ``#f``
:class:`Push`  array                   push ``>`` (pub/sub messages)
=============  ======================  ===========================================

Inside the memory backend every ``str`` argument and bulk reply is a *byte string*:
one character per byte (the latin-1 view of the bytes), so lengths, slices, ordering
and comparisons are by bytes as on a server. Text is a view for the typed API, made at
its boundary.
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



class Map(list):  # type: ignore[type-arg]
    """A map reply kept flat (``[k1, v1, k2, v2, ...]``); RESP3 sends it as a map."""

    __slots__ = ()


class SetReply(list):  # type: ignore[type-arg]
    """An unordered set of members; RESP3 sends it as a set."""

    __slots__ = ()


class Pairs(list):  # type: ignore[type-arg]
    """Flat pairs (``[member, score, ...]``); RESP3 nests them as 2-element arrays."""

    __slots__ = ()


class Push(list):  # type: ignore[type-arg]
    """An out-of-band message (pub/sub); RESP3 sends it as a push."""

    __slots__ = ()


class Double(str):
    """A number as the server formats it (bulk text in RESP2, a double in RESP3)."""

    __slots__ = ()


class Verbatim(str):
    """Text meant for people (INFO, CLIENT INFO); RESP3 sends it as a verbatim string."""

    __slots__ = ()


class BigNumber(str):
    """A Lua script's ``{big_number=...}`` reply: bulk text in RESP2, ``(`` in RESP3."""

    __slots__ = ()


class Bool(int):
    """0 or 1 in RESP2; a boolean in RESP3."""

    __slots__ = ()


Reply: TypeAlias = "int | str | float | list[Reply] | Exception | None"
