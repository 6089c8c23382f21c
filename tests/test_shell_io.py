"""Bytes in and out in any locale (LC_ALL=en_US.UTF-8 and C), on memory and a server,
piped and at a terminal, and no terminal codes when stdout is not a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pexpect
import pytest
import redis as redis_py

from tests.servers import Server, start_server

SHELL = str(Path(sys.executable).parent / "redipy-shell")
LOCALES = ["en_US.UTF-8", "C"]


@pytest.fixture(scope="module")
def srv() -> Iterator[Server]:
    server = start_server("valkey")
    yield server
    server.stop()


def env(locale: str) -> dict[str, str]:
    out = {k: v for k, v in os.environ.items() if not k.startswith("LC_")}
    out.update(LC_ALL=locale, LANG=locale, REDIPY_HISTFILE="", PROMPT_TOOLKIT_NO_CPR="1")
    out.pop("PYTHONIOENCODING", None)
    out.pop("PYTHONUTF8", None)
    return out


def test_the_utf8_locale_exists() -> None:
    """.ci/run generates it; without it the UTF-8 cases below would test C twice."""
    names = subprocess.run(["locale", "-a"], capture_output=True, text=True).stdout.lower()
    assert "en_us.utf8" in names or "en_us.utf-8" in names


@pytest.mark.parametrize("locale", LOCALES)
@pytest.mark.parametrize("where", ["memory", "server"])
def test_binary_stdin_and_replies(locale: str, where: str, srv: Server) -> None:
    target = [] if where == "memory" else ["-p", str(srv.port)]
    if where == "server":
        redis_py.Redis(port=srv.port).flushall()
    script = b'SET k a\xffb\nGET k\nSET e "\\xe9\\x00"\nGET e\nSTRLEN k\nSET u caf\xc3\xa9\nGET u\n'
    raw = subprocess.run([SHELL, *target], input=script, env=env(locale),
                         capture_output=True, timeout=30)
    assert raw.returncode == 0, raw.stderr
    assert raw.stdout == b"OK\na\xffb\nOK\n\xe9\x00\n3\nOK\ncaf\xc3\xa9\n"
    text = subprocess.run([SHELL, *target, "--no-raw"], input=script, env=env(locale),
                          capture_output=True, timeout=30)
    assert text.stdout == (b'OK\n"a\\xffb"\nOK\n"\\xe9\\x00"\n(integer) 3\nOK\n'
                           b'"caf\\xc3\\xa9"\n')
    if where == "server":
        got = redis_py.Redis(port=srv.port).get("k")
        assert got == b"a\xffb"


@pytest.mark.parametrize("locale", LOCALES)
def test_binary_at_a_terminal(locale: str) -> None:
    child = pexpect.spawn(SHELL, [], env=env(locale), timeout=10, dimensions=(40, 120))
    child.expect(b"memory>")
    child.send(b'SET k "\\xff\\xfe"\r')
    child.expect(b"OK")
    child.expect(b"memory>")
    child.send(b"GET k\r")
    child.expect(rb'"\\xff\\xfe"')
    child.expect(b"memory>")
    child.send(b"ECHO caf\xc3\xa9\r")
    child.expect(rb'"caf\\xc3\\xa9"')
    child.expect(b"memory>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def test_no_terminal_codes_when_stdout_is_piped() -> None:
    import io

    seen = io.BytesIO()
    child = pexpect.spawn("/bin/sh", ["-c", f"{SHELL} | cat"], env=env("en_US.UTF-8"),
                          timeout=10, dimensions=(40, 120))
    child.logfile_read = seen
    child.expect(b"memory> ")
    child.send(b"PING\r")
    child.expect(b"PONG")
    child.send(b"LPUSH l a\r")
    child.expect(b"1\r\n")
    child.sendeof()
    child.expect(pexpect.EOF)
    child.close()
    assert b"PONG" in seen.getvalue() and b"\x1b" not in seen.getvalue()
