"""Typed methods for the generic commands (see redipy/commands/generic.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase


class GenericCommands(CommandsBase):
    """The generic commands."""
