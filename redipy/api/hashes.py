"""Typed methods for the hashes commands (see redipy/commands/hashes.py)."""

from __future__ import annotations

from redipy.api.base import CommandsBase


class HashCommands(CommandsBase):
    """The hashes commands."""
