"""``redipy-shell``: command line, start-up and the main loop.

Modes, as redis-cli has them (the command line is :mod:`redipy.repl.cli`): a command
given as arguments (or with ``--command``) runs and exits, ``-r``/``-i`` repeat it;
``--scan``, ``--bigkeys``, ``--memkeys``, ``--keystats``, ``--stat`` and ``--pipe`` are
the tool modes (:mod:`redipy.repl.modes`); piped stdin runs line by line; otherwise an
interactive prompt. Output is redis-cli's terminal format on a terminal and its raw
format otherwise, unless ``--raw``, ``--no-raw``, ``--json`` or ``--quoted-json`` says.

Only the core is imported up front; prompt_toolkit loads for the interactive prompt
and rich only when a table or code is printed.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import IO, Any

from redipy.repl.cli import USAGE, Options, UsageError, parse
from redipy.repl.shell import Shell

from redipy.errors import ConfigError


def _version() -> str:
    import redipy

    return redipy.__version__


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


AUTH_WARNING = ("Warning: Using a password with '-a' or '-u' option on the command line "
                "interface may not be safe.")


def _password(opts: Options) -> str | None:
    """-a/--pass, then REDISCLI_AUTH, then --askpass, then --password-env (redis-cli's
    order), else the URL's own password."""
    import os

    from redipy.repl.session import password_from

    if opts.password is not None:
        return opts.password
    env = os.environ.get("REDISCLI_AUTH")
    if env:
        return env
    if opts.askpass:
        import getpass

        return getpass.getpass("Please input password: ")
    return password_from(opts.password_env)


def open_session(opts: Options) -> Any:
    """The session the options ask for: memory, one server over the shell's own
    connection, or (a cluster, a key prefix) a server through redipy's client."""
    from urllib.parse import unquote, urlsplit

    from redipy.repl.session import Session

    if not opts.remote:
        return Session()
    from redipy.repl.wire import Target

    if opts.backend == "memory":
        raise ConfigError("--url/--host/--port/--prefix need --backend redis")
    password = _password(opts)
    target = Target(host=opts.host or "127.0.0.1", port=opts.port or 6379,
                    socket_path=opts.socket, user=opts.user, password=password,
                    resp=opts.resp)
    cluster = opts.cluster
    if opts.url:
        try:
            parts = urlsplit(opts.url)
            port = parts.port
        except ValueError:
            raise ConfigError("invalid URL (expected redis://[user:password@]host:port/db)") \
                from None
        scheme = parts.scheme.lower()
        if scheme not in ("redis", "rediss", "unix", "redis+cluster", "valkey", "valkeys"):
            raise ConfigError(f"invalid URL scheme {parts.scheme!r} (expected redis://)")
        cluster = cluster or scheme == "redis+cluster"
        target.tls = scheme in ("rediss", "valkeys")
        if scheme == "unix":
            target.socket_path = parts.path
        else:
            target.host = parts.hostname or target.host
            target.port = port or target.port
            path = parts.path.strip("/")
            if path.isdigit():
                target.db = int(path)
        if parts.username and opts.user is None:
            target.user = unquote(parts.username)
        if parts.password is not None and password is None:
            target.password = unquote(parts.password)
    if opts.db is not None:
        target.db = opts.db
    if cluster or opts.prefix:
        from urllib.parse import quote

        auth = (f"{quote(target.user or '', safe='')}:{quote(target.password, safe='')}@"
                if target.password is not None else "")
        scheme = "redis+cluster" if cluster else ("rediss" if target.tls else "redis")
        dbpart = "" if cluster else f"/{target.db}"
        url = f"{scheme}://{auth}{target.host}:{target.port}{dbpart}"
        return Session.connect("redis", url=url, prefix=opts.prefix)
    return Session.over_wire(target)


def interactive(shell: Shell, *, input: Any = None, output: Any = None,
                history: Any = None) -> None:
    """The read-eval-print loop; Ctrl-C drops the line, Ctrl-D (or :quit) leaves."""
    from redipy.repl.prompt import build_prompt

    prompt = build_prompt(shell, input=input, output=output, history=history)
    warm = [shell.session.warm_up]

    def after_first_draw(_app: Any) -> None:
        # the warm-up thread would hold the GIL while the first prompt is being drawn
        if warm:
            warm.pop()()

    prompt.app.after_render += after_first_draw
    while True:
        try:
            text = prompt.prompt()
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        try:
            if not shell.run_text(text):
                break
        except KeyboardInterrupt:
            shell.echo("(interrupted)")


def run_stream(shell: Shell, stream: IO[str], *, prompt: IO[str] | None = None) -> None:
    """Piped input: one command per line (backslash continues), as ``redis-cli < file``;
    with ``prompt`` a plain prompt is written there before each line."""
    pending = ""
    while True:
        if prompt is not None:
            prompt.write(shell.prompt() if not pending else "... ")
            prompt.flush()
        try:
            line = stream.readline()
        except KeyboardInterrupt:
            if prompt is None:
                raise
            pending = ""
            prompt.write("\n")
            continue
        if not line:
            break
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


