"""One test per script construct, each run on memory and on every real server
(results and final keyspace must agree), plus build errors, run errors, pipelines,
key prefixes, NOSCRIPT recovery, the Lua text and its line map."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

import redipy
from redipy.errors import ResponseError, ScriptBuildError, ScriptError
from redipy.script import (
    CallFn,
    FindFn,
    FnContext,
    FromJSON,
    LogFn,
    RedisFn,
    RedisGeo,
    RedisHash,
    RedisHyperLogLog,
    RedisList,
    RedisSet,
    RedisSortedSet,
    RedisStream,
    RedisVar,
    ScriptRunError,
    StrLen,
    Strs,
    ToIntStr,
    ToJSON,
    ToNum,
    ToStr,
    TypeStr,
    lua_line_map,
    to_lua,
)
from tests.servers import Server
from tests.test_script_support import run_everywhere

Case = Callable[[], tuple[FnContext, list[Any], list[Any], list[Any]]]
CASES: dict[str, Case] = {}


def case(fn: Case) -> Case:
    CASES[fn.__name__] = fn
    return fn


def expr_script(*exprs: Any) -> FnContext:
    """A script returning the list of the given expressions' values."""
    ctx = FnContext()
    out = ctx.add_local([])
    for pos, expr in enumerate(exprs):
        ctx.add(out.set_at(pos, expr))
    ctx.set_return_value(out)
    return ctx


@case
def arithmetic() -> Any:
    ctx = FnContext()
    a = ctx.add_arg("a")
    ctx.set_return_value([
        ToNum("3") + 1, a + 1, a - 10, a * 2.5, a / 4, a % 3, -a, 0 - a,
        ToNum("10") * "2", 7 / ToNum("2"), ToNum("-7") % 3, ToNum("5.5") % 2,
        ToNum("0x10") + 0, ToNum(" 12 ") + 0, ToNum("1e3") + 0, (a * a) * a,
    ])
    ctx2 = FnContext()
    b = ctx2.add_arg("b")
    res = ctx2.add_local([])
    for pos, expr in enumerate([
            ToNum("3") + 1, b + 1, b - 10, b * 2.5, b / 4, b % 3, -b, ToNum("10") * "2",
            ToNum("-7") % 3, ToNum("5.5") % 2, ToNum("0x10") + 0, ToNum(" 12 ") + 0,
            b * b * b, ToNum("abc"), ToNum(b)]):
        ctx2.add(res.set_at(pos, expr))
    ctx2.set_return_value(res)
    return ctx2, [], [({}, {"b": 7})], [
        ("ok", [4, 8, -3, 17.5, 1.75, 1, -7, 20, 2, 1.5, 16, 12, 343, None, 7])]


@case
def nan_and_infinity_text() -> Any:
    """0/0 is the FPU's NaN (sign bit set: ``-nan``), as text and as a command argument."""
    ctx = FnContext()
    z = ctx.add_arg("z")
    v = RedisVar(ctx.add_key("v"))
    out = ctx.add_local([])
    exprs = [z / z, -(z / z), z % z, (z / z) * 2, 5 % z, 1 / z, -1 / z, ToNum("nan"),
             ToNum("-inf") + ToNum("inf")]
    for pos, expr in enumerate(exprs):
        ctx.add(out.set_at(pos, Strs(expr)))
    ctx.add(v.set_value(z / z))
    ctx.add(out.set_at(len(exprs), v.get_value()))
    ctx.set_return_value(out)
    return ctx, [], [({"v": "v"}, {"z": 0})], [("ok", [
        "-nan", "nan", "-nan", "-nan", "-nan", "inf", "-inf", "nan", "-nan", "-nan"])]


