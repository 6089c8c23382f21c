"""Command table: the generic commands."""

from __future__ import annotations

from redipy.commands.spec import CommandSpec

COMMANDS: tuple[CommandSpec, ...] = ()
