"""Comparing two endpoints key by key: missing, extra, type, value and TTL.

One side is read record by record (big collections in parts of ``chunk`` elements);
the other is probed for exactly what each part holds (GET, an LRANGE window, HMGET,
SMISMEMBER, ZMSCORE, and the element count at the end), so no side is ever held
whole and memory stays bounded by a few batches of parts. A snapshot file cannot be
probed by key, so it is the side that is read: when B is a file and A is not, B is
read and A probed (the report still speaks of A and B); when both are files, B is
loaded into a private memory backend (that one case holds B whole).

Keys whose expiry passes while they are compared are counted as "expired during the
run", not as differences. Every difference is counted; the first
:data:`MAX_SAMPLES` are kept as examples.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from typing import Any

from redipy.migrate.endpoints import (
    FileSource,
    MemoryEndpoint,
    ServerEndpoint,
    as_source,
    describe,
    now_ms,
)
from redipy.migrate.messages import one_line
from redipy.migrate.records import DEFAULT_CHUNK, TYPES, Mark, Record, live_fields
from redipy.migrate.urls import is_url

MAX_SAMPLES = 50

_LABELS = (("missing", "missing in B"), ("extra", "extra in B"),
           ("type_mismatch", "type differs"), ("value_mismatch", "value differs"),
           ("ttl_mismatch", "TTL differs"), ("field_ttl_mismatch", "field TTL differs"))


@dataclass
class CompareReport:
    """What differs between A and B; ``ok`` when nothing does and nothing failed."""

    a: str
    b: str
    keys: int = 0
    missing: int = 0
    extra: int = 0
    type_mismatch: int = 0
    value_mismatch: int = 0
    ttl_mismatch: int = 0
    field_ttl_mismatch: int = 0
    expired: int = 0
    errors: list[str] = field(default_factory=list)
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def differences(self) -> int:
        return (self.missing + self.extra + self.type_mismatch + self.value_mismatch
                + self.ttl_mismatch + self.field_ttl_mismatch)

    @property
    def ok(self) -> bool:
        return self.differences == 0 and not self.errors

    @property
    def problems(self) -> list[str]:
        """Errors first, then examples of differences."""
        return self.errors + self.samples

    def note(self, text: str) -> None:
        if len(self.samples) < MAX_SAMPLES:
            self.samples.append(text)

    def headline(self) -> str:
        """The reason for a failure, biggest first (what a summary leads with)."""
        if self.errors:
            return self.errors[0]
        return f"{self.differences} differences ({self._kinds()})"

    def _kinds(self) -> str:
        parts = sorted(((getattr(self, name), label) for name, label in _LABELS
                        if getattr(self, name)), key=lambda p: -p[0])
        return ", ".join(f"{label} {n}" for n, label in parts)

    def summary(self) -> str:
        gone = f", {self.expired} expired during the run" if self.expired else ""
        if self.ok:
            return f"compare: {self.keys} keys identical{gone} ({self.a} vs {self.b})"
        if self.errors:
            return f"compare FAILED: {self.errors[0]} ({self.a} vs {self.b})"
        return (f"compare: {self.differences} differences in {self.keys} keys "
                f"({self._kinds()}){gone} ({self.a} vs {self.b})")


class _KeyState:
    __slots__ = ("bad", "card", "count", "exp", "fbad", "offset", "passing")

    def __init__(self, card: int, exp: int | None) -> None:
        self.card = card
        self.exp = exp
        self.count = 0
        self.offset = 0
        self.bad = False
        self.fbad = False  # a field TTL difference was counted for this key
        self.passing = 0  # hash fields left out: their TTL runs out during the compare


def _is_file(obj: Any) -> bool:
    return isinstance(obj, str | os.PathLike) and not is_url(os.fspath(obj))


def compare(a: Any, b: Any, *, match: str | None = None, types: list[str] | None = None,
            ttl_tolerance_ms: int = 2000, check_ttl: bool = True, batch: int = 500,
            chunk: int = DEFAULT_CHUNK, extra: bool = True, exclude: set[str] | None = None,
            timeout: float | None = 120.0) -> CompareReport:
    """Compare two endpoints (``redipy.Redis`` clients, URLs or snapshot paths).

    ``extra=False`` leaves out keys only B holds (what ``migrate --verify`` asks: were
    the keys it copied copied right); ``exclude`` names keys not to compare at all."""
    started = time.perf_counter()
    report = CompareReport(describe(a), describe(b))
    opened: list[Any] = []
    try:
        flipped = _is_file(b) and not _is_file(a)
        stream_obj, probe_obj = (b, a) if flipped else (a, b)
        stream = as_source(stream_obj, timeout=timeout)
        opened.append(stream)
        if isinstance(stream, FileSource):
            stream.validate()
        probe: MemoryEndpoint | ServerEndpoint
        if _is_file(probe_obj):
            import redipy

            probe = MemoryEndpoint(redipy.Redis())
            _fill(probe, os.fspath(probe_obj), chunk)
        else:
            other = as_source(probe_obj, timeout=timeout)
            opened.append(other)
            assert isinstance(other, MemoryEndpoint | ServerEndpoint)
            probe = other
        _Walk(stream, probe, report, flipped=flipped, match=match, types=types,
              tol=ttl_tolerance_ms, check_ttl=check_ttl, batch=batch, chunk=chunk,
              extra=extra, exclude=exclude or set()).run()
    except Exception as err:
        from redipy.migrate.endpoints import EndpointError
        from redipy.migrate.snapshot import SnapshotError

        from redipy.errors import RedipyError

        if not isinstance(err, RedipyError | EndpointError | SnapshotError | OSError
                          | ValueError):
            raise
        report.errors.append(one_line(err))
    finally:
        for ep in opened:
            ep.close()
        report.seconds = time.perf_counter() - started
    return report


def _fill(probe: MemoryEndpoint, path: str, chunk: int) -> None:
    """Load a (validated) snapshot into a private memory backend, expired keys left out."""
    source = FileSource(path)
    source.validate()
    now = now_ms()
    dropped: str | None = None
    batch: list[Record] = []
    for item in source.records(match=None, types=None, chunk=chunk, batch=500):
        if isinstance(item, Mark):
            continue
        if item.part == 0:
            dropped = item.key if item.expire_at is not None and item.expire_at <= now else None
        if item.key == dropped:
            continue
        batch.append(item)
        if len(batch) >= 500:
            probe.send(batch, set(), True)
            batch = []
    probe.send(batch, set(), True)


class _Walk:
    """One comparison: read ``stream`` in parts, probe ``probe`` for each part."""

    def __init__(self, stream: Any, probe: Any, report: CompareReport, *, flipped: bool,
                 match: str | None, types: list[str] | None, tol: int, check_ttl: bool,
                 batch: int, chunk: int, extra: bool, exclude: set[str]) -> None:
        self.stream, self.probe, self.report = stream, probe, report
        self.flipped = flipped
        self.match, self.types = match, types
        self.tol, self.check_ttl = tol, check_ttl
        self.batch, self.chunk = batch, chunk
        self.extra, self.exclude = extra, exclude
        self.states: dict[str, _KeyState] = {}
        self.pending: list[Record] = []
        self.elems = 0
        # keys read from a file (which cannot be asked whether it holds a key)
        self.seen: set[str] | None = set() if isinstance(stream, FileSource) else None

    # what a key the stream side has and the probe side lacks is called
    def _absent(self, key: str, exp: int | None) -> None:
        r = self.report
        if exp is not None and exp <= now_ms() + self.tol:
            r.expired += 1
            return
        if self.flipped:
            if self.extra:
                r.extra += 1
                r.note(f"extra in B: {key!r}")
        else:
            r.missing += 1
            r.note(f"missing in B: {key!r}")

    def _pair(self, mine: str, theirs: str) -> str:
        return f"{theirs} vs {mine}" if self.flipped else f"{mine} vs {theirs}"

    def flush(self) -> None:
        r, states, probe = self.report, self.states, self.probe
        pending = self.pending
        firsts = [x for x in pending if x.part == 0 and x.key not in states]
        if firsts:
            metas = probe.meta([x.key for x in firsts])
            for rec, (kind, exp, card) in zip(firsts, metas):
                if kind == "none":
                    self._absent(rec.key, rec.expire_at)
                    states[rec.key] = _dead()
                    continue
                if kind != rec.type:
                    r.type_mismatch += 1
                    r.note(f"type differs: {rec.key!r} ({self._pair(rec.type, kind)})")
                    states[rec.key] = _dead()
                    continue
                if self.check_ttl and not _ttl_close(rec.expire_at, exp, self.tol):
                    r.ttl_mismatch += 1
                    r.note(f"TTL differs: {rec.key!r} "
                           f"({self._pair(_ttl(rec.expire_at), _ttl(exp))})")
                states[rec.key] = _KeyState(card, exp)
        items: list[tuple[Record, int]] = []
        soon = now_ms() + self.tol
        for rec in pending:
            st = states[rec.key]
            if st.bad:
                continue
            if rec.ttls:  # fields that expire about now are in flux on both sides
                kept = live_fields(rec, soon)
                st.passing += rec.size() - (kept.size() if kept is not None else 0)
                if kept is None:
                    continue  # nothing left to probe in this part
                rec = kept
            items.append((rec, st.offset))
            n = rec.size()
            st.offset += n
            st.count += n
        if self.check_ttl:
            self._field_ttls([(rec, states[rec.key]) for rec, _ in items
                              if rec.type == "hash" and rec.value], soon)
        oks = probe.check(items) if items else []
        for (rec, _), ok in zip(items, oks):
            st = states[rec.key]
            if st.bad:
                continue
            if not ok:
                st.bad = True
                if st.exp is not None and st.exp <= now_ms() + self.tol:
                    r.expired += 1  # it went while being compared
                    continue
                r.value_mismatch += 1
                r.note(f"value differs: {rec.key!r}")
            elif not rec.more and rec.type != "string" and not (
                    st.count <= st.card <= st.count + st.passing):
                st.bad = True
                r.value_mismatch += 1
                r.note(f"value differs: {rec.key!r} "
                       f"({self._pair(str(st.count), str(st.card))} elements)")
        for rec in pending:
            if not rec.more:
                states.pop(rec.key, None)
        pending.clear()
        self.elems = 0

    def _field_ttls(self, hashes: list[tuple[Record, _KeyState]], soon: int) -> None:
        """Count a key whose fields' deadlines differ (within the tolerance) once."""
        hashes = [(rec, st) for rec, st in hashes if not st.fbad]
        if not hashes:
            return
        r = self.report
        theirs = self.probe.field_ttls([(rec.key, rec.value[0::2]) for rec, _ in hashes])
        for (rec, st), got in zip(hashes, theirs):
            mine = rec.ttls or {}
            for f in mine.keys() | got.keys():
                a, b = mine.get(f), got.get(f)
                if (a is not None and a <= soon) or (b is not None and b <= soon):
                    continue
                if not _ttl_close(a, b, self.tol):
                    st.fbad = True
                    r.field_ttl_mismatch += 1
                    r.note(f"field TTL differs: {rec.key!r} field {f!r} "
                           f"({self._pair(_ttl(a), _ttl(b))})")
                    break

    def run(self) -> None:
        r = self.report
        skip: str | None = None
        now = now_ms()
        limit = max(self.chunk * 2, self.batch * 16)
        for item in self.stream.records(match=self.match, types=self.types, chunk=self.chunk,
                                        batch=self.batch):
            if isinstance(item, Mark):
                if len(self.pending) >= self.batch:
                    self.flush()
                continue
            if item.part == 0:
                if item.key in self.states or any(p.key == item.key for p in self.pending):
                    # the stream side read this key again (it changed): start it over
                    self.flush()
                    self.states.pop(item.key, None)
                    if item.value is None:
                        continue
                skip = None
                if item.key in self.exclude:
                    skip = item.key
                    continue
                if item.type not in TYPES:
                    r.keys += 1
                    r.value_mismatch += 1
                    r.note(f"cannot compare {item.key!r}: type {item.type}")
                    continue
                if item.value is None:
                    continue
                if item.expire_at is not None and item.expire_at <= now:
                    skip = item.key
                    continue
                if item.ttls and not item.more and live_fields(item, now) is None:
                    continue  # every field's TTL has run out: the key is gone
                r.keys += 1
                if self.seen is not None:
                    self.seen.add(item.key)
            elif item.key == skip:
                continue
            self.pending.append(item)
            self.elems += item.size()
            if len(self.pending) >= self.batch * 4 or self.elems >= limit:
                self.flush()
        self.flush()
        if self.flipped or self.extra:
            self._leftovers()

    def _leftovers(self) -> None:
        """Keys only the probe side holds: extra in B (or missing in B, flipped)."""
        r = self.report
        for keys in self.probe.key_batches(self.match, self.types, self.batch):
            keys = [k for k in keys if k not in self.exclude]
            if self.seen is not None:
                present = [k in self.seen for k in keys]
            else:
                present = self.stream.exists(keys)
            absent = [k for k, there in zip(keys, present) if not there]
            if not absent:
                continue
            metas = self.probe.meta(absent)
            for key, (kind, exp, _) in zip(absent, metas):
                if kind == "none" or (exp is not None and exp <= now_ms() + self.tol):
                    r.expired += 1 if kind != "none" else 0
                    continue
                if self.flipped:
                    r.keys += 1
                    r.missing += 1
                    r.note(f"missing in B: {key!r}")
                else:
                    r.extra += 1
                    r.note(f"extra in B: {key!r}")


def _dead() -> _KeyState:
    st = _KeyState(0, None)
    st.bad = True
    return st


def _ttl_close(a: int | None, b: int | None, tol: int) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= tol


def _ttl(exp: int | None) -> str:
    if exp is None:
        return "no TTL"
    return f"expires in {(exp - now_ms()) / 1000:.1f}s"
