"""Memory backend handler: LCS, the longest common subsequence of two strings.

Redis's own algorithm, so that ties break the same way: the dynamic-programming table
of LCS lengths over the two byte strings, then one walk back from its corner that
builds the subsequence and, with IDX, the matching ranges (longest-first from the end,
as the server lists them). O(N*M) time and memory like the server, which refuses a table
larger than proto-max-bulk-len.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_INT, parse_int
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


@command("LCS")
def cmd_lcs(db: Database, args: Sequence[str]) -> Any:
    a, b = _value(db, args[0]), _value(db, args[1])
    if a is None or b is None:
        raise ResponseError(NOT_STRINGS)
    want_len = want_idx = with_len = False
    min_len = 0
    pos = 2
    while pos < len(args):
        opt = args[pos].upper()
        if opt == "IDX":
            want_idx = True
        elif opt == "LEN":
            want_len = True
        elif opt == "WITHMATCHLEN":
            with_len = True
        elif opt == "MINMATCHLEN" and pos + 1 < len(args):
            parsed = parse_int(args[pos + 1])
            if parsed is None:
                raise ResponseError(NOT_INT)
            min_len = max(parsed, 0)
            pos += 1
        else:
            raise ResponseError(SYNTAX)
        pos += 1
    if want_idx and want_len:
        raise ResponseError(BOTH)
    if (len(a) + 1) * (len(b) + 1) * 4 > _MAX_TABLE:
        raise ResponseError(TOO_BIG)
    if want_len:
        return _length(a, b)
    table = _table(a, b)
    return _walk(a, b, table, want_idx, min_len, with_len)


def _length(a: str, b: str) -> int:
    """The LCS length in two rows (no walk back is needed)."""
    prev = [0] * (len(b) + 1)
    for ca in a:
        row = [0]
        for j, cb in enumerate(b, 1):
            row.append(prev[j - 1] + 1 if ca == cb else max(prev[j], row[j - 1]))
        prev = row
    return prev[-1]


def _table(a: str, b: str) -> list[list[int]]:
    table = [[0] * (len(b) + 1)]
    for ca in a:
        prev = table[-1]
        row = [0]
        for j, cb in enumerate(b, 1):
            row.append(prev[j - 1] + 1 if ca == cb else max(prev[j], row[j - 1]))
        table.append(row)
    return table


def _walk(a: str, b: str, table: list[list[int]], want_idx: bool, min_len: int,
          with_len: bool) -> Any:
    """The server's walk back from the table's corner (t_string.c's lcsCommand)."""
    alen = len(a)
    i, j = alen, len(b)
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
        else:
            if table[i - 1][j] > table[i][j - 1]:
                i -= 1
            else:
                j -= 1
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
        return Map(["matches", matches, "len", table[alen][len(b)]])
    return "".join(reversed(out))
