"""``%redipy profile`` and ``%redipy plot``: the keyspace and a key's data as a notebook
shows them, the way jupysql's ``%sqlcmd profile`` and ``%sqlplot`` show a table.

:class:`Profile` shows a :class:`redipy.repl.keyspace.Report` as text (the shell's
``--keystats``) and as HTML: tables with bars, and bar charts of keys and memory by
prefix and of the TTL distribution, drawn with matplotlib when it is installed (PNG)
and as HTML bars otherwise. :class:`Plot` draws a sorted set as bars and a list of
numbers or a stream's numeric fields as lines, as a PNG (matplotlib) or an SVG.
"""

from __future__ import annotations

import base64
import importlib
import io
from collections.abc import Sequence
from html import escape
from typing import Any

from redipy.repl.keyspace import TTL_BUCKETS, Report, human, prefix_label, text_report
from redipy.repl.magics.display import html_table
from redipy.repl.magics.errors import MagicError
from redipy.repl.render import quote

_BAR = ('<div style="background:#4a90d9;height:0.9em;width:{w}px;display:inline-block">'
        "</div>")
BAR_WIDTH = 160


def matplotlib_pyplot(mode: str) -> Any | None:
    """matplotlib's pyplot (Agg, no window) when ``mode`` allows and it is installed."""
    if mode == "html":
        return None
    try:
        matplotlib = importlib.import_module("matplotlib")
        matplotlib.use("Agg", force=True)
        return importlib.import_module("matplotlib.pyplot")
    except ImportError:
        if mode == "matplotlib":
            raise MagicError("plots = 'matplotlib' but matplotlib is not installed "
                             "(pip install matplotlib, or redipy[notebooks])") from None
        return None


def png_of(figure: Any, pyplot: Any) -> bytes:
    buf = io.BytesIO()
    figure.savefig(buf, format="png", bbox_inches="tight", dpi=90)
    pyplot.close(figure)
    return buf.getvalue()


def _img(png: bytes, alt: str) -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{escape(alt)}" src="data:image/png;base64,{data}"/>'


def _bars_cell(value: float, whole: float) -> str:
    width = round(BAR_WIDTH * value / whole) if whole else 0
    return _BAR.format(w=max(width, 1 if value else 0))


class Profile:
    """A keyspace profile: text, HTML tables with bars, and charts."""

    def __init__(self, report: Report, *, plots: str = "auto") -> None:
        self.report = report
        self.plots = plots

    def __repr__(self) -> str:
        return text_report(self.report)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        printer.text(repr(self))

    def summary(self) -> str:
        r = self.report
        match = f" matching {quote(r.pattern)}" if r.pattern else ""
        estimated = " (estimated)" if r.memory_estimated else ""
        return (f"Sampled {r.sampled} of {r.total} keys{match}; "
                f"memory {human(r.memory)}{estimated}")

    def charts(self) -> list[tuple[str, bytes]]:
        """``(title, PNG)`` per chart with matplotlib; empty without it."""
        pyplot = matplotlib_pyplot(self.plots)
        if pyplot is None or not self.report.sampled:
            return []
        r = self.report
        out = []
        for title, pairs in (
                ("Keys by prefix", r.by_prefix.most_common(12)),
                ("Memory by prefix (bytes)", r.memory_by_prefix.most_common(12)),
                ("TTL", [(b, r.ttl[b]) for b in TTL_BUCKETS])):
            figure, axes = pyplot.subplots(figsize=(5, 0.3 * len(pairs) + 1))
            labels = [str(k) for k, _ in pairs][::-1]
            axes.barh(labels, [v for _, v in pairs][::-1], color="#4a90d9")
            axes.set_title(title)
            out.append((title, png_of(figure, pyplot)))
        return out

    def _section(self, title: str, header: Sequence[str],
                 rows: list[tuple[str, Any, float]], whole: float, shown: Any = str) -> str:
        body = [[name, shown(value), f"{100 * value / whole:.1f}%" if whole else "",
                 _bars_cell(value, whole)] for name, value, _ in rows]
        return html_table([*header, "share", ""], body, caption=title,
                          cell=lambda v, c: v if c == "" else escape(str(v)))

    def _repr_html_(self) -> str:
        r = self.report
        n = r.sampled or 1
        parts = [f"<p><b>{escape(self.summary())}</b></p>"]
        charts = self.charts()
        if charts:
            parts.append("<div>" + "".join(_img(png, t) for t, png in charts) + "</div>")
        parts.append('<div style="display:flex;flex-wrap:wrap;gap:2em">')
        parts.append(self._section("Keys by prefix", ["prefix", "keys"], [
            (prefix_label(p), c, 0) for p, c in r.by_prefix.most_common(15)], n))
        parts.append(self._section("Keys by type", ["type", "keys"], [
            (t, c, 0) for t, c in r.by_type.most_common()], n))
        parts.append(self._section("TTL", ["expires", "keys"], [
            (b, r.ttl[b], 0) for b in TTL_BUCKETS if r.ttl[b]], n))
        parts.append(self._section("Memory by prefix", ["prefix", "bytes"], [
            (prefix_label(p), b, 0) for p, b in r.memory_by_prefix.most_common(15)],
            r.memory or 1, human))
        parts.append(html_table(["key", "type", "elements"], [
            [quote(k.key), k.type, k.elements] for k in r.biggest_elements],
            caption="Biggest keys by elements", cell=lambda v, _c: escape(str(v))))
        parts.append(html_table(["key", "type", "bytes"], [
            [quote(k.key), k.type, human(k.bytes)] for k in r.biggest_bytes],
            caption="Biggest keys by memory", cell=lambda v, _c: escape(str(v))))
        parts.append("</div>")
        return "".join(parts)


