"""Command table: scripting (EVAL, EVALSHA, their _RO forms, SCRIPT, FUNCTION, FCALL).

The memory backend runs real Lua 5.1 (:mod:`redipy.memory.lua`) with Redis's sandbox and
libraries; redipy's builder scripts (:mod:`redipy.script`) reach both backends as EVALSHA
of the generated Lua, and on memory that sha runs their compiled Python instead.
EVAL/EVALSHA/FCALL carry their keys after the key count, so the Redis backend's key
prefix is applied to them like to any other key.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyNum

_SCRIPT_KEYS = (KeyNum(2, 3),)
_FLAGS = frozenset({"noscript", "stale", "skip_monitor", "may_replicate", "no_mandatory_keys"})
_RO_FLAGS = frozenset({"noscript", "stale", "skip_monitor", "no_mandatory_keys", "readonly"})
_RUN = "O(1) to start it; the script then costs what its commands cost."

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "EVAL", "scripting", -3,
        "Run a Lua script atomically with the given keys and arguments.",
        _RUN, "EVAL script numkeys [key [key ...]] [arg [arg ...]]", since="2.6.0",
        keys=_SCRIPT_KEYS, flags=_FLAGS, script=False),
    CommandSpec(
        "EVAL_RO", "scripting", -3,
        "Run a Lua script that may only read: a write command inside it fails.",
        _RUN, "EVAL_RO script numkeys [key [key ...]] [arg [arg ...]]", since="7.0.0",
        keys=_SCRIPT_KEYS, flags=_RO_FLAGS, script=False),
    CommandSpec(
        "EVALSHA", "scripting", -3,
        "Run a script loaded earlier, named by the SHA1 of its text; a NOSCRIPT error "
        "says it must be loaded again.",
        _RUN, "EVALSHA sha1 numkeys [key [key ...]] [arg [arg ...]]", since="2.6.0",
        keys=_SCRIPT_KEYS, flags=_FLAGS, script=False),
    CommandSpec(
        "EVALSHA_RO", "scripting", -3,
        "Run a loaded script, by SHA1, that may only read.",
        _RUN, "EVALSHA_RO sha1 numkeys [key [key ...]] [arg [arg ...]]", since="7.0.0",
        keys=_SCRIPT_KEYS, flags=_RO_FLAGS, script=False),
    CommandSpec(
        "SCRIPT", "scripting", -2,
        "Manage the script cache: LOAD a script (replies with its SHA1), ask whether "
        "scripts EXISTS, FLUSH them all, KILL a running one, SHOW one's text.",
        "O(N) with N the script's length (LOAD) or the number of scripts (EXISTS, FLUSH).",
        "SCRIPT LOAD script | SCRIPT EXISTS sha1 [sha1 ...] | SCRIPT FLUSH [ASYNC | SYNC] "
        "| SCRIPT KILL | SCRIPT SHOW sha1",
        since="2.6.0", flags=frozenset({"noscript"}),
        script=False, cluster="special"),
    CommandSpec(
        "FUNCTION", "scripting", -2,
        "Manage function libraries: LOAD [REPLACE] one (its code starts with "
        "'#!lua name=...'), LIST them [LIBRARYNAME pattern] [WITHCODE], DELETE one, FLUSH "
        "all, DUMP and RESTORE them, STATS.",
        "O(N) with N the number of functions or libraries involved.",
        "FUNCTION LOAD [REPLACE] code | FUNCTION LIST [LIBRARYNAME pattern] [WITHCODE] | "
        "FUNCTION DELETE library | FUNCTION FLUSH [ASYNC | SYNC] | FUNCTION DUMP | "
        "FUNCTION RESTORE payload [FLUSH | APPEND | REPLACE] | FUNCTION STATS",
        since="7.0.0", flags=frozenset({"noscript"}), script=False),
    CommandSpec(
        "FCALL", "scripting", -3,
        "Call a function of a loaded library with the given keys and arguments.",
        _RUN, "FCALL function numkeys [key [key ...]] [arg [arg ...]]", since="7.0.0",
        keys=_SCRIPT_KEYS, flags=_FLAGS, script=False),
    CommandSpec(
        "FCALL_RO", "scripting", -3,
        "Call a function flagged no-writes; it may only read.",
        _RUN, "FCALL_RO function numkeys [key [key ...]] [arg [arg ...]]", since="7.0.0",
        keys=_SCRIPT_KEYS, flags=_RO_FLAGS, script=False),
)
