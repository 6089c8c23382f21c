"""Memory backend handlers: SORT and SORT_RO.

Follows Valkey 9.1's ``sort.c``: options are parsed first (a bad LIMIT or an unknown
word answers before the key is looked at), then the key must be a list, set or
sorted set. ``BY`` with a pattern without ``*`` means "do not sort": a list or
sorted set keeps its own order (reversed by DESC, cut by LIMIT), while a set is
sorted ALPHA anyway when the result is stored, so that the result does not depend
on hash order (a server does the same for a script's SORT; memory's scripts do not
yet). Numeric sorting reads each weight as a double (a missing BY key weighs 0,
anything unreadable is an error) and breaks ties by the elements' bytes; ALPHA
compares bytes (the servers run in the C locale, where ``strcoll`` is ``strcmp``).
``GET #`` is the element, ``GET pat*`` a string key and ``GET pat*->field`` a hash
field; what is missing is nil (an empty string when stored).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory import cmd_hashes
from redipy.memory.cmd_strings import SYNTAX
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.numbers import NOT_INT, parse_double, parse_int
from redipy.memory.registry import command
from redipy.memory.structs import RHash, RList, RSet, RZSet

NOT_DOUBLE = "ERR One or more scores can't be converted into double"


def _lookup(db: Database, pattern: str, element: str) -> str | None:
    """lookupKeyByPattern: ``#`` is the element; ``*`` takes the element; ``->field``
    after the ``*`` reads a hash field; anything that is not there is ``None``."""
    if pattern == "#":
        return element
    pattern = pattern.split("\x00", 1)[0]  # the server reads the pattern as a C string
    star = pattern.find("*")
    if star < 0:
        return None
    arrow = pattern.find("->", star + 1)
    field = None
    if arrow >= 0 and arrow + 2 < len(pattern):
        field = pattern[arrow + 2:]
        key = pattern[:star] + element + pattern[star + 1:arrow]
    else:
        key = pattern[:star] + element + pattern[star + 1:]
    val = db.get(key)
    if val is None:
        return None
    if field is not None:
        return cmd_hashes.field_value(db, key, val, field) if type(val) is RHash else None
    if type(val) is str:
        return val
    if type(val) is bytearray:
        return val.decode("latin-1")
    return None


def _parse(args: Sequence[str], readonly: bool) -> tuple[
        bool, bool, int, int, str | None, str | None, bool, list[str]]:
    desc = alpha = dontsort = False
    start, count = 0, -1
    store: str | None = None
    by: str | None = None
    gets: list[str] = []
    i, argc = 1, len(args)
    while i < argc:
        word = args[i].lower() if args[i].isascii() else ""
        left = argc - i - 1
        if word == "asc":
            desc = False
        elif word == "desc":
            desc = True
        elif word == "alpha":
            alpha = True
        elif word == "limit" and left >= 2:
            lo, num = parse_int(args[i + 1]), parse_int(args[i + 2])
            if lo is None or num is None:
                raise ResponseError(NOT_INT)
            start, count = lo, num
            i += 2
        elif word == "store" and left >= 1 and not readonly:
            store = args[i + 1]
            i += 1
        elif word == "by" and left >= 1:
            by = args[i + 1]
            dontsort = "*" not in by.split("\x00", 1)[0]
            i += 1
        elif word == "get" and left >= 1:
            gets.append(args[i + 1])
            i += 1
        else:
            raise ResponseError(SYNTAX)
        i += 1
    return desc, alpha, start, count, store, by, dontsort, gets


def _weights(db: Database, elements: list[str], by: str | None, alpha: bool
             ) -> list[Any]:
    if alpha:
        if by is None:
            return elements
        # a missing weight sorts first: (0, "") before any (1, value)
        return [(0, "") if w is None else (1, w)
                for w in (_lookup(db, by, e) for e in elements)]
    out: list[tuple[float, str]] = []
    for element in elements:
        text = element if by is None else _lookup(db, by, element)
        if text is None:
            out.append((0.0, element))
            continue
        score = parse_double(text)
        if score is None:
            raise ResponseError(NOT_DOUBLE)
        out.append((score, element))
    return out


def _sort(db: Database, args: Sequence[str], readonly: bool) -> Any:
    desc, alpha, start, count, store, by, dontsort, gets = _parse(args, readonly)
    val = db.get(args[0])
    if val is None:
        val = RList()
    kind = type(val)
    if kind is not RList and kind is not RSet and kind is not RZSet:
        raise WrongTypeError(WRONGTYPE)
    if dontsort and kind is RSet and store is not None:
        dontsort, alpha, by = False, True, None
    size = len(val)
    lo = min(max(start, 0), size)
    hi = size if count < 0 else min(lo + count, size)
    if dontsort and kind is not RSet:
        if kind is RList:
            elements = list(val)
        else:
            elements = [member for _, member in val.order]
        if desc:
            elements.reverse()
        chosen = elements[lo:hi]
    else:
        if kind is RZSet:
            elements = list(val.scores)
        else:
            elements = list(val)
        if not dontsort:
            weights = _weights(db, elements, by, alpha)
            order = sorted(range(len(elements)), key=weights.__getitem__, reverse=desc)
            elements = [elements[i] for i in order]
        chosen = elements[lo:hi]
    if gets:
        rows: list[str | None] = [_lookup(db, pat, e) for e in chosen for pat in gets]
    else:
        rows = list(chosen)
    if store is None:
        return rows
    if rows:
        db.put(store, RList("" if row is None else row for row in rows))
    else:
        db.delete(store)
    return len(rows)


@command("SORT")
def cmd_sort(db: Database, args: Sequence[str]) -> Any:
    return _sort(db, args, False)


@command("SORT_RO")
def cmd_sort_ro(db: Database, args: Sequence[str]) -> Any:
    return _sort(db, args, True)
