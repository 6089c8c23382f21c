"""``redipy-shell --ldb --eval script.lua keys , args``: a real terminal session stepping a
multi-line script on memory, the same transcript as valkey-cli --ldb on Valkey 9.1 for a
server's data
(which stays untouched), ``--eval`` alone, and the flags' errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pexpect
import redis as redis_py

from tests.servers import Server, valkey_cli_binary
from tests.test_shell_cli import SHELL, env, spawn

SCRIPT = """\
local total = 0
for i, item in ipairs(redis.call('LRANGE', KEYS[1], 0, -1)) do
  total = total + tonumber(item)
end
redis.call('SET', KEYS[2], total * tonumber(ARGV[1]))
local seen = {total = total, at = ARGV[1]}
return {total, redis.call('GET', KEYS[2]), redis.call('INCR', KEYS[2])}
"""

ANSI = re.compile(r"\x1b\[[0-9;]*m")
ADDR = re.compile(r"@0x[0-9a-f]+")


def test_colours_are_redis_clis() -> None:
    from redipy.repl.ldb import colored

    # what redis-cli --ldb writes for these lines (seen in its output)
    assert colored("* Stopped at 1, stop reason = step over") == \
        "\x1b[0;37;49m* Stopped at 1, stop reason = step over\x1b[0m"
    assert colored("-> 1   local a = 1") == "\x1b[0;33;49m-> 1   local a = 1\x1b[0m"
    assert colored("  #6   x()") == "\x1b[1;37;49m  #6   x()\x1b[0m"
    assert colored("<redis> SET k1 hello") == "\x1b[0;32;49m<redis> SET k1 hello\x1b[0m"
    assert colored("<command> set k1 v1") == "\x1b[0;32;49m<command> set k1 v1\x1b[0m"
    assert colored('<reply> "+OK"') == '\x1b[0;36;49m<reply> "+OK"\x1b[0m'
    assert colored("<value> n = 0") == "\x1b[0;35;49m<value> n = 0\x1b[0m"
    assert colored("<error> x") == "\x1b[0;31;49m<error> x\x1b[0m"


def test_pty_session_steps_a_script(tmp_path: Path) -> None:
    path = tmp_path / "sum.lua"
    path.write_text(SCRIPT)
    child = spawn(["--ldb", "--eval", str(path), "nums", "out", ",", "10"], tmp_path)

    def step(keys: str, *expect: str) -> None:
        child.send(keys)
        for pattern in expect:
            child.expect_exact(pattern)
        child.expect_exact("lua debugger>")

    child.expect_exact("Lua debugging session started, please use:")
    child.expect_exact("* Stopped at 1, stop reason = step over")
    child.expect_exact("-> 1   local total = 0")
    child.expect_exact("lua debugger>")
    step("s\r", "* Stopped at 2, stop reason = step over")
    step("s\r", "<command> LRANGE nums 0 -1", "<reply> []", "* Stopped at 5")
    step("restart\r", "Lua debugging session started", "* Stopped at 1")
    step("r RPUSH nums 3 4\r", "<command> RPUSH nums 3 4", "<reply> 2")
    step("b 3\r", "  #3     total = total + tonumber(item)")
    step("c\r", "* Stopped at 3, stop reason = break point")
    step("c\r", "->#3     total = total + tonumber(item)")
    step("p\r", "<value> total = 3", "<value> item = 4")
    step("b 0\r", "All breakpoints removed.")
    step("s\r", "* Stopped at 2")
    step("n\r", "* Stopped at 5")
    step("s\r", "<command> SET out 70", '<reply> "+OK"', "* Stopped at 6")
    step("w\r", "-> 6   local seen = {total = total, at = ARGV[1]}")
    step("c\r", "1) (integer) 7", '2) "70"', "3) (integer) 71",
         "(Lua debugging session ended -- dataset changes rolled back)")
    # after the session, commands go to the backend: nothing was kept
    step("EXISTS nums out\r", "(integer) 0")
    child.send("quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


def cli_session(argv: list[str], typed: list[str]) -> str:
    out = subprocess.run(argv, input="\n".join(typed) + "\n", capture_output=True,
                         text=True, timeout=30, check=True).stdout
    return ADDR.sub("@ADDR", ANSI.sub("", out))


def test_server_transcript_equals_valkey_cli(servers: dict[str, Server],
                                             tmp_path: Path) -> None:
    """Against Valkey 9.1 itself: what the shell prints for a piped session is what
    valkey-cli --ldb prints, and neither leaves a change on the server."""
    server = servers["valkey9"]
    cli = valkey_cli_binary()
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.flushall()
    raw.rpush("nums", "1", "2", "3")
    path = tmp_path / "sum.lua"
    path.write_text(SCRIPT)
    words = ["--eval", str(path), "nums", "out", ",", "2"]
    typed = ["s", "s", "p", "l 3 1", "b 5", "c", "p", "t", "r GET out", "s", "s", "c"]
    ours = cli_session([SHELL, "-p", str(server.port), "--ldb", *words], typed)
    theirs = cli_session([cli, "-p", str(server.port), "--ldb", *words], typed)
    assert ours == theirs
    assert "<value> total = 6" in ours and '3) (integer) 13' in ours
    assert raw.lrange("nums", 0, -1) == ["1", "2", "3"] and raw.exists("out") == 0
    # --eval alone runs the script for real, as redis-cli's does
    once = subprocess.run([SHELL, "-p", str(server.port), *words], capture_output=True,
                          text=True, timeout=30, check=True).stdout
    assert raw.get("out") == "13"
    raw.delete("out")
    assert once == subprocess.run([cli, "-p", str(server.port), *words],
                                  capture_output=True, text=True, timeout=30,
                                  check=True).stdout


def test_flags_errors(tmp_path: Path, servers: dict[str, Server]) -> None:
    path = tmp_path / "s.lua"
    path.write_text("redis.call('SET', KEYS[1], ARGV[1])\nreturn redis.call('GET', KEYS[1])")

    def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run([SHELL, *args], input=stdin, capture_output=True, text=True,
                              timeout=30, env=env(tmp_path))

    got = run("--ldb")
    assert got.returncode == 1
    assert got.stderr == "redipy-shell: --ldb and --ldb-sync-mode need --eval <file> " \
                         "(see --help)\n"
    got = run("--ldb", "--eval", str(tmp_path / "nope.lua"))
    assert got.returncode == 1 and "Can't open file" in got.stderr
    got = run("-p", str(servers["valkey"].port), "--ldb-sync-mode", "--eval", str(path), "k")
    assert got.returncode == 1 and "needs the memory backend" in got.stderr
    # sync mode on memory keeps the change: the command after the session sees it
    got = run("--ldb-sync-mode", "--eval", str(path), "k", ",", "v", stdin="c\nGET k\n")
    assert got.returncode == 0
    assert got.stdout.endswith('"v"\n\n(Lua debugging session ended)\n\n"v"\n')
    path.write_text("return (")
    got = run("--ldb", "--eval", str(path))
    assert got.returncode == 1
    assert got.stdout.startswith("(error) ERR Error compiling script (new function): "
                                 "user_script:1: unexpected symbol near '<eof>'")


# ---- Lua in the shell: highlighting, @file, FUNCTION LIST WITHCODE ------------------------


def test_eval_bodies_are_lexed_as_lua() -> None:
    from redipy.repl.lexer import lex_line

    def styled(line: str) -> list[tuple[str, str]]:
        frags = lex_line(line)
        assert "".join(text for _, text in frags) == line  # the line, covered exactly
        return [(style, text) for style, text in frags if style]

    got = styled(r'EVAL "return redis.call(\"GET\", KEYS[1]) -- why" 1 k')
    assert got == [
        ("class:rp.command", "EVAL"), ("class:rp.lua.quote", '"'),
        ("class:rp.lua.keyword", "return"), ("class:rp.lua.name", "call"),
        ("class:rp.lua.string", '\\"'), ("class:rp.lua.string", "GET"),
        ("class:rp.lua.string", '\\"'), ("class:rp.lua.number", "1"),
        ("class:rp.lua.comment", "-- why"), ("class:rp.lua.quote", '"'),
        ("class:rp.number", "1")]
    assert ("class:rp.lua.keyword", "local") in styled("eval_ro 'local x = 1' 0")
    assert ("class:rp.lua.keyword", "function") in styled(
        'FUNCTION LOAD REPLACE "#!lua name=l\\nredis.register_function(\'f\', '
        'function() return 1 end)"')
    assert ("class:rp.lua.keyword", "return") in styled('script load "return 1')  # unclosed
    assert styled('SET k "return 1"') == [("class:rp.command", "SET"),
                                         ("class:rp.string", '"return 1"')]


LIB = "#!lua name=mylib\nredis.register_function('f', function(keys, args)\n" \
      "  return 1\nend)\n"


def test_script_files_and_function_code(tmp_path: Path, servers: dict[str, Server]) -> None:
    """``SCRIPT LOAD @file``, ``EVAL @file`` and ``FUNCTION LOAD @file`` send the file's
    text (the sha is the server's own); FUNCTION LIST WITHCODE prints as redis-cli when
    piped, and its code as numbered Lua lines on a terminal."""
    script = tmp_path / "s.lua"
    script.write_text(SCRIPT)
    lib = tmp_path / "lib.lua"
    lib.write_text(LIB)
    server = servers["valkey9"]
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.flushall()
    raw.function_flush()
    raw.rpush("nums", "2")
    sha = raw.script_load(SCRIPT)
    typed = f"SCRIPT LOAD @{script}\nEVAL @{script} 2 nums out 3\nEVAL @nope.lua 0\n" \
            f"FUNCTION LOAD @{lib}\nFUNCTION LIST WITHCODE\n"
    for where in ([], ["-p", str(server.port)]):
        setup = "" if where else "RPUSH nums 2\n"  # the server has it already
        got = subprocess.run([SHELL, *where], input=setup + typed, capture_output=True,
                             text=True, timeout=30, env=env(tmp_path))
        lines = got.stdout.splitlines()[0 if where else 1:]
        assert lines[:4] == [sha, "2", "6", "7"]
        assert "Can't open file 'nope.lua': No such file or directory" in lines
        assert "mylib" in lines
        raw.function_flush()
    raw.function_load(LIB)
    words = ["-p", str(server.port), "FUNCTION", "LIST", "WITHCODE"]
    listing = subprocess.run(["redis-cli", *words], capture_output=True, text=True,
                             timeout=30).stdout
    piped = subprocess.run([SHELL, *words], capture_output=True, text=True, timeout=30,
                           env=env(tmp_path))
    assert piped.stdout == listing and "library_code" in listing
    child = spawn(["-p", str(server.port)], tmp_path)
    child.expect_exact(f"{server.port}>")
    child.send("FUNCTION LIST WITHCODE\r")
    child.expect_exact("1) library mylib (LUA): f")
    child.expect_exact("name=mylib")  # the code as lines (highlighted: codes between words)
    child.expect_exact("register_function")
    child.expect_exact("return")
    child.expect_exact(f"{server.port}>")
    child.sendcontrol("d")
    child.expect(pexpect.EOF)
    raw.function_flush()


def test_ldb_meta_command_on_the_shells_data(tmp_path: Path) -> None:
    """``:ldb FILE keys , args`` steps a script on the data the shell holds, rolls it
    back (or keeps it with --sync), and the shell goes on afterwards."""
    import io

    from redipy.repl.session import Session
    from redipy.repl.shell import Shell

    path = tmp_path / "sum.lua"
    path.write_text(SCRIPT)
    out = io.StringIO()
    shell = Shell(Session(), out=out)
    typed = ["s", "s", "p", "c", "c"]
    shell.debug_input = lambda prompt: typed.pop(0)  # type: ignore[attr-defined]
    for line in ("RPUSH nums 4 5", f":ldb {path} nums out , 3", "EXISTS out",
                 f":ldb {path} --sync nums out , 3", "GET out", f":ldb {tmp_path}/no.lua"):
        shell.run_text(line)
    lines = out.getvalue().splitlines()
    assert "<command> LRANGE nums 0 -1" in lines and '<reply> ["4","5"]' in lines
    assert "<value> total = 0" in lines
    ended = lines.index("(Lua debugging session ended -- dataset changes rolled back)")
    assert lines[ended - 4:ended - 1] == ["1) (integer) 9", '2) "27"', "3) (integer) 28"]
    assert lines[ended + 2] == "(integer) 0"
    assert "(Lua debugging session ended)" in lines and lines[-2] == '"28"'
    assert lines[-1].startswith("(error) Can't open file")


def test_ldb_steps_on_the_selected_database(tmp_path: Path) -> None:
    import io

    from redipy.repl.session import Session
    from redipy.repl.shell import Shell

    path = tmp_path / "get.lua"
    path.write_text("local v = redis.call('GET', KEYS[1])\nredis.call('SET', KEYS[1], 'new')\n"
                    "return v")
    out = io.StringIO()
    shell = Shell(Session(), out=out)
    typed = ["c", "c"]
    shell.debug_input = lambda prompt: typed.pop(0)  # type: ignore[attr-defined]
    for line in ("SET k zero", "SELECT 1", "SET k one", f":ldb {path} k",
                 f":ldb {path} --sync k", "GET k", "SELECT 0", "GET k"):
        shell.run_text(line)
    lines = out.getvalue().splitlines()
    assert [x for x in lines if x.startswith('"')] == ['"one"', '"one"', '"new"', '"zero"']


def test_lua_loads_on_first_use_only() -> None:
    """Start-up: the backend and a PING do not load lupa; the first script does."""
    import sys

    code = ("import sys; from redipy.repl.app import main; main(['PING']); "
            "print('lupa' in sys.modules); main(['EVAL', 'return 1', '0']); "
            "print('lupa' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    assert out.splitlines() == ["PONG", "False", "1", "True"]


def test_pty_line_editing_history_and_completion(tmp_path: Path) -> None:
    """On a terminal the debugger's prompt edits lines as redis-cli's linenoise does:
    up-arrow brings the session's last command back, Tab completes ldb's words, and
    a typed line can be corrected before Enter."""
    path = tmp_path / "sum.lua"
    path.write_text(SCRIPT)
    child = spawn(["--ldb", "--eval", str(path), "nums", "out", ",", "10"], tmp_path,
                  PROMPT_TOOLKIT_NO_CPR="1")
    child.expect_exact("-> 1   local total = 0")
    child.expect_exact("lua debugger>")
    child.send("s\r")
    child.expect_exact("* Stopped at 2, stop reason = step over")
    child.expect_exact("lua debugger>")
    child.send("\x1b[A\r")  # up-arrow: "s" again
    child.expect_exact("<command> LRANGE nums 0 -1")
    child.expect_exact("* Stopped at 5")
    child.expect_exact("lua debugger>")
    child.send("who\t")  # Tab: "whole"
    child.expect_exact("le")
    child.send("\r")
    child.expect_exact("-> 5   redis.call('SET', KEYS[2], total * tonumber(ARGV[1]))")
    child.expect_exact("lua debugger>")
    child.send("pxx\x7f\x7f\r")  # two backspaces: "p"
    child.expect_exact("<value> total = 0")
    child.expect_exact("lua debugger>")
    child.send("quit\r")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
