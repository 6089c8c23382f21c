"""Typed methods for the lists commands (see redipy/commands/lists.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase


class ListCommands(CommandsBase):
    """The lists commands."""