@case
def string_functions() -> Any:
    ctx = expr_script(
        Strs("a", 1, 2.5, "-", ToNum("1e15")), ToStr(1e15), ToStr(3), ToStr(0.1),
        ToIntStr(3.7), ToIntStr("-2.5"), ToIntStr(0), StrLen("héllo"),
        FindFn("hello", "l"), FindFn("a.b", "."), FindFn("hello", "l", 3), FindFn("ab", "x"),
        FindFn("héllo", "l"), TypeStr(1), TypeStr("x"), TypeStr(None), TypeStr(True),
        TypeStr([1]), CallFn("string.upper", "abcé"), CallFn("string.lower", "ABC"),
        CallFn("string.rep", "ab", 3), ToJSON([1, 2.5, "x/y"]), ToJSON("é"),
        CallFn("math.floor", 2.5), CallFn("math.max", 1, "7", 3), CallFn("math.abs", -2),
        Strs("x").strlen_(), ToStr(True))
    return ctx, [], [({}, {})], [("ok", [
        "a12.5-1e+15", "1e+15", "3", "0.1", "3", "-3", "0", 6, 2, 1, 3, None, 3, "number",
        "string", "nil", "boolean", "table", "ABCé", "abc", "ababab", '[1,2.5,"x\\/y"]', '"é"',
        2, 7, 2, 1, "true"])]


@case
def comparisons_and_logic() -> Any:
    ctx = FnContext()
    a = ctx.add_arg("a")
    res = ctx.add_local([])
    exprs = [
        ToNum("1").lt_(2), ToStr("a").lt_("b"), ToStr("b").le_("a"), a.eq_(3), a.eq_("3"),
        a.ne_(3), a.gt_(2), a.ge_(3), ToStr("1").eq_(1), a.and_("x"), a.or_("y"),
        res.get_key("nope").or_("d"), res.get_key("nope").and_(1).eq_(None),
        a.eq_(3).not_(), a.eq_(None).not_(), ToNum("0").and_("zero is true"),
        res.get_key("x").eq_(None),
    ]
    for pos, expr in enumerate(exprs):
        ctx.add(res.set_at(pos, expr))
    b_then, b_else = ctx.if_(0)
    b_then.add(res.set_at(len(exprs), "0 is truthy"))
    b_else.add(res.set_at(len(exprs), "0 is falsy"))
    ctx.set_return_value(res)
    return ctx, [], [({}, {"a": 3})], [("ok", [
        True, True, False, True, False, False, True, True, False, "x", 3, "d", True, False,
        True, "zero is true", True, "0 is truthy"])]


@case
def nil_handling() -> Any:
    ctx = FnContext()
    h = RedisHash(ctx.add_key("h"))
    lst = RedisList(ctx.add_key("l"))
    v = RedisVar(ctx.add_key("v"))
    d = ctx.add_local({"a": None, "b": 1})
    arr = ctx.add_local([1, None, 3])
    res = ctx.add_local([])
    exprs = [
        h.hget("missing"), v.get_value(), v.get_value(default="dflt"), lst.lindex(5),
        lst.lpop(), h.hmget("a", "zz"), d.get_key("a"), d.get_key("b"), arr[1], arr.len_(),
        arr[7], arr[-1], lst.lpop(3), FromJSON("null"), FromJSON("[null, 1]"), d,
    ]
    ctx.add(h.hset({"a": "1"}))
    for pos, expr in enumerate(exprs):
        ctx.add(res.set_at(pos, expr))
    ctx.set_return_value(res)
    return ctx, [], [({"h": "h", "l": "l", "v": "v"}, {})], [("ok", [
        None, None, "dflt", None, None, {"a": "1", "zz": None}, None, 1, None, 3, None, None,
        None, None, [None, 1], {"a": None, "b": 1}])]


def _ret(value: Any) -> FnContext:
    ctx = FnContext()
    ctx.set_return_value(value)
    return ctx


