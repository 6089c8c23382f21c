"""Where records come from and go to: the memory backend, a snapshot file, a server.

Every endpoint that can be read yields :class:`Record` objects interleaved with
:class:`Mark` objects (points a resumed run may restart from); every endpoint that
can be written takes batches of records as typed writes (pipelined to a server,
under one lock hold in memory). Making a replay after a crash safe is the engine's
job (it rewrites keys that may be half-written).
"""

from __future__ import annotations

import os
import time
from bisect import bisect_left
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from redipy.migrate.records import TYPES, Mark, Record, discard, key_filter, unstable
from redipy.migrate.resp import RawConnection, ReplyError
from redipy.migrate.snapshot import SnapshotReader, SnapshotWriter
from redipy.migrate.streams import server_check, server_windows
from redipy.migrate.urls import is_url, label_of_url, mask_url, open_client

from redipy.patterns import escape_glob
from redipy.stream_records import comparable, write_cmds


class EndpointError(Exception):
    """An endpoint that cannot be used as asked (bad URL, missing file, wrong kind)."""


def now_ms() -> int:
    return int(time.time() * 1000)


# ---- memory ------------------------------------------------------------------------


_BIG = frozenset(("list", "hash", "set", "zset"))


class MemoryEndpoint:
    """An in-process ``redipy.Redis()``, read and written through the memory backend's
    :class:`redipy.memory.records.KeyspaceView` (under its lock, so each page read and
    each batch written is atomic for other threads)."""

    kind = "memory"

    def __init__(self, client: Any) -> None:
        from redipy.memory.records import view

        self.client = client
        self.view = view(client.backend)
        self.name = "memory"
        self._problems: list[str] = []
        self._conflicts: list[str] = []
        self._blocked: set[str] = set()  # keys whose first part met an existing key
        self._writing: set[str] = set()  # keys written in parts, not yet complete

    def identity(self) -> dict[str, Any]:
        return {"kind": "memory", "id": self.view.identity()}

    def estimate(self, match: str | None, types: Sequence[str] | None) -> int | None:
        if match is None and not types:
            with self.view.locked():
                return self.view.size()
        return None

    def key_batches(self, match: str | None, types: Sequence[str] | None,
                    batch: int) -> Iterator[list[str]]:
        v = self.view
        with v.locked():
            keys = v.keys()
        flt = key_filter(match)
        wanted = set(types) if types else None
        out: list[str] = []
        for key in keys:
            if flt is not None and not flt(key):
                continue
            if wanted is not None:
                with v.locked():
                    if v.kind(key) not in wanted:
                        continue
            out.append(key)
            if len(out) >= batch:
                yield out
                out = []
        if out:
            yield out

    def records(self, *, match: str | None, types: Sequence[str] | None, chunk: int,
                batch: int, start: Any = None) -> Iterator[Record | Mark]:
        v = self.view
        with v.locked():
            keys = v.keys()
        flt = key_filter(match)
        wanted = set(types) if types else None
        idx = int(start or 0)
        while idx < len(keys):
            page = keys[idx:idx + batch]
            idx += len(page)
            if flt is not None:
                page = [k for k in page if flt(k)]
            with v.locked():  # the page is read under one lock hold
                rows = v.page(page, chunk, v.any_field_ttls())
            for key, kind, exp, value, ttls in rows:
                if wanted is not None and kind not in wanted:
                    continue
                if value is not None:
                    yield Record(key, kind, value, exp, 0, False, ttls)
                elif kind not in TYPES:
                    yield Record(key, kind, None, exp)  # reported upstream
                else:
                    yield from self._parts(key, kind, chunk)
            yield Mark(idx)

    def _parts(self, key: str, kind: str, chunk: int) -> Iterator[Record]:
        """A stream or a big collection, parts off one iterator, the lock held throughout
        (the key as it is now: gone or changed since the page was read is fine)."""
        v = self.view
        with v.locked():
            kind = v.kind(key)
            exp = v.expiry(key)
            if kind == "stream":
                for i, val in enumerate(v.stream_values(key, chunk)):
                    yield Record(key, kind, val, exp, i, "meta" not in val)
                return
            if kind not in _BIG:
                if kind == "string":
                    yield Record(key, kind, v.string(key), exp)
                elif kind != "none":
                    yield Record(key, kind, None, exp)  # reported upstream
                return
            width = 2 if kind in ("hash", "zset") else 1
            ttls = v.field_ttls(key) if v.any_field_ttls() and kind == "hash" else None
            items = v.flat(key)
            total = v.length(key) * width
            part = sent = 0
            while sent < total:
                piece = list(islice(items, min(chunk * width, total - sent)))
                sent += len(piece)
                mine = None
                if ttls:
                    mine = {f: ttls[f] for f in piece[0::2] if f in ttls} or None
                yield Record(key, kind, piece, exp, part, sent < total, mine)
                part += 1

    # -- writing --

    def is_empty(self) -> bool:
        with self.view.locked():
            return self.view.size() == 0

    def exists(self, keys: Sequence[str]) -> list[bool]:
        v = self.view
        with v.locked():
            return [v.kind(k) != "none" for k in keys]

    def send(self, records: Sequence[Record], replace: set[str], ttl_keep: bool,
             guard: bool = False) -> None:
        """Write a batch. A first part replaces the key when it is in ``replace``; with
        ``guard`` a first part meeting an existing key is a conflict (nothing written
        for that key, nor for its later parts)."""
        v = self.view
        problems, conflicts, blocked = self._problems, self._conflicts, self._blocked
        writing = self._writing
        with v.locked():
            for rec in records:
                key, kind = rec.key, rec.type
                if rec.part == 0:
                    blocked.discard(key)
                    if key in writing:  # the source started this key over: drop our part
                        writing.discard(key)
                        v.delete(key)
                    elif key in replace:
                        v.delete(key)
                    elif v.kind(key) != "none":
                        if guard:
                            conflicts.append(key)
                            if rec.more:
                                blocked.add(key)
                            continue
                        v.delete(key)
                    if rec.value is None:  # a discard: nothing more to write
                        continue
                    if rec.more:
                        writing.add(key)
                elif key in blocked:
                    if not rec.more:
                        blocked.discard(key)
                    continue
                if not rec.more:
                    writing.discard(key)
                if kind == "string":
                    v.put_string(key, rec.value)
                elif not v.append(key, kind, rec.value):
                    problems.append(f"{key}: target holds another type")
                    continue
                if ttl_keep and rec.ttls:
                    v.set_field_ttls(key, rec.ttls)
                if ttl_keep and rec.expire_at is not None and not rec.more:
                    v.set_expiry(key, rec.expire_at)

    def sync(self) -> tuple[list[str], list[str]]:
        """(problems, conflicts) of the batches sent since the last call."""
        out = (self._problems, self._conflicts)
        self._problems, self._conflicts = [], []
        return out

    def state(self) -> dict[str, Any] | None:
        return None

    def finish(self) -> None:
        pass

    def close(self, *, ok: bool = True) -> None:
        pass

    # -- comparing --

    def meta(self, keys: Sequence[str]) -> list[tuple[str, int | None, int]]:
        """(type, expiry, element count) per key; type "none" when missing."""
        v = self.view
        out: list[tuple[str, int | None, int]] = []
        with v.locked():
            for key in keys:
                kind = v.kind(key)
                if kind == "none":
                    out.append(("none", None, 0))
                else:
                    out.append((kind if kind in TYPES else "other", v.expiry(key),
                                v.length(key)))
        return out

    def field_ttls(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, int]]:
        """Per (key, fields) pair, the deadlines of those fields that have one."""
        v = self.view
        out: list[dict[str, int]] = []
        with v.locked():
            for key, fields in items:
                ttls = v.field_ttls(key) or {}
                out.append({f: ttls[f] for f in fields if f in ttls})
        return out

    def check(self, items: Sequence[tuple[Record, int]]) -> list[bool]:
        """Whether each record part's content is in this endpoint (offset for lists)."""
        v = self.view
        with v.locked():
            return [v.contains(rec.key, rec.type, rec.value, offset) and (
                rec.type != "stream" or "meta" not in rec.value
                or _same_meta(v.stream_meta(rec.key), rec.value["meta"]))
                for rec, offset in items]


