""":class:`redipy.records.KeyspaceRecords` on a server (one node or a cluster), one key
at a time or in batches.

A key is read whole and atomically without a script: WATCH the key, read its type, its
deadline (PEXPIRETIME) and its value (the read of :mod:`redipy.commands.types`; a stream
by ``XINFO STREAM key FULL COUNT 0``, which gives every entry and every pending entry),
then an EXEC that re-reads the type and, for a hash on a server with field TTLs, the
fields' deadlines (HPEXPIRETIME): EXEC answers nil when the key changed in between, and
the read starts over. A record is written in one MULTI/EXEC (DEL first when replacing;
WATCH and EXISTS first otherwise, so a key written meanwhile is a conflict, not
overwritten). Everything goes through the backend's session, so the key prefix, the
cluster's slot routing and the error boundary are the backend's own.

Bulk tools (the migration, ``redipy migrate`` / dump / load) read and write many keys
over one pipelining connection (a :class:`Pipe`): :class:`BatchReader` reads a page of
keys per round trip and a big key in bounded parts under WATCH, :class:`BatchWriter`
sends a batch of records without waiting, guarded against existing keys when asked.
:meth:`ServerRecords.read_records` and :meth:`ServerRecords.write_records` are the same
on a connection of the backend's pool. This module is the one place that knows, per
data type, which server commands read and write it.
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from redis.exceptions import ResponseError as ResponseErrorPy

from redipy.commands.types import TYPES as DATA_TYPES
from redipy.errors import ResponseError
from redipy.records import PAIRED, TYPES, Record, discard, scan_keys, unstable, whole
from redipy.redis.backend import pack
from redipy.stream_records import (
    comparable,
    id_int,
    meta_of,
    pairs,
    pending_ids,
    value_of,
    with_ghosts,
    write_cmds,
)

#: attempts at reading a key that keeps changing before giving up
ATTEMPTS = 5
#: elements per write command (a huge collection is several commands in one EXEC)
WRITE_CHUNK = 1000


class ServerRecords:
    """Records read from and written to the server (or cluster) behind a backend."""

    def __init__(self, backend: Any) -> None:
        self.backend = backend
        self._field_ttls: bool | None = None

    def iter_keys(self, match: str | None = None, count: int = 1000,
                  type: str | None = None) -> Iterator[str]:
        return scan_keys(self.backend, match, count, type)

    def field_ttl_support(self, key: str) -> bool:
        """Whether the server has HPEXPIRETIME (Valkey 9, Redis 7.4), asked once."""
        if self._field_ttls is None:
            try:
                self.backend.run("HPEXPIRETIME", [key, "FIELDS", "1", "f"])
                self._field_ttls = True
            except ResponseError as err:
                if "unknown command" not in str(err).lower():
                    raise
                self._field_ttls = False
        return self._field_ttls

    def read_record(self, key: str) -> Record | None:
        for _ in range(ATTEMPTS):
            kind = str(self.backend.run("TYPE", [key]))
            if kind == "none":
                return None
            if kind not in TYPES:
                raise ValueError(f"{key!r}: no record carries type {kind!r}")
            hfe = kind == "hash" and self.field_ttl_support(key)
            sess = self.backend.session()
            try:
                sess.watch([key])
                now = _raised(sess.pipeline([("TYPE", [key]), ("PEXPIRETIME", [key]),
                                             _read_call(kind, key)]))
                if str(now[0]) != kind:
                    continue
                value = _value(kind, now[2])
                check: list[tuple[str, Sequence[str]]] = [("TYPE", [key])]
                if hfe and value:
                    fields = value[0::2]
                    check.append(("HPEXPIRETIME", [key, "FIELDS", str(len(fields)), *fields]))
                done = sess.exec(check)
            finally:
                sess.close()
            if done is None:
                continue  # the key changed while it was read
            _raised(done)
            exp = int(now[1])
            ttls = None
            if len(done) > 1:
                ttls = {f: int(when) for f, when in zip(value[0::2], done[1])
                        if int(when) >= 0} or None
            return Record(key, kind, value, exp if exp >= 0 else None, ttls=ttls)
        raise ResponseError(f"ERR key {key!r} changed during {ATTEMPTS} attempts to read it")

    def write_record(self, record: Record, *, replace: bool = False) -> bool:
        whole(record)
        key = record.key
        if record.ttls and not self.field_ttl_support(key):
            raise ResponseError(f"ERR {key!r} has field TTLs and this server has no "
                                "HPEXPIREAT (Valkey 9 and Redis 7.4 have it)")
        cmds = write_calls(record)
        sess = self.backend.session()
        try:
            if replace:
                cmds.insert(0, ("DEL", [key]))
            else:
                sess.watch([key])
                if int(sess.run("EXISTS", [key])):
                    return False
            if not cmds:
                return True
            done = sess.exec(cmds)
        finally:
            sess.close()
        if done is None:
            return False  # the key was written meanwhile: a conflict
        _raised(done)
        return True

    def load_script(self, source: str) -> str:
        return str(self.backend.run("SCRIPT", ["LOAD", source]))

    # -- batches --

    def wire(self) -> Wire:
        """What batched access needs to know of the server (asked now)."""
        backend = self.backend
        info = str(backend.run("INFO", ["server"]))
        ver = next((line.split(":", 1)[1].strip() for line in info.splitlines()
                    if line.startswith("redis_version:")), "0")
        version = tuple(int(p) for p in ver.split(".") if p.isdigit())
        pool = getattr(backend.conn, "connection_pool", None)
        db = int((pool.connection_kwargs.get("db") if pool is not None else 0) or 0)
        got = backend.run("COMMAND", ["INFO", "HPEXPIREAT"])
        fttl = type(got) is list and bool(got) and type(got[0]) is list
        return Wire(prefix=backend.prefix, db=db, exact_ttl=version >= (7, 0),
                    pxat=version >= (6, 2), field_ttls=fttl,
                    cluster=bool(getattr(backend, "cluster", False)))

    def read_records(self, keys: Iterable[str], *, chunk: int = 5000,
                     batch: int = 500) -> Iterator[Record]:
        """The records of ``keys`` (missing ones skipped), ``batch`` keys a round trip;
        a key above ``chunk`` elements comes as several parts (see :class:`BatchReader`:
        its parts are consistent with each other, checked by WATCH over the whole read).
        A cluster reads one key at a time (:meth:`read_record`)."""
        if getattr(self.backend, "cluster", False):
            for key in keys:
                rec = self.read_record(key)
                if rec is not None:
                    yield rec
            return
        pipe = PoolPipe(self.backend.conn)
        try:
            wire = self.wire()
            reader = BatchReader(pipe, wire, chunk)
            page: list[str] = []
            for key in keys:
                page.append(wire.prefix + key)
                if len(page) >= batch:
                    yield from reader.read(page)
                    page = []
            if page:
                yield from reader.read(page)
        finally:
            pipe.close()

    def write_records(self, records: Iterable[Record], *, replace: bool = False,
                      ttl_keep: bool = True, batch: int = 500
                      ) -> tuple[list[str], list[str]]:
        """Write records (whole keys or parts in order), ``batch`` per round trip:
        (problems, conflicts). An existing key is replaced when ``replace``; otherwise
        it is left alone and named among the conflicts. Not atomic per key (see
        :class:`BatchWriter`); a cluster writes one record at a time
        (:meth:`write_record`, whole keys only)."""
        problems: list[str] = []
        conflicts: list[str] = []
        if getattr(self.backend, "cluster", False):
            for rec in records:
                if not self.write_record(rec, replace=replace):
                    conflicts.append(rec.key)
            return problems, conflicts
        pipe = PoolPipe(self.backend.conn)
        try:
            writer = BatchWriter(pipe, self.wire())
            chunk: list[Record] = []

            def flush() -> None:
                writer.send(chunk, ttl_keep=ttl_keep, guard=not replace)
                got = writer.sync()
                problems.extend(got[0])
                conflicts.extend(got[1])
                problems.extend(f"{key}: a hash with field TTLs, which this server does "
                                "not support" for key in writer.refused())

            for rec in records:
                chunk.append(rec)
                if len(chunk) >= batch:
                    flush()
                    chunk = []
            if chunk:
                flush()
        finally:
            pipe.close()
        return problems, conflicts


def _read_call(kind: str, key: str) -> tuple[str, list[str]]:
    if kind == "stream":
        return "XINFO", ["STREAM", key, "FULL", "COUNT", "0"]
    read = DATA_TYPES[kind].read
    return read[0], [key, *read[1:]]


def _value(kind: str, reply: Any) -> Any:
    if kind == "string":
        return str(reply)
    if kind == "stream":
        return value_of(reply)
    if isinstance(reply, dict):  # a hash over RESP3
        return [str(x) for kv in pairs(reply).items() for x in kv]
    return [str(x) for x in reply]


def write_calls(record: Record) -> list[tuple[str, Sequence[str]]]:
    """The commands that write ``record`` to a server (its key absent), deadlines last."""
    key, kind, value = record.key, record.type, record.value
    cmds: list[tuple[str, Sequence[str]]]
    if kind == "string":
        cmds = [("SET", [key, value])]
    elif kind == "stream":
        cmds = [(c[0], c[1:]) for c in write_cmds(key, value, True)]
    else:
        found = DATA_TYPES[kind]
        width = 2 if kind in PAIRED else 1
        step = WRITE_CHUNK * width
        cmds = []
        for start in range(0, len(value), step):
            part = list(value[start:start + step])
            if found.swap_pairs:
                part[0::2], part[1::2] = part[1::2], part[0::2]
            cmds.append((found.write, [key, *part]))
    if record.ttls:
        cmds += [(c[0], c[1:]) for c in _field_ttl_cmds(key, record.ttls)]
    if record.expire_at is not None and cmds:
        cmds.append(("PEXPIREAT", [key, str(record.expire_at)]))
    return cmds


def _raised(replies: list[Any]) -> list[Any]:
    """The replies, the first error among them raised."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies


