"""The snapshot file: JSON Lines, written atomically, read line by line.

Layout (one JSON object a line)::

    {"format": "redipy-snapshot", "version": 1, "source": "...", "created_ms": ...}
    {"key": "user:1", "type": "hash", "value": {"name": "Ada"}, "pexpireat": null}
    {"key": "big", "type": "set", "value": ["a", ...], "pexpireat": null, "more": true}
    {"key": "big", "type": "set", "value": ["z", ...], "pexpireat": null, "part": 1}
    {"trailer": true, "records": 3, "keys": 2, "types": {"hash": 1, "set": 1},
     "sha256": "<hex digest of every record line, newlines included>"}

Streams are ``{"entries": [[id, [field, value, ...]], ...]}`` with the groups, PELs and
counters under ``"meta"`` on the last part (:mod:`redipy.migrate.streams`; version 2).
Hashes are objects; a hash record whose fields have TTLs adds ``"fieldexpireat":
{"field": ms, ...}`` for those of its own fields (version 3); sorted sets are
``[[member, score], ...]`` with scores as text (exact, and ``"inf"`` is representable),
expiry is absolute (ms since the epoch).
A file is written to ``<path>.partial`` and renamed over ``<path>`` only once its
trailer is on disk, so a reader never sees half a snapshot under the real name; the
partial file is what an interrupted dump resumes from.

Every line is checked (text key, known type, a value shaped for its type, well-formed
scores and expiries, parts of a key contiguous and in order, no key twice, trailer
counts and checksum equal to what was read), in memory that does not grow with the
values (a set of 64-bit key fingerprints is the only thing kept per key); the first
thing wrong is refused naming its line. :meth:`SnapshotReader.validate` does all of it
in one pass that loads nothing, and a load or a compare runs it to the end before the
first record is handed out: an invalid file, also one edited by hand with its checksum
recomputed, is refused with zero keys written. The pass keeps a digest per block
(:data:`BLOCK`) of the file; :meth:`SnapshotReader.records` then reads the file again
a block at a time, refuses a block whose bytes changed since (before any of its
records goes out) and decodes the others' lines as the check decoded them, without
checking them again.
New record types add a shape check to :data:`SHAPES`.
"""

from __future__ import annotations

import hashlib
import json
import json.scanner
import os
import re
import time
from collections.abc import Iterator
from itertools import chain
from typing import Any, BinaryIO

from redipy.migrate.records import Mark, Record
from redipy.migrate.streams import shape_error as _stream_shape

FORMAT = "redipy-snapshot"
#: 2 added the stream record, 3 hash-field TTLs ("fieldexpireat"); older files still
#: load, and an older reader refuses a newer file by its header (never drops what it
#: does not know)
VERSION = 3
READABLE = (1, 2, 3)

_dumps = json.JSONEncoder(ensure_ascii=True, separators=(",", ":")).encode
_decoder = json.JSONDecoder()
_loads = _decoder.decode
# the C scanner, without decode()'s regexes (typeshed types it as its own argument)
_scan = json.scanner.make_scanner(_decoder)  # type: ignore[arg-type]

try:  # the fast decoder of the common record lines (see _quick); optional
    from orjson import loads as _orjson_loads

    _fast_loads: Any = _orjson_loads
except ImportError:  # pragma: no cover - exercised only without orjson
    _fast_loads = None


def _load_line(text: str) -> Any:
    """One JSON line as ``json.loads`` reads it (the same decoder), faster for the lines
    this module writes: no whitespace around the value, a newline after it."""
    try:
        obj, end = _scan(text, 0)
    except StopIteration:  # whitespace first, or no value: the full decoder says why
        return _loads(text)
    if (end == len(text) - 1 and text[end] == "\n") or end == len(text):
        return obj
    return _loads(text)  # whitespace or more after the value


#: bytes of record lines per block digest (:meth:`SnapshotReader.validate`); each pass
#: holds one block's bytes at a time (or one line, when longer)
BLOCK = 1 << 20

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
    if rec.ttls:
        obj["fieldexpireat"] = rec.ttls
    return _dumps(obj).encode("ascii") + b"\n"