def _same_meta(mine: dict[str, Any] | None, theirs: dict[str, Any]) -> bool:
    return mine is not None and comparable(mine) == comparable(theirs)


# ---- snapshot files ---------------------------------------------------------------


class FileSource:
    """A snapshot file as a source: its bytes, checksum and trailer checked before the
    first record (:meth:`SnapshotReader.prepare`), every record before its block of the
    file is handed out."""

    kind = "file"

    def __init__(self, path: str) -> None:
        self.path = os.fspath(path)
        self.name = self.path
        self.reader = SnapshotReader(self.path)
        self._validated = False

    def validate(self) -> None:
        if not self._validated:
            self.reader.prepare()
            self._validated = True

    def identity(self) -> dict[str, Any]:
        self.validate()
        assert self.reader.trailer is not None
        return {"kind": "file", "path": os.path.abspath(self.path),
                "sha256": self.reader.trailer.get("sha256")}

    def estimate(self, match: str | None, types: Sequence[str] | None) -> int | None:
        self.validate()
        return self.reader.estimate() if match is None and not types else None

    def key_batches(self, match: str | None, types: Sequence[str] | None,
                    batch: int) -> Iterator[list[str]]:
        self.validate()
        flt = key_filter(match)
        wanted = set(types) if types else None
        out: list[str] = []
        for key, kind in self.reader.keys():
            if (flt is None or flt(key)) and (wanted is None or kind in wanted):
                out.append(key)
                if len(out) >= batch:
                    yield out
                    out = []
        if out:
            yield out

    def records(self, *, match: str | None, types: Sequence[str] | None, chunk: int,
                batch: int, start: Any = None) -> Iterator[Record | Mark]:
        self.validate()
        flt = key_filter(match)
        wanted = set(types) if types else None
        if flt is None and wanted is None:
            return self.reader.records(start)  # no generator of ours per record
        return self._filtered(flt, wanted, start)

    def _filtered(self, flt: Any, wanted: set[str] | None, start: Any
                  ) -> Iterator[Record | Mark]:
        for item in self.reader.records(start):
            if isinstance(item, Mark) or (
                    (flt is None or flt(item.key)) and (wanted is None or item.type in wanted)):
                yield item

    def close(self, *, ok: bool = True) -> None:
        pass


class FileTarget:
    """A snapshot file as a destination (written to ``.partial``, renamed at the end)."""

    kind = "file"

    def __init__(self, path: str, *, source: str, resume: dict[str, Any] | None = None,
                 meta: dict[str, Any] | None = None) -> None:
        self.path = os.fspath(path)
        self.name = self.path
        self.writer = SnapshotWriter(self.path, source=source, resume=resume, meta=meta)

    def is_empty(self) -> bool:
        return True

    def exists(self, keys: Sequence[str]) -> list[bool]:
        return [False] * len(keys)

    def identity(self) -> dict[str, Any]:
        return {"kind": "file", "path": os.path.abspath(self.path)}

    def send(self, records: Sequence[Record], replace: set[str], ttl_keep: bool,
             guard: bool = False) -> None:
        if not ttl_keep:
            records = [Record(r.key, r.type, r.value, None, r.part, r.more) for r in records]
        self.writer.write(list(records))

    def sync(self) -> tuple[list[str], list[str]]:
        return [], []

    def state(self) -> dict[str, Any] | None:
        return self.writer.state()

    def finish(self) -> None:
        self.writer.finish()

    def close(self, *, ok: bool = True) -> None:
        self.writer.abort(keep=not ok)


# ---- servers -----------------------------------------------------------------------

_READ = {"list": "LRANGE", "hash": "HSCAN", "set": "SSCAN", "zset": "ZSCAN"}
_WRITE = {"list": "RPUSH", "hash": "HSET", "set": "SADD", "zset": "ZADD"}
_READ_SCRIPT = """
local limit = tonumber(ARGV[1])
local ttlcmd = ARGV[2]
local fttl = false
if ARGV[3] ~= '' then -- field TTLs exist here unless this db reports none
  local info = redis.call('INFO', 'keyspace')
  fttl = not string.find(info, 'db' .. ARGV[3] .. ':[^\\r\\n]*keys_with_volatile_items=0[^1-9]')
end
local out = {}
for i = 1, #KEYS do
  local k = KEYS[i]
  local t = redis.call('TYPE', k)['ok']
  local v = false
  local f = false
  if t == 'string' then v = redis.call('GET', k)
  elseif t == 'list' then
    if redis.call('LLEN', k) <= limit then v = redis.call('LRANGE', k, 0, -1) end
  elseif t == 'hash' then
    if redis.call('HLEN', k) <= limit then
      v = redis.call('HGETALL', k)
      if fttl and #v > 0 then
        local names = {}
        for j = 1, #v, 2 do names[#names + 1] = v[j] end
        f = redis.call('HPEXPIRETIME', k, 'FIELDS', #names, unpack(names))
      end
    end
  elseif t == 'set' then
    if redis.call('SCARD', k) <= limit then v = redis.call('SMEMBERS', k) end
  elseif t == 'zset' then
    if redis.call('ZCARD', k) <= limit then v = redis.call('ZRANGE', k, 0, -1, 'WITHSCORES') end
  end
  out[#out + 1] = t
  out[#out + 1] = redis.call(ttlcmd, k)
  out[#out + 1] = v
  out[#out + 1] = f
end
return out
"""

