"""0.7.1's ``redipy.util``: the small text, time and pattern helpers its users import.

Only the helpers 0.7.1's README, tests or helper modules use are kept; each is written
for this package (nothing else in redipy depends on this module).
"""

from __future__ import annotations

import datetime
import json
import os
import re
import threading
import uuid
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

VT = TypeVar("VT")

_SALT_LOCK = threading.Lock()
_SALTS: dict[str, str] = {}


def is_test() -> bool:
    """Whether pytest is running a test right now (it sets ``PYTEST_CURRENT_TEST``)."""
    return os.getenv("PYTEST_CURRENT_TEST") is not None


def get_test_salt() -> str | None:
    """A key prefix unique to the running test (``None`` outside pytest), so tests that
    share a server do not see each other's keys."""
    test_id = os.getenv("PYTEST_CURRENT_TEST")
    if test_id is None:
        return None
    with _SALT_LOCK:
        return _SALTS.setdefault(test_id, f"salt:{uuid.uuid4().hex}")


def indent(text: str, amount: int = 0) -> list[str]:
    """The lines of ``text``, each prefixed with ``amount`` spaces."""
    pad = " " * amount
    return [pad + line for line in text.splitlines()]


def deindent(text: str) -> str:
    """``text`` without the indentation all its non-blank lines share; a leading empty
    line (as after an opening triple quote) is dropped, every line ends in a newline."""
    lines = text.rstrip().splitlines()
    if lines and not lines[0]:
        lines = lines[1:]
    widths = [len(line) - len(line.lstrip()) for line in lines if line.strip()]
    cut = min(widths, default=0)
    return "".join(line[cut:] + "\n" for line in lines)


def lua_fmt(text: str) -> str:
    """A deindented block with 4-space indentation turned into 2 (the Lua style)."""
    return deindent(text).replace("    ", "  ")


def code_fmt(lines: list[str]) -> str:
    """Lines joined, each right-stripped and ending in a newline."""
    return "".join(line.rstrip() + "\n" for line in lines)


def only(arr: list[VT]) -> VT:
    """The single element of ``arr`` (``ValueError`` otherwise)."""
    if len(arr) != 1:
        raise ValueError(f"array must have exactly one element: {arr}")
    return arr[0]


def now() -> datetime.datetime:
    """The current time, timezone-aware, in the local zone."""
    return datetime.datetime.now(datetime.UTC).astimezone()


def to_bool(value: bool | float | int | str) -> bool:
    """``True`` for true numbers and for "true"/"yes"/"on"-like strings."""
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("true", "yes", "on", "y", "t"):
            return True
        try:
            return float(text) != 0
        except ValueError:
            return False
    return bool(value)


def json_compact(obj: Any) -> bytes:
    """``obj`` as compact UTF-8 JSON, keys sorted."""
    return json.dumps(obj, sort_keys=True, indent=None, separators=(",", ":")).encode()


def json_read(data: bytes) -> Any:
    """The value of UTF-8 JSON ``data``."""
    return json.loads(data.decode("utf-8"))


def json_pretty(obj: Any) -> str:
    """``obj`` as indented JSON, keys sorted."""
    return json.dumps(obj, sort_keys=True, indent=2)


def retain_some(
        arr: Iterable[VT],
        count: int,
        *,
        key: Callable[[VT], Any],
        reverse: bool = False,
        keep_last: bool = True) -> tuple[list[VT], list[VT]]:
    """Keep the ``count`` largest elements of ``arr`` by ``key`` (smallest with
    ``reverse``), sorted; returns ``(kept, dropped)``. With ``keep_last`` the element
    seen last is kept as well, whatever its rank (0.7.1's cache eviction needs that)."""
    kept: list[VT] = []
    dropped: list[VT] = []
    for elem in arr:
        if keep_last:
            if len(kept) > count:
                kept.sort(key=key, reverse=reverse)
                dropped.extend(kept[:-count])
                kept = kept[-count:]
            kept.append(elem)
        else:
            kept.append(elem)
            if len(kept) >= count:
                kept.sort(key=key, reverse=reverse)
                dropped.extend(kept[:-count])
                kept = kept[-count:]
    kept.sort(key=key, reverse=reverse)
    return kept, dropped


def escape(text: str, subs: dict[str, str]) -> str:
    """Backslash-escape ``text``: ``\\`` doubles, each key of ``subs`` becomes ``\\``
    followed by its value (``{"\\n": "n"}`` writes newlines as ``\\n``)."""
    text = text.replace("\\", "\\\\")
    for char, name in subs.items():
        text = text.replace(char, "\\" + name)
    return text


def unescape(text: str, subs: dict[str, str]) -> str:
    """The inverse of :func:`escape` given the reversed mapping (``{"n": "\\n"}``)."""
    out: list[str] = []
    chars = iter(text)
    for char in chars:
        if char != "\\":
            out.append(char)
            continue
        nxt = next(chars, None)
        if nxt is None:
            break
        out.append("\\" if nxt == "\\" else subs.get(nxt, nxt))
    return "".join(out)


_PLAIN_SPECIAL = frozenset(".^$+(){}|")


def convert_pattern(pattern: str) -> tuple[str, re.Pattern[str]]:
    """A Redis glob as ``(literal prefix, anchored regex)``: the prefix is the text
    before the first wildcard (escapes resolved), for prefix scans; ``*``, ``?``,
    ``[...]`` (with ``^`` and ranges) and ``\\`` escapes as Redis reads them."""
    prefix: list[str] = []
    regex: list[str] = []
    in_prefix = True
    in_set = False
    pos = 0
    while pos < len(pattern):
        char = pattern[pos]
        pos += 1
        if char == "\\" and pos < len(pattern):
            nxt = pattern[pos]
            pos += 1
            if in_prefix and not in_set:
                prefix.append(nxt)
            regex.append("\\" + nxt if nxt in "\\*?[]^-" else re.escape(nxt))
            continue
        if in_set:
            regex.append(char)
            if char == "]":
                in_set = False
            continue
        if char in "*?[":
            in_prefix = False
            regex.append({"*": ".*", "?": "."}.get(char, char))
            in_set = char == "["
            continue
        if in_prefix:
            prefix.append(char)
        regex.append("\\" + char if char in _PLAIN_SPECIAL else char)
    return "".join(prefix), re.compile(f"^{''.join(regex)}$")


__all__ = [
    "code_fmt",
    "convert_pattern",
    "deindent",
    "escape",
    "get_test_salt",
    "indent",
    "is_test",
    "json_compact",
    "json_pretty",
    "json_read",
    "lua_fmt",
    "now",
    "only",
    "retain_some",
    "to_bool",
    "unescape",
]
