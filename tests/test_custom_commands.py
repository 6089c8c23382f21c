"""Commands of your own on the memory backend (redipy.custom), through every door a
built-in has: execute_command, pipelines and MULTI/EXEC with WATCH, builder scripts,
raw Lua, COMMAND's replies, the shell, the redis-py drop-in and ``redipy serve``."""

from __future__ import annotations

import io
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest
import redis

import redipy
from redipy import commands
from redipy.commands.docs import markdown_table
from redipy.custom import KeyNum, KeyRange, register_command, registered, unregister_command
from redipy.errors import ConfigError, ResponseError, ScriptBuildError, WatchError, WrongTypeError
from redipy.script import FnContext, RedisFn
from tests import custom_cmds
from tests.servers import free_port


@pytest.fixture(autouse=True)
def with_test_commands() -> Iterator[None]:
    custom_cmds.register_all()
    try:
        yield
    finally:
        custom_cmds.unregister_all()


@pytest.fixture
def r() -> redipy.Redis:
    return redipy.Redis()


def error_of(fn: Any, *args: Any) -> ResponseError:
    with pytest.raises(ResponseError) as info:
        fn(*args)
    return info.value


def test_execute_command_and_the_builtins_errors(r: redipy.Redis) -> None:
    assert r.execute_command("INCRCAP", "c", "5", "7") == 5
    assert r.execute_command("incrcap", "c", 5, 7) == 7  # any case, any argument type
    assert r.execute_command("IncrCap", "c", 1, 7, "wrap") == 0
    assert r.get("c") == "0"
    # arity and wrong-type errors come out exactly as a built-in's
    assert str(error_of(r.execute_command, "INCRCAP", "c")) == \
        "ERR wrong number of arguments for 'incrcap' command"
    assert str(error_of(r.execute_command, "GET")) == \
        "ERR wrong number of arguments for 'get' command"
    r.rpush("l", "x")
    mine = error_of(r.execute_command, "INCRCAP", "l", 1, 2)
    builtin = error_of(r.execute_command, "INCR", "l")
    assert type(mine) is type(builtin) is WrongTypeError and str(mine) == str(builtin)
    assert str(error_of(r.execute_command, "INCRCAP", "c", "x", 2)) == \
        "ERR value is not an integer or out of range"
    assert str(error_of(r.execute_command, "INCRCAP", "c", 1, 2, "NOPE")) == "ERR syntax error"
    r.set("n", "5")
    assert r.execute_command("SUMKEYS", "n", "missing", "c") == 5


def test_unregistered_is_unknown_everywhere(r: redipy.Redis) -> None:
    assert r.execute_command("SUMKEYS", "a") == 0
    drop = r.redis_py()
    assert drop.execute_command("SUMKEYS", "a") == 0  # resolved once, cached
    unregister_command("SUMKEYS")
    try:
        text = str(error_of(r.execute_command, "SUMKEYS", "a"))
        assert text == "ERR unknown command 'SUMKEYS', with args beginning with: 'a' "
        with pytest.raises(redis.ResponseError, match="unknown command 'SUMKEYS'"):
            drop.execute_command("SUMKEYS", "a")
        with pytest.raises(ResponseError, match="Unknown command called from script"):
            r.execute_command("EVAL", "return redis.call('SUMKEYS', KEYS[1])", 1, "a")
        assert "SUMKEYS" not in commands.COMMANDS
    finally:
        custom_cmds.register("SUMKEYS")


def test_pipelines_and_transactions(r: redipy.Redis) -> None:
    with r.pipeline(transaction=False) as pipe:
        pipe.execute_command("INCRCAP", "p", 2, 3)
        pipe.execute_command("INCRCAP", "p")  # wrong arity: the error in its place
        pipe.execute_command("NOSUCH", 1)
        pipe.get("p")
        replies = pipe.execute(raise_on_error=False)
    assert replies[0] == 2 and replies[3] == "2"
    assert str(replies[1]) == "ERR wrong number of arguments for 'incrcap' command"
    assert str(replies[2]).startswith("ERR unknown command 'NOSUCH'")
    with r.pipeline() as pipe:
        pipe.execute_command("INCRCAP", "p", 2, 3)
        pipe.execute_command("INCRCAP", "p", "x", 3)  # a runtime error stays in place
        replies = pipe.execute(raise_on_error=False)
    assert replies[0] == 3 and str(replies[1]) == "ERR value is not an integer or out of range"
    with r.pipeline() as pipe:  # a queue-time error aborts the whole transaction
        pipe.execute_command("INCRCAP", "p", 2, 3)
        pipe.execute_command("INCRCAP", "p")
        with pytest.raises(ResponseError, match="EXECABORT"):
            pipe.execute()


