"""The shell's pure parts: redis-cli tokenizer, renderers, lexer, hints and HELP."""

from __future__ import annotations

import io
import json

import pytest
from redipy.repl import render
from redipy.repl.parse import (
    INVALID_ARGS,
    INVALID_REPEAT,
    ArgsError,
    join_lines,
    split_args,
    split_repeat,
    tokenize,
)

from redipy.errors import ResponseError, WrongTypeError
from redipy.reply import OK, Status

# ---- tokenizer (sdssplitargs) ---------------------------------------------------------


@pytest.mark.parametrize(("line", "argv"), [
    ("GET k", ["GET", "k"]),
    ("  set   k   v  ", ["set", "k", "v"]),
    ('SET k "a b"', ["SET", "k", "a b"]),
    ('SET k "a\\nb\\tc\\r\\\\\\"q"', ["SET", "k", 'a\nb\tc\r\\"q']),
    ('SET k "\\x41\\x7a\\xe4\\xbd\\xa0"', ["SET", "k", "Az你"]),
    ('SET k "\\xZZ"', ["SET", "k", "xZZ"]),
    ("SET k 'it\\'s'", ["SET", "k", "it's"]),
    ("SET k 'a\\nb'", ["SET", "k", "a\\nb"]),
    ('SET k ""', ["SET", "k", ""]),
    ("SET k ''", ["SET", "k", ""]),
    ('SET k ab"cd"', ["SET", "k", "abcd"]),
    ("SET k v\tw", ["SET", "k", "v", "w"]),
    ("", []),
    ("   ", []),
    ("SET k héllo", ["SET", "k", "héllo"]),
])
def test_split_args(line: str, argv: list[str]) -> None:
    assert split_args(line) == argv


def test_invalid_bytes_round_trip() -> None:
    value = split_args('SET k "\\xff\\xfe"')[2]
    assert value.encode("utf-8", "surrogateescape") == b"\xff\xfe"


@pytest.mark.parametrize("line", ['GET "k', "GET 'k", 'GET "k"x', "GET 'k'x", 'GET "k\\"'])
def test_unbalanced_quotes(line: str) -> None:
    with pytest.raises(ArgsError) as info:
        split_args(line)
    assert str(info.value) == INVALID_ARGS == "Invalid argument(s)"


def test_lenient_tokenize_keeps_the_open_token() -> None:
    toks = tokenize('GET "my ke', lenient=True)
    assert [t.value for t in toks] == ["GET", "my ke"]
    assert not toks[-1].closed and toks[-1].quote == '"'
    assert toks[-1].start == 4 and toks[-1].end == 10


def test_repeat_prefix() -> None:
    assert split_repeat(["5", "INCR", "x"]) == (5, ["INCR", "x"])
    assert split_repeat(["INCR", "x"]) == (1, ["INCR", "x"])
    assert split_repeat(["5"]) == (1, ["5"])
    for bad in ("0", "-3"):
        with pytest.raises(ArgsError) as info:
            split_repeat([bad, "PING"])
        assert str(info.value) == INVALID_REPEAT


def test_join_lines() -> None:
    assert join_lines("SET k \\\nvalue") == ["SET k value"]
    assert join_lines("GET a\nGET b\n\n") == ["GET a", "GET b"]
    assert join_lines('SET k "ab\\\ncd"') == ['SET k "abcd"']


# ---- redis-cli's terminal format --------------------------------------------------------


@pytest.mark.parametrize(("reply", "text"), [
    (1, "(integer) 1"),
    (-7, "(integer) -7"),
    (None, "(nil)"),
    ("bulk", '"bulk"'),
    ("", '""'),
    (OK, "OK"),
    (Status("string"), "string"),
    ('a"b\\c\n\t\r\a\b\x01', '"a\\"b\\\\c\\n\\t\\r\\a\\b\\x01"'),
    ("你", '"\\xe4\\xbd\\xa0"'),
    ([], "(empty array)"),
    (["a", "b"], '1) "a"\n2) "b"'),
    ([1, [2, [3, [], "a"]], "x"],
     '1) (integer) 1\n2) 1) (integer) 2\n   2) 1) (integer) 3\n      2) (empty array)\n'
     '      3) "a"\n3) "x"'),
    (ResponseError("ERR boom"), "(error) ERR boom"),
    (["ok", ResponseError("ERR inner")], '1) "ok"\n2) (error) ERR inner'),
    (1.5, "(double) 1.5"),
    (3.0, "(double) 3"),
    (float("inf"), "(double) inf"),
    (True, "(true)"),
    ({"f": "v", "g": 1}, '1# "f" => "v"\n2# "g" => (integer) 1'),
    ({}, "(empty hash)"),
    ({"b", "a"}, '1~ "a"\n2~ "b"'),
])
def test_text_format(reply: object, text: str) -> None:
    assert render.to_text(reply) == text


def test_text_format_aligns_indices_like_redis_cli() -> None:
    reply: list[object] = [*range(1, 11), ["x", "y"]]
    lines = render.to_text(reply).split("\n")
    assert lines[0] == " 1) (integer) 1"
    assert lines[9] == "10) (integer) 10"
    assert lines[10] == '11) 1) "x"'
    assert lines[11] == '    2) "y"'


