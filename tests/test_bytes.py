"""Byte strings inside the memory backend: lengths, order and round trips by bytes, on
every backend alike; the text view only at the typed API; non-text arguments refused
the same way by both backends; the byte-level door ``MemoryBackend.dispatch``."""

from __future__ import annotations

from typing import Any

import pytest

import redipy
from redipy.errors import DataError, ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.reply import Status
from redipy.script import FnContext, RedisList, RedisVar
from tests.parity import assert_same
from tests.servers import Server
from tests.test_script_support import run_everywhere

FF = "\udcff"  # the byte 0xFF as text (surrogateescape: it is not UTF-8)
SMILE = "\U0001f600"  # four UTF-8 bytes F0 9F 98 80


def test_members_are_ordered_by_bytes(servers: dict[str, Server]) -> None:
    # by code point, U+1F600 would come after U+DCFF; by bytes F0.. comes before FF
    assert_same(servers, [
        ("ZADD", "z", "0", "a", "0", FF, "0", SMILE, "0", "é", "0", "z"),
        ("ZRANGE", "z", "0", "-1"),
        ("ZRANGE", "z", "0", "-1", "REV"),
        ("ZRANGEBYLEX", "z", "-", "+"),
        ("ZRANGEBYLEX", "z", "(é", "+"),
        ("ZREVRANGEBYLEX", "z", "+", f"[{SMILE}"),
        ("ZLEXCOUNT", "z", f"({SMILE}", "+"),
        ("ZADD", "y", "0", "b", "0", "\x7f", "0", "\u0800"),
        ("ZUNION", "2", "z", "y"),
        ("ZUNION", "2", "z", "y", "WITHSCORES"),
        ("ZREMRANGEBYLEX", "z", "[é", f"[{SMILE}"),
        ("ZRANGE", "z", "0", "-1"),
        ("ZADD", "big", "0", "x" * 70, "0", FF, "0", SMILE),  # past the small encoding
        ("ZRANGE", "big", "0", "-1"),
    ])


def test_lengths_and_ranges_count_bytes(servers: dict[str, Server]) -> None:
    cmds: list[tuple[str, ...]] = [
        ("SET", "k", f"é{SMILE}{FF}"),
        ("STRLEN", "k"),
        ("GETRANGE", "k", "0", "0"),
        ("GETRANGE", "k", "1", "5"),
        ("GETRANGE", "k", "-1", "-1"),
        ("SETRANGE", "k", "1", "x"),
        ("GET", "k"),
        ("APPEND", "k", "\udcc3"),
        ("APPEND", "k", "\udca9"),  # the two halves of é meet: it reads as é again
        ("GET", "k"),
        ("HSET", "h", "f", SMILE),
        ("HSTRLEN", "h", "f"),
        ("SET", "ü", "1"),
        ("KEYS", "?"),
        ("KEYS", "??"),
        ("SETBIT", "b", "7", "1"),
        ("GETBIT", "b", "7"),
        ("GET", "b"),
        ("SETBIT", "b", "0", "1"),
        ("GET", "b"),  # 0x81: not UTF-8, comes back as a lone surrogate
    ]
    assert_same(servers, cmds, unordered=[i for i, c in enumerate(cmds) if c[0] == "KEYS"])


def test_binary_values_round_trip_exactly(r: redipy.Redis) -> None:
    raw = bytes(range(256))
    r.execute_command("SET", "bin", raw)
    got = r.get_value("bin")
    assert got is not None
    assert got.encode("utf-8", "surrogateescape") == raw
    r.set_value("copy", got)
    assert r.execute_command("STRLEN", "copy") == 256
    assert r.get_value("copy") == got
    r.rpush("l", got, "é")
    assert r.lrange("l", 0, -1) == [got, "é"]
    r.hset("h", {got: got})
    assert r.hgetall("h") == {got: got}
    with r.pipeline() as pipe:
        pipe.get_value("bin")
        pipe.strlen("bin")
        assert pipe.execute() == [got, 256]


def _strlen_script() -> FnContext:
    ctx = FnContext(name="byte lengths")
    v = RedisVar(ctx.add_key("v"))
    arg = ctx.add_arg("text")
    ctx.add(v.set_value(arg))
    ctx.set_return_value([arg.strlen_(), v.get_value().strlen_(), v.get_value(), "ä"])
    return ctx


def test_scripts_see_bytes(servers: dict[str, Server]) -> None:
    calls = [({"v": "v"}, {"text": text}) for text in ("abc", "é", SMILE, "a\x7fb")]
    results, _ = run_everywhere(servers, _strlen_script(), calls)
    assert results[1] == ("ok", [2, 2, "é", "ä"])
    assert results[2] == ("ok", [4, 4, SMILE, "ä"])