@case
def empty_tables() -> Any:
    ctx = FnContext()
    lst = RedisList(ctx.add_key("l"))
    h = RedisHash(ctx.add_key("h"))
    which = ctx.add_arg("which")
    pairs: list[tuple[str, Any]] = [("lrange", lst.lrange(0, -1)), ("hgetall", h.hgetall()),
                       ("hkeys", h.hkeys()), ("lit_list", []), ("lit_dict", {}),
                       ("hmget", h.hmget("a")), ("nested", [[]]), ("str", "x")]
    for name, expr in pairs:
        b_then, _ = ctx.if_(which.eq_(name))
        b_then.return_(expr)
    ctx.set_return_value(None)
    keys = {"l": "l", "h": "h"}
    names = ["lrange", "hgetall", "hkeys", "lit_list", "lit_dict", "hmget", "nested", "str", "-"]
    # an empty list or dict is None, as 0.7.1 documents; a nested one stays
    want: list[Any] = [None, None, None, None, None, {"a": None}, [[]], "x", None]
    return ctx, [], [(keys, {"which": n}) for n in names], [("ok", v) for v in want]


@case
def loops_and_break() -> Any:
    ctx = FnContext()
    lst = RedisList(ctx.add_key("l"))
    items = ctx.add_arg("items")
    total = ctx.add_local(0)
    seen = ctx.add_local([])
    body, idx, val = ctx.for_(lst.lrange(0, -1))
    body.add(total.assign(total + ToNum(val) * idx))
    inner, i2, v2 = body.for_(items)
    b_then, _ = inner.if_(v2.eq_("stop"))
    b_then.break_()
    inner.add(seen.set_at(seen.len_(), Strs(val, ":", v2, ":", i2)))
    count = ctx.add_local(0)
    loop = ctx.while_(True)
    loop.add(count.assign(count + 1))
    stop, _ = loop.if_(count.ge_(5))
    stop.break_()
    ctx.set_return_value([total, seen, count])
    return ctx, [("RPUSH", "l", "1", "2", "3")], [({"l": "l"}, {"items": ["a", "stop", "b"]})], [
        ("ok", [8, ["1:a:0", "2:a:0", "3:a:0"], 5])]


@case
def early_return_in_loop() -> Any:
    ctx = FnContext()
    n = ctx.add_arg("n")
    i = ctx.add_local(0)
    loop = ctx.while_(i.lt_(100))
    hit, _ = loop.if_(i.eq_(n))
    hit.return_(Strs("found ", i))
    loop.add(i.assign(i + 1))
    ctx.set_return_value("none")
    return ctx, [], [({}, {"n": 7}), ({}, {"n": 500})], [("ok", "found 7"), ("ok", "none")]


@case
def locals_dicts_and_arrays() -> Any:
    ctx = FnContext()
    d = ctx.add_local({})
    a = ctx.add_local([])
    ctx.add(d.set_key("x", 1))
    ctx.add(d.set_key("y", [1, 2]))
    ctx.add(d.set_key("x", d.get_key("x") + 1))
    ctx.add(a.set_at(0, "p"))
    ctx.add(a.set_at(1, "q"))
    ctx.add(a.set_at(0, "r"))
    ctx.add(a.set_at(a.len_(), None))
    ctx.set_return_value([d, a, a.len_(), a[0], d.get_key("y")[1] if False else d.get_key("y")])
    return ctx, [], [({}, {})], [("ok", [{"x": 2, "y": [1, 2]}, ["r", "q", None], 3, "r",
                                         [1, 2]])]


@case
def strings_commands() -> Any:
    ctx = FnContext()
    v = RedisVar(ctx.add_key("v"))
    w = RedisVar(ctx.add_key("w"))
    ctx.set_return_value([
        v.set_value("1"), v.set_value("2", mode="if_missing"), v.get_value(),
        v.set_value("3", mode="if_exists", return_previous=True), v.incrby(2),
        v.incrbyfloat(0.5), v.incrby_int is not None, w.set_value(10), w.incrby_int(5),
        w.append("x"), w.strlen(), w.getdel(), w.exists(), v.set_value("k", keep_ttl=True),
        v.set_value("e", expire_in=100), v.ttl().gt_(90), v.expire(expire_in=None),
        v.ttl(), v.expire(expire_in=50, mode="if_persist"), v.key_type(), w.key_type(),
        v.persist(),
    ])
    return ctx, [], [({"v": "v", "w": "w"}, {})], [("ok", [
        True, False, "1", "1", 5, 5.5, True, True, 15, 3, 3, "15x", False, True, True, True,
        True, None, True, "string", None, True])]