# ---- batches over one pipelining connection ----------------------------------------


class Pipe(Protocol):
    """A connection that pipelines: error replies come back in place as exceptions.

    :class:`PoolPipe` is one over the backend's own pool; a bulk tool may bring a
    leaner one (the migration's raw RESP connection) with the same four methods."""

    def send(self, commands: Sequence[Sequence[str]]) -> None: ...

    def recv(self, count: int) -> list[Any]: ...

    def run(self, commands: Sequence[Sequence[str]]) -> list[Any]: ...

    def call(self, *args: str) -> Any: ...


class Pipelining:
    """``run`` and ``call`` of a :class:`Pipe`, made of its ``send`` and ``recv``."""

    def send(self, commands: Sequence[Sequence[str]]) -> None:
        raise NotImplementedError

    def recv(self, count: int) -> list[Any]:
        raise NotImplementedError

    def run(self, commands: Sequence[Sequence[str]]) -> list[Any]:
        """Pipeline ``commands``: one write, then every reply in order."""
        if not commands:
            return []
        self.send(commands)
        return self.recv(len(commands))

    def call(self, *args: str) -> Any:
        return self.run([args])[0]


class PoolPipe(Pipelining):
    """A :class:`Pipe` on a connection of its own from a redis-py client's pool (RESP2,
    decoded with surrogate escapes, as the backend's client is set up)."""

    def __init__(self, redis_py_client: Any) -> None:
        self._pool = redis_py_client.connection_pool
        self._conn = self._pool.make_connection()
        self._conn.connect()

    def send(self, commands: Sequence[Sequence[str]]) -> None:
        self._conn.send_packed_command(pack(self._conn, commands))

    def recv(self, count: int) -> list[Any]:
        out: list[Any] = []
        for _ in range(count):
            try:
                out.append(self._conn.read_response())
            except ResponseErrorPy as err:
                out.append(err)
        return out

    def close(self) -> None:
        self._conn.disconnect()


