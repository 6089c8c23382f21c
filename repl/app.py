"""``redipy-shell``: command line, start-up and the main loop.

Modes, as redis-cli has them: commands given with ``-c`` or as arguments run and
exit; piped stdin runs line by line; otherwise an interactive prompt. Output is
redis-cli's terminal format on a terminal and its raw format otherwise, unless
``--raw``, ``--no-raw`` or ``--json`` says.

Only argparse and the core are imported up front; prompt_toolkit loads for the
interactive prompt and rich only when a table or code is printed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import IO, Any

from redipy.repl.shell import Shell


def parser() -> argparse.ArgumentParser:
    ap = argparse.ArgumentParser(
        prog="redipy-shell",
        description="An interactive Redis shell on redipy's memory backend or a server.")
    ap.add_argument("--backend", choices=("memory", "redis"),
                    help="memory (default) or redis (implied by --url/--host/--port)")
    ap.add_argument("--url", help="server URL, e.g. redis://127.0.0.1:6379/0 (a cluster: "
                    "redis+cluster://host:port[,host:port...])")
    ap.add_argument("--host", help="server host (default 127.0.0.1)")
    ap.add_argument("--port", type=int, help="server port (default 6379)")
    ap.add_argument("--password-env", metavar="VAR",
                    help="read the server password from environment variable VAR")
    ap.add_argument("--prefix", default="", help="key prefix on the server")
    ap.add_argument("--load", metavar="SNAPSHOT", help="load a snapshot file at start")
    ap.add_argument("--save", metavar="SNAPSHOT", help="write a snapshot file at exit")
    ap.add_argument("-c", dest="commands", action="append", metavar="COMMAND",
                    help="run COMMAND (redis-cli syntax; repeatable) and exit")
    fmt = ap.add_mutually_exclusive_group()
    fmt.add_argument("--raw", action="store_const", const="raw", dest="mode",
                     help="raw output (redis-cli --raw)")
    fmt.add_argument("--no-raw", action="store_const", const="text", dest="mode",
                     help="redis-cli's formatted output even when not on a terminal")
    fmt.add_argument("--json", action="store_const", const="json", dest="mode",
                     help="JSON output (redis-cli --json)")
    ap.add_argument("--version", action="version", version=f"redipy-shell {_version()}")
    ap.add_argument("command", nargs=argparse.REMAINDER,
                    help="a command to run and exit, as with redis-cli")
    return ap


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("redipy")
    except PackageNotFoundError:  # pragma: no cover - a bare checkout
        return "unknown"


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def open_session(opts: argparse.Namespace) -> Any:
    from redipy.repl.session import Session, password_from

    backend = opts.backend
    if backend is None:
        remote = opts.url or opts.host or opts.port or opts.password_env or opts.prefix
        backend = "redis" if remote else "memory"
    if backend == "memory" and (opts.url or opts.host or opts.port or opts.prefix):
        raise SystemExit("redipy-shell: --url/--host/--port/--prefix need --backend redis")
    return Session.connect(
        backend, url=opts.url, host=opts.host, port=opts.port,
        password=password_from(opts.password_env), prefix=opts.prefix)


def interactive(shell: Shell, *, input: Any = None, output: Any = None,
                history: Any = None) -> None:
    """The read-eval-print loop; Ctrl-C drops the line, Ctrl-D (or :quit) leaves."""
    from redipy.repl.prompt import build_prompt

    prompt = build_prompt(shell, input=input, output=output, history=history)
    warm = [shell.session.warm_up]
    while True:
        try:
            text = prompt.prompt(pre_run=warm.pop() if warm else None)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            if not shell.run_text(text):
                break
        except KeyboardInterrupt:
            shell.echo("(interrupted)")


def run_stream(shell: Shell, stream: IO[str]) -> None:
    """Piped input: one command per line (backslash continues), as ``redis-cli < file``."""
    pending = ""
    for line in stream:
        line = line.rstrip("\r\n")
        if line.endswith("\\"):
            pending += line[:-1]
            continue
        if not shell.run_line(pending + line):
            return
        pending = ""
    if pending:
        shell.run_line(pending)


def _snapshot(shell: Shell, what: str, path: str) -> bool:
    """``--load`` / ``--save``: the report goes to stderr, so stdout keeps only replies."""
    from redipy.repl import meta

    side = Shell(shell.session, out=sys.stderr)
    meta.run_meta(side, f":{what} {_quoted(path)}")
    shell.failed = shell.failed or side.failed
    return not side.failed


def _quoted(text: str) -> str:
    from redipy.repl.render import quote

    return quote(text)


def main(argv: Sequence[str] | None = None, *, stdin: IO[str] | None = None,
         stdout: IO[str] | None = None) -> int:
    """Entry point of ``redipy-shell``; returns the exit status: 1 when a command run
    from ``-c``, arguments or piped input failed (handy in scripts), else 0."""
    opts = parser().parse_args(argv)
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    from redipy.errors import RedipyError

    try:
        session = open_session(opts)
    except RedipyError as err:
        print(f"redipy-shell: {err}", file=sys.stderr)
        return 1
    on_tty = _isatty(stdout)
    mode = opts.mode or ("text" if on_tty else "raw")
    shell = Shell(session, mode=mode, tables=on_tty, color=on_tty, out=stdout)
    try:
        if opts.load and not _snapshot(shell, "restore", opts.load):
            return 1
        if opts.commands or opts.command:
            for text in opts.commands or []:
                if not shell.run_text(text):
                    break
            if opts.command:
                shell.run_argv(list(opts.command))
        elif not _isatty(stdin):
            run_stream(shell, stdin)
        else:
            interactive(shell)
            shell.failed = False  # an error typed at the prompt is not the session's failure
        if opts.save:
            _snapshot(shell, "dump", opts.save)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``... | head``): stop quietly, as redis-cli does
        _silence_stdout()
        return 1
    finally:
        session.close()
    return 1 if shell.failed else 0


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (tests pass their own streams)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
