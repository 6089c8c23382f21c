"""0.7.1's ``redipy.symbolic.fun``: function calls inside scripts."""

from redipy.script.expr import (
    CallFn,
    FindFn,
    FromJSON,
    LogFn,
    LogLevel,
    RedisFn,
    ToIntStr,
    ToJSON,
    ToNum,
    ToStr,
    TypeStr,
)
from redipy.script.keys import RedisObj

__all__ = ["CallFn", "FindFn", "FromJSON", "LogFn", "LogLevel", "RedisFn", "RedisObj",
           "ToIntStr", "ToJSON", "ToNum", "ToStr", "TypeStr"]