@dataclass(slots=True)
class Wire:
    """What batched reads and writes know of the server: the key prefix (put in front
    of every key sent, taken off every key read), the database (for INFO keyspace),
    whether it has PEXPIRETIME (7.0: exact deadlines; PTTL otherwise), SET ... PXAT
    (6.2), hash-field TTLs (HPEXPIREAT: Valkey 9, Redis 7.4), whether it is a cluster
    node (scratch names keep the slot; no page script, a page spans slots), and the
    page script's SHA (``None``: not loaded yet, ``""``: scripts unavailable)."""

    prefix: str = ""
    db: int = 0
    exact_ttl: bool = True
    pxat: bool = True
    field_ttls: bool = False
    cluster: bool = False
    script: str | None = None


_WINDOW = {"list": "LRANGE", "hash": "HSCAN", "set": "SSCAN", "zset": "ZSCAN"}
_COLLECTIONS = frozenset(_WINDOW)
_WRITE = {kind: DATA_TYPES[kind].write for kind in _COLLECTIONS}
_SWAPPED = frozenset(kind for kind in _COLLECTIONS if DATA_TYPES[kind].swap_pairs)
_CARD = {kind: t.length for kind, t in DATA_TYPES.items()} | {"string": "EXISTS"}

#: the page script: per key its type, deadline (PEXPIRETIME or PTTL), whole value when
#: it has at most ARGV[1] elements (false otherwise: read in windows), field deadlines
_PAGE_SCRIPT = """
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

#: reads of a big key that another client keeps changing, before it is given up
BIG_ATTEMPTS = 3


def field_deadlines(names: Sequence[str], reply: Any) -> dict[str, int] | None:
    """``{field: ms}`` from an HPEXPIRETIME reply for ``names`` (-1: no TTL, -2: no
    field), ``None`` when no field has a deadline."""
    if type(reply) is not list:
        return None
    out = {f: when for f, when in zip(names, reply) if type(when) is int and when >= 0}
    return out or None


def _volatile(info: Any, db: int) -> bool:
    """Whether ``INFO keyspace`` leaves open that database ``db`` has field TTLs (Valkey 9
    counts ``keys_with_volatile_items``; a server that does not say may have some)."""
    for line in str(info).splitlines():
        if line.startswith(f"db{db}:"):
            return "keys_with_volatile_items=0," not in line + ","
    return True


def _failed(reply: Any) -> bool:
    return isinstance(reply, Exception)


def stream_meta(pipe: Pipe, key: str) -> dict[str, Any] | None:
    """A stream's counters, groups, consumers and whole PELs (``XINFO STREAM FULL``, with
    a COUNT as big as the biggest PEL); ``None`` when ``key`` is no stream now."""
    groups = pipe.call("XINFO", "GROUPS", key)
    if _failed(groups):
        return None
    most = max([int(pairs(g).get("pending", 0)) for g in groups] + [1])
    full = pipe.call("XINFO", "STREAM", key, "FULL", "COUNT", str(most))
    if _failed(full):
        return None
    length = int(pairs(full)["length"])
    first = pipe.call("XRANGE", key, "-", "+", "COUNT", "1") if length else []
    return meta_of(full, first[0][0] if first and not _failed(first) else None)


def stream_windows(pipe: Pipe, key: str, chunk: int) -> Iterator[dict[str, Any]]:
    """A stream's record values, ``chunk`` entries each (XRANGE windows), meta last."""
    meta = stream_meta(pipe, key)
    if meta is None:
        return
    ghosts = pending_ids(meta)
    placed: list[str] = []
    lo = -1
    start = "-"
    while True:
        got = pipe.call("XRANGE", key, start, "+", "COUNT", str(chunk))
        if _failed(got):
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