@pytest.mark.parametrize("bad", [None, object(), True, [1], {"a": 1}])
def test_non_text_arguments_are_refused_alike(r: redipy.Redis, bad: Any) -> None:
    with pytest.raises(DataError) as info:
        r.append(bad, "k")
    assert str(info.value) == (f"Invalid input of type: '{type(bad).__name__}'. "
                               "Convert to a bytes, string, int or float first.")
    assert isinstance(info.value, TypeError)
    with pytest.raises(DataError):
        r.sadd("s", bad)
    with pytest.raises(DataError):
        r.execute_command("SET", "k", bad)
    with pytest.raises(DataError):
        with r.pipeline() as pipe:
            pipe.set_value("k", bad)
    assert r.keys() == set()


def test_numbers_and_bytes_are_arguments(r: redipy.Redis) -> None:
    r.execute_command("SET", 5, 1.5)
    r.execute_command("SET", b"\xff", b"\x00\xc3\xa9")
    assert r.get_value("5") == "1.5"
    assert r.get_value(FF) == "\x00é"


def test_errors_come_back_as_text(r: redipy.Redis) -> None:
    with pytest.raises(ResponseError) as info:
        r.execute_command("NÖPE", "é")
    assert str(info.value) == "ERR unknown command 'NÖPE', with args beginning with: 'é' "


def test_error_texts_have_no_line_breaks(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("NOPE", "a\r\nb", "\r\nc\n"),
        ("HSET", "h", "f", "v"),
        ("HINCRBY", "h", "f", "x\n"),
        ("SCRIPT", "x\ny"),
    ])


# ---- the byte-level door ----------------------------------------------------------------


def test_dispatch_works_on_byte_strings() -> None:
    mem = MemoryBackend()
    db = mem.dbs[0]
    value = "é".encode().decode("latin-1")  # two characters, one per byte
    assert mem.dispatch(db, ["set", "k", value]) == Status("OK")
    assert mem.dispatch(db, ["STRLEN", "k"]) == 2
    assert mem.dispatch(db, ["GET", "k"]) == value
    mem.dispatch(db, ["ZADD", "z", "1.5", "m"])
    assert mem.dispatch(db, ["ZRANGE", "z", "0", "-1", "WITHSCORES"]) == ["m", "1.5"]
    with pytest.raises(ResponseError) as info:
        mem.dispatch(db, ["get"])
    assert str(info.value) == "ERR wrong number of arguments for 'get' command"
    with pytest.raises(ResponseError) as info:
        mem.dispatch(db, ["x\xff", "a"])
    assert str(info.value) == "ERR unknown command 'x\xff', with args beginning with: 'a' "
    with pytest.raises(ResponseError) as info:
        mem.dispatch(db, ["SSCAN\n"])  # a newline never reaches an error text
    assert str(info.value) == "ERR unknown command 'SSCAN ', with args beginning with: "


def test_dispatch_non_ascii_name_is_unknown() -> None:
    mem = MemoryBackend()
    # "ß".upper() is "SS": a byte 0xDF must not turn "\xdfCAN" into SSCAN
    with pytest.raises(ResponseError) as info:
        mem.dispatch(mem.dbs[0], ["\xdfCAN", "k", "0"])
    assert str(info.value).startswith("ERR unknown command '\xdfCAN'")
    other = mem.dbs[3]
    mem.dispatch(other, ["SET", "k", "v"])
    assert mem.dispatch(mem.dbs[0], ["EXISTS", "k"]) == 0
    assert mem.dispatch(other, ["EXISTS", "k"]) == 1


# ---- strings changed in place ---------------------------------------------------------------


def test_strings_changed_in_place_read_back_everywhere(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("SET", "k", "12"),
        ("APPEND", "k", "3"),        # now held as a bytearray on the memory backend
        ("INCR", "k"),
        ("APPEND", "k", "x"),
        ("TYPE", "k"),
        ("SCAN", "0", "TYPE", "string"),
        ("COPY", "k", "c"),
        ("SETRANGE", "k", "0", "Z"),
        ("MGET", "k", "c", "missing"),
        ("SET", "k", "new", "GET"),
        ("APPEND", "k", "!"),
        ("SET", "k", "other", "XX", "GET"),
        ("GET", "k"),
        ("SETBIT", "bits", "100", "1"),
        ("GETRANGE", "bits", "12", "12"),
        ("BITCOUNT", "bits"),
        ("BITPOS", "bits", "1"),
        ("GETDEL", "bits"),
        ("SETRANGE", "r", "3", "ab"),
        ("GETEX", "r", "PERSIST"),
        ("APPEND", "r", ""),
        ("INCRBYFLOAT", "k", "1"),
        ("APPEND", "f", "1.5"),
        ("APPEND", "f", "0"),
        ("INCRBYFLOAT", "f", "1"),
        ("GETSET", "f", "v"),
    ])


def test_in_place_changes_are_writes_for_watch() -> None:
    r = redipy.Redis()
    r.set_value("k", "x" * 100)
    for change in (lambda: r.append("k", "y"), lambda: r.setrange("k", 5, "z"),
                   lambda: r.setbit("k", 3, 1)):
        with r.pipeline() as pipe:
            pipe.watch("k")
            change()
            pipe.multi()
            pipe.get_value("k")
            with pytest.raises(redipy.errors.WatchError):
                pipe.execute()


