"""Tab completion: command names, subcommands and keywords from the command table,
key names from the keyspace, meta-commands, script names and file paths."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import lru_cache

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document
from redipy.repl import meta
from redipy.repl.parse import tokenize
from redipy.repl.render import quote
from redipy.repl.session import Session
from redipy.repl.toolbar import resolve, subcommands

from redipy.commands.grammar import Node, next_words, parse
from redipy.commands.spec import CommandSpec

_NEEDS_QUOTES = re.compile(r"[\s\"'\\]|[^\x20-\x7e]")
LOCAL_COMMANDS = ("HELP", "QUIT", "EXIT", "CLEAR")


def as_word(value: str) -> str:
    """A value as it must be typed to reach the server unchanged."""
    if value and not _NEEDS_QUOTES.search(value):
        return value
    return quote(value)


@lru_cache(maxsize=512)
def _grammar(syntax: str) -> Node:
    return parse(syntax)


def next_keywords(spec: CommandSpec, typed: list[str]) -> list[str]:
    """The keywords the command's grammar (the table's syntax line as data) allows after
    the arguments ``typed``: ``SET k v NX`` offers GET and EX but no longer XX. When the
    grammar cannot follow what was typed, every keyword not typed yet."""
    try:
        words, value = next_words(_grammar(spec.syntax), typed)
    except Exception:  # a server's syntax line we cannot parse: the plain keyword list
        words, value = set(), False
    if words or value:
        return [kw for kw in spec.keywords if kw in words] + sorted(
            w for w in words if w and w not in spec.keywords)
    seen = {w.upper() for w in typed}
    return [kw for kw in spec.keywords if kw not in seen]


def _cased(word: str, typed: str) -> str:
    """Upper case unless the user is typing in lower case (as pgcli does)."""
    return word.lower() if typed and typed.islower() else word


class RedisCompleter(Completer):
    """Completes the word under the cursor from the table, the keyspace and the shell."""

    def __init__(self, session: Session, key_limit: int = 100) -> None:
        self.session = session
        self.key_limit = key_limit
        self.paths = PathCompleter(expanduser=True)

    def get_completions(self, document: Document,
                        complete_event: CompleteEvent) -> Iterable[Completion]:
        text = document.text_before_cursor.replace("\\\n", "  ").split("\n")[-1]
        tokens = tokenize(text, lenient=True)
        if tokens and tokens[-1].end == len(text):
            word, start = tokens[-1].value, tokens[-1].start
            prev = [t.value for t in tokens[:-1]]
        else:
            word, start, prev = "", len(text), [t.value for t in tokens]
        replace = -(len(text) - start)
        if prev and re.fullmatch(r"[+-]?[0-9]+", prev[0]):
            prev = prev[1:]
        if not prev and text[:start].strip() == "" and text[start:].startswith(meta.PREFIX):
            yield from self._meta_names(text[start + 1:], replace)
            return
        if prev and prev[0].startswith(meta.PREFIX):
            yield from self._meta_args(prev, word, text[start:], replace, complete_event)
            return
        if not prev:
            yield from self._commands(word, replace)
            return
        yield from self._arguments(prev, word, replace)

    # ---- Redis commands -------------------------------------------------------------------

    def _commands(self, word: str, replace: int) -> Iterator[Completion]:
        upper = word.upper()
        seen: set[str] = set()
        specs = self.session.catalog.specs
        for name in sorted(specs):
            first = name.split(" ", 1)[0]
            if first.startswith(upper) and first not in seen:
                seen.add(first)
                spec = specs.get(first)
                yield Completion(_cased(first, word), replace,
                                 display_meta=spec.summary if spec else "subcommands")
        for name in LOCAL_COMMANDS:
            if name.startswith(upper) and name not in seen:
                yield Completion(_cased(name, word), replace, display_meta="shell")

    def _arguments(self, prev: list[str], word: str, replace: int) -> Iterator[Completion]:
        upper = word.upper()
        catalog = self.session.catalog
        if prev[0].upper() == "HELP":
            if len(prev) == 1:
                for group in catalog.groups:
                    if ("@" + group).startswith(word.lower()):
                        yield Completion("@" + group, replace, display_meta="group")
                yield from self._commands(word, replace)
            return
        if len(prev) == 1:
            subs = subcommands(prev[0], catalog)
            if subs:
                for sub in subs:
                    if sub.startswith(upper):
                        yield Completion(_cased(sub, word), replace, display_meta=catalog.specs[
                            f"{prev[0].upper()} {sub}"].summary)
                return
        spec, _used = resolve(prev, catalog)
        if spec is None:
            return
        argv = [*prev, word]
        if len(argv) - 1 in spec.key_positions(argv):
            yield from self._keys(word, replace)
        if word or len(argv) - 1 not in spec.key_positions(argv):
            for kw in next_keywords(spec, prev[1:]):
                if kw.startswith(upper):
                    yield Completion(_cased(kw, word), replace, display_meta="keyword")

    def _keys(self, word: str, replace: int) -> Iterator[Completion]:
        try:
            keys = self.session.keys(word, self.key_limit)
        except Exception:
            return
        for key in keys:
            yield Completion(as_word(key), replace, display=key, display_meta="key")

    # ---- meta-commands ----------------------------------------------------------------

    def _meta_names(self, word: str, replace: int) -> Iterator[Completion]:
        for name, cmd in meta.META.items():
            if name.startswith(word.lower()):
                yield Completion(meta.PREFIX + name, replace, display_meta=cmd.summary)

    def _meta_args(self, prev: list[str], word: str, raw_word: str, replace: int,
                   event: CompleteEvent) -> Iterator[Completion]:
        cmd = meta.find(prev[0][len(meta.PREFIX):])
        if cmd is None:
            return
        position = len(prev)
        options: list[str] = []
        if cmd.complete == "file" and position == 1:
            if raw_word[:1] in ("'", '"'):
                return
            yield from self.paths.get_completions(Document(word), event)
            return
        if cmd.complete == "meta" and position == 1:
            options = list(meta.META)
        elif cmd.complete == "onoff" and position == 1:
            options = ["on", "off"]
        elif cmd.complete == "backend" and position == 1:
            options = ["memory", "redis://127.0.0.1:6379/0"]
        elif cmd.complete == "script":
            scripts = self.session.scripts
            if position == 1:
                options = sorted(scripts)
            elif prev[1] in scripts:
                keys, args = meta.declared(scripts[prev[1]].ctx)
                given = {p.split("=", 1)[0] for p in prev[2:]}
                options = [f"{n}=" for n in dict.fromkeys([*keys, *args]) if n not in given]
        for option in options:
            if option.startswith(word):
                yield Completion(option, replace)
