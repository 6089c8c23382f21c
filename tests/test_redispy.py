"""The redis-py drop-in against real servers: the same redis-py calls on
``redipy.Redis().redis_py(...)`` and on a ``redis.Redis`` connected to Valkey 8.1, Valkey
9.1 and Redis 7.0 give equal values (types included), for RESP2 and RESP3 and with
``decode_responses`` off and on."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from redis.client import NEVER_DECODE

import redipy
from tests.servers import Server

Calls = Callable[[redis.Redis], list[Any]]

MODES = [(2, False), (2, True), (3, False), (3, True), (None, False)]


def outcome(fn: Callable[[], Any]) -> Any:
    """A call's value, or its error as (class name, message)."""
    try:
        return fn()
    except (redis.RedisError, UnicodeError) as err:  # decoding, and encoding (redis-py 8.2)
        return ("error", type(err).__name__, str(err))


def server_client(srv: Server, protocol: int | None, decode: bool) -> redis.Redis:
    client = redis.Redis(port=srv.port, protocol=protocol, decode_responses=decode)
    client.flushall()
    return client


def normalize(value: Any) -> Any:
    """Servers list set members in their own order; compare those as sorted."""
    return value


def run_both(servers: dict[str, Server], calls: Calls, *, protocol: int | None,
             decode: bool) -> None:
    mem = redipy.Redis().redis_py(protocol=protocol, decode_responses=decode)
    want_mem = calls(mem)
    for kind, srv in servers.items():
        client = server_client(srv, protocol, decode)
        try:
            got = calls(client)
        finally:
            client.close()
        assert want_mem == got, f"{kind} (protocol={protocol}, decode={decode})"


def strings(c: redis.Redis) -> list[Any]:
    return [
        c.set("s", "v"), c.get("s"), c.get("missing"), c.set("s", "w", get=True),
        c.set("s", "x", nx=True), c.incr("n"), c.incrby("n", 5), c.decr("n"),
        c.incrbyfloat("f", 1.5), c.append("s", "yz"), c.strlen("s"), c.getrange("s", 0, 1),
        c.mset({"a": 1, "b": b"\xff\xfe"}), outcome(lambda: c.mget("a", "b", "zz")), c.getdel("a"),
        c.setex("t", 100, "v"), c.ttl("t"), c.pttl("t") > 99000, c.persist("t"),
        c.expire("t", 50), c.expire("t", 10, gt=True), c.type("t"), c.exists("t", "s", "q"),
        outcome(lambda: c.incr("s")), outcome(lambda: c.lpush("s", 1)),
        c.setnx("s", 1), c.getset("s", "new"), c.delete("s", "t", "zz"),
        outcome(lambda: c.execute_command("NOSUCHCMD", "a", 1)),
        outcome(lambda: c.execute_command("GET")),
        c.echo("hello"), c.ping(), c.dbsize(),
    ]


def lists(c: redis.Redis) -> list[Any]:
    return [
        c.rpush("l", "a", "b", "c"), c.lpush("l", "z"), c.lrange("l", 0, -1),
        c.lpop("l"), c.rpop("l", 2), c.llen("l"), c.lindex("l", 0), c.lpos("l", "a"),
        c.rpush("l", "x", "y"), c.lmove("l", "m", "LEFT", "RIGHT"), c.lrange("m", 0, -1),
        c.linsert("l", "BEFORE", "x", "w"), c.lrem("l", 0, "w"), c.ltrim("l", 0, 0),
        c.lmpop(2, "nope", "l", direction="LEFT"), c.blpop(["l", "m"], timeout=1),
        c.brpop(["empty"], timeout=0.01), c.rpoplpush("m", "k"),
        outcome(lambda: c.lset("k", 0, "q")),
        outcome(lambda: c.lset("zz", 0, "q")),
    ]


def hashes(c: redis.Redis) -> list[Any]:
    return [
        c.hset("h", "f", "v"), c.hset("h", mapping={"a": 1, "b": 2.5, "c": b"\x00\xff"}),
        c.hget("h", "f"), outcome(lambda: c.hgetall("h")), c.hgetall("none"),
        c.hmget("h", ["a", "zz"]),
        c.hincrby("h", "a", 3), c.hincrbyfloat("h", "b", 0.5), c.hlen("h"),
        sorted(c.hkeys("h")), outcome(lambda: sorted(c.hvals("h"))), c.hexists("h", "f"),
        c.hdel("h", "f", "q"),
        c.hsetnx("h", "a", 1), c.hstrlen("h", "c"), outcome(lambda: c.hscan("h", 0)[0]),
        outcome(lambda: sorted(c.hscan_iter("h"))), outcome(lambda: c.hincrby("h", "c", 1)),
        len(c.hrandfield("h", 2)), len(c.hrandfield("h", -5)),
    ]


