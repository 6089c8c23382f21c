"""Stream replies in the workbench: the shell's rich table and the magics' HTML table show
each entry's ID and its fields (text output stays redis-cli's, tested elsewhere)."""

from __future__ import annotations

import io

from redipy.repl.magics.display import Reply
from redipy.repl.render import render, stream_rows, to_rich
from rich.console import Console

import redipy

#: redis-cli's escaping of non-ASCII bytes, as the hash and zset tables show values
UNI = "name=Ada  note=h\\xc3\\xa9 llo"


def _client() -> redipy.Redis:
    r = redipy.Redis()
    x = r.execute_command
    x("XADD", "s", "1-1", "name", "Ada", "note", "hé llo")
    x("XADD", "s", "2-0", "n", "2")
    x("XADD", "t", "5-0", "k", "v")
    x("XGROUP", "CREATE", "s", "g", "0")
    return r


def _shown(table: object) -> str:
    out = io.StringIO()
    Console(file=out, width=100, color_system=None).print(table)
    return out.getvalue()


def test_entries_and_reads_become_rows() -> None:
    r = _client()
    argv = ["XRANGE", "s", "-", "+"]
    assert stream_rows(r.execute_command(*argv), argv) == (
        ["id", "fields"], [["1-1", UNI], ["2-0", "n=2"]])
    argv = ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]
    assert stream_rows(r.execute_command(*argv), argv) == (
        ["stream", "id", "fields"], [["s", "1-1", UNI], ["s", "2-0", "n=2"]])
    argv = ["XREAD", "STREAMS", "s", "t", "1-1", "0"]
    assert stream_rows(r.execute_command(*argv), argv) == (
        ["stream", "id", "fields"], [["s", "2-0", "n=2"], ["t", "5-0", "k=v"]])
    r.execute_command("XDEL", "s", "1-1")
    argv = ["XAUTOCLAIM", "s", "g", "d", "0", "0"]
    assert stream_rows(r.execute_command(*argv), argv) == (["id", "fields"], [["2-0", "n=2"]])
    # not a stream reply: left to the other renderers
    assert stream_rows(["a", "b"], ["LRANGE", "l", "0", "-1"]) is None
    assert stream_rows(r.execute_command("XLEN", "s"), ["XLEN", "s"]) is None


def test_shell_rich_table_and_text() -> None:
    r = _client()
    argv = ["XRANGE", "s", "-", "+"]
    reply = r.execute_command(*argv)
    shown = _shown(to_rich(reply, argv))
    assert "id" in shown and "fields" in shown
    assert "1-1" in shown and UNI in shown
    text = render(reply, "text", argv)
    assert text.startswith('1) 1) "1-1"\n   2) 1) "name"\n')  # redis-cli's nesting


def test_magics_html_table() -> None:
    r = _client()
    argv = ["XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">"]
    html = Reply(r.execute_command(*argv), argv)._repr_html_()
    assert html is not None
    assert "2 entries" in html and "<th" in html and ">stream</th>" in html
    assert ">1-1</td>" in html and UNI in html
    cut = Reply(r.execute_command("XRANGE", "s", "-", "+"), ["XRANGE", "s", "-", "+"],
                limit=1)._repr_html_()
    assert cut is not None and "1 more" in cut
