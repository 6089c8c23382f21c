"""The debugger's private keyspace: copies of the client's keys, made when first used.

A debugged script never runs against the client's data. It runs in a scratch
memory backend; before any command touches a key, the key is copied there (value
and TTL) from the client: from a memory client as an exact copy of the stored
value, from a Redis server with read-only commands (TYPE, GET, LRANGE, HGETALL,
SMEMBERS, ZRANGE ... WITHSCORES, PTTL: :mod:`redipy.commands.types`; a stream by XINFO
STREAM FULL, see :func:`stream_rebuild`). Nothing is ever written to a server.

Keys written by a command are remembered; :meth:`Scratch.apply` (``sync`` mode,
memory clients only) writes their final state back to the client in one step,
under the client's database lock.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from typing import Any

from redipy import commands
from redipy.commands.types import TYPES, rebuild
from redipy.errors import ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.memory.boundary import to_text, views

KEYSPACE_WIDE = frozenset({"KEYS", "SCAN", "RANDOMKEY", "DBSIZE", "FLUSHDB", "FLUSHALL"})
"""Commands that see every key: on a memory client the whole keyspace is copied first."""

NOT_ALLOWED = "ERR This Redis command is not allowed from script"


def command_keys(name: str, args: Sequence[str]) -> list[str]:
    """The keys a command names (by the command table's key specs)."""
    spec = commands.COMMANDS.get(name)
    if spec is None or not spec.keys:
        return []
    argv = [name, *args]
    return [argv[pos] for pos in spec.key_positions(argv)]


def _fields(flat: Any) -> dict[str, Any]:
    """A RESP2 map (a flat list of names and values) or a RESP3 one, as a dict."""
    if isinstance(flat, dict):
        return {str(k): v for k, v in flat.items()}
    return {str(flat[i]): flat[i + 1] for i in range(0, len(flat), 2)}


def _id_order(entry_id: str) -> tuple[int, int]:
    ms, _, seq = entry_id.partition("-")
    return int(ms), int(seq or 0)


def stream_rebuild(key: str, full: Any) -> list[list[str]]:
    """The commands that rebuild a stream from its ``XINFO STREAM key FULL COUNT 0``
    reply: its entries, last id, entries-added and max deleted id, each group's last
    delivered id and entries-read, its consumers and its pending entries with their
    owner, delivery time and count. An entry deleted while still pending is added and
    deleted again, so it stays pending as on the server. The consumers' seen and active
    times become the copy's own (no command sets them)."""
    info = _fields(full)
    entries = [(str(e[0]), [str(x) for x in e[1]]) for e in info.get("entries") or []]
    groups = [_fields(g) for g in info.get("groups") or []]
    live = {entry_id for entry_id, _ in entries}
    gone = {str(p[0]) for g in groups for p in g.get("pending") or []} - live
    out: list[list[str]] = []
    added = sorted([*entries, *((g, ["", ""]) for g in gone)],
                   key=lambda item: _id_order(item[0]))
    for entry_id, fields in added:
        out.append(["XADD", key, entry_id, *fields])
    if not added:  # an empty stream: made by a group created with MKSTREAM, then dropped
        out += [["XGROUP", "CREATE", key, "redipy-scratch", "$", "MKSTREAM"],
                ["XGROUP", "DESTROY", key, "redipy-scratch"]]
    for g in groups:
        name = str(g["name"])
        create = ["XGROUP", "CREATE", key, name, str(g["last-delivered-id"])]
        if g.get("entries-read") is not None:
            create += ["ENTRIESREAD", str(g["entries-read"])]
        out.append(create)
        for c in g.get("consumers") or []:
            out.append(["XGROUP", "CREATECONSUMER", key, name, str(_fields(c)["name"])])
        for p in g.get("pending") or []:
            entry_id, owner, when, count = (str(x) for x in p)
            out.append(["XCLAIM", key, name, owner, "0", entry_id, "TIME", when,
                        "RETRYCOUNT", count, "FORCE", "JUSTID"])
    if gone:
        out.append(["XDEL", key, *sorted(gone, key=_id_order)])
    out.append(["XSETID", key, str(info["last-generated-id"]), "ENTRIESADDED",
                str(info["entries-added"]), "MAXDELETEDID",
                str(info["max-deleted-entry-id"])])
    return out


class Scratch:
    """A memory backend holding copies of the keys a debugged script touched."""

    def __init__(self, backend: Any, db: int = 0) -> None:
        self.source = backend
        self.local = getattr(backend, "kind", "") == "memory"
        self.backend = MemoryBackend(databases=1)
        self.db = self.backend.db
        self.src_db: Any = backend.dbs[db] if self.local else None
        """The memory client's database the keys come from (and go back to)."""
        if self.local:
            self.db.clock = backend.dbs[db].clock
        self.copied: set[str] = set()
        self.dirty: set[str] = set()
        self.whole = False

    # ---- copying in --------------------------------------------------------------------

    def before(self, name: str, args: Sequence[str]) -> None:
        """Make the keys of a command present; remember those it may write."""
        keys = command_keys(name, args)
        if name in KEYSPACE_WIDE:
            self.copy_all()
        if keys:
            self.ensure(keys)
        spec = commands.COMMANDS.get(name)
        if spec is not None and spec.write:
            self.dirty.update(keys if spec.keys else self.copied)

    def ensure(self, keys: Iterable[str]) -> None:
        missing = [k for k in keys if k not in self.copied]
        if not missing:
            return
        if self.local:
            src = self.src_db
            with src.lock:
                for key in missing:
                    self._copy_local(src, key)
        else:
            for key in missing:
                self._copy_remote(key)

    def copy_all(self) -> None:
        """Copy every key of a memory client (servers: only the keys used are copied)."""
        if self.whole or not self.local:
            return
        src = self.src_db
        with src.lock:
            self.ensure(list(src.live_keys()))
        self.whole = True

    def _copy_local(self, src: Any, key: str) -> None:
        self.copied.add(key)
        value = src.get(key)
        if value is None:
            return
        self.db.place(key, copy.deepcopy(value), src.expiry(key))

    def _copy_remote(self, raw_key: str) -> None:
        # keys here are the memory backend's byte strings; both clients speak text
        key = to_text(raw_key)
        run = self.source.run
        put = self.backend.run
        kind = str(run("TYPE", [key]))
        found = TYPES.get(kind)
        if kind == "stream":
            full = run("XINFO", ["STREAM", key, "FULL", "COUNT", "0"])
            for step in stream_rebuild(key, full):
                put(step[0], step[1:])
        elif found is not None and found.read:
            argv = rebuild(kind, key, run(found.read[0], [key, *found.read[1:]]))
            if argv is not None:
                put(argv[0], argv[1:])
        elif kind != "none":
            raise ResponseError(f"ERR the debugger cannot copy key {key!r} of type {kind}")
        self.copied.add(raw_key)
        if kind != "none":
            ttl = int(run("PTTL", [key]))
            if ttl > 0:
                put("PEXPIRE", [key, str(ttl)])

    # ---- commands typed at the debugger -----------------------------------------------

    def command(self, argv: Sequence[str]) -> Any:
        """Run a raw command in the scratch keyspace, as the script would see it."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0].upper()
        spec = commands.COMMANDS.get(name)
        if spec is not None and (not spec.script or spec.blocking):
            raise ResponseError(NOT_ALLOWED)
        if spec is not None and spec.arity_ok(len(argv)):
            self.before(name, list(views(argv[1:])))  # the keyspace's byte strings
        return self.backend.execute(*argv)

    # ---- copying out -------------------------------------------------------------------

    def apply(self) -> int:
        """Write every key the run wrote back to the (memory) client; returns how many."""
        if not self.local:
            raise ValueError("sync needs a memory client: the debugger never writes to a server")
        src = self.src_db
        done = 0
        with src.lock:
            for key in sorted(self.dirty):
                value = self.db.get(key)
                if value is None:
                    src.delete(key)
                else:
                    src.place(key, copy.deepcopy(value), self.db.expiry(key))
                done += 1
        self.dirty.clear()
        return done