def field_deadlines(names: Sequence[str], reply: Any) -> dict[str, int] | None:
    """``{field: ms}`` from an HPEXPIRETIME reply for ``names`` (-1: no TTL, -2: no
    field), ``None`` when no field has a deadline."""
    if type(reply) is not list:
        return None
    out = {f: when for f, when in zip(names, reply) if type(when) is int and when >= 0}
    return out or None


def _expiry(ttl: Any, ttl_cmd: str) -> int | None:
    """An absolute expiry from a PEXPIRETIME or PTTL reply."""
    if type(ttl) is int and ttl >= 0:
        return ttl if ttl_cmd == "PEXPIRETIME" else now_ms() + ttl
    return None


def _volatile(info: Any, db: int) -> bool:
    """Whether ``INFO keyspace`` leaves open that database ``db`` has field TTLs (Valkey 9
    counts ``keys_with_volatile_items``; a server that does not say may have some)."""
    for line in str(info).splitlines():
        if line.startswith(f"db{db}:"):
            return "keys_with_volatile_items=0," not in line + ","
    return True


#: reads of a big key that another client keeps changing, before it is reported
STREAM_ATTEMPTS = 3

_PLAIN, _SETNX, _RENAMENX, _RENAME = 0, 1, 2, 3
SCRATCH = "\x00redipy-migrate"


def scratch_name(key: str, cluster: bool) -> str | None:
    """A name in ``key``'s hash slot where a guarded write builds the value, ``None``
    when a cluster key allows none (a ``}`` outside any hash tag)."""
    if not cluster:
        return key + SCRATCH
    open_ = key.find("{")
    if open_ >= 0:
        close = key.find("}", open_ + 1)
        if close > open_ + 1:
            return key + SCRATCH  # a hash tag: appending keeps it
    if "}" in key:
        return None
    return "{" + key + "}" + SCRATCH


def _scores_first(flat: list[str]) -> list[str]:
    """``[member, score, ...]`` as ZADD takes it, ``[score, member, ...]``."""
    out = flat[:]
    out[0::2] = flat[1::2]
    out[1::2] = flat[0::2]
    return out


_CARD = {"string": "EXISTS", "list": "LLEN", "hash": "HLEN", "set": "SCARD", "zset": "ZCARD",
         "stream": "XLEN"}


