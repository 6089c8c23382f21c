"""redipy 0.7.1's two README script examples, copied verbatim, on every backend."""

from __future__ import annotations

from typing import cast

import redipy
from redipy import RedisClientAPI
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


def test_list_filter(r: redipy.Redis) -> None:
    # ---- verbatim from the README ("Simple Example") ----
    # set up script
    ctx = redipy.script.FnContext()
    # add argument
    cmp = ctx.add_arg("cmp")
    # add key arguments
    inp = redipy.script.RedisList(ctx.add_key("inp"))
    left = redipy.script.RedisList(ctx.add_key("left"))
    right = redipy.script.RedisList(ctx.add_key("right"))

    # add local variable which contains the current value pop'ed from the list
    cur = ctx.add_local(inp.lpop())
    # we consume "inp" until it is empty
    loop = ctx.while_(cur.ne_(None))
    # push the value to the list depending on whether it is smaller than `cmp`
    b_then, b_else = loop.if_(redipy.script.ToNum(cur).lt_(cmp))
    b_then.add(left.rpush(cur))
    b_else.add(right.rpush(cur))
    # pop next value and store in local variable
    loop.add(cur.assign(inp.lpop()))
    # the script doesn't return a value
    ctx.set_return_value(None)

    # make sure to build the script only once and reuse the filter_list function
    filter_list = r.register_script(ctx)

    r.rpush("mylist", "1", "3", "2", "4")
    filter_list(
        keys={
            "inp": "mylist",
            "left": "small",
            "right": "big",
        },
        args={
            "cmp": 3,
        })

    # The README comments say [] for the drained list; LPOP with a count on a
    # missing key is nil in Redis, which the API gives as None.
    assert r.lpop("mylist", 4) in ([], None)  # []
    assert r.lpop("small", 4) == ["1", "2"]  # ["1", "2"]
    assert r.lpop("big", 4) == ["3", "4"]  # ["3", "4"]


# ---- verbatim from the README ("Advanced Example") ----
class RStack:
    """An example class that simulates a key value stack."""
    def __init__(self, rt: RedisClientAPI) -> None:
        self._rt = rt

        self._set_value = self._set_value_script()
        self._get_value = self._get_value_script()
        self._pop_frame = self._pop_frame_script()
        self._get_cascading = self._get_cascading_script()

    def key(self, base: str, name: str) -> str:
        return f"{base}:{name}"

    def push_frame(self, base: str) -> None:
        self._rt.incrby(self.key(base, "size"), 1)

    def pop_frame(self, base: str) -> dict[str, str]:
        res = self._pop_frame(
            keys={
                "size": self.key(base, "size"),
                "frame": self.key(base, "frame"),
            },
            args={})
        if res is None:
            return {}
        return cast(dict, res)

    def set_value(self, base: str, field: str, value: str) -> None:
        self._set_value(
            keys={
                "size": self.key(base, "size"),
                "frame": self.key(base, "frame"),
            },
            args={"field": field, "value": value})

    def get_value(self, base: str, field: str) -> JSONType:
        return self._get_value(
            keys={
                "size": self.key(base, "size"),
                "frame": self.key(base, "frame"),
            },
            args={"field": field})

    def get_cascading(self, base: str, field: str) -> JSONType:
        return self._get_cascading(
            keys={
                "size": self.key(base, "size"),
                "frame": self.key(base, "frame"),
            },
            args={"field": field})

    def _set_value_script(self) -> ExecFunction:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        rframe = RedisHash(Strs(
            ctx.add_key("frame"),
            ":",
            ToIntStr(rsize.get_value(default=0))))
        field = ctx.add_arg("field")
        value = ctx.add_arg("value")
        ctx.add(rframe.hset({
            field: value,
        }))
        ctx.set_return_value(None)
        return self._rt.register_script(ctx)

    def _get_value_script(self) -> ExecFunction:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        rframe = RedisHash(Strs(
            ctx.add_key("frame"),
            ":",
            ToIntStr(rsize.get_value(default=0))))
        field = ctx.add_arg("field")
        ctx.set_return_value(rframe.hget(field))
        return self._rt.register_script(ctx)

    def _pop_frame_script(self) -> ExecFunction:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        rframe = RedisHash(Strs(
            ctx.add_key("frame"),
            ":",
            ToIntStr(rsize.get_value(default=0))))
        lcl = ctx.add_local(rframe.hgetall())
        ctx.add(rframe.delete())

        b_then, b_else = ctx.if_(ToNum(rsize.get_value(default=0)).gt_(0))
        b_then.add(rsize.incrby(-1))
        b_else.add(rsize.delete())

        ctx.set_return_value(lcl)
        return self._rt.register_script(ctx)

    def _get_cascading_script(self) -> ExecFunction:
        ctx = FnContext()
        rsize = RedisVar(ctx.add_key("size"))
        base = ctx.add_local(ctx.add_key("frame"))
        field = ctx.add_arg("field")
        pos = ctx.add_local(ToNum(rsize.get_value(default=0)))
        res = ctx.add_local(None)
        cur = ctx.add_local(None)
        rframe = RedisHash(cur)

        loop = ctx.while_(res.eq_(None).and_(pos.ge_(0)))
        loop.add(cur.assign(Strs(base, ":", ToIntStr(pos))))
        loop.add(res.assign(rframe.hget(field)))
        loop.add(pos.assign(pos - 1))

        ctx.set_return_value(res)
        return self._rt.register_script(ctx)


def test_rstack(r: redipy.Redis) -> None:
    """The stack behaves as the README describes (0.7.1's own test sequence)."""
    rstack = RStack(r)
    base = "foo"
    rstack.set_value(base, "a", "hi")
    rstack.set_value(base, "b", "bye")
    assert rstack.get_value(base, "a") == "hi"
    assert rstack.get_value(base, "b") == "bye"
    assert rstack.get_value(base, "c") is None
    rstack.push_frame(base)
    rstack.set_value(base, "b", "no")
    rstack.set_value(base, "c", "maybe")
    assert rstack.get_value(base, "a") is None
    assert rstack.get_cascading(base, "a") == "hi"
    assert rstack.get_value(base, "b") == "no"
    assert rstack.get_cascading(base, "b") == "no"
    assert rstack.get_value(base, "c") == "maybe"
    rstack.push_frame(base)
    assert rstack.get_cascading(base, "a") == "hi"
    assert rstack.get_cascading(base, "b") == "no"
    assert rstack.get_cascading(base, "d") is None
    rstack.set_value(base, "d", "yes")
    assert rstack.pop_frame(base) == {"d": "yes"}
    assert rstack.pop_frame(base) == {"b": "no", "c": "maybe"}
    assert rstack.get_cascading(base, "b") == "bye"
    assert rstack.pop_frame(base) == {"a": "hi", "b": "bye"}
    assert rstack.pop_frame(base) == {}
    assert r.exists("foo:size", "foo:frame:0") == 0
