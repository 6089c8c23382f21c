"""The snapshot file: JSON Lines, written atomically, read line by line.

Layout (one JSON object a line)::

    {"format": "redipy-snapshot", "version": 1, "source": "...", "created_ms": ...}
    {"key": "user:1", "type": "hash", "value": {"name": "Ada"}, "pexpireat": null}
    {"key": "big", "type": "set", "value": ["a", ...], "pexpireat": null, "more": true}
    {"key": "big", "type": "set", "value": ["z", ...], "pexpireat": null, "part": 1}
    {"trailer": true, "records": 3, "keys": 2, "types": {"hash": 1, "set": 1},
     "sha256": "<hex digest of every record line, newlines included>"}

Hashes are objects, sorted sets ``[[member, score], ...]`` with scores as text
(exact, and ``"inf"`` is representable), expiry is absolute (ms since the epoch).
A file is written to ``<path>.partial`` and renamed over ``<path>`` only once its
trailer is on disk, so a reader never sees half a snapshot under the real name; the
partial file is what an interrupted dump resumes from. A file without its trailer,
with a line that is not a record, or whose checksum or counts disagree is refused
with the line number before anything is loaded.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Iterator
from typing import Any, BinaryIO

from redipy.migrate.records import TYPES, Mark, Record

FORMAT = "redipy-snapshot"
VERSION = 1

_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
_loads = json.JSONDecoder().decode

#: a resumable point is offered after this many whole keys
MARK_EVERY = 64


class SnapshotError(Exception):
    """A snapshot that cannot be trusted; the message names the file and line."""

    def __init__(self, path: str, line: int | None, why: str) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {why}")
        self.path = path
        self.line = line


def partial_path(path: str) -> str:
    return f"{path}.partial"


def encode_record(rec: Record) -> bytes:
    """A record as its line (newline included)."""
    value = rec.value
    kind = rec.type
    if kind == "hash":
        it = iter(value)
        value = dict(zip(it, it))
    elif kind == "zset":
        it = iter(value)
        value = [[m, s] for m, s in zip(it, it)]
    obj: dict[str, Any] = {"key": rec.key, "type": kind, "value": value,
                           "pexpireat": rec.expire_at}
    if rec.part:
        obj["part"] = rec.part
    if rec.more:
        obj["more"] = True
    return _dumps(obj).encode("ascii") + b"\n"


def decode_record(line: bytes, path: str, lineno: int) -> Record:
    """A record line back into a :class:`Record`; anything malformed names its line."""
    try:
        obj = _loads(line.decode("utf-8"))
    except json.JSONDecodeError as err:
        raise SnapshotError(path, lineno,
                            f"not a JSON record ({err.msg} at column {err.colno})") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise SnapshotError(path, lineno, f"not a JSON record ({err})") from None
    if not isinstance(obj, dict):
        raise SnapshotError(path, lineno, "not a record object")
    if obj.get("trailer"):
        raise SnapshotError(path, lineno, "trailer before the end of the file")
    key, kind, exp = obj.get("key"), obj.get("type"), obj.get("pexpireat")
    value: Any = obj.get("value")
    if not isinstance(key, str):
        raise SnapshotError(path, lineno, "record without a string 'key'")
    if kind not in TYPES:
        raise SnapshotError(path, lineno, f"unknown type {kind!r} for key {key!r}")
    if exp is not None and (not isinstance(exp, int) or isinstance(exp, bool)):
        raise SnapshotError(path, lineno, f"bad 'pexpireat' for key {key!r}")
    part = obj.get("part", 0)
    if not isinstance(part, int) or part < 0:
        raise SnapshotError(path, lineno, f"bad 'part' for key {key!r}")
    try:  # str.join type-checks every element at C speed
        if kind == "string":
            ok = type(value) is str
        elif kind == "hash":
            ok = type(value) is dict
            if ok:
                value = [x for kv in value.items() for x in kv]
                "".join(value)
        elif kind == "zset":
            ok = type(value) is list and all(type(p) is list and len(p) == 2 for p in value)
            if ok:
                value = [x for p in value for x in p]
                "".join(value)
        else:
            ok = type(value) is list
            if ok:
                "".join(value)
    except TypeError:
        ok = False
    return Record(key, kind, value, exp, part, bool(obj.get("more", False)))


class SnapshotWriter:
    """Appends records to ``<path>.partial``; :meth:`finish` adds the trailer and renames."""

    def __init__(self, path: str, *, source: str, resume: dict[str, Any] | None = None,
                 meta: dict[str, Any] | None = None) -> None:
        self.path = os.fspath(path)
        self.tmp = partial_path(self.path)
        self.digest = hashlib.sha256()
        self.records = 0
        self.keys = 0
        self.types: dict[str, int] = {}
        if resume is not None:
            self._reopen(resume)
        else:
            folder = os.path.dirname(os.path.abspath(self.path))
            if not os.path.isdir(folder):
                raise FileNotFoundError(f"no such directory: {folder}")
            self.fh: BinaryIO = open(self.tmp, "wb")
            header = {"format": FORMAT, "version": VERSION, "source": source,
                      "created_ms": int(time.time() * 1000), **(meta or {})}
            self.fh.write(_dumps(header).encode("ascii") + b"\n")

    def _reopen(self, state: dict[str, Any]) -> None:
        """Cut the partial file back to the last checkpoint and rebuild the digest."""
        offset = int(state["offset"])
        if not os.path.exists(self.tmp) or os.path.getsize(self.tmp) < offset:
            raise SnapshotError(self.tmp, None, "partial snapshot missing or shorter than "
                                "its checkpoint; start again without --resume")
        self.fh = open(self.tmp, "r+b")
        self.fh.truncate(offset)
        self.fh.seek(0)
        self.fh.readline()  # header
        while self.fh.tell() < offset:
            self.digest.update(self.fh.readline())
        self.fh.seek(offset)
        self.records = int(state["records"])
        self.keys = int(state["keys"])
        self.types = dict(state["types"])

    def write(self, records: list[Record]) -> None:
        write = self.fh.write
        update = self.digest.update
        types = self.types
        for rec in records:
            line = encode_record(rec)
            write(line)
            update(line)
            if rec.part == 0:
                self.keys += 1
                types[rec.type] = types.get(rec.type, 0) + 1
        self.records += len(records)

    def state(self) -> dict[str, Any]:
        """Where the file stands, after flushing it (what a checkpoint stores)."""
        self.fh.flush()
        return {"offset": self.fh.tell(), "records": self.records, "keys": self.keys,
                "types": dict(self.types)}

    def finish(self) -> None:
        trailer = {"trailer": True, "records": self.records, "keys": self.keys,
                   "types": self.types, "sha256": self.digest.hexdigest()}
        self.fh.write(_dumps(trailer).encode("ascii") + b"\n")
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        os.replace(self.tmp, self.path)

    def abort(self, *, keep: bool) -> None:
        """Stop writing; keep the partial file when a checkpoint may resume it."""
        if not self.fh.closed:
            self.fh.close()
        if not keep:
            try:
                os.remove(self.tmp)
            except FileNotFoundError:
                pass


class SnapshotReader:
    """Reads a snapshot in constant memory; :meth:`validate` checks it end to end first."""

    def __init__(self, path: str) -> None:
        self.path = os.fspath(path)
        if not os.path.exists(self.path):
            raise FileNotFoundError(f"no such snapshot file: {self.path}")
        if os.path.isdir(self.path):
            raise SnapshotError(self.path, None, "is a directory, not a snapshot")
        with open(self.path, "rb") as fh:
            first = fh.readline()
        if not first:
            raise SnapshotError(self.path, 1, "empty file, not a snapshot")
        try:
            header = _loads(first.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            header = None
        if not isinstance(header, dict) or header.get("format") != FORMAT:
            raise SnapshotError(self.path, 1, f"not a {FORMAT} file (bad header)")
        if header.get("version") != VERSION:
            raise SnapshotError(self.path, 1,
                                f"snapshot version {header.get('version')!r} not supported")
        self.header: dict[str, Any] = header
        self.trailer: dict[str, Any] | None = None

    def validate(self) -> dict[str, Any]:
        """Check trailer, counts and checksum (hashing in blocks, constant memory)."""
        digest = hashlib.sha256()
        size = os.path.getsize(self.path)
        with open(self.path, "rb") as fh:
            start = len(fh.readline())
            # the last line: read backwards in blocks until a newline before it shows up
            tail = b""
            pos = size
            while pos > start:
                step = min(1 << 16, pos - start)
                pos -= step
                fh.seek(pos)
                tail = fh.read(step) + tail
                if tail.rfind(b"\n", 0, len(tail) - 1) >= 0:
                    break
            cut = tail.rfind(b"\n", 0, len(tail) - 1)
            last = tail[cut + 1:]
            end = size - len(last)  # the records are the bytes [start, end)
            fh.seek(start)
            records = 0
            left = end - start
            while left > 0:
                block = fh.read(min(1 << 20, left))
                if not block:
                    break
                left -= len(block)
                digest.update(block)
                records += block.count(b"\n")
        lineno = records + 2  # the trailer's line
        if end <= start and not last:
            raise SnapshotError(self.path, 2, "truncated: no records and no trailer")
        trailer: Any = None
        if last.endswith(b"\n"):
            try:
                trailer = _loads(last.decode("utf-8"))
            except (UnicodeDecodeError, ValueError):
                trailer = None
        if not isinstance(trailer, dict) or not trailer.get("trailer"):
            self._locate(lineno - 1)
            raise SnapshotError(self.path, lineno, "truncated: the last line is not the trailer")
        if trailer.get("sha256") != digest.hexdigest():
            self._locate(lineno - 1)
            raise SnapshotError(self.path, lineno, "checksum mismatch: records were altered")
        if trailer.get("records") != records:
            raise SnapshotError(self.path, lineno, f"trailer counts {trailer.get('records')} "
                                f"records but the file holds {records}")
        self.trailer = trailer
        return trailer

    def _locate(self, last_record_line: int) -> None:
        """Find the first line that is not a well-formed record, to name it."""
        with open(self.path, "rb") as fh:
            fh.readline()
            for lineno, line in enumerate(fh, start=2):
                if lineno > last_record_line:
                    break
                if not line.endswith(b"\n"):
                    raise SnapshotError(self.path, lineno, "truncated in the middle of a record")
                decode_record(line, self.path, lineno)

    def estimate(self) -> int | None:
        if self.trailer is not None:
            return int(self.trailer.get("keys", 0))
        return None

    def records(self, start: dict[str, int] | None = None) -> Iterator[Record | Mark]:
        """Records from byte ``start`` (a Mark's position) on; a Mark after each whole key."""
        path = self.path
        with open(path, "rb") as fh:
            fh.readline()
            lineno = 1
            if start:
                fh.seek(int(start["offset"]))
                lineno = int(start["line"])
            offset = fh.tell()
            whole = 0
            readline = fh.readline
            while True:
                line = readline()
                lineno += 1
                offset += len(line)
                if not line:
                    raise SnapshotError(path, lineno, "truncated: ended without a trailer")
                if line.startswith(b'{"trailer"'):
                    if whole:
                        yield Mark({"offset": offset - len(line), "line": lineno - 1})
                    return
                rec = decode_record(line, path, lineno)
                yield rec
                if not rec.more:
                    whole += 1
                    if whole >= MARK_EVERY:
                        whole = 0
                        yield Mark({"offset": offset, "line": lineno})

    def keys(self) -> Iterator[tuple[str, str]]:
        """(key, type) of every key, reading only the start of each line."""
        for item in self.records():
            if isinstance(item, Record) and item.part == 0:
                yield item.key, item.type
