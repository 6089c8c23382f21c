"""0.7.1's ``redipy.symbolic.rhash``: the script key object ``RedisHash``."""

from redipy.script.keys import RedisHash

__all__ = ["RedisHash"]
