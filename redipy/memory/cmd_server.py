"""Memory backend handlers: the server-wide commands (INFO, CONFIG, SAVE, BGSAVE, LASTSAVE,
SHUTDOWN, ACL), reading and changing the backend's :class:`ServerState`.

The per-connection commands (SELECT, HELLO, AUTH, CLIENT, QUIT, RESET, MONITOR) are
answered by :class:`redipy.memory.client.ClientSession`; here they only refuse, since
the backend's own ``execute()`` path has no connection to change.

INFO's memory figures are the process's own (resident set size and its peak), since a
Python heap has no allocator counter per database; ``used_memory`` is that RSS.
"""

from __future__ import annotations

import os
import platform
import resource
import sys
import time
from collections.abc import Sequence
from typing import Any

from redipy.errors import ResponseError
from redipy.memory.db import Database
from redipy.memory.glob import compile_glob
from redipy.memory.registry import command
from redipy.memory.serverstate import API_VERSION, ServerState, server_state
from redipy.reply import OK, Map, Status, Verbatim


def _state(db: Database) -> ServerState:
    server = getattr(db, "server", None)
    if server is None:
        raise ResponseError("ERR server commands need a MemoryBackend")
    return server_state(server)


def _sub_arity(container: str, sub: str) -> ResponseError:
    return ResponseError(
        f"ERR wrong number of arguments for '{container.lower()}|{sub.lower()}' command")


@command("SELECT", "HELLO", "AUTH", "CLIENT", "QUIT", "RESET", "MONITOR")
def cmd_connection(db: Database, args: Sequence[str]) -> Any:
    raise ResponseError("ERR this command changes a connection: send it through a "
                        "client session (redipy serve or Redis.redis_py())")


# ---- INFO ---------------------------------------------------------------------------------


def _rss_bytes() -> int:
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return _peak_bytes()


