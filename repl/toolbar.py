"""Help from the command table: the hint line, redis-cli-style argument hints, HELP.

Everything here is a pure function of the text typed so far, so it is cheap to call
on every key press and easy to test.
"""

from __future__ import annotations

import re

from redipy.repl import meta
from redipy.repl.catalog import TABLE, Catalog
from redipy.repl.parse import tokenize

from redipy.commands import CommandSpec

DEFAULT_HINT = "Tab completes · HELP cmd · HELP @group · :help for shell commands · Ctrl-D exits"

_PARAM = re.compile(r"\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\]|\S+")


def subcommands(container: str, catalog: Catalog = TABLE) -> list[str]:
    """The second words of multi-word commands such as ``SCRIPT LOAD``."""
    return catalog.subcommands(container)


def resolve(words: list[str], catalog: Catalog = TABLE) -> tuple[CommandSpec | None, int]:
    """The spec the first words name and how many words its name takes."""
    if not words:
        return None, 0
    if len(words) > 1:
        spec = catalog.lookup(f"{words[0]} {words[1]}")
        if spec is not None:
            return spec, 2
    return catalog.lookup(words[0]), 1


def _words(text: str) -> list[str]:
    words = [tok.value for tok in tokenize(text.replace("\\\n", " "), lenient=True)]
    if len(words) > 1 and re.fullmatch(r"[+-]?[0-9]+", words[0]):
        words = words[1:]
    return words


def hint(text: str, catalog: Catalog = TABLE) -> str:
    """The bottom line for what is typed: syntax, group, complexity; or a tip."""
    stripped = text.lstrip()
    if stripped.startswith(meta.PREFIX):
        name = stripped[1:].split(" ", 1)[0]
        cmd = meta.find(name) if name else None
        if cmd is None:
            return "shell commands: " + " ".join(meta.PREFIX + n for n in meta.META)
        return f"{cmd.usage}  —  {cmd.summary}"
    words = _words(text)
    if not words:
        return DEFAULT_HINT
    if words[0].upper() == "HELP":
        return "HELP command | HELP @group  —  " + " ".join("@" + g for g in catalog.groups)
    spec, _used = resolve(words, catalog)
    if spec is None:
        subs = subcommands(words[0], catalog)
        if subs:
            return f"{words[0].upper()} " + " | ".join(subs)
        return f"{words[0]}: not a command {catalog.source} knows (sent as is)"
    return (f"{spec.syntax}  ·  @{spec.group}  ·  {spec.complexity}  ·  "
            f"since {spec.introduced}")


def arg_hint(text: str, catalog: Catalog = TABLE) -> str:
    """redis-cli's grey hint: the arguments still to type after the cursor."""
    if text.lstrip().startswith(meta.PREFIX) or not text.endswith(" "):
        return ""
    words = _words(text)
    spec, used = resolve(words, catalog)
    if spec is None:
        return ""
    syntax = spec.syntax
    name_words = spec.name.split()
    params = _PARAM.findall(syntax)
    if [p.upper() for p in params[: len(name_words)]] == name_words:
        params = params[len(name_words):]
    typed = len(words) - used
    for _ in range(typed):
        if not params or params[0].startswith("["):
            break
        if params[0].endswith("...") or params[0] == "...":
            return " ".join(params)
        params.pop(0)
    return " ".join(params)


def _one(spec: CommandSpec) -> str:
    return (f"\n  {spec.syntax}\n  summary: {spec.summary}\n  complexity: {spec.complexity}"
            f"\n  since: {spec.introduced}\n  group: {spec.group}\n")


def help_text(args: list[str], catalog: Catalog = TABLE) -> str:
    """``HELP``, ``HELP cmd`` and ``HELP @group`` as redis-cli prints them."""
    if not args:
        return (
            "redipy-shell: redis-cli syntax on the memory backend or a server\n"
            "To get help about Redis commands type:\n"
            '      "help @<group>" to get a list of commands in <group>\n'
            '      "help <command>" for help on <command>\n'
            '      "help <tab>" to get a list of possible help topics\n'
            '      ":help" for the shell\'s own commands\n'
            '      "quit" to exit')
    topic = " ".join(args)
    if topic.startswith("@"):
        group = topic[1:].lower()
        specs = catalog.by_group(group)
        if not specs:
            known = " ".join("@" + g for g in catalog.groups)
            return f"no commands in group @{group} (groups: {known})"
        return "".join(_one(s) for s in specs)
    spec = catalog.lookup(topic)
    if spec is None:
        subs = subcommands(topic, catalog)
        if subs:
            return "".join(_one(s) for s in (catalog.lookup(f"{topic} {sub}") for sub in subs)
                           if s)
        return f"no help for {topic!r}: it is not a command {catalog.source} knows"
    return _one(spec)
