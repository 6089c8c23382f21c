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

from bisect import bisect_right
from collections.abc import Callable, Collection, Sequence
from itertools import repeat
from operator import attrgetter
from typing import Any

from redipy.errors import ResponseError, WrongTypeError
from redipy.memory import cmd_hashes
from redipy.memory.cmd_strings import SYNTAX
from redipy.memory.db import WRONGTYPE, Database
from redipy.memory.numbers import NOT_INT, parse_double, parse_int
from redipy.memory.registry import command
from redipy.memory.structs import RHash, RList, RSet, RZSet

NOT_DOUBLE = "ERR One or more scores can't be converted into double"


def _getter(db: Database, pattern: str) -> Callable[[list[str]], list[str | None]]:
    """lookupKeyByPattern for a whole list of elements at once: ``#`` is the element;
    ``*`` takes the element; ``->field`` after the ``*`` reads a hash field; anything
    that is not there (or is not a string, or not a hash for a field) is ``None``."""
    if pattern == "#":
        return list
    pattern = pattern.split("\x00", 1)[0]  # the server reads the pattern as a C string
    star = pattern.find("*")
    if star < 0:
        return lambda elements: [None] * len(elements)
    arrow = pattern.find("->", star + 1)
    field = None
    head = pattern[:star]
    if arrow >= 0 and arrow + 2 < len(pattern):
        field = pattern[arrow + 2:]
        tail = pattern[star + 1:arrow]
    else:
        tail = pattern[star + 1:]

    def values(elements: list[str]) -> list[str | None]:
        keys = list(map(head.__add__, elements)) if not tail else [
            head + e + tail for e in elements]
        found = list(map(db.get if db.expires else db.data.get, keys))
        if field is not None and not db.hfe:  # no field TTLs in this database
            try:  # every one a hash
                return list(map(dict.get, map(_MAP, found), repeat(field)))
            except (AttributeError, TypeError):
                pass
        if field is not None:
            return [val.map.get(field) if type(val) is RHash and val.ttls is None
                    else _field(key, val) for key, val in zip(keys, found)]
        try:
            "".join(found)  # every one a string (the common case): no pass over them
            return found
        except TypeError:
            return [val if type(val) is str else _text(val) for val in found]

    def _field(key: str, val: Any) -> str | None:
        if type(val) is not RHash or field is None:
            return None
        return cmd_hashes.field_value(db, key, val, field)

    return values


_MAP = attrgetter("map")


def _text(val: Any) -> str | None:
    """A string value read by pattern (a bytearray once changed in place); else None."""
    return val.decode("latin-1") if type(val) is bytearray else None


_DIGITS = str.maketrans("", "", "-.")


def _doubles(texts: list[str], joined: str | None = None) -> list[float]:
    """Each text as a double by Valkey 9.1's rules (NOT_DOUBLE otherwise). ``joined``
    is the texts joined, when the caller has it. Texts of ASCII digits only go through
    one map of float() (strtod's answer for them; an empty text makes float() refuse,
    310 digits or more overflow to inf, strtod's ERANGE); short digit runs with signs
    and dots too; anything else (and those refused) goes through parse_double."""
    if joined is None:
        joined = "".join(texts)
    out: list[float]
    if joined.isascii() and joined.isdigit():
        try:
            out = list(map(float, texts))
        except ValueError:
            pass
        else:
            if max(out) != _INF:
                return out
    elif texts and max(map(len, texts)) < 30 and joined.translate(_DIGITS).isdigit():
        try:
            return list(map(float, texts))
        except ValueError:
            pass
    out = []
    for text in texts:
        score = parse_double(text)
        if score is None:
            raise ResponseError(NOT_DOUBLE)
        out.append(score)
    return out


_INF = float("inf")


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


EXACT_DIGITS = 15
"""Digit strings up to this long are integers below 10**15 < 2**53: each is its own
double, so numeric order needs no tie-break by bytes. Longer ones can share a double
(10**20 - 1 and 10**20 do) and the server then orders them by bytes."""


