"""Typed methods for the generic, connection and server commands
(see redipy/commands/generic.py).

Key prefixes: the Redis backend puts its prefix in front of every *key* argument,
but a glob pattern is not a key, so the pattern methods here (``scan``, ``iter_keys``,
``keys_block``, ``keys``) put the (escaped) prefix in front of the pattern themselves
and strip it from the keys that come back. Commands that see the whole database
(DBSIZE, RANDOMKEY, KEYS without this help) do not know about namespaces.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, cast

from redipy.api.base import CommandsBase, enc, to_bool, to_none
from redipy.commands.build import expire_command
from redipy.errors import PipelineError
from redipy.patterns import escape_glob

if TYPE_CHECKING:
    from redipy.api import KeyType, RExpireMode



def _plain(reply: Any) -> Any:
    return reply


def _true(reply: Any) -> bool:
    return True


def _ms(when: datetime.datetime) -> int:
    """Milliseconds since the epoch (a naive datetime is local time, as in Python)."""
    return int(when.timestamp() * 1000)


def _opt_flags(nx: bool, xx: bool, gt: bool, lt: bool) -> tuple[str, ...]:
    """redis-py's order; conflicting flags are left for the server to refuse."""
    return tuple(name for name, on in (("NX", nx), ("XX", xx), ("GT", gt), ("LT", lt)) if on)


def _ttl_seconds(reply: Any) -> float | None:
    """0.7.1's TTL shape: ``None`` when missing, ``-1.0`` without a TTL, else seconds."""
    if reply == -2:
        return None
    if reply == -1:
        return -1.0
    return int(reply) / 1000.0


def _key_type(reply: Any) -> KeyType | None:
    return None if reply == "none" else cast("KeyType", str(reply))