def _peak_bytes() -> int:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def _human(n: int) -> str:
    for unit, size in (("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)):
        if n >= size:
            return f"{n / size:.2f}{unit}"
    return f"{n}B"


def _section_server(state: ServerState) -> list[str]:
    from redipy.version import __version__ as redipy_version

    now = time.time()
    uptime = int(now - state.started)
    return [
        f"redis_version:{API_VERSION}",
        f"redipy_version:{redipy_version}",
        "server_name:redipy",
        "redis_mode:standalone",
        f"os:{platform.system()} {platform.release()} {platform.machine()}",
        "arch_bits:64" if sys.maxsize > 2**32 else "arch_bits:32",
        "multiplexing_api:asyncio",
        f"python_version:{platform.python_version()}",
        f"process_id:{os.getpid()}",
        f"run_id:{state.run_id}",
        f"tcp_port:{state.tcp_port}",
        f"server_time_usec:{int(now * 1_000_000)}",
        f"uptime_in_seconds:{uptime}",
        f"uptime_in_days:{uptime // 86400}",
        f"executable:{state.executable}",
        "config_file:",
    ]


def _section_clients(state: ServerState) -> list[str]:
    clients = list(state.clients.values())
    pubsub = sum(1 for c in clients if c.subscribed)
    return [
        f"connected_clients:{len(clients)}",
        f"maxclients:{state.param('maxclients')}",
        f"blocked_clients:{state.parked_clients()}",
        f"pubsub_clients:{pubsub}",
        f"watching_clients:{sum(1 for c in clients if c.tx.watched)}",
    ]


def _section_memory(state: ServerState) -> list[str]:
    rss = _rss_bytes()
    peak = max(_peak_bytes(), rss)
    return [
        f"used_memory:{rss}",
        f"used_memory_human:{_human(rss)}",
        f"used_memory_rss:{rss}",
        f"used_memory_rss_human:{_human(rss)}",
        f"used_memory_peak:{peak}",
        f"used_memory_peak_human:{_human(peak)}",
        f"maxmemory:{state.param('maxmemory')}",
        f"maxmemory_policy:{state.param('maxmemory-policy')}",
    ]


def _section_persistence(state: ServerState) -> list[str]:
    return [
        "loading:0",
        f"rdb_changes_since_last_save:{state.dirty}",
        f"rdb_last_save_time:{state.lastsave}",
        "aof_enabled:0",
    ]


def _section_stats(state: ServerState) -> list[str]:
    return [
        f"total_connections_received:{state.total_connections}",
        f"total_commands_processed:{state.commands_processed()}",
        f"total_net_input_bytes:{state.net_input}",
        f"total_net_output_bytes:{state.net_output}",
        f"rejected_connections:{state.rejected_connections}",
        f"pubsub_channels:{len(state.backend.broker.channels)}",
        f"pubsub_patterns:{len(state.backend.broker.patterns)}",
    ]


def _section_replication(state: ServerState) -> list[str]:
    return ["role:master", "connected_slaves:0"]


def _section_cpu(state: ServerState) -> list[str]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return [f"used_cpu_sys:{usage.ru_stime:.6f}", f"used_cpu_user:{usage.ru_utime:.6f}"]


def _section_commandstats(state: ServerState) -> list[str]:
    out = []
    for name, stat in sorted(state.commandstats.items()):
        if not (stat.calls or stat.failed or stat.rejected):
            continue  # made for a call still running (this INFO): a server lists it after
        per_call = stat.usec / stat.calls if stat.calls else 0.0
        out.append(f"cmdstat_{name.lower()}:calls={stat.calls},usec={stat.usec},"
                   f"usec_per_call={per_call:.2f},rejected_calls={stat.rejected},"
                   f"failed_calls={stat.failed}")
    return out


def _section_keyspace(state: ServerState) -> list[str]:
    out = []
    for db in state.backend.dbs:
        with db.lock:
            keys = db.size()
            expires = len(db.expires)
        if keys:
            out.append(f"db{db.index}:keys={keys},expires={expires}")
    return out


SECTIONS = {
    "server": ("Server", _section_server),
    "clients": ("Clients", _section_clients),
    "memory": ("Memory", _section_memory),
    "persistence": ("Persistence", _section_persistence),
    "stats": ("Stats", _section_stats),
    "replication": ("Replication", _section_replication),
    "cpu": ("CPU", _section_cpu),
    "commandstats": ("Commandstats", _section_commandstats),
    "keyspace": ("Keyspace", _section_keyspace),
}
DEFAULT = ("server", "clients", "memory", "persistence", "stats", "replication", "cpu",
           "keyspace")


def info_text(state: ServerState, sections: Sequence[str]) -> str:
    """INFO's text for the named sections (none: the default set), as Redis lays it out."""
    wanted: list[str] = []
    for name in sections or ("default",):
        lower = name.lower()
        if lower == "default":
            wanted.extend(DEFAULT)
        elif lower in ("all", "everything"):
            wanted.extend(SECTIONS)
        elif lower in SECTIONS:
            wanted.append(lower)
    parts = []
    for name in dict.fromkeys(wanted):
        title, make = SECTIONS[name]
        parts.append("".join(f"{line}\r\n" for line in [f"# {title}", *make(state)]))
    return "\r\n".join(parts)


@command("INFO")
def cmd_info(db: Database, args: Sequence[str]) -> Verbatim:
    return Verbatim(info_text(_state(db), args))


# ---- CONFIG ---------------------------------------------------------------------------------


_CONFIG_ARITY = {"GET": -3, "SET": -4, "RESETSTAT": 2, "REWRITE": 2}


@command("CONFIG")
def cmd_config(db: Database, args: Sequence[str]) -> Any:
    state = _state(db)
    sub = args[0].upper()
    arity = _CONFIG_ARITY.get(sub)
    if arity is None:
        raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try CONFIG HELP.")
    argc = len(args) + 1
    if (argc != arity) if arity > 0 else (argc < -arity):
        raise _sub_arity("config", sub)
    if sub == "GET":
        return _config_get(state, args[1:])
    if sub == "SET":
        if len(args) % 2 == 0:
            raise _sub_arity("config", sub)
        return _config_set(state, args[1:])
    if sub == "RESETSTAT":
        state.reset_stats()
        return OK
    raise ResponseError("ERR The server is running without a config file")


def _config_get(state: ServerState, patterns: Sequence[str]) -> Map:
    """The parameters matching any pattern; ``requirepass`` is never shown."""
    found: dict[str, str] = {}
    for pattern in patterns:
        match = compile_glob(pattern.lower())
        for name, param in state.params.items():
            if name not in found and match(name):
                found[name] = param.value
    out = Map()
    for name, value in found.items():
        out.extend((name, value))
    return out


def _config_set(state: ServerState, pairs: Sequence[str]) -> Status:
    changes: list[tuple[str, str]] = []
    for i in range(0, len(pairs), 2):
        name, value = pairs[i].lower(), pairs[i + 1]
        if name == "requirepass":
            changes.append((name, value))
            continue
        param = state.params.get(name)
        if param is None:
            raise ResponseError(
                f"ERR Unknown option or number of arguments for CONFIG SET - '{pairs[i]}'")
        if not param.mutable:
            raise ResponseError(f"ERR CONFIG SET failed (possibly related to argument "
                                f"'{name}') - can't set immutable config")
        if param.check is not None:
            try:
                value = param.check(value)
            except ValueError as err:
                raise ResponseError(f"ERR CONFIG SET failed (possibly related to argument "
                                    f"'{name}') - {err}") from None
        changes.append((name, value))
    for name, value in changes:  # all or nothing, as Redis 7 does
        if name == "requirepass":
            state.requirepass = value or None
        else:
            state.params[name].value = value
    return OK


# ---- persistence and lifetime ---------------------------------------------------------------


@command("SAVE")
def cmd_save(db: Database, args: Sequence[str]) -> Status:
    _state(db).save()
    return OK


@command("BGSAVE")
def cmd_bgsave(db: Database, args: Sequence[str]) -> Status:
    if len(args) > 1 or (args and args[0].upper() not in ("SCHEDULE", "CANCEL")):
        raise ResponseError("ERR syntax error")
    if args and args[0].upper() == "CANCEL":  # saves run in the foreground: never pending
        raise ResponseError(
            "ERR Background saving is currently not in progress or scheduled")
    _state(db).save()
    return Status("Background saving started")


@command("LASTSAVE")
def cmd_lastsave(db: Database, args: Sequence[str]) -> int:
    return _state(db).lastsave


@command("SHUTDOWN")
def cmd_shutdown(db: Database, args: Sequence[str]) -> Any:
    save: bool | None = None
    for arg in args:
        word = arg.upper()
        if word == "NOSAVE" and save is None:
            save = False
        elif word == "SAVE" and save is None:
            save = True
        elif word in ("NOW", "FORCE", "SAFE", "FAILOVER"):
            continue  # nothing to wait for: no replicas, no lagging writes
        elif word == "ABORT" and len(args) == 1:
            raise ResponseError("ERR No shutdown in progress.")
        else:
            raise ResponseError("ERR syntax error")
    state = _state(db)
    if state.shutdown_hook is None:
        raise ResponseError("ERR Errors trying to SHUTDOWN. Check logs.")
    state.shutdown_hook(save)
    from redipy.memory.client import NO_REPLY

    return NO_REPLY


@command("ACL")
def cmd_acl(db: Database, args: Sequence[str]) -> Any:
    sub = args[0].upper()
    if sub == "WHOAMI":
        if len(args) != 1:
            raise _sub_arity("acl", sub)
        return "default"
    if sub == "USERS":
        if len(args) != 1:
            raise _sub_arity("acl", sub)
        return ["default"]
    raise ResponseError(f"ERR unknown subcommand '{args[0]}'. Try ACL HELP.")
