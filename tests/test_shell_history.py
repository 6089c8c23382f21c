"""The history file never holds a password (every form Redis takes one in) and is
readable by its owner only; typed through a real pseudo-terminal."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import pexpect
import pytest
from redipy.repl.history import scrub

SHELL = str(Path(sys.executable).parent / "redipy-shell")

SECRET_LINES = [
    "AUTH s3cret",
    "auth bob s3cret",
    "3 AUTH s3cret",
    '"AUTH" s3cret',
    "HELLO 3 AUTH bob s3cret",
    "hello 2 setname x auth default s3cret",
    "CONFIG SET requirepass s3cret",
    "config set maxmemory 10mb masterauth s3cret",
    "CONFIG SET masteruser bob",
    "ACL SETUSER bob on >s3cret ~* +@all",
    "acl setuser bob <s3cret",
    "ACL SETUSER bob #" + "a" * 64,
    "MIGRATE 127.0.0.1 6380 k 0 5000 AUTH s3cret",
    "MIGRATE 127.0.0.1 6380 \"\" 0 5000 COPY AUTH2 bob s3cret KEYS a b",
    "SET a 1\nAUTH s3cret",
    "AUTH \\\ns3cret",
]

KEPT_LINES = [
    "SET auth 1",
    "GET AUTH",
    "HELLO 3",
    "CONFIG SET maxmemory 10mb",
    "ACL SETUSER bob on ~* +@all",
    "MIGRATE 127.0.0.1 6380 auth 0 5000",
    "CONFIG GET requirepass",
]


@pytest.mark.parametrize("line", SECRET_LINES)
def test_secret_lines_are_left_out(line: str) -> None:
    assert scrub(line) is None


@pytest.mark.parametrize("line", KEPT_LINES)
def test_other_lines_are_kept(line: str) -> None:
    assert scrub(line) == line


def test_url_passwords_are_masked() -> None:
    assert scrub(":backend redis://bob:s3cret@10.0.0.1:6379/0") == \
        ":backend redis://bob:***@10.0.0.1:6379/0"
    assert scrub(":backend rediss://:s3cret@h:1") == ":backend rediss://:***@h:1"
    assert scrub(":migrate redis+cluster://:s3cret@h:7000 memory") == \
        ":migrate redis+cluster://:***@h:7000 memory"


def test_history_file_through_a_terminal(tmp_path: Path) -> None:
    hist = tmp_path / "history"
    hist.write_text("\n# old entry\n+PING\n")
    hist.chmod(0o644)  # as 0.7 wrote it: made private when the shell opens it
    env = {**os.environ, "REDIPY_HISTFILE": str(hist), "PROMPT_TOOLKIT_NO_CPR": "1"}
    child = pexpect.spawn(SHELL, [], env=env, encoding="utf-8", timeout=10,
                          dimensions=(40, 200))
    child.expect("memory>")
    typed = [*[line for line in SECRET_LINES if "\n" not in line], *KEPT_LINES,
             ":backend redis://:s3cret@127.0.0.1:1/0"]

    def synced(keys: str, n: int) -> None:
        """Type, then wait for a reply that only the run can print (the prompt's own
        redraw of the typed line says "memory>" too early)."""
        child.send(keys)
        child.send(f"ECHO sync{n}\r")
        child.expect(f'"sync{n}"')
        child.expect("memory>")

    for n, line in enumerate(typed):
        synced(line + "\r", n)
    # a pasted block (bracketed paste), one line of it an AUTH
    synced("\x1b[200~SET pasted 1\nAUTH s3cret\x1b[201~\r", len(typed))
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    child.close()
    text = hist.read_text()
    assert "s3cret" not in text
    assert "+SET auth 1" in text and "+CONFIG SET maxmemory 10mb" in text
    assert "redis://:***@127.0.0.1:1/0" in text
    assert "SET pasted" not in text
    assert stat.S_IMODE(hist.stat().st_mode) == 0o600


def test_new_history_file_is_private(tmp_path: Path) -> None:
    hist = tmp_path / "fresh"
    env = {**os.environ, "REDIPY_HISTFILE": str(hist), "PROMPT_TOOLKIT_NO_CPR": "1"}
    old = os.umask(0o022)
    try:
        child = pexpect.spawn(SHELL, [], env=env, encoding="utf-8", timeout=10)
        child.expect("memory>")
        child.send("PING\r")
        child.expect("PONG")
        child.expect("memory>")
        child.sendcontrol("d")
        child.expect(pexpect.EOF)
        child.close()
    finally:
        os.umask(old)
    assert stat.S_IMODE(hist.stat().st_mode) == 0o600
    assert "+PING" in hist.read_text()
