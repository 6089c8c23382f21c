"""Memory backend handlers: the strings commands."""

from __future__ import annotations