def _numeric_order(elements: list[str], desc: bool) -> bool:
    """Sort ``elements`` (a list of the caller's) in numeric order, in place, when every
    one is a canonical non-negative integer of at most EXACT_DIGITS digits; False (and
    the list as it was, or in another order) otherwise. Canonical integers that small
    are each their own double (strtod's value of their digits), so no two different
    elements tie and no pass over ties is due; and their numeric order is their order
    by length, then by digits: two C-level sorts (of the texts, then stably by len),
    no float made. The checks: one C pass over the texts joined, as bytes (ASCII digits
    only: a character past ASCII encodes to bytes that are not); then the order of the
    texts tells the rest: an empty text sorts first, and a text with a leading zero
    right after the "0"s; the largest (last, or first under DESC) is at most
    EXACT_DIGITS long."""
    if not elements or not "".join(elements).encode().isdigit():
        return False
    elements.sort()
    if not elements[0]:
        return False  # an empty text
    if elements[0][0] == "0":
        zeros = bisect_right(elements, "0")  # the texts "0"
        if zeros < len(elements) and elements[zeros][0] == "0":
            return False  # "00", "007": not canonical
    elements.sort(key=len)  # stable: equal lengths keep the digits' order
    if desc:
        elements.reverse()
    return len(elements[0 if desc else -1]) <= EXACT_DIGITS


def _by_scores(elements: list[str], scores: list[float], desc: bool) -> list[str]:
    """The elements by score, ties broken by the elements' bytes, DESC reversing both
    (sortCompare's order). Without equal scores (one C-level set size tells) one sort
    of positions keyed by score does. With them: a score is a function of its element
    (the element itself, or a key made from it), so the elements sorted by bytes and
    then, stably, by score are in the server's order."""
    if len(set(scores)) == len(scores):
        order = sorted(range(len(scores)), key=scores.__getitem__, reverse=desc)
        return list(map(elements.__getitem__, order))
    score_of = dict(zip(elements, scores))
    out = sorted(elements, reverse=desc)
    out.sort(key=score_of.__getitem__, reverse=desc)
    return out


def _sorted(db: Database, elements: Collection[str], by: str | None, alpha: bool,
            desc: bool) -> list[str]:
    """The elements in SORT's order: by weight (a missing weight is 0, or sorts first
    under ALPHA), ties broken by the elements' bytes (numeric) as sortCompare does."""
    if alpha and by is None:
        return sorted(elements, reverse=desc)
    elements = list(elements)
    if by is None and _numeric_order(elements, desc):
        return elements
    weights: Sequence[str | None] = elements if by is None else _getter(db, by)(elements)
    if alpha:  # equal weights keep their order (the server's qsort is a stable merge)
        marks = [(0, "") if w is None else (1, w) for w in weights]
        order = sorted(range(len(elements)), key=marks.__getitem__, reverse=desc)
        return [elements[i] for i in order]
    try:  # no None among them (the common case)
        joined = "".join(weights)  # type: ignore[arg-type]
    except TypeError:
        found = iter(_doubles([w for w in weights if w is not None]))
        scores = [0.0 if w is None else next(found) for w in weights]
    else:
        scores = _doubles(weights, joined)  # type: ignore[arg-type]
    return _by_scores(elements, scores, desc)


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
        if dontsort:  # a set, in its own order
            elements = list(val)
        else:  # a new list: the slice below may keep it whole; equal weights keep the
            # input's order (a small set's, a sorted set's by score), as on the server
            source = [member for _, member in val.order] if kind is RZSet else val
            elements = _sorted(db, source, by, alpha, desc)
        chosen = elements if lo == 0 and hi == size else elements[lo:hi]
    if len(gets) == 1:
        rows: list[str | None] = _getter(db, gets[0])(chosen)
    elif gets:
        columns = [_getter(db, pat)(chosen) for pat in gets]
        rows = [row[i] for i in range(len(chosen)) for row in columns]
    else:
        rows = chosen
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
