"""0.7.1's ``redipy.symbolic.rzset``: the script key object ``RedisSortedSet``."""

from redipy.script.keys import RedisSortedSet

__all__ = ["RedisSortedSet"]
