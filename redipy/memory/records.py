"""Whole-key access to a memory database for bulk tools (dump, load, migrate, compare).

Commands see the keyspace one command at a time; a copy tool wants to walk every key,
read a key as one flat value (or in windows of a big collection), and write a whole
key back. :class:`KeyspaceView` offers exactly that over the database's public
operations, so callers never touch the database's internals. Every method expects
the caller to hold :meth:`KeyspaceView.locked` (it is re-entrant), which makes a
batch of reads or writes atomic for other threads.

Values are flat, the way servers send them: a list or set is ``[item, ...]``, a hash
``[field, value, ...]``, a sorted set ``[member, score, ...]`` with scores as the text
a server replies with. Keys and values cross here as text (UTF-8, with
``surrogateescape`` for bytes that are not), converted from and to the backend's byte
strings by :mod:`redipy.memory.boundary`, so a copy to a server or a snapshot carries
the same bytes.
"""

from __future__ import annotations

import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from itertools import islice
from typing import Any

from redipy.memory.boundary import to_bytes, to_text
from redipy.memory.db import Database
from redipy.memory.glob import key_matcher
from redipy.memory.numbers import format_double
from redipy.memory.stream import INVALID_READ, MASK, MAX_ID, Group, RStream, id_text
from redipy.memory.structs import TYPE_NAMES, RHash, RList, RSet, RZSet
from redipy.records import TYPES, Record, whole

_KINDS: dict[str, type] = {"list": RList, "hash": RHash, "set": RSet, "zset": RZSet}
_FLAT = frozenset(_KINDS.values())  # the collections read as flat items
_IDS: weakref.WeakKeyDictionary[Database, str] = weakref.WeakKeyDictionary()
_IDS_LOCK = threading.Lock()


