"""The ``redipy`` command: migrate, dump, load, compare, serve (``python -m redipy`` too).

Endpoints: a ``redis://``, ``rediss://`` or ``unix://`` URL is a server, a
``redis+cluster://host:port`` (or ``rediss+cluster://``) URL a Redis Cluster; a path ending
in ``.jsonl`` (or naming an existing file) is a snapshot; ``memory`` is an empty
in-process backend (useful only from Python; accepted here with a note).

Passwords: ``--src-password-env VAR`` / ``--dst-password-env VAR`` (or
``--password-env VAR`` for both) name an environment variable holding the password;
without them a password in the URL is used, else ``REDISCLI_AUTH`` as redis-cli does.
No password is ever printed.

Exit status: 0 when everything was copied (and verified, if asked) or compared
equal, or when there is nothing to resume; 1 on any mismatch or failure; 2 on bad
usage; 130 when interrupted (Ctrl-C), with the checkpoint to resume from.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from redipy.migrate.records import DEFAULT_CHUNK, TYPES

from redipy.errors import ConfigError
from redipy.errors import ConnectionError as RedipyConnectionError


class UsageError(Exception):
    """A mistake in the command line; exit status 2."""


def _endpoint(text: str, *, role: str, want: str = "any", output: bool = False,
              password_env: str | None = None) -> Any:
    """A command-line endpoint as what the Python API takes."""
    from redipy.migrate.urls import is_url, mask_url, open_client

    if "://" in text:
        if not is_url(text):
            scheme = text.split("://", 1)[0]
            raise UsageError(f"unsupported URL scheme {scheme!r} in {mask_url(text)}: "
                             "use redis://, rediss://, unix:// or redis+cluster://")
        if want == "file":
            raise UsageError(f"{role} must be a snapshot file, not a server URL")
        try:
            return open_client(text, password_env=password_env)
        except ConfigError as err:
            raise UsageError(f"ConfigError: {err}") from None
    if text == "memory":
        if want == "file":
            raise UsageError(f"{role} must be a snapshot file")
        import redipy

        print(f"note: {role} 'memory' is an empty in-process backend that ends with this "
              "command; use the Python API (redipy.migrate) to reach a live one",
              file=sys.stderr)
        return redipy.Redis()
    if want == "server":
        raise UsageError(f"{role} must be a redis://, rediss:// or unix:// URL, got {text!r}")
    if not output:
        if not os.path.exists(text):
            raise UsageError(f"no such file: {text}")
        if os.path.isdir(text):
            raise UsageError(f"{text} is a directory, not a snapshot file")
        return text
    if text.endswith(".jsonl") or os.path.isfile(text) or want == "file":
        return text
    raise UsageError(f"cannot tell what {role} {text!r} is: give a redis:// URL or a "
                     "snapshot path ending in .jsonl")


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be at least 1")
    return value


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError("must be 0 (no limit) or more")
    return value


def _common(p: argparse.ArgumentParser, a: str, b: str) -> None:
    """Options every command takes: filters, passwords, batch sizes, timeout."""
    p.add_argument("--match", metavar="GLOB", help="only keys matching this Redis glob")
    p.add_argument("--type", dest="types", action="append", choices=TYPES,
                   metavar="TYPE", help=f"only keys of this type ({', '.join(TYPES)}); "
                   "repeatable")
    p.add_argument("--src-password-env", metavar="VAR",
                   help=f"read {a}'s password from environment variable VAR")
    p.add_argument("--dst-password-env", metavar="VAR",
                   help=f"read {b}'s password from environment variable VAR")
    p.add_argument("--password-env", metavar="VAR",
                   help="read both sides' password from environment variable VAR "
                   "(default: the URL's, else $REDISCLI_AUTH)")
    p.add_argument("--batch", type=_positive, default=500, metavar="N",
                   help="keys per pipelined batch (default 500)")
    p.add_argument("--chunk", type=_positive, default=DEFAULT_CHUNK, metavar="N",
                   help=f"elements per part of a big collection (default {DEFAULT_CHUNK})")
    p.add_argument("--timeout", type=_seconds, default=120.0, metavar="SECONDS",
                   help="longest wait for one server reply, e.g. a big key (default 120; "
                   "0 waits as long as the server works)")
    p.add_argument("--ttl-tolerance", type=int, default=2000, metavar="MS",
                   help="expiry times this far apart count as equal (default 2000)")


def _copy_opts(p: argparse.ArgumentParser, a: str, b: str) -> None:
    _common(p, a, b)
    p.add_argument("--on-conflict", choices=("fail", "replace", "skip"), default="fail",
                   help="when a key already exists in the target: fail (default; checked "
                   "before anything is written, and held for the whole run), replace it, "
                   "or skip it")
    p.add_argument("--ttl", choices=("keep", "drop"), default="keep",
                   help="keep expiry times (default) or copy keys without them")
    p.add_argument("--dry-run", action="store_true",
                   help="read and check everything, write nothing")
    p.add_argument("--verify", nargs="?", const="copied", choices=("copied", "both"),
                   help="compare afterwards: the keys this run copied (default), or 'both' "
                   "to also report keys only the target has")
    p.add_argument("--resume", action="store_true",
                   help="continue an interrupted run from its checkpoint (refused when "
                   "either side is no longer the same instance)")
    p.add_argument("--checkpoint", metavar="PATH",
                   help="checkpoint file (default: next to a file target, else "
                   "./redipy-migrate-<id>.checkpoint.json)")


def _parser() -> argparse.ArgumentParser:
    import redipy

    parser = argparse.ArgumentParser(
        prog="redipy",
        description="Copy, snapshot, restore and compare Redis data "
                    "(servers by URL, snapshot files in JSON Lines).")
    parser.add_argument("--version", action="version",
                        version=f"redipy {redipy.__version__}",
                        help="print redipy's version and exit")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("migrate", help="copy keys from SRC to DST",
                       description="Copy keys from SRC to DST.")
    p.add_argument("src", metavar="SRC", help="URL, snapshot file or 'memory'")
    p.add_argument("dst", metavar="DST", help="URL, snapshot file (.jsonl) or 'memory'")
    _copy_opts(p, "SRC", "DST")
    p = sub.add_parser("dump", help="write a snapshot of SRC to FILE",
                       description="Write a snapshot of SRC to FILE.")
    p.add_argument("src", metavar="SRC", help="server URL")
    p.add_argument("dst", metavar="FILE", help="snapshot file to write")
    _copy_opts(p, "SRC", "FILE")
    p = sub.add_parser("load", help="load the snapshot FILE into DST",
                       description="Load the snapshot FILE into DST.")
    p.add_argument("src", metavar="FILE", help="snapshot file to read")
    p.add_argument("dst", metavar="DST", help="server URL")
    _copy_opts(p, "FILE", "DST")
    p = sub.add_parser("compare", help="compare A with B (missing, extra, type, value, TTL)",
                       description="Compare A with B key by key; exit 1 on any difference.")
    p.add_argument("src", metavar="A", help="URL or snapshot file")
    p.add_argument("dst", metavar="B", help="URL or snapshot file")
    _common(p, "A", "B")
    p.add_argument("--no-ttl", action="store_true", help="do not compare expiry times")
    from redipy.migrate.serve_cli import add_parser

    add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    tty = sys.stdout.isatty() and sys.stderr.isatty()
    state: dict[str, Any] = {}
    if args.command == "serve":
        from redipy.migrate.serve_cli import run

        return run(args)
    try:
        return _run(args, tty, state)
    except UsageError as err:
        print(f"redipy {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        where = state.get("checkpoint")
        if where and os.path.exists(where):
            hint = (f"; checkpoint at {where}: run the same command with --resume to "
                    "continue")
        elif args.command == "compare":
            hint = ""
        else:
            hint = "; nothing was checkpointed yet: run the command again"
        print(f"redipy {args.command}: interrupted{hint}", file=sys.stderr)
        return 130
    except RedipyConnectionError as err:  # a cluster URL connects when it is opened
        from redipy.migrate.urls import mask_words

        print(f"redipy {args.command}: error: {mask_words(str(err))}", file=sys.stderr)
        return 1


def _passwords(args: argparse.Namespace) -> tuple[str | None, str | None]:
    both = args.password_env
    return args.src_password_env or both, args.dst_password_env or both


def _run(args: argparse.Namespace, tty: bool, state: dict[str, Any]) -> int:
    from redipy.migrate.engine import UsageProblem, default_checkpoint, migrate, one_line
    from redipy.migrate.progress import Bar, print_compare, print_report, problems

    cmd = args.command
    src_env, dst_env = _passwords(args)
    timeout = args.timeout or None
    if cmd == "compare":
        from redipy.migrate.compare import compare

        a = _endpoint(args.src, role="A", password_env=src_env)
        b = _endpoint(args.dst, role="B", password_env=dst_env)
        result = compare(a, b, match=args.match, types=args.types, batch=args.batch,
                         chunk=args.chunk, ttl_tolerance_ms=args.ttl_tolerance,
                         check_ttl=not args.no_ttl, timeout=timeout)
        print_compare(result, tty=tty)
        problems(result.errors[1:] + result.samples,
                 max(len(result.errors) - 1, 0) + result.differences)
        return 0 if result.ok else 1
    src_role, dst_role = {"migrate": ("SRC", "DST"), "dump": ("SRC", "FILE"),
                          "load": ("FILE", "DST")}[cmd]
    src = _endpoint(args.src, role=src_role, want="file" if cmd == "load" else "any",
                    password_env=src_env)
    dst = _endpoint(args.dst, role=dst_role, want="file" if cmd == "dump" else "any",
                    output=True, password_env=dst_env)
    checkpoint = None
    if not args.dry_run:
        checkpoint = args.checkpoint or default_checkpoint(src, args.dst)
        state["checkpoint"] = checkpoint
        if args.resume and not os.path.exists(checkpoint):
            print(f"note: no checkpoint at {checkpoint}; starting from the beginning",
                  file=sys.stderr)
    try:
        with Bar(f"{cmd}", enabled=tty) as bar:
            report = migrate(src, dst, match=args.match, types=args.types,
                             on_conflict=args.on_conflict, ttl=args.ttl, batch=args.batch,
                             dry_run=args.dry_run, verify=args.verify or False,
                             checkpoint=checkpoint, resume=args.resume, chunk=args.chunk,
                             progress=bar.update, ttl_tolerance_ms=args.ttl_tolerance,
                             operation=cmd, timeout=timeout)
    except UsageProblem as err:
        raise UsageError(str(err)) from None
    except ValueError as err:
        raise UsageError(one_line(err)) from None
    print_report(report, tty=tty)
    if report.checkpoint and report.failed:
        print(f"checkpoint kept at {report.checkpoint}; run the same command with --resume "
              "to continue", file=sys.stderr)
    return 0 if report.ok or report.nothing_to_resume else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
