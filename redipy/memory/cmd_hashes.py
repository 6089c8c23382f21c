"""Memory backend handlers: the hashes commands."""

from __future__ import annotations
