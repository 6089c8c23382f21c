"""Lua in notebooks, in a real IPython InteractiveShell: a ``%%redipy --lua`` cell runs as
EVAL (memory and a server give the same reply), ``--step`` and ``%redipy step`` show
the trace table of a multi-line script and change nothing, errors are one line."""

from __future__ import annotations

from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from redipy.repl.magics import MagicError, Reply

from redipy.errors import ScriptError
from tests.servers import Server
from tests.test_magics import cell, ip, line, on, shell  # noqa: F401 (fixtures)

BODY = """\
local total = 0
for _, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  total = total + tonumber(item)
end
redis.debug('total', total)
redis.call('SET', KEYS[2], total * tonumber(ARGV[1]))
return {total, redis.call('GET', KEYS[2])}
"""


@pytest.mark.parametrize("where", ["memory", "valkey9"])
def test_lua_cell_runs_and_steps(ip: InteractiveShell, where: str,  # noqa: F811
                                 servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    cell(ip, "RPUSH nums 1 2 3")
    reply = cell(ip, BODY, "--lua -o got nums out , 10")
    assert isinstance(reply, Reply)
    assert repr(reply) == '1) (integer) 6\n2) "60"'
    assert ip.user_ns["got"] == [6, "60"]
    cell(ip, "DEL out")
    trace = line(ip, "step")  # the last Lua cell, its keys and args
    text = repr(trace).split("\n")
    assert text[0].split() == ["step", "Lua", "line", "locals", "Redis", "call", "reply"]
    assert text[-1] == 'lua KEYS[1]="nums" KEYS[2]="out" ARGV[1]="10": 16 steps, ' \
                       'returned [6, "60"]'
    rows = trace.rows()
    assert rows[0] == ["1", "1: local total = 0", "", "", ""]
    assert rows[2][3:] == ["LRANGE nums 0 -1", '["1", "2", "3"]']
    assert rows[3][2] == "total=0, _=1, item=\"1\""  # not the loop's own "(for ...)" slots
    assert rows[10][4] == "<debug> line 5: total, 6"
    assert rows[12][3:] == ["SET out 60", '"OK"']
    assert "<table" in trace._repr_html_()
    other = line(ip, "step nums out , 2")  # new keys and args for the same cell
    assert other.value == [6, "12"]
    assert cell(ip, "EXISTS out") .value == 0  # stepping rolled everything back
    stepped = cell(ip, BODY, "--lua --step nums out , 3")
    assert stepped.value == [6, "18"] and cell(ip, "EXISTS out").value == 0


def test_lua_source_in_a_variable_and_errors(ip: InteractiveShell) -> None:  # noqa: F811
    ip.user_ns["src"] = "local k = KEYS[1]\nreturn redis.call('INCRBY', k, ARGV[1])"
    trace = line(ip, "step src n , 5")
    assert trace.value == 5 and [r[3] for r in trace.rows()] == ["", "", "INCRBY n 5", ""]
    with pytest.raises(ScriptError, match=r"^ERR user_script:2: attempt to perform "
                                          r"arithmetic on a nil value script: on "
                                          r"@user_script:2\.$"):
        cell(ip, "local x = 1\nreturn x + nil", "--lua --step")
    with pytest.raises(Exception, match="attempt to perform arithmetic"):
        cell(ip, "local x = 1\nreturn x + nil", "--lua")
    with pytest.raises(Exception, match="Error compiling script"):
        cell(ip, "return (", "--lua")


def test_step_without_a_lua_cell_says_how(ip: InteractiveShell) -> None:  # noqa: F811
    with pytest.raises(MagicError, match=r"%%redipy --lua cell"):
        line(ip, "step")


def test_script_files_and_function_code(ip: InteractiveShell,  # noqa: F811
                                        tmp_path: Path) -> None:
    import hashlib

    script = tmp_path / "sum.lua"
    script.write_text(BODY)
    lib = tmp_path / "lib.lua"
    lib.write_text("#!lua name=mylib\nredis.register_function('f', function(keys, args)\n"
                   "  return 1\nend)\n")
    sha = line(ip, f"SCRIPT LOAD @{script}")
    assert sha == hashlib.sha1(BODY.encode()).hexdigest()
    reply = cell(ip, f"FUNCTION LOAD @{lib}\nFUNCTION LIST WITHCODE")
    html = reply._repr_html_()
    assert html.startswith("<p><b>mylib</b> (LUA): f</p><pre")
    assert "register_function" in html and "<span" in html
    assert "library_code" in repr(reply)  # the text stays redis-cli's
    with pytest.raises(OSError, match="Can't open file"):
        line(ip, "EVAL @nope.lua 0")


def test_in_a_terminal_ipython(tmp_path: Path) -> None:
    """The real ``ipython`` program in a pseudo-terminal: a Lua cell typed line by line
    steps, then ``%redipy step`` steps it again with other arguments."""
    import os
    import sys

    import pexpect

    env = {**os.environ, "TERM": "dumb", "IPYTHONDIR": str(tmp_path)}
    child = pexpect.spawn(str(Path(sys.executable).parent / "ipython"),
                          ["--ext", "redipy", "--colors=NoColor", "--no-banner",
                           "--simple-prompt", "--HistoryManager.hist_file=:memory:",
                           "--no-confirm-exit"], encoding="utf-8", timeout=30,
                          dimensions=(50, 200), env=env)
    child.expect_exact("In [1]: ")
    child.sendline("%redipy RPUSH nums 1 2 3")
    child.expect_exact("In [2]: ")
    for text in ["%%redipy --lua --step nums , 2", "local t = 0",
                 "for _, v in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do",
                 "  t = t + v", "end", "return t * ARGV[1]", "", ""]:
        child.sendline(text)
    child.expect_exact("LRANGE nums 0 -1  [\"1\", \"2\", \"3\"]")
    child.expect_exact('t=3, _=3, v="3"')
    child.expect_exact('lua KEYS[1]="nums" ARGV[1]="2": 11 steps, returned 12')
    child.expect_exact("In [3]: ")
    child.sendline("%redipy step nums , 5")
    child.expect_exact('lua KEYS[1]="nums" ARGV[1]="5": 11 steps, returned 30')
    child.expect_exact("In [4]: ")
    child.sendline("exit")
    child.expect(pexpect.EOF)
