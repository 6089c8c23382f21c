"""Renderers: pure functions from a reply to text, a rich renderable, or JSON.

The shell, the IPython magics and the command line share these. ``to_text`` is
redis-cli's terminal format (``(integer) 1``, ``1) "a"``), ``to_raw`` its ``--raw``
format (also what it prints when stdout is not a terminal), ``to_json`` its ``--json``
format. Besides RESP2 replies (int, str, :class:`redipy.reply.Status`, None, list,
exceptions standing in place) they take the Python values scripts return: float,
bool, dict, set and tuple, shown as redis-cli shows the RESP3 equivalents.

rich is imported only by :func:`to_rich`, so plain output stays cheap.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from redipy.reply import Status

_REPR = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
         ord("\t"): "\\t", ord("\a"): "\\a", ord("\b"): "\\b"}

MAP_COMMANDS = frozenset({"HGETALL", "CONFIG GET"})
"""Commands whose flat RESP2 reply is field, value, field, value (a RESP3 map)."""

SCORED_COMMANDS = frozenset({"ZPOPMIN", "ZPOPMAX"})

DOUBLE_COMMANDS = frozenset({"ZSCORE", "ZINCRBY", "ZMSCORE"})
"""Commands whose RESP2 bulk-string scores are doubles in RESP3."""


def quote(value: str) -> str:
    """A bulk string as redis-cli prints it: quoted, bytes outside ASCII as ``\\xHH``."""
    out = ['"']
    for byte in value.encode("utf-8", "surrogateescape"):
        esc = _REPR.get(byte)
        if esc is not None:
            out.append(esc)
        elif 0x20 <= byte <= 0x7E:
            out.append(chr(byte))
        else:
            out.append(f"\\x{byte:02x}")
    out.append('"')
    return "".join(out)


def fmt_double(value: float) -> str:
    """A double the way a RESP3 server sends it."""
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    if value.is_integer() and abs(value) < 1e17:
        return str(int(value))
    return repr(value)


def error_text(err: BaseException) -> str:
    """One line for any exception: Redis's own text for error replies."""
    from redipy.errors import RedipyError

    msg = str(err.args[0]) if len(err.args) == 1 else str(err)
    if not isinstance(err, RedipyError):
        msg = f"{type(err).__name__}: {msg}" if msg else type(err).__name__
    return " ".join(msg.split("\n")) if "\n" in msg else msg


# ---- redis-cli's terminal format ----------------------------------------------------


def _items(reply: Any) -> tuple[list[Any], str, str]:
    """Elements, the index separator and the empty text of a collection reply."""
    if isinstance(reply, dict):
        flat: list[Any] = []
        for key, val in reply.items():
            flat += [key, val]
        return flat, "#", "(empty hash)"
    if isinstance(reply, set | frozenset):
        return sorted(reply, key=str), "~", "(empty set)"
    return list(reply), ")", "(empty array)"


def _tty(reply: Any, prefix: str) -> str:
    if isinstance(reply, BaseException):
        return f"(error) {error_text(reply)}\n"
    if reply is None:
        return "(nil)\n"
    if isinstance(reply, bool):
        return "(true)\n" if reply else "(false)\n"
    if isinstance(reply, int):
        return f"(integer) {reply}\n"
    if isinstance(reply, float):
        return f"(double) {fmt_double(reply)}\n"
    if isinstance(reply, Status):
        return f"{reply}\n"
    if isinstance(reply, str):
        return quote(reply) + "\n"
    if isinstance(reply, bytes):
        return quote(reply.decode("utf-8", "surrogateescape")) + "\n"
    elems, sep, empty = _items(reply)
    if not elems:
        return empty + "\n"
    idxlen = len(str(len(elems)))
    inner = prefix + " " * (idxlen + 2)
    out: list[str] = []
    is_map = sep == "#"
    i = 0
    while i < len(elems):
        human = (i // 2 if is_map else i) + 1
        out.append(f"{'' if i == 0 else prefix}{human:>{idxlen}}{sep} ")
        out.append(_tty(elems[i], inner))
        if is_map:
            i += 1
            out[-1] = out[-1][:-1] + " => "
            out.append(_tty(elems[i], inner))
        i += 1
    return "".join(out)


def to_text(reply: Any) -> str:
    """redis-cli's terminal format, without the final newline."""
    return _tty(reply, "")[:-1]


# ---- --raw ------------------------------------------------------------------------


def to_raw(reply: Any) -> str:
    """redis-cli's ``--raw`` format, without the final newline (errors keep theirs)."""
    if isinstance(reply, BaseException):
        return error_text(reply) + "\n"
    if reply is None:
        return ""
    if isinstance(reply, bool):
        return "(true)" if reply else "(false)"
    if isinstance(reply, int):
        return str(reply)
    if isinstance(reply, float):
        return fmt_double(reply)
    if isinstance(reply, str):
        return str(reply)
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "surrogateescape")
    if isinstance(reply, dict):
        return "\n".join(f"{to_raw(k)} {to_raw(v)}" for k, v in reply.items())
    elems, _sep, _empty = _items(reply)
    return "\n".join(to_raw(e) for e in elems)


