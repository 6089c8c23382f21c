"""redis-cli's tool modes: ``--scan``, ``--bigkeys``, ``--memkeys``, ``--keystats``,
``--stat`` and ``--pipe``, printing what redis-cli prints for the same flags.

Every mode walks the keyspace with SCAN (never KEYS), so it is safe on a busy server,
and works the same on the memory backend (where MEMORY USAGE and INFO are estimated
by :mod:`redipy.repl.keyspace`).
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING, Any

from redipy.repl.render import quote

from redipy.commands.types import TYPES as DATA_TYPES
from redipy.commands.types import length_command
from redipy.errors import RedipyError

if TYPE_CHECKING:
    from redipy.repl.cli import Options
    from redipy.repl.shell import Shell


def scan_batches(shell: Shell, *, pattern: str | None = None, count: int | None = None,
                 type_: str | None = None) -> Iterator[list[str]]:
    """The keys of each SCAN round (MATCH / COUNT / TYPE as given)."""
    cursor = "0"
    while True:
        argv = ["SCAN", cursor]
        if pattern is not None:
            argv += ["MATCH", pattern]
        if count is not None:
            argv += ["COUNT", str(count)]
        if type_ is not None:
            argv += ["TYPE", type_]
        cursor, keys = shell.session.execute(argv)
        yield list(keys)
        if str(cursor) == "0":
            return


def scan(shell: Shell, opts: Options, stdin: IO[str]) -> int:
    """``--scan``: every key, one a line, as it arrives."""
    for batch in scan_batches(shell, pattern=opts.pattern, count=opts.count, type_=opts.type):
        for key in batch:
            shell.out.write(key + "\n")
        shell.out.flush()
    return 0


# ---- --bigkeys / --memkeys ----------------------------------------------------------

TYPES = tuple(DATA_TYPES)
"""The order redis-cli's summary lists types in."""

UNITS = {name: kind.unit for name, kind in DATA_TYPES.items()}

BANNER = """
# Scanning the entire keyspace to find biggest keys as well as
# average sizes per key type.  You can use -i 0.1 to sleep 0.1 sec
# per 100 SCAN commands (not usually needed).
"""


def bigkeys(shell: Shell, opts: Options, stdin: IO[str]) -> int:
    return _biggest(shell, opts, memory=False)


def memkeys(shell: Shell, opts: Options, stdin: IO[str]) -> int:
    return _biggest(shell, opts, memory=True)


def key_size(shell: Shell, key: str, kind: str, *, memory: bool) -> int:
    """Elements (or bytes for strings) of a key; with ``memory`` its MEMORY USAGE."""
    from redipy.repl.keyspace import memory_usage

    if memory:
        return memory_usage(shell.session, key, kind)
    command = length_command(kind)
    if command is None:
        return 0
    return int(shell.session.execute([command, key]))


def _biggest(shell: Shell, opts: Options, *, memory: bool) -> int:
    out = shell.out
    out.write(BANNER + "\n")
    total = int(shell.session.execute(["DBSIZE"]))
    biggest: dict[str, tuple[str, int]] = {}
    counts = dict.fromkeys(TYPES, 0)
    sizes = dict.fromkeys(TYPES, 0)
    sampled = key_bytes = rounds = 0
    for batch in scan_batches(shell, pattern=opts.pattern, count=opts.count):
        pct = 100 * sampled / total if total else 0.0
        for key in batch:
            kind = str(shell.session.execute(["TYPE", key]))
            if kind == "none":
                continue  # expired or deleted between SCAN and TYPE
            size = key_size(shell, key, kind, memory=memory)
            counts[kind] = counts.get(kind, 0) + 1
            sizes[kind] = sizes.get(kind, 0) + size
            key_bytes += len(key.encode("utf-8", "surrogateescape"))
            unit = "bytes" if memory else UNITS.get(kind, "items")
            if size > biggest.get(kind, ("", -1))[1]:
                biggest[kind] = (key, size)
                out.write(f"[{pct:05.2f}%] Biggest {kind:<6} found so far "
                          f"'{quote(key)}' with {size} {unit}\n")
            sampled += 1
        rounds += 1
        if opts.interval and rounds % 100 == 0:
            time.sleep(opts.interval)
    out.write("\n-------- summary -------\n\n")
    out.write(f"Sampled {sampled} keys in the keyspace!\n")
    avg = key_bytes / sampled if sampled else 0.0
    out.write(f"Total key length in bytes is {key_bytes} (avg len {avg:.2f})\n\n")
    for kind in TYPES:
        if kind in biggest:
            key, size = biggest[kind]
            unit = "bytes" if memory else UNITS[kind]
            out.write(f"Biggest {kind:>6} found '{quote(key)}' has {size} {unit}\n")
    out.write("\n")
    for kind in TYPES:
        unit = "bytes" if memory else UNITS[kind]
        share = 100 * counts[kind] / sampled if sampled else 0.0
        mean = sizes[kind] / counts[kind] if counts[kind] else 0.0
        out.write(f"{counts[kind]} {kind}s with {sizes[kind]} {unit} "
                  f"({share:05.2f}% of keys, avg size {mean:.2f})\n")
    out.flush()
    return 0


