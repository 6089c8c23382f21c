"""Typed methods for the sets commands (see redipy/commands/sets.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase


class SetCommands(CommandsBase):
    """The sets commands."""