# ---- --json -------------------------------------------------------------------------


def pairs_kind(argv: Sequence[str] | None) -> str | None:
    """``"map"`` or ``"scored"`` when a command's flat reply is really pairs."""
    if not argv:
        return None
    upper = [a.upper() for a in argv]
    name = upper.pop(0)
    if name == "CONFIG" and upper:
        name = f"CONFIG {upper[0]}"
    if name in MAP_COMMANDS or (name == "HRANDFIELD" and "WITHVALUES" in upper):
        return "map"
    if name.startswith("Z") and "WITHSCORES" in upper:
        return "scored"
    if name in SCORED_COMMANDS and len(argv) > 2:
        return "scored"
    return None


def _jsonable(reply: Any) -> Any:
    if isinstance(reply, BaseException):
        return {"error": error_text(reply)}
    if isinstance(reply, float):
        if not math.isfinite(reply):
            return fmt_double(reply)
        return int(reply) if reply.is_integer() and abs(reply) < 1e17 else reply
    if isinstance(reply, str):
        # undecodable bytes travel as surrogates; JSON text cannot hold them
        return reply.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    if isinstance(reply, bytes):
        return reply.decode("utf-8", "replace")
    if isinstance(reply, dict):
        return {str(_jsonable(k)): _jsonable(v) for k, v in reply.items()}
    if isinstance(reply, list | tuple | set | frozenset):
        return [_jsonable(e) for e in _items(reply)[0]]
    return reply


def _double(value: Any) -> Any:
    try:
        return float(value) if isinstance(value, str) else value
    except ValueError:
        return value


def _shaped(reply: Any, argv: Sequence[str] | None) -> Any:
    if argv and argv[0].upper() in DOUBLE_COMMANDS:
        return [_double(v) for v in reply] if isinstance(reply, list) else _double(reply)
    kind = pairs_kind(argv)
    if kind is None or not isinstance(reply, list) or len(reply) % 2:
        return reply
    it = iter(reply)
    if kind == "map":
        return dict(zip(it, it))
    try:
        return [[member, float(score)] for member, score in zip(it, it)]
    except (TypeError, ValueError):
        return reply


def to_json(reply: Any, argv: Sequence[str] | None = None) -> str:
    """redis-cli's ``--json`` format (maps and scored pairs shaped as RESP3 gives them)."""
    if isinstance(reply, BaseException):
        return "error:" + json.dumps(error_text(reply), ensure_ascii=False)
    data = _jsonable(_shaped(reply, argv))
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


# ---- rich ---------------------------------------------------------------------------


def _plain(value: Any) -> str:
    if isinstance(value, str):
        text = quote(value)[1:-1]
        return text.replace('\\"', '"').replace("\\\\", "\\")
    return to_text(value)


def to_rich(reply: Any, argv: Sequence[str] | None = None) -> Any:
    """A rich table for hashes and scored replies; ``None`` when text shows it best."""
    kind = pairs_kind(argv)
    rows: list[tuple[str, ...]]
    if isinstance(reply, dict) and reply:
        kind, rows = "map", [(_plain(k), _plain(v)) for k, v in reply.items()]
    elif kind and isinstance(reply, list) and reply and not len(reply) % 2 \
            and all(isinstance(e, str) for e in reply):
        it = iter(reply)
        if kind == "map":
            rows = [(k, v) for k, v in zip(it, it)]
            rows = [(_plain(k), _plain(v)) for k, v in rows]
        else:
            rows = [(str(i), _plain(m), s) for i, (m, s) in enumerate(zip(it, it), 1)]
    else:
        return None
    from rich import box
    from rich.table import Table
    from rich.text import Text

    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False)
    if kind == "map":
        table.add_column("field", style="cyan", no_wrap=True)
        table.add_column("value")
    else:
        table.add_column("#", justify="right", style="dim")
        table.add_column("member", style="cyan")
        table.add_column("score", justify="right", style="green")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def render(reply: Any, mode: str = "text", argv: Sequence[str] | None = None) -> str:
    """The text for ``mode`` ``"text"``, ``"raw"`` or ``"json"``."""
    if mode == "raw":
        return to_raw(reply)
    if mode == "json":
        return to_json(reply, argv)
    return to_text(reply)