@case
def list_commands() -> Any:
    ctx = FnContext()
    lst = RedisList(ctx.add_key("l"))
    ctx.set_return_value([
        lst.rpush("a", "b", "c"), lst.lpush("z"), lst.llen(), lst.lrange(0, -1),
        lst.lindex(-1), lst.lset(0, "y"), lst.lrem(0, "b"), lst.ltrim(0, 1),
        lst.lrange(0, -1), lst.rpop(), lst.lpop(5), lst.lpop(), lst.rpush(1, 2.5),
        lst.lrange(0, 10),
    ])
    return ctx, [], [({"l": "l"}, {})], [("ok", [
        3, 4, 4, ["z", "a", "b", "c"], "c", True, 1, True, ["y", "a"], "a", ["y"], None, 2,
        ["1", "2.5"]])]


@case
def hash_commands() -> Any:
    ctx = FnContext()
    h = RedisHash(ctx.add_key("h"))
    ctx.set_return_value([
        h.hset({"a": "1", "b": "2"}), h.hget("a"), h.hmget("a", "c"), h.hincrby("a", 2),
        h.hincrby_int("b", 3), h.hincrbyfloat("b", 0.5), h.hexists("a"), h.hexists("c"),
        h.hlen(), h.hkeys(), h.hvals(), h.hgetall(), h.hdel("a", "c"), h.hgetall(),
    ])
    return ctx, [], [({"h": "h"}, {})], [("ok", [
        2, "1", {"a": "1", "c": None}, 3, 5, 5.5, True, False, 2, ["a", "b"], ["3", "5.5"],
        {"a": "3", "b": "5.5"}, 1, {"b": "5.5"}])]


@case
def set_commands() -> Any:
    ctx = FnContext()
    s = RedisSet(ctx.add_key("s"))
    ctx.set_return_value([
        s.add("a"), s.add("b", "c", "a"), s.has("a"), s.has("x"), s.card(), s.remove("a", "x"),
        s.members().len_(), s.card(),
    ])
    return ctx, [], [({"s": "s"}, {})], [("ok", [1, 2, True, False, 3, 1, 2, 2])]


@case
def zset_commands() -> Any:
    ctx = FnContext()
    z = RedisSortedSet(ctx.add_key("z"))
    ctx.set_return_value([
        z.add(1, "a"), z.add_many({"b": 2, "c": 3.5, "d": 4}), z.card(), z.range(0, -1),
        z.score("c"), z.score("x"), z.rank("b"), z.rank("x"), z.incrby("a", 0.25),
        z.pop_max(), z.pop_min(2), z.remove("c", "x"), z.card(), z.pop_min(),
    ])
    return ctx, [], [({"z": "z"}, {})], [("ok", [
        1, 3, 4, ["a", "b", "c", "d"], 3.5, None, 1, None, 1.25, [["d", 4]],
        [["a", 1.25], ["b", 2]], 1, 0, []])]


@case
def hll_and_geo_keys() -> Any:
    ctx = FnContext()
    h = RedisHyperLogLog(ctx.add_key("h"))
    g = RedisGeo(ctx.add_key("g"))
    ctx.set_return_value([
        h.add("a", "b", "c"), h.add("a"), h.count(),
        g.geoadd(13.361389, 38.115556, "Palermo"), g.geoadd(15.087269, 37.502669, "Catania"),
        g.dist("Palermo", "Catania"), g.dist("Palermo", "Catania", "km"),
        g.dist("Palermo", "nope"), g.card(),
    ])
    return ctx, [], [({"h": "h", "g": "g"}, {})], [
        ("ok", [1, 0, 3, 1, 1, 166274.1516, 166.2742, None, 2])]


