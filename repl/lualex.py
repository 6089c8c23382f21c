"""Lua inside a typed line: the script argument of EVAL, EVAL_RO, SCRIPT LOAD and
FUNCTION LOAD highlighted as Lua (pygments' Lua lexer, which rich brings), and read
from a file when it is written ``@path`` (``SCRIPT LOAD @lib/rate.lua``): no Lua
script starts with ``@``, so the form cannot be mistaken for a script.

The body is typed as one quoted argument, so its text holds redis-cli's escapes
(``\\"``, ``\\n``, ``\\xHH``); the Lua is lexed as the server will read it (escapes
undone) and each Lua token is mapped back onto the characters typed for it.
"""

from __future__ import annotations

from collections.abc import Sequence

Fragments = list[tuple[str, str]]

SCRIPT_ARG = {"EVAL": 1, "EVAL_RO": 1, "SCRIPT LOAD": 2, "FUNCTION LOAD": -1}
"""Where the script is, per command (-1: the last argument, after an optional REPLACE)."""

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "a": "\a"}

STYLE = {
    "rp.lua.keyword": "bold ansimagenta",
    "rp.lua.name": "ansicyan",
    "rp.lua.string": "ansigreen",
    "rp.lua.number": "ansiblue",
    "rp.lua.comment": "italic ansibrightblack",
    "rp.lua.quote": "ansigreen",
}


def script_index(words: Sequence[str]) -> int | None:
    """The index of the word holding Lua in ``words`` (a typed command), or None."""
    if not words:
        return None
    name = words[0].upper()
    if name in ("SCRIPT", "FUNCTION") and len(words) > 1:
        name = f"{name} {words[1].upper()}"
    at = SCRIPT_ARG.get(name)
    if at is None:
        return None
    if at == -1:
        at = 3 if len(words) > 3 and words[2].upper() == "REPLACE" else 2
    return at if at < len(words) else None


def with_file(argv: list[str]) -> list[str]:
    """``argv`` with an ``@path`` script argument replaced by the file's text; OSError
    (one line) when the file cannot be read."""
    at = script_index(argv)
    if at is None or not argv[at].startswith("@") or len(argv[at]) < 2:
        return argv
    from pathlib import Path

    path = argv[at][1:]
    try:
        data = Path(path).expanduser().read_bytes()
    except OSError as err:
        raise OSError(f"Can't open file '{path}': {err.strerror}") from None
    return [*argv[:at], data.decode("utf-8", "surrogateescape"), *argv[at + 1:]]


def _unescape(raw: str, quote: str) -> tuple[str, list[int]]:
    """The text the server receives for a quoted word's inside, and where each of its
    characters starts in ``raw`` (one more entry: the end)."""
    out: list[str] = []
    where: list[int] = []
    i = 0
    while i < len(raw):
        where.append(i)
        char = raw[i]
        if char == "\\" and i + 1 < len(raw):
            nxt = raw[i + 1]
            if quote == "'":
                if nxt == "'":
                    out.append("'")
                    i += 2
                    continue
            elif nxt == "x" and i + 3 < len(raw) and _hex(raw[i + 2:i + 4]):
                out.append(chr(int(raw[i + 2:i + 4], 16)))
                i += 4
                continue
            else:
                out.append(_ESCAPES.get(nxt, nxt))
                i += 2
                continue
        out.append(char)
        i += 1
    where.append(len(raw))
    return "".join(out), where


def _hex(text: str) -> bool:
    return len(text) == 2 and all(c in "0123456789abcdefABCDEF" for c in text)


def _style(kind: object) -> str:
    name = str(kind)
    for part, style in (("Comment", "comment"), ("String", "string"), ("Number", "number"),
                        ("Keyword", "keyword"), ("Name.Builtin", "name"),
                        ("Name.Function", "name")):
        if part in name:
            return f"class:rp.lua.{style}"
    return ""


def lua_fragments(text: str, quote: str, closed: bool) -> Fragments:
    """Fragments covering ``text`` (one typed word, quotes included) as Lua."""
    import importlib

    lexer = importlib.import_module("pygments.lexers").LuaLexer()  # rich's dependency
    if not quote:
        inner, head, tail = text, "", ""
    else:
        head = text[0]
        tail = text[-1] if closed and len(text) > 1 else ""
        inner = text[1:len(text) - len(tail)]
    value, where = _unescape(inner, quote) if quote else (inner, list(range(len(inner) + 1)))
    out: Fragments = [("class:rp.lua.quote", head)] if head else []
    for start, kind, token in lexer.get_tokens_unprocessed(value):
        first, last = where[start], where[min(start + len(token), len(value))]
        if last > first:
            out.append((_style(kind), inner[first:last]))
    if tail:
        out.append(("class:rp.lua.quote", tail))
    return out


def libraries(reply: object, argv: Sequence[str] | None) -> list[dict[str, object]] | None:
    """FUNCTION LIST WITHCODE's reply as one dict per library (RESP2 flat lists or RESP3
    maps), for showing the code as code; None for any other reply."""
    words = [w.upper() for w in argv or ()]
    if words[:2] != ["FUNCTION", "LIST"] or "WITHCODE" not in words \
            or not isinstance(reply, list):
        return None
    out: list[dict[str, object]] = []
    for lib in reply:
        if isinstance(lib, dict):
            info = {str(k): v for k, v in lib.items()}
        elif isinstance(lib, list) and not len(lib) % 2:
            info = {str(lib[i]): lib[i + 1] for i in range(0, len(lib), 2)}
        else:
            return None
        if not isinstance(info.get("library_code"), str):
            return None
        out.append(info)
    return out


def function_names(info: dict[str, object]) -> list[str]:
    """The function names of one library entry (either reply shape)."""
    names = []
    funcs = info.get("functions")
    for func in funcs if isinstance(funcs, list) else []:
        if isinstance(func, dict):
            names.append(str(func.get("name")))
        elif isinstance(func, list) and "name" in func[::2]:
            names.append(str(func[func.index("name") + 1]))
    return names
