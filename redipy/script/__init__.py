"""Scripts written once in Python, run atomically on either backend (see issue: scripts)."""

from __future__ import annotations