@case
def stream_key() -> Any:
    ctx = FnContext()
    s = RedisStream(ctx.add_key("s"))
    n = ctx.add_arg("n")
    ctx.set_return_value([
        s.add({"a": "1", "b": n}, "1-1"), s.add({"c": "ü"}, "1-*"), s.add({"d": "4"}, 5),
        s.range("1-1", "1-1"), s.add({"e": "5"}, "6-0", maxlen=3), s.length(), s.range(),
        s.range("(1-2", "+", 1), s.revrange("+", "-", 2), s.remove("1-2", "9-9"),
        s.trim(maxlen=1), s.range(), s.ack("g", "0-5", "7-0"),
        s.add({"f": "6"}, "7-0", minid="7-0"), s.key_type(),
        s.trim(minid="8", approximate=True), s.range("8", "+"),
    ])
    def want(n: str, acked: int) -> list[Any]:
        return ["1-1", "1-2", "5-0", [["1-1", {"a": "1", "b": n}]], "6-0", 3,
                [["1-2", {"c": "ü"}], ["5-0", {"d": "4"}], ["6-0", {"e": "5"}]],
                [["5-0", {"d": "4"}]], [["6-0", {"e": "5"}], ["5-0", {"d": "4"}]], 1, 1,
                [["6-0", {"e": "5"}]], acked, "7-0", "stream", 1, []]

    return ctx, [("XADD", "s", "0-5", "z", "0"), ("XGROUP", "CREATE", "s", "g", "0"),
                 ("XREADGROUP", "GROUP", "g", "c", "STREAMS", "s", ">")], [
        ({"s": "s"}, {"n": 2}), ({"s": "s2"}, {"n": 3.5})], [
        ("ok", want("2", 1)), ("ok", want("3.5", 0))]


@case
def generic_key_commands() -> Any:
    ctx = FnContext()
    v = RedisVar(ctx.add_key("v"))
    lst = RedisList(ctx.add_key("l"))
    ctx.set_return_value([
        v.exists(), lst.exists(), v.key_type(), lst.key_type(), lst.delete(), lst.exists(),
        v.expire(expire_in=10), v.ttl().gt_(5), v.persist(), v.ttl(), v.delete(),
        RedisFn("get", ctx.add_key("q")), RedisFn("GET", ctx.add_key("q2")),
        RedisFn("type", v.key()), RedisFn("EXISTS", v.key(), no_adjust=True),
    ])
    return ctx, [("SET", "v", "x"), ("RPUSH", "l", "a")], [
        ({"v": "v", "l": "l", "q": "q", "q2": "q2"}, {})], [("ok", [
            True, True, "string", "list", 1, False, True, True, True, None, 1, None, None,
            None, 0])]


@case
def json_args_and_results() -> Any:
    ctx = FnContext()
    obj = ctx.add_arg("obj")
    ctx.set_return_value([obj.get_key("a"), obj.get_key("list")[1], obj.get_key("n") + 1,
                          TypeStr(obj.get_key("n")), obj, FromJSON(ToJSON(obj.get_key("list")))])
    arg = {"a": "x", "list": [1, 2.5, None], "n": 41, "t": True}
    return ctx, [], [({}, {"obj": arg})], [("ok", ["x", 2.5, 42, "number", arg, [1, 2.5, None]])]


