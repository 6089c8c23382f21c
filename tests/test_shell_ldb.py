"""``redipy-shell --ldb --eval script.lua keys , args``: a real terminal session stepping a
multi-line script on memory, the same transcript as redis-cli --ldb for a server's data
(which stays untouched), ``--eval`` alone, and the flags' errors."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pexpect
import redis as redis_py

from tests.servers import Server
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


def test_pty_session_steps_a_script(tmp_path: Path) -> None:
    path = tmp_path / "sum.lua"
    path.write_text(SCRIPT)
    child = spawn(["--ldb", "--eval", str(path), "nums", "out", ",", "10"], tmp_path)

    def step(keys: str, *expect: str) -> None:
        child.send(keys)
        for pattern in expect:
            child.expect_exact(pattern)
        child.expect_exact("lua debugger> ")

    child.expect_exact("Lua debugging session started, please use:")
    child.expect_exact("* Stopped at 1, stop reason = step over")
    child.expect_exact("-> 1   local total = 0")
    child.expect_exact("lua debugger> ")
    step("s\r", "* Stopped at 2, stop reason = step over")
    step("s\r", "<redis> LRANGE nums 0 -1", "<reply> []", "* Stopped at 5")
    step("restart\r", "Lua debugging session started", "* Stopped at 1")
    step("r RPUSH nums 3 4\r", "<redis> RPUSH nums 3 4", "<reply> 2")
    step("b 3\r", "  #3     total = total + tonumber(item)")
    step("c\r", "* Stopped at 3, stop reason = break point")
    step("c\r", "->#3     total = total + tonumber(item)")
    step("p\r", "<value> total = 3", '<value> item = "4"')
    step("b 0\r", "All breakpoints removed.")
    step("s\r", "* Stopped at 2")
    step("n\r", "* Stopped at 5")
    step("s\r", "<redis> SET out 70", '<reply> "+OK"', "* Stopped at 6")
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


def test_server_transcript_equals_redis_cli(servers: dict[str, Server],
                                            tmp_path: Path) -> None:
    """Against Redis 7.0 itself: what the shell prints for a piped session is what
    redis-cli --ldb prints, and neither leaves a change on the server."""
    server = servers["redis"]
    raw = redis_py.Redis(port=server.port, decode_responses=True)
    raw.flushall()
    raw.rpush("nums", "1", "2", "3")
    path = tmp_path / "sum.lua"
    path.write_text(SCRIPT)
    words = ["--eval", str(path), "nums", "out", ",", "2"]
    typed = ["s", "s", "p", "l 3 1", "b 5", "c", "p", "t", "r GET out", "s", "s", "c"]
    ours = cli_session([SHELL, "-p", str(server.port), "--ldb", *words], typed)
    theirs = cli_session(["redis-cli", "-p", str(server.port), "--ldb", *words], typed)
    assert ours == theirs
    assert "<value> total = 6" in ours and '3) (integer) 13' in ours
    assert raw.lrange("nums", 0, -1) == ["1", "2", "3"] and raw.exists("out") == 0
    # --eval alone runs the script for real, as redis-cli's does
    once = subprocess.run([SHELL, "-p", str(server.port), *words], capture_output=True,
                          text=True, timeout=30, check=True).stdout
    assert raw.get("out") == "13"
    raw.delete("out")
    assert once == subprocess.run(["redis-cli", "-p", str(server.port), *words],
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