# ---- --keystats ---------------------------------------------------------------------


def keystats(shell: Shell, opts: Options, stdin: IO[str]) -> int:
    """``--keystats``: the keyspace profile (:mod:`redipy.repl.keyspace`) as text."""
    from redipy.repl.keyspace import profile, text_report

    progress = None
    if _isatty(shell.out) or _isatty_err():
        progress = _progress_bar()
    report = profile(shell.session, pattern=opts.pattern, count=opts.count or 100,
                     progress=progress)
    if progress is not None:
        progress(None, None)
    shell.out.write(text_report(report))
    shell.out.flush()
    return 0


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def _isatty_err() -> bool:
    import sys

    return _isatty(sys.stderr)


def _progress_bar() -> Any:
    """A one-line progress bar on stderr (never on stdout, which keeps the report)."""
    import sys

    def show(done: int | None, total: int | None) -> None:
        if done is None:
            sys.stderr.write("\r" + " " * 60 + "\r")
        else:
            frac = min(1.0, done / total) if total else 1.0
            bar = "#" * int(frac * 30)
            sys.stderr.write(f"\rSampling keys [{bar:<30}] {done}/{total or 0}")
        sys.stderr.flush()

    return show


# ---- --stat -------------------------------------------------------------------------


def human_bytes(n: float) -> str:
    """redis-cli's bytesToHuman."""
    if n < 1024:
        return f"{int(n)}B"
    for unit in "KMGTPE":
        n /= 1024
        if n < 1024 or unit == "E":
            return f"{n:.2f}{unit}"
    return f"{n:.2f}E"  # pragma: no cover


STAT_HEADER = ("------- data ------ --------------------- load -------------------- - child -\n"
               "keys       mem      clients blocked requests            connections          \n")


def stat(shell: Shell, opts: Options, stdin: IO[str]) -> int:
    """``--stat``: a line of server figures every interval (1 s) until Ctrl-C."""
    from redipy.repl.keyspace import server_figures

    interval = opts.interval or 1.0
    last: int | None = None
    lines = 0
    rounds = opts.repeat if opts.repeat != 1 else -1
    try:
        while rounds != 0:
            if lines % 20 == 0:
                shell.out.write(STAT_HEADER)
            fig = server_figures(shell.session)
            delta = 0 if last is None else fig["requests"] - last
            last = fig["requests"]
            requests = f"{fig['requests']} (+{delta})"
            shell.out.write(
                f"{fig['keys']:<11}{human_bytes(fig['memory']):<9}{fig['clients']:<8}"
                f"{fig['blocked']:<8}{requests:<20}"
                f"{fig['connections']:<12}\n")
            shell.out.flush()
            lines += 1
            rounds -= 1
            if rounds != 0:
                time.sleep(interval)
    except KeyboardInterrupt:
        pass
    return 0


# ---- --pipe -------------------------------------------------------------------------


def pipe(shell: Shell, opts: Options, stdin: IO[str]) -> int:
    """``--pipe``: mass insertion of RESP (or inline commands) from stdin, with
    redis-cli's summary; error replies go to stderr, as redis-cli writes them."""
    import sys

    buffer = getattr(stdin, "buffer", None)
    data = bytes(buffer.read()) if buffer is not None else stdin.read().encode(
        "utf-8", "surrogateescape")
    print("All data transferred. Waiting for the last reply...", file=shell.out)
    errors = replies = 0
    wire = shell.session.wire
    if wire is not None:
        errors, replies = _pipe_wire(wire, data, opts.pipe_timeout)
    else:
        from redipy.repl.resp import commands_of

        for argv in commands_of(data):
            replies += 1
            try:
                shell.session.execute(argv)
            except RedipyError as err:
                errors += 1
                print(str(err), file=sys.stderr)
    print("Last reply received from server.", file=shell.out)
    print(f"errors: {errors}, replies: {replies}", file=shell.out)
    shell.out.flush()
    return 1 if errors else 0


def _pipe_wire(wire: Any, data: bytes, timeout: float) -> tuple[int, int]:
    """Send everything, then an ECHO of a random marker; count replies up to it."""
    import os
    import sys

    from redipy.repl.wire import encode

    from redipy.errors import ResponseError

    marker = os.urandom(10).hex()
    wire.send_raw(data + encode(["ECHO", marker]))
    errors = replies = 0
    while True:
        try:
            reply = wire.read(timeout=timeout or None)
        except TimeoutError:
            print("No replies for", timeout, "seconds: exiting.", file=sys.stderr)
            errors += 1
            break
        if reply == marker:
            break
        replies += 1
        if isinstance(reply, ResponseError):
            errors += 1
            print(str(reply), file=sys.stderr)
    return errors, replies