class ServerEndpoint:
    """A Redis or Valkey server behind a ``redipy.Redis`` client (its key prefix applies).

    Reading: SCAN pages; per page one round trip for TYPE and expiry and one for the
    values (with the next SCAN riding along); collections above ``chunk`` elements are
    walked with HSCAN/SSCAN/ZSCAN/LRANGE windows, one part per window. Writing: one
    MULTI/EXEC per batch of typed commands, over a connection driven directly.
    """

    kind = "server"

    def __init__(self, client: Any, *, timeout: float | None = 120.0) -> None:
        backend = client.backend
        self.client = client
        self.backend = backend
        self.prefix: str = backend.prefix
        self.plen = len(self.prefix)
        self.db = server_db(client)
        self.name = server_label(client)
        self._timeout = timeout
        self._rd: RawConnection | None = None
        self._wr: RawConnection | None = None
        self._version: tuple[int, ...] | None = None
        self._info: dict[str, str] | None = None
        self._inflight: list[tuple[int, int, list[tuple[int, str, int]]]] = []
        self._blocked: dict[str, bool] = {}  # keys built under a scratch name
        self._refusing: set[str] = set()  # refused keys whose later parts are dropped
        self._refused: list[str] = []

    # -- connections --

    def reader(self) -> RawConnection:
        if self._rd is None:
            self._rd = RawConnection(self.backend.conn, target=self.name, timeout=self._timeout)
        return self._rd

    def writer(self) -> RawConnection:
        if self._wr is None:
            self._wr = RawConnection(self.backend.conn, target=self.name, timeout=self._timeout)
        return self._wr

    def info(self) -> dict[str, str]:
        """``INFO server`` as a dict (asked once)."""
        if self._info is None:
            text = self.reader().call("INFO", "server")
            if isinstance(text, ReplyError):
                raise EndpointError(f"{self.name}: INFO failed: {text}")
            self._info = dict(line.split(":", 1) for line in str(text).splitlines()
                              if ":" in line and not line.startswith("#"))
        return self._info

    def version(self) -> tuple[int, ...]:
        if self._version is None:
            ver = self.info().get("redis_version", "0").strip()
            self._version = tuple(int(p) for p in ver.split(".") if p.isdigit())
        return self._version

    def product(self) -> tuple[str, tuple[int, ...]]:
        """("valkey" or "redis", its own version): what decides whether DUMP payloads
        of one server restore on another."""
        info = self.info()
        if "valkey_version" in info:
            ver = info["valkey_version"].strip()
            return "valkey", tuple(int(p) for p in ver.split(".") if p.isdigit())
        return "redis", self.version()

    def still(self, identity: dict[str, Any]) -> None:
        """Raise :class:`EndpointError` when the server is no longer the process it was
        (it restarted during the run: whatever was written before is gone)."""
        conn = self._wr or self._rd
        if conn is None or conn.closed():
            raise EndpointError(f"{self.name} closed the connection: the server restarted "
                                "or went away during the run")
        self._info = None
        if self.identity().get("run_id") != identity.get("run_id"):
            raise EndpointError(f"{self.name} restarted during the run (its run_id changed); "
                                "keys copied before may be gone")

    def identity(self) -> dict[str, Any]:
        """The server process (its ``run_id`` changes on every restart), database and
        key prefix: what a resumed run must find again."""
        return {"kind": "server", "name": self.name,
                "run_id": self.info().get("run_id", "").strip(), "db": self.db,
                "prefix": self.prefix}

    def close(self, *, ok: bool = True) -> None:
        for conn in (self._rd, self._wr):
            if conn is not None:
                conn.close()
        self._rd = self._wr = None

    # -- reading --

    def estimate(self, match: str | None, types: Sequence[str] | None) -> int | None:
        if match is None and not types and not self.prefix:
            n = self.reader().call("DBSIZE")
            return int(n) if isinstance(n, int) else None
        return None

    def _scan_cmd(self, cursor: str, match: str | None, types: Sequence[str] | None,
                  batch: int) -> list[str]:
        cmd = ["SCAN", cursor, "COUNT", str(batch)]
        if self.prefix or match not in (None, "*"):
            cmd += ["MATCH", escape_glob(self.prefix) + (match or "*")]
        if types and len(types) == 1:
            cmd += ["TYPE", types[0]]
        return cmd

    def key_batches(self, match: str | None, types: Sequence[str] | None,
                    batch: int) -> Iterator[list[str]]:
        conn = self.reader()
        cursor = "0"
        wanted = set(types) if types and len(types) > 1 else None
        plen = self.plen
        while True:
            reply = conn.call(*self._scan_cmd(cursor, match, types, batch))
            if isinstance(reply, ReplyError):
                raise EndpointError(f"{self.name}: SCAN failed: {reply}")
            cursor, keys = reply
            if keys and wanted is not None:
                kinds = conn.run([("TYPE", k) for k in keys])
                keys = [k for k, t in zip(keys, kinds) if t in wanted]
            if keys:
                yield [k[plen:] for k in keys] if plen else list(keys)
            if cursor == "0":
                return

    def records(self, *, match: str | None, types: Sequence[str] | None, chunk: int,
                batch: int, start: Any = None) -> Iterator[Record | Mark]:
        cursor = str(start) if start else "0"
        if cursor == "done":
            return
        conn = self.reader()
        reader = _PageReader(self, conn, match, types, chunk, batch)
        try:
            yield from reader.run(cursor)
        finally:
            if reader.ahead:  # abandoned with a request in flight: the connection is dirty
                conn.close()
                self._rd = None

    def read_keys(self, keys: Sequence[str], chunk: int) -> Iterator[Record]:
        """Records of these keys (full names, prefix included), read as a page is."""
        conn = self.reader()
        reader = _PageReader(self, conn, None, None, chunk, max(len(keys), 1))
        rows: list[Any] = []
        if reader.sha is not None:
            got = conn.run(reader.script_cmds(keys, "0"))[0]
            if not isinstance(got, ReplyError):
                rows = reader.rows(keys, got)
        if not rows and keys:
            rows, _ = reader.read_plain(keys, "0")
        yield from reader.emit(rows)

    def _load_script(self, conn: RawConnection, *, force: bool = False) -> str | None:
        if self._script is not None and not force:
            return self._script or None
        sha = conn.call("SCRIPT", "LOAD", _READ_SCRIPT)
        self._script = "" if isinstance(sha, ReplyError) else str(sha)
        return self._script or None

    _script: str | None = None

    def _stream(self, conn: RawConnection, key: str, name: str, kind: str, exp: int | None,
                chunk: int) -> Iterator[Record]:
        """A big collection read in windows of ``chunk``, one record part per window,
        under ``WATCH``: when any other client changes the key before the last window
        is read, ``EXEC`` says so and the key is read again from its first part (the
        targets start it over), up to :data:`STREAM_ATTEMPTS` times; then a
        :func:`redipy.migrate.records.unstable` record tells the engine to report it.
        A key deleted or expired meanwhile is dropped (a discard record when some of
        it was already handed out)."""
        ttl_cmd = "PEXPIRETIME" if self.version() >= (7, 0) else "PTTL"
        started = False
        fields = self.field_ttl_support()
        for _ in range(STREAM_ATTEMPTS):
            conn.call("WATCH", key)
            got = conn.run([("TYPE", key), (ttl_cmd, key)]
                           + ([("INFO", "keyspace")] if fields else []))
            kind_now, ttl = got[0], got[1]
            self._volatile = fields and _volatile(got[2], self.db)
            if kind_now not in _READ and kind_now != "stream":
                value = conn.call("GET", key) if kind_now == "string" else None
                conn.call("UNWATCH")
                if started:
                    yield discard(name, kind)
                if type(value) is str:  # now a string: copied as what it is now
                    yield Record(name, "string", value, _expiry(ttl, ttl_cmd))
                elif kind_now != "none":  # another type, reported upstream
                    yield Record(name, kind_now, None, _expiry(ttl, ttl_cmd))
                return
            kind = kind_now
            exp = _expiry(ttl, ttl_cmd)
            last: Record | None = None  # held back until EXEC says the key did not change
            for rec in self._windows(conn, key, name, kind, exp, chunk):
                if last is not None:
                    started = True
                    yield last
                last = rec
            done = conn.run([("MULTI",), ("EXEC",)])[1]
            if done is not None and not isinstance(done, ReplyError):
                if last is not None:
                    yield last
                elif started:
                    yield discard(name, kind)
                return
        yield unstable(name, kind, STREAM_ATTEMPTS)

    def _windows(self, conn: RawConnection, key: str, name: str, kind: str,
                 exp: int | None, chunk: int) -> Iterator[Record]:
        part = 0
        if kind == "stream":
            for part, val in enumerate(server_windows(conn, key, chunk)):
                yield Record(name, kind, val, exp, part, "meta" not in val)
            return
        if kind == "list":
            start = 0
            items: list[str] = []
            while True:
                nxt = conn.call("LRANGE", key, str(start), str(start + chunk - 1))
                if isinstance(nxt, ReplyError):
                    nxt = []
                if items or part:
                    yield Record(name, kind, items, exp, part, bool(nxt))
                    part += 1
                if not nxt:
                    return
                start += len(nxt)
                items = nxt
                if len(nxt) < chunk:
                    yield Record(name, kind, items, exp, part, False)
                    return
        cmd = _READ[kind]
        cursor = "0"
        items = []
        ttls: dict[str, int] | None = None
        fields = kind == "hash" and self._volatile
        while True:
            reply = conn.call(cmd, key, cursor, "COUNT", str(chunk))
            if isinstance(reply, ReplyError):
                reply = ["0", []]
            cursor, nxt = reply
            if items:
                yield Record(name, kind, items, exp, part, bool(nxt) or cursor != "0", ttls)
                part += 1
            items = nxt
            if fields and items:
                names = items[0::2]
                ttls = field_deadlines(names, conn.call("HPEXPIRETIME", key, "FIELDS",
                                                        str(len(names)), *names))
            if cursor == "0":
                if items:
                    yield Record(name, kind, items, exp, part, False, ttls)
                return

    _volatile = False  # whether the big key being read may have field TTLs

    def field_ttl_support(self) -> bool:
        """Whether this server has hash-field TTLs (HPEXPIREAT: Valkey 9, Redis 7.4);
        asked once (Valkey 9 reports redis_version 7.2.4, so not by version)."""
        if self._fttl is None:
            got = self.reader().call("COMMAND", "INFO", "HPEXPIREAT")
            self._fttl = type(got) is list and bool(got) and type(got[0]) is list
        return self._fttl

    _fttl: bool | None = None

    # -- writing --

    def is_empty(self) -> bool:
        conn = self.writer()
        if not self.prefix:
            return bool(conn.call("DBSIZE") == 0)
        cursor = "0"
        while True:
            reply = conn.call("SCAN", cursor, "MATCH", escape_glob(self.prefix) + "*",
                              "COUNT", "1000")
            cursor, keys = reply
            if keys:
                return False
            if cursor == "0":
                return True

    def exists(self, keys: Sequence[str]) -> list[bool]:
        p = self.prefix
        replies = self.writer().run([("EXISTS", p + k) for k in keys])
        for r in replies:
            if isinstance(r, ReplyError):
                raise EndpointError(f"{self.name}: EXISTS failed: {r}")
        return [bool(r) for r in replies]

    def send(self, records: Sequence[Record], replace: set[str], ttl_keep: bool,
             guard: bool = False) -> None:
        """Send one batch of typed writes without waiting; :meth:`sync` reads the replies.

        Not a transaction: the engine makes replays safe instead (a key the interrupted
        run may have half-written is deleted and written again). With ``guard`` a key
        not in ``replace`` is never merged with one already there: a string is written
        with ``SET ... NX``, a collection is built under a scratch name in the same slot
        and moved into place with ``RENAMENX`` (with its expiry), so a key another
        client created meanwhile is left alone and reported as a conflict. (That is the
        cheapest guard for the server: a Lua script doing the same costs it 1.3-1.8x
        the CPU of these plain commands, WATCH/MULTI 2x.)

        Field TTLs go as ``HPEXPIREAT`` (absolute, one command per distinct deadline).
        A server without them refuses a hash that has some before anything is written
        for it: a hash read in parts is then always built under its scratch name, so a
        TTL first seen in a later part drops the scratch and leaves the key untouched."""
        p = self.prefix
        plen = len(p)
        pxat = self.version() >= (6, 2)
        cluster = self.cluster_names
        no_fttl = ttl_keep and not self.field_ttl_support()
        building = self._blocked  # key -> whether its move into place is guarded
        refusing = self._refusing
        cmds: list[Sequence[str]] = []
        # (index of a command, its key, what its reply means): a mark speaks for the
        # commands after the mark before it, up to its own (plain ones but its own)
        marks: list[tuple[int, str, int]] = []
        add_cmd = cmds.append
        add_mark = marks.append

        def add_owner(owner: tuple[str, int]) -> None:  # the rare paths: one per command
            add_mark((len(cmds) - 1, owner[0], owner[1]))

        write = _WRITE
        scratch: list[str] = []  # names to clear before values are built there
        for rec in records:
            name = rec.key
            key = p + name
            kind = rec.type
            value = rec.value
            if kind == "string":  # SET replaces any type (and drops an old TTL)
                if building and name in building:  # started over as a string
                    self._drop_scratch(name, key, add_cmd, add_owner)
                if refusing:
                    refusing.discard(name)
                exp = rec.expire_at if ttl_keep else None
                cmd: tuple[str, ...] = ("SET", key, value)
                if exp is not None and pxat:
                    cmd += ("PXAT", str(exp))
                    exp = None
                if guard and name not in replace:
                    add_cmd((*cmd, "NX"))
                    add_mark((len(cmds) - 1, name, _SETNX))
                else:
                    add_cmd(cmd)
                if exp is not None:
                    add_cmd(("PEXPIREAT", key, str(exp)))
                    add_mark((len(cmds) - 1, name, _PLAIN))
                elif not guard or name in replace:
                    add_mark((len(cmds) - 1, name, _PLAIN))
                continue
            if rec.part == 0 and not rec.more and value and not rec.ttls \
                    and kind in write and not (building and name in building) and not cluster:
                # the common case, a whole small collection: three or four commands
                if refusing:
                    refusing.discard(name)
                exp = rec.expire_at if ttl_keep else None
                if kind == "zset":
                    value = _scores_first(value)
                if guard and name not in replace:
                    aside = key + SCRATCH
                    scratch.append(aside)
                    add_cmd((write[kind], aside, *value))
                    if exp is not None:
                        add_cmd(("PEXPIREAT", aside, str(exp)))
                    add_cmd(("RENAMENX", aside, key))  # with its deadline
                    # a conflict leaves aside: sync deletes it
                    add_mark((len(cmds) - 1, name, _RENAMENX))
                else:
                    add_cmd(("DEL", key))
                    add_cmd((write[kind], key, *value))
                    if exp is not None:
                        add_cmd(("PEXPIREAT", key, str(exp)))
                    add_mark((len(cmds) - 1, name, _PLAIN))
                continue
            self._send_part(rec, key, guard and name not in replace, ttl_keep, no_fttl,
                            add_cmd, add_owner)
        if cmds:
            first = 0
            if scratch:  # one DEL for them all, ahead of the batch
                first = 1
                marks.insert(0, (-1, scratch[0][plen:-len(SCRATCH)], _PLAIN))
                self.writer().send([("DEL", *scratch), *cmds])
            else:
                self.writer().send(cmds)
            self._inflight.append((len(cmds) + first, first, marks))

    def _drop_scratch(self, name: str, key: str, add_cmd: Any, add_owner: Any) -> None:
        """Forget the value being built aside for ``name`` (the source started it over)."""
        del self._blocked[name]
        aside = scratch_name(key, self.cluster_names)
        if aside is not None:
            add_cmd(("DEL", aside))
            add_owner((name, _PLAIN))

    def _send_part(self, rec: Record, key: str, guarded: bool, ttl_keep: bool,
                   no_fttl: bool, add_cmd: Any, add_owner: Any) -> None:
        """The writes of any other record: a part of a big key, a stream, a discard, a
        hash with field TTLs, a cluster key."""
        name, kind = rec.key, rec.type
        cluster = self.cluster_names
        building = self._blocked
        refusing = self._refusing
        last = not rec.more
        exp = rec.expire_at if ttl_keep and last else None
        if rec.part == 0:
            refusing.discard(name)
            if name in building:  # started over: drop the scratch
                self._drop_scratch(name, key, add_cmd, add_owner)
        elif name in refusing:
            if last:
                refusing.discard(name)
            return
        if no_fttl and rec.ttls:
            self._refused.append(name)
            if rec.more:
                refusing.add(name)
            if name in building:  # its earlier parts, built aside: dropped
                del building[name]
                aside = scratch_name(key, cluster)
                add_cmd(("DEL", aside if aside is not None else key))
                add_owner((name, _PLAIN))
            return
        dest = key
        if rec.part == 0:
            if guarded or (no_fttl and kind == "hash" and rec.more):
                aside = scratch_name(key, cluster)
                if aside is not None:
                    dest = aside
                    building[name] = guarded
                    add_cmd(("DEL", dest))
                    add_owner((name, _PLAIN))
            if dest == key and not guarded:
                add_cmd(("DEL", key))
                add_owner((name, _PLAIN))
        elif name in building:
            dest = scratch_name(key, cluster) or key
        if kind == "stream":
            for cmd in write_cmds(dest, rec.value, rec.part == 0):
                add_cmd(cmd)
                add_owner((name, _PLAIN))
        elif rec.value:
            if kind == "zset":
                add_cmd(("ZADD", dest, *_scores_first(rec.value)))
            else:
                add_cmd((_WRITE[kind], dest, *rec.value))
            add_owner((name, _PLAIN))
            if ttl_keep and rec.ttls:
                by_when: dict[int, list[str]] = {}
                for f, when in rec.ttls.items():
                    by_when.setdefault(when, []).append(f)
                for when, fields in by_when.items():
                    add_cmd(("HPEXPIREAT", dest, str(when), "FIELDS", str(len(fields)),
                             *fields))
                    add_owner((name, _PLAIN))
        if exp is not None:
            add_cmd(("PEXPIREAT", dest, str(exp)))
            add_owner((name, _PLAIN))
        if last and dest != key:
            if building.pop(name, True):
                add_cmd(("RENAMENX", dest, key))
                add_owner((name, _RENAMENX))  # a conflict leaves dest: sync deletes it
            else:
                add_cmd(("RENAME", dest, key))
                add_owner((name, _RENAME))

    def refused(self) -> list[str]:
        """Keys refused since the last call: hashes with field TTLs this server lacks."""
        out, self._refused = self._refused, []
        return out

    def refusal(self, key: str) -> str:
        return (f"{key!r}: a hash with field TTLs, which {self.name} does not support "
                "(HPEXPIREAT needs Valkey 9 or Redis 7.4); nothing written for it")

    cluster_names = False

    def sync(self) -> tuple[list[str], list[str]]:
        """(problems, conflicts) of every batch sent: error replies become problems naming
        their key; a guarded write that met an existing key is a conflict."""
        problems: list[str] = [self.refusal(k) for k in self._refused]
        conflicts: list[str] = []
        aside: list[str] = []  # values built aside that a conflict left there
        conn = self.writer() if self._inflight else None
        while self._inflight:
            assert conn is not None
            count, first, marks = self._inflight.pop(0)
            replies = conn.recv(count)
            if ReplyError in set(map(type, replies)):  # the rare case: who they belong to
                at = [m[0] + first for m in marks]
                for i, reply in enumerate(replies):
                    if type(reply) is ReplyError:
                        j = bisect_left(at, i)
                        _, owner, what = marks[j]
                        if at[j] != i:
                            what = _PLAIN
                        if what != _PLAIN and "no such key" in str(reply):
                            continue  # expired before it was moved into place
                        problems.append(f"{owner}: {reply}")
            for idx, owner, what in marks:
                if what != _PLAIN:
                    reply = replies[idx + first]
                    if not reply and type(reply) is not ReplyError:
                        conflicts.append(owner)
                        if what == _RENAMENX:
                            aside.append(scratch_name(self.prefix + owner,
                                                      self.cluster_names) or "")
        if aside:
            assert conn is not None
            conn.run([("DEL", name) for name in aside if name])
        return problems, conflicts

    def state(self) -> dict[str, Any] | None:
        return None

    def finish(self) -> None:
        pass

    # -- comparing --

    def meta(self, keys: Sequence[str]) -> list[tuple[str, int | None, int]]:
        conn = self.reader()
        exact = self.version() >= (7, 0)
        ttl_cmd = "PEXPIRETIME" if exact else "PTTL"
        p = self.prefix
        first = conn.run([c for k in keys for c in (("TYPE", p + k), (ttl_cmd, p + k))])
        now = 0 if exact else int(time.time() * 1000)
        kinds = first[0::2]
        cards = conn.run([(_CARD.get(t, "EXISTS"), p + k) for k, t in zip(keys, kinds)])
        out: list[tuple[str, int | None, int]] = []
        for kind, ttl, card in zip(kinds, first[1::2], cards):
            exp = (ttl if exact else now + ttl) if isinstance(ttl, int) and ttl >= 0 else None
            if kind not in TYPES and kind != "none":
                kind = "other"
            out.append((kind, exp, card if isinstance(card, int) else 0))
        return out

    def field_ttls(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, int]]:
        """Per (key, fields) pair, the deadlines of those fields that have one."""
        if not self.field_ttl_support():
            return [{} for _ in items]
        p = self.prefix
        replies = self.reader().run([("HPEXPIRETIME", p + key, "FIELDS", str(len(fields)),
                                      *fields) for key, fields in items])
        return [field_deadlines(fields, got) or {} for (_, fields), got in zip(items, replies)]

    def check(self, items: Sequence[tuple[Record, int]]) -> list[bool]:
        p = self.prefix
        new = self.version() >= (6, 2)
        cmds: list[Sequence[str]] = []
        spans: list[int] = []
        for rec, offset in items:
            key, value = p + rec.key, rec.value
            before = len(cmds)
            if rec.type == "stream":
                spans.append(0)
                continue
            if rec.type == "string":
                cmds.append(("GET", key))
            elif rec.type == "list":
                cmds.append(("LRANGE", key, str(offset), str(offset + len(value) - 1)))
            elif rec.type == "hash":
                cmds.append(("HMGET", key, *value[0::2]))
            elif rec.type == "set":
                if new:
                    cmds.append(("SMISMEMBER", key, *value))
                else:
                    cmds.extend(("SISMEMBER", key, m) for m in value)
            elif new:
                cmds.append(("ZMSCORE", key, *value[0::2]))
            else:
                cmds.extend(("ZSCORE", key, m) for m in value[0::2])
            spans.append(len(cmds) - before)
        replies = self.reader().run(cmds)
        out: list[bool] = []
        pos = 0
        for (rec, _), span in zip(items, spans):
            got = replies[pos:pos + span]
            pos += span
            if rec.type == "stream":
                out.append(server_check(self.reader(), p + rec.key, rec.value))
                continue
            if any(isinstance(g, ReplyError) for g in got):
                out.append(False)
                continue
            value = rec.value
            if rec.type in ("string", "list", "hash"):
                want = value if rec.type != "hash" else value[1::2]
                out.append(got[0] == want)
            elif rec.type == "set":
                flat = got[0] if new else got
                out.append(all(flat))
            else:
                scores = got[0] if new else got
                out.append(all(s is not None and float(s) == float(w)
                               for s, w in zip(scores, value[1::2])))
        return out


