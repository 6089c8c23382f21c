"""Copying records from a source to a target: conflicts, batches, checkpoints, verify.

The order of events is what makes a copy trustworthy:

1. Both sides are opened and identified (:mod:`redipy.migrate.checkpoint`). A copy of
   a keyspace onto itself is refused; an existing checkpoint decides what happens
   next: ``--resume`` continues it only when both sides are still the instances it
   was written against, a finished one leaves nothing to resume, and a run without
   ``--resume`` never silently overwrites an interrupted one.
2. ``on_conflict="fail"`` is checked before anything is written: a dry pass over
   the source keys with EXISTS batches on the target. A conflict writes nothing. The
   check then holds for the whole run: every write goes through a guard that fails
   on an existing key (``SET NX``, ``RENAMENX`` of a value built aside, ``MIGRATE``
   without ``REPLACE``), so a key another client creates meanwhile is reported, never
   merged.
3. Records are written in pipelined batches (the next page is read while the target
   works on the last one). A batch is flushed at a :class:`Mark` (a point the source
   can restart from); once the target has answered for it, a checkpoint recording
   that point and the counts so far is written.
4. A resumed run starts at the checkpoint's point and replays what came after it.
   Keys a batch may have written before the crash are listed as ``pending`` in the
   checkpoint (written before the batch is sent) and are rewritten; every other key
   stays guarded. With ``replace`` every key is rewritten anyway.
5. Any failure ends the run with the error on one line and the checkpoint in place;
   success marks the checkpoint finished.

Server to server, :mod:`redipy.migrate.native` lets the servers copy with ``MIGRATE``
when they can; everything else goes through records.
"""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redipy.migrate import checkpoint as cp
from redipy.migrate.compare import CompareReport, compare
from redipy.migrate.endpoints import (
    EndpointError,
    FileSource,
    FileTarget,
    as_source,
    as_target,
    describe,
    now_ms,
)
from redipy.migrate.records import DEFAULT_CHUNK, TYPES, UNSTABLE, Mark, Record
from redipy.migrate.snapshot import SnapshotError, partial_path
from redipy.migrate.urls import is_url, mask_words

MAX_PROBLEMS = 50

Progress = Callable[[int, int | None], None]


class UsageProblem(ValueError):
    """Arguments that cannot work as given (raised, not reported: the CLI exits 2)."""


class SameEndpoint(UsageProblem):
    """SRC and DST are one keyspace."""


@dataclass
class Report:
    """What a migrate / dump / load did; ``ok`` when everything was copied (and verified)."""

    operation: str
    source: str
    target: str
    keys: int = 0
    run_keys: int = 0
    types: dict[str, int] = field(default_factory=dict)
    records: int = 0
    skipped: int = 0
    expired: int = 0
    unsupported: int = 0
    conflicts: int = 0
    retried: int = 0
    changed: int = 0
    dry_run: bool = False
    resumed: bool = False
    failed: bool = False
    nothing_to_resume: bool = False
    method: str = "records"
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    issues: int = 0
    verify: CompareReport | None = None
    checkpoint: str | None = None
    skipped_keys: set[str] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return (not self.failed and not self.issues and not self.conflicts
                and (self.verify is None or self.verify.ok))

    def note(self, text: str) -> None:
        """A problem: counted always, its text kept for the first :data:`MAX_PROBLEMS`."""
        self.issues += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    @property
    def rate(self) -> float:
        """Keys per second of this run (keys copied before a resume do not count)."""
        return self.run_keys / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        if self.nothing_to_resume:
            return (f"{self.operation}: nothing to resume: the run recorded in "
                    f"{self.checkpoint} finished ({self.keys} keys, "
                    f"{self.source} -> {self.target})")
        verb = "would copy" if self.dry_run else "copied"
        extras = []
        if self.resumed:
            extras.append(f"{self.run_keys} in this run")
        if self.skipped:
            extras.append(f"{self.skipped} skipped (exist)")
        if self.expired:
            extras.append(f"{self.expired} expired")
        if self.unsupported:
            extras.append(f"{self.unsupported} unsupported")
        if self.conflicts:
            extras.append(f"{self.conflicts} conflicts")
        if self.retried:
            extras.append(f"{self.retried} re-read (changed while copied)")
        if self.verify is not None and self.verify.expired:
            extras.append(f"{self.verify.expired} expired during the run")
        more = f", {', '.join(extras)}" if extras else ""
        body = (f"{verb} {self.keys} keys{more} in {self.seconds:.2f}s "
                f"({self.rate:,.0f} keys/s) {self.source} -> {self.target}")
        if self.ok:
            line = f"{self.operation} ok: {body}"
            if self.verify is not None:
                line += "; verify ok"
            return line
        reason = self.problems[0] if self.problems else (
            self.verify.headline() if self.verify is not None and not self.verify.ok
            else f"{self.conflicts} conflicts")
        line = f"{self.operation} FAILED: {reason}; {body}"
        if self.verify is not None and not self.verify.ok and self.problems:
            line += f"; verify found {self.verify.differences} differences"
        return line


