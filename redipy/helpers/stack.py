"""0.7.1's ``RStack``: a stack of dictionaries in Redis, inner frames shadowing outer.

``{base}:size`` counts the frames pushed; frame ``n`` is the hash ``{base}:frame:{n}``.
Each operation that reads the size and a frame together is one script, so it is atomic.
"""

from __future__ import annotations

from typing import Any, cast

from redipy.api import RedisClientAPI
from redipy.script import (
    ExecFunction,
    FnContext,
    JSONType,
    RedisHash,
    RedisVar,
    Strs,
    ToIntStr,
    ToNum,
)


def _frame(ctx: FnContext) -> tuple[RedisVar, RedisHash]:
    """The size counter and the current frame's hash of a script."""
    size = RedisVar(ctx.add_key("size"))
    frame = RedisHash(Strs(ctx.add_key("frame"), ":", ToIntStr(size.get_value(default=0))))
    return size, frame


class RStack:
    """A dictionary stack for one client; ``base`` names each stack (0.7.1's API)."""

    def __init__(self, rt: RedisClientAPI) -> None:
        self._rt = rt
        self._set_value = self._script_set()
        self._get_value = self._script_get()
        self._pop_frame = self._script_pop()
        self._get_cascading = self._script_cascade()

    def key(self, base: str, name: str) -> str:
        """The Redis key of part ``name`` of stack ``base``."""
        return f"{base}:{name}"

    def _keys(self, base: str) -> dict[str, str]:
        return {"size": self.key(base, "size"), "frame": self.key(base, "frame")}

    def push_frame(self, base: str) -> None:
        """Start a new, empty frame."""
        self._rt.incrby(self.key(base, "size"), 1)

    def pop_frame(self, base: str) -> dict[str, str]:
        """Remove the current frame and return its fields (``{}`` when empty)."""
        res = self._pop_frame(keys=self._keys(base), args={})
        return {} if res is None else cast("dict[str, str]", res)

    def set_value(self, base: str, field: str, value: str) -> None:
        """Set ``field`` in the current frame."""
        self._set_value(keys=self._keys(base), args={"field": field, "value": value})

    def get_value(self, base: str, field: str, *, cascade: bool = False) -> JSONType:
        """``field`` of the current frame; with ``cascade`` the innermost frame that has
        it."""
        run = self._get_cascading if cascade else self._get_value
        return run(keys=self._keys(base), args={"field": field})

    def _script_set(self) -> ExecFunction:
        ctx = FnContext(name="RStack.set_value")
        _, frame = _frame(ctx)
        field = ctx.add_arg("field")
        value = ctx.add_arg("value")
        ctx.add(frame.hset({field: value}))
        ctx.set_return_value(None)
        return self._rt.register_script(ctx)

    def _script_get(self) -> ExecFunction:
        ctx = FnContext(name="RStack.get_value")
        _, frame = _frame(ctx)
        ctx.set_return_value(frame.hget(ctx.add_arg("field")))
        return self._rt.register_script(ctx)

    def _script_pop(self) -> ExecFunction:
        ctx = FnContext(name="RStack.pop_frame")
        size, frame = _frame(ctx)
        fields = ctx.add_local(frame.hgetall())
        ctx.add(frame.delete())
        more, last = ctx.if_(ToNum(size.get_value(default=0)).gt_(0))
        more.add(size.incrby(-1))
        last.add(size.delete())
        ctx.set_return_value(fields)
        return self._rt.register_script(ctx)

    def _script_cascade(self) -> ExecFunction:
        ctx = FnContext(name="RStack.get_cascading")
        size = RedisVar(ctx.add_key("size"))
        base = ctx.add_local(ctx.add_key("frame"))
        field = ctx.add_arg("field")
        pos = ctx.add_local(ToNum(size.get_value(default=0)))
        res = ctx.add_local(None)
        name: Any = ctx.add_local(None)
        loop = ctx.while_(res.eq_(None).and_(pos.ge_(0)))
        loop.add(name.assign(Strs(base, ":", ToIntStr(pos))))
        loop.add(res.assign(RedisHash(name).hget(field)))
        loop.add(pos.assign(pos - 1))
        ctx.set_return_value(res)
        return self._rt.register_script(ctx)


__all__ = ["RStack"]
