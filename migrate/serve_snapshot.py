"""``redipy serve --snapshot FILE``: every database of the served backend, in snapshot
files of ``redipy dump``'s format (the format itself has no database number).

FILE holds database 0, so ``redipy load FILE`` reads it as any snapshot; database N > 0
with keys goes to ``FILE.dbN`` beside it. A save writes each file under a scratch name
and renames them only once every one is complete (FILE last), then removes the files
of databases that have become empty since the last save. Each file is replaced whole,
so a crash leaves complete snapshots; one in the instant between two renames can leave
some databases at the previous save. At start every file is loaded into its database;
a file for a database the server does not have (``--databases``) is refused.
"""

from __future__ import annotations

import copy
import os
from collections.abc import Callable
from typing import Any

from redipy.memory.backend import MemoryBackend


def database_files(path: str) -> dict[int, str]:
    """The snapshot files of FILE that exist: database number -> file."""
    folder = os.path.dirname(os.path.abspath(path))
    base = os.path.basename(path) + ".db"
    found = {0: path} if os.path.exists(path) else {}
    for name in os.listdir(folder) if os.path.isdir(folder) else ():
        number = name[len(base):]
        if name.startswith(base) and number.isdigit() and number.isascii():
            found[int(number)] = os.path.join(os.path.dirname(path), name)
    return dict(sorted(found.items()))


def _one_database(backend: MemoryBackend, index: int) -> Any:
    """A client of one database of ``backend``: a shallow copy of the backend with that
    database selected (the same data, scripts and locks; nothing else is changed)."""
    import redipy

    view = copy.copy(backend)
    view.db = backend.dbs[index]
    return redipy.Redis(rt=view)


def load_all(path: str, backend: MemoryBackend) -> int:
    """Load FILE and its ``FILE.dbN`` into their databases; the number of keys loaded."""
    from redipy.migrate.engine import load

    files = database_files(path)
    for index, file in files.items():
        if index >= len(backend.dbs):
            raise RuntimeError(f"{file} holds database {index}, but the server has "
                               f"databases 0 to {len(backend.dbs) - 1} (see --databases)")
    keys = 0
    for index, file in files.items():
        report = load(file, _one_database(backend, index))
        if not report.ok:
            raise RuntimeError(f"cannot load {file}: {report.problems[:1] or 'failed'}")
        keys += report.keys
    return keys


def saver(path: str) -> Callable[[MemoryBackend], None]:
    """The server's save hook: every database with keys (and always database 0)."""
    from redipy.migrate.engine import dump

    def save(backend: MemoryBackend) -> None:
        written: dict[str, str] = {}  # final name -> complete scratch file
        try:
            for index in reversed(range(len(backend.dbs))):  # database 0 (FILE) last
                if index and not backend.dbs[index].size():
                    continue
                final = path if index == 0 else f"{path}.db{index}"
                scratch = f"{final}.saving-{os.getpid()}.jsonl"
                report = dump(_one_database(backend, index), scratch)
                written[final] = scratch
                if not report.ok:
                    raise RuntimeError(f"snapshot to {final} failed: {report.problems[:1]}")
        except BaseException:
            for scratch in written.values():
                try:
                    os.unlink(scratch)
                except OSError:
                    pass
            raise
        for final, scratch in written.items():
            os.replace(scratch, final)
        for file in database_files(path).values():
            if file not in written:  # its database is empty now
                os.unlink(file)

    return save