@case
def run_errors() -> Any:
    ctx = FnContext()
    v = RedisVar(ctx.add_key("v"))
    lst = RedisList(ctx.add_key("l"))
    which = ctx.add_arg("which")
    b1, _ = ctx.if_(which.eq_("wrongtype"))
    b1.add(lst.lpush("x"))
    b2, _ = ctx.if_(which.eq_("arith"))
    b2.add(v.get_value() + 1)
    b3, _ = ctx.if_(which.eq_("notint"))
    b3.add(v.incrby_int(1))
    b4, _ = ctx.if_(which.eq_("compare"))
    b4.add(ToNum("1").lt_("a"))
    b5, _ = ctx.if_(which.eq_("concat"))
    b5.add(Strs("a", None))
    b6, _ = ctx.if_(which.eq_("badarg"))
    b6.add(lst.rpush(True))
    ctx.set_return_value("fine")
    keys = {"v": "l", "l": "l"}
    return ctx, [("SET", "l", "str")], [
        (keys, {"which": w}) for w in
        ["wrongtype", "arith", "notint", "compare", "concat", "badarg", "none"]], [
        *([("error", "ScriptRunError")] * 6), ("ok", "fine")]


@case
def log_and_constants() -> Any:
    ctx = FnContext()
    ctx.add(LogFn("notice", "hello from a script"))
    ctx.set_return_value("logged")
    return ctx, [], [({}, {})], [("ok", "logged")]


@pytest.mark.parametrize("name", sorted(CASES))
def test_construct(name: str, servers: dict[str, Server]) -> None:
    ctx, setup, calls, expected = CASES[name]()
    results, _ = run_everywhere(servers, ctx, calls, setup)
    assert results == expected


# ---- errors: where they point ---------------------------------------------------------


def test_run_error_names_script_statement_and_line(r: redipy.Redis) -> None:
    ctx = FnContext(name="breaker")
    lst = RedisList(ctx.add_key("l"))
    ctx.add(lst.lpush("x"))  # the failing line
    line = test_run_error_names_script_statement_and_line.__code__.co_firstlineno + 3
    fn = r.register_script(ctx)
    r.set_value("k", "v")
    with pytest.raises(ScriptError) as info:
        fn(keys={"l": "k"}, args={})
    err = info.value
    assert isinstance(err, ResponseError)
    text = str(err)
    assert "breaker" in text
    assert f"test_script_constructs.py:{line}" in text
    assert 'redis.call("LPUSH", key_0, "x")' in text
    assert "WRONGTYPE" in text
    assert text.endswith("WRONGTYPE Operation against a key holding the wrong kind of value")


def test_default_script_name_is_where_it_was_built(r: redipy.Redis) -> None:
    ctx = FnContext()
    line = test_default_script_name_is_where_it_was_built.__code__.co_firstlineno + 1
    ctx.add(ToNum("x") + 1)
    fn = r.register_script(ctx)
    with pytest.raises(ScriptError, match=f"script test_script_constructs.py:{line} failed"):
        fn(keys={}, args={})


def test_build_errors() -> None:
    other = FnContext()
    foreign = other.add_key("k")
    ctx = FnContext()
    ctx.add(RedisVar(foreign).get_value())
    with pytest.raises(ScriptBuildError, match="belongs to another script"):
        to_lua(ctx)
    with pytest.raises(ScriptBuildError, match="literal"):
        RedisVar("plain-key")
    with pytest.raises(ScriptBuildError, match="takes 1 argument"):
        CallFn("tonumber", 1, 2)
    with pytest.raises(ScriptBuildError, match="unknown function"):
        CallFn("os exit")  # not a Lua name
    # a name redipy does not know is a plug-in's (0.7.1): the memory backend without
    # one refuses the script when it is registered
    plug = FnContext()
    plug.add(CallFn("os.exit"))
    with pytest.raises(ScriptBuildError, match=r"unknown function os.exit"):
        redipy.Redis().register_script(plug)
    with pytest.raises(ScriptBuildError, match="outside of a loop"):
        FnContext().break_()
    with pytest.raises(ScriptBuildError, match="at least one"):
        RedisHash(FnContext().add_key("h")).hset({})
    with pytest.raises(ScriptBuildError, match="ambiguous"):
        c = FnContext()
        c.add_arg("a")
        c.add_arg("a")
    c2 = FnContext()
    _, _, val = c2.for_([1])
    c2.add(val)
    with pytest.raises(ScriptBuildError, match="outside its loop"):
        to_lua(c2)


