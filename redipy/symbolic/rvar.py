"""0.7.1's ``redipy.symbolic.rvar``: the script key object ``RedisVar``."""

from redipy.script.keys import RedisVar

__all__ = ["RedisVar"]