# ---- %redipy plot KEY ---------------------------------------------------------------


def _numbers(values: Sequence[Any], what: str) -> list[float]:
    out = []
    for value in values:
        try:
            out.append(float(value))
        except (TypeError, ValueError):
            raise MagicError(f"{what} holds a value that is not a number: "
                             f"{quote(str(value))}") from None
    return out


def plot_data(session_call: Any, key: str, limit: int) -> tuple[str, dict[str, Any]]:
    """``("bars", {labels, values})`` or ``("lines", {x, series})`` for ``key``."""
    kind = str(session_call("TYPE", key))
    shown = quote(key)
    if kind == "zset":
        flat = session_call("ZRANGE", key, "0", str(limit - 1), "WITHSCORES")
        labels = [str(m) for m in flat[::2]]
        return "bars", {"labels": labels, "values": _numbers(flat[1::2], f"zset {shown}")}
    if kind == "list":
        values = _numbers(session_call("LRANGE", key, "0", str(limit - 1)), f"list {shown}")
        return "lines", {"x": list(range(len(values))), "series": {key: values}}
    if kind == "stream":
        entries = session_call("XRANGE", key, "-", "+", "COUNT", str(limit))
        series: dict[str, list[float]] = {}
        x: list[float] = []
        for index, (entry_id, fields) in enumerate(entries):
            x.append(int(str(entry_id).split("-")[0]) / 1000 if entry_id else index)
            pairs = dict(zip(fields[::2], fields[1::2]))
            for name, value in pairs.items():
                try:
                    number = float(value)
                except (TypeError, ValueError):
                    continue
                series.setdefault(str(name), [float("nan")] * index).append(number)
            for values in series.values():
                values.extend([float("nan")] * (index + 1 - len(values)))
        if not series:
            raise MagicError(f"stream {shown} has no numeric fields to plot")
        return "lines", {"x": x, "series": series}
    if kind == "none":
        raise MagicError(f"no such key: {shown}")
    raise MagicError(f"plot draws a sorted set, a list of numbers or a stream; "
                     f"{shown} is a {kind}")


class Plot:
    """A key's data as a chart: PNG with matplotlib, SVG otherwise."""

    def __init__(self, key: str, shape: str, data: dict[str, Any], *,
                 plots: str = "auto") -> None:
        self.key = key
        self.shape = shape
        self.data = data
        self.plots = plots

    def __repr__(self) -> str:
        if self.shape == "bars":
            pairs = zip(self.data["labels"], self.data["values"])
            return "\n".join(f"{label}  {value:g}" for label, value in pairs)
        return "\n".join(f"{name}: {', '.join(f'{v:g}' for v in values)}"
                         for name, values in self.data["series"].items())

    def _repr_png_(self) -> bytes | None:
        pyplot = matplotlib_pyplot(self.plots)
        if pyplot is None:
            return None
        figure, axes = pyplot.subplots(figsize=(6, 3.5))
        if self.shape == "bars":
            axes.bar(self.data["labels"], self.data["values"], color="#4a90d9")
            axes.tick_params(axis="x", labelrotation=45)
        else:
            for name, values in self.data["series"].items():
                axes.plot(self.data["x"], values, label=name)
            if len(self.data["series"]) > 1:
                axes.legend()
        axes.set_title(self.key)
        return png_of(figure, pyplot)

    def _repr_html_(self) -> str | None:
        if matplotlib_pyplot(self.plots) is not None:
            return None  # the PNG shows it
        return self.svg()

    def svg(self, width: int = 480, height: int = 240) -> str:
        """The chart as inline SVG (no dependency)."""
        pad = 30
        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
               f'role="img"><title>{escape(self.key)}</title>']
        if self.shape == "bars":
            values = self.data["values"]
            top = max([*(abs(v) for v in values), 1e-9])
            step = (width - 2 * pad) / max(len(values), 1)
            for i, (label, value) in enumerate(zip(self.data["labels"], values)):
                h = (height - 2 * pad) * abs(value) / top
                x = pad + i * step
                out.append(f'<rect x="{x:.1f}" y="{height - pad - h:.1f}" '
                           f'width="{step * 0.8:.1f}" height="{h:.1f}" fill="#4a90d9">'
                           f"<title>{escape(str(label))}: {value:g}</title></rect>")
                out.append(f'<text x="{x:.1f}" y="{height - pad + 12}" font-size="10">'
                           f"{escape(str(label)[:10])}</text>")
        else:
            xs = self.data["x"]
            series = self.data["series"]
            every = [v for vals in series.values() for v in vals if v == v]
            lo, hi = min([*every, 0.0]), max([*every, 1.0])
            x0, x1 = (min(xs), max(xs)) if xs else (0, 1)
            span_x = (x1 - x0) or 1
            span_y = (hi - lo) or 1
            colors = ["#4a90d9", "#d94a4a", "#4ad97a", "#d9a84a"]
            for n, (name, values) in enumerate(series.items()):
                points = " ".join(
                    f"{pad + (width - 2 * pad) * (x - x0) / span_x:.1f},"
                    f"{height - pad - (height - 2 * pad) * (v - lo) / span_y:.1f}"
                    for x, v in zip(xs, values) if v == v)
                out.append(f'<polyline fill="none" stroke="{colors[n % len(colors)]}" '
                           f'points="{points}"><title>{escape(name)}</title></polyline>')
        out.append("</svg>")
        return "".join(out)