def test_arity_checked_against_the_command_table() -> None:
    ctx = FnContext()
    with pytest.raises(ScriptBuildError, match="GET takes"):
        RedisFn("GET", ctx.add_key("k"), "extra")


def test_missing_key_or_arg_at_call(r: redipy.Redis) -> None:
    ctx = FnContext()
    ctx.add(RedisVar(ctx.add_key("k")).get_value())
    ctx.add_arg("a")
    fn = r.register_script(ctx)
    with pytest.raises(ValueError, match="missing key 'k'"):
        fn(keys={}, args={"a": 1})
    with pytest.raises(ValueError, match="missing arg 'a'"):
        fn(keys={"k": "x"}, args={})


# ---- pipelines, prefixes, NOSCRIPT ----------------------------------------------------


def _counter() -> FnContext:
    ctx = FnContext()
    v = RedisVar(ctx.add_key("v"))
    by = ctx.add_arg("by")
    ctx.set_return_value(v.incrby(by))
    return ctx


def test_script_in_pipeline(r: redipy.Redis) -> None:
    fn = r.register_script(_counter())
    with r.pipeline() as pipe:
        pipe.set_value("other", "1")
        assert fn(keys={"v": "c"}, args={"by": 2}, client=pipe) is None
        fn(keys={"v": "c"}, args={"by": 3}, client=pipe)
        pipe.get_value("c")
        assert pipe.execute() == [True, 2, 5, "5"]


def test_key_prefix_applies_to_script_keys(servers: dict[str, Server]) -> None:
    import redis as redis_py

    srv = servers["valkey"]
    raw = redis_py.Redis(port=srv.port, decode_responses=True)
    raw.flushall()
    r = redipy.Redis(url=srv.url, prefix="app")
    ctx = FnContext()
    frame = RedisHash(Strs(ctx.add_key("f"), ":", 1))
    ctx.add(frame.hset({"a": "b"}))
    ctx.set_return_value(RedisVar(ctx.add_key("v")).incrby(1))
    fn = r.register_script(ctx)
    assert fn(keys={"f": "frame", "v": "n"}, args={}) == 1
    assert sorted(raw.keys("*")) == ["app:frame:1", "app:n"]
    raw.close()
    r.close()


def test_noscript_reload(r: redipy.Redis) -> None:
    fn = r.register_script(_counter())
    assert fn(keys={"v": "c"}, args={"by": 1}) == 1
    r.execute_command("SCRIPT", "FLUSH")
    assert fn(keys={"v": "c"}, args={"by": 1}) == 2
    assert r.execute_command("SCRIPT", "EXISTS", fn.sha, "0" * 40) == [1, 0]  # type: ignore[attr-defined]


def test_raw_evalsha_and_eval(r: redipy.Redis) -> None:
    ctx = _counter()
    fn = r.register_script(ctx)
    assert r.execute_command("EVALSHA", fn.sha, "1", "c", "5") == "5"  # type: ignore[attr-defined]
    assert r.execute_command("EVAL", to_lua(ctx), "1", "c", "0.5") == "5.5"
    with pytest.raises(ResponseError, match="NOSCRIPT"):
        r.execute_command("EVALSHA", "f" * 40, "0")
    with pytest.raises(ResponseError, match="can't be greater"):
        r.execute_command("EVALSHA", fn.sha, "3", "a")  # type: ignore[attr-defined]


def test_same_script_on_two_clients(r: redipy.Redis) -> None:
    ctx = _counter()
    fn = r.register_script(ctx)
    other = redipy.Redis()
    assert fn(keys={"v": "x"}, args={"by": 1}, client=other) == 1
    assert other.get_value("x") == "1"
    assert r.get_value("x") is None


# ---- Lua text, line map, Python trace ------------------------------------------------


