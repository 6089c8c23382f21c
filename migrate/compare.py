"""Comparing two endpoints key by key: missing, extra, type, value and TTL.

Side A is read record by record (big collections in parts); side B is probed for
exactly what each part holds (GET, an LRANGE window, HMGET, SMISMEMBER, ZMSCORE, and
the element count at the end), so neither side is ever held whole. A snapshot file
on side B is loaded into a private memory backend first, since a file cannot be
probed by key.
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
from redipy.migrate.records import DEFAULT_CHUNK, TYPES, Mark, Record

MAX_SAMPLES = 50


@dataclass
class CompareReport:
    """What differs between A and B; ``ok`` when nothing does."""

    a: str
    b: str
    keys: int = 0
    missing: int = 0
    extra: int = 0
    type_mismatch: int = 0
    value_mismatch: int = 0
    ttl_mismatch: int = 0
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def differences(self) -> int:
        return (self.missing + self.extra + self.type_mismatch + self.value_mismatch
                + self.ttl_mismatch)

    @property
    def ok(self) -> bool:
        return self.differences == 0 and not self.problems

    def note(self, text: str) -> None:
        if len(self.problems) < MAX_SAMPLES:
            self.problems.append(text)

    def summary(self) -> str:
        if self.ok:
            return f"compare: {self.keys} keys identical ({self.a} vs {self.b})"
        return (f"compare: {self.differences} differences in {self.keys} keys "
                f"(missing {self.missing}, extra {self.extra}, type {self.type_mismatch}, "
                f"value {self.value_mismatch}, ttl {self.ttl_mismatch}) "
                f"({self.a} vs {self.b})")


class _KeyState:
    __slots__ = ("bad", "card", "count", "exp", "offset")

    def __init__(self, card: int, exp: int | None) -> None:
        self.card = card
        self.exp = exp
        self.count = 0
        self.offset = 0
        self.bad = False


def compare(a: Any, b: Any, *, match: str | None = None, types: list[str] | None = None,
            ttl_tolerance_ms: int = 2000, check_ttl: bool = True, batch: int = 500,
            chunk: int = DEFAULT_CHUNK) -> CompareReport:
    """Compare two endpoints (``redipy.Redis`` clients, URLs or snapshot paths)."""
    started = time.perf_counter()
    report = CompareReport(describe(a), describe(b))
    src = as_source(a)
    probe: MemoryEndpoint | ServerEndpoint
    holder = None
    try:
        if isinstance(b, str | os.PathLike) and not _is_url(os.fspath(b)):
            from redipy.migrate.engine import load

            import redipy

            holder = redipy.Redis()
            loaded = load(os.fspath(b), holder, on_conflict="replace", skip_expired=True)
            if not loaded.ok:
                report.problems.extend(loaded.problems)
                return report
            probe = MemoryEndpoint(holder)
        else:
            other = as_source(b)
            assert isinstance(other, MemoryEndpoint | ServerEndpoint)
            probe = other
        _forward(src, probe, report, match, types, ttl_tolerance_ms, check_ttl, batch, chunk)
    except Exception as err:
        from redipy.migrate.engine import one_line

        report.problems.append(one_line(err))
    finally:
        src.close()
        report.seconds = time.perf_counter() - started
    return report


def _is_url(text: str) -> bool:
    from redipy.migrate.endpoints import is_url

    return is_url(text)


def _forward(src: Any, probe: MemoryEndpoint | ServerEndpoint, report: CompareReport,
             match: str | None, types: list[str] | None, tol: int, check_ttl: bool,
             batch: int, chunk: int) -> None:
    states: dict[str, _KeyState] = {}
    seen: set[str] | None = set() if isinstance(src, FileSource) else None
    pending: list[Record] = []
    skip: str | None = None
    now = now_ms()

    def flush() -> None:
        firsts = [r for r in pending if r.part == 0 and r.key not in states]
        if firsts:
            metas = probe.meta([r.key for r in firsts])
            for rec, (kind, exp, card) in zip(firsts, metas):
                if kind == "none":
                    report.missing += 1
                    report.note(f"missing in B: {rec.key!r}")
                    states[rec.key] = _dead()
                    continue
                if kind != rec.type:
                    report.type_mismatch += 1
                    report.note(f"type differs: {rec.key!r} ({rec.type} vs {kind})")
                    states[rec.key] = _dead()
                    continue
                if check_ttl and not _ttl_close(rec.expire_at, exp, tol):
                    report.ttl_mismatch += 1
                    report.note(f"TTL differs: {rec.key!r} ({_ttl(rec.expire_at)} vs "
                                f"{_ttl(exp)})")
                states[rec.key] = _KeyState(card, exp)
        items: list[tuple[Record, int]] = []
        for rec in pending:
            st = states[rec.key]
            if st.bad:
                continue
            items.append((rec, st.offset))
            n = rec.size()
            st.offset += n
            st.count += n
        oks = probe.check(items) if items else []
        for (rec, _), ok in zip(items, oks):
            st = states[rec.key]
            if st.bad:
                continue
            if not ok:
                st.bad = True
                report.value_mismatch += 1
                report.note(f"value differs: {rec.key!r}")
            elif not rec.more and rec.type != "string" and st.count != st.card:
                st.bad = True
                report.value_mismatch += 1
                report.note(f"value differs: {rec.key!r} ({st.count} vs {st.card} elements)")
        for rec in pending:
            if not rec.more:
                states.pop(rec.key, None)
        pending.clear()

    for item in src.records(match=match, types=types, chunk=chunk, batch=batch):
        if isinstance(item, Mark):
            if len(pending) >= batch:
                flush()
            continue
        if item.part == 0:
            skip = None
            if item.type not in TYPES:
                report.keys += 1
                report.note(f"unsupported type {item.type!r}: {item.key!r}")
                report.value_mismatch += 1
                continue
            if item.expire_at is not None and item.expire_at <= now:
                skip = item.key
                continue
            report.keys += 1
            if seen is not None:
                seen.add(item.key)
        elif item.key == skip:
            continue
        pending.append(item)
        if len(pending) >= batch * 4:
            flush()
    flush()

    # keys only B holds
    for keys in probe.key_batches(match, types, batch):
        if seen is not None:
            present = [k in seen for k in keys]
        else:
            present = src.exists(keys)
        for key, there in zip(keys, present):
            if not there:
                report.extra += 1
                report.note(f"extra in B: {key!r}")


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
