"""0.7.1's ``redipy.redis.lua``: the Lua script compiler."""

from redipy.script.compilers import LuaBackend

__all__ = ["LuaBackend"]
