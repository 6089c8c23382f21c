"""The history file: never a password in it, and readable by its owner only.

A line is left out of history when it carries a secret in any of the forms Redis
takes one: ``AUTH``, ``HELLO ... AUTH``, ``CONFIG SET`` of ``requirepass`` or
``masterauth`` (among several pairs too), ``ACL SETUSER`` with a password rule
(``>pw``, ``<pw``, ``#hash``, ``!hash``), ``MIGRATE ... AUTH`` / ``AUTH2``, each also
behind a repeat count (``3 AUTH pw``) and in any line of a pasted block. A URL's
password (``:backend redis://:pw@host``) is masked rather than the line dropped.
Imported only by the interactive prompt (prompt_toolkit), the scrubbing itself is
plain and tested directly.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from redipy.repl.parse import tokenize

_SECRET_URL = re.compile(r"(\w[\w+.-]*://[^/\s:@]*:)[^@\s/]+@")
_COUNT = re.compile(r"[+-]?[0-9]+")
_PASSWORD_CONFIGS = frozenset({"requirepass", "masterauth", "masteruser",
                               "tls-key-file-pass", "tls-client-key-file-pass"})


def history_path() -> str | None:
    """``$REDIPY_HISTFILE`` (empty: no history file) or ``~/.redipy_history``."""
    env = os.environ.get("REDIPY_HISTFILE")
    if env is not None:
        return env or None
    return str(Path.home() / ".redipy_history")


def secret(words: list[str]) -> bool:
    """Whether a command (as words) carries a password."""
    if len(words) > 1 and _COUNT.fullmatch(words[0]):
        words = words[1:]
    if not words:
        return False
    upper = [w.upper() for w in words]
    name = upper[0]
    if name == "AUTH":
        return True
    if name == "HELLO":
        return "AUTH" in upper[1:]
    if name == "CONFIG" and len(upper) > 1 and upper[1] == "SET":
        return any(w.lower() in _PASSWORD_CONFIGS for w in words[2::2])
    if name == "ACL" and len(upper) > 1 and upper[1] == "SETUSER":
        return any(w[:1] in (">", "<", "#", "!") for w in words[3:])
    if name == "MIGRATE":
        return "AUTH" in upper[6:] or "AUTH2" in upper[6:]
    return False


def scrub(text: str) -> str | None:
    """What history keeps of an entry (one or more lines): nothing when any line holds a
    secret, else the text with URL passwords masked."""
    joined = re.sub(r"\\\r?\n", " ", text)
    for line in joined.splitlines():
        words = [tok.value for tok in tokenize(line, lenient=True)]
        if secret(words):
            return None
    return _SECRET_URL.sub(r"\1***@", text)


def private_file(path: str) -> None:
    """Create ``path`` readable and writable by its owner only (0600), or make it so."""
    fd = os.open(path, os.O_CREAT | os.O_APPEND | os.O_WRONLY, 0o600)
    try:
        os.fchmod(fd, 0o600)
    finally:
        os.close(fd)