def test_lua_text_and_line_map() -> None:
    ctx = FnContext(name="demo")
    lst = RedisList(ctx.add_key("inp"))
    first = test_lua_text_and_line_map.__code__.co_firstlineno
    cur = ctx.add_local(lst.lpop())
    loop = ctx.while_(cur.ne_(None))
    loop.add(cur.assign(lst.lpop()))
    lua = to_lua(ctx)
    assert lua.startswith("-- redipy script demo")
    lines = lua.split("\n")
    lmap = lua_line_map(ctx)
    pairs = [(lines[n - 1], origin) for n, origin in sorted(lmap.items())]
    here = "test_script_constructs.py"
    assert pairs == [
        ('var_0 = (redis.call("LPOP", key_0) or nil)', f"{here}:{first + 4}"),
        ("while (var_0 ~= nil) do", f"{here}:{first + 5}"),
        ('  var_0 = (redis.call("LPOP", key_0) or nil)', f"{here}:{first + 6}"),
        ("end", f"{here}:{first + 5}"),
    ]
    assert "local key_0 = KEYS[1]  -- inp" in lines


def test_trace_mode_reports_every_statement() -> None:
    from redipy.memory.backend import MemoryBackend
    from redipy.script.register import compiled

    ctx = FnContext()
    total = ctx.add_local(0)
    body, _, val = ctx.for_([1, 2, 3])
    body.add(total.assign(total + val))
    ctx.set_return_value(total)
    comp = compiled(ctx)
    seen: list[tuple[int, Any]] = []
    backend = MemoryBackend()
    prog = comp.traced(backend.handlers, lambda sid, env: seen.append((sid, env.get("var_0"))))
    assert prog.fn(backend.db, [], []) == "6"
    assert [sid for sid, _ in seen] == [0, 1, 2, 2, 2, 3]
    assert seen[-1][1] == 6.0
    plain = comp.python(backend.handlers)
    assert "_trace" not in plain.source


def test_script_error_in_pipeline(r: redipy.Redis) -> None:
    """A failing script in a pipeline raises the ScriptRunError of a direct call, naming
    the failing Lua statement and the Python line that built it, on every backend."""
    ctx = FnContext(name="bad")
    ctx.add(RedisList(ctx.add_key("l")).lpush("x"))
    fn = r.register_script(ctx)
    r.set_value("k", "v")
    with r.pipeline() as pipe:
        fn(keys={"l": "k"}, args={}, client=pipe)
        pipe.get_value("k")
        with pytest.raises(ScriptRunError, match="WRONGTYPE") as info:
            pipe.execute()
    assert "LPUSH" in info.value.statement
    assert info.value.origin.startswith("test_script_constructs.py:")
    with r.pipeline() as pipe:
        fn(keys={"l": "k"}, args={}, client=pipe)
        pipe.get_value("k")
        replies = pipe.execute(raise_on_error=False)
    assert isinstance(replies[0], ScriptRunError) and replies[1] == "v"


@pytest.mark.parametrize("zero_first", [True, False])
def test_negative_zero_constants_agree(servers: dict[str, Server], zero_first: bool) -> None:
    """Lua folds ``-0``, ``0 * -1`` and ``0 / -8`` at compile time into a constant table
    where ``-0 == 0``, so the server's answer depends on which constant came first; the
    compilers fold such constants to ``0`` and every backend agrees. A ``-0`` computed
    at run time stays ``-0`` everywhere."""
    from redipy.script.expr import lit_helper

    ctx = FnContext(name="negzero")
    first = ctx.add_local(0) if zero_first else None
    folded = [ToStr(-lit_helper(0)), ToStr(lit_helper(0) * -1), ToStr(lit_helper(0) / -8),
              ToStr(lit_helper(-0.0)), ToStr(-lit_helper(0) + 1)]
    late = ctx.add_local(0)
    runtime = ToStr(late * -1)
    ctx.set_return_value([*folded, runtime, *([first] if first is not None else [])])
    results, _ = run_everywhere(servers, ctx, [({}, {})])
    assert results[0][1][:6] == ["0", "0", "0", "0", "1", "-0"]