class BatchReader:
    """Records of one server read a page of keys at a time over a :class:`Pipe`.

    A page is one script call (TYPE, deadline and whole value of every key up to
    ``min(chunk, 512)`` elements; per-command reads where scripts are unavailable); a
    collection above that, and a stream, is read in windows of ``chunk`` elements,
    one record part per window, under WATCH: when another client changes the key
    before its last window is read, EXEC says so and the key is read again from its
    first part, up to :data:`BIG_ATTEMPTS` times; then an
    :func:`redipy.records.unstable` record says so. A key deleted or expired
    meanwhile is dropped (a :func:`redipy.records.discard` record when some of it
    was already handed out). Keys go out with the prefix, come back without it."""

    def __init__(self, pipe: Pipe, wire: Wire, chunk: int) -> None:
        self.pipe = pipe
        self.wire = wire
        self.chunk = chunk
        self.ttl_cmd = "PEXPIRETIME" if wire.exact_ttl else "PTTL"
        self.inline = str(min(chunk, 512))
        self.fttl = str(wire.db) if wire.field_ttls else ""
        self.sha = self.load_script()
        self.ahead = 0                       # replies in flight
        self.stash: list[Any] | None = None  # those replies, drained early for a big key
        self._volatile = False               # whether the big key read may have field TTLs

    def load_script(self, *, force: bool = False) -> str | None:
        """The page script's SHA, loaded once per :class:`Wire` (``None``: no scripts)."""
        wire = self.wire
        if wire.script is not None and not force:
            return wire.script or None
        sha = self.pipe.call("SCRIPT", "LOAD", _PAGE_SCRIPT)
        wire.script = "" if _failed(sha) else str(sha)
        return wire.script or None

    # -- pages --

    def script_cmds(self, keys: Sequence[str], then: Sequence[Sequence[str]] = ()
                    ) -> list[Sequence[str]]:
        return [("EVALSHA", self.sha or "", str(len(keys)), *keys, self.inline,
                 self.ttl_cmd, self.fttl), *then]

    def send_ahead(self, cmds: list[Sequence[str]]) -> None:
        self.pipe.send(cmds)
        self.ahead = len(cmds)

    def take(self) -> list[Any]:
        if self.stash is not None:
            out, self.stash = self.stash, None
            return out
        out = self.pipe.recv(self.ahead)
        self.ahead = 0
        return out

    def drain(self) -> None:
        if self.ahead:
            self.stash = self.pipe.recv(self.ahead)
            self.ahead = 0

    def scan(self, scan: Callable[[str], Sequence[str]], cursor: str,
             types: Sequence[str] | None, mark: Callable[[str], Any]
             ) -> Iterator[Any]:
        """Records of every key SCAN gives from ``cursor`` on (``scan(cursor)`` builds
        the SCAN command), of ``types``; after each page ``mark(next cursor)`` (``"done"``
        after the last). The read of page N+1 is sent before page N's records are handed
        out, so the server works while the caller writes them."""
        pipe = self.pipe
        reply = pipe.call(*scan(cursor))
        prefetched = False
        while True:
            if _failed(reply):
                raise ResponseError(f"SCAN failed: {reply}")
            cursor, keys = reply
            more = cursor != "0"
            then = [tuple(scan(cursor))] if more else []  # hiredis packs tuples only
            rows: list[tuple[str, str, Any, Any, Any]] = []
            nxt_reply: Any = None
            if keys and self.sha is not None:
                if not prefetched:
                    self.send_ahead(self.script_cmds(keys, then))
                out = self.take()
                got = out[0]
                if more:
                    nxt_reply = out[-1]
                if _failed(got) and str(got).startswith("NOSCRIPT"):
                    self.sha = self.load_script(force=True)
                    if self.sha is not None:
                        got = pipe.run(self.script_cmds(keys))[0]
                if _failed(got):
                    self.sha = self.wire.script = None  # no scripts: per-command reads
                else:
                    rows = self.rows(keys, got)
            prefetched = False
            if keys and self.sha is None:
                rows, nxt_reply = self.read_plain(keys, then)
            elif more and nxt_reply is None:
                nxt_reply = pipe.call(*then[0])
            if more and self.sha is not None and isinstance(nxt_reply, list) \
                    and nxt_reply[1]:
                self.send_ahead(self.script_cmds(nxt_reply[1], [tuple(scan(nxt_reply[0]))]
                                                 if nxt_reply[0] != "0" else []))
                prefetched = True
            yield from self.emit(rows, types)
            yield mark(cursor if more else "done")
            if not more:
                return
            reply = nxt_reply

    def read(self, keys: Sequence[str]) -> Iterator[Record]:
        """Records of these keys (full names, prefix included), read as a page is."""
        rows: list[Any] = []
        if self.sha is not None and keys:
            got = self.pipe.run(self.script_cmds(keys))[0]
            if not _failed(got):
                rows = self.rows(keys, got)
        if not rows and keys:
            rows, _ = self.read_plain(keys, ())
        yield from self.emit(rows, None)

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

    def read_plain(self, keys: Sequence[str], then: Sequence[Sequence[str]]
                   ) -> tuple[list[Any], Any]:
        pipe = self.pipe
        metas = pipe.run([c for k in keys for c in (("TYPE", k), (self.ttl_cmd, k))])
        reads: list[Sequence[str]] = [
            ("GET", k) if metas[2 * i] == "string" else ("TYPE", k) for i, k in enumerate(keys)]
        values = pipe.run([*reads, *then])
        rows = [(k, metas[2 * i], metas[2 * i + 1],
                 values[i] if metas[2 * i] == "string" else None, None)
                for i, k in enumerate(keys)]
        return rows, values[-1] if then else None

    def emit(self, rows: list[tuple[str, str, Any, Any, Any]],
             types: Sequence[str] | None) -> Iterator[Record]:
        wanted = set(types) if types else None
        plen = len(self.wire.prefix)
        exact = self.wire.exact_ttl
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
            elif kind not in _COLLECTIONS and kind != "stream":
                yield Record(name, kind, None, exp)  # no record carries it: the caller says
            elif val is not None:
                if val:
                    yield Record(name, kind, val, exp, 0, False, fttl)
            else:
                self.drain()
                yield from self.big(key, name, kind)

    # -- big keys --

    def _expiry(self, ttl: Any) -> int | None:
        if type(ttl) is int and ttl >= 0:
            return ttl if self.wire.exact_ttl else int(time.time() * 1000) + ttl
        return None

    def big(self, key: str, name: str, kind: str) -> Iterator[Record]:
        """A big collection or a stream in windows of ``chunk``, one part per window,
        handed out only once the next window (or EXEC) shows the key unchanged."""
        pipe = self.pipe
        started = False
        fields = self.wire.field_ttls
        for _ in range(BIG_ATTEMPTS):
            pipe.call("WATCH", key)
            got = pipe.run([("TYPE", key), (self.ttl_cmd, key)]
                           + ([("INFO", "keyspace")] if fields else []))
            kind_now, ttl = got[0], got[1]
            self._volatile = fields and _volatile(got[2], self.wire.db)
            if kind_now not in _COLLECTIONS and kind_now != "stream":
                value = pipe.call("GET", key) if kind_now == "string" else None
                pipe.call("UNWATCH")
                if started:
                    yield discard(name, kind)
                if type(value) is str:  # now a string: copied as what it is now
                    yield Record(name, "string", value, self._expiry(ttl))
                elif kind_now != "none":  # another type: the caller says
                    yield Record(name, kind_now, None, self._expiry(ttl))
                return
            kind = kind_now
            exp = self._expiry(ttl)
            last: Record | None = None  # held back until EXEC says the key did not change
            for rec in self._windows(key, name, kind, exp):
                if last is not None:
                    started = True
                    yield last
                last = rec
            done = pipe.run([("MULTI",), ("EXEC",)])[1]
            if done is not None and not _failed(done):
                if last is not None:
                    yield last
                elif started:
                    yield discard(name, kind)
                return
        yield unstable(name, kind, BIG_ATTEMPTS)

    def _windows(self, key: str, name: str, kind: str, exp: int | None
                 ) -> Iterator[Record]:
        pipe = self.pipe
        chunk = self.chunk
        part = 0
        if kind == "stream":
            for part, val in enumerate(stream_windows(pipe, key, chunk)):
                yield Record(name, kind, val, exp, part, "meta" not in val)
            return
        if kind == "list":
            start = 0
            items: list[str] = []
            while True:
                nxt = pipe.call("LRANGE", key, str(start), str(start + chunk - 1))
                if _failed(nxt):
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
        cmd = _WINDOW[kind]
        cursor = "0"
        items = []
        ttls: dict[str, int] | None = None
        fields = kind == "hash" and self._volatile
        while True:
            reply = pipe.call(cmd, key, cursor, "COUNT", str(chunk))
            if _failed(reply):
                reply = ["0", []]
            cursor, nxt = reply
            if items:
                yield Record(name, kind, items, exp, part, bool(nxt) or cursor != "0", ttls)
                part += 1
            items = nxt
            if fields and items:
                names = items[0::2]
                ttls = field_deadlines(names, pipe.call("HPEXPIRETIME", key, "FIELDS",
                                                        str(len(names)), *names))
            if cursor == "0":
                if items:
                    yield Record(name, kind, items, exp, part, False, ttls)
                return


