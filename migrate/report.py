"""What a migrate / dump / load did, and its one-line summary (reason first)."""

from __future__ import annotations

from dataclasses import dataclass, field

from redipy.migrate.compare import CompareReport

MAX_PROBLEMS = 50


@dataclass
class Report:
    """What a migrate / dump / load did; ``ok`` when everything was copied (and verified)."""

    operation: str
    source: str
    target: str
    keys: int = 0
    run_keys: int = 0
    types: dict[str, int] = field(default_factory=dict)
    records: int = 0
    skipped: int = 0
    expired: int = 0
    unsupported: int = 0
    conflicts: int = 0
    retried: int = 0
    changed: int = 0
    dry_run: bool = False
    resumed: bool = False
    failed: bool = False
    nothing_to_resume: bool = False
    method: str = "records"
    seconds: float = 0.0
    problems: list[str] = field(default_factory=list)
    issues: int = 0
    verify: CompareReport | None = None
    checkpoint: str | None = None
    skipped_keys: set[str] = field(default_factory=set, repr=False)

    @property
    def ok(self) -> bool:
        return (not self.failed and not self.issues and not self.conflicts
                and (self.verify is None or self.verify.ok))

    def note(self, text: str) -> None:
        """A problem: counted always, its text kept for the first :data:`MAX_PROBLEMS`."""
        self.issues += 1
        if len(self.problems) < MAX_PROBLEMS:
            self.problems.append(text)

    @property
    def rate(self) -> float:
        """Keys per second of this run (keys copied before a resume do not count)."""
        return self.run_keys / self.seconds if self.seconds > 0 else 0.0

    def summary(self) -> str:
        if self.nothing_to_resume:
            return (f"{self.operation}: nothing to resume: the run recorded in "
                    f"{self.checkpoint} finished ({self.keys} keys, "
                    f"{self.source} -> {self.target})")
        verb = "would copy" if self.dry_run else "copied"
        extras = []
        if self.resumed:
            extras.append(f"{self.run_keys} in this run")
        if self.skipped:
            extras.append(f"{self.skipped} skipped (exist)")
        if self.expired:
            extras.append(f"{self.expired} expired")
        if self.unsupported:
            extras.append(f"{self.unsupported} unsupported")
        if self.conflicts:
            extras.append(f"{self.conflicts} conflicts")
        if self.retried:
            extras.append(f"{self.retried} re-read (changed while copied)")
        if self.verify is not None and self.verify.expired:
            extras.append(f"{self.verify.expired} expired during the run")
        more = f", {', '.join(extras)}" if extras else ""
        body = (f"{verb} {self.keys} keys{more} in {self.seconds:.2f}s "
                f"({self.rate:,.0f} keys/s) {self.source} -> {self.target}")
        if self.ok:
            line = f"{self.operation} ok: {body}"
            if self.verify is not None:
                line += "; verify ok"
            return line
        reason = self.problems[0] if self.problems else (
            self.verify.headline() if self.verify is not None and not self.verify.ok
            else f"{self.conflicts} conflicts")
        line = f"{self.operation} FAILED: {reason}; {body}"
        if self.verify is not None and not self.verify.ok and self.problems:
            line += f"; verify found {self.verify.differences} differences"
        return line
