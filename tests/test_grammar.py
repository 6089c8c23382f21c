"""The argument grammar read from each table entry's syntax line: it has the structure of
Valkey 9.1's own COMMAND DOCS arguments, and completion reads the next words from it."""

from __future__ import annotations

from typing import Any

import redis as redis_py

from redipy.commands import COMMANDS
from redipy.commands.grammar import (
    Node,
    OneOf,
    Optional,
    Repeat,
    Seq,
    Token,
    Value,
    next_words,
    parse,
    render,
    tokens,
)
from tests.servers import Server

#: options Valkey 9.1 documents that the memory backend does not have yet, each with the
#: command that shows it (the test fails once the option works: then drop the entry)
NOT_YET: dict[str, tuple[str, ...]] = {
    "GEOSEARCH": ("GEOSEARCH", "k", "BYPOLYGON", "3", "0", "0", "1", "0", "0", "1"),
    "GEOSEARCHSTORE": ("GEOSEARCHSTORE", "d", "k", "BYPOLYGON", "3", "0", "0", "1", "0",
                       "0", "1"),
}


def _from_docs(arg: dict[str, Any]) -> Node:
    """One argument of COMMAND DOCS as a grammar node."""
    kind, token, flags = arg.get("type"), arg.get("token"), arg.get("flags") or []
    base: Node
    if kind == "pure-token":
        base = Token(token)
    elif kind == "oneof":
        base = OneOf(tuple(_from_docs(a) for a in arg["arguments"]))
    elif kind == "block":
        kids = tuple(_from_docs(a) for a in arg["arguments"])
        base = kids[0] if len(kids) == 1 else Seq(kids)
    else:
        base = Value(arg["name"])
    node: Node
    if "multiple" in flags:
        if token and kind != "pure-token":
            node = (Repeat(Seq((Token(token), base))) if "multiple_token" in flags
                    else Seq((Token(token), Repeat(base))))
        else:
            node = Repeat(base)
    elif token and kind != "pure-token":
        node = Seq((Token(token), base))
    else:
        node = base
    return Optional(node) if "optional" in flags else node


def _docs(server: Server) -> dict[str, Any]:
    client = redis_py.Redis(port=server.port, decode_responses=True, protocol=3)
    client.response_callbacks = {}
    docs = client.execute_command("COMMAND", "DOCS", *sorted({n.split()[0] for n in COMMANDS}))
    client.close()
    return dict(docs)


def test_every_syntax_line_parses() -> None:
    for name, spec in COMMANDS.items():
        grammar = parse(spec.syntax)
        assert set(spec.keywords) <= tokens(grammar) | {name.split()[0]}, name


def test_grammar_has_the_structure_valkey_documents(servers: dict[str, Server]) -> None:
    docs = _docs(servers["valkey9"])
    checked = 0
    for name, spec in COMMANDS.items():
        doc = docs.get(name.lower())
        assert doc is not None, f"Valkey 9.1 does not document {name}"
        if "subcommands" in doc and not doc.get("arguments"):
            continue  # a container: its forms are documented per subcommand
        args = doc.get("arguments") or []
        theirs: Node = (Seq(()) if not args else _from_docs(args[0]) if len(args) == 1
                        else Seq(tuple(_from_docs(a) for a in args)))
        ours, want = render(parse(spec.syntax), values=False), render(theirs, values=False)
        if name in NOT_YET:
            assert ours != want, f"{name} now matches the server: drop it from NOT_YET"
            continue
        assert ours == want, f"{name}:\n  ours   {ours}\n  server {want}"
        checked += 1
    assert checked > 100


def test_next_words_follows_the_grammar() -> None:
    set_ = parse(COMMANDS["SET"].syntax)
    words, value = next_words(set_, ["k", "v"])
    assert {"NX", "XX", "IFEQ", "GET", "EX", "KEEPTTL", ""} <= words and not value
    words, value = next_words(set_, ["k", "v", "NX"])
    assert "XX" not in words and "GET" in words
    assert next_words(set_, ["k", "v", "EX"]) == (set(), True)
    xadd = parse(COMMANDS["XADD"].syntax)
    assert next_words(xadd, ["s", "MAXLEN"]) == ({"=", "~"}, True)
    words, _ = next_words(parse(COMMANDS["LMOVE"].syntax), ["a", "b"])
    assert words == {"LEFT", "RIGHT"}
    words, value = next_words(parse(COMMANDS["MGET"].syntax), ["a", "b", "c"])
    assert words == {""} and value
    assert {"LOAD", "EXISTS", "FLUSH"} <= next_words(parse(COMMANDS["SCRIPT"].syntax), [])[0]
