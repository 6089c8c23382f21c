"""Errors as one line fit for a terminal: no traceback, no password."""

from __future__ import annotations

from redipy.migrate.urls import mask_words


def one_line(err: BaseException) -> str:
    """An exception as a single line fit for a terminal (no traceback, no password)."""
    text = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    if isinstance(err, FileNotFoundError) and err.filename:
        text = f"no such file: {err.filename}"
    elif isinstance(err, OSError) and err.filename and err.strerror:
        text = f"{err.filename}: {err.strerror}"
    return mask_words(text)
