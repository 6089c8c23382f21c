"""A stream as a record value, read from a server's XINFO and written back exactly.

A stream record's value is ``{"entries": [[id, [field, value, ...]], ...]}`` in ID
order; the last part of a key (a whole key's only part) also carries ``"meta"``::

    {"last_id": "5-1", "entries_added": 7, "max_deleted_id": "2-0", "first_id": "3-0",
     "groups": [{"name": "g", "last_id": "4-0", "entries_read": 4,
                 "consumers": [["alice", seen_ms, active_ms]],
                 "pending": [["3-0", "alice", delivery_ms, delivery_count], ...]}],
     "ghosts": ["2-0"]}

``entries_read`` is ``null`` where the server does not know it; ``active_ms`` is ``null``
on servers without it (Redis 7.0); ``first_id`` is ``null`` for an empty stream.

A pending entry whose stream entry was deleted (XDEL, or trimmed) must still be carried,
but a server only lets XCLAIM ... FORCE create a pending entry for an entry that exists.
So a reader puts such IDs among the entries as *ghosts* (``[id, null]``, listed in
``ghosts``); a writer adds each ghost with a placeholder field, claims the pending
entries, then removes the ghosts again: those below the first real entry with ``XTRIM
MINID`` (which leaves max-deleted-entry-id alone, as the source's trim did), the others
with ``XDEL``; a final ``XSETID`` puts back the last ID, entries-added and
max-deleted-entry-id. What a server cannot be told: consumers' seen-time and active-time
(a server target sets them to the time of the write; the memory backend keeps them).
"""

from __future__ import annotations

from bisect import bisect_right
from typing import Any

#: a group that exists only while a stream is written (it makes an empty stream)
SCRATCH_GROUP = "\x00redipy-migrate"
GHOST_FIELDS = ("\x00redipy-ghost", "")
_MAX_ID = "18446744073709551615-18446744073709551615"


def id_int(text: str) -> int:
    """``ms-seq`` as one int that sorts like the ID."""
    ms, _, seq = text.partition("-")
    return int(ms) << 64 | int(seq)


def pairs(flat: Any) -> dict[str, Any]:
    """A RESP2 map (names and values in one flat list) or a RESP3 one, as a dict."""
    if isinstance(flat, dict):
        return {str(k): v for k, v in flat.items()}
    it = iter(flat)
    return {str(k): v for k, v in zip(it, it)}


def meta_of(full: Any, first_id: str | None) -> dict[str, Any]:
    """The meta of a stream from its ``XINFO STREAM key FULL`` reply (with a COUNT that
    covers every PEL); ``first_id`` is the first entry's ID (``None``: empty)."""
    top = pairs(full)
    groups: list[dict[str, Any]] = []
    for raw in top.get("groups") or []:
        g = pairs(raw)
        consumers = []
        for c in g.get("consumers") or []:
            cd = pairs(c)
            active = cd.get("active-time")
            consumers.append([str(cd["name"]), int(cd["seen-time"]),
                              None if active is None else int(active)])
        er = g.get("entries-read")
        groups.append({
            "name": str(g["name"]), "last_id": str(g["last-delivered-id"]),
            "entries_read": None if er is None else int(er),
            "consumers": consumers,
            "pending": [[str(p[0]), str(p[1]), int(p[2]), int(p[3])]
                        for p in g.get("pending") or []]})
    return {"last_id": str(top["last-generated-id"]),
            "entries_added": int(top["entries-added"]),
            "max_deleted_id": str(top.get("max-deleted-entry-id", "0-0")),
            "first_id": first_id, "groups": groups}


def value_of(full: Any) -> dict[str, Any]:
    """A whole stream's record value from ``XINFO STREAM key FULL COUNT 0`` (every entry,
    every pending entry), ghosts included."""
    entries: list[Any] = [[str(e[0]), [str(x) for x in e[1]]]
                          for e in pairs(full).get("entries") or []]
    meta = meta_of(full, str(entries[0][0]) if entries else None)
    part = with_ghosts(entries, pending_ids(meta), -1, None)
    return {"entries": part, "meta": {**meta, "ghosts": [e[0] for e in part if e[1] is None]}}


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


def comparable(meta: dict[str, Any]) -> Any:
    """What of a stream's meta a copy must reproduce (consumers' times left out)."""
    return (meta["last_id"], meta["entries_added"], meta["max_deleted_id"], meta["first_id"],
            sorted((g["name"], g["last_id"], g["entries_read"],
                    sorted(c[0] for c in g["consumers"]),
                    [list(p) for p in g["pending"]]) for g in meta["groups"]))
