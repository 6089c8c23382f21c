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
from collections.abc import Iterator, Sequence
from itertools import islice
from typing import Any

from redipy.migrate.records import TYPES, Mark, Record, key_filter
from redipy.migrate.resp import RawConnection, ReplyError
from redipy.migrate.snapshot import SnapshotReader, SnapshotWriter
from redipy.migrate.urls import is_url, label_of_url, mask_url, open_client

from redipy.errors import ResponseError
from redipy.patterns import escape_glob
from redipy.records import COLLECTIONS, PAIRED
from redipy.redis.records import (
    BatchReader,
    BatchWriter,
    Wire,
    field_ttls_of,
    holds,
    key_meta,
)
from redipy.stream_records import comparable


class EndpointError(Exception):
    """An endpoint that cannot be used as asked (bad URL, missing file, wrong kind)."""


def now_ms() -> int:
    return int(time.time() * 1000)


# ---- memory ------------------------------------------------------------------------


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
            if kind not in COLLECTIONS:
                if kind == "string":
                    yield Record(key, kind, v.string(key), exp)
                elif kind != "none":
                    yield Record(key, kind, None, exp)  # reported upstream
                return
            width = 2 if kind in PAIRED else 1
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
    """A snapshot file as a source: every line, the checksum and the trailer checked
    before the first record is handed out (:meth:`SnapshotReader.validate`)."""

    kind = "file"

    def __init__(self, path: str) -> None:
        self.path = os.fspath(path)
        self.name = self.path
        self.reader = SnapshotReader(self.path)
        self._validated = False

    def validate(self) -> None:
        if not self._validated:
            self.reader.validate()
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


class ServerEndpoint:
    """A Redis or Valkey server behind a ``redipy.Redis`` client (its key prefix applies).

    The per-type reads and writes are the library's (:mod:`redipy.redis.records`):
    reading is a :class:`BatchReader` over SCAN pages (one round trip per page, the next
    page's read riding along; collections above ``chunk`` elements in windows, one part
    per window, under WATCH), writing a :class:`BatchWriter` (one pipelined batch of
    typed commands per call, its replies read by :meth:`sync`). What stays here is the
    connections (raw RESP ones, driven directly), the server's identity and SCAN.
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
        self._wire: Wire | None = None
        self._writer: BatchWriter | None = None
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

    def wire(self) -> Wire:
        """What the library's batched reads and writes know of this server."""
        if self._wire is None:
            ver = self.version()
            self._wire = Wire(prefix=self.prefix, db=self.db, exact_ttl=ver >= (7, 0),
                              pxat=ver >= (6, 2), field_ttls=self.field_ttl_support(),
                              cluster=self.cluster_names,
                              script="" if self.cluster_names else None)
        return self._wire

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
        self._writer = None

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

    def batch_reader(self, chunk: int) -> BatchReader:
        """The library's batched reader on this endpoint's read connection."""
        return BatchReader(self.reader(), self.wire(), chunk)

    def records(self, *, match: str | None, types: Sequence[str] | None, chunk: int,
                batch: int, start: Any = None) -> Iterator[Record | Mark]:
        cursor = str(start) if start else "0"
        if cursor == "done":
            return
        reader = self.batch_reader(chunk)

        def scan(at: str) -> list[str]:
            return self._scan_cmd(at, match, types, batch)

        try:
            yield from reader.scan(scan, cursor, types, Mark)
        except ResponseError as err:
            raise EndpointError(f"{self.name}: {err}") from None
        finally:
            if reader.ahead:  # abandoned with a request in flight: the connection is dirty
                self.reader().close()
                self._rd = None

    def read_keys(self, keys: Sequence[str], chunk: int) -> Iterator[Record]:
        """Records of these keys (full names, prefix included), read as a page is."""
        yield from self.batch_reader(chunk).read(keys)

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

    def batch_writer(self) -> BatchWriter:
        """The library's batched writer on this endpoint's write connection (one for
        the endpoint's life: it remembers the big keys being built)."""
        if self._writer is None:
            self._writer = BatchWriter(self.writer(), self.wire())
        return self._writer

    def send(self, records: Sequence[Record], replace: set[str], ttl_keep: bool,
             guard: bool = False) -> None:
        """Send one batch of writes without waiting (:meth:`BatchWriter.send`: with
        ``guard`` a key not in ``replace`` that exists is a conflict, not merged);
        :meth:`sync` reads the replies."""
        self.batch_writer().send(records, replace, ttl_keep, guard)

    def refused(self) -> list[str]:
        """Keys refused since the last call: hashes with field TTLs this server lacks."""
        return self._writer.refused() if self._writer is not None else []

    def refusal(self, key: str) -> str:
        return (f"{key!r}: a hash with field TTLs, which {self.name} does not support "
                "(HPEXPIREAT needs Valkey 9 or Redis 7.4); nothing written for it")

    cluster_names = False

    def sync(self) -> tuple[list[str], list[str]]:
        """(problems, conflicts) of every batch sent: error replies become problems naming
        their key; a guarded write that met an existing key is a conflict."""
        if self._writer is None:
            return [], []
        problems = [self.refusal(k) for k in self._writer.pending_refusals()]
        more, conflicts = self._writer.sync()
        return problems + more, conflicts

    def state(self) -> dict[str, Any] | None:
        return None

    def finish(self) -> None:
        pass

    # -- comparing --

    def meta(self, keys: Sequence[str]) -> list[tuple[str, int | None, int]]:
        return key_meta(self.reader(), self.wire(), keys)

    def field_ttls(self, items: Sequence[tuple[str, Sequence[str]]]) -> list[dict[str, int]]:
        """Per (key, fields) pair, the deadlines of those fields that have one."""
        return field_ttls_of(self.reader(), self.wire(), items)

    def check(self, items: Sequence[tuple[Record, int]]) -> list[bool]:
        return holds(self.reader(), self.wire(), items)


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
            ep.cluster_names = True  # and no page script: a page's keys cross slots

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
