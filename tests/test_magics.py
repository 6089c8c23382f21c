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
        ("%redipy frobnicate\n", "(error) ERR unknown command 'frobnicate', with args "
                                 "beginning with: (nor a %redipy subcommand: %redipy help "
                                 "lists them)\n"),
        ("%%redipy extra\nPING\n", "(error) unexpected 'extra' after %%redipy "
                                   "(options: -o NAME, --df, --on CONN)\n"),
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


# ---- conveniences (one-line form, values, DataFrames, passwords) -------------------------


@pytest.mark.parametrize("where", WHERE)
def test_one_line_form_gives_python_values(ip: InteractiveShell, where: str,
                                           servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    assert line(ip, "SET k v") == "OK" and type(line(ip, "SET k v")) is str  # not a Status
    assert line(ip, "GET k") == "v"
    assert ip.run_cell("x = %redipy RPUSH l a b c").success
    assert ip.run_cell("y = %redipy LRANGE l 0 -1").success
    assert ip.user_ns["x"] == 3 and ip.user_ns["y"] == ["a", "b", "c"]
    line(ip, "HSET h f 1 g 2")
    assert line(ip, "HGETALL h") == {"f": "1", "g": "2"}  # a dict on memory and servers
    line(ip, "ZADD z 1.5 a 2 b")
    assert line(ip, "ZRANGE z 0 -1 WITHSCORES") == [("a", 1.5), ("b", 2.0)]
    line(ip, "-o kept GET k")
    assert ip.user_ns["kept"] == "v"
    ip.user_ns["name"] = "k"
    assert line(ip, "GET $name") == "v"
    # upper case: the Redis command, not the subcommand (the memory backend has no DUMP)
    if where == "memory":
        with pytest.raises(ResponseError, match=r"^ERR unknown command 'DUMP'"):
            line(ip, "DUMP k")
    else:
        assert line(ip, "DUMP k").startswith("\x00")


def test_cell_output_holds_plain_values(ip: InteractiveShell) -> None:
    cell(ip, "SET a 1\nHSET h f v\nZADD z 1 m\nZRANGE z 0 -1 WITHSCORES\nHGETALL h\n"
             "MULTI\nINCR a\nEXEC", "-o out")
    out = ip.user_ns["out"]
    assert out == ["OK", 1, 1, [("m", 1.0)], {"f": "v"}, "OK", "QUEUED", [2]]
    assert all(type(v) in (str, int, list, dict) for v in out)
    assert type(out[0]) is str and type(out[6]) is str


def test_dataframes(ip: InteractiveShell) -> None:
    import pandas

    cell(ip, "HSET h f 1 g 2")
    frame = line(ip, "--df HGETALL h")
    assert isinstance(frame, pandas.DataFrame)
    assert list(frame.columns) == ["field", "value"] and frame["field"].tolist() == ["f", "g"]
    cell(ip, "ZADD z 3 a 1 b\nZRANGE z 0 -1 WITHSCORES", "-o zs --df")
    assert ip.user_ns["zs"]["member"].tolist() == ["b", "a"]
    assert ip.user_ns["zs"]["score"].tolist() == [1.0, 3.0]


def test_connect_with_password_from_the_environment(ip: InteractiveShell,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    from tests.servers import start_server

    srv = start_server("valkey", "--requirepass", "s3cret-pw")
    try:
        monkeypatch.setenv("REDIPY_TEST_PW", "s3cret-pw")
        line(ip, f"connect redis://127.0.0.1:{srv.port}/0 --as locked "
                 "--password-env REDIPY_TEST_PW")
        assert line(ip, "PING") == "PONG"
        shown = capsys.readouterr().out + repr(line(ip, "connections"))
        assert "s3cret" not in shown and "***" in shown
        result = ip.run_cell("%redipy connect redis://127.0.0.1:1/0 --password-env NOPE_VAR")
        assert not result.success
        assert capsys.readouterr().out == "(error) environment variable NOPE_VAR is not set\n"
    finally:
        srv.stop()


def test_connect_falls_back_to_memory(ip: InteractiveShell,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    from tests.servers import free_port

    port = free_port()
    line(ip, f"connect redis://127.0.0.1:{port}/0 --as server --or-memory")
    out = capsys.readouterr().out
    assert out.startswith("no server answered (") and out.endswith(
        "server is an in-process memory backend instead\n")
    assert out.count("\n") == 1
    conn = magics(ip).connections.current
    assert conn.name == "server" and conn.kind == "memory"
    assert line(ip, "PING") == "PONG"
    line(ip, f"connect redis://127.0.0.1:{port}/0 --or-memory")
    assert magics(ip).connections.current.name == "memory"


def test_unknown_script_says_what_scripts_exist(ip: InteractiveShell,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    ip.user_ns["filter_list"] = filter_script()
    result = ip.run_cell("%redipy run nosuch x=1")
    assert not result.success
    assert capsys.readouterr().out == (
        "(error) no script named 'nosuch': name a variable holding a redipy.script.FnContext "
        "(defined: filter_list)\n")


def test_lua_header_names_the_cell(ip: InteractiveShell) -> None:
    source = ("import redipy.script as rs\n"
              "hdr = rs.FnContext()\n"
              "v = rs.RedisVar(hdr.add_key('v'))\n"
              "hdr.set_return_value(v.incrby(1))\n")
    assert ip.run_cell(source, store_history=True).success
    number = ip.execution_count - 1
    code = line(ip, "lua hdr")
    first = str(code).splitlines()[0]
    assert first.startswith("-- redipy script In[") and f"In[{number}]:" in first
    assert ".py:" not in str(code)


def test_step_failure_has_one_error_line(ip: InteractiveShell,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    ip.user_ns["filter_list"] = filter_script()
    cell(ip, "SET notalist x")
    ip.run_cell("%redipy step filter_list inp=notalist left=a right=b cmp=1")
    out = capsys.readouterr().out.splitlines()
    assert sum(row.startswith("(error)") for row in out) == 1
    assert sum("failed at" in row for row in out if not row.startswith(("1 ", "2 ", "3 "))) \
        == 1


# ---- keyspace insight ---------------------------------------------------------------


def fill_keyspace(ip: InteractiveShell) -> None:
    cell(ip, "\n".join([
        "MSET user:1 alice user:2 bob user:3 carol",
        "EXPIRE user:1 30",
        "EXPIRE user:2 7200",
        "HSET session:9 a 1 b 2 c 3",
        "RPUSH queue:jobs " + " ".join(f"j{i}" for i in range(40)),
        "ZADD board 10 ann 30 bob 20 cy",
        "SADD tags x y",
        "RPUSH temps 20.5 21 19.5 22",
    ]))


@pytest.mark.parametrize("where", WHERE)
def test_profile(ip: InteractiveShell, where: str, servers: dict[str, Server],
                 capsys: pytest.CaptureFixture[str]) -> None:
    on(ip, where, servers)
    fill_keyspace(ip)
    capsys.readouterr()
    prof = line(ip, "profile --count 3")
    progress = capsys.readouterr().out
    assert "sampling keys [" in progress and "8/8" in progress
    report = prof.report
    assert report.total == report.sampled == 8
    assert report.by_prefix == {"user:": 3, "session:": 1, "queue:": 1, "(no prefix)": 3}
    assert report.by_type == {"string": 3, "hash": 1, "list": 2, "zset": 1, "set": 1}
    assert report.ttl["no TTL"] == 6 and report.ttl["< 1 min"] == 1 \
        and report.ttl["< 1 day"] == 1
    assert report.biggest_elements[0].key == "queue:jobs"
    assert report.biggest_elements[0].elements == 40
    assert report.biggest_bytes[0].key == "queue:jobs"
    assert report.memory_estimated == (where == "memory")
    text = repr(prof)
    assert text.startswith("Sampled 8 of 8 keys; memory ")
    assert "Keys by prefix" in text and '"user:"' in text
    html = prof._repr_html_()
    assert "<img" in html and "data:image/png;base64," in html  # matplotlib is installed
    only = line(ip, "profile user:*")
    assert only.report.sampled == 3 and set(only.report.by_type) == {"string"}


def test_profile_html_bars_without_matplotlib(ip: InteractiveShell) -> None:
    fill_keyspace(ip)
    ip.run_line_magic("config", "RedipyMagics.plots = 'html'")
    html = line(ip, "profile")._repr_html_()
    assert "<img" not in html and "background:#4a90d9" in html
    assert "Biggest keys by elements" in html and "queue:jobs" in html


@pytest.mark.parametrize("where", WHERE)
def test_plot(ip: InteractiveShell, where: str, servers: dict[str, Server]) -> None:
    on(ip, where, servers)
    fill_keyspace(ip)
    bars = line(ip, "plot board")
    assert bars.shape == "bars" and bars.data["labels"] == ["ann", "cy", "bob"]
    assert bars._repr_png_()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = line(ip, "plot temps")
    assert lines.shape == "lines" and lines.data["series"]["temps"] == [20.5, 21, 19.5, 22]
    assert lines._repr_png_()[:4] == b"\x89PNG"
    ip.run_line_magic("config", "RedipyMagics.plots = 'html'")
    svg = line(ip, "plot board")
    assert svg._repr_png_() is None and svg._repr_html_().startswith("<svg")
    assert svg._repr_html_().count("<rect") == 3
    for bad, message in [("tags", "is a set"), ("queue:jobs", "not a number"),
                         ("nokey", "no such key")]:
        result = ip.run_cell(f"%redipy plot {bad}")
        assert not result.success and message in str(result.error_in_exec)


def test_plot_a_stream(ip: InteractiveShell, servers: dict[str, Server]) -> None:
    on(ip, "valkey", servers)
    cell(ip, "XADD s 1000-0 t 1 h 5\nXADD s 2000-0 t 2 h 4 note x\nXADD s 3000-0 t 4 h 3")
    chart = line(ip, "plot s")
    assert chart.shape == "lines" and chart.data["x"] == [1.0, 2.0, 3.0]
    assert chart.data["series"] == {"t": [1.0, 2.0, 4.0], "h": [5.0, 4.0, 3.0]}
    assert chart._repr_png_()[:4] == b"\x89PNG"


def test_notebooks_extra_covers_what_the_notebooks_import() -> None:
    import re
    import tomllib

    project = tomllib.loads(Path(__file__).parent.parent.joinpath("pyproject.toml").read_text())
    extra = {re.split(r"[<>=\[ ]", d)[0].lower()
             for d in project["project"]["optional-dependencies"]["notebooks"]}
    assert {"ipython", "ipykernel", "notebook", "matplotlib", "pandas"} <= extra