def test_raw_multi_exec_and_watch(r: redipy.Redis) -> None:
    assert r.execute_command("MULTI") == "OK"
    assert r.execute_command("INCRCAP", "t", 1, 9) == "QUEUED"
    assert r.execute_command("SUMKEYS", "t", "t") == "QUEUED"
    assert r.execute_command("EXEC") == [1, 2]
    other = redipy.Redis(rt=r._backend)  # another client of the same backend
    with r.pipeline() as pipe:
        pipe.watch("w")
        pipe.multi()
        pipe.set("w", "mine")
        other.execute_command("INCRCAP", "w", 1, 5)  # a registered command's write
        with pytest.raises(WatchError):
            pipe.execute()
    assert r.get("w") == "1"


def test_builder_scripts(r: redipy.Redis) -> None:
    ctx = FnContext()
    key = ctx.add_key("k")
    ctx.set_return_value(RedisFn("incrcap", key, 3, 4))
    fn = r.register_script(ctx)
    assert fn(keys={"k": "s"}, args={}) == 3
    assert fn(keys={"k": "s"}, args={}) == 4
    with pytest.raises(ScriptBuildError, match="INCRCAP takes at least 3 arguments"):
        RedisFn("incrcap", "k")
    with pytest.raises(ScriptBuildError, match="NOSCRIPTCMD cannot be used inside a script"):
        RedisFn("noscriptcmd", "k")
    unregister_command("INCRCAP")  # the compiled script sees it gone ...
    try:
        with pytest.raises(ResponseError, match="Unknown command called from script"):
            fn(keys={"k": "s"}, args={})
    finally:  # ... and registered anew, with another handler
        register_command("incrcap", lambda db, args: 99, arity=-4, keys=KeyRange(1))
    assert fn(keys={"k": "s"}, args={}) == 99
    unregister_command("INCRCAP")
    custom_cmds.register("INCRCAP")


def test_raw_lua(r: redipy.Redis) -> None:
    assert r.execute_command(
        "EVAL", "return redis.call('incrcap', KEYS[1], ARGV[1], 10)", 1, "e", 4) == 4
    assert r.execute_command(
        "EVAL", "local e = redis.pcall('incrcap', KEYS[1], 'x', 1) return e.err",
        1, "e") == "ERR value is not an integer or out of range"
    def lua_error(script: str, how: str = "EVAL") -> str:
        return str(error_of(r.execute_command, how, script, 1, "e"))

    # the errors a built-in gets: wrong arity, noscript, a write in a read-only script
    assert lua_error("return redis.call('incrcap', KEYS[1])") == \
        lua_error("return redis.call('get')")
    assert lua_error("return redis.call('noscriptcmd')") == \
        lua_error("return redis.call('multi')")
    assert "Write commands are not allowed from read-only scripts" in \
        lua_error("return redis.call('incrcap', KEYS[1], 1, 2)", "EVAL_RO") == \
        lua_error("return redis.call('set', KEYS[1], 1)", "EVAL_RO")
    assert r.execute_command("EVAL_RO", "return redis.call('sumkeys', KEYS[1])", 1, "e") == 4


