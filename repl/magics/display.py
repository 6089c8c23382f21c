"""What the magics show: objects IPython displays as text and, where it helps, HTML.

Text is always redis-cli's format (:mod:`redipy.repl.render` does it); HTML adds a
table for collections, the highlighted Lua of a script and a script's trace. Long
replies are cut at a display limit (``%config RedipyMagics.display_limit``) in both.
Nothing here imports IPython: IPython only asks these objects for their reprs.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from html import escape
from typing import Any

from redipy.repl.render import pairs_kind, quote, stream_rows, to_text

CELL_WIDTH = 48
"""Longest cell of a text table before it is cut with an ellipsis."""

_TABLE = '<table class="redipy" style="border-collapse:collapse">'
_TD = '<td style="text-align:left;vertical-align:top;padding:1px 8px">'
_TH = '<th style="text-align:left;padding:1px 8px">'
_DIM = "color:#888"


def _more(hidden: int, limit: int) -> str:
    return f"... {hidden} more (display_limit={limit})"


# ---- replies ----------------------------------------------------------------------------


def plain(value: Any) -> str:
    """A value inside a table cell: strings as they are, other replies as redis-cli shows."""
    if isinstance(value, str):
        return quote(value)[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    if isinstance(value, bytes):
        return plain(value.decode("utf-8", "surrogateescape"))
    return to_text(value)


def short(value: Any, width: int = CELL_WIDTH) -> str:
    """A compact one-line form of any value (trace locals, replies inside a trace)."""
    if isinstance(value, str):
        text = quote(value)
    elif value is None:
        text = "nil"
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, int | float):
        text = repr(value)
    elif isinstance(value, BaseException):
        text = f"(error) {value}"
    elif isinstance(value, dict):
        text = "{" + ", ".join(f"{short(k)}: {short(v)}" for k, v in value.items()) + "}"
    elif isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=str) if isinstance(value, set | frozenset) else value
        text = "[" + ", ".join(short(v) for v in items) + "]"
    else:
        text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _rows(reply: Any, argv: Sequence[str] | None) -> tuple[list[str], list[list[Any]]] | None:
    """Columns and rows of a collection reply; ``None`` for scalars and empty replies."""
    stream = stream_rows(reply, argv)
    if stream is not None:
        return stream[0], [list(r) for r in stream[1]]
    kind = pairs_kind(argv)
    if isinstance(reply, dict):
        if not reply:
            return None
        return ["field", "value"], [[k, v] for k, v in reply.items()]
    if isinstance(reply, set | frozenset):
        if not reply:
            return None
        return ["#", "member"], [[i, m] for i, m in enumerate(sorted(reply, key=str), 1)]
    if not isinstance(reply, list | tuple) or not reply:
        return None
    flat = kind is not None and not len(reply) % 2 and all(isinstance(e, str) for e in reply)
    if flat and kind == "map":
        return ["field", "value"], [[reply[i], reply[i + 1]] for i in range(0, len(reply), 2)]
    if flat and kind == "scored":
        return ["#", "member", "score"], [
            [i // 2 + 1, reply[i], reply[i + 1]] for i in range(0, len(reply), 2)]
    return ["#", "value"], [[i, v] for i, v in enumerate(reply, 1)]


def _cell_html(value: Any, column: str) -> str:
    if column == "#":
        return f'<span style="{_DIM}">{value}</span>'
    if value is None:
        return f'<i style="{_DIM}">(nil)</i>'
    if isinstance(value, str):
        return escape(plain(value))
    if isinstance(value, BaseException):
        return f'<span style="color:#c00">{escape(to_text(value))}</span>'
    if isinstance(value, list | tuple | set | frozenset | dict):
        return f'<pre style="margin:0">{escape(to_text(value))}</pre>'
    return escape(to_text(value))


def html_table(columns: Sequence[str], rows: Sequence[Sequence[Any]], *,
               caption: str = "", footer: str = "",
               cell: Any = _cell_html, marked: set[int] | frozenset[int] = frozenset()) -> str:
    """An HTML table; ``cell(value, column)`` renders each cell as HTML, rows whose
    index is in ``marked`` (failed trace steps) get a red background."""
    out = [_TABLE]
    if caption:
        out.append(f'<caption style="text-align:left;{_DIM}">{escape(caption)}</caption>')
    out.append("<thead><tr>" + "".join(f"{_TH}{escape(c)}</th>" for c in columns)
               + "</tr></thead><tbody>")
    for index, row in enumerate(rows):
        tr = '<tr style="background:#fdd">' if index in marked else "<tr>"
        out.append(tr + "".join(f"{_TD}{cell(v, c)}</td>" for v, c in zip(row, columns))
                   + "</tr>")
    if footer:
        out.append(f'<tr><td colspan="{len(columns)}" style="text-align:left;{_DIM}">'
                   f"{escape(footer)}</td></tr>")
    out.append("</tbody></table>")
    return "".join(out)


def text_table(columns: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Columns padded to their widest cell (cells longer than :data:`CELL_WIDTH` cut)."""
    cut = [[c if len(c) <= CELL_WIDTH else c[: CELL_WIDTH - 1] + "…" for c in row]
           for row in rows]
    widths = [max([len(col)] + [len(row[i]) for row in cut]) for i, col in enumerate(columns)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(columns, widths)).rstrip(),
             "  ".join("-" * w for w in widths)]
    lines += ["  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip() for row in cut]
    return "\n".join(lines)


class Reply:
    """A command's reply, shown as redis-cli shows it (and as a table if a collection).

    ``value`` is the raw reply itself; ``argv`` the command that produced it.
    """

    def __init__(self, value: Any, argv: Sequence[str] | None = None, *,
                 limit: int = 100, html: bool = True) -> None:
        self.value = value
        self.argv = list(argv) if argv is not None else None
        self.limit = max(1, limit)
        self.html = html

    def text(self) -> str:
        """redis-cli's text, cut after :attr:`limit` elements (pairs for hashes)."""
        value, limit = self.value, self.limit
        hidden = 0
        if isinstance(value, dict) and len(value) > limit:
            hidden = len(value) - limit
            value = dict(list(value.items())[:limit])
        elif isinstance(value, set | frozenset) and len(value) > limit:
            hidden = len(value) - limit
            value = set(sorted(value, key=str)[:limit])
        elif isinstance(value, list | tuple):
            step = 2 if pairs_kind(self.argv) else 1
            if len(value) > limit * step:
                hidden = (len(value) - limit * step) // step
                value = list(value[: limit * step])
        text = to_text(value)
        return f"{text}\n{_more(hidden, limit)}" if hidden else text

    def __repr__(self) -> str:
        return self.text()

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text())

    def _repr_html_(self) -> str | None:
        if not self.html:
            return None
        from redipy.repl.lualex import function_names, libraries

        libs = libraries(self.value, self.argv)
        if libs is not None:  # FUNCTION LIST WITHCODE: each library's code as Lua
            return "".join(
                f"<p><b>{escape(str(info.get('library_name')))}</b> "
                f"({escape(str(info.get('engine')))}): "
                f"{escape(', '.join(function_names(info)) or 'no functions')}</p>"
                + LuaCode(str(info["library_code"]).rstrip("\n"))._repr_html_()
                for info in libs) or None
        table = _rows(self.value, self.argv)
        if table is None:
            return None
        columns, rows = table
        hidden = max(0, len(rows) - self.limit)
        noun = {"field": "fields", "#": "members" if "member" in columns else "elements",
                "id": "entries", "stream": "entries"}[columns[0]]
        return html_table(columns, rows[: self.limit], caption=f"{len(rows)} {noun}",
                          footer=_more(hidden, self.limit) if hidden else "")


