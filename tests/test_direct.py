"""The direct forms compiled scripts call (``redipy.memory.registry.DIRECT``) answer
exactly as their handlers do: same reply, same error, same keyspace afterwards; and
scripts that use them agree with real servers for every kind of argument value."""

from __future__ import annotations

import math
import random
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import redipy
from redipy.errors import RedipyError, ResponseError
from redipy.memory.backend import load_all
from redipy.memory.boundary import reply_text, to_bytes
from redipy.memory.numbers import NOT_INT, parse_int
from redipy.memory.registry import DIRECT, HANDLERS
from redipy.script import FnContext, RedisHash, RedisList, RedisSet, RedisVar
from tests.servers import Server
from tests.test_script_support import dump, run_everywhere

load_all()  # the direct forms register with their handler modules

STATES: dict[str, list[list[str]]] = {
    "missing": [],
    "counter": [["SET", "k", "12"]],
    "counter with ttl": [["SET", "k", "41", "EX", "100"]],
    "int64 max": [["SET", "k", "9223372036854775807"]],
    "text": [["SET", "k", "abc"]],
    "list": [["RPUSH", "k", "a", "b"]],
    "one-element list": [["RPUSH", "k", "a"], ["EXPIRE", "k", "100"]],
    "hash": [["HSET", "k", "f", "5", "g", "x", "h", "9223372036854775807"]],
    "set": [["SADD", "k", "m", "1"]],
    "zset": [["ZADD", "k", "1", "m"]],
}
VALUES = ["f", "g", "h", "m", "a", "1", "-5", "0", "07", "abc", "", "1.5",
          "9223372036854775807", "-9223372036854775808", "9223372036854775808", "é"]


def _outcome(fn: Any) -> tuple[str, Any]:
    try:
        return ("ok", fn())
    except RedipyError as err:
        return ("error", f"{type(err).__name__}: {err}")


def _client(state: str) -> redipy.Redis:
    r = redipy.Redis()
    for cmd in STATES[state]:
        r.execute_command(*cmd)
    return r


@pytest.mark.parametrize("name", sorted(DIRECT))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_direct_form_answers_as_its_handler(name: str, data: st.DataObject) -> None:
    form = DIRECT[name]
    state = data.draw(st.sampled_from(sorted(STATES)))
    args = ["k", *data.draw(st.lists(st.sampled_from(VALUES), min_size=len(form.kinds) - 1,
                                     max_size=len(form.kinds) - 1))]
    via_handler, via_direct = _client(state), _client(state)
    expected = _outcome(lambda: via_handler._backend.run(name, args))
    converted: list[Any] = []
    for kind, text in zip(form.kinds, args):
        if kind == "int":
            num = parse_int(text)
            if num is None:  # the direct form's contract: the handler refuses it so
                assert expected == ("error", f"ResponseError: {NOT_INT}")
                return
            converted.append(num)
        else:
            converted.append(to_bytes(text))  # handlers and direct forms take bytes
    backend = via_direct._backend
    with backend.db.lock:
        got = _outcome(lambda: reply_text(form.fn(backend.db, *converted, *form.fixed)))
    assert got == expected, (state, args)
    assert dump(via_direct) == dump(via_handler), (state, args)


def test_every_direct_form_has_a_handler() -> None:
    assert set(DIRECT) <= set(HANDLERS)
    assert {"GET", "SET", "INCRBY", "HSET", "HGET", "HINCRBY", "LPUSH", "RPUSH", "LPOP",
            "RPOP", "LLEN", "SADD", "SISMEMBER"} <= set(DIRECT)


def _counter_script() -> FnContext:
    ctx = FnContext(name="counter")
    by = ctx.add_arg("by")
    ctx.set_return_value(RedisVar(ctx.add_key("v")).incrby_int(by))
    return ctx


def test_compiled_scripts_call_direct_forms() -> None:
    r = redipy.Redis()
    fn = r.register_script(_counter_script())
    source = fn._comp.python(r._backend.handlers, r._backend.direct).source  # type: ignore[attr-defined]
    assert "_ia0 = _intarg_or_none(arg_0)" in source
    assert "_d_INCRBY(db, key_0, (_ia0 if _ia0 is not None else _intarg(arg_0)))" in source
    assert "_h_INCRBY" not in source


# every kind of script value, as the argument of each command that has a direct form
ARG_VALUES: list[Any] = [3, -7, 0, 2.5, 0.1, 1e15, 9007199254740993, 1e16, 1e20, -1e300,
                         "7", " 7", "07", "abc", "", "9223372036854775807",
                         "9223372036854775808", True, [1], {"a": 1}, None]