class KeyspaceView:
    """Record-level reads and writes on one database of a memory backend."""

    def __init__(self, backend: Any, db: int | None = None) -> None:
        self.db: Database = backend.db if db is None else backend.dbs[db]

    # ---- identity and locking ----------------------------------------------------

    def identity(self) -> str:
        """A token naming this database instance for as long as the process lives
        (what a checkpoint stores to know it resumes against the same keyspace)."""
        with _IDS_LOCK:
            token = _IDS.get(self.db)
            if token is None:
                token = _IDS[self.db] = uuid.uuid4().hex
            return f"{token}/{self.db.index}"

    def locked(self) -> AbstractContextManager[Any]:
        return self.db.lock

    # ---- reading -------------------------------------------------------------------

    def keys(self) -> list[str]:
        """Every live key, as a list taken now (safe to write while walking it)."""
        return _texts(list(self.db.live_keys()))

    def size(self) -> int:
        return self.db.size()

    def kind(self, key: str) -> str:
        """``string``, ``list``, ``hash``, ``set``, ``zset``, ``none`` or another type's name."""
        val = self.db.get(to_bytes(key))
        return "none" if val is None else TYPE_NAMES.get(type(val), "unknown")

    def expiry(self, key: str) -> int | None:
        """Absolute deadline in ms, ``None`` when the key does not expire."""
        return self.db.expiry(to_bytes(key))

    def length(self, key: str) -> int:
        """Elements of a collection (1 for a string, 0 when missing)."""
        val = self.db.get(to_bytes(key))
        if val is None:
            return 0
        return 1 if type(val) in (str, bytearray) else len(val)

    def string(self, key: str) -> str | None:
        val = self.db.get(to_bytes(key))
        if type(val) is bytearray:  # a string changed in place
            return to_text(val.decode("latin-1"))
        return to_text(val) if type(val) is str else None

    def _live(self, key: str) -> Any:
        """The value at ``key``; a hash without its expired fields (none if all were)."""
        raw = to_bytes(key)
        val = self.db.get(raw)
        if type(val) is RHash and val.ttls is not None and not self.db.purge_fields(raw, val):
            return None
        return val

    def flat(self, key: str) -> Iterator[str]:
        """A collection's content as flat items (see the module docstring)."""
        val = self._live(key)
        kind = type(val)
        if kind is RList or kind is RSet:
            return map(to_text, val)
        if kind is RHash:
            return (to_text(x) for kv in val.items() for x in kv)
        if kind is RZSet:
            return (x for score, member in val.order
                    for x in (to_text(member), format_double(score)))
        return iter(())

    def flat_list(self, key: str) -> list[str]:
        """:meth:`flat` as a list, built at C speed where the type allows."""
        val = self._live(key)
        kind = type(val)
        if kind is RList or kind is RSet:
            return _texts(list(val))
        if kind is RHash:
            return _texts([x for kv in val.map.items() for x in kv])
        return list(self.flat(key))

    def page(self, keys: Sequence[str], limit: int,
             fields: bool) -> list[tuple[str, str, int | None, Any, dict[str, int] | None]]:
        """``(key, kind, deadline, value, field deadlines)`` of each live key of ``keys``
        in one lookup per key (the copy tools' hot path): the value is a string's text
        or a collection's flat items when it holds at most ``limit`` elements, ``None``
        for a bigger one or a stream (read those with :meth:`flat` and
        :meth:`stream_values`); field deadlines only when ``fields`` (see
        :meth:`any_field_ttls`). Keys gone or expired are left out."""
        db = self.db
        data, expires = db.data, db.expires
        now = db.clock() if expires else 0
        out: list[tuple[str, str, int | None, Any, dict[str, int] | None]] = []
        add = out.append
        for key in keys:
            raw = key if key.isascii() else to_bytes(key)
            val = data.get(raw)
            if val is None:
                continue
            exp = expires.get(raw) if expires else None
            if exp is not None and exp <= now:
                db.get(raw)  # expires it, as a lookup would
                continue
            kind = type(val)
            ttls = None
            if kind is str:
                add((key, "string", exp, val if val.isascii() else to_text(val), None))
                continue
            if kind is bytearray:  # a string changed in place
                add((key, "string", exp, to_text(val.decode("latin-1")), None))
                continue
            if kind is RHash and val.ttls is not None:
                if not db.purge_fields(raw, val):
                    continue
                if fields and val.ttls:
                    ttls = self.field_ttls(key)
            name = TYPE_NAMES.get(kind, "unknown")
            if len(val) > limit or kind not in _FLAT:
                add((key, name, exp, None, ttls))
            elif kind is RHash:
                add((key, name, exp, _texts([x for kv in val.map.items() for x in kv]), ttls))
            elif kind is RZSet:
                add((key, name, exp, _texts([x for score, member in val.order
                                             for x in (member, format_double(score))]), None))
            else:
                add((key, name, exp, _texts(list(val)), None))
        return out

    def any_field_ttls(self) -> bool:
        """Whether some hash of this database may have field TTLs (O(1))."""
        return bool(self.db.hfe)

    def field_ttls(self, key: str) -> dict[str, int] | None:
        """A hash's field deadlines (``{field: ms}``, live fields only), ``None`` when
        no field has one."""
        val = self._live(key)
        if type(val) is not RHash or not val.ttls:
            return None
        ttls = val.ttls
        if "".join(ttls).isascii():
            return dict(ttls)
        return {to_text(f): when for f, when in ttls.items()}

    def contains(self, key: str, kind: str, flat: Sequence[str], offset: int = 0) -> bool:
        """Whether ``key`` holds this part of a value (a list part starts at ``offset``)."""
        val = self._live(key)
        if val is None or TYPE_NAMES.get(type(val)) != kind:
            return False
        if kind == "string":
            return self.string(key) == flat
        if kind == "stream":
            return self._stream_contains(key, flat)  # type: ignore[arg-type]
        flat = _bytes(list(flat))
        if kind == "list":
            return list(islice(val, offset, offset + len(flat))) == list(flat)
        if kind == "set":
            return all(m in val for m in flat)
        it = iter(flat)
        if kind == "hash":
            return all(val.get(f) == v for f, v in zip(it, it))
        try:
            return all(val.score(m) == float(s) for m, s in zip(it, it))
        except ValueError:
            return False

    # ---- streams -------------------------------------------------------------------
    # Stream values follow redipy.migrate.streams: {"entries": [[id, fields|None]...]},
    # "meta" on the last part; pending IDs without an entry appear as ghosts [id, None].

    def stream_meta(self, key: str) -> dict[str, Any] | None:
        """A stream's counters, groups, consumers and PELs (None when no stream)."""
        s = self.db.get(to_bytes(key))
        if type(s) is not RStream:
            return None
        groups = []
        for g in s.groups.values():
            pel = g.pel
            groups.append({
                "name": to_text(g.name), "last_id": id_text(g.last_id),
                "entries_read": None if g.entries_read == INVALID_READ else g.entries_read,
                "consumers": [[to_text(c.name), c.seen, c.active]
                              for c in g.consumers.values()],
                "pending": [[id_text(sid), to_text(pel[sid].consumer.name), pel[sid].time,
                             pel[sid].count] for sid in g.pel_ids.irange(0, MAX_ID)]})
        return {"last_id": id_text(s.last_id), "entries_added": s.entries_added,
                "max_deleted_id": id_text(s.max_deleted),
                "first_id": id_text(s.edge_first()) if s.entries else None,
                "groups": groups}

    def stream_values(self, key: str, chunk: int) -> Iterator[dict[str, Any]]:
        """A stream as record values of ``chunk`` entries each, the meta on the last."""
        s = self.db.get(to_bytes(key))
        meta = self.stream_meta(key)
        if type(s) is not RStream or meta is None:
            return
        ghosts = sorted({sid for g in s.groups.values() for sid in g.pel
                         if sid not in s.entries})
        gpos = 0
        placed: list[str] = []
        lo = 0
        while True:
            got = s.range(lo, MAX_ID, chunk)
            done = len(got) < chunk
            hi = MAX_ID if done else _sid(got[-1][0])
            part: list[Any] = [[sid, _texts(list(fields))] for sid, fields in got]
            extra = []
            while gpos < len(ghosts) and ghosts[gpos] <= hi:
                extra.append(ghosts[gpos])
                gpos += 1
            if extra:
                part += [[id_text(g), None] for g in extra]
                part.sort(key=lambda e: _sid(e[0]))
                placed += [id_text(g) for g in extra]
            if done:
                yield {"entries": part, "meta": {**meta, "ghosts": placed}}
                return
            yield {"entries": part}
            lo = hi + 1

    def _append_stream(self, key: str, value: dict[str, Any]) -> bool:
        db = self.db
        bkey = to_bytes(key)
        cur = db.get(bkey)
        fresh = cur is None
        if fresh:
            cur = RStream()
        elif type(cur) is not RStream:
            return False
        for sid_text, fields in value["entries"]:
            if fields is None:
                continue
            sid = _sid(sid_text)
            if cur.entries and sid <= cur.last_id:
                return False
            cur.append(sid, list(_bytes(fields)))
        meta = value.get("meta")
        if meta is not None:
            cur.last_id = _sid(meta["last_id"])
            cur.entries_added = meta["entries_added"]
            cur.max_deleted = _sid(meta["max_deleted_id"])
            cur.first_id = cur.edge_first()
            now = db.clock()
            for gm in meta["groups"]:
                gname = to_bytes(gm["name"])
                er = gm["entries_read"]
                g = cur.groups[gname] = Group(gname, _sid(gm["last_id"]),
                                              INVALID_READ if er is None else er)
                for cname, seen, active in gm["consumers"]:
                    cons, _ = g.consumer(to_bytes(cname), seen)
                    cons.active = -1 if active is None else active
                for sid_text, owner, when, count in gm["pending"]:
                    cons, _ = g.consumer(to_bytes(owner), now)
                    g.add_pending(_sid(sid_text), cons, when, count)
        if fresh:
            db.add_new(bkey, cur)
        else:
            db.touch(bkey)
        return True

    def _stream_contains(self, key: str, value: dict[str, Any]) -> bool:
        """Whether the part's entries are there (its meta is compared by the caller)."""
        s = self.db.get(to_bytes(key))
        if type(s) is not RStream:
            return False
        for sid_text, fields in value["entries"]:
            if fields is None:
                continue
            got = s.entries.get(_sid(sid_text))
            if got is None or _texts(list(got[1])) != fields:
                return False
        return True

    # ---- writing -------------------------------------------------------------------

    def delete(self, key: str) -> bool:
        return self.db.delete(to_bytes(key))

    def put_string(self, key: str, value: str) -> None:
        self.db.put(to_bytes(key), to_bytes(value))

    def append(self, key: str, kind: str, flat: Sequence[str]) -> bool:
        """Add a collection part to ``key`` (created when missing). False, and nothing
        written, when ``key`` holds another type."""
        if kind == "stream":
            return self._append_stream(key, flat)  # type: ignore[arg-type]
        db = self.db
        cls = _KINDS[kind]
        key = to_bytes(key)
        flat = _bytes(flat)
        cur = db.get(key)
        fresh = cur is None
        if fresh:
            if not flat:
                return True
            cur = cls()
        elif type(cur) is not cls:
            return False
        if kind == "list":
            cur.extend(flat)
        elif kind == "set":
            add = cur.add
            for m in flat:
                add(m)
        elif kind == "hash":
            hset = cur.set
            it = iter(flat)
            for f, v in zip(it, it):
                hset(f, v)
        else:
            zset = cur.set
            it = iter(flat)
            for m, s in zip(it, it):
                zset(m, float(s))
        if fresh:
            db.add_new(key, cur)
        else:
            db.touch(key)
        return True

    def set_field_ttls(self, key: str, ttls: dict[str, int]) -> None:
        """Absolute deadlines for fields of the hash at ``key`` (HPEXPIREAT's effect: a
        deadline in the past deletes the field, an emptied hash its key); fields the
        hash lacks are left out."""
        raw = to_bytes(key)
        h = self.db.get(raw)
        if type(h) is not RHash:
            return
        now = self.db.clock()
        for f, when in ttls.items():
            bf = to_bytes(f)
            if bf not in h.map:
                continue
            if when <= now:
                h.remove(bf)
            else:
                h.expire_at(bf, when)
        if not h.map:
            self.db.delete(raw)
            return
        if h.ttls:
            self.db.track_fields(raw)
        self.db.touch(raw)

    def set_expiry(self, key: str, when_ms: int) -> None:
        """An absolute deadline for a live key (one in the past deletes it)."""
        key = to_bytes(key)
        if self.db.get(key) is not None:
            self.db.set_expiry(key, when_ms)


