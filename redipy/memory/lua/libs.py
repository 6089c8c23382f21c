"""The libraries a server's Lua has beyond Lua 5.1's own: ``bit``, ``cjson``, ``struct``
and ``cmsgpack``, written in Python with the behaviour of the C libraries servers embed
(LuaBitOp 1.0, lua-cjson 2.1 with Redis's defaults, Roberto Ierusalimschy's struct,
lua-cmsgpack 0.4).

Each builder takes the Lua state and ``where()`` (the script position for error
messages) and returns a Lua table of functions.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from redipy.memory.lua import cjson, cmsgpack, luabit, luastruct

Builder = Callable[[Any, Callable[[], str]], Any]

LIBRARIES: dict[str, Builder] = {
    "bit": luabit.build,
    "cjson": cjson.build,
    "struct": luastruct.build,
    "cmsgpack": cmsgpack.build,
}
