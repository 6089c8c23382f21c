"""The IPython magics, driven through a real InteractiveShell on memory and real servers."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis as redis_py
from IPython.core.interactiveshell import InteractiveShell
from redipy.repl.magics import MagicError, RedipyMagics, Reply
from traitlets.config import Config

import redipy
from redipy.errors import ResponseError, WrongTypeError
from redipy.script import FnContext, RedisList, ToNum, lua_line_map, to_lua
from tests.conftest import SERVER_KINDS
from tests.servers import Server


@pytest.fixture(scope="module")
def shell() -> InteractiveShell:
    cfg = Config()
    cfg.HistoryManager.hist_file = ":memory:"
    return InteractiveShell.instance(config=cfg)


@pytest.fixture
def ip(shell: InteractiveShell) -> Iterator[InteractiveShell]:
    """The shell with the extension freshly loaded and an empty namespace."""
    shell.reset(new_session=False)
    shell.run_line_magic("load_ext", "redipy")
    yield shell
    shell.run_line_magic("unload_ext", "redipy")
    shell.config.pop("RedipyMagics", None)  # %config settings outlive a reload: drop them


def magics(ip: InteractiveShell) -> RedipyMagics:
    found = ip.magics_manager.registry["RedipyMagics"]
    assert isinstance(found, RedipyMagics)
    return found


def cell(ip: InteractiveShell, body: str, line: str = "") -> Any:
    return ip.run_cell_magic("redipy", line, body)


def line(ip: InteractiveShell, text: str) -> Any:
    return ip.run_line_magic("redipy", text)


def flushed(server: Server) -> str:
    raw = redis_py.Redis(port=server.port)
    raw.flushall()
    raw.close()
    return server.url


def on(ip: InteractiveShell, where: str, servers: dict[str, Server]) -> None:
    """Make ``where`` ("memory" or a server kind) the current connection, empty."""
    if where != "memory":
        ip.user_ns["url"] = flushed(servers[where])
        line(ip, f"connect $url --as {where}")


def filter_script() -> FnContext:
    """redipy 0.7.1's README script: split a list around a threshold."""
    ctx = FnContext()
    cmp = ctx.add_arg("cmp")
    inp = RedisList(ctx.add_key("inp"))
    left = RedisList(ctx.add_key("left"))
    right = RedisList(ctx.add_key("right"))
    cur = ctx.add_local(inp.lpop())
    loop = ctx.while_(cur.ne_(None))
    b_then, b_else = loop.if_(ToNum(cur).lt_(cmp))
    b_then.add(left.rpush(cur))
    b_else.add(right.rpush(cur))
    loop.add(cur.assign(inp.lpop()))
    ctx.set_return_value(right.lrange(0, -1))
    return ctx


WHERE = ["memory", *SERVER_KINDS]


# ---- loading ----------------------------------------------------------------------------


def test_import_redipy_does_not_import_ipython() -> None:
    code = ("import sys, redipy; assert callable(redipy.load_ipython_extension); "
            "print(json.dumps(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('IPython', 'traitlets', 'pygments') "
            "or m.startswith('redipy.repl.magics'))))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], check=True,
                         capture_output=True, text=True, timeout=60).stdout
    assert json.loads(out) == []


def test_load_is_quiet_and_lazy(shell: InteractiveShell,
                                capsys: pytest.CaptureFixture[str]) -> None:
    shell.run_line_magic("load_ext", "redipy")
    try:
        assert capsys.readouterr() == ("", "")
        found = magics(shell)
        assert found.connections._conns == {}  # no backend built, no connection opened
        assert "redipy" in shell.magics_manager.magics["line"]
        assert "redipy" in shell.magics_manager.magics["cell"]
    finally:
        shell.run_line_magic("unload_ext", "redipy")
    assert "redipy" not in shell.magics_manager.magics["cell"]
    assert "RedipyMagics" not in shell.magics_manager.registry


# ---- cells ------------------------------------------------------------------------------


