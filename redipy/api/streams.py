"""Typed methods for the stream commands (see redipy/commands/streams.py).

Names, parameters and reply shapes are redis-py's: an entry is ``(id, {field: value})``
(``(id, None)`` for a pending entry whose data was deleted), XREAD / XREADGROUP give
``[[key, [entries]], ...]`` (``[]`` when nothing came), the XINFO and XPENDING replies
are dicts with the server's own keys. ``block`` is in milliseconds (0 = forever).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from redipy.api.base import CommandsBase, enc, to_bool, to_ok
from redipy.commands.build import stream_trim_args, xtrim_args

StreamId = str | int
"""An ID as text (``"1700000000000-0"``, ``"*"``, ``"$"``, ``">"``) or a bare millisecond."""
Entry = tuple[str, dict[str, str] | None]


def _fields(flat: Any) -> dict[str, str]:
    it = iter(flat)
    return dict(zip(it, it))


def _entry(reply: Any) -> Entry:
    sid, flat = reply
    match flat:
        case [f1, v1, f2, v2]:
            return sid, {f1: v1, f2: v2}
        case [f1, v1]:
            return sid, {f1: v1}
        case None:
            return sid, None
    return sid, _fields(flat)


def _pending_summary(reply: Any) -> dict[str, Any]:
    owners = reply[3] or []
    return {"pending": int(reply[0]), "min": reply[1], "max": reply[2],
            "consumers": [{"name": n, "pending": int(c)} for n, c in owners]}


def _info_stream(reply: Any) -> dict[str, Any]:
    """XINFO STREAM's map, its first and last entry as ``(id, {field: value})``."""
    it = iter(reply)
    data = dict(zip(it, it))
    got = data.get("first-entry")
    if got is not None:
        data["first-entry"] = _entry(got)
    got = data.get("last-entry")
    if got is not None:
        data["last-entry"] = _entry(got)
    return data


def _entries(reply: Any) -> list[Entry]:
    """Entries as ``(id, {field: value})``: one or two fields (most entries) unpacked by
    a sequence pattern into dict displays, five times cheaper than ``dict(zip(...))``
    on the flat list."""
    if reply is None:
        return []
    out: list[Entry] = []
    add = out.append
    for sid, flat in reply:
        match flat:
            case [f1, v1, f2, v2]:
                add((sid, {f1: v1, f2: v2}))
            case [f1, v1]:
                add((sid, {f1: v1}))
            case None:
                add((sid, None))
            case _:
                add((sid, _fields(flat)))
    return out


def _dict(reply: Any) -> dict[str, Any]:
    it = iter(reply)
    return dict(zip(it, it))


def _dicts(reply: Any) -> list[dict[str, Any]]:
    return [_dict(item) for item in reply]


def _trim_args(maxlen: int | None, minid: StreamId | None, approximate: bool,
               limit: int | None) -> list[str]:
    return stream_trim_args(None if maxlen is None else enc(maxlen),
                            None if minid is None else enc(minid), approximate,
                            None if limit is None else enc(limit))


def _streams(streams: Mapping[str, StreamId]) -> list[str]:
    if len(streams) == 1:
        for key, sid in streams.items():
            return ["STREAMS", key, sid if type(sid) is str else enc(sid)]
    if not streams:
        raise ValueError("streams must be a non-empty mapping of key to ID")
    return ["STREAMS", *streams, *(enc(sid) for sid in streams.values())]