def _uses_every_direct_form(op: str) -> FnContext:
    ctx = FnContext(name=f"direct {op}")
    v = RedisVar(ctx.add_key("v"))
    h = RedisHash(ctx.add_key("h"))
    lst = RedisList(ctx.add_key("l"))
    s = RedisSet(ctx.add_key("s"))
    x = ctx.add_arg("x")
    exprs = {
        "incrby": v.incrby_int(x), "hincrby": h.hincrby_int("f", x), "set": v.set_value(x),
        "get": v.get_value(), "hset": h.hset({"g": x}), "hset_field": h.hset({x: "1"}),
        "hget": h.hget(x), "rpush": lst.rpush(x), "lpush": lst.lpush(x),
        "lpop": lst.lpop(), "rpop": lst.rpop(), "llen": lst.llen(), "sadd": s.add(x),
        "sismember": s.has(x), "incrby_key": RedisVar(x).incrby_int(1),
    }
    ctx.set_return_value(exprs[op])
    return ctx


@pytest.mark.parametrize("op", ["incrby", "hincrby", "set", "get", "hset", "hset_field",
                                "hget", "rpush", "lpush", "lpop", "rpop", "llen", "sadd",
                                "sismember", "incrby_key"])
def test_direct_form_arguments_agree_with_servers(op: str,
                                                  servers: dict[str, Server]) -> None:
    ctx = _uses_every_direct_form(op)
    setup = [("SET", "v", "5"), ("HSET", "h", "f", "10", "7", "x"), ("RPUSH", "l", "a"),
             ("SADD", "s", "7")]
    keys = {"v": "v", "h": "h", "l": "l", "s": "s"}
    results, _ = run_everywhere(servers, ctx, [(keys, {"x": x}) for x in ARG_VALUES], setup)
    oks = [res for kind, res in results if kind == "ok"]
    errors = [res for kind, res in results if kind == "error"]
    assert oks, results  # every command works for some values ...
    if op in ("incrby", "hincrby", "set", "hset", "rpush", "lpush", "sadd"):
        assert errors, results  # ... and refuses some (tables, booleans, nil)


def test_wrongtype_from_a_direct_form_names_the_statement() -> None:
    r = redipy.Redis()
    r.rpush("v", "a")
    fn = r.register_script(_counter_script())
    with pytest.raises(ResponseError, match=r"INCRBY.*WRONGTYPE"):
        fn(keys={"v": "v"}, args={"by": 1})


def _doubles(count: int) -> list[float]:
    """Doubles of every shape: random bit patterns, short decimals, whole numbers
    around 2**53 and 2**62, tiny and huge magnitudes."""
    rng = random.Random(20261124)
    out: list[float] = []
    while len(out) < count:
        bits = rng.getrandbits(64)
        value = struct.unpack("<d", struct.pack("<Q", bits))[0]
        if value == value and value not in (math.inf, -math.inf):
            out.append(value)
        out.append(round(rng.uniform(-1e6, 1e6), rng.randrange(0, 8)))
        out.append(float(rng.randrange(-2**63, 2**63)))
        out.append(rng.choice([1.0, -1.0]) * 10.0 ** rng.randrange(-12, 25)
                   * rng.randrange(1, 99999))
    return out[:count]


def test_numbers_reach_commands_as_the_server_writes_them(servers: dict[str, Server]) -> None:
    """A number computed in a script is sent as Valkey's text (double2ll, then
    fpconv's shortest digits): SET it, then read the stored string back."""
    ctx = FnContext(name="number text")
    v = RedisVar(ctx.add_key("v"))
    x = ctx.add_arg("x")
    ctx.add(v.set_value(x * 1))
    ctx.set_return_value(v.get_value())
    values = [*_doubles(400), 0.1, 1e-7, 12345.678901234567, 2.0**62, 2.0**62 + 2048, -0.0]
    results, _ = run_everywhere(servers, ctx, [({"v": "v"}, {"x": x}) for x in values])
    assert all(kind == "ok" for kind, _ in results)
    assert results[-6:] == [("ok", "0.1"), ("ok", "1e-7"), ("ok", "1.2345678901234567e+4"),
                            ("ok", "4611686018427387904"), ("ok", "4611686018427390000"),
                            ("ok", "0")]


def test_integer_argument_converted_once_fails_where_it_is_used(
        servers: dict[str, Server]) -> None:
    """An argument's integer form is worked out once per call, but a bad one fails
    only at the statement that uses it, and not at all when that never runs."""
    ctx = FnContext(name="late")
    v = RedisVar(ctx.add_key("v"))
    by = ctx.add_arg("by")
    use = ctx.add_arg("use")
    ctx.add(v.set_value("start"))
    then, _ = ctx.if_(use.eq_(1))
    then.add(v.incrby_int(by))
    ctx.set_return_value(v.get_value())
    calls = [({"v": "n"}, {"by": "abc", "use": 0}), ({"v": "n"}, {"by": "abc", "use": 1}),
             ({"v": "w"}, {"by": 2.5, "use": 1}), ({"v": "x"}, {"by": [1], "use": 1})]
    results, keyspace = run_everywhere(servers, ctx, calls)
    assert results == [("ok", "start"), *[("error", "ScriptRunError")] * 3]
    assert keyspace == {k: ("string", "start", False) for k in ("n", "w", "x")}
    r = redipy.Redis()
    fn = r.register_script(ctx)
    with pytest.raises(ResponseError, match=r"INCRBY.*not an integer"):
        fn(keys={"v": "n"}, args={"by": "abc", "use": 1})