class _PageReader:
    """SCAN pages of one server, read with one script call per page (per-command reads
    where scripts are unavailable). The read of page N+1 is sent before page N's records
    are handed out, so the source server works while this process writes."""

    def __init__(self, ep: ServerEndpoint, conn: RawConnection, match: str | None,
                 types: Sequence[str] | None, chunk: int, batch: int) -> None:
        self.ep = ep
        self.conn = conn
        self.match = match
        self.types = types
        self.chunk = chunk
        self.batch = batch
        self.exact_ttl = ep.version() >= (7, 0)
        self.ttl_cmd = "PEXPIRETIME" if self.exact_ttl else "PTTL"
        self.inline = str(min(chunk, 512))
        self.fttl = str(ep.db) if ep.field_ttl_support() else ""
        self.sha = ep._load_script(conn)
        self.ahead = 0                       # replies in flight
        self.stash: list[Any] | None = None  # those replies, drained early for a big key

    def scan(self, cursor: str) -> tuple[str, ...]:
        return tuple(self.ep._scan_cmd(cursor, self.match, self.types, self.batch))

    def script_cmds(self, keys: Sequence[str], cursor: str) -> list[Sequence[str]]:
        cmds: list[Sequence[str]] = [("EVALSHA", self.sha or "", str(len(keys)), *keys,
                                      self.inline, self.ttl_cmd, self.fttl)]
        if cursor != "0":
            cmds.append(self.scan(cursor))
        return cmds

    def send_ahead(self, cmds: list[Sequence[str]]) -> None:
        self.conn.send(cmds)
        self.ahead = len(cmds)

    def take(self) -> list[Any]:
        if self.stash is not None:
            out, self.stash = self.stash, None
            return out
        out = self.conn.recv(self.ahead)
        self.ahead = 0
        return out

    def drain(self) -> None:
        if self.ahead:
            self.stash = self.conn.recv(self.ahead)
            self.ahead = 0

    def run(self, cursor: str) -> Iterator[Record | Mark]:
        conn = self.conn
        reply = conn.call(*self.scan(cursor))
        prefetched = False
        while True:
            if isinstance(reply, ReplyError):
                raise EndpointError(f"{self.ep.name}: SCAN failed: {reply}")
            cursor, keys = reply
            more = cursor != "0"
            rows: list[tuple[str, str, Any, Any, Any]] = []
            nxt_reply: Any = None
            if keys and self.sha is not None:
                if not prefetched:
                    self.send_ahead(self.script_cmds(keys, cursor))
                out = self.take()
                got = out[0]
                if more:
                    nxt_reply = out[-1]
                if isinstance(got, ReplyError) and got.args[0].startswith("NOSCRIPT"):
                    self.sha = self.ep._load_script(conn, force=True)
                    if self.sha is not None:
                        got = conn.run(self.script_cmds(keys, "0"))[0]
                if isinstance(got, ReplyError):
                    self.sha = self.ep._script = None  # no scripts: per-command reads
                else:
                    rows = self.rows(keys, got)
            prefetched = False
            if keys and self.sha is None:
                rows, nxt_reply = self.read_plain(keys, cursor)
            elif more and nxt_reply is None:
                nxt_reply = conn.call(*self.scan(cursor))
            if more and self.sha is not None and isinstance(nxt_reply, list) \
                    and nxt_reply[1]:
                self.send_ahead(self.script_cmds(nxt_reply[1], nxt_reply[0]))
                prefetched = True
            yield from self.emit(rows)
            yield Mark(cursor if more else "done")
            if not more:
                return
            reply = nxt_reply

    @staticmethod
    def rows(keys: Sequence[str], got: list[Any]) -> list[tuple[str, str, Any, Any, Any]]:
        """(key, type, expiry, value, field deadlines) per key of a page script reply."""
        out = []
        for i, k in enumerate(keys):
            kind, ttl, val, fttl = got[4 * i:4 * i + 4]
            if fttl is not None and type(val) is list:
                fttl = field_deadlines(val[0::2], fttl)
            out.append((k, kind, ttl, val, fttl))
        return out

    def read_plain(self, keys: Sequence[str], cursor: str) -> tuple[list[Any], Any]:
        conn = self.conn
        metas = conn.run([c for k in keys for c in (("TYPE", k), (self.ttl_cmd, k))])
        reads: list[Sequence[str]] = [
            ("GET", k) if metas[2 * i] == "string" else ("TYPE", k) for i, k in enumerate(keys)]
        if cursor != "0":
            reads.append(self.scan(cursor))
        values = conn.run(reads)
        rows = [(k, metas[2 * i], metas[2 * i + 1],
                 values[i] if metas[2 * i] == "string" else None, None)
                for i, k in enumerate(keys)]
        return rows, values[-1] if cursor != "0" else None

    def emit(self, rows: list[tuple[str, str, Any, Any, Any]]) -> Iterator[Record]:
        wanted = set(self.types) if self.types else None
        plen = self.ep.plen
        exact = self.exact_ttl
        now = 0 if exact else int(time.time() * 1000)
        for key, kind, ttl, val, fttl in rows:
            if kind == "none" or (wanted is not None and kind not in wanted):
                continue
            exp: int | None = None
            if type(ttl) is int and ttl >= 0:
                exp = ttl if exact else now + ttl
            elif ttl == -2:
                continue
            name = key[plen:] if plen else key
            if kind == "string":
                if val is not None:
                    yield Record(name, kind, val, exp)
            elif kind not in _READ and kind != "stream":
                yield Record(name, kind, None, exp)  # unsupported type: reported upstream
            elif val is not None:
                if val:
                    yield Record(name, kind, val, exp, 0, False, fttl)
            else:
                self.drain()
                yield from self.ep._stream(self.conn, key, name, kind, exp, self.chunk)


