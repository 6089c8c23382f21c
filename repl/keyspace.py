"""Keyspace insight: a profile of the keys, sampled with SCAN (safe on a busy server).

:func:`profile` walks the keyspace (or the keys matching a pattern) with SCAN and asks
each key's TYPE, PTTL, size and memory, and gathers key counts by prefix and by type,
the TTL distribution, memory by prefix and the biggest keys by elements and by bytes.
The shell's ``--keystats`` prints it with :func:`text_report`; the magics'
``%redipy profile`` shows it as tables and plots. Memory is MEMORY USAGE on a server
and an estimate on the memory backend (which has no allocator to ask): key and element
bytes plus a fixed overhead per key and per element, from up to five sampled elements,
as MEMORY USAGE samples five by default.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from redipy.commands.types import length_command
from redipy.errors import RedipyError

TTL_BUCKETS = ("no TTL", "< 1 min", "< 1 hour", "< 1 day", "< 1 week", ">= 1 week")
_SEPARATOR = re.compile(r"[:./|]")

KEY_OVERHEAD = 56
"""Estimated bytes of a key's dictionary entry, object header and expiry slot."""
ELEMENT_OVERHEAD = 16
"""Estimated bytes of one element's node or listpack entry header."""


def prefix_of(key: str) -> str:
    """``user:42:name`` -> ``user:`` (up to the first ``:``, ``.``, ``/`` or ``|``); keys
    without a separator are counted together as ``(no prefix)``."""
    match = _SEPARATOR.search(key)
    return key[: match.end()] if match else NO_PREFIX


NO_PREFIX = "(no prefix)"


def prefix_label(prefix: str) -> str:
    """A prefix as shown: quoted as redis-cli quotes keys; the no-prefix group as is."""
    from redipy.repl.render import quote

    return prefix if prefix == NO_PREFIX else quote(prefix)


def ttl_bucket(pttl_ms: int) -> str:
    if pttl_ms < 0:
        return TTL_BUCKETS[0]
    for limit, name in ((60_000, 1), (3_600_000, 2), (86_400_000, 3), (604_800_000, 4)):
        if pttl_ms < limit:
            return TTL_BUCKETS[name]
    return TTL_BUCKETS[5]


@dataclass
class KeyInfo:
    key: str
    type: str
    elements: int
    bytes: int
    pttl: int


@dataclass
class Report:
    """What :func:`profile` found; ``total`` is DBSIZE, ``sampled`` the keys seen."""

    total: int
    sampled: int = 0
    pattern: str | None = None
    by_prefix: Counter[str] = field(default_factory=Counter)
    by_type: Counter[str] = field(default_factory=Counter)
    ttl: Counter[str] = field(default_factory=Counter)
    memory_by_prefix: Counter[str] = field(default_factory=Counter)
    biggest_elements: list[KeyInfo] = field(default_factory=list)
    biggest_bytes: list[KeyInfo] = field(default_factory=list)
    memory_estimated: bool = False

    @property
    def memory(self) -> int:
        return sum(self.memory_by_prefix.values())


def _call(session: Any, *argv: str) -> Any:
    return session.execute(list(argv))


def memory_usage(session: Any, key: str, kind: str | None = None) -> int:
    """MEMORY USAGE on a server; the estimate (see the module text) on memory."""
    if session.kind != "memory":
        try:
            return int(_call(session, "MEMORY", "USAGE", key) or 0)
        except RedipyError:
            pass  # a server without MEMORY USAGE: estimate as on memory
    return estimate_memory(session, key, kind)


def estimate_memory(session: Any, key: str, kind: str | None = None) -> int:
    kind = kind or str(_call(session, "TYPE", key))
    base = KEY_OVERHEAD + _blen(key)
    if kind == "string":
        return base + int(_call(session, "STRLEN", key))
    sample: list[Any]
    if kind == "list":
        count = int(_call(session, "LLEN", key))
        sample = list(_call(session, "LRANGE", key, "0", "4"))
    elif kind == "set":
        count = int(_call(session, "SCARD", key))
        sample = list(_call(session, "SRANDMEMBER", key, "5"))
    elif kind == "hash":
        count = int(_call(session, "HLEN", key))
        sample = list(_call(session, "HRANDFIELD", key, "5", "WITHVALUES"))
        sample = [a + b for a, b in zip(sample[::2], sample[1::2])]
    elif kind == "zset":
        count = int(_call(session, "ZCARD", key))
        pairs = list(_call(session, "ZRANGE", key, "0", "4"))
        sample = [p + "01234567" for p in pairs]  # a double per member
    else:
        return base
    if not sample:
        return base
    each = sum(_blen(x) for x in sample) / len(sample) + ELEMENT_OVERHEAD
    return base + int(each * count)


def _blen(value: Any) -> int:
    return len(str(value).encode("utf-8", "surrogateescape"))


