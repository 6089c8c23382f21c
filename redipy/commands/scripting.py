"""Command table: scripting (EVAL, EVALSHA, SCRIPT ...).

redipy scripts are written in Python (:mod:`redipy.script`) and reach both backends
as EVALSHA of the generated Lua; the memory backend runs the compiled Python for a
script registered with it (it does not interpret Lua sent by hand).
EVAL/EVALSHA carry their keys after the key count, so the Redis backend's key prefix
is applied to them like to any other key.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum

_SCRIPT_KEYS = (KeyNum(2, 3),)
_FLAGS = frozenset({"noscript", "stale", "skip_monitor", "may_replicate", "no_mandatory_keys"})

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "EVAL", "scripting", -3,
        "Run a Lua script atomically with the given keys and arguments (the memory "
        "backend runs only scripts that redipy generated).",
        "O(1) to start it; the script then costs what its commands cost.",
        "EVAL script numkeys [key [key ...]] [arg [arg ...]]", since="2.6.0",
        keys=_SCRIPT_KEYS, flags=_FLAGS, script=False),
    CommandSpec(
        "EVALSHA", "scripting", -3,
        "Run a script loaded earlier, named by the SHA1 of its text; a NOSCRIPT error "
        "says it must be loaded again.",
        "O(1) to start it; the script then costs what its commands cost.",
        "EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]", since="2.6.0",
        keys=_SCRIPT_KEYS, flags=_FLAGS, api=("register_script",), script=False),
    CommandSpec(
        "SCRIPT", "scripting", -2,
        "Manage the script cache: LOAD a script (replies with its SHA1), ask whether "
        "scripts EXISTS, or FLUSH them all.",
        "O(N) with N the script's length (LOAD) or the number of scripts (EXISTS, FLUSH).",
        "SCRIPT LOAD script | SCRIPT EXISTS sha1 [sha1 ...] | SCRIPT FLUSH [ASYNC | SYNC]",
        since="2.6.0", flags=frozenset({"noscript"}), api=("register_script",),
        script=False, cluster="special"),
)