def test_command_replies(r: redipy.Redis) -> None:
    info = r.execute_command("COMMAND", "INFO", "incrcap", "sumkeys")
    assert info[0][:6] == ["incrcap", -4, ["write", "denyoom", "module"], 1, 1, 1]
    assert info[0][6] == ["@write", "@slow"]
    assert info[1][:6] == ["sumkeys", -2, ["readonly", "module", "fast"], 1, -1, 1]
    docs = r.execute_command("COMMAND", "DOCS", "incrcap")
    assert docs == ["incrcap", ["summary", "Add to a counter, never past a cap.", "since", "",
                                "group", "module", "complexity", "O(1)"]]
    assert r.execute_command("COMMAND", "GETKEYS", "SUMKEYS", "a", "b") == ["a", "b"]
    assert sorted(r.execute_command("COMMAND", "LIST", "FILTERBY", "MODULE", "testmods")) == \
        ["incrcap", "localonly", "noscriptcmd", "sumkeys"]
    assert [spec.name for spec in registered()] == list(custom_cmds.NAMES)
    count = r.execute_command("COMMAND", "COUNT")
    assert count == len(commands.COMMANDS)
    assert "incrcap" in r.execute_command("COMMAND", "LIST")
    unregister_command("LOCALONLY")
    try:
        assert r.execute_command("COMMAND", "COUNT") == count - 1
    finally:
        custom_cmds.register("LOCALONLY")


def test_readme_table_lists_only_builtins() -> None:
    table = markdown_table()
    assert "INCRCAP" not in table and "`GET`" in table
    assert f"{len(commands.builtins())} commands" in table


def test_shell_help_and_completion() -> None:
    from prompt_toolkit.completion import CompleteEvent
    from prompt_toolkit.document import Document
    from redipy.repl.completer import RedisCompleter
    from redipy.repl.session import Session
    from redipy.repl.shell import Shell

    sess = Session()
    try:
        out = io.StringIO()
        Shell(sess, out=out).run_line("HELP INCRCAP")
        text = out.getvalue()
        assert "INCRCAP key increment cap [WRAP]" in text
        assert "Add to a counter, never past a cap." in text and "group: module" in text

        def complete(line: str) -> list[str]:
            comp = RedisCompleter(sess)
            return [c.text for c in comp.get_completions(Document(line), CompleteEvent())]

        assert "INCRCAP" in complete("INCRC")
        assert complete("INCRCAP k 1 2 ") == ["WRAP"]
        out = io.StringIO()
        Shell(sess, out=out).run_line("INCRCAP k 1 2")
        assert "1" in out.getvalue()
    finally:
        sess.close()


def test_redis_py_drop_in(r: redipy.Redis) -> None:
    drop = r.redis_py()
    assert drop.execute_command("INCRCAP", "d", 2, 5) == 2
    pipe = drop.pipeline()
    pipe.execute_command("INCRCAP", "d", 2, 5)
    pipe.execute_command("SUMKEYS", "d")
    assert pipe.execute() == [4, 4]
    with pytest.raises(redis.ResponseError, match="wrong number of arguments for 'incrcap'"):
        drop.execute_command("INCRCAP", "d")


def test_serve_and_redis_cli(r: redipy.Redis) -> None:
    server = redipy.serve(r._backend)
    try:
        with redis.Redis(port=server.port) as client:
            assert client.execute_command("INCRCAP", "s", 3, 5) == 3
            assert client.execute_command("SUMKEYS", "s", "s") == 6
        done = subprocess.run(["redis-cli", "-p", str(server.port), "INCRCAP", "s", "9", "5"],
                              capture_output=True, text=True, timeout=30)
        assert done.stdout == "5\n"
        done = subprocess.run(["redis-cli", "-p", str(server.port), "INCRCAP", "s"],
                              capture_output=True, text=True, timeout=30)
        assert done.stdout.startswith("ERR wrong number of arguments for 'incrcap' command")
        # the shell over the wire learns the command from COMMAND / COMMAND DOCS
        from redipy.repl.session import Session
        from redipy.repl.shell import Shell
        from redipy.repl.wire import Target

        sess = Session.over_wire(Target(port=server.port))
        try:
            out = io.StringIO()
            Shell(sess, out=out).run_line("HELP SUMKEYS")
            assert "The sum of integer values." in out.getvalue()
        finally:
            sess.close()
    finally:
        server.stop()


