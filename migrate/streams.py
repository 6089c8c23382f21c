"""Streams in transit: the shape of a stream record read from a snapshot file.

The stream record value, its ghosts and the commands that write it back are the
library's (:mod:`redipy.stream_records`), and so is a server's stream read in windows
and checked in place (:mod:`redipy.redis.records`); what stays here is the shape check
a snapshot file's stream records pass before anything is written.
"""

from __future__ import annotations

import re
from typing import Any

from redipy.stream_records import id_int

_ID = re.compile(r"(\d{1,20})-(\d{1,20})")


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
