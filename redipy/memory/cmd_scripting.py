"""Memory backend handlers: scripting (EVALSHA of registered redipy scripts).

The memory backend does not interpret Lua: a script registered with
``register_script`` is compiled to Python and filed under the SHA1 of its Lua text,
so EVALSHA (and EVAL of that same text) runs it, atomically, under the database
lock the backend already holds.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from redipy.errors import NoScriptError, ResponseError
from redipy.memory.db import Database
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.memory.registry import command
from redipy.reply import OK

NOSCRIPT = "NOSCRIPT No matching script. Please use EVAL."


def _run(db: Database, sha: str, args: Sequence[str]) -> Any:
    nkeys = parse_int(args[0])
    if nkeys is None:
        raise ResponseError(NOT_INT)
    if nkeys < 0:
        raise ResponseError("ERR Number of keys can't be negative")
    if nkeys > len(args) - 1:
        raise ResponseError("ERR Number of keys can't be greater than number of args")
    entry = db.scripts.get(sha) or db.scripts.get(sha.lower())
    if entry is None:
        raise NoScriptError(NOSCRIPT)
    comp, prog = entry
    return comp.run_memory(prog, db, args[1:1 + nkeys], args[1 + nkeys:])


@command("EVALSHA")
def evalsha(db: Database, args: Sequence[str]) -> Any:
    return _run(db, args[0], args[1:])


@command("EVAL")
def eval_(db: Database, args: Sequence[str]) -> Any:
    sha = hashlib.sha1(args[0].encode("latin-1")).hexdigest()
    if sha not in db.scripts:
        raise ResponseError(
            "ERR the memory backend runs only scripts built with redipy.script "
            "(register_script); it does not interpret Lua")
    return _run(db, sha, args[1:])


@command("SCRIPT")
def script(db: Database, args: Sequence[str]) -> Any:
    sub = args[0].upper()
    scripts = db.scripts
    if sub == "LOAD" and len(args) == 2:
        sha = hashlib.sha1(args[1].encode("latin-1")).hexdigest()
        if sha not in scripts:
            raise ResponseError(
                "ERR the memory backend cannot load Lua: build scripts with redipy.script "
                "and register_script")
        return sha
    if sub == "EXISTS" and len(args) >= 2:
        return [1 if sha.lower() in scripts else 0 for sha in args[1:]]
    if sub == "FLUSH" and len(args) <= 2:
        if len(args) == 2 and args[1].upper() not in ("ASYNC", "SYNC"):
            raise ResponseError("ERR SCRIPT FLUSH only support SYNC|ASYNC option")
        scripts.clear()
        return OK
    if sub in ("LOAD", "EXISTS", "FLUSH"):
        raise ResponseError(f"ERR wrong number of arguments for 'script|{sub.lower()}' command")
    raise ResponseError(
        f"ERR unknown subcommand '{args[0]}'. Try SCRIPT HELP.")