def sets(c: redis.Redis) -> list[Any]:
    return [
        c.sadd("s1", "a", "b", "c"), c.sadd("s2", "b", "c", "d"), c.smembers("s1"),
        c.sinter("s1", "s2"), c.sunion("s1", "s2"), c.sdiff("s1", "s2"), c.scard("s1"),
        c.sismember("s1", "a"), c.smismember("s1", ["a", "x"]), c.srem("s1", "a"),
        c.smove("s1", "s2", "b"), c.sinterstore("s3", ["s1", "s2"]),
        c.sintercard(2, ["s1", "s2"]), c.smembers("nope"), sorted(c.sscan_iter("s2")),
        len(c.srandmember("s2", 2)), c.spop("nope"), type(c.spop("s2", 1)).__name__,
    ]


def zsets(c: redis.Redis) -> list[Any]:
    return [
        c.zadd("z", {"a": 1, "b": 2.5, "c": -3}), c.zscore("z", "b"), c.zscore("z", "q"),
        c.zincrby("z", 2, "a"), c.zrange("z", 0, -1), c.zrange("z", 0, -1, withscores=True),
        c.zrevrange("z", 0, 1, withscores=True), c.zrangebyscore("z", 0, 10, withscores=True),
        c.zrank("z", "a"), c.zrevrank("z", "a"), c.zcard("z"), c.zcount("z", 0, 5),
        c.zmscore("z", ["a", "x"]), c.zadd("z", {"a": 1}, incr=True),
        c.zpopmin("z"), c.zpopmax("z", 2), c.zadd("z", {"x": 1, "y": 2}),
        c.bzpopmin(["z"], timeout=1), c.zunionstore("u", ["z", "z"]),
        c.zrange("u", 0, -1, withscores=True), c.zrem("z", "y"), c.zscan("u")[1],
        c.zrangestore("d", "u", 0, -1), c.zlexcount("d", "-", "+"),
        c.zmpop(1, ["d"], min=True), outcome(lambda: c.zadd("z", {"a": "nan"})),
    ]


def generic(c: redis.Redis) -> list[Any]:
    c.mset({f"k{i}": i for i in range(30)})
    return [
        sorted(c.scan_iter(match="k1*")), sorted(c.keys("k2*")), c.rename("k1", "kk"),
        c.renamenx("kk", "k2"), c.copy("k2", "k99"), c.get("k99"), c.touch("k2", "zz"),
        c.unlink("k3", "k4"), c.expireat("k5", 4102444800), c.expiretime("k5"),
        c.pexpire("k6", 100000), c.object("encoding", "k7") if False else None,
        c.randomkey() is not None, c.dbsize(), c.flushdb(), c.dbsize(),
    ]