def test_redis_py_drop_in_asyncio(r: redipy.Redis) -> None:
    import asyncio

    async def main() -> list[Any]:
        client = r.redis_py(asyncio=True)
        return [await client.execute_command("INCRCAP", "a", 4, 5),
                await client.execute_command("SUMKEYS", "a", "a")]

    assert asyncio.run(main()) == [4, 8]


def test_serve_cli_loadmodule_file(tmp_path: Any) -> None:
    module = tmp_path / "mymod.py"
    module.write_text(
        "from redipy.custom import register_command\n"
        "register_command('greet', lambda db, args: 'hi ' + args[0], arity=2)\n",
        encoding="utf-8")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "redipy", "serve", "--port", str(port),
         "--loadmodule", str(module)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready on "), proc.stderr.read() if proc.stderr else line
        done = subprocess.run(["redis-cli", "-p", str(port), "GREET", "you"],
                              capture_output=True, text=True, timeout=30)
        assert done.stdout == "hi you\n"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    clash = tmp_path / "clash.py"
    clash.write_text("from redipy.custom import register_command\n"
                     "register_command('hello', lambda db, args: 1, arity=1)\n",
                     encoding="utf-8")
    bad = subprocess.run([sys.executable, "-m", "redipy", "serve", "--port", "0",
                          "--loadmodule", str(clash)], capture_output=True, text=True,
                         timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        f"redipy serve: error: cannot load module {clash}: "
        "register_command HELLO: a built-in command has that name"]


def test_serve_cli_loadmodule() -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "redipy", "serve", "--port", str(port),
         "--loadmodule", "tests.custom_cmds:register_all"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("ready on "), proc.stderr.read() if proc.stderr else line
        done = subprocess.run(["redis-cli", "-p", str(port), "INCRCAP", "c", "4", "3"],
                              capture_output=True, text=True, timeout=30)
        assert done.stdout == "3\n"
    finally:
        proc.terminate()
        proc.communicate(timeout=10)
    bad = subprocess.run(
        [sys.executable, "-m", "redipy", "serve", "--port", "0",
         "--loadmodule", "tests.no_such_module"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines() == [
        "redipy serve: error: cannot load module tests.no_such_module: "
        "No module named 'tests.no_such_module'"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"name": "get"}, "register_command GET: a built-in command has that name"),
    ({"name": "incrcap"}, "register_command INCRCAP: already registered (by module testmods)"),
    ({"name": "two words"}, "bad command name 'two words'"),
    ({"arity": 0}, "arity must be a non-zero int"),
    ({"flags": ["write", "blocking"]}, "unknown flag 'blocking'"),
    ({"flags": ["write", "readonly"]}, "a command is write or readonly, not both"),
    ({"keys": KeyRange(3), "arity": 3}, "does not fit arity 3"),
    ({"keys": KeyRange(0)}, "does not fit arity -2"),
    ({"keys": KeyNum(2, 1)}, "does not fit arity -2"),
    ({"syntax": "OTHER key"}, "the syntax line must start with the name"),
    ({"syntax": "MYCMD key [unclosed"}, "cannot read the syntax line"),
    ({"redis": "return 1"}, "redis= takes a LuaCommand or a FunctionCommand"),
    ({"module": "two words"}, "module must be a plain word"),
])
def test_registration_is_checked(kwargs: dict[str, Any], message: str) -> None:
    args: dict[str, Any] = {"name": "mycmd", "arity": -2, **kwargs}
    name = args.pop("name")
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")) as info:
        register_command(name, lambda db, a: None, **args)
    assert "\n" not in str(info.value)
    assert "MYCMD" not in commands.COMMANDS


def test_unregister_is_checked() -> None:
    with pytest.raises(ConfigError, match="unregister_command GET: a built-in command"):
        unregister_command("get")
    with pytest.raises(ConfigError, match="unregister_command NOPE: no such registered"):
        unregister_command("nope")


def test_default_syntax_line() -> None:
    spec = register_command("mycmd", lambda db, a: None, arity=-3, keys=KeyRange(1, -1))
    try:
        assert spec.syntax == "MYCMD key key [key ...]"
        assert spec.group == "module" and spec.module == "custom"
    finally:
        unregister_command("mycmd")