class StreamCommands(CommandsBase):
    """XADD ... XINFO, XSETID."""

    def _read_reply(self, reply: Any) -> list[list[Any]]:
        if reply is None:
            return []
        strip = self._backend.strip_key
        if len(reply) == 1:  # one key (the usual read): no comprehension
            key, items = reply[0]
            return [[strip(key), _entries(items)]]
        return [[strip(key), _entries(items)] for key, items in reply]

    # ---- entries -------------------------------------------------------------------------

    def xadd(self, name: str, fields: Mapping[str, Any], id: StreamId = "*",
             maxlen: int | None = None, approximate: bool = True, nomkstream: bool = False,
             minid: StreamId | None = None, limit: int | None = None) -> str | None:
        """Append an entry; returns its ID (None with ``nomkstream`` and no stream).
        ``maxlen`` / ``minid`` trim in the same step (``approximate``: whole nodes only)."""
        if not fields:
            raise ValueError("xadd needs at least one field")
        if maxlen is None and minid is None and limit is None and not nomkstream:
            if len(fields) == 2:  # two fields, no options (a common entry): no list
                (f1, v1), (f2, v2) = fields.items()
                return self._call(  # type: ignore[no-any-return]
                    "XADD", name, id if type(id) is str else enc(id),
                    f1 if type(f1) is str else enc(f1), v1 if type(v1) is str else enc(v1),
                    f2 if type(f2) is str else enc(f2), v2 if type(v2) is str else enc(v2))
            if len(fields) == 1:
                for field, value in fields.items():  # one field, no options: one call
                    return self._call(  # type: ignore[no-any-return]
                        "XADD", name, id if type(id) is str else enc(id),
                        field if type(field) is str else enc(field),
                        value if type(value) is str else enc(value))
        args = [name]
        if nomkstream:
            args.append("NOMKSTREAM")
        if maxlen is not None or minid is not None or limit is not None:
            args += _trim_args(maxlen, minid, approximate, limit)
        args.append(id if type(id) is str else enc(id))
        for field, value in fields.items():
            args += (field if type(field) is str else enc(field),
                     value if type(value) is str else enc(value))
        return self._call("XADD", *args)  # type: ignore[no-any-return]

    def xrange(self, name: str, min: StreamId = "-", max: StreamId = "+",
               count: int | None = None) -> list[Entry]:
        """Entries with IDs from ``min`` to ``max`` (``(`` for exclusive), oldest first."""
        return self._range("XRANGE", name, min, max, count)

    def xrevrange(self, name: str, max: StreamId = "+", min: StreamId = "-",
                  count: int | None = None) -> list[Entry]:
        """Entries with IDs from ``max`` down to ``min``, newest first."""
        return self._range("XREVRANGE", name, max, min, count)

    def _range(self, cmd: str, name: str, start: StreamId, end: StreamId,
               count: int | None) -> list[Entry]:
        """XRANGE / XREVRANGE from ``start`` to ``end`` (in the command's direction)."""
        first = start if type(start) is str else enc(start)
        last = end if type(end) is str else enc(end)
        if count is None:
            return self._conv(_entries, cmd, name, first, last)
        return self._conv(_entries, cmd, name, first, last, "COUNT",
                          str(count) if type(count) is int else enc(count))

    def xlen(self, name: str) -> int:
        """The number of entries (0 for a missing key)."""
        return self._conv(int, "XLEN", name)

    def xdel(self, name: str, *ids: StreamId) -> int:
        """Delete entries; returns how many existed."""
        if len(ids) == 1 and type(ids[0]) is str:
            return self._conv(int, "XDEL", name, ids[0])
        return self._conv(int, "XDEL", name, *[i if type(i) is str else enc(i) for i in ids])

    def xtrim(self, name: str, maxlen: int | None = None, approximate: bool = True,
              minid: StreamId | None = None, limit: int | None = None) -> int:
        """Evict the oldest entries down to ``maxlen`` or below ``minid``; how many went."""
        return self._conv(int, "XTRIM", name, *xtrim_args(
            None if maxlen is None else enc(maxlen), None if minid is None else enc(minid),
            approximate, None if limit is None else enc(limit)))

    def xsetid(self, name: str, id: StreamId, entries_added: int | None = None,
               max_deleted_id: StreamId | None = None) -> bool:
        """Set the stream's last ID (and its counters); True on success."""
        args = [name, enc(id)]
        if entries_added is not None:
            args += ["ENTRIESADDED", enc(entries_added)]
        if max_deleted_id is not None:
            args += ["MAXDELETEDID", enc(max_deleted_id)]
        return self._conv(to_ok, "XSETID", *args)

    # ---- reading -------------------------------------------------------------------------

    def xread(self, streams: Mapping[str, StreamId], count: int | None = None,
              block: int | None = None) -> list[list[Any]]:
        """Entries after each key's ID (``$``: only new ones), waiting up to ``block`` ms
        (0 = forever) when none is there: ``[[key, [(id, fields), ...]], ...]``."""
        if block is None and count is not None and len(streams) == 1:
            for key, sid in streams.items():  # one key: the form memory serves directly
                return self._conv(self._read_reply, "XREAD", "COUNT",
                                  str(count) if type(count) is int else enc(count),
                                  "STREAMS", key, sid if type(sid) is str else enc(sid))
        args: list[str] = []
        if count is not None:
            args += ["COUNT", enc(count)]
        if block is not None:
            args += ["BLOCK", enc(block)]
        return self._conv(self._read_reply, "XREAD", *args, *_streams(streams))

    def xreadgroup(self, groupname: str, consumername: str,
                   streams: Mapping[str, StreamId], count: int | None = None,
                   block: int | None = None, noack: bool = False) -> list[list[Any]]:
        """Read as ``consumername`` of ``groupname``: ``">"`` for new entries (they become
        pending), an ID for the consumer's own pending ones. Shape as :meth:`xread`."""
        if block is None and count is not None and not noack and len(streams) == 1:
            for key, sid in streams.items():  # one key: the form memory serves directly
                return self._conv(self._read_reply, "XREADGROUP", "GROUP", groupname,
                                  consumername, "COUNT",
                                  str(count) if type(count) is int else enc(count),
                                  "STREAMS", key, sid if type(sid) is str else enc(sid))
        args = ["GROUP", groupname, consumername]
        if count is not None:
            args += ["COUNT", enc(count)]
        if block is not None:
            args += ["BLOCK", enc(block)]
        if noack:
            args.append("NOACK")
        return self._conv(self._read_reply, "XREADGROUP", *args, *_streams(streams))

    # ---- groups --------------------------------------------------------------------------

    def xgroup_create(self, name: str, groupname: str, id: StreamId = "$",
                      mkstream: bool = False, entries_read: int | None = None) -> bool:
        """Create a consumer group starting after ``id`` (``$``: the current last entry)."""
        args = ["CREATE", name, groupname, enc(id)]
        if mkstream:
            args.append("MKSTREAM")
        if entries_read is not None:
            args += ["ENTRIESREAD", enc(entries_read)]
        return self._conv(to_ok, "XGROUP", *args)

    def xgroup_setid(self, name: str, groupname: str, id: StreamId,
                     entries_read: int | None = None) -> bool:
        """Move a group's last delivered ID (and set its entries-read counter)."""
        args = ["SETID", name, groupname, enc(id)]
        if entries_read is not None:
            args += ["ENTRIESREAD", enc(entries_read)]
        return self._conv(to_ok, "XGROUP", *args)

    def xgroup_destroy(self, name: str, groupname: str) -> bool:
        """Delete a group with its pending entries; True when it existed."""
        return self._conv(to_bool, "XGROUP", "DESTROY", name, groupname)

    def xgroup_createconsumer(self, name: str, groupname: str, consumername: str) -> int:
        """Create a consumer in a group: 1 when created, 0 when it existed."""
        return self._conv(int, "XGROUP", "CREATECONSUMER", name, groupname, consumername)

    def xgroup_delconsumer(self, name: str, groupname: str, consumername: str) -> int:
        """Delete a consumer; returns how many entries it still had pending."""
        return self._conv(int, "XGROUP", "DELCONSUMER", name, groupname, consumername)

    def xack(self, name: str, groupname: str, *ids: StreamId) -> int:
        """Acknowledge entries; returns how many were pending."""
        return self._conv(int, "XACK", name, groupname,
                          *[i if type(i) is str else enc(i) for i in ids])

    def xpending(self, name: str, groupname: str) -> dict[str, Any]:
        """A group's pending summary: ``pending``, ``min``, ``max`` and ``consumers``
        (``[{"name", "pending"}]``)."""
        return self._conv(_pending_summary, "XPENDING", name, groupname)

    def xpending_range(self, name: str, groupname: str, min: StreamId, max: StreamId,
                       count: int, consumername: str | None = None,
                       idle: int | None = None) -> list[dict[str, Any]]:
        """Pending entries from ``min`` to ``max`` (at most ``count``; only those idle at
        least ``idle`` ms; of one consumer): dicts with ``message_id``, ``consumer``,
        ``time_since_delivered`` and ``times_delivered``."""
        args = [name, groupname]
        if idle is not None:
            args += ["IDLE", enc(idle)]
        args += [enc(min), enc(max), enc(count)]
        if consumername is not None:
            args.append(consumername)

        def conv(reply: Any) -> list[dict[str, Any]]:
            return [{"message_id": i, "consumer": c, "time_since_delivered": int(t),
                     "times_delivered": int(n)} for i, c, t, n in reply]

        return self._conv(conv, "XPENDING", *args)

    def xclaim(self, name: str, groupname: str, consumername: str, min_idle_time: int,
               message_ids: Iterable[StreamId], idle: int | None = None,
               time: int | None = None, retrycount: int | None = None, force: bool = False,
               justid: bool = False) -> list[Any]:
        """Take pending entries idle at least ``min_idle_time`` ms over for
        ``consumername``: the entries, or their IDs with ``justid``."""
        args = [name, groupname, consumername, enc(min_idle_time),
                *(enc(i) for i in message_ids)]
        if idle is not None:
            args += ["IDLE", enc(idle)]
        if time is not None:
            args += ["TIME", enc(time)]
        if retrycount is not None:
            args += ["RETRYCOUNT", enc(retrycount)]
        if force:
            args.append("FORCE")
        if justid:
            args.append("JUSTID")
            return self._conv(list, "XCLAIM", *args)
        return self._conv(_entries, "XCLAIM", *args)

    def xautoclaim(self, name: str, groupname: str, consumername: str, min_idle_time: int,
                   start_id: StreamId = "0-0", count: int | None = None,
                   justid: bool = False) -> list[Any]:
        """Claim pending entries idle at least ``min_idle_time`` ms, scanning from
        ``start_id``: ``[next_cursor, [entries], [deleted IDs]]`` (with ``justid``, as in
        redis-py, only the claimed IDs)."""
        args = [name, groupname, consumername, enc(min_idle_time), enc(start_id)]
        if count is not None:
            args += ["COUNT", enc(count)]
        if justid:
            args.append("JUSTID")
            return self._conv(lambda reply: list(reply[1]), "XAUTOCLAIM", *args)

        def conv(reply: Any) -> list[Any]:
            return [reply[0], _entries(reply[1]), list(reply[2])]

        return self._conv(conv, "XAUTOCLAIM", *args)

    # ---- introspection -------------------------------------------------------------------

    def xinfo_stream(self, name: str, full: bool = False) -> dict[str, Any]:
        """What the server knows of a stream: length, IDs, counters, first and last entry
        (with ``full``: every entry and every group with its PEL and consumers)."""
        if not full:
            return self._conv(_info_stream, "XINFO", "STREAM", name)

        def conv(reply: Any) -> dict[str, Any]:
            data = _dict(reply)
            data["entries"] = {sid: _fields(fields) for sid, fields in data["entries"]}
            groups = _dicts(data["groups"])
            for grp in groups:
                grp["consumers"] = _dicts(grp["consumers"])
            data["groups"] = groups
            return data

        return self._conv(conv, "XINFO", "STREAM", name, "FULL")

    def xinfo_groups(self, name: str) -> list[dict[str, Any]]:
        """Each group: name, consumers, pending, last-delivered-id, entries-read, lag."""
        return self._conv(_dicts, "XINFO", "GROUPS", name)

    def xinfo_consumers(self, name: str, groupname: str) -> list[dict[str, Any]]:
        """Each consumer of a group: name, pending, idle (and inactive, Valkey 8+)."""
        return self._conv(_dicts, "XINFO", "CONSUMERS", name, groupname)