def decode_record(line: bytes, path: str, lineno: int, version: int = VERSION, *,
                  checked: bool = False) -> Record:
    """A record line back into a :class:`Record`; anything malformed names its line.
    ``checked``: the line is one :meth:`SnapshotReader.validate` checked (its block's
    digest says so), so its shape is not checked again."""
    try:
        obj = _load_line(line.decode("utf-8"))
    except json.JSONDecodeError as err:
        raise SnapshotError(path, lineno,
                            f"not a JSON record ({err.msg} at column {err.colno})") from None
    except (UnicodeDecodeError, ValueError) as err:
        raise SnapshotError(path, lineno, f"not a JSON record ({str(err)[:80]})") from None
    except RecursionError:
        raise SnapshotError(path, lineno, "not a record (JSON nested too deeply)") from None
    if not checked:
        why = check_record(obj, version)
        if why is not None:
            raise SnapshotError(path, lineno, why)
    return _to_record(obj)


def _to_record(obj: dict[str, Any]) -> Record:
    """A checked record object as a :class:`Record` (flat values)."""
    get = obj.get
    kind = obj["type"]
    value: Any = obj["value"]
    if kind == "hash":
        value = [x for kv in value.items() for x in kv]
    elif kind == "zset":
        value = [x for p in value for x in p]
    return Record(obj["key"], kind, value, get("pexpireat"), get("part", 0),
                  get("more", False), get("fieldexpireat"))


_SCORE = re.compile(r"[+-]?(?:inf|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)", re.IGNORECASE)
_FIELDS_V2 = frozenset(("key", "type", "value", "pexpireat", "part", "more"))
#: the fields a record may have, by the file's version
_FIELDS = {1: _FIELDS_V2, 2: _FIELDS_V2, 3: _FIELDS_V2 | {"fieldexpireat"}}


def _texts(items: Any) -> bool:
    """A non-empty list of strings (str.join checks each element at C speed)."""
    if type(items) is not list or not items:
        return False
    try:
        "".join(items)
    except TypeError:
        return False
    return True


def _shape_string(value: Any) -> str | None:
    return None if type(value) is str else "a string value must be a JSON string"


def _shape_members(value: Any) -> str | None:
    return None if _texts(value) else "value must be a non-empty list of strings"


def _shape_hash(value: Any) -> str | None:
    if type(value) is not dict or not value:
        return "a hash value must be a non-empty object of strings"
    if not _texts(list(value.values())):
        return "a hash value must be a non-empty object of strings"
    return None


_SCORES = re.compile(rf"{_SCORE.pattern}(?:\x00{_SCORE.pattern})*", re.IGNORECASE)


def _shape_zset(value: Any) -> str | None:
    if type(value) is not list or not value:
        return "a zset value must be a non-empty list of [member, score] pairs"
    # the common case at C speed: lists of two strings, every score well formed
    if set(map(type, value)) == {list} and set(map(len, value)) == {2}:
        members, scores = zip(*value, strict=True)
        if set(map(type, members)) == {str} and set(map(type, scores)) == {str}:
            joined = "\x00".join(scores)
            if joined.count("\x00") == len(scores) - 1 and _SCORES.fullmatch(joined):
                return None
    match = _SCORE.fullmatch  # something is wrong: find what, pair by pair
    for pair in value:
        if type(pair) is not list or len(pair) != 2 or type(pair[0]) is not str \
                or type(pair[1]) is not str:
            return "a zset value must be a non-empty list of [member, score] pairs"
        if match(pair[1]) is None:
            return f"bad score {pair[1][:40]!r}"
    return None


#: per record type, a check of its value's shape (None when fine, else why not)
#: (a stream's check also needs to know whether the part is the last: see check_record)
SHAPES: dict[str, Any] = {"string": _shape_string, "list": _shape_members,
                          "set": _shape_members, "hash": _shape_hash, "zset": _shape_zset,
                          "stream": _stream_shape}


def _field_ttls(ttls: Any, value: Any) -> str | None:
    """Why a hash record's ``fieldexpireat`` is malformed: an object of its own fields
    (present in the record's value) to non-negative integer deadlines."""
    if type(ttls) is not dict or not ttls:
        return "'fieldexpireat' must be a non-empty object of field deadlines"
    for f, when in ttls.items():
        if type(when) is not int or when < 0:
            return f"bad 'fieldexpireat' deadline for field {f[:40]!r}"
        if f not in value:
            return f"'fieldexpireat' names field {f[:40]!r}, which the record does not hold"
    return None


