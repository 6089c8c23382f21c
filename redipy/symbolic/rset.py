"""0.7.1's ``redipy.symbolic.rset``: the script key object ``RedisSet``."""

from redipy.script.keys import RedisSet

__all__ = ["RedisSet"]