# ---- clusters ----------------------------------------------------------------------


class _NodeView:
    """What :class:`ServerEndpoint` needs of a client, for one primary of a cluster."""

    def __init__(self, backend: Any, node: Any) -> None:
        self.backend = self
        self.prefix: str = backend.prefix
        self.conn = backend.conn.get_redis_connection(node)
        self.target = f"{node.host}:{node.port}"


class ClusterEndpoint(ServerEndpoint):
    """A Redis Cluster behind a ``redipy.Redis`` cluster client.

    Reading walks the primaries one after another (in ``host:port`` order), each as a
    :class:`ServerEndpoint` of its own; a resume point is ``"node index:SCAN cursor"``,
    so the cluster's primaries must be the same when a run is resumed. Values are read
    with plain pipelined commands, not the page script (a page's keys span many slots).
    Writes, existence probes and comparisons are split by the primary that owns each
    key's slot and sent to every primary before any reply is read. A slot moved while
    a migration runs shows up as a problem naming the key (MOVED), not retried.
    """

    def __init__(self, client: Any, *, timeout: float | None = 120.0) -> None:
        super().__init__(client, timeout=timeout)
        backend = client.backend
        self.nodes = backend.primaries()
        self._index = {node.name: i for i, node in enumerate(self.nodes)}
        self.eps = [ServerEndpoint(_NodeView(backend, node), timeout=timeout)
                    for node in self.nodes]
        for ep in self.eps:
            ep._script = ""  # "no script": the page script's keys would cross slots
            ep.cluster_names = True

    # -- routing --

    def _split(self, keys: Sequence[str]) -> list[list[int]]:
        """Positions of ``keys`` per primary (index into :attr:`eps`)."""
        backend = self.backend
        manager = backend.conn.nodes_manager
        out: list[list[int]] = [[] for _ in self.eps]
        for pos, key in enumerate(keys):
            node = manager.get_node_from_slot(backend.key_slot(key))
            idx = self._index.get(node.name)
            if idx is None:
                raise EndpointError(f"{self.name}: the cluster's primaries changed "
                                    f"({node.name} is new); run again")
            out[idx].append(pos)
        return out

    def version(self) -> tuple[int, ...]:
        if self._version is None:
            self._version = min(ep.version() for ep in self.eps)
        return self._version

    def close(self, *, ok: bool = True) -> None:
        for ep in self.eps:
            ep.close(ok=ok)
        super().close(ok=ok)

    # -- reading --

    def estimate(self, match: str | None, types: Sequence[str] | None) -> int | None:
        counts = [ep.estimate(match, types) for ep in self.eps]
        return None if any(n is None for n in counts) else sum(n or 0 for n in counts)

    def key_batches(self, match: str | None, types: Sequence[str] | None,
                    batch: int) -> Iterator[list[str]]:
        for ep in self.eps:
            yield from ep.key_batches(match, types, batch)

    def records(self, *, match: str | None, types: Sequence[str] | None, chunk: int,
                batch: int, start: Any = None) -> Iterator[Record | Mark]:
        pos = str(start) if start else "0:0"
        if pos == "done":
            return
        first, _, inner = pos.partition(":")
        try:
            begin = int(first)
        except ValueError:
            raise EndpointError(f"{self.name}: bad resume point {pos!r}") from None
        last = len(self.eps) - 1
        for idx in range(begin, len(self.eps)):
            resume = inner if idx == begin and inner not in ("", "0") else None
            for item in self.eps[idx].records(match=match, types=types, chunk=chunk,
                                              batch=batch, start=resume):
                if type(item) is Mark:
                    if item.pos == "done":
                        yield Mark("done" if idx == last else f"{idx + 1}:0")
                    else:
                        yield Mark(f"{idx}:{item.pos}")
                else:
                    yield item

    # -- writing --

    def is_empty(self) -> bool:
        return all(ep.is_empty() for ep in self.eps)

    def exists(self, keys: Sequence[str]) -> list[bool]:
        out = [False] * len(keys)
        for ep, positions in zip(self.eps, self._split(keys)):
            if positions:
                for pos, there in zip(positions, ep.exists([keys[p] for p in positions])):
                    out[pos] = there
        return out

    def send(self, records: Sequence[Record], replace: set[str], ttl_keep: bool,
             guard: bool = False) -> None:
        parts = self._split([rec.key for rec in records])
        for ep, positions in zip(self.eps, parts):
            if positions:
                ep.send([records[p] for p in positions], replace, ttl_keep, guard)

    def field_ttl_support(self) -> bool:
        return all(ep.field_ttl_support() for ep in self.eps)

    def refused(self) -> list[str]:
        return [k for ep in self.eps for k in ep.refused()]

    def sync(self) -> tuple[list[str], list[str]]:
        problems: list[str] = []
        conflicts: list[str] = []
        for ep in self.eps:
            p, c = ep.sync()
            problems += p
            conflicts += c
        return problems, conflicts

    def still(self, identity: dict[str, Any]) -> None:
        for ep in self.eps:
            ep._info = None
        if self.identity().get("run_ids") != identity.get("run_ids"):
            raise EndpointError(f"{self.name}: a primary restarted or was replaced during the "
                                "run (run_ids changed); keys copied before may be gone")

    def identity(self) -> dict[str, Any]:
        return {"kind": "cluster", "name": self.name,
                "run_ids": sorted(ep.info().get("run_id", "").strip() for ep in self.eps),
                "prefix": self.prefix}

    # -- comparing --

    def meta(self, keys: Sequence[str]) -> list[tuple[str, int | None, int]]:
        out: list[tuple[str, int | None, int]] = [("none", None, 0)] * len(keys)
        for ep, positions in zip(self.eps, self._split(keys)):
            if positions:
                for pos, row in zip(positions, ep.meta([keys[p] for p in positions])):
                    out[pos] = row
        return out

    def field_ttls(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, int]]:
        out: list[dict[str, int]] = [{} for _ in items]
        for ep, positions in zip(self.eps, self._split([key for key, _ in items])):
            if positions:
                for pos, got in zip(positions, ep.field_ttls([items[p] for p in positions])):
                    out[pos] = got
        return out

    def check(self, items: Sequence[tuple[Record, int]]) -> list[bool]:
        out = [False] * len(items)
        for ep, positions in zip(self.eps, self._split([rec.key for rec, _ in items])):
            if positions:
                for pos, ok in zip(positions, ep.check([items[p] for p in positions])):
                    out[pos] = ok
        return out


