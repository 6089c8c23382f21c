"""``:debug`` in the shell: an ldb-style stepping loop over a loaded script, on the
memory backend and a real server, never changing the data."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from redipy.repl.session import Session
from redipy.repl.shell import Shell

from tests.test_shell_meta import SCRIPTS

CALL = ":debug filter_list inp=mylist left=small right=big cmp=3"



@pytest.fixture
def script_file(tmp_path: Path) -> Path:
    path = tmp_path / "scripts.py"
    path.write_text(SCRIPTS)
    return path


def debug(session: Session, script_file: Path, typed: list[str], *commands: str) -> str:
    """Run shell ``commands``; the debugger reads its commands from ``typed``."""
    out = io.StringIO()
    shell = Shell(session, out=out)
    prompts: list[str] = []

    def read(prompt: str) -> str:
        prompts.append(prompt)
        if not typed:
            raise EOFError
        return typed.pop(0)

    shell.debug_input = read  # type: ignore[attr-defined]
    for command in (f":load {script_file}", "RPUSH mylist 1 3 2 4", *commands):
        shell.run_text(command)
    assert set(prompts) <= {"(debug) "}
    return out.getvalue()


def test_step_print_break_continue(session: Session, script_file: Path) -> None:
    out = debug(session, script_file, ["s", "p", "b 17", "c", "p cur", "r LLEN mylist",
                                      "l 17 0", "c", "c", "c"], CALL, "LRANGE mylist 0 -1",
                "EXISTS small big")
    lines = out.splitlines()
    start = lines.index(next(x for x in lines if x.startswith("Debugging script filter_list")))
    assert lines[start + 1] == "* Stopped at 14 (scripts.py:9), stop reason = step over"
    # the current line with the lines around it
    assert lines[start + 2:start + 5] == [
        "   13  local _", '-> 14  var_0 = (redis.call("LPOP", key_0) or nil)',
        "   15  while (var_0 ~= nil) do"]
    assert "<redis> LPOP mylist" in lines and '<reply> "1"' in lines
    assert '<value> cur = "1"' in lines and '<value> cmp = 3' in lines
    assert '<value> inp = "mylist"' in lines
    assert "* Stopped at 17 (scripts.py:12), stop reason = break point" in lines
    assert "<reply> 3" in lines  # LLEN after the first pop
    assert '->#17      redis.call("RPUSH", key_1, var_0)' in lines
    assert "<return> nil" in lines
    assert "(debugging session ended -- dataset changes rolled back)" in lines
    # the data is untouched: the list is whole, nothing was pushed
    assert lines[-5:] == ['1) "1"', '2) "3"', '3) "2"', '4) "4"', "(integer) 0"]


def test_quit_and_end_of_input_roll_back(session: Session, script_file: Path) -> None:
    out = debug(session, script_file, ["s", "s", "quit"], CALL, "LLEN mylist")
    assert out.splitlines()[-2:] == [
        "(debugging session ended -- dataset changes rolled back)", "(integer) 4"]
    out = debug(session, script_file, [], CALL)
    assert out.splitlines()[-1] == "(debugging session ended -- dataset changes rolled back)"


def test_sync_mode_and_errors(session: Session, script_file: Path) -> None:
    out = debug(session, script_file, ["c"], CALL + " --sync", "LRANGE small 0 -1")
    if session.kind == "memory":
        assert "(debugging session ended -- dataset changes applied)" in out
        assert out.splitlines()[-2:] == ['1) "1"', '2) "2"']
    else:
        assert "(error) sync=True needs a memory client" in out
    out = debug(session, script_file, [], ":debug filter_list inp=mylist")
    assert "(error) missing: left, right, cmp" in out
    out = debug(session, script_file, [], ":debug nope")
    assert "(error) no script named 'nope'" in out
