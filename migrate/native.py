"""Server to server with the servers' own ``MIGRATE ... COPY``: SCAN pages, one MIGRATE each.

The values never pass through this process: the source server serializes each key
(DUMP's format) and restores it on the target itself, atomically per key, expiry
included, so a big key another client changes mid-copy is copied as it was at one
instant. This process only walks SCAN, counts types and keeps the checkpoint.

Used when both ends are single servers the source can reach (a target on loopback
only from a source on loopback), with the same key prefix, over plain TCP, and when
the target can read the source's payloads (same product at the same or a newer
version, or Redis before 7.4 into Valkey). Anything else, and a batch the target
refuses for its payload version, goes through typed records instead
(:func:`redipy.migrate.copy.copy_records`), from the same SCAN cursor.

Conflicts: without ``REPLACE`` the target refuses a key that exists (``BUSYKEY``), so
``--on-conflict fail`` holds for the whole run; the keys of such a batch are then
compared with the source to name the one that appeared.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from typing import Any

from redipy.migrate import checkpoint as cp
from redipy.migrate.copy import copy_records, counts, note_conflicts, restore_counts
from redipy.migrate.endpoints import ServerEndpoint, now_ms
from redipy.migrate.records import DEFAULT_CHUNK, TYPES
from redipy.migrate.resp import ReplyError

from redipy.commands.types import TYPES as DATA_TYPES

#: MIGRATE's wait for the target when no --timeout bounds it (0 would mean 1 s there)
NO_TIMEOUT_MS = 24 * 3600 * 1000


@dataclass
class Plan:
    source: ServerEndpoint
    target: ServerEndpoint
    host: str
    port: int
    db: int
    auth: tuple[str, ...]


def _loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        try:
            return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
        except OSError:
            return False


def readable(src: tuple[str, tuple[int, ...]], dst: tuple[str, tuple[int, ...]]) -> bool:
    """Whether a server ``dst`` restores DUMP payloads written by ``src``."""
    if src[0] == dst[0]:
        return src[1] <= dst[1]
    return src[0] == "redis" and dst[0] == "valkey" and src[1] < (7, 4)


def plan(source: Any, target: Any) -> Plan | None:
    """How to MIGRATE from ``source`` to ``target``, or ``None`` when it cannot work."""
    if type(source) is not ServerEndpoint or type(target) is not ServerEndpoint:
        return None
    if source.prefix != target.prefix:
        return None
    pool = target.backend.conn.connection_pool
    src_pool = source.backend.conn.connection_pool
    if pool.connection_class.__name__ != "Connection" \
            or src_pool.connection_class.__name__ != "Connection":
        return None  # TLS or a unix socket: the source server could not connect the same way
    kwargs = pool.connection_kwargs
    host, port = str(kwargs.get("host") or "localhost"), int(kwargs.get("port") or 6379)
    if _loopback(host) and not _loopback(str(src_pool.connection_kwargs.get("host") or "")):
        return None
    if not readable(source.product(), target.product()):
        return None
    if source.identity()["run_id"] == target.identity()["run_id"]:
        return None  # one server, two databases: MIGRATE would wait on itself
    auth: tuple[str, ...] = ()
    password = kwargs.get("password")
    if password:
        user = kwargs.get("username")
        auth = ("AUTH2", str(user), str(password)) if user else ("AUTH", str(password))
    return Plan(source, target, host, port, target.db, auth)


def copy(plan: Plan, report: Any, state: dict[str, Any] | None, params: dict[str, Any],
         ids: dict[str, Any], *, match: str | None, types: list[str] | None,
         on_conflict: str, batch: int, chunk: int = DEFAULT_CHUNK,
         checkpoint: str | None, progress: Any, timeout: float | None) -> None:
    """Copy every key under ``match`` (of ``types``) with MIGRATE; counts into ``report``."""
    src, dst = plan.source, plan.target
    restore_counts(report, state)
    cursor = str(state["pos"]) if state and state.get("pos") is not None else "0"
    pending: set[str] = set(state.get("pending", ())) if state else set()
    total = src.estimate(match, types)
    conn = src.reader()
    replace_all = on_conflict == "replace"
    wanted = set(types) if types and len(types) > 1 else None
    wait_ms = str(int(timeout * 1000)) if timeout else str(NO_TIMEOUT_MS)
    head = ("MIGRATE", plan.host, str(plan.port), "", str(plan.db), wait_ms, "COPY")
    plen = src.plen

    def save(pos: str, pend: set[str]) -> None:
        if checkpoint:
            cp.write(checkpoint, {"params": params, **ids, "pos": pos, "dest": None,
                                  "counts": counts(report), "pending": sorted(pend),
                                  "updated_ms": now_ms()})

    if cursor == "done":
        return
    if state is None:
        save(cursor, set())
    watch = dst.writer()  # our own line to the target: it breaks if the target restarts

    def target_alive() -> None:
        if watch.closed():
            dst.still(ids["dst_id"])

    reply = conn.call(*src._scan_cmd(cursor, match, types, batch))
    while True:
        if isinstance(reply, ReplyError):
            raise ReplyError(f"{src.name}: SCAN failed: {reply}")
        nxt, keys = reply
        more = nxt != "0"
        scan_next = [tuple(src._scan_cmd(nxt, match, types, batch))] if more else []
        kinds: list[Any] | None = None
        if keys and wanted is not None:
            kinds = conn.run([("TYPE", k) for k in keys])
            keep = [i for i, t in enumerate(kinds) if t in wanted]
            keys, kinds = [keys[i] for i in keep], [kinds[i] for i in keep]
        if not keys:
            reply = conn.run(scan_next)[0] if more else None
        else:
            names = [k[plen:] for k in keys] if plen else keys
            if replace_all:
                again, guarded = list(keys), []
            else:
                again = [k for k, n in zip(keys, names) if n in pending]
                guarded = [k for k, n in zip(keys, names) if n not in pending]
            if on_conflict == "skip" and guarded:
                there = dst.exists([k[plen:] for k in guarded] if plen else guarded)
                skipped = [k for k, t in zip(guarded, there) if t]
                if skipped:
                    report.skipped += len(skipped)
                    report.skipped_keys.update(k[plen:] for k in skipped)
                    gone = set(skipped)
                    guarded = [k for k in guarded if k not in gone]
            target_alive()
            if checkpoint and not replace_all:
                save(cursor, pending | set(names))  # intent, before writing
            cmds: list[tuple[str, ...]] = []
            if kinds is None:
                cmds.extend(("TYPE", k) for k in keys)
            calls: list[list[str]] = []
            if again:
                cmds.append((*head, *plan.auth, "REPLACE", "KEYS", *again))
                calls.append(again)
            if guarded:
                cmds.append((*head, *plan.auth, "KEYS", *guarded))
                calls.append(guarded)
            cmds.extend(scan_next)
            replies = conn.run(cmds)
            if kinds is None:
                kinds = replies[:len(keys)]
                replies = replies[len(keys):]
            by_key = dict(zip(keys, kinds))
            refused: list[str] = []
            for call, got in zip(calls, replies):
                if not isinstance(got, ReplyError):
                    continue
                text = str(got)
                if "BUSYKEY" in text and call is guarded:
                    found = _conflicts(src, dst, guarded)
                    if not found:  # a key came and went: still a conflict of this batch
                        report.conflicts += 1
                        report.note(f"a key of this batch appeared on {report.target} during "
                                    "the run (MIGRATE: BUSYKEY) and was left as it is")
                    for key in found:
                        by_key.pop(key, None)
                    note_conflicts(report, [k[plen:] for k in found], on_conflict)
                else:
                    refused.extend(call)
            if refused:
                _fallback(src, dst, refused, by_key, replace_all, chunk, report, on_conflict)
            for kind in by_key.values():
                if kind == "none":
                    report.expired += 1
                    continue
                report.keys += 1
                report.run_keys += 1
                report.records += 1
                report.types[kind] = report.types.get(kind, 0) + 1
            pending.clear()
            reply = replies[len(calls)] if more else None
            if refused and all(k in refused for k in keys) and more:
                # the target reads none of these payloads: records from here on
                report.method = "records"
                save(nxt, set())
                state2 = {"pos": nxt, "dest": None, "counts": counts(report), "pending": []}
                copy_records(src, dst, report, state2, params, ids, match=match, types=types,
                      on_conflict=on_conflict, ttl_keep=True, batch=batch, chunk=chunk,
                      checkpoint=checkpoint, progress=progress, probe=dst)
                return
        target_alive()
        save(nxt if more else "done", set())
        if progress is not None:
            progress(report.keys + report.skipped + report.expired, total)
        if not more:
            return
        cursor = nxt


def _conflicts(src: ServerEndpoint, dst: ServerEndpoint, keys: list[str]) -> list[str]:
    """Keys (full names) whose value on ``dst`` is not the source's: the ones another
    client created there (type, size or string value differ)."""
    cmds: list[tuple[str, ...]] = []
    for k in keys:
        cmds.extend((("TYPE", k), ("STRLEN", k)))
    a = src.reader().run(cmds)
    b = dst.writer().run(cmds)
    out = []
    for i, k in enumerate(keys):
        ta, tb = a[2 * i], b[2 * i]
        if ta != tb or (ta == "string" and a[2 * i + 1] != b[2 * i + 1]):
            out.append(k)
            continue
        if ta in TYPES and ta != "string":
            card = DATA_TYPES[ta].length
            if src.reader().call(card, k) != dst.writer().call(card, k):
                out.append(k)
        elif ta == "string" and src.reader().call("GET", k) != dst.writer().call("GET", k):
            out.append(k)
    return out


def _fallback(src: ServerEndpoint, dst: ServerEndpoint, keys: list[str],
              by_key: dict[str, Any], replace_all: bool, chunk: int, report: Any,
              on_conflict: str) -> None:
    """Copy with typed records the keys MIGRATE could not restore (all of them when
    replacing; else those the target does not hold)."""
    plen = src.plen
    names = [k[plen:] for k in keys] if plen else list(keys)
    missing = list(keys)
    if not replace_all:
        missing = [k for k, t in zip(keys, dst.exists(names)) if not t]
    recs = []
    for rec in src.read_keys(missing, chunk):
        if rec.type in TYPES and rec.value is not None:
            recs.append(rec)
        elif rec.part == 0 and rec.value is None and rec.type not in TYPES:
            by_key.pop(src.prefix + rec.key, None)
            report.unsupported += 1
            report.note(f"{rec.key!r}: type {rec.type} cannot be copied")
    dst.send(recs, set(names) if replace_all else set(), True, not replace_all)
    problems, conflicts = dst.sync()
    for p in problems:
        report.note(p)
    for name in conflicts:
        by_key.pop(src.prefix + name, None)
    note_conflicts(report, conflicts, on_conflict)
