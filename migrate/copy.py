"""The record copy: a source's records into a target in pipelined, checkpointed batches.

See :mod:`redipy.migrate.engine` for the order of events that makes it safe; this
module is the loop itself, shared by the engine and by the MIGRATE path's fallback.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redipy.migrate import checkpoint as cp
from redipy.migrate.endpoints import FileTarget, now_ms
from redipy.migrate.records import TYPES, UNSTABLE, Mark, Record, live_fields
from redipy.migrate.report import Report

from redipy.records import COLLECTIONS, PAIRED

Progress = Callable[[int, int | None], None]



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


def copy_records(source: Any, target: Any, report: Report, state: dict[str, Any] | None,
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
        "counts": counts(report)}
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
        refused = getattr(target, "refused", None)
        for _ in refused() if refused is not None else ():  # hashes with field TTLs
            report.keys -= 1
            report.run_keys -= 1
            if report.types.get("hash"):
                report.types["hash"] -= 1
            if "counts" in commit:
                commit["counts"] = counts(report)
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
                commit["counts"] = counts(report)
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
            firsts = [r.key for r in batch_recs if r.part == 0 and r.key != counted] \
                if replace_all or pending or check_exists else []  # else unused
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
            inflight["counts"] = counts(report)
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
                if rec.value is None or rec.type not in TYPES:  # the rare cases, one test
                    if rec.type == UNSTABLE:
                        report.changed += 1
                        report.note(f"{rec.key!r} changed during each of {rec.value} reads "
                                    "and was not copied (copy it again when it is quiet)")
                        continue
                    if rec.type in TYPES:
                        continue  # a discard of a key never handed out
                    report.unsupported += 1
                    report.note(f"{rec.key!r}: type {rec.type} cannot be copied")
                    continue
                if rec.expire_at is not None and rec.expire_at <= now:
                    report.expired += 1
                    if rec.more:
                        dropped = rec.key
                    continue
                if rec.ttls:
                    live = live_fields(rec, now)
                    if live is None and not rec.more:
                        report.expired += 1  # every field expired during the run
                        continue
                    rec = live or rec  # a part left empty: the target drops them itself
                nkeys += 1
            elif rec.key == dropped:
                continue
            elif rec.ttls:
                rec = live_fields(rec, now) or rec
            recs.append(rec)
            kind = rec.type
            open_key = rec.key if rec.more else None
            open_type = kind
            # rec.size(), inline: this loop runs once per record
            if kind == "string":
                elems += 1
            elif kind in COLLECTIONS:
                elems += len(rec.value) >> (kind in PAIRED)
            else:
                elems += rec.size()
            if elems >= max_elems:
                flush(None)
        flush(last_mark)
        land()
    finally:
        close = getattr(items, "close", None)
        if close is not None:
            close()


def counts(report: Report) -> dict[str, Any]:
    return {"keys": report.keys, "types": dict(report.types), "records": report.records,
            "skipped": report.skipped, "expired": report.expired,
            "unsupported": report.unsupported}
