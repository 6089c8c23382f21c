"""Copying records from a source to a target: conflicts, batches, checkpoints, verify.

The order of events is what makes a copy trustworthy:

1. ``on_conflict="fail"`` is checked before anything is written: a dry pass over
   the source keys with EXISTS batches on the target. A conflict writes nothing.
2. Records are written in pipelined batches (the next page is read while the target
   works on the last one). A batch is flushed at a :class:`Mark` (a point the source
   can restart from); once the target has answered for it, a checkpoint recording
   that point, the target's state and the counts so far is written.
3. A resumed run starts at the checkpoint's point and replays what came after it.
   Replays are made safe by rewriting (DEL first) every key the interrupted run may
   have half-written: with ``fail`` that is any key the target holds (the first run
   proved there were none), with ``replace`` every key anyway, and with ``skip`` the
   keys listed as ``pending`` in the checkpoint (written there before each batch is
   sent), so keys that were in the target before the first run stay untouched.
4. Any failure ends the run with the error on one line and the checkpoint in place;
   success removes the checkpoint.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redipy.migrate.compare import CompareReport, compare
from redipy.migrate.endpoints import (
    EndpointError,
    FileSource,
    FileTarget,
    as_source,
    as_target,
    describe,
    is_url,
    now_ms,
)
from redipy.migrate.records import DEFAULT_CHUNK, TYPES, Mark, Record
from redipy.migrate.snapshot import SnapshotError, partial_path

CHECKPOINT_VERSION = 1
MAX_PROBLEMS = 50

Progress = Callable[[int, int | None], None]


@dataclass
class Report:
    """What a migrate / dump / load did; ``ok`` when everything was copied (and verified)."""

    operation: str
    source: str
    target: str
    keys: int = 0
    types: dict[str, int] = field(default_factory=dict)
    records: int = 0
    skipped: int = 0
    expired: int = 0
    unsupported: int = 0
    conflicts: int = 0
    dry_run: bool = False
    resumed: bool = False
    failed: bool = False
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    verify: CompareReport | None = None
    checkpoint: str | None = None

    @property
    def ok(self) -> bool:
        return (not self.failed and not self.problems
                and (self.verify is None or self.verify.ok))

    def note(self, text: str) -> None:
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    @property
    def rate(self) -> float:
        return self.keys / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        verb = "would copy" if self.dry_run else "copied"
        extras = []
        if self.skipped:
            extras.append(f"{self.skipped} skipped (exist)")
        if self.expired:
            extras.append(f"{self.expired} expired")
        if self.unsupported:
            extras.append(f"{self.unsupported} unsupported")
        if self.conflicts:
            extras.append(f"{self.conflicts} conflicts")
        more = f", {', '.join(extras)}" if extras else ""
        status = "ok" if self.ok else "FAILED"
        line = (f"{self.operation} {status}: {verb} {self.keys} keys{more} "
                f"in {self.seconds:.2f}s ({self.rate:,.0f} keys/s) "
                f"{self.source} -> {self.target}")
        if self.verify is not None:
            line += "; verify " + ("ok" if self.verify.ok else
                                   f"found {self.verify.differences} differences")
        if self.problems:
            line += f"; {self.problems[0]}"
        return line


def one_line(err: BaseException) -> str:
    """An exception as a single line fit for a terminal (no traceback, no password)."""
    from redipy.redis.backend import safe_url

    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, FileNotFoundError) and err.filename:
        text = f"no such file: {err.filename}"
    elif isinstance(err, OSError) and err.filename and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    words = [safe_url(w) if "://" in w else w for w in text.split(" ")]
    return " ".join(words)


# ---- checkpoints -----------------------------------------------------------------


def default_checkpoint(src: Any, dst: Any) -> str:
    """Next to a file target; otherwise in the working directory, named by src and dst."""
    if isinstance(dst, str | os.PathLike) and not is_url(os.fspath(dst)):
        return os.fspath(dst) + ".checkpoint.json"
    tag = hashlib.sha1(f"{describe(src)}|{describe(dst)}".encode()).hexdigest()[:12]
    return os.path.abspath(f"redipy-migrate-{tag}.checkpoint.json")


def _write_json(path: str, data: dict[str, Any]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        json.dump(data, fh)
    os.replace(tmp, path)


def _read_checkpoint(path: str) -> dict[str, Any]:
    try:
        with open(path) as fh:
            data = json.load(fh)
    except ValueError:
        raise EndpointError(f"checkpoint {path} is not valid JSON") from None
    if not isinstance(data, dict) or data.get("version") != CHECKPOINT_VERSION:
        raise EndpointError(f"checkpoint {path} is not a redipy checkpoint")
    return data


# ---- the copy ---------------------------------------------------------------------


def _check_options(on_conflict: str, ttl: str, types: list[str] | None, batch: int) -> None:
    if on_conflict not in ("fail", "replace", "skip"):
        raise ValueError(f"on_conflict must be fail, replace or skip, not {on_conflict!r}")
    if ttl not in ("keep", "drop"):
        raise ValueError(f"ttl must be keep or drop, not {ttl!r}")
    for t in types or ():
        if t not in TYPES:
            raise ValueError(f"unknown type {t!r}: use {', '.join(TYPES)}")
    if batch < 1:
        raise ValueError("batch must be at least 1")


def migrate(src: Any, dst: Any, *, match: str | None = None, types: list[str] | None = None,
            on_conflict: str = "fail", ttl: str = "keep", batch: int = 500,
            dry_run: bool = False, verify: bool = False, checkpoint: str | None = None,
            resume: bool = False, chunk: int = DEFAULT_CHUNK, progress: Progress | None = None,
            ttl_tolerance_ms: int = 2000, operation: str = "migrate") -> Report:
    """Copy every key (under ``match``, of ``types``) from ``src`` to ``dst``.

    ``src`` and ``dst`` are ``redipy.Redis`` clients (memory or server), server URLs or
    snapshot paths. Returns a :class:`Report`; failures are in it, not raised (bad
    arguments raise ``ValueError``).
    """
    _check_options(on_conflict, ttl, types, batch)
    types = list(dict.fromkeys(types)) if types else None
    report = Report(operation, describe(src), describe(dst), dry_run=dry_run)
    started = time.perf_counter()
    params = {"src": report.source, "dst": report.target, "match": match, "types": types,
              "on_conflict": on_conflict, "ttl": ttl}
    state: dict[str, Any] | None = None
    if resume and checkpoint and os.path.exists(checkpoint):
        state = _read_checkpoint(checkpoint)
        if state.get("params") != params:
            raise ValueError(f"checkpoint {checkpoint} is for another migration "
                             f"({state.get('params')}); remove it or drop --resume")
        report.resumed = True
    source = target = None
    wrote = False
    try:
        source = as_source(src)
        if isinstance(source, FileSource):
            source.validate()
        if not dry_run and isinstance(dst, str | os.PathLike) and not is_url(os.fspath(dst)):
            if state is None and os.path.exists(dst) and on_conflict != "replace":
                report.conflicts = 1
                report.note(f"{os.fspath(dst)} already exists; nothing written "
                            "(use --on-conflict replace to overwrite it)")
                return report
        if not dry_run:
            target = as_target(dst, source=report.source,
                               resume=state.get("dest") if state else None,
                               meta={"match": match, "types": types})
        elif not isinstance(dst, str | os.PathLike) or is_url(os.fspath(dst)):
            target = as_target(dst, source=report.source)
        if state is None and on_conflict == "fail" and target is not None \
                and not isinstance(target, FileTarget):
            if not _preflight(source, target, report, match, types, batch):
                return report
        wrote = not dry_run
        _copy(source, target if not dry_run else None, report, state, params,
              match=match, types=types, on_conflict=on_conflict, ttl_keep=ttl == "keep",
              batch=batch, chunk=chunk, checkpoint=checkpoint, progress=progress,
              probe=target)
        if target is not None and not dry_run:
            target.finish()
            target.close(ok=True)
            target = None
        if checkpoint and os.path.exists(checkpoint):
            os.remove(checkpoint)
    except (EndpointError, SnapshotError, OSError, ValueError) as err:
        report.failed = True
        report.note(one_line(err))
    except Exception as err:  # connection lost, server errors: one line, checkpoint kept
        from redipy.errors import RedipyError

        if not isinstance(err, RedipyError):
            raise
        report.failed = True
        report.note(one_line(err))
    finally:
        if target is not None:
            target.close(ok=not (wrote and checkpoint))
        if source is not None:
            source.close()
        report.seconds = time.perf_counter() - started
    if report.failed and wrote and checkpoint and os.path.exists(checkpoint):
        report.checkpoint = checkpoint
    if verify and report.ok and not dry_run:
        report.verify = compare(src, dst, match=match, types=types,
                                check_ttl=ttl == "keep", ttl_tolerance_ms=ttl_tolerance_ms,
                                batch=batch, chunk=chunk)
    return report


def _preflight(source: Any, target: Any, report: Report, match: str | None,
               types: list[str] | None, batch: int) -> bool:
    """``on_conflict="fail"``: find source keys the target already has, writing nothing."""
    if target.is_empty():
        return True
    samples: list[str] = []
    for keys in source.key_batches(match, types, max(batch, 1000)):
        for key, there in zip(keys, target.exists(keys)):
            if there:
                report.conflicts += 1
                if len(samples) < 5:
                    samples.append(repr(key))
    if report.conflicts:
        more = ", ..." if report.conflicts > len(samples) else ""
        report.note(f"{report.conflicts} keys already exist in {report.target} "
                    f"({', '.join(samples)}{more}); nothing written "
                    "(use --on-conflict replace or skip)")
        return False
    return True


def _copy(source: Any, target: Any, report: Report, state: dict[str, Any] | None,
          params: dict[str, Any], *, match: str | None, types: list[str] | None,
          on_conflict: str, ttl_keep: bool, batch: int, chunk: int, checkpoint: str | None,
          progress: Progress | None, probe: Any) -> None:
    resumed = state is not None
    start = state["pos"] if state else None
    # keys the interrupted run may have written after its checkpoint (skip mode only)
    pending: set[str] = set(state.get("pending", ())) if state else set()
    if state:
        counts = state["counts"]
        report.keys, report.types = counts["keys"], dict(counts["types"])
        report.records, report.skipped = counts["records"], counts["skipped"]
        report.expired, report.unsupported = counts["expired"], counts["unsupported"]
    total = source.estimate(match, types)
    # A resumed "fail" run owns every key the target has (the first run checked there
    # were none), so it rewrites them: a key half-written before the crash comes out whole.
    replace_all = on_conflict == "replace" or (resumed and on_conflict == "fail")
    check_exists = on_conflict == "skip"
    max_elems = max(chunk * 2, batch * 16)
    committed: dict[str, Any] = {
        "pos": start, "dest": state.get("dest") if state else None,
        "counts": _counts(report)}
    inflight: dict[str, Any] | None = None  # the commit to make once the batch in flight lands
    recs: list[Record] = []
    nkeys = 0
    elems = 0
    open_key: str | None = None
    dropped: str | None = None     # a key whose remaining parts are not copied
    now = now_ms()
    ours: set[str] = set()  # skip mode: keys written since the last commit

    def save(pend: set[str]) -> None:
        if checkpoint:
            _write_json(checkpoint, {
                "version": CHECKPOINT_VERSION, "params": params, "pos": committed["pos"],
                "dest": committed["dest"], "counts": committed["counts"],
                "pending": sorted(pend), "updated_ms": now_ms()})

    def land() -> None:
        """Wait for the batch in flight; then its checkpoint can be written."""
        nonlocal inflight
        if inflight is None:
            return
        for problem in (target.sync() if target is not None else ()):
            report.note(problem)
        commit, inflight = inflight, None
        if commit["pos"] is not None:
            committed.update(commit)
            ours.clear()
            pending.clear()
            save(set())
        if progress is not None:
            progress(commit["done"], total)

    def flush(at_mark: Mark | None) -> None:
        nonlocal recs, nkeys, elems, dropped, now, inflight
        land()
        batch_recs = recs
        recs, nkeys, elems = [], 0, 0
        if batch_recs:
            firsts = [r.key for r in batch_recs if r.part == 0]
            replace: set[str] = set()
            skip: set[str] = set()
            if replace_all:
                replace = set(firsts)
            elif check_exists and probe is not None and firsts:
                for key, there in zip(firsts, probe.exists(firsts)):
                    if key in pending:
                        replace.add(key)
                    elif there:
                        skip.add(key)
            if skip:
                batch_recs = [r for r in batch_recs if r.key not in skip]
                if open_key in skip:
                    dropped = open_key
                report.skipped += len(skip)
            if target is not None and batch_recs:
                if check_exists and checkpoint:
                    ours.update(r.key for r in batch_recs)
                    save(pending | ours)  # intent, before writing
                target.send(batch_recs, replace, ttl_keep)
            for r in batch_recs:
                report.records += 1
                if r.part == 0:
                    report.keys += 1
                    report.types[r.type] = report.types.get(r.type, 0) + 1
        inflight = {"pos": at_mark.pos if at_mark is not None else None,
                    "done": report.keys + report.skipped + report.expired}
        if at_mark is not None:
            inflight["dest"] = target.state() if target is not None else None
            inflight["counts"] = _counts(report)
        if target is None:
            land()
        now = now_ms()

    last_mark = Mark("done")
    items = source.records(match=match, types=types, chunk=chunk, batch=batch, start=start)
    try:
        for item in items:
            if type(item) is Mark:
                if nkeys >= batch or elems >= max_elems:
                    flush(item)
                last_mark = item
                continue
            rec: Record = item
            if rec.part == 0:
                dropped = None
                if rec.type not in TYPES:
                    report.unsupported += 1
                    report.note(f"{rec.key!r}: type {rec.type} cannot be copied")
                    continue
                if rec.expire_at is not None and rec.expire_at <= now:
                    report.expired += 1
                    if rec.more:
                        dropped = rec.key
                    continue
                nkeys += 1
            elif rec.key == dropped:
                continue
            recs.append(rec)
            open_key = rec.key if rec.more else None
            elems += rec.size()
            if elems >= max_elems:
                flush(None)
        flush(last_mark)
        land()
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def _counts(report: Report) -> dict[str, Any]:
    return {"keys": report.keys, "types": dict(report.types), "records": report.records,
            "skipped": report.skipped, "expired": report.expired,
            "unsupported": report.unsupported}


# ---- the named operations ---------------------------------------------------------


def dump(client: Any, path: str, *, match: str | None = None, types: list[str] | None = None,
         on_conflict: str = "fail", ttl: str = "keep", batch: int = 500,
         dry_run: bool = False, verify: bool = False, checkpoint: str | None = None,
         resume: bool = False, chunk: int = DEFAULT_CHUNK,
         progress: Progress | None = None) -> Report:
    """Write a snapshot of ``client`` (memory or server) to ``path``."""
    return migrate(client, os.fspath(path), match=match, types=types, on_conflict=on_conflict,
                   ttl=ttl, batch=batch, dry_run=dry_run, verify=verify,
                   checkpoint=checkpoint, resume=resume, chunk=chunk, progress=progress,
                   operation="dump")


def load(path: str, client: Any, *, match: str | None = None, types: list[str] | None = None,
         on_conflict: str = "fail", ttl: str = "keep", batch: int = 500,
         dry_run: bool = False, verify: bool = False, checkpoint: str | None = None,
         resume: bool = False, chunk: int = DEFAULT_CHUNK, progress: Progress | None = None,
         skip_expired: bool = True) -> Report:
    """Load the snapshot at ``path`` into ``client``; keys already expired are skipped."""
    del skip_expired  # expired keys are always skipped: they no longer exist
    return migrate(os.fspath(path), client, match=match, types=types, on_conflict=on_conflict,
                   ttl=ttl, batch=batch, dry_run=dry_run, verify=verify,
                   checkpoint=checkpoint, resume=resume, chunk=chunk, progress=progress,
                   operation="load")


__all__ = ["Report", "default_checkpoint", "dump", "load", "migrate", "one_line",
           "partial_path"]