def transactions(c: redis.Redis) -> list[Any]:
    out: list[Any] = []
    with c.pipeline() as p:
        p.set("a", 1).incr("a").lpush("a", 1).get("a").hgetall("nope").zadd("z", {"m": 1})
        p.zrange("z", 0, -1, withscores=True).smembers("nope")
        out.append(outcome(p.execute))
    with c.pipeline() as p:
        p.set("a", 1).incr("a").lpush("a", 1).get("a")
        out.append(p.execute(raise_on_error=False)[:2])
    with c.pipeline(transaction=False) as p:
        p.set("b", 1).incr("b").execute_command("NOPE").get("b")
        out.append([v if not isinstance(v, Exception) else str(v)
                    for v in p.execute(raise_on_error=False)])
    with c.pipeline() as p:
        p.watch("w")
        p.multi()
        p.set("w", 1)
        c.set("w", 2)  # another client changes the watched key
        out.append(outcome(p.execute))

    def bump(pipe: Any) -> None:
        value = int(pipe.get("n") or 0)
        pipe.multi()
        pipe.set("n", value + 1)
        pipe.get("n")

    out.append(c.transaction(bump, "n"))
    out.append(c.transaction(bump, "n", value_from_callable=False))
    with c.pipeline() as p:
        p.set("x", 1).execute_command("NOSUCH", 1).get("x")
        out.append(outcome(p.execute))
    blob = bytes(range(256))  # bytes that are not text go through MULTI/EXEC unchanged
    with c.pipeline() as p:
        p.watch("bin")
        p.multi()
        p.set("bin", blob).hset("hb", mapping={"f": blob}).strlen("bin").hstrlen("hb", "f")
        out.append(p.execute())
    out.append(c.strlen("bin"))
    out.append(outcome(lambda: c.get("bin") == blob))
    with c.pipeline() as p:  # watched and left alone: EXEC runs
        p.watch("w2")
        p.multi()
        p.set("w2", 1).get("w2")
        out.append(p.execute())
    with c.pipeline() as p:  # replies of every shape, through each command's callback
        p.incr("ctr").sadd("ss", "a", "b").smembers("ss").zadd("zz", {"a": 1.5})
        p.zscore("zz", "a").hincrbyfloat("hf", "f", 1.5).hgetall("hf").exists("ss", "q")
        p.set("s", "v", get=True).zrange("zz", 0, -1, withscores=True).ttl("ss")
        out.append(p.execute())
    with c.pipeline() as p:  # a wrong argument count: EXECABORT, nothing runs
        p.set("y", 1).execute_command("GET").get("y")
        out.append(outcome(p.execute))
    out.append(c.exists("y"))
    with c.pipeline() as p:  # blocking commands answer at once inside MULTI
        p.rpush("bl", "a").blpop(["bl"], timeout=0).blpop(["bl"], timeout=0)
        out.append(p.execute())
    with c.pipeline() as p:  # NEVER_DECODE is not looked at inside a transaction
        p.set("bad", b"\xff\xfe").execute_command("GET", "bad", **{NEVER_DECODE: []})
        p.set("later", 1)
        try:
            out.append(p.execute())
        except UnicodeDecodeError as err:  # decode_responses: as the parser raises it
            out.append(("UnicodeDecodeError", err.reason))
    out.append(c.get("later"))
    return out


def pipelines(c: redis.Redis) -> list[Any]:
    """Pipelines of plain commands only (the drop-in runs those in one batch): errors
    in place or raised annotated, EMPTY_RESPONSE and NEVER_DECODE, reply shapes and
    response callbacks, a reply that cannot be decoded (every command still ran)."""
    out: list[Any] = []
    c.lpush("l", "x")
    c.set("bad", b"\xff\xfe")
    with c.pipeline(transaction=False) as p:
        p.set("a", 1).incr("a").get("l").mget([]).hset("h", "f", "v").hgetall("h")
        p.zadd("z", {"m": 1.5}).zrange("z", 0, -1, withscores=True).smembers("h")
        p.set("s", "v", get=True).set("s", "w", get=True).execute_command("GET")
        p.execute_command("GET", "bad", **{NEVER_DECODE: []}).sadd("st", "m")
        p.smembers("st").zscore("z", "m").exists("a", "zz").ttl("a")
        out.append([(type(v).__name__, str(v)) if isinstance(v, Exception) else v
                    for v in p.execute(raise_on_error=False)])
    with c.pipeline(transaction=False) as p:
        p.set("x", 1).incr("l").set("y", 2).get("l")
        out.append(outcome(p.execute))  # the first error, annotated with its command
    out.append(c.get("y"))
    with c.pipeline(transaction=False) as p:
        p.set("before", 1).get("bad").set("after", 1)
        try:
            out.append(p.execute())
        except UnicodeDecodeError as err:  # decode_responses: as the parser raises it
            out.append(("UnicodeDecodeError", err.reason))
    out.append([c.get("before"), c.get("after")])
    return out


def arguments(c: redis.Redis) -> list[Any]:
    """Each kind of argument redis-py's encoder takes, in commands of one, two and more
    arguments (the fast path converts those counts each its own way)."""
    kinds: list[Any] = ["ascii", "\u00e9t\u00e9", b"\xff\x00", 7, -2.5, memoryview(b"mv"),
                        bytearray(b"ba")]
    out: list[Any] = []
    for kind in kinds:
        out += [c.set(kind, kind), outcome(lambda k=kind: c.get(k)), c.exists(kind),
                c.hset("h", kind, kind), outcome(lambda k=kind: c.hget("h", k)),
                c.rpush("l", kind, kind, kind), c.delete(kind)]
    out += [outcome(lambda: c.get(True)), outcome(lambda: c.set("k", None)),
            outcome(lambda: c.hget("h", [1])), outcome(lambda: c.lrange("l", 0, -1))]
    return out


