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
from typing import Any

from redipy.migrate import checkpoint as cp
from redipy.migrate.compare import compare
from redipy.migrate.copy import Progress, copy_records, counts
from redipy.migrate.endpoints import (
    EndpointError,
    FileSource,
    FileTarget,
    as_source,
    as_target,
    describe,
    now_ms,
)
from redipy.migrate.messages import one_line
from redipy.migrate.records import DEFAULT_CHUNK, TYPES
from redipy.migrate.report import Report
from redipy.migrate.snapshot import SnapshotError, partial_path
from redipy.migrate.urls import is_url


class UsageProblem(ValueError):
    """Arguments that cannot work as given (raised, not reported: the CLI exits 2)."""


class SameEndpoint(UsageProblem):
    """SRC and DST are one keyspace."""


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
            copy_records(source, target if not dry_run else None, report, state, params, ids,
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
                                  "counts": counts(report), "finished_ms": now_ms()})
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


__all__ = ["Progress", "Report", "default_checkpoint", "dump", "load", "migrate", "one_line",
           "partial_path"]
