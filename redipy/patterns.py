"""Glob-pattern text helpers shared by the API, both backends and the workbench.

A neutral module, so that the Redis backend and the API need not import the memory
backend to put a key prefix in front of a pattern.
"""

from __future__ import annotations

import re

_TO_ESCAPE = re.compile(r"([*?\[\]\\])")


def escape_glob(text: str) -> str:
    """``text`` as a glob that matches exactly ``text`` (a key prefix in a pattern)."""
    return _TO_ESCAPE.sub(r"\\\1", text)