def check_record(obj: Any, version: int = VERSION) -> str | None:
    """Why a decoded line is not a well-formed record, or ``None``."""
    if type(obj) is not dict:
        return "not a record object"
    get = obj.get
    if get("trailer"):
        return "trailer before the end of the file"
    allowed = _FIELDS.get(version, _FIELDS[VERSION])
    if not allowed.issuperset(obj):
        extra = sorted(set(obj) - allowed)
        return f"unknown field {extra[0][:40]!r}"
    key, kind = get("key"), get("type")
    if type(key) is not str:
        return "record without a string 'key'"
    shape = SHAPES.get(kind) if type(kind) is str else None
    if shape is None:
        return f"unknown type {str(kind)[:40]!r} for key {key[:80]!r}"
    exp = get("pexpireat")
    if exp is not None and (type(exp) is not int or exp < 0):
        return f"bad 'pexpireat' for key {key[:80]!r}"
    part = get("part", 0)
    if type(part) is not int or part < 0:
        return f"bad 'part' for key {key[:80]!r}"
    more = get("more", False)
    if type(more) is not bool:
        return f"bad 'more' for key {key[:80]!r}"
    if kind == "string" and (part or more):
        return f"a string cannot have parts (key {key[:80]!r})"
    value = get("value")
    why = _stream_shape(value, not more) if kind == "stream" else shape(value)
    if why is None and "fieldexpireat" in obj:
        why = (_field_ttls(obj["fieldexpireat"], value) if kind == "hash"
               else "only a hash record can have 'fieldexpireat'")
    if why is not None:
        return f"{why} (key {key[:80]!r})"
    return None


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
        self._open: tuple[str, int, Any, int, int, dict[str, int]] | None = None
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
        if state.get("sha256") != self.digest.hexdigest():
            self.fh.close()
            raise SnapshotError(self.tmp, None, "changed since the checkpoint was written "
                                "(its records no longer match); start again without --resume")
        self.records = int(state["records"])
        self.keys = int(state["keys"])
        self.types = dict(state["types"])

    def write(self, records: list[Record]) -> None:
        """Append records. A first part of the key still being written in parts means
        the source read that key again: the file is cut back to where the key began.
        A first part without a value (a discard) only cuts back."""
        write = self.fh.write
        update = self.digest.update
        types = self.types
        for rec in records:
            if rec.part == 0:
                if self._open is not None and self._open[0] == rec.key:
                    self._rewind()
                    update, types = self.digest.update, self.types
                if rec.value is None:
                    continue
                if rec.more:
                    self._open = (rec.key, self.fh.tell(), self.digest.copy(), self.records,
                                  self.keys, dict(types))
                self.keys += 1
                types[rec.type] = types.get(rec.type, 0) + 1
            if not rec.more:
                self._open = None
            line = encode_record(rec)
            write(line)
            update(line)
            self.records += 1

    def _rewind(self) -> None:
        assert self._open is not None
        _, offset, digest, self.records, self.keys, self.types = self._open
        self.fh.truncate(offset)
        self.fh.seek(offset)
        self.digest = digest
        self._open = None

    def state(self) -> dict[str, Any]:
        """Where the file stands, after flushing it (what a checkpoint stores): the
        offset, the counts and the checksum of every record line so far."""
        self.fh.flush()
        return {"offset": self.fh.tell(), "records": self.records, "keys": self.keys,
                "types": dict(self.types), "sha256": self.digest.hexdigest()}

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


_LIST = {list}
_flat = chain.from_iterable
_TWO = {2}


def _join_ok(items: Any) -> bool:
    try:
        "".join(items)
    except TypeError:
        return False
    return True


