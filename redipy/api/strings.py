"""Typed methods for the strings commands (see redipy/commands/strings.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase


class StringCommands(CommandsBase):
    """The strings commands."""
