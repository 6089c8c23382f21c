"""Memory backend handlers: the sets commands."""

from __future__ import annotations
