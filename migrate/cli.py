"""The ``redipy`` command: migrate, dump, load and compare.

Endpoints: a ``redis://``, ``rediss://`` or ``unix://`` URL is a server, a
``redis+cluster://host:port`` (or ``rediss+cluster://``) URL a Redis Cluster; a path ending
in ``.jsonl`` (or naming an existing file) is a snapshot; ``memory`` is an empty
in-process backend (useful only from Python; accepted here with a note).

Exit status: 0 when everything was copied (and verified, if asked) or compared
equal, 1 on any mismatch or failure, 2 on bad usage. Passwords in URLs are never
printed.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import Any

from redipy.migrate.records import DEFAULT_CHUNK, TYPES

from redipy.errors import ConnectionError as RedipyConnectionError


class UsageError(Exception):
    """A mistake in the command line; exit status 2."""


def _endpoint(text: str, *, role: str, want: str = "any", output: bool = False) -> Any:
    """A command-line endpoint as what the Python API takes."""
    from redipy.migrate.endpoints import EndpointError, is_url, open_client

    from redipy.redis.backend import safe_url

    if "://" in text:
        if not is_url(text):
            scheme = text.split("://", 1)[0]
            raise UsageError(f"unsupported URL scheme {scheme!r} in {safe_url(text)}: "
                             "use redis://, rediss://, unix:// or redis+cluster://")
        if want == "file":
            raise UsageError(f"{role} must be a snapshot file, not a server URL")
        try:
            return open_client(text)
        except EndpointError as err:
            raise UsageError(str(err)) from None
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


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="redipy",
        description="Copy, snapshot, restore and compare Redis data "
                    "(servers by URL, snapshot files in JSON Lines).")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def copy_opts(p: argparse.ArgumentParser, *, default_conflict: str = "fail") -> None:
        p.add_argument("--match", metavar="GLOB", help="only keys matching this Redis glob")
        p.add_argument("--type", dest="types", action="append", choices=TYPES,
                       metavar="TYPE", help=f"only keys of this type ({', '.join(TYPES)}); "
                       "repeatable")
        p.add_argument("--on-conflict", choices=("fail", "replace", "skip"),
                       default=default_conflict,
                       help="when a key already exists in the target: fail before writing "
                       "anything (default), replace it, or skip it")
        p.add_argument("--ttl", choices=("keep", "drop"), default="keep",
                       help="keep expiry times (default) or copy keys without them")
        p.add_argument("--batch", type=int, default=500, metavar="N",
                       help="keys per pipelined batch (default 500)")
        p.add_argument("--chunk", type=int, default=DEFAULT_CHUNK, metavar="N",
                       help=f"elements per part of a big collection (default {DEFAULT_CHUNK})")
        p.add_argument("--dry-run", action="store_true",
                       help="read and check everything, write nothing")
        p.add_argument("--verify", action="store_true",
                       help="compare source and target afterwards")
        p.add_argument("--resume", action="store_true",
                       help="continue an interrupted run from its checkpoint")
        p.add_argument("--checkpoint", metavar="PATH",
                       help="checkpoint file (default: next to a file target, else "
                       "./redipy-migrate-<id>.checkpoint.json)")
        p.add_argument("--ttl-tolerance", type=int, default=2000, metavar="MS",
                       help="--verify accepts expiry times this far apart (default 2000)")

    p = sub.add_parser("migrate", help="copy keys from SRC to DST")
    p.add_argument("src", metavar="SRC", help="URL, snapshot file or 'memory'")
    p.add_argument("dst", metavar="DST", help="URL, snapshot file (.jsonl) or 'memory'")
    copy_opts(p)
    p = sub.add_parser("dump", help="write a snapshot of SRC to FILE")
    p.add_argument("src", metavar="SRC", help="server URL")
    p.add_argument("dst", metavar="FILE", help="snapshot file to write")
    copy_opts(p)
    p = sub.add_parser("load", help="load the snapshot FILE into DST")
    p.add_argument("src", metavar="FILE", help="snapshot file to read")
    p.add_argument("dst", metavar="DST", help="server URL")
    copy_opts(p)
    p = sub.add_parser("compare", help="compare A with B (missing, extra, type, value, TTL)")
    p.add_argument("src", metavar="A", help="URL or snapshot file")
    p.add_argument("dst", metavar="B", help="URL or snapshot file")
    p.add_argument("--match", metavar="GLOB")
    p.add_argument("--type", dest="types", action="append", choices=TYPES, metavar="TYPE")
    p.add_argument("--ttl-tolerance", type=int, default=2000, metavar="MS")
    p.add_argument("--no-ttl", action="store_true", help="do not compare expiry times")
    p.add_argument("--batch", type=int, default=500, metavar="N")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    tty = sys.stdout.isatty() and sys.stderr.isatty()
    try:
        return _run(args, tty)
    except UsageError as err:
        print(f"redipy {args.command}: error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"redipy {args.command}: interrupted", file=sys.stderr)
        return 1
    except RedipyConnectionError as err:  # a cluster URL connects when it is opened
        print(f"redipy {args.command}: error: {err}", file=sys.stderr)
        return 1


def _run(args: argparse.Namespace, tty: bool) -> int:
    from redipy.migrate.engine import default_checkpoint, migrate, one_line
    from redipy.migrate.progress import Bar, print_compare, print_report, problems

    if getattr(args, "batch", 1) < 1:
        raise UsageError("--batch must be at least 1")
    if getattr(args, "chunk", 1) < 1:
        raise UsageError("--chunk must be at least 1")
    cmd = args.command
    if cmd == "compare":
        from redipy.migrate.compare import compare

        a = _endpoint(args.src, role="A")
        b = _endpoint(args.dst, role="B")
        result = compare(a, b, match=args.match, types=args.types, batch=args.batch,
                         ttl_tolerance_ms=args.ttl_tolerance, check_ttl=not args.no_ttl)
        print_compare(result, tty=tty)
        problems(result.problems)
        return 0 if result.ok else 1
    src_role, dst_role = {"migrate": ("SRC", "DST"), "dump": ("SRC", "FILE"),
                          "load": ("FILE", "DST")}[cmd]
    src = _endpoint(args.src, role=src_role, want="file" if cmd == "load" else "any")
    dst = _endpoint(args.dst, role=dst_role, want="file" if cmd == "dump" else "any",
                    output=True)
    checkpoint = None
    if not args.dry_run:
        checkpoint = args.checkpoint or default_checkpoint(args.src, args.dst)
        if args.resume and not os.path.exists(checkpoint):
            print(f"note: no checkpoint at {checkpoint}; starting from the beginning",
                  file=sys.stderr)
    try:
        with Bar(f"{cmd}", enabled=tty) as bar:
            report = migrate(src, dst, match=args.match, types=args.types,
                             on_conflict=args.on_conflict, ttl=args.ttl, batch=args.batch,
                             dry_run=args.dry_run, verify=args.verify, checkpoint=checkpoint,
                             resume=args.resume, chunk=args.chunk, progress=bar.update,
                             ttl_tolerance_ms=args.ttl_tolerance, operation=cmd)
    except ValueError as err:
        raise UsageError(one_line(err)) from None
    print_report(report, tty=tty)
    if report.checkpoint:
        print(f"checkpoint kept at {report.checkpoint}; run the same command with --resume "
              "to continue", file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