@pytest.mark.parametrize("where", WHERE)
def test_cell_runs_commands_and_keeps_replies(ip: InteractiveShell, where: str,
                                              servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    reply = cell(ip, "SET user:{42} hello\n# a comment\n\nAPPEND user:{42} ' world'\n"
                     "RPUSH list \\\n  a b c\n3 INCR counter\nGET user:{42}", "-o out")
    assert isinstance(reply, Reply)
    assert reply.value == "hello world"
    assert repr(reply) == '"hello world"'
    assert reply._repr_html_() is None  # scalars are text only
    assert ip.user_ns["out"] == ["OK", 11, 3, 1, 2, 3, "hello world"]
    assert repr(cell(ip, "LRANGE list 0 -1")) == '1) "a"\n2) "b"\n3) "c"'
    assert repr(cell(ip, "EXISTS nothing")) == "(integer) 0"
    assert repr(cell(ip, "GET nothing")) == "(nil)"
    assert repr(cell(ip, "LRANGE nothing 0 -1")) == "(empty array)"
    assert cell(ip, "# only comments\n\n") is None


@pytest.mark.parametrize("where", WHERE)
def test_transactions_across_cells(ip: InteractiveShell, where: str,
                                   servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    assert repr(cell(ip, "MULTI\nSET a 1")) == "QUEUED"
    assert repr(cell(ip, "INCR a")) == "QUEUED"
    assert cell(ip, "EXEC").value == ["OK", 2]
    assert cell(ip, "GET a").value == "2"


@pytest.mark.parametrize("where", WHERE)
def test_python_values_are_whole_arguments(ip: InteractiveShell, where: str,
                                           servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    ip.user_ns.update(name="two words {x} $y", uid=42, ratio=0.5, raw=b"caf\xc3\xa9\x00",
                      fruits=["apple", "kiwi"], profile={"name": "Ada", "age": 36})
    cell(ip, "SET k $name\nSET n $uid\nSET f $ratio\nSET b $raw\nRPUSH l $*fruits\n"
             "HSET h $*profile\nSET '$name' quoted\nSET user:$name partial")
    assert cell(ip, "MGET k n f b").value == ["two words {x} $y", "42", "0.5", "café\x00"]
    assert cell(ip, "LRANGE l 0 -1").value == ["apple", "kiwi"]
    assert cell(ip, "HGETALL h").value == ["name", "Ada", "age", "36"]
    # quoted, or part of a word: literal text, never a template
    assert cell(ip, "MGET '$name' user:$name").value == ["quoted", "partial"]
    with pytest.raises(MagicError, match=r"\$fruits is a list: use \$\*fruits"):
        cell(ip, "RPUSH l $fruits")
    with pytest.raises(MagicError, match="no variable named 'missing'"):
        cell(ip, "GET $missing")
    ip.user_ns["flag"] = True
    with pytest.raises(MagicError, match="is a bool"):
        cell(ip, "SET k $flag")


def test_ipython_expansion_is_off(ip: InteractiveShell,
                                  capsys: pytest.CaptureFixture[str]) -> None:
    ip.user_ns.update(x="EXPANDED", y="EXPANDED")
    # through run_cell, the path a notebook takes (input transformers and all)
    result = ip.run_cell("%%redipy -o replies\nSET user:{x} $y\nGET user:{x}\nKEYS *\n")
    assert result.success
    assert ip.user_ns["replies"] == ["OK", "EXPANDED", ["user:{x}"]]
    result = ip.run_cell("%redipy use {x}")
    assert not result.success
    assert "no connection named '{x}'" in capsys.readouterr().out


def test_html_tables_for_collections(ip: InteractiveShell) -> None:
    cell(ip, "HSET user:{42} name Ada lang '<b>&'\nZADD board 1 a 2.5 b\nSADD s x y\n"
             "RPUSH l a b c")
    html = cell(ip, "HGETALL user:{42}")._repr_html_()
    assert ">field<" in html and ">value<" in html and "2 fields" in html
    assert "&lt;b&gt;&amp;" in html and "<b>&" not in html
    html = cell(ip, "ZRANGE board 0 -1 WITHSCORES")._repr_html_()
    assert ">score<" in html and ">2.5<" in html and "2 members" in html
    html = cell(ip, "SMEMBERS s")._repr_html_()
    assert "2 elements" in html and ">x<" in html
    html = cell(ip, "SCAN 0")._repr_html_()
    assert "<pre" in html  # nested replies keep redis-cli's text inside the cell
    ip.run_line_magic("config", "RedipyMagics.html = False")
    assert cell(ip, "LRANGE l 0 -1")._repr_html_() is None


def test_display_limit_through_config(ip: InteractiveShell) -> None:
    ip.user_ns["items"] = list(range(10))
    cell(ip, "RPUSH l $*items\nHSET h a 1 b 2 c 3 d 4")
    ip.run_line_magic("config", "RedipyMagics.display_limit = 3")
    assert magics(ip).display_limit == 3
    reply = cell(ip, "LRANGE l 0 -1")
    assert reply.value == [str(i) for i in range(10)]  # the value is never cut
    assert repr(reply) == '1) "0"\n2) "1"\n3) "2"\n... 7 more (display_limit=3)'
    assert reply._repr_html_().count("<tr") == 1 + 3 + 1  # head, 3 rows, "7 more"
    assert repr(cell(ip, "HGETALL h")).endswith('6) "3"\n... 1 more (display_limit=3)')
    ip.run_line_magic("config", "RedipyMagics.display_limit = 0")  # refused (%config logs it)
    assert magics(ip).display_limit == 3


# ---- errors -----------------------------------------------------------------------------


@pytest.mark.parametrize("where", WHERE)
def test_errors_are_one_line_and_fail_the_cell(ip: InteractiveShell, where: str,
                                               servers: dict[str, Server],
                                               capsys: pytest.CaptureFixture[str]) -> None:
    on(ip, where, servers)
    capsys.readouterr()
    result = ip.run_cell("%%redipy -o out\nSET s 1\nLPUSH s x\nGET s\n")
    assert isinstance(result.error_in_exec, WrongTypeError)
    assert capsys.readouterr().out == ("(error) WRONGTYPE Operation against a key holding the "
                                       "wrong kind of value [line 3: LPUSH]\n")
    assert ip.user_ns["out"] == ["OK"]  # the replies before the failing command
    # code calling the magic gets the original error class
    with pytest.raises(WrongTypeError):
        cell(ip, "LPUSH s x")
    with pytest.raises(ResponseError, match=r"^ERR unknown command 'NOPE'"):
        cell(ip, "NOPE 1")
    for source, text in [
        ('%%redipy\nGET "open\n', "(error) line 2: Invalid argument(s)\n"),
        ("%%redipy\nGET\n", "(error) ERR wrong number of arguments for 'get' command\n"),
        ("%redipy frobnicate\n", "(error) unknown subcommand 'frobnicate' "
                                 "(%redipy help lists them)\n"),
        ("%%redipy extra\nPING\n", "(error) unexpected 'extra' after %%redipy "
                                   "(options: -o NAME, --on CONN)\n"),
    ]:
        result = ip.run_cell(source)
        assert not result.success, source
        assert capsys.readouterr().out == text


def test_errors_never_show_a_password(ip: InteractiveShell,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from tests.servers import free_port

    ip.user_ns["url"] = f"redis://default:hunter2@127.0.0.1:{free_port()}/0"
    result = ip.run_cell("%redipy connect $url")
    assert isinstance(result.error_in_exec, redipy.errors.ConnectionError)
    out = capsys.readouterr().out
    assert out.startswith("(error) cannot reach Redis at") and out.count("\n") == 1
    assert "hunter2" not in out
    result = ip.run_cell("%redipy connect nonsense")
    assert "(error) not a backend: 'nonsense'" in capsys.readouterr().out


# ---- connections --------------------------------------------------------------------------


def test_connections(ip: InteractiveShell, servers: dict[str, Server],
                     capsys: pytest.CaptureFixture[str]) -> None:
    server = servers["valkey"]
    flushed(server)
    cell(ip, "SET where memory")
    # a server without a password takes any password for the default user
    ip.user_ns["url"] = server.url.replace("redis://", "redis://default:s3cret@")
    line(ip, "connect $url --as vk")
    assert capsys.readouterr().out == \
        f"now on vk ({server.url.replace('redis://', 'redis://default:***@')})\n"
    assert cell(ip, "GET where").value is None
    cell(ip, "SET where server")
    table = line(ip, "connections")
    text, html = repr(table), table._repr_html_()
    assert "s3cret" not in text and "s3cret" not in html
    assert "default:***@" in text and "default:***@" in html
    assert [row[:3] for row in table.rows] == [["", "memory", "memory"], ["*", "vk", "redis"]]
    assert cell(ip, "GET where", "--on memory").value == "memory"
    line(ip, "use memory")
    assert cell(ip, "GET where").value == "memory"
    assert cell(ip, "GET where", "--on vk").value == "server"
    client = line(ip, "client vk")
    assert isinstance(client, redipy.Redis) and client.get("where") == "server"
    assert line(ip, "client").get("where") == "memory"
    line(ip, f"connect {server.url}")  # no --as: named host:port
    assert magics(ip).connections.current_name == f"127.0.0.1:{server.port}"
    line(ip, f"connect {server.url} --as app --prefix app:")
    cell(ip, "SET where app")
    assert cell(ip, "GET where").value == "app"  # keys get the prefix on the way out
    assert cell(ip, "MGET where app:where", "--on vk").value == ["server", "app"]
    line(ip, "connect memory --as scratch")
    assert cell(ip, "GET where").value is None
    with pytest.raises(MagicError, match="no connection named 'nope'"):
        line(ip, "use nope")
    with pytest.raises(MagicError, match="kept for the memory backend"):
        line(ip, f"connect {server.url} --as memory")


# ---- scripts ----------------------------------------------------------------------------


def test_lua_shows_generated_code(ip: InteractiveShell) -> None:
    ctx = filter_script()
    ip.user_ns["filter_list"] = ctx
    code = line(ip, "lua filter_list")
    assert repr(code) == to_lua(ctx)
    html = code._repr_html_()
    assert "<span style=" in html  # highlighted by pygments
    origin = next(iter(lua_line_map(ctx).values()))
    assert origin.startswith("test_magics.py:") and origin in html
    assert line(ip, "lua $filter_list").text == code.text
    ip.user_ns["nope"] = 3
    with pytest.raises(MagicError, match=r"nope is not a redipy\.script\.FnContext \(it is int\)"):
        line(ip, "lua nope")


def test_scripts_built_in_a_cell_name_the_cell(ip: InteractiveShell,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """``1234.py:3`` (a notebook cell's file) shows as ``In[N]:3``, as tracebacks do."""
    source = ("import redipy.script as rs\n"
              "bump = rs.FnContext('bump')\n"
              "counter = rs.RedisVar(bump.add_key('counter'))\n"
              "bump.set_return_value(counter.incrby(1))\n")
    assert ip.run_cell(source, store_history=True).success
    number = ip.execution_count - 1
    code = line(ip, "lua bump")
    assert f"In[{number}]:4" in code.origins.values()
    trace = line(ip, "step bump counter=c")
    assert trace.value == 1 and f"In[{number}]:4" in repr(trace)
    cell(ip, "SET c x")
    result = ip.run_cell("%redipy run bump counter=c")
    assert not result.success
    out = capsys.readouterr().out
    assert f"(built at In[{number}]:4)" in out and out.count("\n") == 1


def test_help_lists_every_subcommand(ip: InteractiveShell,
                                     capsys: pytest.CaptureFixture[str]) -> None:
    line(ip, "help")
    text = capsys.readouterr().out
    for sub in magics(ip)._subcommands:
        assert f"%redipy {sub}" in text
    assert line(ip, "") is None and capsys.readouterr().out == text


@pytest.mark.parametrize("where", WHERE)
def test_run_script(ip: InteractiveShell, where: str, servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    ip.user_ns.update(filter_list=filter_script(), limit=3, dest="small")
    cell(ip, "RPUSH mylist 1 3 2 4")
    reply = line(ip, "run filter_list inp=mylist left=$dest right=big cmp=$limit")
    assert reply.value == ["3", "4"]
    assert repr(reply) == '1) "3"\n2) "4"'
    assert cell(ip, "LRANGE small 0 -1").value == ["1", "2"]
    cell(ip, "RPUSH mylist 5 0")
    assert line(ip, "run filter_list inp=mylist left=small right=big cmp=4.5").value == \
        ["3", "4", "5"]
    with pytest.raises(MagicError, match="missing: cmp"):
        line(ip, "run filter_list inp=a left=b right=c")
    with pytest.raises(MagicError, match="'other' is neither a key nor an argument"):
        line(ip, "run filter_list inp=a left=b right=c cmp=1 other=2")
    cell(ip, "SET notalist x")
    with pytest.raises(ResponseError, match="WRONGTYPE"):
        line(ip, "run filter_list inp=notalist left=b right=c cmp=1")


@pytest.mark.parametrize("where", WHERE)
def test_step_shows_the_trace(ip: InteractiveShell, where: str,
                              servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    ip.user_ns["filter_list"] = filter_script()
    cell(ip, "RPUSH mylist 1 3 2 4")
    trace = line(ip, "step filter_list inp=mylist left=small right=big cmp=3")
    assert trace.value == ["3", "4"] and trace.error is None
    kinds = [e.kind for e in trace.events]
    assert kinds[-1] == "return"
    calls = [(e.command, e.args, e.reply) for e in trace.events if e.kind == "call"]
    assert calls[:2] == [("LPOP", ("mylist",), "1"), ("RPUSH", ("small", "1"), 1)]
    text = repr(trace)
    assert text.splitlines()[0].split() == ["step", "Lua", "line", "Python", "line", "locals",
                                            "Redis", "call", "reply"]
    assert "LPOP mylist" in text and "test_magics.py:" in text and 'cur="3"' in text
    assert text.splitlines()[-1] == ('filter_list inp="mylist" left="small" right="big" cmp=3: '
                                     f'{len(kinds)} steps, returned ["3", "4"]')
    html = trace._repr_html_()
    assert html.count("<tr") == len(kinds) + 1 and "<code>LPOP mylist</code>" in html
    assert "<pre" in trace.event_html(1)  # the stepper's view: the Lua, current line marked
    # the debugger works on copies: the data is untouched
    assert cell(ip, "LRANGE mylist 0 -1").value == ["1", "3", "2", "4"]


def test_step_failure_shows_trace_then_one_line(ip: InteractiveShell,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ip.user_ns["filter_list"] = filter_script()
    cell(ip, "SET notalist x")
    result = ip.run_cell("%redipy step filter_list inp=notalist left=a right=b cmp=1")
    assert isinstance(result.error_in_exec, redipy.errors.ScriptError)
    out = capsys.readouterr().out.splitlines()
    assert out[0].split()[:2] == ["step", "Lua"]  # the trace is shown first
    assert out[-1].startswith("(error) script ") and out[-1].endswith(
        "WRONGTYPE Operation against a key holding the wrong kind of value")
    assert not any("Traceback" in row for row in out)


def test_stepper_needs_ipywidgets(ip: InteractiveShell,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    from redipy.repl.magics.display import stepper

    ip.user_ns["filter_list"] = filter_script()
    trace = line(ip, "step filter_list inp=a left=b right=c cmp=1")
    monkeypatch.setitem(sys.modules, "ipywidgets", None)  # as if not installed
    assert stepper(trace) is None


# ---- snapshots and migration ----------------------------------------------------------------


def test_dump_load_migrate(ip: InteractiveShell, servers: dict[str, Server], tmp_path: Path,
                           capsys: pytest.CaptureFixture[str]) -> None:
    server = servers["valkey"]
    flushed(server)
    cell(ip, "SET greeting hi\nRPUSH queue a b\nHSET user:{1} name Ada\nZADD board 2 b 1 a")
    ip.user_ns["snap"] = str(tmp_path / "data.snap")
    line(ip, "dump $snap")
    assert capsys.readouterr().out.startswith("dump ok: copied 4 keys")
    ip.user_ns["url"] = server.url
    line(ip, "connect $url --as server")
    capsys.readouterr()
    line(ip, "load $snap --verify")
    assert capsys.readouterr().out.startswith("load ok: copied 4 keys")
    assert cell(ip, "HGETALL user:{1}").value == ["name", "Ada"]
    result = ip.run_cell(f"%redipy load {tmp_path / 'data.snap'}")
    out = capsys.readouterr().out
    assert not result.success and out.count("\n") == 1
    assert out.startswith("(error) load FAILED") and "already exist" in out
    line(ip, "load $snap --on-conflict replace")
    # memory -> server directly, by connection name
    line(ip, "use memory")
    cell(ip, "SET greeting hello")
    line(ip, "migrate memory server --on-conflict replace --verify")
    assert "migrate ok: copied 4 keys" in capsys.readouterr().out
    assert cell(ip, "GET greeting", "--on server").value == "hello"
    # server -> another memory backend
    line(ip, "connect memory --as copy")
    line(ip, "migrate server copy")
    assert cell(ip, "ZRANGE board 0 -1 WITHSCORES").value == ["a", "1", "b", "2"]
    capsys.readouterr()
    line(ip, "compare copy server")
    assert capsys.readouterr().out.startswith("compare: 4 keys identical")
    cell(ip, "SET greeting changed")
    line(ip, "compare copy server")
    assert capsys.readouterr().out.startswith("compare: 1 differences in 4 keys")
    with pytest.raises(MagicError, match="usage: %redipy migrate SRC DST"):
        line(ip, "migrate server")


def test_unload_closes_connections(shell: InteractiveShell, servers: dict[str, Server]) -> None:
    raw = redis_py.Redis(port=servers["valkey"].port)

    def clients() -> int:
        return int(raw.info("clients")["connected_clients"])

    before = clients()
    shell.run_line_magic("load_ext", "redipy")
    shell.user_ns["url"] = servers["valkey"].url
    shell.run_line_magic("redipy", "connect $url --as s")
    assert clients() == before + 1
    shell.run_line_magic("unload_ext", "redipy")
    assert clients() == before
    raw.close()
