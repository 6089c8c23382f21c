"""0.7.1's ``redipy.symbolic.rlist``: the script key object ``RedisList``."""

from redipy.script.keys import RedisList

__all__ = ["RedisList"]
