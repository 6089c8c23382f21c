"""Memory backend handlers: the zsets commands."""

from __future__ import annotations