def connection(c: redis.Redis) -> list[Any]:
    return [
        c.client_setname("worker-1"), c.client_getname(), isinstance(c.client_id(), int),
        c.execute_command("SELECT", 0), outcome(lambda: c.execute_command("SELECT", 99)),
        outcome(lambda: c.client_setname("bad name")), c.config_set("maxclients", 1000),
        c.config_get("maxclients"), len(c.time()), type(c.info()).__name__,
        "redis_version" in c.info("server"),
    ]


CASES = {"strings": strings, "lists": lists, "hashes": hashes, "sets": sets,
         "zsets": zsets, "generic": generic, "transactions": transactions,
         "pipelines": pipelines, "arguments": arguments, "connection": connection}


@pytest.mark.parametrize("mode", MODES, ids=[f"resp{p}-{'str' if d else 'bytes'}"
                                             for p, d in MODES])
@pytest.mark.parametrize("case", list(CASES))
def test_same_values_as_servers(servers: dict[str, Server], case: str,
                                mode: tuple[int | None, bool]) -> None:
    protocol, decode = mode
    run_both(servers, CASES[case], protocol=protocol, decode=decode)


@pytest.fixture
def mem() -> Iterator[redipy.Redis]:
    client = redipy.Redis()
    yield client
    client.close()


def test_is_a_real_redis_client_sharing_data(mem: redipy.Redis) -> None:
    import redis.asyncio

    one = mem.redis_py()
    two = mem.redis_py(decode_responses=True)
    assert isinstance(one, redis.Redis)
    assert isinstance(mem.redis_py(asyncio=True), redis.asyncio.Redis)
    one.set("k", b"\xff\x00v")
    assert two.strlen("k") == 3
    assert one.get("k") == b"\xff\x00v"
    mem.set_value("typed", "x")
    assert two.get("typed") == "x"
    with pytest.raises(UnicodeDecodeError):
        two.get("k")  # as redis-py decodes a server's non-UTF-8 bytes


def test_numbered_databases(mem: redipy.Redis) -> None:
    zero = mem.redis_py()
    one = mem.redis_py(db=1)
    one.set("k", 1)
    assert zero.exists("k") == 0
    assert one.get("k") == b"1"
    assert mem.redis_py(db=1).dbsize() == 1


def test_bad_db_fails_like_a_server(mem: redipy.Redis) -> None:
    with pytest.raises(redis.ResponseError, match="DB index is out of range"):
        mem.redis_py(db=99).ping()


def test_asyncio_xread_block_waits(servers: dict[str, Server]) -> None:
    """redis.asyncio over memory: XREAD / XREADGROUP ... BLOCK wait for the XADD that serves
    them (the ``$`` read when they blocked) and time out with nil, as against Valkey 9.1."""
    import asyncio

    import redis.asyncio

    async def script(client: Any) -> list[Any]:
        await client.flushall()
        await client.xadd("s", {"a": "1"}, id="1-1")
        await client.xgroup_create("s", "g", id="$")
        out: list[Any] = [await client.xread({"s": "$"}, block=100)]

        async def add_later(sid: str) -> None:
            await asyncio.sleep(0.1)
            await client.xadd("s", {"b": "2"}, id=sid)

        task = asyncio.ensure_future(add_later("2-1"))
        out.append(await client.xread({"s": "$"}, block=0))
        await task
        task = asyncio.ensure_future(add_later("3-1"))
        out.append(await client.xreadgroup("g", "c", {"s": ">"}, block=0))
        await task
        out.append(await client.xreadgroup("g", "c", {"s": ">"}, block=50))
        await client.aclose()
        return out

    async def both() -> tuple[list[Any], list[Any]]:
        mine = await script(redipy.Redis().redis_py(asyncio=True))
        theirs = await script(redis.asyncio.Redis(port=servers["valkey9"].port))
        return mine, theirs

    mine, theirs = asyncio.run(both())
    assert mine == theirs and mine[1] == [[b"s", [(b"2-1", {b"b": b"2"})]]]


def test_pipeline_first_gets_loaded_handlers() -> None:
    """A command first seen in a pipeline (its handler module not imported yet) keeps
    the real handler and its direct form on the fast path, not the lazy stand-in that
    would import its module again on every call. A fresh interpreter, as nothing has
    run there yet."""
    import subprocess
    import sys

    code = (
        "import redipy\n"
        "from redipy.memory.registry import Lazy\n"
        "c = redipy.Redis().redis_py()\n"
        "with c.pipeline(transaction=False) as p:\n"
        "    p.set('k', 'v').get('k')\n"
        "    assert p.execute() == [True, b'v']\n"
        "from redipy.memory.cmd_strings import set_plain\n"
        "entry = c.connection_pool._available_connections[0]._session._plain['SET']\n"
        "assert type(entry[0]) is not Lazy, entry\n"
        "assert entry[4] is set_plain, entry\n")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