class Table:
    """Plain rows of text (``%redipy connections``) as a text table and an HTML table."""

    def __init__(self, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        self.columns = list(columns)
        self.rows = [list(r) for r in rows]

    def __repr__(self) -> str:
        return text_table(self.columns, self.rows)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        return html_table(self.columns, self.rows, cell=lambda v, _c: escape(str(v)))


# ---- Lua ----------------------------------------------------------------------------------


def highlight_lua(text: str) -> list[str]:
    """Each line of ``text`` as highlighted HTML (pygments; plain escaped text without it)."""
    try:
        pygments = importlib.import_module("pygments")
        lexers = importlib.import_module("pygments.lexers")
        formatters = importlib.import_module("pygments.formatters")
    except ImportError:
        return [escape(line) for line in text.split("\n")]
    html = pygments.highlight(text, lexers.LuaLexer(stripnl=False, ensurenl=False),
                              formatters.HtmlFormatter(nowrap=True, noclasses=True))
    lines = str(html).split("\n")
    want = text.count("\n") + 1
    return (lines + [""] * want)[:want]


class LuaCode:
    """A script's generated Lua: line numbers, highlighting, and the Python line behind each."""

    def __init__(self, text: str, origins: dict[int, str] | None = None, *,
                 current: int | None = None) -> None:
        self.text = text
        self.origins = origins or {}
        self.current = current

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(self.text)

    def _repr_html_(self) -> str:
        plain_lines = self.text.split("\n")
        width = max(len(line) for line in plain_lines)
        digits = len(str(len(plain_lines)))
        out = ['<pre style="line-height:1.3">']
        for number, (line, html) in enumerate(zip(plain_lines, highlight_lua(self.text)), 1):
            origin = self.origins.get(number, "")
            note = (" " * (width - len(line) + 2) + f'<span style="{_DIM}">-- {escape(origin)}'
                    "</span>") if origin else ""
            row = f'<span style="{_DIM}">{number:>{digits}}</span>  {html}{note}'
            if number == self.current:
                row = f'<span style="background:#ffef9f">{row}</span>'
            out.append(row + "\n")
        out.append("</pre>")
        return "".join(out)


# ---- script traces ----------------------------------------------------------------------


TRACE_COLUMNS = ["step", "Lua line", "Python line", "locals", "Redis call", "reply"]


def _call_text(event: Any) -> str:
    command = getattr(event, "command", None)
    if not command:
        return ""
    args = getattr(event, "args", None) or ()
    return " ".join([str(command)] + [quote(a) if not a.isprintable() or " " in a or not a
                                      else a for a in map(str, args)])


def trace_row(event: Any, inputs: frozenset[str] = frozenset(),
              rename: Callable[[str], str] = str) -> list[str]:
    """One trace event as the cells of :data:`TRACE_COLUMNS` (text); the locals named
    in ``inputs`` (the script's keys and args, the same on every row) are left out."""
    lua_line = getattr(event, "lua_line", None)
    lua_text = str(getattr(event, "lua_text", "") or "").strip()
    kind = str(getattr(event, "kind", ""))
    where = f"{lua_line}: {lua_text}" if lua_line else lua_text
    local_vars = getattr(event, "locals", None) or {}
    # "(for state)" and the like: Lua's own slots, not the script's variables
    shown_locals = ", ".join(f"{k}={short(v, 24)}" for k, v in local_vars.items()
                             if k not in inputs and not k.startswith("("))
    error = getattr(event, "error", None)
    if error:
        reply = f"(error) {error}"
    elif kind == "log":  # redis.debug's line
        reply = str(getattr(event, "reply", ""))
    elif kind == "return":
        reply = f"return {short(getattr(event, 'reply', None))}"
    elif getattr(event, "command", None):
        reply = short(getattr(event, "reply", None))
    else:
        reply = ""
    return [str(getattr(event, "step", "")), where,
            rename(str(getattr(event, "origin", "") or "")), shown_locals, _call_text(event),
            rename(reply)]


class Trace:
    """A script run step by step (``%redipy step``): every event in a table.

    ``result`` is the debugger's :class:`redipy.debug.DebugResult`; ``value`` and
    ``error`` are its outcome.
    """

    def __init__(self, result: Any, lua: str = "", origins: dict[int, str] | None = None,
                 *, limit: int = 100, name: str = "",
                 inputs: dict[str, Any] | None = None,
                 rename: Callable[[str], str] = str, python: bool = True) -> None:
        self.result = result
        self.python = python
        """False for raw Lua: no "Python line" column."""
        self.columns = TRACE_COLUMNS if python else [
            c for c in TRACE_COLUMNS if c != "Python line"]
        self.events = list(getattr(result, "events", []))
        self.value = getattr(result, "value", None)
        self.error: str | None = getattr(result, "error", None)
        self.lua = lua
        self.origins = origins or {}
        self.limit = max(1, limit)
        self.name = name
        self.inputs = dict(inputs or {})
        """The keys and args of the run (shown once, in the caption)."""
        self.rename = rename
        """Turns ``file.py:NN`` origins into what the reader knows (``In[3]:NN``)."""

    def outcome(self) -> str:
        called = " ".join(f"{k}={short(v, 40)}" for k, v in self.inputs.items())
        head = " ".join(part for part in (self.name, called) if part)
        head = f"{head}: " if head else ""
        if self.error:
            # the error itself is the cell's one error line: not repeated here
            return f"{head}failed after {len(self.events)} steps"
        return f"{head}{len(self.events)} steps, returned {short(self.value, 200)}"

    def rows(self) -> list[list[str]]:
        fixed = frozenset(self.inputs)
        rows = [trace_row(e, fixed, self.rename) for e in self.events]
        return rows if self.python else [row[:2] + row[3:] for row in rows]

    def __repr__(self) -> str:
        rows = self.rows()
        hidden = max(0, len(rows) - self.limit)
        text = text_table(self.columns, rows[: self.limit])
        if hidden:
            text += "\n" + _more(hidden, self.limit)
        return f"{text}\n{self.outcome()}"

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def _repr_html_(self) -> str:
        rows = self.rows()
        hidden = max(0, len(rows) - self.limit)
        errors = {i for i, e in enumerate(self.events) if getattr(e, "error", None)}

        def cell(value: str, column: str) -> str:
            if column == "Lua line" or column == "Redis call":
                return f"<code>{escape(value)}</code>"
            return escape(value)

        return html_table(self.columns, rows[: self.limit], caption=self.outcome(),
                          footer=_more(hidden, self.limit) if hidden else "", cell=cell,
                          marked=errors)

    def event_html(self, index: int) -> str:
        """One step in full: the Lua with its line marked, then locals, call and reply."""
        event = self.events[index]
        row = trace_row(event, rename=self.rename)  # every local, inputs included
        if not self.python:
            row = row[:2] + row[3:]
        code = LuaCode(self.lua, self.origins, current=getattr(event, "lua_line", None))
        details = html_table(["", ""], [[c, v] for c, v in zip(self.columns, row)],
                             cell=lambda v, _c: escape(str(v)))
        return code._repr_html_() + details


def stepper(trace: Trace) -> Any | None:
    """An ipywidgets stepper over ``trace``; ``None`` when ipywidgets is not installed."""
    try:
        widgets = importlib.import_module("ipywidgets")
    except ImportError:
        return None
    if not trace.events:
        return None
    view = widgets.HTML()
    slider = widgets.IntSlider(value=1, min=1, max=len(trace.events), description="step")
    back = widgets.Button(description="◀", layout=widgets.Layout(width="3em"))
    forward = widgets.Button(description="▶", layout=widgets.Layout(width="3em"))

    def show(_change: Any = None) -> None:
        view.value = trace.event_html(int(slider.value) - 1)

    def move(delta: int) -> None:
        slider.value = min(len(trace.events), max(1, int(slider.value) + delta))

    slider.observe(show, names="value")
    back.on_click(lambda _b: move(-1))
    forward.on_click(lambda _b: move(1))
    show()
    return widgets.VBox([widgets.HBox([back, slider, forward]), view])
