"""Streams in transit: the stream record, read from a server and written back exactly.

A stream record's value is an object ``{"entries": [[id, [field, value, ...]], ...]}``
in ID order; the last part of a key also carries ``"meta"``::

    {"last_id": "5-1", "entries_added": 7, "max_deleted_id": "2-0", "first_id": "3-0",
     "groups": [{"name": "g", "last_id": "4-0", "entries_read": 4,
                 "consumers": [["alice", seen_ms, active_ms]],
                 "pending": [["3-0", "alice", delivery_ms, delivery_count], ...]}]}

``ghosts`` lists the IDs of ``[id, null]`` entries (see below). ``entries_read`` is
``null`` where the server does not know it; ``active_ms`` is ``null`` on servers
without it (Redis 7.0); ``first_id`` is ``null`` for an empty stream.

A pending entry whose stream entry was deleted (XDEL, or trimmed) must still be
carried, but a server only lets XCLAIM ... FORCE create a pending entry for an entry
that exists. So the reader puts such IDs among the entries as *ghosts*
(``[id, null]``); a writer adds each ghost with a placeholder field, claims the
pending entries, then removes the ghosts again: those below the first real entry with
``XTRIM MINID`` (which leaves max-deleted-entry-id alone, as the source's trim did),
the others with ``XDEL``; a final ``XSETID`` puts back the last ID, entries-added and
max-deleted-entry-id. What is carried exactly: entries and IDs, the last ID, entries-added,
max-deleted-entry-id, every group's last-delivered ID and entries-read, every consumer
(also one without pending entries), every pending entry with its owner, delivery time
and delivery count. What a server cannot be told: consumers' seen-time and active-time
(a server target sets them to the time of the load; the memory backend keeps them), the
listpack layout (radix-tree-keys/nodes follow the target's own packing).
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from typing import Any

from redipy.migrate.resp import RawConnection, ReplyError

#: a group that exists only while a stream is written (it makes an empty stream)
SCRATCH_GROUP = "\x00redipy-migrate"
GHOST_FIELDS = ("\x00redipy-ghost", "")
_MAX_ID = "18446744073709551615-18446744073709551615"
_ID = re.compile(r"(\d{1,20})-(\d{1,20})")


def id_int(text: str) -> int:
    """``ms-seq`` as one int that sorts like the ID."""
    ms, _, seq = text.partition("-")
    return int(ms) << 64 | int(seq)


def id_ok(text: Any) -> bool:
    if type(text) is not str:
        return False
    m = _ID.fullmatch(text)
    return m is not None and int(m[1]) < 1 << 64 and int(m[2]) < 1 << 64


# ---- shape (snapshot validation) ---------------------------------------------------


def shape_error(value: Any, last: bool) -> str | None:
    """Why ``value`` is not a stream record part (``last``: the key's last part)."""
    if type(value) is not dict or "entries" not in value:
        return "a stream value must be an object with 'entries'"
    if not set(value) <= {"entries", "meta"}:
        return "a stream value has only 'entries' and 'meta'"
    entries = value["entries"]
    if type(entries) is not list:
        return "stream 'entries' must be a list"
    prev = -1
    for e in entries:
        if type(e) is not list or len(e) != 2 or not id_ok(e[0]):
            return "a stream entry must be [id, [field, value, ...]]"
        fields = e[1]
        if fields is not None and (type(fields) is not list or not fields or len(fields) % 2
                                   or not all(type(x) is str for x in fields)):
            return f"stream entry {e[0]} needs field/value strings"
        sid = id_int(e[0])
        if sid <= prev:
            return f"stream entry {e[0]} out of order"
        prev = sid
    if ("meta" in value) != last:
        return "stream 'meta' belongs on the last part (only)"
    return _meta_error(value["meta"]) if last else None


def _meta_error(meta: Any) -> str | None:
    if type(meta) is not dict:
        return "stream 'meta' must be an object"
    if not id_ok(meta.get("last_id")) or not id_ok(meta.get("max_deleted_id")):
        return "stream 'meta' needs last_id and max_deleted_id as ms-seq"
    first = meta.get("first_id")
    ghosts = meta.get("ghosts", [])
    if type(ghosts) is not list or not all(id_ok(g) for g in ghosts):
        return "stream 'ghosts' must be a list of IDs"
    if first is not None and not id_ok(first):
        return "stream 'first_id' must be an ID or null"
    if type(meta.get("entries_added")) is not int or meta["entries_added"] < 0:
        return "stream 'entries_added' must be a count"
    groups = meta.get("groups")
    if type(groups) is not list:
        return "stream 'groups' must be a list"
    for g in groups:
        if type(g) is not dict or type(g.get("name")) is not str or not id_ok(g.get("last_id")):
            return "a stream group needs a name and last_id"
        er = g.get("entries_read")
        if er is not None and type(er) is not int:
            return "a group's entries_read must be an int or null"
        cons = g.get("consumers")
        if type(cons) is not list or not all(
                type(c) is list and len(c) == 3 and type(c[0]) is str
                and type(c[1]) is int and (c[2] is None or type(c[2]) is int) for c in cons):
            return "a group's consumers must be [name, seen_ms, active_ms]"
        pend = g.get("pending")
        if type(pend) is not list or not all(
                type(p) is list and len(p) == 4 and id_ok(p[0]) and type(p[1]) is str
                and type(p[2]) is int and type(p[3]) is int for p in pend):
            return "a group's pending must be [id, consumer, time_ms, count]"
    return None


# ---- reading a server --------------------------------------------------------------


def _pairs(flat: Sequence[Any]) -> dict[str, Any]:
    it = iter(flat)
    return dict(zip(it, it))


def server_meta(conn: RawConnection, key: str) -> dict[str, Any] | None:
    """The stream's counters, groups, consumers and whole PELs (``XINFO STREAM FULL``,
    with a COUNT as big as the biggest PEL); ``None`` when ``key`` is no stream now."""
    groups = conn.call("XINFO", "GROUPS", key)
    if isinstance(groups, ReplyError):
        return None
    most = max([int(_pairs(g).get("pending", 0)) for g in groups] + [1])
    full = conn.call("XINFO", "STREAM", key, "FULL", "COUNT", str(most))
    if isinstance(full, ReplyError):
        return None
    top = _pairs(full)
    out_groups: list[dict[str, Any]] = []
    for raw in top.get("groups") or []:
        g = _pairs(raw)
        consumers = []
        for c in g.get("consumers") or []:
            cd = _pairs(c)
            active = cd.get("active-time")
            consumers.append([cd["name"], int(cd["seen-time"]),
                              None if active is None else int(active)])
        er = g.get("entries-read")
        out_groups.append({
            "name": g["name"], "last_id": g["last-delivered-id"],
            "entries_read": None if er is None else int(er),
            "consumers": consumers,
            "pending": [[p[0], p[1], int(p[2]), int(p[3])] for p in g.get("pending") or []]})
    length = int(top["length"])
    first = conn.call("XRANGE", key, "-", "+", "COUNT", "1") if length else []
    return {"last_id": top["last-generated-id"], "entries_added": int(top["entries-added"]),
            "max_deleted_id": top.get("max-deleted-entry-id", "0-0"),
            "first_id": first[0][0] if first and not isinstance(first, ReplyError) else None,
            "groups": out_groups}


def pending_ids(meta: dict[str, Any]) -> list[int]:
    """Every pending ID of every group, sorted (where ghosts may be needed)."""
    return sorted({id_int(p[0]) for g in meta["groups"] for p in g["pending"]})


def with_ghosts(entries: list[Any], ghosts: list[int], lo: int, hi: int | None
                ) -> list[Any]:
    """``entries`` (IDs in ``(lo, hi]``; ``hi`` None = no end) with the pending IDs of
    that range that have no entry put in as ``[id, None]``."""
    start = bisect_right(ghosts, lo)
    stop = len(ghosts) if hi is None else bisect_right(ghosts, hi)
    if start >= stop:
        return entries
    have = {id_int(e[0]) for e in entries}
    extra = [[f"{g >> 64}-{g & ((1 << 64) - 1)}", None]
             for g in ghosts[start:stop] if g not in have]
    if not extra:
        return entries
    return sorted(entries + extra, key=lambda e: id_int(e[0]))


def server_windows(conn: RawConnection, key: str, chunk: int) -> Iterator[dict[str, Any]]:
    """A stream's record values, ``chunk`` entries each (XRANGE windows), meta last."""
    meta = server_meta(conn, key)
    if meta is None:
        return
    ghosts = pending_ids(meta)
    placed: list[str] = []
    lo = -1
    start = "-"
    while True:
        got = conn.call("XRANGE", key, start, "+", "COUNT", str(chunk))
        if isinstance(got, ReplyError):
            got = []
        done = len(got) < chunk
        hi = None if done else id_int(got[-1][0])
        part = with_ghosts([[e[0], e[1]] for e in got], ghosts, lo, hi)
        placed.extend(e[0] for e in part if e[1] is None)
        if done:
            yield {"entries": part, "meta": {**meta, "ghosts": placed}}
            return
        yield {"entries": part}
        lo = hi  # type: ignore[assignment]
        start = "(" + got[-1][0]


# ---- writing a server --------------------------------------------------------------


def write_cmds(dest: str, value: dict[str, Any], first: bool) -> list[tuple[str, ...]]:
    """The commands that add one record part to ``dest`` (see the module docstring)."""
    cmds: list[tuple[str, ...]] = []
    if first:  # makes the key a stream even when it has no entries
        cmds.append(("XGROUP", "CREATE", dest, SCRATCH_GROUP, "$", "MKSTREAM"))
    for sid, fields in value["entries"]:
        cmds.append(("XADD", dest, sid, *(fields if fields is not None else GHOST_FIELDS)))
    meta = value.get("meta")
    if meta is None:
        return cmds
    for g in meta["groups"]:
        er = g["entries_read"]
        cmds.append(("XGROUP", "CREATE", dest, g["name"], g["last_id"],
                     *(("ENTRIESREAD", str(er)) if er is not None else ())))
        for name, _seen, _active in g["consumers"]:
            cmds.append(("XGROUP", "CREATECONSUMER", dest, g["name"], name))
        for sid, owner, when, count in g["pending"]:
            cmds.append(("XCLAIM", dest, g["name"], owner, "0", sid, "TIME", str(when),
                         "RETRYCOUNT", str(count), "FORCE", "JUSTID"))
    cmds.append(("XGROUP", "DESTROY", dest, SCRATCH_GROUP))
    ghosts = meta.get("ghosts") or []
    first_real = meta["first_id"]
    low = [g for g in ghosts if first_real is None or id_int(g) < id_int(first_real)]
    high = [g for g in ghosts if g not in set(low)]
    if low:
        cmds.append(("XTRIM", dest, "MINID", first_real or _MAX_ID))
    if high:
        cmds.append(("XDEL", dest, *high))
    setid: tuple[str, ...] = ("XSETID", dest, meta["last_id"], "ENTRIESADDED",
                              str(meta["entries_added"]))
    if meta["max_deleted_id"] != "0-0":
        setid += ("MAXDELETEDID", meta["max_deleted_id"])
    cmds.append(setid)
    return cmds


# ---- comparing ---------------------------------------------------------------------


def comparable(meta: dict[str, Any]) -> Any:
    """What of a stream's meta a copy must reproduce (consumers' times left out)."""
    return (meta["last_id"], meta["entries_added"], meta["max_deleted_id"], meta["first_id"],
            sorted((g["name"], g["last_id"], g["entries_read"],
                    sorted(c[0] for c in g["consumers"]),
                    [list(p) for p in g["pending"]]) for g in meta["groups"]))


def server_check(conn: RawConnection, key: str, value: dict[str, Any]) -> bool:
    """Whether ``key`` on a server holds this record part."""
    real = [e for e in value["entries"] if e[1] is not None]
    if real:
        got = conn.call("XRANGE", key, real[0][0], real[-1][0])
        if isinstance(got, ReplyError) or [[e[0], e[1]] for e in got] != real:
            return False
    meta = value.get("meta")
    if meta is None:
        return True
    theirs = server_meta(conn, key)
    return theirs is not None and comparable(theirs) == comparable(meta)