def one_line(err: BaseException) -> str:
    """An exception as a single line fit for a terminal (no traceback, no password)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, FileNotFoundError) and err.filename:
        text = f"no such file: {err.filename}"
    elif isinstance(err, OSError) and err.filename and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    return mask_words(text)


# ---- checkpoints -----------------------------------------------------------------


def default_checkpoint(src: Any, dst: Any) -> str:
    """Next to a file target; otherwise in the working directory, named by src and dst."""
    if isinstance(dst, str | os.PathLike) and not is_url(os.fspath(dst)):
        return os.fspath(dst) + ".checkpoint.json"
    tag = hashlib.sha1(f"{describe(src)}|{describe(dst)}".encode()).hexdigest()[:12]
    return os.path.abspath(f"redipy-migrate-{tag}.checkpoint.json")


# ---- the copy ---------------------------------------------------------------------


def _check_options(on_conflict: str, ttl: str, types: list[str] | None, batch: int,
                   verify: Any) -> None:
    if on_conflict not in ("fail", "replace", "skip"):
        raise ValueError(f"on_conflict must be fail, replace or skip, not {on_conflict!r}")
    if ttl not in ("keep", "drop"):
        raise ValueError(f"ttl must be keep or drop, not {ttl!r}")
    for t in types or ():
        if t not in TYPES:
            raise ValueError(f"unknown type {t!r}: use {', '.join(TYPES)}")
    if batch < 1:
        raise ValueError("batch must be at least 1")
    if verify not in (False, True, None, "copied", "both"):
        raise ValueError(f"verify must be True, 'copied' or 'both', not {verify!r}")


def _is_file(obj: Any) -> bool:
    return isinstance(obj, str | os.PathLike) and not is_url(os.fspath(obj))


def migrate(src: Any, dst: Any, *, match: str | None = None, types: list[str] | None = None,
            on_conflict: str = "fail", ttl: str = "keep", batch: int = 500,
            dry_run: bool = False, verify: bool | str = False, checkpoint: str | None = None,
            resume: bool = False, chunk: int = DEFAULT_CHUNK, progress: Progress | None = None,
            ttl_tolerance_ms: int = 2000, operation: str = "migrate",
            timeout: float | None = 120.0, native: bool = True) -> Report:
    """Copy every key (under ``match``, of ``types``) from ``src`` to ``dst``.

    ``src`` and ``dst`` are ``redipy.Redis`` clients (memory or server), server URLs or
    snapshot paths. ``verify=True`` (or ``"copied"``) compares the keys the run copied
    with the target afterwards; ``"both"`` also reports keys only the target has.
    ``timeout`` bounds each wait for a server's reply (``None``: no bound). Returns a
    :class:`Report`; failures are in it, not raised (bad arguments and a copy onto
    itself raise ``ValueError``).
    """
    _check_options(on_conflict, ttl, types, batch, verify)
    types = list(dict.fromkeys(types)) if types else None
    report = Report(operation, describe(src), describe(dst), dry_run=dry_run)
    started = time.perf_counter()
    params = {"src": report.source, "dst": report.target, "match": match, "types": types,
              "on_conflict": on_conflict, "ttl": ttl}
    state: dict[str, Any] | None = None
    source = target = None
    wrote = False
    try:
        source = as_source(src, timeout=timeout)
        if isinstance(source, FileSource):
            source.validate()
        src_id = source.identity()
        if _is_file(dst):
            dst_id: dict[str, Any] = {"kind": "file", "path": os.path.abspath(os.fspath(dst))}
        else:
            target = as_target(dst, source=report.source, timeout=timeout)
            dst_id = target.identity()
        if cp.same_endpoint(src_id, dst_id):
            raise SameEndpoint(f"SRC and DST are the same keyspace ({report.source}); "
                               "nothing to copy")
        saved = cp.read(checkpoint) if checkpoint and not dry_run else None
        if saved is not None:
            counted = saved.get("counts", {}).get("keys", 0)
            if resume:
                if saved.get("finished"):
                    report.nothing_to_resume = True
                    report.keys = counted
                    report.checkpoint = checkpoint
                    return report
                if saved.get("params") != params:
                    raise UsageProblem(f"checkpoint {checkpoint} is for another migration "
                                       f"({saved.get('params')}); delete it or drop --resume")
                why = (cp.changed("SRC", report.source, saved.get("src_id"), src_id)
                       or cp.changed("DST", report.target, saved.get("dst_id"), dst_id))
                if why is not None:
                    report.failed = True
                    report.note(f"{why}: delete {checkpoint} and run again without --resume")
                    return report
                state = saved
                report.resumed = True
            elif not saved.get("finished"):
                report.failed = True
                report.note(f"a checkpoint of an interrupted run is at {checkpoint} "
                            f"({counted} keys copied so far): add --resume to continue it, "
                            "or delete the file to start over")
                return report
        if not dry_run and _is_file(dst):
            if state is None and os.path.exists(dst) and on_conflict != "replace":
                report.conflicts = 1
                report.note(f"{os.fspath(dst)} already exists; nothing written "
                            "(use --on-conflict replace to overwrite it)")
                return report
            target = as_target(dst, source=report.source,
                               resume=state.get("dest") if state else None,
                               meta={"match": match, "types": types})
        if state is None and on_conflict == "fail" and target is not None \
                and not isinstance(target, FileTarget):
            if not _preflight(source, target, report, match, types, batch):
                return report
        wrote = not dry_run
        ids = {"src_id": src_id, "dst_id": dst_id}
        from redipy.migrate import native as native_copy

        plan = None
        if native and not dry_run and ttl == "keep":
            plan = native_copy.plan(source, target)
        if plan is not None:
            report.method = "MIGRATE"
            native_copy.copy(plan, report, state, params, ids, match=match, types=types,
                             on_conflict=on_conflict, batch=batch, chunk=chunk,
                             checkpoint=checkpoint, progress=progress, timeout=timeout)
        else:
            _copy(source, target if not dry_run else None, report, state, params, ids,
                  match=match, types=types, on_conflict=on_conflict, ttl_keep=ttl == "keep",
                  batch=batch, chunk=chunk, checkpoint=checkpoint, progress=progress,
                  probe=target)
        for ep, ident in ((source, src_id), (target, dst_id)):
            still = getattr(ep, "still", None)
            if still is not None and not dry_run:
                still(ident)  # a server that restarted mid-run lost what it was given
        if target is not None and not dry_run:
            target.finish()
            target.close(ok=True)
            target = None
        if checkpoint and not dry_run:
            cp.write(checkpoint, {"finished": True, "params": params, **ids,
                                  "counts": _counts(report), "finished_ms": now_ms()})
    except UsageProblem:
        raise
    except (EndpointError, SnapshotError, cp.CheckpointError, OSError, ValueError) as err:
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
        report.checkpoint = checkpoint  # an interrupted copy: resumable
    if verify and report.ok and not dry_run:
        report.verify = compare(src, dst, match=match, types=types,
                                check_ttl=ttl == "keep", ttl_tolerance_ms=ttl_tolerance_ms,
                                batch=batch, chunk=chunk, extra=verify == "both",
                                exclude=report.skipped_keys, timeout=timeout)
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


def restore_counts(report: Report, state: dict[str, Any] | None) -> None:
    """A resumed run's report starts from the counts its checkpoint holds."""
    if state:
        counts = state["counts"]
        report.keys, report.types = counts["keys"], dict(counts["types"])
        report.records, report.skipped = counts["records"], counts["skipped"]
        report.expired, report.unsupported = counts["expired"], counts["unsupported"]


