"""Memory backend handler: LCS, the longest common subsequence of two strings.

Redis's own algorithm, so that ties break the same way: the dynamic-programming table
of LCS lengths over the two byte strings, then one walk back from its corner that
builds the subsequence and, with IDX, the matching ranges (longest-first from the end,
as the server lists them). The table is held as one bit vector per row (O(N*M) bits,
O(N*M/64) word steps, where a cell-by-cell Python loop cost ~0.25 µs a cell); the server
refuses a table larger than proto-max-bulk-len, and so does this.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.memory.options import option_reader
from redipy.memory.registry import command
from redipy.reply import Map

NOT_STRINGS = "ERR The specified keys must contain string values"
BOTH = "ERR If you want both the length and indexes, please just use IDX."
TOO_BIG = "ERR Insufficient memory, transient memory for LCS exceeds proto-max-bulk-len"
SYNTAX = "ERR syntax error"
_MAX_TABLE = 512 * 1024 * 1024  # proto-max-bulk-len, in bytes of 4-byte cells


def _value(db: Database, key: str) -> str | None:
    val = db.get(key)
    if val is None:
        return ""
    if type(val) is str:
        return val
    if type(val) is bytearray:
        return val.decode("latin-1")
    return None


_OPTIONS = option_reader("LCS")


@command("LCS")
def cmd_lcs(db: Database, args: Sequence[str]) -> Any:
    a, b = _value(db, args[0]), _value(db, args[1])
    if a is None or b is None:
        raise ResponseError(NOT_STRINGS)
    want_len = want_idx = with_len = False
    min_len = 0
    for opt, values in _OPTIONS(args, 2):
        if opt == "IDX":
            want_idx = True
        elif opt == "LEN":
            want_len = True
        elif opt == "WITHMATCHLEN":
            with_len = True
        else:  # MINMATCHLEN
            parsed = parse_int(values[0])
            if parsed is None:
                raise ResponseError(NOT_INT)
            min_len = max(parsed, 0)
    if want_idx and want_len:
        raise ResponseError(BOTH)
    if (len(a) + 1) * (len(b) + 1) * 4 > _MAX_TABLE:
        raise ResponseError(TOO_BIG)
    if want_len:
        return len(b) - _rows(a, b, keep=False)[-1].bit_count()
    return _walk(a, b, _rows(a, b), want_idx, min_len, with_len)


def _rows(a: str, b: str, keep: bool = True) -> list[int]:
    """The DP table as bit-parallel rows (Allison-Dix, Hyyrö): after the first i bytes
    of ``a``, the zero bits among the low j bits of ``rows[i]`` count the LCS length of
    ``a[:i]`` and ``b[:j]``, the table's cell (i, j). One big-int step per byte of
    ``a`` instead of a Python step per cell; ``keep=False`` keeps the last row only."""
    full = (1 << len(b)) - 1
    masks: dict[str, int] = {}
    for j, c in enumerate(b):
        masks[c] = masks.get(c, 0) | (1 << j)
    get = masks.get
    v = full
    rows = [v]
    for ca in a:
        u = v & get(ca, 0)
        if u:
            v = ((v + u) | (v - u)) & full
        if keep:
            rows.append(v)
    if not keep:
        rows.append(v)
    return rows


def _walk(a: str, b: str, rows: list[int], want_idx: bool, min_len: int,
          with_len: bool) -> Any:
    """The server's walk back from the table's corner (t_string.c's lcsCommand); a
    cell (i, j) is ``j - popcount(rows[i] & low)`` with ``low`` the low j bits."""
    alen = len(a)
    i, j = alen, len(b)
    low = (1 << j) - 1
    out: list[str] = []
    matches: list[Any] = []
    a_start = alen  # alen: no range in progress
    a_end = b_start = b_end = 0
    while i > 0 and j > 0:
        emit = False
        if a[i - 1] == b[j - 1]:
            out.append(a[i - 1])
            if a_start == alen:
                a_start = a_end = i - 1
                b_start = b_end = j - 1
            elif a_start == i and b_start == j:
                a_start -= 1
                b_start -= 1
            else:
                emit = True
            if a_start == 0 or b_start == 0:
                emit = True
            i -= 1
            j -= 1
            low >>= 1
        else:
            # cell (i-1, j) > cell (i, j-1)
            if 1 - (rows[i - 1] & low).bit_count() > -(rows[i] & (low >> 1)).bit_count():
                i -= 1
            else:
                j -= 1
                low >>= 1
            if a_start != alen:
                emit = True
        if emit:
            size = a_end - a_start + 1
            if min_len == 0 or size >= min_len:
                match: list[Any] = [[a_start, a_end], [b_start, b_end]]
                if with_len:
                    match.append(size)
                matches.append(match)
            a_start = alen
    if want_idx:
        return Map(["matches", matches, "len", len(b) - rows[alen].bit_count()])
    return "".join(reversed(out))
