"""Moving data between backends (redipy.migrate)."""

from __future__ import annotations

from redipy.migrate.compare import CompareReport, compare
from redipy.migrate.engine import Report, dump, load, migrate
from redipy.migrate.records import Record
from redipy.migrate.snapshot import SnapshotError

__all__ = ["CompareReport", "Record", "Report", "SnapshotError", "compare", "dump", "load",
           "migrate"]
