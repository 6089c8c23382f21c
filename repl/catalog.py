"""What the connected server knows: the commands behind help, hints and completion.

On the memory backend that is redipy's command table. On a server it is the server's
own ``COMMAND`` (arity, key positions, flags) and ``COMMAND DOCS`` (summary, since,
group, complexity, the argument grammar), read once and cached on disk per server
name and version (``$XDG_CACHE_HOME/redipy/commands/valkey-9.1.2.json``), so ``HELP
XADD``, ``help @stream`` and XADD's keywords work against a server whatever the memory
backend implements. Each command becomes a :class:`redipy.commands.CommandSpec` with
the syntax line built from the argument grammar as redis-cli builds it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from redipy.commands import COMMANDS, GROUPS, CommandSpec, KeyRange


class Catalog:
    """Commands by upper-case name (``"CONFIG GET"`` for subcommands) and their groups."""

    def __init__(self, specs: dict[str, CommandSpec], groups: Iterable[str], source: str):
        self.specs = specs
        self.groups = tuple(groups)
        self.source = source
        """Where the commands come from, for messages: ``redipy's command table``."""

    def lookup(self, name: str) -> CommandSpec | None:
        return self.specs.get(" ".join(name.split()).upper())

    def by_group(self, group: str) -> list[CommandSpec]:
        want = group.lower().replace("-", "_")
        return sorted((s for s in self.specs.values()
                       if s.group.replace("-", "_") == want), key=lambda s: s.name)

    def subcommands(self, container: str) -> list[str]:
        head = container.upper() + " "
        return sorted(name[len(head):] for name in self.specs if name.startswith(head))


TABLE = Catalog(COMMANDS, GROUPS, "redipy's command table")


# ---- from a server ------------------------------------------------------------------


def _pairs(reply: Any) -> dict[str, Any]:
    """A map reply (RESP3 dict or RESP2 flat list) as a dict."""
    if isinstance(reply, dict):
        return {str(k): v for k, v in reply.items()}
    items = list(reply or [])
    return {str(items[i]): items[i + 1] for i in range(0, len(items) - 1, 2)}


def _arg_text(arg: dict[str, Any]) -> str:
    """One argument of COMMAND DOCS as redis-cli writes it in a syntax line."""
    kind = str(arg.get("type", ""))
    flags = {str(f) for f in arg.get("flags", []) or []}
    token = arg.get("token")
    if kind == "pure-token":
        text = str(token or arg.get("name", "")).upper()
    elif kind in ("oneof", "block"):
        parts = [_arg_text(_pairs(a)) for a in arg.get("arguments", []) or []]
        text = " | ".join(parts) if kind == "oneof" else " ".join(parts)
        if kind == "oneof" and "optional" not in flags:
            text = f"<{text}>"
        if token:
            text = f"{str(token).upper()} {text}"
    else:
        text = str(arg.get("display_text") or arg.get("name", "arg"))
        if token:
            text = f"{str(token).upper()} {text}"
    if "multiple" in flags:
        again = (f"{str(token).upper()} " if token and "multiple_token" in flags else "") + (
            text[len(str(token)) + 1:] if token else text)
        text = f"{text} [{again} ...]"
    if "optional" in flags:
        text = f"[{text}]"
    return text


def spec_of(name: str, info: list[Any] | None, docs: dict[str, Any]) -> CommandSpec:
    """A CommandSpec for ``name`` from its COMMAND INFO entry and COMMAND DOCS map."""
    args = [_pairs(a) for a in docs.get("arguments", []) or []]
    syntax = " ".join([name, *(_arg_text(a) for a in args)])
    arity, flags = -1, frozenset[str]()
    keys: tuple[KeyRange, ...] = ()
    if info:
        arity = int(info[1])
        flags = frozenset(str(f).lower() for f in info[2] or [])
        first, last, step = int(info[3]), int(info[4]), int(info[5])
        if first > 0:
            keys = (KeyRange(first, last, step),)
    return CommandSpec(
        name=name, group=str(docs.get("group", "generic")), arity=arity,
        summary=str(docs.get("summary", "")), complexity=str(docs.get("complexity", "")),
        syntax=syntax, since=str(docs.get("since", "")), keys=keys, flags=flags)


def build(command_reply: Any, docs_reply: Any, source: str) -> Catalog:
    """A catalog from the replies of ``COMMAND`` and ``COMMAND DOCS``."""
    infos: dict[str, list[Any]] = {}
    for entry in command_reply or []:
        infos[str(entry[0]).upper()] = entry
        for sub in (entry[9] if len(entry) > 9 else None) or []:
            infos[str(sub[0]).replace("|", " ").upper()] = sub
    specs: dict[str, CommandSpec] = {}
    for raw_name, raw_docs in _pairs(docs_reply).items():
        name = raw_name.replace("|", " ").upper()
        docs = _pairs(raw_docs)
        specs[name] = spec_of(name, infos.get(name), docs)
        for sub_name, sub_docs in _pairs(docs.get("subcommands")).items():
            sub = sub_name.replace("|", " ").upper()
            specs[sub] = spec_of(sub, infos.get(sub), _pairs(sub_docs))
    groups = sorted({s.group for s in specs.values()})
    return Catalog(specs, groups, source)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "redipy" / "commands"


def server_identity(call: Any) -> tuple[str, str]:
    """``("valkey", "9.1.2")`` from INFO server."""
    info = str(call("INFO", "server"))
    fields = dict(line.split(":", 1) for line in info.splitlines() if ":" in line)
    if "valkey_version" in fields:
        return "valkey", fields["valkey_version"].strip()
    name = fields.get("server_name", "redis").strip() or "redis"
    return name, fields.get("redis_version", "0").strip()


def from_server(call: Any) -> Catalog:
    """The catalog of the server ``call(*argv)`` talks to, from the cache when this
    server name and version were seen before."""
    server, version = server_identity(call)
    source = f"{server} {version}"
    path = cache_dir() / f"{server}-{version}.json"
    if server != "redipy":  # redipy serve's table grows with registered commands
        try:
            cached = json.loads(path.read_text())
            return build(cached["command"], cached["docs"], source)
        except (OSError, ValueError, KeyError, TypeError, IndexError):
            pass
    command_reply = _plain(call("COMMAND"))
    docs_reply = _plain(call("COMMAND", "DOCS"))
    catalog = build(command_reply, docs_reply, source)
    if server == "redipy":
        return catalog
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"command": command_reply, "docs": docs_reply}))
        tmp.replace(path)
    except OSError:
        pass  # a read-only home: no cache, still a catalog
    return catalog


def _plain(reply: Any) -> Any:
    """A reply as JSON-able lists (RESP3 maps flattened to RESP2's pairs)."""
    if isinstance(reply, dict):
        return [x for k, v in reply.items() for x in (_plain(k), _plain(v))]
    if isinstance(reply, list):
        return [_plain(x) for x in reply]
    if isinstance(reply, str):
        return str(reply)
    if isinstance(reply, bool | int | float) or reply is None:
        return reply
    return str(reply)
