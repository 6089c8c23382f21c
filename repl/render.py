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

import math
from collections.abc import Sequence
from typing import Any

from redipy.reply import Status, Verbatim

_REPR = {ord("\\"): "\\\\", ord('"'): '\\"', ord("\n"): "\\n", ord("\r"): "\\r",
         ord("\t"): "\\t", ord("\a"): "\\a", ord("\b"): "\\b"}

MAP_COMMANDS = frozenset({"HGETALL", "CONFIG GET"})
"""Commands whose flat RESP2 reply is field, value, field, value (a RESP3 map)."""

SCORED_COMMANDS = frozenset({"ZPOPMIN", "ZPOPMAX"})

DOUBLE_COMMANDS = frozenset({"ZSCORE", "ZINCRBY", "ZMSCORE"})
"""Commands whose RESP2 bulk-string scores are doubles in RESP3."""


class Resp3Set(list):  # type: ignore[type-arg]
    """A RESP3 set reply (``~``) as the server ordered it, shown with ``~`` indices.

    (The memory backend's :class:`redipy.reply.SetReply` marker is a RESP2 array and is
    shown as one: the protocol the connection speaks decides, not the command.)"""

    __slots__ = ()


VERBATIM_COMMANDS = frozenset({
    "INFO", "LOLWUT", "CLUSTER NODES", "CLUSTER INFO", "CLIENT LIST", "CLIENT INFO",
    "LATENCY DOCTOR", "LATENCY GRAPH", "MEMORY DOCTOR", "DEBUG HTSTATS",
    "DEBUG HTSTATS-KEY", "PROXY INFO"})
"""Commands whose bulk reply redis-cli prints as it is, lines and all, in every mode."""


def shown_verbatim(argv: Sequence[str] | None) -> bool:
    """Whether redis-cli prints this command's reply raw whatever the output mode."""
    if not argv:
        return False
    name = argv[0].upper()
    if name in VERBATIM_COMMANDS:
        return True
    return len(argv) > 1 and f"{name} {argv[1].upper()}" in VERBATIM_COMMANDS


