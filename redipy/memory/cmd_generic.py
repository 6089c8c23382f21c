"""Memory backend handlers: the generic commands."""

from __future__ import annotations
