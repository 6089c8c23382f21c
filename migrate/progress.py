"""Terminal output for the ``redipy`` command: a live bar, then a summary table.

rich is imported here only, and this module only by the CLI, so ``import redipy``
stays light. When the output is not a terminal nothing animates: the CLI prints
one summary line instead.
"""

from __future__ import annotations

import sys
from types import TracebackType
from typing import Any

from redipy.migrate.compare import CompareReport
from redipy.migrate.report import Report


class Bar:
    """A rich progress bar (keys, keys/s, ETA) on stderr, or nothing when not a TTY."""

    def __init__(self, label: str, *, enabled: bool) -> None:
        self.enabled = enabled
        self.label = label
        self._progress: Any = None
        self._task: Any = None

    def __enter__(self) -> Bar:
        if self.enabled:
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                Progress,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )

            self._progress = Progress(
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[rate]:>10} keys/s"),
                TimeElapsedColumn(),
                TextColumn("ETA"),
                TimeRemainingColumn(),
                console=Console(stderr=True),
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.label, total=None, rate="-")
        return self

    def update(self, done: int, total: int | None) -> None:
        if self._progress is None:
            return
        task = self._progress.tasks[0]
        speed = task.speed
        self._progress.update(self._task, completed=done, total=total,
                              rate=f"{speed:,.0f}" if speed else "-")

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._progress is not None:
            self._progress.__exit__(exc_type, exc, tb)


def print_report(report: Report, *, tty: bool) -> None:
    """The summary: a table on a terminal, one line otherwise; problems on stderr."""
    if report.nothing_to_resume:
        print(report.summary())
        return
    if tty:
        from rich.console import Console
        from rich.table import Table

        console = Console()
        table = Table(title=f"redipy {report.operation}: {report.source} -> {report.target}")
        table.add_column("type")
        table.add_column("keys", justify="right")
        for kind, n in sorted(report.types.items()):
            table.add_row(kind, f"{n:,}")
        table.add_row("[bold]total", f"[bold]{report.keys:,}")
        for label, n in (("skipped (existed)", report.skipped),
                         ("expired (not copied)", report.expired),
                         ("unsupported", report.unsupported),
                         ("conflicts", report.conflicts),
                         ("re-read (changed while copied)", report.retried)):
            if n:
                table.add_row(label, f"{n:,}")
        table.caption = (f"{report.seconds:.2f}s, {report.rate:,.0f} keys/s"
                         + (" (dry run)" if report.dry_run else "")
                         + (f" (resumed; {report.run_keys:,} keys in this run)"
                            if report.resumed else "")
                         + (" (server-side MIGRATE)" if report.method == "MIGRATE" else ""))
        console.print(table)
        if report.verify is not None:
            print_compare(report.verify, tty=True)
        style = "green" if report.ok else "red"
        console.print(f"[{style}]{report.summary()}[/{style}]", highlight=False)
        _problems(report.problems, report.issues)
    else:
        print(report.summary())  # leads with the first problem
        if report.verify is not None and not report.verify.ok:
            print(report.verify.summary())
        _problems(report.problems[1:], report.issues - 1)
    if report.verify is not None:
        _problems(report.verify.problems,
                  len(report.verify.errors) + report.verify.differences)


def print_compare(report: CompareReport, *, tty: bool) -> None:
    if tty:
        from rich.console import Console
        from rich.table import Table

        console = Console()
        table = Table(title=f"compare {report.a} vs {report.b}")
        table.add_column("check")
        table.add_column("count", justify="right")
        for label, n in (("keys compared", report.keys), ("missing in B", report.missing),
                         ("extra in B", report.extra), ("type differs", report.type_mismatch),
                         ("value differs", report.value_mismatch),
                         ("TTL differs", report.ttl_mismatch),
                         ("expired during the run", report.expired)):
            table.add_row(label, f"{n:,}")
        console.print(table)
    print(report.summary())


def problems(lines: list[str], total: int | None = None) -> None:
    _problems(lines, total)


def _problems(lines: list[str], total: int | None = None, limit: int = 10) -> None:
    """The first ``limit`` lines; then how many more there are of ``total`` (every
    problem or difference counted, not only the examples kept)."""
    for line in lines[:limit]:
        print(f"  {line}", file=sys.stderr)
    total = len(lines) if total is None else max(total, len(lines))
    if total > min(limit, len(lines)):
        print(f"  ... and {total - min(limit, len(lines))} more", file=sys.stderr)
