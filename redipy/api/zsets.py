"""Typed methods for the zsets commands (see redipy/commands/zsets.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase


class SortedSetCommands(CommandsBase):
    """The zsets commands."""