def profile(session: Any, *, pattern: str | None = None, count: int = 100,
            top: int = 10, limit: int | None = None,
            progress: Callable[[int | None, int | None], None] | None = None) -> Report:
    """Profile the keys (matching ``pattern``), SCAN ``count`` at a time, at most
    ``limit`` keys; ``progress(done, total)`` is called after each SCAN round."""
    report = Report(total=int(_call(session, "DBSIZE")), pattern=pattern,
                    memory_estimated=session.kind == "memory")
    seen: list[KeyInfo] = []
    cursor = "0"
    while True:
        argv = ["SCAN", cursor, "COUNT", str(count)]
        if pattern:
            argv += ["MATCH", pattern]
        cursor, keys = _call(session, *argv)
        for key in keys:
            info = _inspect(session, key)
            if info is None:
                continue
            report.sampled += 1
            group = prefix_of(key)
            report.by_prefix[group] += 1
            report.by_type[info.type] += 1
            report.ttl[ttl_bucket(info.pttl)] += 1
            report.memory_by_prefix[group] += info.bytes
            seen.append(info)
            if limit is not None and report.sampled >= limit:
                cursor = "0"
                break
        if progress is not None:
            progress(report.sampled, report.total)
        if str(cursor) == "0":
            break
    report.biggest_elements = sorted(seen, key=lambda k: -k.elements)[:top]
    report.biggest_bytes = sorted(seen, key=lambda k: -k.bytes)[:top]
    return report


def _inspect(session: Any, key: str) -> KeyInfo | None:
    kind = str(_call(session, "TYPE", key))
    if kind == "none":
        return None  # expired or deleted since SCAN saw it
    command = length_command(kind)
    elements = int(_call(session, command, key)) if command else 0
    return KeyInfo(key, kind, elements, memory_usage(session, key, kind),
                   int(_call(session, "PTTL", key)))


# ---- text ---------------------------------------------------------------------------


def human(n: float) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} GB"  # pragma: no cover


def _bar(part: float, whole: float, width: int = 20) -> str:
    return "#" * round(width * part / whole) if whole else ""


def _table(title: str, header: tuple[str, ...], rows: list[tuple[str, ...]]) -> str:
    if not rows:
        return f"{title}\n  (none)\n"
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = [title, "  " + "  ".join(h.ljust(w) for h, w in zip(header, widths)).rstrip()]
    for row in rows:
        cells = [c.rjust(w) if c[:1].isdigit() else c.ljust(w) for c, w in zip(row, widths)]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines) + "\n"


def text_report(report: Report) -> str:
    """The profile as plain text tables with bars (the shell's ``--keystats``)."""
    from redipy.repl.render import quote

    n = report.sampled or 1
    out = [f"Sampled {report.sampled} of {report.total} keys"
           + (f" matching {quote(report.pattern)}" if report.pattern else "")
           + f"; memory {human(report.memory)}"
           + (" (estimated)" if report.memory_estimated else "") + "\n"]
    out.append(_table("Keys by prefix", ("prefix", "keys", "share", ""), [
        (prefix_label(p), str(c), f"{100 * c / n:.1f}%", _bar(c, n))
        for p, c in report.by_prefix.most_common(15)]))
    out.append(_table("Keys by type", ("type", "keys", "share", ""), [
        (t, str(c), f"{100 * c / n:.1f}%", _bar(c, n)) for t, c in report.by_type.most_common()]))
    out.append(_table("TTL", ("expires", "keys", "share", ""), [
        (b, str(report.ttl[b]), f"{100 * report.ttl[b] / n:.1f}%", _bar(report.ttl[b], n))
        for b in TTL_BUCKETS if report.ttl[b]]))
    mem = report.memory or 1
    out.append(_table("Memory by prefix", ("prefix", "bytes", "share", ""), [
        (prefix_label(p), human(b), f"{100 * b / mem:.1f}%", _bar(b, mem))
        for p, b in report.memory_by_prefix.most_common(15)]))
    out.append(_table("Biggest keys by elements", ("key", "type", "elements"), [
        (quote(k.key), k.type, str(k.elements)) for k in report.biggest_elements]))
    out.append(_table("Biggest keys by memory", ("key", "type", "bytes"), [
        (quote(k.key), k.type, human(k.bytes)) for k in report.biggest_bytes]))
    return "\n".join(out)


# ---- --stat -------------------------------------------------------------------------


def server_figures(session: Any) -> dict[str, int]:
    """keys, memory, clients, blocked, requests, connections: INFO on a server; on
    memory the key count, the estimated memory, and this shell as the one client."""
    if session.kind != "memory":
        info = str(_call(session, "INFO"))
        fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
        keys = sum(int(m.group(1)) for m in re.finditer(r"^db\d+:keys=(\d+)", info, re.M))
        return {"keys": keys, "memory": int(fields.get("used_memory", 0)),
                "clients": int(fields.get("connected_clients", 0)),
                "blocked": int(fields.get("blocked_clients", 0)),
                "requests": int(fields.get("total_commands_processed", 0)),
                "connections": int(fields.get("total_connections_received", 0))}
    keys = int(_call(session, "DBSIZE"))
    report = profile(session, count=1000, limit=1000)
    memory = report.memory * keys // report.sampled if report.sampled else 0
    counter = getattr(session, "requests", 0)
    return {"keys": keys, "memory": memory, "clients": 1, "blocked": 0,
            "requests": counter, "connections": 1}
