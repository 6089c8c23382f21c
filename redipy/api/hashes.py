"""Typed methods for the hash commands (see redipy/commands/hashes.py).

0.7.1's methods keep their names and shapes (``hset(key, mapping)``, ``hmget`` as a
dict, ``hincrby`` returning a float); the rest follow redis-py's names and parameters.
Hashes come back as dicts, field/value pairs that may repeat as tuples.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any, Literal, cast, overload

from redipy.api.base import CommandsBase, enc, to_bool, to_float


def _pairs(reply: Any) -> list[tuple[str, str]]:
    """Field/value pairs from a flat list (RESP2) or a list of pairs (RESP3)."""
    if reply and isinstance(reply[0], list):
        return [(field, value) for field, value in reply]
    it = iter(reply)
    return list(zip(it, it))


def _to_dict(reply: Any) -> dict[str, str]:
    if isinstance(reply, dict):
        return reply
    it = iter(reply)
    return dict(zip(it, it))


def _ints(reply: Any) -> list[int]:
    return list(reply)


def _plain_list(reply: Any) -> list[str | None]:
    return list(reply)


def _int(reply: Any) -> int:
    return int(reply)


def _zero(reply: Any) -> int:
    return 0


def _empty_dict(reply: Any) -> dict[str, str | None]:
    return {}


def _scan_page(reply: Any) -> tuple[int, dict[str, str]]:
    return int(reply[0]), _to_dict(reply[1])


def _scan_fields(reply: Any) -> tuple[int, list[str]]:
    return int(reply[0]), list(reply[1])


class HashCommands(CommandsBase):
    """The hash commands."""

    def hset(self, key: str, mapping: dict[str, str]) -> int:
        """Set the fields of ``mapping``; returns how many were new. An empty mapping
        changes nothing and answers 0 (Redis itself refuses it)."""
        if not mapping:
            return self._conv(_zero, "HLEN", key)
        args = [key]
        for field, value in mapping.items():
            args += (field if type(field) is str else enc(field),
                     value if type(value) is str else enc(value))
        return cast(int, self._call("HSET", *args))

    def hsetnx(self, name: str, key: str, value: str) -> bool:
        """Set a field only if it does not exist; True when it was set."""
        return self._conv(to_bool, "HSETNX", name, enc(key), enc(value))

    def hdel(self, key: str, *fields: str) -> int:
        """Remove fields; returns how many existed. An emptied hash is deleted."""
        if not fields:
            return self._conv(_zero, "HLEN", key)
        return cast(int, self._call("HDEL", key, *map(enc, fields)))

    def hget(self, key: str, field: str) -> str | None:
        """The value of a field, or None."""
        return cast("str | None", self._call("HGET", key, enc(field)))

    def hmget(self, key: str, *fields: str) -> dict[str, str | None]:
        """The values of several fields as a dict (None for missing fields)."""
        if not fields:
            return self._conv(_empty_dict, "HLEN", key)
        names = [field if type(field) is str else enc(field) for field in fields]

        def conv(reply: Any) -> dict[str, str | None]:
            return dict(zip(names, reply))

        return self._conv(conv, "HMGET", key, *names)

    def hexists(self, name: str, key: str) -> bool:
        """Whether the hash has the field."""
        return self._conv(to_bool, "HEXISTS", name, enc(key))

    def hlen(self, name: str) -> int:
        """The number of fields (0 when the hash is missing)."""
        return cast(int, self._call("HLEN", name))

    def hkeys(self, key: str) -> list[str]:
        """Every field name."""
        return cast("list[str]", self._call("HKEYS", key))

    def hvals(self, key: str) -> list[str]:
        """Every value."""
        return cast("list[str]", self._call("HVALS", key))

    def hgetall(self, key: str) -> dict[str, str]:
        """Every field and value ({} when the hash is missing)."""
        return self._conv(_to_dict, "HGETALL", key)

    def hincrby(self, key: str, field: str, inc: float | int) -> float:
        """Add to a numeric field (a missing one counts as 0); returns the new value.

        0.7.1's signature and arithmetic: HINCRBYFLOAT for an int or a float, the
        answer a float (as 0.7.1 and the script key objects send it).
        """
        return self._conv(to_float, "HINCRBYFLOAT", key, enc(field), enc(inc))

    def hincrby_int(self, name: str, key: str, amount: int = 1) -> int:
        """HINCRBY (the field must hold an integer); the new value. redis-py's
        ``hincrby`` under the script key object's name, since 0.7.1's ``hincrby`` adds
        floats."""
        return self._conv(_int, "HINCRBY", name, enc(key), enc(amount))

    def hincrbyfloat(self, name: str, key: str, amount: float = 1.0) -> float:
        """Add a float to a field in Redis's long double precision; the new value."""
        return self._conv(to_float, "HINCRBYFLOAT", name, enc(key), enc(amount))

    def hstrlen(self, name: str, key: str) -> int:
        """The length in bytes (UTF-8) of a field's value; 0 when missing."""
        return cast(int, self._call("HSTRLEN", name, enc(key)))

    @overload
    def hrandfield(
            self, key: str, count: None = None,
            withvalues: Literal[False] = False) -> str | None: ...

    @overload
    def hrandfield(
            self, key: str, count: int,
            withvalues: Literal[False] = False) -> list[str]: ...

    @overload
    def hrandfield(
            self, key: str, count: int,
            withvalues: Literal[True]) -> list[tuple[str, str]]: ...

    def hrandfield(
            self,
            key: str,
            count: int | None = None,
            withvalues: bool = False) -> str | list[str] | list[tuple[str, str]] | None:
        """Random fields without removing them.

        No ``count``: one field or None. A positive ``count``: up to that many distinct
        fields; a negative one: exactly ``-count`` fields that may repeat.
        ``withvalues``: (field, value) pairs instead (needs a ``count``).
        """
        if count is None:
            if withvalues:
                raise ValueError("hrandfield: withvalues needs a count")
            return cast("str | None", self._call("HRANDFIELD", key))
        if withvalues:
            return self._conv(_pairs, "HRANDFIELD", key, enc(count), "WITHVALUES")
        return cast("list[str]", self._call("HRANDFIELD", key, enc(count)))

    @overload
    def hscan(self, name: str, cursor: int = ..., match: str | None = ...,
              count: int | None = ..., no_values: Literal[False] | None = ...
              ) -> tuple[int, dict[str, str]]: ...

    @overload
    def hscan(self, name: str, cursor: int = ..., match: str | None = ...,
              count: int | None = ..., *, no_values: Literal[True]) -> tuple[int, list[str]]: ...

    @overload
    def hscan(self, name: str, cursor: int = ..., match: str | None = ...,
              count: int | None = ..., no_values: bool | None = ...
              ) -> tuple[int, dict[str, str] | list[str]]: ...

    def hscan(
            self,
            name: str,
            cursor: int = 0,
            match: str | None = None,
            count: int | None = None,
            no_values: bool | None = None) -> tuple[int, dict[str, str] | list[str]]:
        """One HSCAN step: the next cursor (0 when done) and a page of fields with their
        values, or with ``no_values`` the fields alone (NOVALUES: Valkey 8+; Redis 7.0
        answers a syntax error).

        A small hash comes back whole in one step (as Redis's compact encoding does).
        """
        args = [name, enc(cursor)]
        if match is not None:
            args += ["MATCH", match]
        if count is not None:
            args += ["COUNT", enc(count)]
        if no_values:
            args.append("NOVALUES")
            return self._conv(_scan_fields, "HSCAN", *args)
        return self._conv(_scan_page, "HSCAN", *args)

    @overload
    def hscan_iter(self, name: str, match: str | None = ..., count: int | None = ...,
                   no_values: Literal[False] | None = ...) -> Iterator[tuple[str, str]]: ...

    @overload
    def hscan_iter(self, name: str, match: str | None = ..., count: int | None = ...,
                   *, no_values: Literal[True]) -> Iterator[str]: ...

    def hscan_iter(
            self,
            name: str,
            match: str | None = None,
            count: int | None = None,
            no_values: bool | None = None) -> Iterator[tuple[str, str]] | Iterator[str]:
        """Every (field, value) through HSCAN, or every field with ``no_values``; a
        field changed during the walk may come twice. Not for pipelines (there is
        nothing to walk until they execute)."""
        cursor = 0
        while True:
            page: Any = self.hscan(name, cursor, match=match, count=count,
                                   no_values=bool(no_values))
            if page is None:  # a pipeline only queues
                return
            cursor, data = page
            yield from (data if no_values else data.items())
            if cursor == 0:
                return

    # ---- hash-field expiration (Valkey 9.0+; HGETDEL 9.1) --------------------------------

    def _field_ttl(self, name: str, key: str, when: int | datetime.timedelta |
                   datetime.datetime, fields: tuple[str, ...], nx: bool, xx: bool,
                   gt: bool, lt: bool, millis: bool) -> list[int]:
        if type(when) is int and not (nx or xx or gt or lt):  # the common call
            return self._conv(_ints, name, key, str(when), "FIELDS", str(len(fields)),
                              *fields)
        if isinstance(when, datetime.timedelta):
            when = int(when.total_seconds() * (1000 if millis else 1))
        elif isinstance(when, datetime.datetime):
            when = int(when.timestamp() * (1000 if millis else 1))
        flags = [flag for flag, on in (("NX", nx), ("XX", xx), ("GT", gt), ("LT", lt)) if on]
        return self._conv(_ints, name, key, enc(when), *flags, "FIELDS",
                          str(len(fields)), *fields)

    def hexpire(self, name: str, seconds: int | datetime.timedelta, *fields: str,
                nx: bool = False, xx: bool = False, gt: bool = False,
                lt: bool = False) -> list[int]:
        """HEXPIRE: per field 1 set, 0 condition not met, 2 deleted, -2 no such field."""
        return self._field_ttl("HEXPIRE", name, seconds, fields, nx, xx, gt, lt, False)

    def hpexpire(self, name: str, milliseconds: int | datetime.timedelta, *fields: str,
                 nx: bool = False, xx: bool = False, gt: bool = False,
                 lt: bool = False) -> list[int]:
        """HPEXPIRE: HEXPIRE in milliseconds."""
        return self._field_ttl("HPEXPIRE", name, milliseconds, fields, nx, xx, gt, lt, True)

    def hexpireat(self, name: str, unix_time_seconds: int | datetime.datetime, *fields: str,
                  nx: bool = False, xx: bool = False, gt: bool = False,
                  lt: bool = False) -> list[int]:
        """HEXPIREAT: a deadline in Unix seconds per field."""
        return self._field_ttl("HEXPIREAT", name, unix_time_seconds, fields, nx, xx, gt, lt,
                               False)

    def hpexpireat(self, name: str, unix_time_milliseconds: int | datetime.datetime,
                   *fields: str, nx: bool = False, xx: bool = False, gt: bool = False,
                   lt: bool = False) -> list[int]:
        """HPEXPIREAT: a deadline in Unix milliseconds per field."""
        return self._field_ttl("HPEXPIREAT", name, unix_time_milliseconds, fields, nx, xx,
                               gt, lt, True)

    def _per_field(self, command: str, key: str, fields: tuple[str, ...]) -> list[int]:
        return self._conv(_ints, command, key, "FIELDS", str(len(fields)), *fields)

    def httl(self, key: str, *fields: str) -> list[int]:
        """HTTL: seconds left per field (-1 no TTL, -2 no such field)."""
        return self._per_field("HTTL", key, fields)

    def hpttl(self, key: str, *fields: str) -> list[int]:
        """HPTTL: milliseconds left per field."""
        return self._per_field("HPTTL", key, fields)

    def hexpiretime(self, key: str, *fields: str) -> list[int]:
        """HEXPIRETIME: the deadline in Unix seconds per field."""
        return self._per_field("HEXPIRETIME", key, fields)

    def hpexpiretime(self, key: str, *fields: str) -> list[int]:
        """HPEXPIRETIME: the deadline in Unix milliseconds per field."""
        return self._per_field("HPEXPIRETIME", key, fields)

    def hpersist(self, name: str, *fields: str) -> list[int]:
        """HPERSIST: 1 TTL removed, -1 had none, -2 no such field."""
        return self._per_field("HPERSIST", name, fields)

    def hgetdel(self, name: str, *keys: str) -> list[str | None]:
        """HGETDEL: the values of ``keys`` (fields), deleting them."""
        return self._conv(_plain_list, "HGETDEL", name, "FIELDS", str(len(keys)), *keys)

    def hgetex(self, name: str, *keys: str, ex: int | None = None, px: int | None = None,
               exat: int | None = None, pxat: int | None = None,
               persist: bool = False) -> list[str | None]:
        """HGETEX: the values of ``keys`` (fields), setting (ex/px/exat/pxat) or removing
        (persist) their TTLs (redis-py's signature)."""
        opts: list[str] = []
        for word, val in (("EX", ex), ("PX", px), ("EXAT", exat), ("PXAT", pxat)):
            if val is not None:
                opts += [word, enc(val)]
        if persist:
            opts.append("PERSIST")
        return self._conv(_plain_list, "HGETEX", name, *opts, "FIELDS", str(len(keys)),
                          *keys)

    def hsetex(self, name: str, key: str | None = None, value: str | None = None,
               mapping: dict[str, str] | None = None,
               items: list[tuple[str, str]] | None = None, ex: int | None = None,
               px: int | None = None, exat: int | None = None, pxat: int | None = None,
               data_persist_option: str | None = None, keepttl: bool = False,
               condition: str | None = None) -> int:
        """HSETEX (redis-py's signature; ``data_persist_option`` is FNX or FXX, and
        ``condition`` NX or XX on the key, which Valkey has): 1 set, 0 not."""
        pairs: list[str] = []
        if key is not None:
            pairs += [key, enc(value)]
        for field, val in list((mapping or {}).items()) + list(items or []):
            pairs += [field, enc(val)]
        opts = [word for word in (condition, data_persist_option) if word]
        for word, num in (("EX", ex), ("PX", px), ("EXAT", exat), ("PXAT", pxat)):
            if num is not None:
                opts += [word, enc(num)]
        if keepttl:
            opts.append("KEEPTTL")
        return self._conv(_int, "HSETEX", name, *opts, "FIELDS", str(len(pairs) // 2),
                          *pairs)
