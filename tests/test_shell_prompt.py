"""The interactive shell driven through prompt_toolkit's pipe input, on memory and a
real server: commands and rendering, quoting, line editing, completion, errors."""

from __future__ import annotations

import io
import threading
import time
from pathlib import Path

import pytest
import redis as redis_py
from prompt_toolkit.completion import CompleteEvent
from prompt_toolkit.document import Document
from prompt_toolkit.history import InMemoryHistory
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from redipy.repl.app import interactive
from redipy.repl.completer import RedisCompleter
from redipy.repl.session import Session
from redipy.repl.shell import Shell

import redipy
from tests.servers import Server

ENTER = "\r"



def drive(session: Session, keys: str, *, mode: str = "text", tables: bool = False,
          history: object = None) -> str:
    """Type ``keys`` into the real prompt loop; returns everything the shell printed."""
    out = io.StringIO()
    shell = Shell(session, mode=mode, tables=tables, out=out)
    with create_pipe_input() as inp:
        inp.send_text(keys)
        inp.close()  # end of input: the loop sees EOF after the typed keys
        interactive(shell, input=inp, output=DummyOutput(),
                    history=history if history is not None else InMemoryHistory())
    return out.getvalue()


def lines(*commands: str) -> str:
    return "".join(cmd + ENTER for cmd in commands)


# ---- commands and rendering -----------------------------------------------------------


def test_every_reply_type(session: Session) -> None:
    out = drive(session, lines(
        "RPUSH l a b", "lrange l 0 -1", "LRANGE nope 0 -1", "LPOP nope", "llen l",
        "TYPE l", "SADD s m", "ZADD z 1 a 2.5 b", "ZSCORE z b", "SCAN 0 MATCH l",
        "LPUSH l", "RENAME l l2",
    ))
    assert out == (
        '(integer) 2\n1) "a"\n2) "b"\n(empty array)\n(nil)\n(integer) 2\n'
        "list\n(integer) 1\n(integer) 2\n\"2.5\"\n"
        '1) "0"\n2) 1) "l"\n'
        "(error) ERR wrong number of arguments for 'lpush' command\n"
        "OK\n"
    )


def test_strings_and_hashes(session: Session) -> None:
    out = drive(session, lines("SET k v", "GET k", "GET missing", "INCR k",
                               "HSET h f1 v1 f2 v2", "HGETALL h"))
    assert out == (
        'OK\n"v"\n(nil)\n(error) ERR value is not an integer or out of range\n'
        '(integer) 2\n1) "f1"\n2) "v1"\n3) "f2"\n4) "v2"\n'
    )


def test_unknown_command_is_the_servers_error(session: Session) -> None:
    out = drive(session, lines("NOSUCH a b"))
    assert out == "(error) ERR unknown command 'NOSUCH', with args beginning with: 'a' 'b' \n"


def test_quoting_through_the_prompt(session: Session) -> None:
    out = drive(session, lines(
        "RPUSH q \"a b\" 'it\\'s' \"\\x41\\n\" '' \"\\xe4\\xbd\\xa0\"",
        "LRANGE q 0 -1",
        'RPUSH q "unbalanced',
        "LLEN q",
    ))
    assert out == (
        '(integer) 5\n1) "a b"\n2) "it\'s"\n3) "A\\n"\n4) ""\n5) "\\xe4\\xbd\\xa0"\n'
        "Invalid argument(s)\n(integer) 5\n"
    )


def test_command_names_any_case_and_repeat_prefix(session: Session) -> None:
    out = drive(session, lines("3 rPuSh r x", "0 RPUSH r x", "LLEN r"))
    assert out == ("(integer) 1\n(integer) 2\n(integer) 3\n"
                   "Invalid redis-cli repeat command option value.\n(integer) 3\n")


def test_multiline_ctrl_c_and_ctrl_d(session: Session) -> None:
    keys = (
        "RPUSH m \\" + ENTER + "one two" + ENTER      # backslash continues the line
        + "RPUSH m lost" + "\x03"                      # Ctrl-C drops the line being typed
        + "LRANGE m 0 -1" + ENTER
        + "\x04"                                       # Ctrl-D on an empty line exits
        + "RPUSH m never" + ENTER
    )
    out = drive(session, keys)
    assert out == '(integer) 2\n1) "one"\n2) "two"\n'


