"""``redipy serve`` over TCP: redis-py (sync and asyncio, RESP2 and RESP3) and raw bytes,
each compared with a real Valkey 9.1 given the same input.

The server runs in a thread of the test process (:func:`redipy.serve`); the command
line (``redipy serve``) is tested in tests/test_serve_cli.py.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import redis.asyncio as aioredis

import redipy
from redipy.server.listener import ServeError, Server, ServerThread
from tests.respwire import encode
from tests.servers import Server as RealServer


@pytest.fixture(scope="module", params=["uvloop", "asyncio"])
def served(request: pytest.FixtureRequest) -> Iterator[ServerThread]:
    """The server on each event loop it runs on (uvloop's, the default when installed,
    and the standard library's)."""
    log: list[str] = []
    handle = redipy.serve(log=log.append, loop=request.param)
    handle.log = log  # type: ignore[attr-defined]
    handle.kind = request.param  # type: ignore[attr-defined]
    yield handle
    handle.stop()


@pytest.fixture
def valkey9(servers: dict[str, RealServer]) -> RealServer:
    return servers["valkey9"]


def _flush(port: int) -> None:
    with redis.Redis(port=port) as c:
        c.flushall()


def exchange(port: int, data: bytes, wait: float = 0.15,
             first: float = 5.0) -> tuple[bytes, bool]:
    """Send ``data``; everything the server answers until it closes (True) or stays
    quiet for ``wait`` seconds (False). The first byte may take up to ``first`` seconds
    (a loaded machine can hold a reply back longer than ``wait``); pass ``first=wait``
    when no answer at all is expected."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        sock.sendall(data)
        return _answer(sock, wait, first)
    finally:
        sock.close()


def _answer(sock: socket.socket, wait: float, first: float) -> tuple[bytes, bool]:
    """Everything the server answers on ``sock`` until it closes (True) or stays quiet
    for ``wait`` seconds (False), the first byte allowed ``first`` seconds."""
    sock.settimeout(max(first, wait))
    got = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except TimeoutError:
            return got, False
        except ConnectionResetError:
            return got, True
        if not chunk:
            return got, True
        got += chunk
        sock.settimeout(wait)


def same_exchange(ours_port: int, theirs_port: int, data: bytes,
                  wait: float = 0.15) -> tuple[tuple[bytes, bool], tuple[bytes, bool]]:
    """Both servers' answers to ``data``, the reference server's first: ours then waits
    for a first byte only when the reference sent one."""
    theirs = exchange(theirs_port, data, wait=wait)
    ours = exchange(ours_port, data, wait=wait, first=5.0 if theirs[0] else wait)
    return ours, theirs


# ---- redis-py, both protocols, against Valkey ---------------------------------------------

SCRIPT: list[tuple[Any, ...]] = [
    ("set", "s", "1"), ("get", "s"), ("incr", "s"), ("incrbyfloat", "s", 1.5),
    ("append", "s", "x"), ("getrange", "s", 0, 1), ("mset", {"a": "1", "b": "2"}),
    ("mget", ["a", "b", "nope"]), ("lpush", "l", "a", "b", "c"), ("lrange", "l", 0, -1),
    ("rpop", "l"), ("lpop", "nolist", 2), ("hset", "h", None, None, {"f": "v", "g": "w"}),
    ("hgetall", "h"), ("hrandfield", "h", 5), ("sadd", "st", "x", "y"),
    ("smembers", "st"), ("zadd", "z", {"a": 1.5, "b": 2}), ("zrange", "z", 0, -1, False, True),
    ("zscore", "z", "a"), ("zpopmin", "z"), ("zincrby", "z", 2, "b"), ("exists", "a", "nope"),
    ("type", "h"), ("ttl", "a"), ("expire", "a", 100), ("ttl", "a"), ("dbsize",),
    ("blpop", ["nolist"], 0.05), ("echo", "hi"), ("ping",), ("nosuchcmd", "x"),
]


def _run_script(client: Any) -> list[Any]:
    out: list[Any] = []
    for name, *args in SCRIPT:
        try:
            if name == "nosuchcmd":
                out.append(client.execute_command("NOSUCHCMD", *args))
            else:
                out.append(getattr(client, name)(*args))
        except redis.ResponseError as err:
            out.append(("error", str(err)))
    pipe = client.pipeline(transaction=True)
    pipe.set("p", "1").incr("p").hgetall("h").zrange("z", 0, -1, withscores=True)
    out.append(pipe.execute())
    return out


@pytest.mark.parametrize("protocol", [2, 3])
def test_redispy_matches_valkey(served: ServerThread, valkey9: RealServer,
                                protocol: int) -> None:
    _flush(served.port)
    _flush(valkey9.port)
    with redis.Redis(port=served.port, protocol=protocol) as ours, \
            redis.Redis(port=valkey9.port, protocol=protocol) as theirs:
        assert _run_script(ours) == _run_script(theirs)


def test_redispy_asyncio(served: ServerThread) -> None:
    async def main() -> None:
        for protocol in (2, 3):
            r = aioredis.Redis(port=served.port, protocol=protocol)
            await r.delete("q", "ah")
            waiter = asyncio.create_task(r.blpop(["q"], 2))
            other = aioredis.Redis(port=served.port, protocol=protocol)
            await asyncio.sleep(0.05)
            assert await other.rpush("q", "x", "y") == 2
            assert await waiter in ((b"q", b"x"), [b"q", b"x"])
            async with r.pipeline(transaction=False) as pipe:
                pipe.incr("n").get("n").hset("ah", "f", "1").hgetall("ah")
                replies = await pipe.execute()
            assert replies[2:] == [1, {b"f": b"1"}]
            ps = r.pubsub()
            await ps.subscribe("news")
            assert (await ps.get_message(timeout=1))["type"] == "subscribe"
            assert await other.publish("news", "hello") == 1
            msg = await ps.get_message(timeout=1)
            assert msg is not None and msg["data"] == b"hello"
            await ps.aclose()
            await other.aclose()
            await r.aclose()

    asyncio.run(main())


# ---- raw bytes against Valkey: inline commands, pipelines, protocol errors ----------------

def _listed(key: str, *values: str) -> bytes:
    return encode("RPUSH", key, *values) + encode("LRANGE", key, "0", "-1")


RAW_CASES = {
    "inline": b"SET k \"a b\"\r\nGET k\r\nPING\nECHO 'x y'\r\n\r\nNOSUCH 1\r\n",
    "inline_escapes": b'SET k "\\x41\\n\\tz"\r\nGET k\r\nSTRLEN k\r\n',
    "pipeline": encode("SET", "k", "v") + encode("GET", "k") + encode("DEL", "k") * 3,
    "empty_multibulk": b"*0\r\n*-1\r\n" + encode("PING"),
    "garbage": b"*1\r\n$4\r\nPING\r\n*x\r\n" + encode("PING"),
    "bad_bulk_type": encode("PING") + b"*2\r\n$3\r\nGET\r\n:1\r\n",
    "huge_bulk": encode("PING") + b"*1\r\n$1073741824\r\n",
    "negative_bulk": b"*1\r\n$-3\r\n",
    "huge_multibulk": b"*3000000000\r\n",
    "unbalanced": b"SET a \"b\r\n",
    "quote_in_word": b"SET a \"b\"c\r\nGET a\r\nSET a 'b'c\r\nGET a\r\nSET a x\"y z\"\r\nGET a\r\n",
    "bulk_count_no_crlf": b"*1\r\n" + b"$" + b"9" * 70000,
    "inline_too_big": b"x" * 70000,
    "blpop_timeout": encode("BLPOP", "nolist", "0.05") + encode("PING"),
    "lpop_count_nil": encode("LPOP", "nolist", "2") + encode("LPOP", "nolist"),
    # an array item that is not a bulk string is refused, even where hiredis reads a str
    "simple_string_item": b"*2\r\n+PING\r\n$1\r\na\r\n",
    "verbatim_item": encode("PING") + b"*1\r\n=8\r\ntxt:PING\r\n",
    "bignum_item": encode("PING") + b"*2\r\n$4\r\nECHO\r\n(123\r\n",
    "plus_after_request": encode("PING") + b"+PING\r\n",
    "plus_inside_value": encode("SET", "k", "\n+x\r\n=y\n(z") + encode("GET", "k"),
    # one request alone in a chunk (what an unpipelined client sends: one reply read,
    # nothing left): items that are not bulk strings, an empty array, a value holding
    # what looks like the start of a next request
    "alone_nested": b"*1\r\n*1\r\n$1\r\na\r\n",
    "alone_nil_item": b"*2\r\n$3\r\nGET\r\n$-1\r\n",
    "alone_number_item": b"*2\r\n$3\r\nGET\r\n:1\r\n",
    "alone_error_item": b"*2\r\n$3\r\nGET\r\n-x\r\n",
    "alone_double_item": b"*2\r\n$4\r\nECHO\r\n,1.5\r\n",
    "alone_empty": b"*0\r\n",
    "alone_value_like_a_request": encode("ECHO", "a\r\n*1\r\n$4\r\nPING\r\n"),
    "alone_value_with_plus": encode("ECHO", "+x\n+y\n=z\n(w"),
    "alone_empty_name": b"*1\r\n$0\r\n\r\n",
    # arrays of bulk strings, written in one piece when every item has one length: items
    # of several lengths (summing to what equal ones would, NULs where the separators of
    # equal ones would be), NUL inside, empty
    # strings, values of 4 KB or more, a long list; nils among the items
    "array_replies": (
        _listed("l", "abc", "a\0c", "abc", "ab", "abcd", "abc") + _listed("m", "aaa", "bbb", "ccc")
        + _listed("n", "a\0b", "\0\0\0", "xyz") + _listed("e", "", "", "")
        + _listed("s", "abc", "ab", "abcd") + _listed("z", "abc", "d", "\0\0ghi")
        + _listed("big", "x" * 5000, "y" * 5000, "z" * 4096, "w")
        + _listed("long", *[f"v{i}" for i in range(1000)])
        + encode("MSET", "a", "1", "b", "22") + encode("MGET", "a", "nope", "b", "a")),
    # commands the server calls by their positional forms: replies and errors as the handler's
    "positional_forms": (
        encode("SET", "s", "x") + encode("LPUSH", "s", "a") + encode("RPUSH", "s", "a")
        + encode("RPOP", "s") + encode("LPOP", "s") + encode("HSET", "s", "f", "v")
        + encode("LPUSH", "l", "a") + encode("RPUSH", "l", "b") + encode("RPOP", "l")
        + encode("RPOP", "l") + encode("RPOP", "l") + encode("RPOP", "l", "1")
        + encode("HSET", "h", "f", "v") + encode("HSET", "h", "f", "w") + encode("HGET", "h", "f")
        + encode("SADD", "st", "m") + encode("SADD", "st", "m") + encode("GET", "h")),
}


@pytest.mark.parametrize("case", sorted(RAW_CASES))
def test_raw_bytes_match_valkey(served: ServerThread, valkey9: RealServer, case: str) -> None:
    _flush(served.port)
    _flush(valkey9.port)
    data = RAW_CASES[case]
    ours, theirs = same_exchange(served.port, valkey9.port, data)
    assert ours == theirs


def _exchange_chunks(port: int, chunks: list[bytes], wait: float = 0.15,
                     first: float = 5.0) -> bytes:
    """Send ``chunks`` as separate writes, a pause between them (so the server reads
    them apart); everything answered until the server stays quiet for ``wait`` (the
    first byte may take up to ``first`` seconds, as in :func:`exchange`)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        for chunk in chunks:
            sock.sendall(chunk)
            time.sleep(0.05)
        return _answer(sock, wait, first)[0]
    finally:
        sock.close()


SET_KV = encode("SET", "k", "v")
GET_K = encode("GET", "k")
CHUNKED = {
    "request_then_half": [SET_KV + GET_K[:5], GET_K[5:]],
    "half_then_rest_and_more": [GET_K[:9], GET_K[9:] + encode("PING")],
    "one_then_one": [SET_KV, GET_K, encode("DEL", "k"), GET_K],
    "byte_by_byte": [bytes([b]) for b in encode("ECHO", "hi")],
    "request_then_garbage": [GET_K, b"*2\r\n$3\r\nGET\r\n+k\r\n"],
}


@pytest.mark.parametrize("case", sorted(CHUNKED))
def test_requests_split_across_reads_match_valkey(served: ServerThread, valkey9: RealServer,
                                                  case: str) -> None:
    """Chunks that end inside a request, or hold one and a part of the next, go to the
    resumable parser; a chunk of exactly one request is read whole."""
    _flush(served.port)
    _flush(valkey9.port)
    chunks = CHUNKED[case]
    theirs = _exchange_chunks(valkey9.port, chunks)
    assert _exchange_chunks(served.port, chunks, first=5.0 if theirs else 0.15) == theirs


def test_status_and_number_in_an_array_match_valkey(served: ServerThread,
                                                   valkey9: RealServer) -> None:
    """Items that are not bulk strings keep their own encoding (a script's status reply;
    a number); the first script may take a while (the Lua runtime starts)."""
    data = (encode("EVAL", "return {redis.status_reply('OK'), 'abc', 'def'}", "0")
            + encode("EVAL", "return {'abc', 'def', 7, 'ghi'}", "0"))
    ours, theirs = same_exchange(served.port, valkey9.port, data, wait=3.0)
    assert ours == theirs


def _commandstats(port: int, names: tuple[str, ...]) -> tuple[dict[str, str], dict[str, str]]:
    """``calls`` and ``failed_calls`` per command, from an INFO inside a pipeline of plain
    commands (the fast path counts a run at its end) and from one after it."""
    pipeline = (encode("CONFIG", "RESETSTAT") + encode("SET", "a", "1") + encode("SET", "a", "2")
                + encode("GET", "a") + encode("INCR", "a") + encode("SET", "s", "x")
                + encode("INCR", "s") + encode("LPUSH", "s", "x") + encode("RPOP", "s")
                + encode("GET", "a") + encode("INFO", "commandstats") + encode("RPOP", "a"))
    got, _ = exchange(port, pipeline, wait=1.0)
    with redis.Redis(port=port) as r:
        after = r.execute_command("INFO", "commandstats")

    def pick(text: str) -> dict[str, str]:
        out = {}
        for line in text.splitlines():
            name, _, fields = line.partition(":")
            if name.removeprefix("cmdstat_") in names:
                parts = dict(f.split("=") for f in fields.split(","))
                out[name] = f"calls={parts['calls']} failed={parts['failed_calls']}"
        return out

    inside = got.decode("latin-1").split("# Commandstats", 1)[1]
    return pick(inside), {k: f"calls={v['calls']} failed={v['failed_calls']}"
                          for k, v in after.items() if k.removeprefix("cmdstat_") in names}


def test_commandstats_of_pipelines_match_valkey(served: ServerThread, valkey9: RealServer) -> None:
    names = ("set", "get", "incr", "lpush", "rpop")
    assert _commandstats(served.port, names) == _commandstats(valkey9.port, names)


def test_runs_on_the_loop_asked_for(served: ServerThread) -> None:
    module = type(served._loop).__module__
    assert module.startswith(served.kind), module  # type: ignore[attr-defined]
    with redis.Redis(port=served.port) as r:
        assert r.ping() is True


def test_protocol_error_is_logged_and_harms_nobody(served: ServerThread) -> None:
    with redis.Redis(port=served.port) as bystander:
        bystander.set("safe", "1")
        got, closed = exchange(served.port, b"*1\r\n$1073741824\r\n")
        assert closed and got == b"-ERR Protocol error: invalid bulk length\r\n"
        assert bystander.get("safe") == b"1"
    assert any("Protocol error: invalid bulk length" in line
               for line in served.log)  # type: ignore[attr-defined]


def test_large_values_across_chunks(served: ServerThread) -> None:
    value = bytes(range(256)) * 8192  # 2 MB, every byte value, CR/LF inside
    with redis.Redis(port=served.port) as r:
        pipe = r.pipeline(transaction=False)
        for i in range(5):
            pipe.set(f"big{i}", value)
        pipe.execute()
        assert r.get("big3") == value
        assert r.strlen("big4") == len(value)


def test_blocked_client_keeps_pipeline_order(served: ServerThread) -> None:
    sock = socket.create_connection(("127.0.0.1", served.port), timeout=5)
    try:
        sock.sendall(encode("DEL", "bq") + encode("BLPOP", "bq", "5") + encode("ECHO", "after"))
        with redis.Redis(port=served.port) as other:
            deadline = time.monotonic() + 5
            while True:  # wait until the BLPOP is parked
                clients = other.client_list()
                if any(c["cmd"] == "blpop" for c in clients) or time.monotonic() > deadline:
                    break
                time.sleep(0.02)
            other.rpush("bq", "v")
        want = b":0\r\n*2\r\n$2\r\nbq\r\n$1\r\nv\r\n$5\r\nafter\r\n"
        data = b""
        while len(data) < len(want):
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
        assert data == want
        assert any("b" in c["flags"] and c["cmd"] == "blpop" for c in clients)
    finally:
        sock.close()


def test_blocking_from_another_thread(served: ServerThread) -> None:
    """A write made in Python to the served backend wakes a client blocked over TCP."""
    local = redipy.Redis(rt=served.backend)
    local.delete("tq")
    got: list[Any] = []
    with redis.Redis(port=served.port) as r:
        t = threading.Thread(target=lambda: got.append(r.brpop(["tq"], 3)))
        t.start()
        time.sleep(0.1)
        local.rpush("tq", "from-python")
        t.join(5)
    assert got == [(b"tq", b"from-python")]


def test_resp3_push_and_monitor(served: ServerThread) -> None:
    with socket.create_connection(("127.0.0.1", served.port), timeout=5) as sub, \
            socket.create_connection(("127.0.0.1", served.port), timeout=5) as mon, \
            redis.Redis(port=served.port) as pub:
        sub.sendall(encode("HELLO", "3") + encode("SUBSCRIBE", "c1"))
        mon.sendall(encode("MONITOR"))
        time.sleep(0.1)
        hello = sub.recv(65536)
        assert hello.startswith(b"%7\r\n") and hello.endswith(b">3\r\n$9\r\nsubscribe\r\n"
                                                               b"$2\r\nc1\r\n:1\r\n")
        assert mon.recv(65536) == b"+OK\r\n"
        assert pub.publish("c1", "m") == 1
        pub.set("mk", "mv")
        time.sleep(0.1)
        assert sub.recv(65536) == b">3\r\n$7\r\nmessage\r\n$2\r\nc1\r\n$1\r\nm\r\n"
        lines = ""
        while '"set" "mk" "mv"' not in lines:  # the lines may come in more than one read
            lines += mon.recv(65536).decode().lower()
        assert '"publish" "c1" "m"' in lines


# ---- passwords, protected mode, limits ------------------------------------------------------


def test_requirepass(valkey9: RealServer) -> None:
    log: list[str] = []
    with redipy.serve(requirepass="s3cr3t-pw", log=log.append) as handle:
        port = handle.port
        assert exchange(port, encode("GET", "a"))[0] == b"-NOAUTH Authentication required.\r\n"
        assert exchange(port, encode("AUTH", "bad"))[0].startswith(b"-WRONGPASS")
        # before AUTH a request may hold at most 10 arguments
        got, closed = exchange(port, encode("DEL", *[f"k{i}" for i in range(11)]))
        assert closed and got == b"-ERR Protocol error: unauthenticated multibulk length\r\n"
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(port=port, password="nope").ping()
        with redis.Redis(port=port, password="s3cr3t-pw") as r:
            assert r.acl_whoami() == "default"
            info = r.execute_command("INFO", "everything")
            config = r.config_get("*")
            assert r.ping()
        with redis.Redis(port=port, password="s3cr3t-pw", protocol=3) as r3:
            assert r3.hello if True else None
            assert r3.set("x", "1") and r3.get("x") == b"1"
        blob = repr(info) + repr(config) + " ".join(log)
        assert "s3cr3t-pw" not in blob and "maxclients" in config


def test_unauthenticated_limits_apply_per_request() -> None:
    """AUTH pipelined with a long command in one write: the long command is read after
    AUTH succeeded, as Valkey reads it; after a failed AUTH the limit still holds."""
    from tests.servers import start_server

    valkey = start_server("valkey9", "--requirepass", "pw-limits")
    try:
        with redipy.serve(requirepass="pw-limits", log=None) as handle:
            long_del = encode("DEL", *[f"k{i}" for i in range(11)])
            big_set = encode("SET", "big", "x" * 20000)
            for data in (encode("AUTH", "pw-limits") + long_del + big_set + encode("STRLEN", "big"),
                         encode("HELLO", "2", "AUTH", "default", "pw-limits") + long_del,
                         encode("AUTH", "wrong") + long_del,
                         b"AUTH pw-limits\r\n" + long_del,
                         encode("PING") + long_del):
                ours, theirs = same_exchange(handle.port, valkey.port, data)
                if b"HELLO" in data[:16]:  # HELLO's server fields differ
                    assert theirs[0].endswith(b"*0\r\n:0\r\n") and not theirs[1]
                    ours, theirs = (ours[0][-4:], ours[1]), (theirs[0][-4:], theirs[1])
                assert ours == theirs, data[:40]
    finally:
        valkey.stop()


def test_protected_mode_refuses_open_bind() -> None:
    with pytest.raises(ServeError, match="protected mode"):
        Server(host="0.0.0.0", port=0)
    Server(host="0.0.0.0", port=0, requirepass="x")  # with a password it may listen


def test_maxclients() -> None:
    with redipy.serve(maxclients=2, log=None) as handle:
        a = socket.create_connection(("127.0.0.1", handle.port))
        b = socket.create_connection(("127.0.0.1", handle.port))
        try:
            deadline = time.monotonic() + 5
            while len(handle.server.connections) < 2 and time.monotonic() < deadline:
                time.sleep(0.01)
            got, closed = exchange(handle.port, encode("PING"))
            assert closed and got == b"-ERR max number of clients reached\r\n"
        finally:
            a.close()
            b.close()
        deadline = time.monotonic() + 5
        while handle.server.connections and time.monotonic() < deadline:
            time.sleep(0.01)
        with redis.Redis(port=handle.port) as again:  # waits for the reply (the first
            assert again.ping()  # command of a fresh backend loads its module: slow)


def test_proto_max_bulk_len_config(served: ServerThread) -> None:
    with redis.Redis(port=served.port) as admin:
        admin.config_set("proto-max-bulk-len", "1000")
        try:
            got, closed = exchange(served.port, encode("SET", "k", "x" * 2000))
            assert closed and got == b"-ERR Protocol error: invalid bulk length\r\n"
            assert exchange(served.port, encode("SET", "k", "x" * 900))[0] == b"+OK\r\n"
        finally:
            admin.config_set("proto-max-bulk-len", str(512 * 1024 * 1024))


def test_shutdown_from_a_client() -> None:
    handle = redipy.serve(log=None)
    assert exchange(handle.port, encode("SHUTDOWN", "NOSAVE")) == (b"", True)
    handle.thread.join(5)
    assert not handle.thread.is_alive()
    with pytest.raises(OSError):
        socket.create_connection(("127.0.0.1", handle.port), timeout=1)


def test_save_hook_and_shutdown_save() -> None:
    saved: list[int] = []
    handle = redipy.serve(save=lambda b: saved.append(len(b.dbs[0].data)), log=None)
    with redis.Redis(port=handle.port) as r:
        r.set("a", "1")
        assert r.save()
        assert saved == [1]
        before = r.lastsave()
        r.set("b", "2")
        try:
            r.shutdown(save=True)
        except redis.ConnectionError:
            pass
    handle.thread.join(5)
    assert saved == [1, 2] and before


def test_serve_as_asyncio_task() -> None:
    async def main() -> None:
        server = Server(port=0, log=None)
        task = asyncio.create_task(server.serve())
        while server.loop is None or server._server is None:
            await asyncio.sleep(0.01)
        r = aioredis.Redis(port=server.port)
        assert await r.set("t", "1") and await r.get("t") == b"1"
        await r.aclose()
        server.stop()
        await asyncio.wait_for(task, 5)

    asyncio.run(main())


def _wait_for_command(client: Any, name: str) -> None:
    """Until some connection's last command is ``name`` (it is parked on it)."""
    deadline = time.monotonic() + 5
    while not any(c["cmd"] == name for c in client.client_list()):
        assert time.monotonic() < deadline, f"no client ran {name}"
        time.sleep(0.02)


def test_xread_block_and_client_kill(served: ServerThread) -> None:
    with redis.Redis(port=served.port) as a, redis.Redis(port=served.port) as b:
        a.delete("xs")
        got: list[Any] = []
        reader = threading.Thread(target=lambda: got.append(
            a.xread({"xs": "$"}, block=3000)))
        reader.start()
        _wait_for_command(b, "xread")
        entry = b.xadd("xs", {"f": "v"})
        reader.join(5)
        assert got == [[[b"xs", [(entry, {b"f": b"v"})]]]]
        assert a.xread({"xs": "$"}, block=50) == []  # timed out: nil
        # CLIENT KILL closes the other connection; WATCH/MULTI as a server has them
        victim = socket.create_connection(("127.0.0.1", served.port), timeout=5)
        victim.sendall(encode("CLIENT", "ID"))
        victim_id = int(victim.recv(100)[1:-2])
        assert b.client_kill_filter(_id=victim_id) == 1
        assert victim.recv(100) == b""
        victim.close()
        a.set("w", "1")
        pipe = a.pipeline(transaction=True)
        pipe.watch("w")
        b.set("w", "2")
        pipe.multi()
        pipe.set("w", "3")
        with pytest.raises(redis.WatchError):
            pipe.execute()
        assert a.get("w") == b"2"


def test_xread_resp3_is_a_map(served: ServerThread, valkey9: RealServer) -> None:
    data = (encode("DEL", "xm") + encode("XADD", "xm", "1-1", "f", "v")
            + encode("HELLO", "3") + encode("XREAD", "STREAMS", "xm", "0")
            + encode("XREAD", "BLOCK", "50", "STREAMS", "xm", "$"))
    (ours, _), (theirs, _) = same_exchange(served.port, valkey9.port, data, wait=0.4)
    start = b"%1\r\n$2\r\nxm"  # after HELLO, whose server fields differ
    assert start in ours and ours[ours.index(start):] == theirs[theirs.index(start):]
