"""``redipy serve``: the memory backend as a Redis server, from the command line.

This layer (``redipy.migrate``) owns the snapshot format, so it is where ``--snapshot``
is read at start and written on SAVE / BGSAVE, every ``--save-every`` seconds when
something changed, and at shutdown: each save goes to a scratch file first and is
renamed over FILE, so a crash leaves the last complete snapshot. Every database is
saved: FILE holds database 0 and ``FILE.dbN`` database N (:mod:`.serve_snapshot`).

The password comes from ``--requirepass`` or, better, ``--password-env VAR``; it is
never printed, and ``--requirepass``'s copy in the process's argument list is blanked
so ``ps`` does not show it.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

from redipy.migrate.serve_snapshot import database_files, load_all, saver

from redipy.memory.backend import MemoryBackend


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "serve", help="serve an in-memory Redis over TCP (RESP2/RESP3)",
        description="Serve redipy's memory backend as a Redis server any client can reach.")
    p.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; other addresses need a password)")
    p.add_argument("--port", type=int, default=6379, help="TCP port (default 6379; 0 = any free)")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--requirepass", metavar="PW",
                       help="clients must AUTH with this password (prefer --password-env)")
    group.add_argument("--password-env", metavar="VAR",
                       help="read the password from environment variable VAR")
    p.add_argument("--snapshot", metavar="FILE",
                   help="load FILE at start (if it exists) and save to it on SAVE and at exit")
    p.add_argument("--save-every", type=float, metavar="SECONDS",
                   help="with --snapshot: also save every SECONDS when something changed")
    p.add_argument("--databases", type=int, default=16, metavar="N",
                   help="number of databases (default 16)")
    p.add_argument("--maxclients", type=int, metavar="N",
                   help="most clients at once (default 10000)")
    p.add_argument("--no-protected-mode", action="store_true",
                   help="allow a non-loopback bind without a password")
    p.add_argument("--loadmodule", action="append", default=[], metavar="MODULE[:FUNCTION]",
                   help="import a Python module (a dotted name or a .py file) that adds "
                   "commands with redipy.custom.register_command, then call FUNCTION of it "
                   "if given; repeatable")
    p.add_argument("--loop", choices=("auto", "uvloop", "asyncio"), default="auto",
                   help="event loop: uvloop's when installed (auto, the default; about a "
                   "fifth faster), or the standard library's")


def _blank_argv_password(password: str) -> None:
    """Overwrite the password in the process's own argument block (what ``ps`` and
    ``/proc/PID/cmdline`` show); Linux gives its address in ``/proc/self/stat``."""
    import ctypes

    try:
        with open("/proc/self/stat", "rb") as fh:
            stat = fh.read()
        fields = stat[stat.rindex(b")") + 2:].split()
        start, end = int(fields[45]), int(fields[46])  # arg_start, arg_end (48, 49)
        raw = ctypes.string_at(start, end - start)
        secret = password.encode()
        if secret and secret in raw:
            ctypes.memmove(start, raw.replace(secret, b"*" * len(secret)), len(raw))
    except (OSError, ValueError, IndexError):
        pass


def load_module(spec: str) -> None:
    """``--loadmodule``: import ``module`` or ``path.py`` (which registers its commands
    on import), then call ``function`` of it when the spec is ``module:function``."""
    import importlib
    import importlib.util

    target, _, func = spec.partition(":")
    if target.endswith(".py"):
        found = importlib.util.spec_from_file_location(Path(target).stem, target)
        if found is None or found.loader is None:
            raise ImportError(f"not a Python file: {target}")
        module = importlib.util.module_from_spec(found)
        found.loader.exec_module(module)
    else:
        if os.getcwd() not in sys.path and "" not in sys.path:
            sys.path.insert(0, os.getcwd())  # as ``python -m`` finds the working directory's
        module = importlib.import_module(target)
    if func:
        hook = getattr(module, func, None)
        if not callable(hook):
            raise ImportError(f"{target} has no function {func}")
        hook()


def run(args: argparse.Namespace) -> int:
    from redipy.server.listener import ServeError, Server

    password = args.requirepass
    if args.requirepass:
        _blank_argv_password(args.requirepass)
    if args.password_env:
        password = os.environ.get(args.password_env)
        if not password:
            print(f"redipy serve: error: environment variable {args.password_env} is not "
                  "set or empty", file=sys.stderr)
            return 2
    if args.save_every is not None and not args.snapshot:
        print("redipy serve: error: --save-every needs --snapshot FILE", file=sys.stderr)
        return 2
    if args.databases < 1:
        print("redipy serve: error: --databases must be at least 1", file=sys.stderr)
        return 2
    for spec in args.loadmodule:
        try:
            load_module(spec)
        except Exception as err:  # the module's own failure, in one line
            print(f"redipy serve: error: cannot load module {spec}: {err}", file=sys.stderr)
            return 2
    backend = MemoryBackend(databases=args.databases)
    save = None
    if args.snapshot:
        if database_files(args.snapshot):
            try:
                keys = load_all(args.snapshot, backend)
            except Exception as err:
                print(f"redipy serve: error: {err}", file=sys.stderr)
                return 1
            print(f"loaded {keys} keys from {args.snapshot}", file=sys.stderr)
        save = saver(args.snapshot)
    try:
        server = Server(backend, host=args.host, port=args.port, requirepass=password,
                        maxclients=args.maxclients, save=save, save_every=args.save_every,
                        protected_mode=not args.no_protected_mode)
    except ServeError as err:
        print(f"redipy serve: error: {err}", file=sys.stderr)
        return 2
    from redipy.server.loops import loop_factory

    try:
        new_loop = loop_factory(args.loop)
    except ValueError as err:
        print(f"redipy serve: error: {err}", file=sys.stderr)
        return 2
    with asyncio.Runner(loop_factory=new_loop) as runner:
        return runner.run(_main(server))


async def _main(server: Any) -> int:
    from redipy.server.listener import ServeError

    try:
        await server.start()
    except ServeError as err:
        print(f"redipy serve: error: {err}", file=sys.stderr)
        return 1
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, server.stop, None)
    host = server.host if ":" not in server.host else f"[{server.host}]"
    print(f"ready on {host}:{server.port}", flush=True)
    await server.wait_closed()
    await asyncio.sleep(0)
    print("bye", file=sys.stderr, flush=True)
    return 0