_PLAIN, _SETNX, _RENAMENX, _RENAME = 0, 1, 2, 3
#: the suffix of the name a guarded write builds a collection under
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


def _is_error_type(kind: type) -> bool:
    return issubclass(kind, Exception)


class BatchWriter:
    """Records written to one server a batch at a time over a :class:`Pipe`: each batch
    is sent without waiting (:meth:`send`) and its replies read later (:meth:`sync`), so
    this process packs the next batch while the server applies the last.

    Not a transaction: a caller that may replay a batch after a crash makes that safe
    (the migration engine rewrites keys that may be half-written). A record may be a
    part of a big key (``part``, ``more``): its parts are appended in order, the key's
    deadline set with the last. With ``guard`` a key not in ``replace`` is never merged
    with one already there: a string is written with ``SET ... NX``, a collection is
    built under a scratch name in the same slot and moved into place with ``RENAMENX``
    (with its expiry), so a key another client created meanwhile is left alone and
    reported as a conflict. (That is the cheapest guard for the server: a Lua script
    doing the same costs it 1.3-1.8x the CPU of these plain commands, WATCH/MULTI 2x.)
    Without ``guard`` a first part replaces the key.

    Field TTLs go as ``HPEXPIREAT`` (absolute, one command per distinct deadline). A
    server without them refuses a hash that has some before anything is written for
    it (:meth:`refused`): a hash read in parts is then always built under its scratch
    name, so a TTL first seen in a later part drops the scratch and leaves the key
    untouched. A first part with no value (a :func:`redipy.records.discard`) forgets
    the parts written so far."""

    def __init__(self, pipe: Pipe, wire: Wire) -> None:
        self.pipe = pipe
        self.wire = wire
        self._inflight: list[tuple[int, int, list[tuple[int, str, int]]]] = []
        self._building: dict[str, bool] = {}  # keys built under a scratch name
        self._refusing: set[str] = set()  # refused keys whose later parts are dropped
        self._refused: list[str] = []

    def send(self, records: Sequence[Record], replace: set[str] | frozenset[str] = frozenset(),
             ttl_keep: bool = True, guard: bool = False) -> None:
        """Send one batch of writes without waiting; :meth:`sync` reads the replies."""
        wire = self.wire
        p = wire.prefix
        plen = len(p)
        pxat = wire.pxat
        cluster = wire.cluster
        no_fttl = ttl_keep and not wire.field_ttls
        building = self._building  # key -> whether its move into place is guarded
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
        swapped = _SWAPPED
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
                if kind in swapped:
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
                self.pipe.send([("DEL", *scratch), *cmds])
            else:
                self.pipe.send(cmds)
            self._inflight.append((len(cmds) + first, first, marks))

    def _drop_scratch(self, name: str, key: str, add_cmd: Any, add_owner: Any) -> None:
        """Forget the value being built aside for ``name`` (the source started it over)."""
        del self._building[name]
        aside = scratch_name(key, self.wire.cluster)
        if aside is not None:
            add_cmd(("DEL", aside))
            add_owner((name, _PLAIN))

    def _send_part(self, rec: Record, key: str, guarded: bool, ttl_keep: bool,
                   no_fttl: bool, add_cmd: Any, add_owner: Any) -> None:
        """The writes of any other record: a part of a big key, a stream, a discard, a
        hash with field TTLs, a cluster key."""
        name, kind = rec.key, rec.type
        cluster = self.wire.cluster
        building = self._building
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
            if kind in _SWAPPED:
                add_cmd((_WRITE[kind], dest, *_scores_first(rec.value)))
            else:
                add_cmd((_WRITE[kind], dest, *rec.value))
            add_owner((name, _PLAIN))
            if ttl_keep and rec.ttls:
                for cmd in _field_ttl_cmds(dest, rec.ttls):
                    add_cmd(cmd)
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

    def pending_refusals(self) -> list[str]:
        """The keys :meth:`refused` will give, left in place."""
        return list(self._refused)

    def sync(self) -> tuple[list[str], list[str]]:
        """(problems, conflicts) of every batch sent: an error reply is a problem
        ``"key: error"``; a guarded write that met an existing key is a conflict (and
        what it built aside is deleted)."""
        problems: list[str] = []
        conflicts: list[str] = []
        aside: list[str] = []  # values built aside that a conflict left there
        pipe = self.pipe
        wire = self.wire
        while self._inflight:
            count, first, marks = self._inflight.pop(0)
            replies = pipe.recv(count)
            if any(map(_is_error_type, set(map(type, replies)))):  # the rare case: whose
                at = [m[0] + first for m in marks]
                for i, reply in enumerate(replies):
                    if isinstance(reply, Exception):
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
                    if not reply and not isinstance(reply, Exception):
                        conflicts.append(owner)
                        if what == _RENAMENX:
                            aside.append(scratch_name(wire.prefix + owner, wire.cluster) or "")
        if aside:
            pipe.run([("DEL", name) for name in aside if name])
        return problems, conflicts