def _sid(text: str) -> int:
    ms, _, seq = text.partition("-")
    return int(ms) << 64 | int(seq) & MASK


def _texts(items: list[str]) -> list[str]:
    """Byte strings as text; the same list when all are ASCII (one C-speed check)."""
    if "".join(items).isascii():
        return items
    return [to_text(x) for x in items]


def _bytes(items: Sequence[str]) -> Sequence[str]:
    """Text as byte strings; the same sequence when all are ASCII."""
    if "".join(items).isascii():
        return items
    return [to_bytes(x) for x in items]


def view(backend: Any) -> KeyspaceView:
    """The :class:`KeyspaceView` of a memory backend's selected database."""
    return KeyspaceView(backend)


class MemoryRecords:
    """:class:`redipy.records.KeyspaceRecords` on one database of a memory backend: each
    read and write holds the database lock, so it is atomic for other threads, and
    :meth:`locked` makes several of them one step."""

    def __init__(self, backend: Any, db: int | None = None) -> None:
        self.backend = backend
        self.view = KeyspaceView(backend, db)
        self._index = self.view.db.index

    def locked(self) -> AbstractContextManager[Any]:
        """The database lock (re-entrant): records read or written under it are one step."""
        return self.view.locked()

    def iter_keys(self, match: str | None = None, count: int = 1000,
                  type: str | None = None) -> Iterator[str]:
        """The keys (matching ``match``, of ``type``) as a list taken now, ``count``
        checked per lock hold, so writers are never held up for a whole walk."""
        v = self.view
        with v.locked():
            keys = v.keys()
        flt = None if match is None else key_matcher(to_bytes(match))  # glob on bytes
        for start in range(0, len(keys), max(count, 1)):
            page = keys[start:start + max(count, 1)]
            if flt is not None:
                page = [k for k in page if flt(to_bytes(k))]
            if type is not None:
                with v.locked():
                    page = [k for k in page if v.kind(k) == type]
            yield from page

    def read_record(self, key: str) -> Record | None:
        v = self.view
        with v.locked():
            kind = v.kind(key)
            if kind == "none":
                return None
            if kind not in TYPES:
                raise ValueError(f"{key!r}: no record carries type {kind!r}")
            exp = v.expiry(key)
            if kind == "string":
                return Record(key, kind, v.string(key), exp)
            if kind == "stream":
                value = next(iter(v.stream_values(key, v.length(key) + 1)))
                return Record(key, kind, value, exp)
            flat = v.flat_list(key)
            if not flat:  # a hash whose fields all expired just now
                return None
            ttls = v.field_ttls(key) if kind == "hash" else None
            return Record(key, kind, flat, exp, ttls=ttls)

    def write_record(self, record: Record, *, replace: bool = False) -> bool:
        whole(record)
        v = self.view
        key = record.key
        with v.locked():
            if v.kind(key) != "none":
                if not replace:
                    return False
                v.delete(key)
            if record.type == "string":
                v.put_string(key, record.value)
            else:
                v.append(key, record.type, record.value)
            if record.ttls:
                v.set_field_ttls(key, record.ttls)
            if record.expire_at is not None:
                v.set_expiry(key, record.expire_at)
        return True

    def load_script(self, source: str) -> str:
        return str(self.backend.run("SCRIPT", ["LOAD", source]))

    def delete(self, key: str) -> bool:
        """DEL of one key (what a copy back writes for a key its source no longer has)."""
        with self.view.locked():
            return self.view.delete(key)