def _text_streams(stdin: IO[str], stdout: IO[str]) -> None:
    """Any bytes in and out whatever the locale: UTF-8 with undecodable bytes carried as
    surrogate escapes (the shell's text view), so binary replies never crash a write."""
    for stream in (stdin, stdout):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            try:
                reconfigure(encoding="utf-8", errors="surrogateescape")
            except (ValueError, OSError):  # pragma: no cover - a stream already in use
                pass


def main(argv: Sequence[str] | None = None, *, stdin: IO[str] | None = None,
         stdout: IO[str] | None = None) -> int:
    """Entry point of ``redipy-shell``; returns the exit status: 1 when a command run
    from ``--command``, arguments or piped input failed (handy in scripts), else 0."""
    stdin = stdin if stdin is not None else sys.stdin
    stdout = stdout if stdout is not None else sys.stdout
    _text_streams(stdin, stdout)
    try:
        opts = parse(sys.argv[1:] if argv is None else argv)
    except UsageError as err:
        print(f"redipy-shell: {err} (see --help)", file=sys.stderr)
        return 1
    if opts.help:
        stdout.write(USAGE)
        return 0
    if opts.version:
        stdout.write(f"redipy-shell {_version()}\n")
        return 0
    if opts.password_on_command_line and not opts.no_auth_warning:
        print(AUTH_WARNING, file=sys.stderr)
    from redipy.errors import RedipyError

    try:
        session = open_session(opts)
    except (RedipyError, OSError) as err:
        print(f"redipy-shell: {err}", file=sys.stderr)
        return 1
    auth_error = getattr(session.wire, "auth_error", None)
    if auth_error:
        print(auth_error, file=sys.stderr)
    on_tty = _isatty(stdout)
    mode = opts.mode or ("text" if on_tty else "raw")
    shell = Shell(session, mode=mode, tables=on_tty and opts.mode is None, color=on_tty,
                  out=stdout)
    shell.resp3 = opts.resp == 3
    try:
        return _run(shell, opts, stdin, on_tty)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # the reader went away (``... | head``): stop quietly, as redis-cli does
        _silence_stdout()
        return 1
    except RedipyError as err:
        print(f"redipy-shell: {err}", file=sys.stderr)
        return 1
    finally:
        session.close()


def _run(shell: Shell, opts: Options, stdin: IO[str], on_tty: bool) -> int:
    if opts.resp == 3 and shell.session.wire is None:
        shell.run_argv(["HELLO", "3"], quiet=True)  # the wire says HELLO 3 itself
        if shell.failed:
            return 1
    if opts.db is not None and shell.session.wire is None:
        shell.run_argv(["SELECT", str(opts.db)], quiet=True)
        if shell.failed:
            return 1
    if opts.load and not _snapshot(shell, "restore", opts.load):
        return 1
    if opts.eval is not None:
        from redipy.repl import ldb

        try:
            body = ldb.read_script(opts.eval)
        except OSError as err:
            print(f"redipy-shell: {err}", file=sys.stderr)
            return 1
        if opts.ldb:
            return ldb.run_ldb(shell, body, opts, stdin, _isatty(stdin) and on_tty)
        return ldb.run_eval(shell, body, opts.argv)
    special = next((name for name in ("pipe", "scan", "bigkeys", "memkeys", "keystats",
                                      "stat") if getattr(opts, name)), None)
    if special is not None:
        from redipy.repl import modes

        return int(getattr(modes, special)(shell, opts, stdin))
    if opts.commands or opts.argv:
        for text in opts.commands:
            if not shell.run_text(text):
                break
        if opts.argv:
            argv = list(opts.argv)
            if opts.stdin_arg:
                argv.append(_read_stdin(stdin))
            _repeat(shell, argv, opts)
    elif not _isatty(stdin):
        run_stream(shell, stdin)
    elif not on_tty:
        # typed at a terminal, replies piped (``redipy-shell | cat``): no terminal codes
        # anywhere; the prompt goes to stderr so stdout keeps only replies
        run_stream(shell, stdin, prompt=sys.stderr)
        shell.failed = False
    else:
        shell.interactive = True
        interactive(shell)
        shell.failed = False  # an error typed at the prompt is not the session's failure
    if opts.save:
        _snapshot(shell, "dump", opts.save)
    return 1 if shell.failed else 0


def _read_stdin(stdin: IO[str]) -> str:
    """``-x``: all of stdin, byte for byte, as the last argument."""
    buffer = getattr(stdin, "buffer", None)
    if buffer is not None:
        return bytes(buffer.read()).decode("utf-8", "surrogateescape")
    return stdin.read()


def _repeat(shell: Shell, argv: list[str], opts: Options) -> None:
    """``-r N -i S``: run the command N times (forever with -1), S seconds apart."""
    import time

    done = 0
    while opts.repeat < 0 or done < opts.repeat:
        if not shell.run_argv(list(argv)):
            return
        done += 1
        if opts.interval and (opts.repeat < 0 or done < opts.repeat):
            time.sleep(opts.interval)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # not a real file (tests pass their own streams)
        pass


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