def _field_ttl_cmds(key: str, ttls: dict[str, int]) -> list[tuple[str, ...]]:
    """HPEXPIREAT per distinct deadline."""
    by_when: dict[int, list[str]] = {}
    for field, when in ttls.items():
        by_when.setdefault(when, []).append(field)
    return [("HPEXPIREAT", key, str(when), "FIELDS", str(len(fields)), *fields)
            for when, fields in by_when.items()]


# ---- comparing in place --------------------------------------------------------------


def key_meta(pipe: Pipe, wire: Wire, keys: Sequence[str]
             ) -> list[tuple[str, int | None, int]]:
    """(type, absolute expiry, element count) per key (named without the prefix); type
    ``"none"`` when missing, ``"other"`` for one no record carries."""
    ttl_cmd = "PEXPIRETIME" if wire.exact_ttl else "PTTL"
    p = wire.prefix
    first = pipe.run([c for k in keys for c in (("TYPE", p + k), (ttl_cmd, p + k))])
    now = 0 if wire.exact_ttl else int(time.time() * 1000)
    kinds = first[0::2]
    cards = pipe.run([(_CARD.get(t, "EXISTS"), p + k) for k, t in zip(keys, kinds)])
    out: list[tuple[str, int | None, int]] = []
    for kind, ttl, card in zip(kinds, first[1::2], cards):
        exp = (ttl if wire.exact_ttl else now + ttl) \
            if isinstance(ttl, int) and ttl >= 0 else None
        if kind not in TYPES and kind != "none":
            kind = "other"
        out.append((kind, exp, card if isinstance(card, int) else 0))
    return out


