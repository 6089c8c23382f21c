"""Help, hints and completion for every command the connected server knows: redipy's
table on memory, the server's COMMAND DOCS (cached per server version) on a server."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from redipy.repl import catalog
from redipy.repl.completer import RedisCompleter
from redipy.repl.session import Session
from redipy.repl.shell import Shell
from redipy.repl.toolbar import arg_hint, hint
from redipy.repl.wire import Target

from tests.conftest import SERVER_KINDS
from tests.servers import Server


@pytest.fixture(autouse=True)
def cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return tmp_path / "cache"


@pytest.fixture(params=SERVER_KINDS)
def wired(request: pytest.FixtureRequest, servers: dict[str, Server]) -> Iterator[Session]:
    sess = Session.over_wire(Target(port=servers[str(request.param)].port))
    yield sess
    sess.close()


def completions(session: Session, text: str) -> list[str]:
    comp = RedisCompleter(session)
    return [c.text for c in comp.get_completions(Document(text), CompleteEvent())]


def run(session: Session, line: str) -> str:
    out = io.StringIO()
    Shell(session, out=out).run_line(line)
    return out.getvalue()


def test_help_from_the_server(wired: Session) -> None:
    text = run(wired, "HELP XADD")
    assert "XADD key [NOMKSTREAM]" in text and "group: stream" in text
    assert "since: 5.0.0" in text
    group = run(wired, "help @stream")
    for name in ("XADD", "XRANGE", "XREADGROUP", "XINFO STREAM"):
        assert f"\n  {name} " in group
    geo = run(wired, "HELP GEOSEARCH")
    assert "FROMMEMBER member | FROMLONLAT longitude latitude" in geo
    assert "not a command" in run(wired, "HELP NOSUCH")
    assert wired.catalog.source.split()[0] in ("redis", "valkey")


def test_completion_and_hints_from_the_server(wired: Session) -> None:
    assert "GEOADD" in completions(wired, "GEOA")
    assert {"NOMKSTREAM", "MAXLEN", "MINID"} <= set(completions(wired, "XADD s "))
    assert "STREAM" in completions(wired, "XINFO ")
    cat = wired.catalog
    assert hint("XADD s", cat).startswith("XADD key [NOMKSTREAM]")
    assert "@stream" in hint("XADD s", cat)
    assert arg_hint("XAUTOCLAIM ", cat).startswith("key group consumer min-idle-time start")


def test_catalog_is_cached_per_server_version(servers: dict[str, Server],
                                              cache_home: Path) -> None:
    kind = SERVER_KINDS[0]
    sess = Session.over_wire(Target(port=servers[kind].port))
    sent: list[tuple[str, ...]] = []

    def call(*argv: str) -> Any:
        sent.append(argv)
        assert sess.wire is not None
        return sess.wire.call(*argv)

    first = catalog.from_server(call)
    files = list((cache_home / "redipy" / "commands").glob("*.json"))
    assert [f.stem for f in files] == [first.source.replace(" ", "-")]
    assert ("COMMAND", "DOCS") in sent
    sent.clear()
    again = catalog.from_server(call)
    assert sent == [("INFO", "server")]  # the version only: the rest from the cache
    assert again.lookup("XADD") == first.lookup("XADD")
    sess.close()


def test_memory_uses_the_table() -> None:
    sess = Session()
    assert sess.catalog is catalog.TABLE
    assert "group: string" in run(sess, "HELP SET")
    assert "not a command redipy's command table knows" in run(sess, "HELP XYZZY")
    assert "group: geo" in run(sess, "HELP GEOSEARCH")
    assert "GEOADD" in completions(sess, "GEOA")


def test_completion_follows_the_grammar() -> None:
    """Keywords come from the table's syntax line read as a grammar: after NX, SET no
    longer offers XX (they exclude each other); a value position offers no keywords."""
    sess = Session.connect("memory")
    try:
        assert {"NX", "XX", "GET", "EX"} <= set(completions(sess, "SET k v "))
        after_nx = completions(sess, "SET k v NX ")
        assert "XX" not in after_nx and "IFEQ" not in after_nx
        assert {"GET", "EX", "KEEPTTL"} <= set(after_nx)
        assert completions(sess, "SET k v EX ") == []
        assert completions(sess, "XADD s MAXLEN ") == ["=", "~"]
        assert completions(sess, "SCRIPT FLUSH ") == ["ASYNC", "SYNC"]
        assert completions(sess, "zadd z nx ") == ["GT", "LT", "CH", "INCR"]
        assert completions(sess, "zadd z nx g") == ["gt"]
    finally:
        sess.close()