def _quick(line: bytes) -> dict[str, Any] | None:
    """The line decoded, when it is the common record and well formed, checked as
    :func:`check_record` would (exactly the fields key, type, value and pexpireat; a
    string, list, set, hash or sorted set, well shaped); ``None`` for anything else,
    which the caller checks the long way (and so names what is wrong).

    With orjson installed the line is decoded by it (4x the stdlib's speed). Wherever
    the two decoders could disagree, orjson fails (lone surrogates, NaN, numbers out of
    range) or answers with a float where a record has an integer (integers past 64
    bits), and every such line is left to the long way, which reads it with the stdlib:
    a line means the same with or without orjson."""
    try:
        if _fast_loads is not None:
            obj = _fast_loads(line)
        else:
            text = line.decode("utf-8")
            obj, end = _scan(text, 0)
            if end != len(text):
                return None
    except (UnicodeDecodeError, ValueError, StopIteration, RecursionError):
        return None
    if type(obj) is not dict or len(obj) != 4:
        return None
    try:
        key, kind, value, exp = obj["key"], obj["type"], obj["value"], obj["pexpireat"]
    except KeyError:
        return None
    if type(key) is not str or (exp is not None and (type(exp) is not int or exp < 0)):
        return None
    if kind == "string":
        if type(value) is not str:
            return None
    elif kind == "list" or kind == "set":
        if type(value) is not list or not value or not _join_ok(value):
            return None
    elif kind == "hash":
        if type(value) is not dict or not value or not _join_ok(value.values()):
            return None
    elif kind == "zset":  # [[member, score], ...]: the checks of _shape_zset, fused
        if type(value) is not list or not value or set(map(type, value)) != _LIST \
                or set(map(len, value)) != _TWO:
            return None
        members, scores = zip(*value)
        try:
            "".join(members)
            joined = "\x00".join(scores)
        except TypeError:
            return None
        if joined.count("\x00") != len(scores) - 1 or _SCORES.fullmatch(joined) is None:
            return None
    else:
        return None
    return obj


def _quick_record(obj: dict[str, Any]) -> Record:
    """A record object :func:`_quick` took (or a line it took, decoded the same way
    again) as a :class:`Record`: no check, nothing but the value flattened."""
    kind = obj["type"]
    value = obj["value"]
    if kind == "hash":
        value = list(_flat(value.items()))
    elif kind == "zset":
        value = list(_flat(value))
    return Record(obj["key"], kind, value, obj["pexpireat"])


def _decode_quick(line: bytes) -> Record:
    """A line :meth:`SnapshotReader.validate` took the quick way (:func:`_quick`), as its
    record: decoded by the same decoder, not checked again (its block's digest says the
    bytes are the ones checked)."""
    if _fast_loads is not None:
        return _quick_record(_fast_loads(line))
    return _quick_record(_scan(line.decode("utf-8"), 0)[0])


class _Structure:
    """The checks that span records: the parts of a key contiguous and in order, no key
    twice, the keys per type counted for the trailer. Fingerprint collisions are
    collected in :attr:`twice` for a look after the pass."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.seen: set[int] = set()
        self.twice: set[int] = set()
        self.keys = 0
        self.types: dict[str, int] = {}
        self.open_key: tuple[str, str, Any, int] | None = None  # key, type, expiry, part

    def add(self, obj: dict[str, Any], lineno: int) -> None:
        path = self.path
        get = obj.get
        key, kind, exp = obj["key"], obj["type"], get("pexpireat")
        part = get("part", 0)
        open_key = self.open_key
        if open_key is not None:
            okey, okind, oexp, opart = open_key
            if key != okey or part != opart + 1:
                raise SnapshotError(path, lineno, f"key {okey[:80]!r} is cut off: "
                                    f"part {opart + 1} expected next")
            if kind != okind or exp != oexp:
                raise SnapshotError(path, lineno, f"part {part} of key {key[:80]!r} "
                                    "has another type or expiry than part 0")
        elif part != 0:
            raise SnapshotError(path, lineno, f"part {part} of key {key[:80]!r} "
                                "without the parts before it")
        else:
            fp = hash(key)
            if fp in self.seen:
                self.twice.add(fp)
            else:
                self.seen.add(fp)
            self.keys += 1
            types = self.types
            types[kind] = types.get(kind, 0) + 1
        self.open_key = (key, kind, exp, part) if get("more") else None

    def end(self, lineno: int) -> None:
        if self.open_key is not None:
            raise SnapshotError(self.path, lineno, f"truncated: key "
                                f"{self.open_key[0][:80]!r} ends before its last part")

    def against(self, trailer: dict[str, Any], line: int) -> None:
        """The trailer's counts of keys and of keys per type equal what was read."""
        if trailer.get("keys") != self.keys:
            raise SnapshotError(self.path, line, f"trailer counts {trailer.get('keys')!r} "
                                f"keys but the file holds {self.keys}")
        if trailer.get("types") != self.types:
            raise SnapshotError(self.path, line, "trailer's counts per type differ from "
                                "the records")


