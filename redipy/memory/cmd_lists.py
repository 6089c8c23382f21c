"""Memory backend handlers: the lists commands."""

from __future__ import annotations
