"""Integer and float parsing and formatting, byte for byte as Redis does it.

(First version: the interfaces are fixed, the details are refined by tests
against real servers.)
"""

from __future__ import annotations

import re

NOT_INT = "ERR value is not an integer or out of range"
NOT_FLOAT = "ERR value is not a valid float"

_INT_RE = re.compile(r"-?[1-9][0-9]*|0")
_FLOAT_RE = re.compile(
    r"[+-]?(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|inf(?:inity)?)",
    re.IGNORECASE,
)
INT64_MIN = -(1 << 63)
INT64_MAX = (1 << 63) - 1


def parse_int(text: str, error: str = NOT_INT) -> int | None:
    """Redis's string2ll: a 64-bit integer with no sign '+', spaces or leading zeros.

    Returns ``None`` when the text is not one (callers raise their own error text).
    """
    if len(text) > 20 or not _INT_RE.fullmatch(text):
        return None
    val = int(text)
    if val < INT64_MIN or val > INT64_MAX:
        return None
    return val


def parse_double(text: str) -> float | None:
    """Redis's strtod-based double parsing (``inf`` allowed, NaN and spaces not)."""
    if not _FLOAT_RE.fullmatch(text):
        return None
    return float(text)


def format_double(value: float) -> str:
    """A double as Redis 7.2+ / Valkey reply with it (shortest round-trip digits)."""
    if value != value:
        return "nan"
    if value in (float("inf"), float("-inf")):
        return "inf" if value > 0 else "-inf"
    if value == int(value) and abs(value) < 1e17:
        return str(int(value))
    return repr(value)