def test_quit_and_exit_end_the_loop(session: Session) -> None:
    assert drive(session, lines("RPUSH e x", "quit", "RPUSH e y")) == "(integer) 1\n"
    assert drive(session, lines(":quit", "RPUSH e y")) == ""
    assert drive(session, lines("LLEN e", "EXIT", "RPUSH e y")) == "(integer) 1\n"


def test_modes_raw_json_and_tables(session: Session) -> None:
    keys = lines("RPUSH l a b", "LRANGE l 0 -1", "LPOP nope", "ZADD z 1 a", "NOSUCH")
    assert drive(session, keys, mode="raw") == (
        "2\na\nb\n\n1\nERR unknown command 'NOSUCH', with args beginning with: \n\n")
    assert drive(session, lines("LRANGE l 0 -1", "ZRANGE z 0 -1 WITHSCORES", "GET nope"),
                 mode="json") == '["a","b"]\n[["a",1]]\nnull\n'
    table = drive(session, lines("ZADD z 2.5 b", "ZRANGE z 0 -1 WITHSCORES"), tables=True)
    assert "member" in table and "score" in table and "2.5" in table


def test_help_from_the_command_table(session: Session) -> None:
    out = drive(session, lines("HELP LPUSH", "help @list"))
    assert "LPUSH key element [element ...]" in out
    assert "group: list" in out and "RPOP key" in out


def test_a_python_failure_is_one_line(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(argv: list[str]) -> object:
        raise ZeroDivisionError("division by zero")

    monkeypatch.setattr(session, "execute", broken)
    assert drive(session, lines("LLEN x")) == "(error) ZeroDivisionError: division by zero\n"


def test_tab_completes_through_the_app(session: Session) -> None:
    """Tab runs the completer asynchronously, so keys are typed with pauses, as a person would."""
    session.execute(["RPUSH", "user:1", "x"])
    out = io.StringIO()
    shell = Shell(session, out=out)
    with create_pipe_input() as inp:
        loop = threading.Thread(target=interactive, args=(shell,), kwargs={
            "input": inp, "output": DummyOutput(), "history": InMemoryHistory()})
        loop.start()
        for chunk in ("LRAN\t", " user\t", " 0 -1" + ENTER):
            time.sleep(1.0)  # 0.3 s was too short for the completer at load 20 on 2 cores
            inp.send_text(chunk)
        time.sleep(1.0)
        inp.close()
        loop.join(10)
    assert out.getvalue() == '1) "x"\n'


def test_history_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                      session: Session) -> None:
    hist = tmp_path / "hist"
    monkeypatch.setenv("REDIPY_HISTFILE", str(hist))
    from redipy.repl.prompt import SafeFileHistory, history_path

    assert history_path() == str(hist)
    drive(session, lines("RPUSH h1 x", "AUTH secret", ":backend redis://u:pw@127.0.0.1:1/0"),
          history=SafeFileHistory(str(hist)))
    text = hist.read_text()
    assert "RPUSH h1 x" in text
    assert "secret" not in text and "pw" not in text and "u:***@" in text
    # the next session sees it (Up recalls the last line)
    out = drive(session, "\x1b[A\x1b[A" + ENTER, history=SafeFileHistory(str(hist)))
    assert out == "(integer) 2\n"
    monkeypatch.setenv("REDIPY_HISTFILE", "")
    assert history_path() is None


# ---- completion -----------------------------------------------------------------------


def complete(session: Session, text: str) -> list[str]:
    completer = RedisCompleter(session)
    return [c.text for c in completer.get_completions(Document(text), CompleteEvent())]


def test_complete_command_names(session: Session) -> None:
    got = complete(session, "LP")
    assert {"LPUSH", "LPOP", "LPOS"} <= set(got)
    assert all(name.startswith("LP") for name in got)
    assert "lpush" in complete(session, "lp")
    assert "LPUSH" in complete(session, "3 LP")
    assert "HELP" in complete(session, "HE")
    assert len(complete(session, "")) >= len(redipy.commands.COMMANDS)


def test_complete_keys_and_keywords(session: Session) -> None:
    session.execute(["RPUSH", "user:1", "a"])
    session.execute(["RPUSH", "user:2", "a"])
    session.execute(["RPUSH", "other", "a"])
    session.execute(["RPUSH", "with space", "a"])
    assert complete(session, "LRANGE user") == ["user:1", "user:2"]
    assert complete(session, "LRANGE ") == ["other", "user:1", "user:2", '"with space"']
    assert complete(session, 'LRANGE "with') == ['"with space"']
    assert complete(session, "DEL user:1 us") == ["user:1", "user:2"]
    assert complete(session, "LRANGE user:1 0 -1 ") == []
    assert complete(session, "ZRANGE z 0 -1 WITH") == ["WITHSCORES"]
    assert complete(session, "zrange z 0 -1 with") == ["withscores"]
    assert "WITHSCORES" in complete(session, "ZRANGE z 0 -1 ")
    assert complete(session, "NOSUCH ") == []