# ---- --raw and --json -------------------------------------------------------------------


@pytest.mark.parametrize(("reply", "text"), [
    (1, "1"),
    (None, ""),
    ("a b", "a b"),
    (OK, "OK"),
    ([], ""),
    (["a", ["b", 2]], "a\nb\n2"),
    (ResponseError("ERR x"), "ERR x\n"),
    (2.5, "2.5"),
])
def test_raw_format(reply: object, text: str) -> None:
    assert render.to_raw(reply) == text


def test_json_format() -> None:
    assert render.to_json("v") == '"v"'
    assert render.to_json(None) == "null"
    assert render.to_json(3) == "3"
    assert render.to_json(OK) == '"OK"'
    assert render.to_json(["a", ["b"], None]) == '["a",["b"],null]'
    assert render.to_json("a\x01\"") == '"a\\u0001\\""'
    assert render.to_json("你") == '"你"'
    assert render.to_json(ResponseError("ERR x")) == 'error:"ERR x"'
    # RESP3 shapes, as redis-cli --json shows them
    assert render.to_json(["f1", "v1", "f2", "v2"], ["hgetall", "h"]) == '{"f1":"v1","f2":"v2"}'
    assert render.to_json(["a", "1", "b", "2.5"], ["ZRANGE", "z", "0", "-1", "withscores"]) \
        == '[["a",1],["b",2.5]]'
    assert render.to_json(["a", "1"], ["ZRANGE", "z", "0", "-1"]) == '["a","1"]'
    assert json.loads(render.to_json({"x": [1, 2.5, None]})) == {"x": [1, 2.5, None]}


def test_error_text_is_one_line() -> None:
    assert render.error_text(WrongTypeError("WRONGTYPE Operation")) == "WRONGTYPE Operation"
    assert render.error_text(ValueError("bad\nthing")) == "ValueError: bad thing"
    assert render.error_text(KeyError("k")) == "KeyError: k"


# ---- rich ------------------------------------------------------------------------------


def _rich_text(renderable: object) -> str:
    from rich.console import Console

    buf = io.StringIO()
    Console(file=buf, width=60, force_terminal=False).print(renderable)
    return buf.getvalue()


def test_rich_tables() -> None:
    table = render.to_rich(["f1", "v1", "f2", "two words"], ["HGETALL", "h"])
    assert table is not None
    out = _rich_text(table)
    assert "field" in out and "value" in out and "two words" in out
    assert out.index("f1") < out.index("v1") < out.index("f2")
    scored = _rich_text(render.to_rich(["a", "1", "b", "2.5"], ["zrange", "z", "0", "-1",
                                                              "WITHSCORES"]))
    assert "member" in scored and "score" in scored and "2.5" in scored
    assert render.to_rich(["a", "b"], ["LRANGE", "l", "0", "-1"]) is None
    assert render.to_rich([], ["HGETALL", "h"]) is None
    assert render.to_rich(5, ["HGETALL", "h"]) is None
    assert "k" in _rich_text(render.to_rich({"k": "v"}))


# ---- lexer, hints, HELP -------------------------------------------------------------------


def test_lexer_covers_the_line_and_classifies() -> None:
    from redipy.repl.lexer import lex_line

    line = 'LPUSH mylist "a b" 42 x'
    frags = lex_line(line)
    assert "".join(text for _style, text in frags) == line
    styles = {text: style for style, text in frags}
    assert styles["LPUSH"] == "class:rp.command"
    assert styles['"a b"'] == "class:rp.string"
    assert styles["42"] == "class:rp.number"
    assert lex_line("nosuchcmd x")[0] == ("class:rp.unknown", "nosuchcmd")
    assert lex_line(":help")[0] == ("class:rp.meta", ":help")
    assert lex_line("3 LPUSH l x")[0] == ("class:rp.repeat", "3")
    zfr = dict((t, s) for s, t in lex_line("ZRANGE z 0 -1 withscores"))
    assert zfr["withscores"] == "class:rp.keyword"
    assert "".join(t for _s, t in lex_line('GET "unbalanced')) == 'GET "unbalanced'


def test_hint_line() -> None:
    from redipy.repl.toolbar import DEFAULT_HINT, hint

    assert hint("") == DEFAULT_HINT
    text = hint("lpush ")
    assert "LPUSH key" in text and "@list" in text and "O(" in text
    assert ":call" in hint(":call x")
    assert "not a command redipy's command table knows" in hint("nosuchcmd ")


def test_arg_hint() -> None:
    from redipy.repl.toolbar import arg_hint

    assert arg_hint("LPUSH ").startswith("key element")
    assert arg_hint("LPUSH k ").startswith("element")
    assert arg_hint("LPUSH k") == ""
    assert arg_hint("nosuch ") == ""


def test_help_text() -> None:
    from redipy.repl.toolbar import help_text

    text = help_text(["lpush"])
    assert "LPUSH key" in text and "group: list" in text and "since:" in text
    group = help_text(["@list"])
    assert "LPUSH" in group and "RPOP" in group
    assert "no commands in group" in help_text(["@nope"])
    assert "not a command redipy's command table knows" in help_text(["nosuch"])
    assert "help @<group>" in help_text([])
