"""Checkpoints: where an interrupted run stands, and against which endpoints.

A checkpoint is a small JSON file rewritten atomically (temp file + rename) as the
copy goes. Besides the resume point and counts it records each side's identity: a
server's ``run_id`` (new on every restart), database and key prefix; a memory
backend's per-process token; a snapshot source's path and checksum. A destination
snapshot keeps the checksum of the records written so far in its own state. A resume
against a side whose identity differs is refused, since the position and the data
copied so far no longer describe it. A run that finishes leaves the checkpoint
marked ``finished``, so a later ``--resume`` can say there is nothing to resume.
"""

from __future__ import annotations

import json
import os
from typing import Any

VERSION = 2


class CheckpointError(Exception):
    """A checkpoint that cannot be used as asked (one line, for the user)."""


def write(path: str, data: dict[str, Any]) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w") as fh:
        json.dump({"version": VERSION, **data}, fh)
    os.replace(tmp, path)


def read(path: str) -> dict[str, Any] | None:
    """The checkpoint at ``path``; ``None`` when there is none."""
    try:
        with open(path) as fh:
            data = json.load(fh)
    except FileNotFoundError:
        return None
    except (ValueError, UnicodeDecodeError):
        raise CheckpointError(f"checkpoint {path} is not valid JSON; delete it to start "
                              "over") from None
    except IsADirectoryError:
        raise CheckpointError(f"checkpoint {path} is a directory") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise CheckpointError(f"{path} is not a checkpoint of this redipy version; delete "
                              "it to start over")
    return data


_WHY = {"run_id": "its run_id changed: the server restarted or is another one",
        "run_ids": "its primaries' run_ids changed: a node restarted or was replaced",
        "db": "another database", "prefix": "another key prefix",
        "id": "another in-process keyspace", "sha256": "the file's content changed",
        "path": "another file", "kind": "another kind of endpoint"}


def changed(side: str, label: str, then: dict[str, Any] | None,
            now: dict[str, Any] | None) -> str | None:
    """Why ``now`` is not the endpoint ``then`` described, as one line, or ``None``."""
    if then is None or now is None:
        return None
    for field in ("kind", "run_id", "run_ids", "db", "prefix", "id", "path", "sha256"):
        if then.get(field) != now.get(field):
            return (f"cannot resume: {side} {label} is not the endpoint the checkpoint was "
                    f"written against ({_WHY[field]}), so its position and the keys copied "
                    "so far no longer apply")
    return None


def same_endpoint(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two identities name one keyspace (a copy onto itself)."""
    if a.get("kind") != b.get("kind"):
        return False
    if a["kind"] == "file":
        return bool(os.path.realpath(a["path"]) == os.path.realpath(b["path"]))
    fields = ("run_id", "run_ids", "db", "prefix", "id")
    return all(a.get(f) == b.get(f) for f in fields)