class GenericCommands(CommandsBase):
    """Keyspace commands (EXISTS, DEL, SCAN, EXPIRE, ...), PING/ECHO and DBSIZE/FLUSH*/TIME."""

    # ---- helpers -------------------------------------------------------------------------

    def _key_prefix(self) -> str:
        return str(getattr(self._backend, "prefix", "") or "")

    def _pattern(self, match: str | None) -> str | None:
        """The pattern to send: the namespace prefix (escaped) plus ``match``."""
        prefix = self._key_prefix()
        if not prefix:
            return match
        return escape_glob(prefix) + ("*" if match is None else match)

    def _strip_all(self, keys: Any) -> list[str]:
        strip = self._strip
        return [strip(key) for key in keys]

    # ---- existence, deletion, type ------------------------------------------------------

    def exists(self, *keys: str) -> int:
        """How many of ``keys`` exist (a key named twice counts twice)."""
        return cast(int, self._call("EXISTS", *keys))

    def delete(self, *keys: str) -> int:
        """Delete keys (DEL); returns how many existed."""
        return cast(int, self._call("DEL", *keys))

    def unlink(self, *keys: str) -> int:
        """Delete keys, reclaiming memory in the background on a server; returns the count."""
        return cast(int, self._call("UNLINK", *keys))

    def touch(self, *keys: str) -> int:
        """Mark keys as recently used (LRU); returns how many exist."""
        return cast(int, self._call("TOUCH", *keys))

    def key_type(self, key: str) -> KeyType | None:
        """``"string"``, ``"list"``, ``"hash"``, ``"set"`` or ``"zset"``; ``None`` if missing."""
        return self._conv(_key_type, "TYPE", key)

    # ---- walking the keyspace -----------------------------------------------------------

    def scan(
            self,
            cursor: int,
            *,
            match: str | None = None,
            count: int | None = None,
            filter_type: KeyType | None = None) -> tuple[int, list[str]]:
        """One SCAN step: the next cursor (0 when done) and a page of keys.

        A page may be short, even empty, before the walk ends; a key present for the
        whole walk is returned at least once. With a key prefix only keys of that
        namespace are returned (without the prefix).
        """
        args = [enc(cursor)]
        pattern = self._pattern(match)
        if pattern is not None:
            args += ["MATCH", pattern]
        if count is not None:
            args += ["COUNT", enc(count)]
        if filter_type is not None:
            args += ["TYPE", filter_type]

        def conv(reply: Any) -> tuple[int, list[str]]:
            return int(reply[0]), self._strip_all(reply[1])

        return self._conv(conv, "SCAN", *args)

    def iter_keys(
            self,
            *,
            match: str | None = None,
            filter_type: KeyType | None = None) -> Iterator[str]:
        """Every matching key, fetched with SCAN in growing pages (never blocks the
        server for long). A key changed during the walk may come twice."""
        if callable(getattr(self, "has_pending", None)):
            raise PipelineError("iter_keys walks with many SCAN calls: not inside a pipeline")
        return self.scan_iter(match=match, _type=filter_type)

    def scan_iter(self, match: str | None = None, count: int | None = None,
                  _type: KeyType | None = None) -> Iterator[str]:
        """redis-py's name for :meth:`iter_keys` (``count`` is a hint: pages grow from
        it, as they do from 10 without it)."""
        if callable(getattr(self, "has_pending", None)):
            raise PipelineError("scan_iter walks with many SCAN calls: not inside a pipeline")
        cursor = 0
        size = count or 10
        while True:
            cursor, keys = self.scan(cursor, match=match, count=size, filter_type=_type)
            yield from keys
            if cursor == 0:
                return
            size = min(1000, size * 2) if count is None else size

    def _keys_conv(self, filter_type: KeyType | None) -> Any:
        def conv(reply: Any) -> list[str]:
            keys = self._strip_all(reply)
            if filter_type is None or not keys:
                return keys
            # KEYS has no TYPE option: ask for the types in one batch afterwards (not
            # atomic with the KEYS: a key deleted in between is left out).
            types = self._backend.run_batch([("TYPE", (key,)) for key in keys])
            return [key for key, kind in zip(keys, types) if kind == filter_type]

        return conv

    def keys_block(
            self,
            *,
            match: str | None = None,
            filter_type: KeyType | None = None) -> list[str]:
        """All matching keys with one KEYS call (blocks a server while it scans the
        whole database: prefer :meth:`iter_keys` on big ones)."""
        pattern = self._pattern(match)
        return cast(
            "list[str]",
            self._conv(self._keys_conv(filter_type), "KEYS", "*" if pattern is None else pattern))

    def keys(
            self,
            *,
            match: str | None = None,
            filter_type: KeyType | None = None,
            block: bool = True) -> set[str]:
        """The set of matching keys: one KEYS call when ``block``, else a SCAN walk
        (which a pipeline cannot do)."""
        if not block:
            return set(self.iter_keys(match=match, filter_type=filter_type))
        pattern = self._pattern(match)
        listed = self._keys_conv(filter_type)
        return self._conv(
            lambda reply: set(listed(reply)), "KEYS", "*" if pattern is None else pattern)

    def randomkey(self) -> str | None:
        """A random key, ``None`` when the database is empty (not limited to a key
        prefix: it picks from the whole database)."""
        def conv(reply: Any) -> str | None:
            return None if reply is None else self._strip(reply)

        return self._conv(conv, "RANDOMKEY")

    # ---- renaming and copying -----------------------------------------------------------

    def rename(self, src: str, dst: str) -> bool:
        """Rename ``src`` to ``dst``, replacing ``dst``; raises if ``src`` is missing."""
        return self._conv(to_bool, "RENAME", src, dst)

    def renamenx(self, src: str, dst: str) -> bool:
        """Rename only when ``dst`` does not exist; True when renamed."""
        return self._conv(to_bool, "RENAMENX", src, dst)

    def copy(
            self,
            source: str,
            destination: str,
            destination_db: int | None = None,
            replace: bool = False) -> bool:
        """Copy a key's value and TTL; True when copied (False if ``source`` is missing
        or ``destination`` exists and ``replace`` is not set)."""
        args = [source, destination]
        if destination_db is not None:
            args += ["DB", enc(destination_db)]
        if replace:
            args.append("REPLACE")
        return self._conv(to_bool, "COPY", *args)

    # ---- expiry -------------------------------------------------------------------------

    def expire(
            self,
            key: str,
            *,
            mode: RExpireMode = "always",
            expire_timestamp: datetime.datetime | None = None,
            expire_in: float | None = None) -> bool:
        """Set (or, with no time given, remove) a key's expiry; True when it changed.

        ``expire_in`` is in seconds (millisecond precision), ``expire_timestamp`` an
        absolute time. ``mode`` makes it conditional: ``"if_persist"`` (NX: only
        without a TTL), ``"if_expire"`` (XX: only with one), ``"if_later"`` (GT),
        ``"if_earlier"`` (LT). A time in the past deletes the key.
        """
        built = expire_command(
            mode, millis=None if expire_in is None else int(expire_in * 1000.0),
            at_millis=None if expire_timestamp is None else _ms(expire_timestamp))
        if built is None:  # nothing can change
            return self._answer(False)
        name, args = built
        return self._conv(to_bool, name, key, *map(enc, args))

    def pexpire(
            self,
            name: str,
            time: int | datetime.timedelta,
            nx: bool = False,
            xx: bool = False,
            gt: bool = False,
            lt: bool = False) -> bool:
        """Let the key live ``time`` more milliseconds; True when the TTL was set."""
        if type(time) is not int and isinstance(time, datetime.timedelta):
            time = int(time.total_seconds() * 1000)
        if nx or xx or gt or lt:
            return self._conv(to_bool, "PEXPIRE", name, enc(time), *_opt_flags(nx, xx, gt, lt))
        return self._conv(to_bool, "PEXPIRE", name, str(time) if type(time) is int else enc(time))

    def expireat(
            self,
            name: str,
            when: int | datetime.datetime,
            nx: bool = False,
            xx: bool = False,
            gt: bool = False,
            lt: bool = False) -> bool:
        """Expire the key at a Unix time in seconds (or a datetime)."""
        if type(when) is not int and isinstance(when, datetime.datetime):
            when = int(when.timestamp())
        if nx or xx or gt or lt:
            return self._conv(to_bool, "EXPIREAT", name, enc(when), *_opt_flags(nx, xx, gt, lt))
        return self._conv(to_bool, "EXPIREAT", name, str(when) if type(when) is int else enc(when))

    def pexpireat(
            self,
            name: str,
            when: int | datetime.datetime,
            nx: bool = False,
            xx: bool = False,
            gt: bool = False,
            lt: bool = False) -> bool:
        """Expire the key at a Unix time in milliseconds (or a datetime)."""
        if type(when) is not int and isinstance(when, datetime.datetime):
            when = _ms(when)
        if nx or xx or gt or lt:
            return self._conv(to_bool, "PEXPIREAT", name, enc(when), *_opt_flags(nx, xx, gt, lt))
        return self._conv(to_bool, "PEXPIREAT", name,
                          str(when) if type(when) is int else enc(when))

    def expiretime(self, key: str) -> int:
        """The Unix time (s) the key expires at; -1 without a TTL, -2 when missing."""
        return cast(int, self._call("EXPIRETIME", key))

    def pexpiretime(self, key: str) -> int:
        """The Unix time (ms) the key expires at; -1 without a TTL, -2 when missing."""
        return cast(int, self._call("PEXPIRETIME", key))

    def ttl(self, key: str) -> float | None:
        """Seconds left to live (ms precision); ``-1.0`` without a TTL, ``None`` if missing."""
        return self._conv(_ttl_seconds, "PTTL", key)

    def pttl(self, name: str) -> int:
        """Milliseconds left to live; -1 without a TTL, -2 when missing (raw PTTL)."""
        return cast(int, self._call("PTTL", name))

    def persist(self, name: str) -> bool:
        """Remove the key's TTL; True when it had one."""
        return self._conv(to_bool, "PERSIST", name)

    # ---- connection -----------------------------------------------------------------------

    def ping(self) -> bool:
        """True when the server answers."""
        return self._conv(_true, "PING")

    def echo(self, value: str) -> str:
        """The value, sent to the server and back."""
        return cast(str, self._call("ECHO", enc(value)))

    # ---- server ---------------------------------------------------------------------------

    def dbsize(self) -> int:
        """The number of keys in the database (all of it, whatever the key prefix)."""
        return cast(int, self._call("DBSIZE"))

    def time(self) -> tuple[int, int]:
        """The server's clock: (Unix seconds, microseconds within the second)."""
        return self._conv(lambda reply: (int(reply[0]), int(reply[1])), "TIME")

    def _drop_namespace(self, reply: Any) -> None:
        """Delete the keys under this client's prefix, a SCAN page at a time: one UNLINK
        per key in one batch, since on a cluster a page's keys live in many slots."""
        backend = self._backend
        pattern = escape_glob(self._key_prefix()) + "*"
        cursor = "0"
        while True:
            cursor, keys = backend.run("SCAN", (cursor, "MATCH", pattern, "COUNT", "1000"))
            if keys:
                backend.run_batch([("UNLINK", (self._strip(key),)) for key in keys])
            if cursor == "0":
                return

    def flushall(self, *, asynchronous: bool = False) -> None:
        """Delete every key of every database; with a key prefix, only the keys under
        that prefix (as redipy 0.7.1 did), and not atomically."""
        if self._key_prefix():
            return self._answer_with(self._drop_namespace)
        return self._conv(to_none, "FLUSHALL", *(("ASYNC",) if asynchronous else ()))

    def flushdb(self, *, asynchronous: bool = False) -> None:
        """Delete every key of the current database; with a key prefix, only the keys
        under that prefix (not atomically)."""
        if self._key_prefix():
            return self._answer_with(self._drop_namespace)
        return self._conv(to_none, "FLUSHDB", *(("ASYNC",) if asynchronous else ()))

    def _sort_args(self, name: str, start: int | None, num: int | None, by: str | None,
                   get: str | list[str] | None, desc: bool, alpha: bool) -> list[str]:
        """SORT's options in redis-py's order. BY and GET patterns name keys, so under a
        key prefix the prefix goes in front of them (not of ``#`` or a pattern without
        ``*``, which name no key)."""
        if (start is None) != (num is None):
            raise ValueError("sort: start and num go together")
        prefix = self._key_prefix()

        def keyed(pattern: str) -> str:
            return prefix + pattern if prefix and "*" in pattern else pattern

        args = [name]
        if by is not None:
            args += ["BY", keyed(by)]
        if start is not None and num is not None:
            args += ["LIMIT", enc(start), enc(num)]
        for pattern in [get] if isinstance(get, str) else get or []:
            args += ["GET", keyed(pattern)]
        if desc:
            args.append("DESC")
        if alpha:
            args.append("ALPHA")
        return args

    def sort(self, name: str, start: int | None = None, num: int | None = None,
             by: str | None = None, get: str | list[str] | None = None, desc: bool = False,
             alpha: bool = False, store: str | None = None) -> Any:
        """SORT (redis-py's signature, without ``groups``): the sorted elements (or the
        GET values, None where missing); with ``store``, the stored list's length."""
        args = self._sort_args(name, start, num, by, get, desc, alpha)
        if store is not None:
            args += ["STORE", store]
        return self._conv(_plain, "SORT", *args)

    def sort_ro(self, key: str, start: int | None = None, num: int | None = None,
                by: str | None = None, get: str | list[str] | None = None, desc: bool = False,
                alpha: bool = False) -> list[str | None]:
        """SORT_RO: SORT without STORE."""
        args = self._sort_args(key, start, num, by, get, desc, alpha)
        return self._conv(_plain, "SORT_RO", *args)

    def object(self, infotype: str, key: str) -> Any:
        """OBJECT ENCODING / REFCOUNT / IDLETIME / FREQ of ``key`` (None when missing)."""
        return self._conv(_plain, "OBJECT", infotype, key)

    def memory_usage(self, key: str, samples: int | None = None) -> int | None:
        """MEMORY USAGE: bytes the key and its value take (an estimate on memory)."""
        args = [key] if samples is None else [key, "SAMPLES", enc(samples)]
        return self._conv(_plain, "MEMORY", "USAGE", *args)  # type: ignore[no-any-return]

    def move(self, name: str, db: int) -> bool:
        """MOVE: the key to database ``db``; False when missing here or present there."""
        return self._conv(to_bool, "MOVE", name, enc(db))

    def swapdb(self, first: int, second: int) -> bool:
        """SWAPDB: exchange the contents of two databases."""
        return self._conv(_true, "SWAPDB", enc(first), enc(second))