# ---- resolving ---------------------------------------------------------------------


def _server(client: Any, timeout: float | None = 120.0) -> ServerEndpoint:
    if getattr(client.backend, "cluster", False):
        return ClusterEndpoint(client, timeout=timeout)
    return ServerEndpoint(client, timeout=timeout)


def server_db(client: Any) -> int:
    """The database number a server client uses (0 for a cluster)."""
    pool = getattr(client.backend.conn, "connection_pool", None)
    kwargs = getattr(pool, "connection_kwargs", {}) if pool is not None else {}
    try:
        return int(kwargs.get("db") or 0)
    except (TypeError, ValueError):
        return 0


def server_label(client: Any) -> str:
    """``host:port/db`` (``unix:/path/db``; a cluster by its seed), never a password."""
    backend = client.backend
    if getattr(backend, "cluster", False):
        return f"cluster {mask_url(str(backend.target))}"
    kwargs = backend.conn.connection_pool.connection_kwargs
    db = server_db(client)
    if kwargs.get("path"):
        return f"unix:{kwargs['path']}/{db}"
    host = str(kwargs.get("host", "localhost"))
    if ":" in host:
        host = f"[{host}]"
    return f"{host}:{kwargs.get('port', 6379)}/{db}"


def as_source(obj: Any, *, timeout: float | None = 120.0
              ) -> MemoryEndpoint | FileSource | ServerEndpoint:
    if isinstance(obj, str | os.PathLike):
        text = os.fspath(obj)
        if is_url(text):
            return _server(open_client(text), timeout)
        return FileSource(text)
    kind = getattr(getattr(obj, "backend", None), "kind", None)
    if kind == "memory":
        return MemoryEndpoint(obj)
    if kind == "redis":
        return _server(obj, timeout)
    raise EndpointError(f"cannot read from {obj!r}: give a redipy.Redis, a URL or a file path")


def as_target(obj: Any, *, source: str, resume: dict[str, Any] | None = None,
              meta: dict[str, Any] | None = None, timeout: float | None = 120.0
              ) -> MemoryEndpoint | FileTarget | ServerEndpoint:
    if isinstance(obj, str | os.PathLike):
        text = os.fspath(obj)
        if is_url(text):
            return _server(open_client(text), timeout)
        return FileTarget(text, source=source, resume=resume, meta=meta)
    kind = getattr(getattr(obj, "backend", None), "kind", None)
    if kind == "memory":
        return MemoryEndpoint(obj)
    if kind == "redis":
        return _server(obj, timeout)
    raise EndpointError(f"cannot write to {obj!r}: give a redipy.Redis, a URL or a file path")


def describe(obj: Any) -> str:
    """A printable name for an endpoint argument (passwords masked, database shown)."""
    if isinstance(obj, str | os.PathLike):
        text = os.fspath(obj)
        return label_of_url(text) if is_url(text) else text
    backend = getattr(obj, "backend", None)
    if backend is not None:
        return "memory" if backend.kind == "memory" else server_label(obj)
    return repr(obj)
