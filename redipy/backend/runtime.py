"""0.7.1's ``redipy.backend.runtime``: the base of both runtimes is a ``redipy.Redis``."""

from redipy.main import Redis as Runtime

__all__ = ["Runtime"]