# ---- every door of the typed API ----------------------------------------------------------

TEXTS = ["é", SMILE, FF, "a\x00b", "\udcc3\udca9"]  # the last is "é" once stored


def test_pubsub_carries_bytes(r: redipy.Redis) -> None:
    with r.pubsub() as sub:
        sub.subscribe(f"ch{SMILE}")
        sub.psubscribe("p*é")
        assert sub.get_message(timeout=2.0)["channel"] == f"ch{SMILE}"
        assert sub.get_message(timeout=2.0)["channel"] == "p*é"
        for text in TEXTS[:4]:
            assert r.publish(f"ch{SMILE}", text) == 1
            msg = sub.get_message(timeout=2.0)
            assert (msg["channel"], msg["data"]) == (f"ch{SMILE}", text)
        r.publish("p-é", FF)
        msg = sub.get_message(timeout=2.0)
        assert (msg["type"], msg["pattern"], msg["channel"], msg["data"]) == (
            "pmessage", "p*é", "p-é", FF)
    assert r.pubsub_numsub(f"ch{SMILE}") == [(f"ch{SMILE}", 0)]


def test_transactions_carry_bytes(r: redipy.Redis) -> None:
    r.set_value(f"k{FF}", "0")
    with r.pipeline(transaction=True) as pipe:
        pipe.watch(f"k{FF}")
        assert pipe.get_value(f"k{FF}") == "0"
        pipe.multi()
        for text in TEXTS:
            pipe.rpush(f"l{SMILE}", text)
        pipe.lrange(f"l{SMILE}", 0, -1)
        pipe.set_value(f"k{FF}", "é")
        replies = pipe.execute()
    assert replies[-2] == [*TEXTS[:4], "é"]
    assert r.get_value(f"k{FF}") == "é"
    r.execute_command("MULTI")
    r.execute_command("SET", "m", SMILE)
    r.execute_command("GET", "m")
    assert r.execute_command("EXEC") == ["OK", SMILE]


def test_the_boundary_keeps_markers_and_error_classes() -> None:
    from redipy.errors import WrongTypeError
    from redipy.memory.boundary import reply_text, to_bytes, views
    from redipy.reply import Bool, Double, Map, Pairs, Push, SetReply, Verbatim

    raw = to_bytes("é")
    for marker in (Map, SetReply, Pairs, Push):
        got = reply_text(marker([raw, 1, None, [raw]]))
        assert type(got) is marker and got == ["é", 1, None, ["é"]]
    for smark in (Status, Double, Verbatim):
        got = reply_text(smark(raw))
        assert type(got) is smark and got == "é"
    assert type(reply_text(Bool(1))) is Bool
    err = reply_text(WrongTypeError(raw))
    assert type(err) is WrongTypeError and str(err) == "é"
    assert views(["a", "b"]) == ["a", "b"]
    assert views(["é", b"\xff", 3, 1.5]) == [raw, "\xff", "3", "1.5"]


def _replace_script() -> FnContext:
    ctx = FnContext(name="replace é")
    v = RedisVar(ctx.add_key("v"))
    arg = ctx.add_arg("text")
    seen = ctx.add_local(v.get_value())
    ctx.add(v.set_value(arg))
    ctx.set_return_value([seen, v.get_value()])
    return ctx


@pytest.mark.parametrize("kind", ["memory", "valkey9"])
def test_debugger_shows_text(kind: str, servers: dict[str, Server]) -> None:
    from redipy.debug import CALL, trace_run
    from tests.parity import fresh

    client = fresh(kind, servers)
    client.set_value(f"k{SMILE}", "é")
    res = trace_run(client, _replace_script(), keys={"v": f"k{SMILE}"}, args={"text": FF},
                    sync=kind == "memory")
    assert res.error is None, res.error
    assert res.value == ["é", FF]
    calls = [e for e in res.events if e.kind == CALL]
    assert calls[0].args == (f"k{SMILE}",) and calls[0].reply == "é"
    assert any("é" in map(str, e.locals.values()) for e in res.events)
    if kind == "memory":
        assert client.get_value(f"k{SMILE}") == FF
    client.close()


def _failing_script() -> FnContext:
    ctx = FnContext(name="zähler")
    RedisVar(ctx.add_key("v"))
    lst = RedisList(ctx.add_key("l"))
    ctx.add(lst.rpush(ctx.add_arg("x")))
    ctx.set_return_value("é")
    return ctx


def test_script_errors_come_back_as_text(servers: dict[str, Server]) -> None:
    from redipy.script import ScriptRunError
    from tests.parity import fresh

    texts = []
    for kind in ("memory", *servers):
        client = fresh(kind, servers)
        client.set_value("l", "é")
        fn = client.register_script(_failing_script())
        with pytest.raises(ScriptRunError) as info:
            fn(keys={"v": "v", "l": "l"}, args={"x": "ü"})
        err = info.value
        assert err.script == "zähler" and err.prefix == "WRONGTYPE", kind
        texts.append((err.statement, err.error))
        client.close()
    assert all(text == texts[0] for text in texts), texts