def note_conflicts(report: Report, keys: list[str], on_conflict: str) -> None:
    """Keys the guard found on the target mid-run: skipped, or conflicts that fail it."""
    if on_conflict == "skip":
        report.skipped += len(keys)
        report.skipped_keys.update(keys)
        return
    report.conflicts += len(keys)
    for key in keys:
        report.note(f"{key!r} appeared on {report.target} during the run and was left as "
                    "it is (not merged): a conflict")


def _copy(source: Any, target: Any, report: Report, state: dict[str, Any] | None,
          params: dict[str, Any], ids: dict[str, Any], *, match: str | None,
          types: list[str] | None, on_conflict: str, ttl_keep: bool, batch: int, chunk: int,
          checkpoint: str | None, progress: Progress | None, probe: Any) -> None:
    start = state["pos"] if state else None
    # keys a batch of the interrupted run may have written after its checkpoint
    pending: set[str] = set(state.get("pending", ())) if state else set()
    restore_counts(report, state)
    total = source.estimate(match, types)
    is_file = isinstance(target, FileTarget)
    replace_all = on_conflict == "replace"
    guard = not replace_all and not is_file
    check_exists = on_conflict == "skip"
    intent = guard and checkpoint is not None
    max_elems = max(chunk * 2, batch * 16)
    committed: dict[str, Any] = {
        "pos": start, "dest": state.get("dest") if state else None,
        "counts": _counts(report)}
    inflight: dict[str, Any] | None = None  # the commit to make once the batch in flight lands
    recs: list[Record] = []
    nkeys = 0
    elems = 0
    open_key: str | None = None     # the key whose parts are being read
    open_type = "list"              # and its type
    counted: str | None = None      # the key whose parts are being written (counted once)
    dropped: str | None = None      # a key whose remaining parts are not copied
    now = now_ms()
    ours: set[str] = set()  # keys written since the last commit

    def save(pend: set[str]) -> None:
        if checkpoint:
            cp.write(checkpoint, {
                "params": params, **ids, "pos": committed["pos"], "dest": committed["dest"],
                "counts": committed["counts"], "pending": sorted(pend),
                "updated_ms": now_ms()})

    def land() -> None:
        """Wait for the batch in flight; then its checkpoint can be written."""
        nonlocal inflight
        if inflight is None:
            return
        problems, conflicts = target.sync() if target is not None else ([], [])
        for problem in problems:
            report.note(problem)
        commit, inflight = inflight, None
        if conflicts:
            kinds = commit["kinds"]
            for key in conflicts:
                report.keys -= 1
                report.run_keys -= 1
                kind = kinds.get(key)
                if kind in report.types:
                    report.types[kind] -= 1
            note_conflicts(report, conflicts, on_conflict)
            if "counts" in commit:
                commit["counts"] = _counts(report)
        if commit["pos"] is not None:
            committed.update(commit)
            ours.clear()
            pending.clear()
            save(set())
        if progress is not None:
            progress(report.keys + report.skipped + report.expired, total)

    def count(batch_recs: list[Record]) -> dict[str, str]:
        """Count the keys of a batch (a key started over or discarded counts once)."""
        nonlocal counted
        kinds: dict[str, str] = {}
        types_ = report.types
        for r in batch_recs:
            if r.part == 0:
                if r.key == counted:  # started over, or dropped
                    if r.value is None:
                        report.keys -= 1
                        report.run_keys -= 1
                        types_[r.type] -= 1
                        if not types_[r.type]:
                            del types_[r.type]
                else:
                    if r.value is None:
                        continue
                    report.keys += 1
                    report.run_keys += 1
                    types_[r.type] = types_.get(r.type, 0) + 1
                    kinds[r.key] = r.type
                counted = r.key if r.more else None
            elif not r.more:
                counted = None
            report.records += 1
        return kinds

    def flush(at_mark: Mark | None) -> None:
        nonlocal recs, nkeys, elems, dropped, now, inflight
        land()
        batch_recs = recs
        recs, nkeys, elems = [], 0, 0
        kinds: dict[str, str] = {}
        if batch_recs:
            firsts = [r.key for r in batch_recs if r.part == 0 and r.key != counted]
            replace: set[str] = set()
            skip: set[str] = set()
            if replace_all:
                replace = set(firsts)
            elif pending:
                replace = pending.intersection(firsts)
            if check_exists and probe is not None and firsts:
                for key, there in zip(firsts, probe.exists(firsts)):
                    if there and key not in replace:
                        skip.add(key)
            if skip:
                batch_recs = [r for r in batch_recs if r.key not in skip]
                if open_key in skip:
                    dropped = open_key
                report.skipped += len(skip)
                report.skipped_keys.update(skip)
            if target is not None and batch_recs:
                if intent:
                    ours.update(r.key for r in batch_recs)
                    save(pending | ours)  # intent, before writing
                target.send(batch_recs, replace, ttl_keep, guard)
            kinds = count(batch_recs)
        inflight = {"pos": at_mark.pos if at_mark is not None else None, "kinds": kinds}
        if at_mark is not None:
            inflight["dest"] = target.state() if target is not None else None
            inflight["counts"] = _counts(report)
        if target is None:
            land()
        now = now_ms()

    if checkpoint and target is not None and state is None:
        save(set())  # a checkpoint exists before the first write
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
                if rec.key == open_key:  # the source read this key again, or gave it up
                    if rec.type == UNSTABLE:
                        report.changed += 1
                        report.note(f"{rec.key!r} changed during each of {rec.value} reads "
                                    "and was not copied (copy it again when it is quiet)")
                        recs.append(Record(rec.key, open_type, None))
                        open_key = None
                        continue
                    report.retried += 1  # read again (or gone): its parts so far are dropped
                    recs.append(rec)
                    open_key = rec.key if rec.more else None
                    if rec.value is not None:
                        open_type = rec.type
                    continue
                dropped = None
                open_key = None
                if rec.type == UNSTABLE:
                    report.changed += 1
                    report.note(f"{rec.key!r} changed during each of {rec.value} reads and "
                                "was not copied (copy it again when it is quiet)")
                    continue
                if rec.value is None and rec.type in TYPES:
                    continue  # a discard of a key never handed out
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
            open_type = rec.type
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


counts = _counts


# ---- the named operations ---------------------------------------------------------


def dump(client: Any, path: str, **options: Any) -> Report:
    """Write a snapshot of ``client`` (memory or server) to ``path``; ``options`` are
    :func:`migrate`'s."""
    return migrate(client, os.fspath(path), **{"operation": "dump", **options})


def load(path: str, client: Any, *, skip_expired: bool = True, **options: Any) -> Report:
    """Load the snapshot at ``path`` into ``client``; keys already expired are skipped
    (always: they no longer exist). ``options`` are :func:`migrate`'s."""
    del skip_expired
    return migrate(os.fspath(path), client, **{"operation": "load", **options})


__all__ = ["Report", "default_checkpoint", "dump", "load", "migrate", "one_line",
           "partial_path"]
