"""Meta-commands (``:name``): scripts from Python files, snapshots, migration, backend
switching, timing and help, on the memory backend and a real server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
import redis as redis_py
from redipy.repl import meta
from redipy.repl.session import Session
from redipy.repl.shell import Shell

import redipy
from tests.servers import Server
from tests.test_shell_prompt import drive, lines

SCRIPTS = '''
from redipy.script import FnContext, RedisHash, RedisList, ToNum

filter_list = FnContext()
cmp = filter_list.add_arg("cmp")
inp = RedisList(filter_list.add_key("inp"))
left = RedisList(filter_list.add_key("left"))
right = RedisList(filter_list.add_key("right"))
cur = filter_list.add_local(inp.lpop())
loop = filter_list.while_(cur.ne_(None))
b_then, b_else = loop.if_(ToNum(cur).lt_(cmp))
b_then.add(left.rpush(cur))
b_else.add(right.rpush(cur))
loop.add(cur.assign(inp.lpop()))
filter_list.set_return_value(None)

get_field = FnContext()
_h = RedisHash(get_field.add_key("hash"))
get_field.set_return_value(_h.hget(get_field.add_arg("field")))

_h2 = FnContext()
_h2.set_return_value(1)
not_a_script = 42
'''



def run(session: Session, *commands: str, color: bool = False) -> str:
    out = io.StringIO()
    shell = Shell(session, out=out, color=color)
    for command in commands:
        if not shell.run_text(command):
            break
    return out.getvalue()


@pytest.fixture
def script_file(tmp_path: Path) -> Path:
    path = tmp_path / "scripts.py"
    path.write_text(SCRIPTS)
    return path


def test_load_call_and_list(session: Session, script_file: Path) -> None:
    out = run(session, f":load {script_file}", ":scripts",
              "RPUSH mylist 1 3 2 4",
              ":call filter_list inp=mylist left=small right=big cmp=3",
              "LRANGE small 0 -1", "LRANGE big 0 -1",
              "HSET h name redipy", ":call get_field hash=h field=name",
              ":call get_field hash=h field=nope")
    assert out.splitlines() == [
        f"loaded 3 script(s) from {script_file}: filter_list, get_field, _h2",
        f"_h2   ({script_file})",
        f"filter_list inp=KEY left=KEY right=KEY cmp=ARG   ({script_file})",
        f"get_field hash=KEY field=ARG   ({script_file})",
        "(integer) 4",
        "(nil)",
        '1) "1"', '2) "2"',
        '1) "3"', '2) "4"',
        "(integer) 1",
        '"redipy"',
        "(nil)",
    ]


def test_call_checks_names(session: Session, script_file: Path) -> None:
    out = run(session, f":load {script_file}",
              ":call filter_list inp=x",
              ":call filter_list inp=x left=a right=b cmp=1 bogus=2",
              ":call filter_list inp",
              ":call nope",
              ":call",
              ":debug filter_list inp=x left=a right=b cmp=1")
    assert out.splitlines()[1:] == [
        "(error) missing: left, right, cmp",
        "(error) 'bogus' is neither a key nor an argument of this script "
        "(keys: inp, left, right; args: cmp)",
        "(error) expected name=value, got 'inp'",
        "(error) no script named 'nope' (_h2, filter_list, get_field)",
        "(error) usage: :call NAME key=... arg=...",
        "Debugging script filter_list; type help for the commands, quit to end.",
        "* Stopped at 14 (scripts.py:9), stop reason = step over",
        "   13  local _",
        '-> 14  var_0 = (redis.call("LPOP", key_0) or nil)',
        "   15  while (var_0 ~= nil) do",
        "(debugging session ended -- dataset changes rolled back)",
    ]


def test_scripts_follow_a_backend_switch(script_file: Path, servers: dict[str, Server]) -> None:
    srv = servers["valkey"]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    session = Session()
    out = run(session, f":load {script_file}", "HSET h f mem",
              ":call get_field hash=h field=f",
              f":backend {srv.url}", "HSET h f srv", ":call get_field hash=h field=f",
              ":backend memory", ":call get_field hash=h field=f", ":backend")
    assert out.splitlines()[1:] == [
        "(integer) 1", '"mem"', f"now on 127.0.0.1:{srv.port}", "(integer) 1", '"srv"',
        "now on memory", '"mem"', "backend: memory (memory)",
    ]
    assert raw.hget("h", "f") == "srv"
    raw.close()
    session.close()


def test_lua_is_shown(session: Session, script_file: Path) -> None:
    out = run(session, f":load {script_file}", ":lua get_field")
    assert 'redis.call("HGET"' in out and "KEYS[1]" in out
    colored = run(session, f":load {script_file}", ":lua get_field", color=True)
    assert "\x1b[" in colored and "HGET" in colored


def test_load_errors_are_one_line(session: Session, tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("x = 1\nraise ValueError('nope')\n")
    syntax = tmp_path / "syntax.py"
    syntax.write_text("def broken(:\n")
    out = run(session, f":load {bad}", f":load {syntax}", f":load {tmp_path}/missing.py",
              ":load", f":load {tmp_path / 'empty.py'}")
    got = out.splitlines()
    assert got[0] == f"(error) {bad} (line 2): ValueError: nope"
    assert got[1].startswith(f"(error) {syntax}") and "SyntaxError" in got[1]
    assert got[2].startswith(f"(error) cannot read {tmp_path}/missing.py")
    assert got[3] == "(error) usage: :load FILE.py"
    assert len(got) == 5
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    assert run(session, f":load {empty}") == f"loaded 0 script(s) from {empty}\n"


def test_dump_restore_and_migrate(session: Session, tmp_path: Path,
                                  servers: dict[str, Server]) -> None:
    snap = tmp_path / "snap.jsonl"
    out = run(session, "RPUSH l a b", "HSET h f v", f":dump {snap}")
    assert out.splitlines()[-1].startswith("dump ok: copied 2 keys")
    assert snap.exists()
    out = run(session, f":restore {snap}")
    assert out.startswith("load FAILED") and "conflicts" in out
    out = run(session, "DEL l h", f":restore {snap}", "LRANGE l 0 -1")
    assert out.splitlines()[1:] == [out.splitlines()[1], '1) "a"', '2) "b"']
    assert out.splitlines()[1].startswith("load ok: copied 2 keys")
    out = run(session, f":restore {snap} replace", f":restore {snap} bogus")
    assert out.startswith("load ok")
    assert out.splitlines()[1] == "(error) on conflict: fail | replace | skip, not 'bogus'"
    target = servers["redis"]
    raw = redis_py.Redis(port=target.port, decode_responses=True)
    raw.flushall()
    out = run(session, f":migrate {target.url}")
    assert out.startswith("migrate ok: copied 2 keys")
    assert raw.lrange("l", 0, -1) == ["a", "b"] and raw.hgetall("h") == {"f": "v"}
    raw.close()


def test_migrate_into_the_shells_memory(servers: dict[str, Server]) -> None:
    srv = servers["valkey"]
    raw = redis_py.Redis(port=srv.port)
    raw.flushall()
    raw.rpush("from-server", "x")
    raw.close()
    session = Session(redipy.Redis(url=srv.url))
    out = run(session, ":migrate memory", ":backend memory", "LRANGE from-server 0 -1")
    assert out.splitlines()[0].startswith("migrate ok: copied 1 keys")
    assert out.splitlines()[1:] == ["now on memory", '1) "x"']
    session.close()


def test_help_timing_and_unknown(session: Session) -> None:
    out = run(session, ":help")
    for name in meta.META:
        assert f":{name}" in out
    assert run(session, ":help call").startswith(":call NAME key=... arg=...\n")
    assert run(session, ":help nope") == "(error) no shell command :nope\n"
    assert run(session, ":nope") == "unknown shell command :nope (type :help)\n"
    assert run(session, ":") == "type :help for the shell's commands\n"
    out = run(session, ":timing on", "RPUSH t x", ":timing off", "RPUSH t y", ":timing")
    got = out.splitlines()
    assert got[0] == "timing is on" and got[1] == "(integer) 1"
    assert got[2].startswith("(") and got[2].endswith(" ms)")
    assert got[3:] == ["timing is off", "(integer) 2", "timing is off"]
    assert run(session, ":timing maybe") == "(error) usage: :timing on|off\n"
    assert run(session, ":backend nowhere") .startswith("(error) not a backend")
    assert run(session, ":backend redis://127.0.0.1:1/0").startswith("(error) cannot reach")


def test_meta_through_the_prompt(session: Session, script_file: Path) -> None:
    out = drive(session, lines(f":load {script_file}", "HSET h f v",
                               ":call get_field hash=h field=f", ":q", "HSET h f w"))
    assert out.splitlines()[1:] == ["(integer) 1", '"v"']


def test_complete_script_names_and_inputs(session: Session, script_file: Path) -> None:
    from tests.test_shell_prompt import complete

    run(session, f":load {script_file}")
    assert complete(session, ":call ") == ["_h2", "filter_list", "get_field"]
    assert run(session, ":call _h2") == "(integer) 1\n"
    assert complete(session, ":call filter_list ") == ["inp=", "left=", "right=", "cmp="]
    assert complete(session, ":call filter_list inp=a l") == ["left="]
    assert complete(session, ":lua g") == ["get_field"]