class SnapshotReader:
    """Reads a snapshot in constant memory, after :meth:`validate` (a full check of
    every line, before any record is handed out)."""

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
        if header.get("version") not in READABLE:
            raise SnapshotError(self.path, 1,
                                f"snapshot version {header.get('version')!r} not supported")
        self.header: dict[str, Any] = header
        self.version: int = header["version"]
        self.trailer: dict[str, Any] | None = None
        self._blocks: list[tuple[int, int, int, bytes, frozenset[int]]] | None = None

    def validate(self) -> dict[str, Any]:
        """Check every line before anything is loaded (see the module docstring); the
        first thing wrong is raised as :class:`SnapshotError` naming its line. The file
        is read a block (:data:`BLOCK`) at a time; each block's digest is kept, with the
        lines of it that took the long way, for :meth:`records`."""
        path = self.path
        version = self.version
        digest = hashlib.sha256()
        struct = _Structure(path)
        seen = struct.seen
        seen_add = seen.add
        types = struct.types
        quick = _quick
        keys = 0  # whole keys counted here (the quick way), not by struct.add
        records = 0
        trailer: Any = None
        trailer_line = 0
        lineno = 1
        # (start, end, first line, digest, the lines of the block checked the long way)
        blocks: list[tuple[int, int, int, bytes, frozenset[int]]] = []
        last = b""  # the last line so far, kept out of the digest: the trailer, if last
        try:
            with open(path, "rb") as fh:
                fh.readline()  # the header, checked when the reader was made
                start = fh.tell()
                while True:
                    data = fh.read(BLOCK)
                    if not data:
                        break
                    data += fh.readline()  # a block ends at the end of a line
                    first = lineno + 1
                    lines = data.split(b"\n")
                    tail = lines.pop()  # after the last newline: nothing, or a cut line
                    slow: list[int] = []
                    for i, line in enumerate(lines):
                        lineno += 1
                        obj = quick(line)  # a whole small key, as the writer writes it
                        if obj is not None and trailer is None and struct.open_key is None:
                            fp = hash(obj["key"])
                            if fp not in seen:
                                seen_add(fp)
                                keys += 1
                                kind = obj["type"]
                                types[kind] = types.get(kind, 0) + 1
                                records += 1
                                continue
                        # anything else: every check, one at a time
                        slow.append(i)
                        if trailer is not None:
                            raise SnapshotError(path, trailer_line,
                                                "trailer before the end of the file")
                        obj = self._decoded(line, lineno)
                        if type(obj) is dict and obj.get("trailer") is True:
                            trailer, trailer_line = obj, lineno
                            continue
                        problem = check_record(obj, version)
                        if problem is not None:
                            raise SnapshotError(path, lineno, problem)
                        struct.add(obj, lineno)
                        records += 1
                    if tail:
                        lineno += 1
                        if trailer is not None:
                            raise SnapshotError(path, trailer_line,
                                                "trailer before the end of the file")
                        raise SnapshotError(path, lineno, "truncated in the middle of a line")
                    blocks.append((start, start + len(data), first,
                                   hashlib.blake2b(data, digest_size=16).digest(),
                                   frozenset(slow)))
                    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
                    digest.update(last)
                    digest.update(data[:cut])
                    last = data[cut:]
                    start += len(data)
        finally:
            struct.keys += keys
        struct.end(lineno)
        if trailer is None:
            if records == 0 and lineno == 1:
                raise SnapshotError(path, 2, "truncated: no records and no trailer")
            raise SnapshotError(path, lineno, "truncated: the last line is not the trailer")
        if trailer.get("sha256") != digest.hexdigest():
            raise SnapshotError(path, trailer_line, "checksum mismatch: records were altered")
        if trailer.get("records") != records:
            raise SnapshotError(path, trailer_line, f"trailer counts {trailer.get('records')!r} "
                                f"records but the file holds {records}")
        struct.against(trailer, trailer_line)
        if struct.twice:
            self._find_twice(struct.twice)
        self.trailer = trailer
        self._blocks = blocks
        return dict(trailer)

    def _decoded(self, line: bytes, lineno: int) -> Any:
        """One line (without its newline) decoded by the stdlib; undecodable, it is
        refused naming its line."""
        try:
            return _load_line(line.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as err:
            why = err.msg if isinstance(err, json.JSONDecodeError) else "not UTF-8"
            raise SnapshotError(self.path, lineno, f"not a JSON record ({why})") from None
        except RecursionError:
            raise SnapshotError(self.path, lineno,
                                "not a record (JSON nested too deeply)") from None

    def _find_twice(self, fingerprints: set[int]) -> None:
        """Second look at keys whose fingerprints collided: raise for a real duplicate."""
        first: dict[str, int] = {}
        with open(self.path, "rb") as fh:
            fh.readline()
            for lineno, line in enumerate(fh, start=2):
                obj = _loads(line.decode("utf-8"))
                if obj.get("trailer") is True or obj.get("part", 0):
                    continue
                key = obj["key"]
                if hash(key) in fingerprints:
                    if key in first:
                        raise SnapshotError(self.path, lineno, f"key {key[:80]!r} appears "
                                            f"twice (first on line {first[key]})")
                    first[key] = lineno

    def estimate(self) -> int | None:
        if self.trailer is not None:
            return int(self.trailer.get("keys", 0))
        return None

    def records(self, start: dict[str, int] | None = None) -> Iterator[Record | Mark]:
        """Records from byte ``start`` (a Mark's position) on; a Mark after each whole key.

        After :meth:`validate`, the file is read a block at a time and each block's
        digest is compared with the one validation took before any of its records is
        handed out: the records are then exactly the ones checked (their shapes are not
        checked again), and a file changed since is refused, never half-trusted.
        (Then the records come out of the blocks through ``chain``, with no generator
        of ours resumed per record: on the hot path of a load.)"""
        if self._blocks is not None:
            return chain.from_iterable(self._blocks_of(self._blocks, start))
        return self._unchecked_records(start)

    def _unchecked_records(self, start: dict[str, int] | None) -> Iterator[Record | Mark]:
        """:meth:`records` of a reader not validated: line by line, each checked."""
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
                rec = decode_record(line, path, lineno, self.version)
                yield rec
                if not rec.more:
                    whole += 1
                    if whole >= MARK_EVERY:
                        whole = 0
                        yield Mark({"offset": offset, "line": lineno})

    def _blocks_of(self, blocks: list[tuple[int, int, int, bytes, frozenset[int]]],
                   start: dict[str, int] | None) -> Iterator[list[Record | Mark]]:
        """The records and marks of validated blocks, in lists of up to
        :data:`MARK_EVERY` whole keys. A block whose bytes are not the ones
        :meth:`validate` checked (its digest differs) is refused before any of its
        records goes out; the others' lines are decoded as validation decoded them (the
        quick lines by the same decoder, the rest by the stdlib) and not checked again."""
        path, version = self.path, self.version
        begin = int(start["offset"]) if start else 0
        end = blocks[-1][1]  # where the trailer, the last line, ends
        whole = 0
        quick = _decode_quick
        with open(path, "rb") as fh:
            for bstart, bend, lineno, digest, slow in blocks:
                if bend <= begin:
                    continue  # before the resume point
                fh.seek(bstart)
                data = fh.read(bend - bstart)
                if hashlib.blake2b(data, digest_size=16).digest() != digest:
                    raise SnapshotError(path, lineno, "changed since it was validated "
                                        "(lines from here on differ); load it again")
                lines = data.split(b"\n")
                lines.pop()  # after the last newline: nothing
                del data
                out: list[Record | Mark] = []
                add = out.append
                offset = bstart
                lineno -= 1
                for i, line in enumerate(lines):
                    lineno += 1
                    offset += len(line) + 1
                    if offset == end:  # the trailer
                        if whole and offset > begin:
                            add(Mark({"offset": offset - len(line) - 1, "line": lineno - 1}))
                        yield out
                        return
                    if offset <= begin:
                        continue  # before the resume point
                    rec = decode_record(line, path, lineno, version, checked=True) \
                        if i in slow else quick(line)
                    add(rec)
                    if not rec.more:
                        whole += 1
                        if whole >= MARK_EVERY:
                            whole = 0
                            add(Mark({"offset": offset, "line": lineno}))
                            yield out
                            out = []
                            add = out.append
                yield out

    def keys(self) -> Iterator[tuple[str, str]]:
        """(key, type) of every key, reading only the start of each line."""
        for item in self.records():
            if isinstance(item, Record) and item.part == 0:
                yield item.key, item.type