def test_key_completion_is_bounded(session: Session) -> None:
    for i in range(300):
        session.execute(["RPUSH", f"k{i}", "v"])
    completer = RedisCompleter(session, key_limit=50)
    got = list(completer.get_completions(Document("LLEN k"), CompleteEvent()))
    assert 0 < len(got) <= 50


def test_key_completion_reads_the_selected_database(session: Session) -> None:
    """Completion lists the keys of the database the prompt is on, keeps non-ASCII and
    glob characters, and leaves out keys whose TTL has passed."""
    session.execute(["SET", "ü:1", "x"])
    session.execute(["SET", "k[1]", "x"])
    session.execute(["SET", "gone:1", "x", "PX", "1"])
    time.sleep(0.02)
    assert complete(session, "GET ü") == ['"\\xc3\\xbc:1"']  # quoted as redis-cli shows it
    assert complete(session, "GET k[") == ["k[1]"]
    assert complete(session, "GET gone") == []
    session.execute(["SELECT", "2"])
    try:
        session.execute(["SET", "in2", "x"])
        assert complete(session, "GET in") == ["in2"]
        assert complete(session, "GET ü") == []
    finally:
        session.execute(["FLUSHDB"])
        session.execute(["SELECT", "0"])
    assert complete(session, "GET in") == []


def test_complete_help_and_subcommands(session: Session,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    assert "@list" in complete(session, "HELP @l")
    assert "LPUSH" in complete(session, "HELP LPU")
    from redipy.commands import COMMANDS, CommandSpec

    spec = CommandSpec("OBJECT ENCODING", "generic", 3, "Show how a value is stored.",
                       "O(1)", "OBJECT ENCODING key")
    monkeypatch.setitem(COMMANDS, "OBJECT ENCODING", spec)
    assert complete(session, "OBJ") == ["OBJECT"]
    assert complete(session, "OBJECT E") == ["ENCODING"]
    session.execute(["RPUSH", "okey", "a"])
    monkeypatch.setattr(CommandSpec, "key_positions", lambda self, argv: [2])
    assert complete(session, "OBJECT ENCODING ok") == ["okey"]


def test_complete_meta_commands_and_files(session: Session, tmp_path: Path) -> None:
    assert complete(session, ":he") == [":help"]
    assert {":load", ":lua"} <= set(complete(session, ":l"))
    assert complete(session, ":timing ") == ["on", "off"]
    assert "memory" in complete(session, ":backend ")
    assert "quit" in complete(session, ":help q")
    (tmp_path / "myscript.py").write_text("x = 1\n")
    got = complete(session, f":load {tmp_path}/my")
    assert got == ["script.py"]


def test_transaction_marker_and_replies(session: Session) -> None:
    out = io.StringIO()
    shell = Shell(session, out=out)
    assert shell.prompt() == f"{session.label}> "
    shell.run_text("MULTI\nRPUSH tx a\nLLEN tx")
    assert shell.prompt() == f"{session.label}(TX)> "
    assert complete(session, "LLEN t") == [] or session.kind == "memory"
    shell.run_text("EXEC")
    assert shell.prompt() == f"{session.label}> "
    assert out.getvalue() == "OK\nQUEUED\nQUEUED\n1) (integer) 1\n2) (integer) 1\n"
    assert complete(session, "LLEN t") == ["tx"]


def test_key_completion_under_a_prefix(servers: dict[str, Server]) -> None:
    srv = servers["valkey"]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    raw.rpush("other:k1", "x")
    session = Session.connect("redis", url=srv.url, prefix="app")
    session.execute(["RPUSH", "k1", "x"])
    session.execute(["RPUSH", "k[2]", "x"])
    assert sorted(raw.keys("*")) == ["app:k1", "app:k[2]", "other:k1"]
    assert complete(session, "LLEN k") == ["k1", "k[2]"]
    assert complete(session, "LLEN k[") == ["k[2]"]
    raw.close()
    session.close()