@pytest.mark.parametrize("packer", ["hiredis", "python"])
def test_arguments_as_the_packer_writes_them(servers: dict[str, Server], packer: str,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """A sync connection packs arguments with hiredis when it is installed (text as
    UTF-8 whatever ``encoding`` says, hiredis's own refusals) and with the client's
    encoder otherwise: the drop-in stores the bytes each would have sent."""
    import redis.connection

    if packer == "python":  # what redis-py does without hiredis
        monkeypatch.setattr(redis.connection, "HIREDIS_AVAILABLE", False)
    kind = (redis.connection.HiredisRespSerializer if packer == "hiredis"
            else redis.connection.PythonRespSerializer)

    def calls(c: redis.Redis) -> list[Any]:
        assert isinstance(c.connection._command_packer, kind)  # type: ignore[union-attr]
        return [c.set("\u00e9", "\u00e9t\u00e9"), c.hset("h", "\u00e9", 1.25),
                c.rpush("l", "\u00e9", 2.5, "x\u00ff"), c.strlen(b"\xe9"), c.strlen(b"\xc3\xa9"),
                c.lrange("l", 0, -1), c.hgetall("h"), outcome(lambda: c.set("k", True)),
                outcome(lambda: c.rpush("l", "a", None))]

    mine = calls(redipy.Redis().redis_py(encoding="latin-1", single_connection_client=True))
    client = redis.Redis(port=servers["valkey9"].port, encoding="latin-1",
                         single_connection_client=True)
    client.flushall()
    # before redis-py 8.2 hiredis made the bytes itself (UTF-8); 8.2 runs the encoder first
    utf8 = packer == "hiredis" and getattr(client.connection._command_packer,  # type: ignore[union-attr]
                                           "_encode", None) is None
    try:
        theirs = calls(client)
    finally:
        client.close()
    assert mine == theirs
    # the two packings do differ here, so each is checked for what it does
    assert theirs[3:5] == ([0, 5] if utf8 else [3, 0])


def test_replies_decoded_in_the_clients_encoding(servers: dict[str, Server]) -> None:
    """ASCII bytes are not their own text in every encoding (EBCDIC reads b"abcd" as
    other letters): replies decode as the client says, whatever packs the arguments.
    RESP2, as redis-py's RESP3 hand-shake cannot read HELLO's reply in such a codec."""
    def calls(c: redis.Redis) -> list[Any]:
        c.execute_command("SET", b"k", b"abcd")
        c.execute_command("RPUSH", b"l", b"abcd", b"efgh")
        with c.pipeline(transaction=False) as pipe:
            pipe.execute_command("GET", b"k")
            pipe.execute_command("LPOP", b"l")
            batch = pipe.execute()
        return [c.execute_command("GET", b"k"), c.execute_command("ECHO", b"wxyz"), batch,
                c.execute_command("LRANGE", b"l", 0, -1)]

    mine = calls(redipy.Redis().redis_py(encoding="cp500", decode_responses=True,
                                              protocol=2))
    client = redis.Redis(port=servers["valkey9"].port, encoding="cp500",
                         decode_responses=True, protocol=2)
    client.flushall()
    try:
        theirs = calls(client)
    finally:
        client.close()
    assert mine == theirs
    assert theirs[0] == b"abcd".decode("cp500") != "abcd"


@pytest.mark.parametrize("transaction", [False, True])
def test_pipeline_calls_a_users_callback_for_each_reply(transaction: bool) -> None:
    """A batch shares the result of redis-py's own callback between equal status replies
    (OK, OK, ...); a callback of the user's may count or differ: called for each."""
    rp = redipy.Redis().redis_py(decode_responses=True)
    seen: list[Any] = []

    def mine(response: Any, **options: Any) -> Any:
        seen.append(response)
        return [len(seen)]  # a new object each time

    with rp.pipeline(transaction=transaction) as pipe:
        for i in range(3):
            pipe.set(f"k{i}", i)
        pipe.set("k0", "x", get=True)
        assert pipe.execute() == [True, True, True, "0"]
    rp.set_response_callback("SET", mine)
    with rp.pipeline(transaction=transaction) as pipe:
        for i in range(3):
            pipe.set(f"k{i}", i)
        assert pipe.execute() == [[1], [2], [3]]
    assert seen == ["OK", "OK", "OK"]
