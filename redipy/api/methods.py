"""Which typed methods send which command, read off the API's own source.

The README's method column, the shell's hints and the table tests need "the methods of
``redipy.Redis`` that send SET". Typing that list by hand drifted (EXPIRE listed no
method although ``expire`` sends it); here it is derived from the code instead: a
command name is *sent* by a method when it reaches the command position of
``self._call(NAME, ...)`` or ``self._conv(conv, NAME, ...)``, directly, through a local
variable, through a parameter of a private helper the method calls with a constant, or
as the command a builder of :mod:`redipy.commands.build` returns. Public methods that
call other methods inherit what those send. ``self._answer(...)`` (a reply slot with no
command behind it) sends nothing. A command no method sends is served by the method of
its own name when there is one (``expire`` for EXPIRE, though it sends PEXPIRE).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from redipy.commands import COMMANDS

_API_DIR = Path(__file__).resolve().parent
_BUILD = _API_DIR.parent / "commands" / "build.py"
_SUBCOMMANDS = {name.split(" ", 1)[0] for name in COMMANDS if " " in name}


@dataclass
class _Method:
    sends: set[str] = field(default_factory=set)
    params: list[str] = field(default_factory=list)
    param_slots: set[int] = field(default_factory=set)
    """Indices of parameters that reach the command position."""
    calls: list[ast.Call] = field(default_factory=list)
    uses: set[str] = field(default_factory=set)


def _str(node: ast.AST | None) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _consts(node: ast.AST | None) -> set[str]:
    """String constants an expression can evaluate to (``"A" if c else "B"`` gives both)."""
    if isinstance(node, ast.IfExp):
        return _consts(node.body) | _consts(node.orelse)
    value = _str(node)
    return {value} if value is not None else set()


@lru_cache(maxsize=1)
def _builder_commands() -> dict[str, set[str]]:
    """builder function -> the command names it can return first in a tuple."""
    out: dict[str, set[str]] = {}
    tree = ast.parse(_BUILD.read_text(encoding="utf-8"))
    for fn in tree.body:
        if isinstance(fn, ast.FunctionDef):
            names: set[str] = set()
            for node in ast.walk(fn):
                if (isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple)
                        and node.value.elts):
                    names |= _consts(node.value.elts[0])
            out[fn.name] = {n for n in names if n in COMMANDS}
    return out


def _command_position(call: ast.Call) -> tuple[ast.AST | None, ast.AST | None]:
    """The expressions at the command name (and the one after it) of a _call/_conv."""
    func = call.func
    if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
            and func.value.id == "self"):
        return None, None
    skip = {"_call": 0, "_conv": 1}.get(func.attr)
    if skip is None or len(call.args) <= skip:
        return None, None
    rest = call.args[skip + 1] if len(call.args) > skip + 1 else None
    return call.args[skip], rest


def _analyse(fn: ast.FunctionDef) -> _Method:
    method = _Method(params=[a.arg for a in fn.args.args[1:]])
    local: dict[str, set[str]] = {}
    for node in ast.walk(fn):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    local.setdefault(target.id, set()).update(_consts(node.value))
                elif (isinstance(target, ast.Tuple) and target.elts
                      and isinstance(target.elts[0], ast.Name)
                      and isinstance(node.value, ast.Name)):
                    local.setdefault(target.elts[0].id, set()).update(
                        _from_builder(fn, node.value.id))
    for node in ast.walk(fn):
        method.sends |= _direct_backend_commands(node)
        if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name)
                and node.value.id == "self" and isinstance(node.ctx, ast.Load)):
            method.uses.add(node.attr)  # self._helper handed on as a converter counts too
        if not isinstance(node, ast.Call):
            continue
        head, nxt = _command_position(node)
        if head is None:
            method.calls.append(node)
            continue
        names = _consts(head)
        if isinstance(head, ast.Name):
            if head.id in method.params:
                method.param_slots.add(method.params.index(head.id))
            names |= local.get(head.id, set())
        for name in names:
            sub = _str(nxt)
            if name in _SUBCOMMANDS and sub is not None:
                name = f"{name} {sub.upper()}"
            method.sends.add(name)
    return method


def _direct_backend_commands(node: ast.AST) -> set[str]:
    """Commands a method hands the backend itself: ``backend.run("SCAN", ...)`` and the
    ``("TYPE", (key,))`` calls of a ``run_batch`` list."""
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and node.func.attr == "run" and node.args):
        return {n for n in _consts(node.args[0]) if n in COMMANDS}
    if (isinstance(node, ast.Tuple) and len(node.elts) == 2
            and isinstance(node.elts[1], ast.Tuple | ast.List)):
        return {n for n in _consts(node.elts[0]) if n in COMMANDS}
    return set()


#: methods that reach a command through the backend's session, script or subscriber
#: machinery rather than a command call (so no call site names the command)
STRUCTURAL: dict[str, tuple[str, ...]] = {
    "EVALSHA": ("register_script",),
    "SCRIPT": ("register_script",),
    "MULTI": ("pipeline", "transaction"),
    "EXEC": ("pipeline", "transaction"),
    "DISCARD": ("pipeline",),
    "WATCH": ("pipeline", "transaction"),
    "UNWATCH": ("pipeline", "transaction"),
    "SUBSCRIBE": ("pubsub", "wait_for"),
    "UNSUBSCRIBE": ("pubsub", "wait_for"),
    "PSUBSCRIBE": ("pubsub",),
    "PUNSUBSCRIBE": ("pubsub",),
}


def _from_builder(fn: ast.FunctionDef, var: str) -> set[str]:
    """Commands a builder call assigned to ``var`` can return (``built = expire_command(..)``)."""
    found: set[str] = set()
    builders = _builder_commands()
    for node in ast.walk(fn):
        if (isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == var for t in node.targets)
                and isinstance(node.value, ast.Call) and isinstance(node.value.func, ast.Name)):
            found |= builders.get(node.value.func.id, set())
    return found


def _methods() -> Iterator[tuple[str, ast.FunctionDef]]:
    for path in sorted(_API_DIR.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for cls in tree.body:
            if isinstance(cls, ast.ClassDef):
                for fn in cls.body:
                    if isinstance(fn, ast.FunctionDef):
                        yield fn.name, fn


@lru_cache(maxsize=1)
def sent_by() -> dict[str, tuple[str, ...]]:
    """Command name -> the public typed methods that send it (sorted)."""
    table: dict[str, _Method] = {}
    for name, fn in _methods():
        found = _analyse(fn)
        if name in table:  # the same name in two classes: both count
            table[name].sends |= found.sends
            table[name].calls += found.calls
            table[name].param_slots |= found.param_slots
            table[name].uses |= found.uses
        else:
            table[name] = found
    table.pop("_answer", None)
    table.pop("_answer_with", None)
    changed = True
    while changed:  # what a method sends includes what the methods it calls send
        changed = False
        for method in table.values():
            before = len(method.sends)
            for used in method.uses:
                if used in table and table[used] is not method:
                    method.sends |= table[used].sends
            for call in method.calls:
                func = call.func
                if not (isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name)
                        and func.value.id == "self" and func.attr in table):
                    continue
                callee = table[func.attr]
                method.sends |= callee.sends
                for slot in callee.param_slots:
                    if slot < len(call.args):
                        method.sends |= {n for n in _consts(call.args[slot]) if n in COMMANDS}
            changed |= len(method.sends) != before
    out: dict[str, list[str]] = {}
    for name, method in table.items():
        if name.startswith("_"):
            continue
        for command in method.sends:
            if command in COMMANDS:
                out.setdefault(command, []).append(name)
    for command, names in STRUCTURAL.items():
        if command in COMMANDS:
            out.setdefault(command, []).extend(names)
    for command in COMMANDS:  # ``r.expire`` is the method for EXPIRE, though it sends PEXPIRE
        own = command.lower()
        # (a method that sends nothing, such as Pipeline.reset, is not the RESET command)
        if (command not in out and own in table and not own.startswith("_")
                and table[own].sends):
            out[command] = [own]
    return {command: tuple(sorted(set(names))) for command, names in out.items()}


def methods_for(command: str) -> tuple[str, ...]:
    """The public typed methods that send ``command`` (empty: use ``execute_command``)."""
    return sent_by().get(command, ())
