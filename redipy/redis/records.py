""":class:`redipy.records.KeyspaceRecords` on a server (one node or a cluster).

A key is read whole and atomically without a script: WATCH the key, read its type, its
deadline (PEXPIRETIME) and its value (the read of :mod:`redipy.commands.types`; a stream
by ``XINFO STREAM key FULL COUNT 0``, which gives every entry and every pending entry),
then an EXEC that re-reads the type and, for a hash on a server with field TTLs, the
fields' deadlines (HPEXPIRETIME): EXEC answers nil when the key changed in between, and
the read starts over. A record is written in one MULTI/EXEC (DEL first when replacing;
WATCH and EXISTS first otherwise, so a key written meanwhile is a conflict, not
overwritten). Everything goes through the backend's session, so the key prefix, the
cluster's slot routing and the error boundary are the backend's own.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from redipy.commands.types import TYPES as DATA_TYPES
from redipy.errors import ResponseError
from redipy.records import TYPES, Record, scan_keys, whole
from redipy.stream_records import pairs, value_of, write_cmds

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
        width = 2 if kind in ("hash", "zset") else 1
        step = WRITE_CHUNK * width
        cmds = []
        for start in range(0, len(value), step):
            part = list(value[start:start + step])
            if found.swap_pairs:
                part[0::2], part[1::2] = part[1::2], part[0::2]
            cmds.append((found.write, [key, *part]))
    if record.ttls:
        by_when: dict[int, list[str]] = {}
        for field, when in record.ttls.items():
            by_when.setdefault(when, []).append(field)
        for when, fields in by_when.items():
            cmds.append(("HPEXPIREAT", [key, str(when), "FIELDS", str(len(fields)), *fields]))
    if record.expire_at is not None and cmds:
        cmds.append(("PEXPIREAT", [key, str(record.expire_at)]))
    return cmds


def _raised(replies: list[Any]) -> list[Any]:
    """The replies, the first error among them raised."""
    for reply in replies:
        if isinstance(reply, Exception):
            raise reply
    return replies
