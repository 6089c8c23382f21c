"""0.7.1's ``redipy.backend.backend``: the callable a registered script is."""

from redipy.script.register import ExecFunction

__all__ = ["ExecFunction"]