def field_ttls_of(pipe: Pipe, wire: Wire, items: Sequence[tuple[str, Sequence[str]]]
                  ) -> list[dict[str, int]]:
    """Per (key, fields) pair, the deadlines of those fields that have one."""
    if not wire.field_ttls:
        return [{} for _ in items]
    p = wire.prefix
    replies = pipe.run([("HPEXPIRETIME", p + key, "FIELDS", str(len(fields)), *fields)
                        for key, fields in items])
    return [field_deadlines(fields, got) or {} for (_, fields), got in zip(items, replies)]


def holds(pipe: Pipe, wire: Wire, items: Sequence[tuple[Record, int]]) -> list[bool]:
    """Whether the server holds each record part's content (at ``offset`` for a list's
    part), one round trip for all but streams."""
    p = wire.prefix
    new = wire.pxat  # 6.2 has SMISMEMBER and ZMSCORE too
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
    replies = pipe.run(cmds)
    out: list[bool] = []
    pos = 0
    for (rec, _), span in zip(items, spans):
        got = replies[pos:pos + span]
        pos += span
        if rec.type == "stream":
            out.append(stream_holds(pipe, p + rec.key, rec.value))
            continue
        if any(_failed(g) for g in got):
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


def stream_holds(pipe: Pipe, key: str, value: dict[str, Any]) -> bool:
    """Whether the stream ``key`` (its full name) holds this record part."""
    real = [e for e in value["entries"] if e[1] is not None]
    if real:
        got = pipe.call("XRANGE", key, real[0][0], real[-1][0])
        if _failed(got) or [[e[0], e[1]] for e in got] != real:
            return False
    meta = value.get("meta")
    if meta is None:
        return True
    theirs = stream_meta(pipe, key)
    return theirs is not None and comparable(theirs) == comparable(meta)