def json_string(value: str) -> str:
    """A string as redis-cli's ``--json`` writes it: quotes, backslashes and control
    characters escaped, every other byte passed through unchanged."""
    out = ['"']
    for ch in value:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif code < 0x20:
            out.append(_JSON_CTRL.get(ch) or f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


_JSON_CTRL = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


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
    if isinstance(reply, Resp3Set):
        return list(reply), "~", "(empty set)"
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
        return f"(double) {_double_text(reply)}\n"
    if isinstance(reply, Verbatim):
        return f"{reply}\n"
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


def _double_text(value: float) -> str:
    shown = getattr(value, "text", None)
    return shown if isinstance(shown, str) else fmt_double(value)


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
        return _double_text(reply)
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


#: commands whose replies are stream entries, or (XREAD/XREADGROUP) entries per stream
STREAM_COMMANDS = frozenset(("XRANGE", "XREVRANGE", "XREAD", "XREADGROUP", "XCLAIM",
                             "XAUTOCLAIM"))


def _entry(item: Any) -> bool:
    return (isinstance(item, list) and len(item) == 2 and isinstance(item[0], str)
            and "-" in item[0] and (item[1] is None or (
                isinstance(item[1], list) and all(isinstance(x, str) for x in item[1]))))


def fields_text(flat: list[str] | None) -> str:
    """An entry's fields as ``field=value`` pairs (quoted where redis-cli would)."""
    if flat is None:
        return "(deleted)"
    return "  ".join(f"{_plain(f)}={_plain(v)}" for f, v in zip(flat[0::2], flat[1::2]))


def stream_rows(reply: Any, argv: Sequence[str] | None
                ) -> tuple[list[str], list[list[str]]] | None:
    """Columns and rows of a stream reply: ``id, fields`` for entries (XRANGE, XCLAIM,
    XAUTOCLAIM's entries), ``stream, id, fields`` for XREAD/XREADGROUP; ``None`` for
    anything else."""
    if argv and argv[0].upper() not in STREAM_COMMANDS:
        return None
    if not isinstance(reply, list) or not reply:
        return None
    if argv and argv[0].upper() == "XAUTOCLAIM" and len(reply) >= 2 \
            and isinstance(reply[1], list):
        reply = reply[1]
    if all(_entry(e) for e in reply):
        return ["id", "fields"], [[e[0], fields_text(e[1])] for e in reply]
    if all(isinstance(s, list) and len(s) == 2 and isinstance(s[0], str)
           and isinstance(s[1], list) and all(_entry(e) for e in s[1]) for s in reply):
        return ["stream", "id", "fields"], [
            [_plain(s[0]), e[0], fields_text(e[1])] for s in reply for e in s[1]]
    return None


def _json(reply: Any, quoted: bool) -> str:
    """redis-cli's JSON text for a reply (strings through :func:`json_string`)."""
    if reply is None:
        return "null"
    if isinstance(reply, BaseException):
        return _json({"error": error_text(reply)}, quoted)
    if isinstance(reply, bool):
        return "true" if reply else "false"
    if isinstance(reply, int):
        return str(reply)
    if isinstance(reply, float):
        if not math.isfinite(reply):
            return _json(fmt_double(reply), quoted)
        return str(int(reply)) if reply.is_integer() and abs(reply) < 1e17 else repr(reply)
    if isinstance(reply, bytes):
        reply = reply.decode("utf-8", "surrogateescape")
    if isinstance(reply, str):
        if quoted:
            return '"' + quote(reply)[1:-1].replace("\\", "\\\\") + '"'
        return json_string(reply)
    if isinstance(reply, dict):
        return "{" + ",".join(f"{_json(k if isinstance(k, str) else to_raw(k), quoted)}:"
                              f"{_json(v, quoted)}" for k, v in reply.items()) + "}"
    return "[" + ",".join(_json(e, quoted) for e in _items(reply)[0]) + "]"


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


def to_json(reply: Any, argv: Sequence[str] | None = None, *, quoted: bool = False) -> str:
    """redis-cli's ``--json`` format (``--quoted-json`` with ``quoted``: strings as
    redis-cli quotes them, so binary data stays ASCII); maps and scored pairs shaped as
    RESP3 gives them."""
    if isinstance(reply, BaseException):
        return "error:" + _json(error_text(reply), quoted)
    return _json(_shaped(reply, argv), quoted)


# ---- rich ---------------------------------------------------------------------------


def _plain(value: Any) -> str:
    if isinstance(value, str):
        text = quote(value)[1:-1]
        return text.replace('\\"', '"').replace("\\\\", "\\")
    return to_text(value)


def to_rich(reply: Any, argv: Sequence[str] | None = None) -> Any:
    """A rich table for hashes, scored replies and stream entries (ID, fields), FUNCTION
    LIST WITHCODE's libraries with their code as highlighted Lua; ``None`` when text
    shows it best."""
    from redipy.repl.lualex import libraries

    libs = libraries(reply, argv)
    if libs is not None:
        return _libraries(libs)
    kind = pairs_kind(argv)
    rows: list[tuple[str, ...]]
    stream = stream_rows(reply, argv)
    if stream is not None:
        kind, rows = "stream", [tuple(r) for r in stream[1]]
    elif isinstance(reply, dict) and reply:
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
    if kind == "stream":
        assert stream is not None
        for name in stream[0]:
            table.add_column(name, style="cyan" if name != "fields" else None,
                             no_wrap=name != "fields")
    elif kind == "map":
        table.add_column("field", style="cyan", no_wrap=True)
        table.add_column("value")
    else:
        table.add_column("#", justify="right", style="dim")
        table.add_column("member", style="cyan")
        table.add_column("score", justify="right", style="green")
    for row in rows:
        table.add_row(*(Text(cell) for cell in row))
    return table


def _libraries(libs: list[dict[str, Any]]) -> Any:
    from redipy.repl.lualex import function_names
    from rich.console import Group
    from rich.syntax import Syntax
    from rich.text import Text

    parts: list[Any] = []
    for number, info in enumerate(libs, 1):
        head = (f"{number}) library {info.get('library_name')} ({info.get('engine')}): "
                f"{', '.join(function_names(info)) or 'no functions'}")
        parts.append(Text(head, style="bold"))
        parts.append(Syntax(str(info["library_code"]).rstrip("\n"), "lua",
                            theme="monokai", line_numbers=True))
    if not parts:
        parts.append(Text("(empty array)"))
    return Group(*parts)


def resp3_view(reply: Any) -> Any:
    """A memory reply as a RESP3 connection receives it: the markers of
    :mod:`redipy.reply` turned into the shapes the renderers show as RESP3."""
    from redipy.reply import Bool, Double, Map, Pairs, SetReply

    if isinstance(reply, Map):
        it = iter([resp3_view(x) for x in reply])
        try:
            return dict(zip(it, it))
        except TypeError:
            return list(reply)
    if isinstance(reply, SetReply):
        return Resp3Set(resp3_view(x) for x in reply)
    if isinstance(reply, Pairs):
        it = iter([resp3_view(x) for x in reply])
        return [[a, b] for a, b in zip(it, it)]
    if isinstance(reply, Double):
        try:
            return float(reply)
        except ValueError:
            return reply
    if isinstance(reply, Bool):
        return bool(reply)
    if type(reply) is list:
        return [resp3_view(x) for x in reply]
    return reply


def render(reply: Any, mode: str = "text", argv: Sequence[str] | None = None) -> str:
    """The text for ``mode`` ``"text"``, ``"raw"``, ``"json"`` or ``"quoted-json"``."""
    if mode == "raw":
        return to_raw(reply)
    if mode in ("json", "quoted-json"):
        return to_json(reply, argv, quoted=mode == "quoted-json")
    return to_text(reply)
