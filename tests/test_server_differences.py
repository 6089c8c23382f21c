"""Where the ground truths disagree, the memory backend follows the newest Valkey (9.1).

Each case pins what every server answers today, so a server upgrade that changes it
fails here, and the README's "Where servers differ" table stays true.
"""

from __future__ import annotations

from typing import Any

import pytest
import redis as redis_py

from tests.parity import fresh, outcome
from tests.servers import Server

#: (commands to set up, the command, Valkey 9's answer, Valkey 8.1 / Redis 7.0's answer)
CASES: list[tuple[list[tuple[str, ...]], tuple[str, ...], Any, Any]] = [
    ([], ("ZADD", "z", "0x10", "m"),
     ("error", ("ResponseError", "ERR value is not a valid float")), ("ok", 1)),
    ([("ZADD", "z", "1", "a")], ("ZRANGEBYSCORE", "z", " 1", "2"),
     ("error", ("ResponseError", "ERR min or max is not a float")), ("ok", ["a"])),
    ([("ZADD", "z", "1", "a")], ("ZRANGEBYSCORE", "z", "0x0", "0x10"),
     ("error", ("ResponseError", "ERR min or max is not a float")), ("ok", ["a"])),
    ([], ("GETEX", "missing", "EX", "0"),
     ("error", ("ResponseError", "ERR invalid expire time in 'getex' command")), ("ok", None)),
    ([("RPUSH", "l", "2", " 1")], ("SORT", "l"),
     ("error", ("ResponseError", "ERR One or more scores can't be converted into double")),
     ("ok", [" 1", "2"])),
    ([("RPUSH", "l", "0x10", "2")], ("SORT", "l"),
     ("error", ("ResponseError", "ERR One or more scores can't be converted into double")),
     ("ok", ["2", "0x10"])),
    ([("SET", "k", "x" * 50)], ("OBJECT", "ENCODING", "k"), ("ok", "embstr"), ("ok", "raw")),
    ([], ("GETEX", "missing", "EX", "abc"),
     ("error", ("ResponseError", "ERR value is not an integer or out of range")), ("ok", None)),
    ([("GEOADD", "g", "1", "2", "a")], ("GEOSEARCH", "g", "FROMMEMBER", "b", "BYRADIUS", "1", "m"),
     ("error", ("ResponseError", "ERR member b does not exist")),
     ("error", ("ResponseError", "ERR could not decode requested zset member"))),
    ([("GEOADD", "g", "1", "2", "a")], ("GEORADIUSBYMEMBER", "g", "b", "1", "m"),
     ("error", ("ResponseError", "ERR member b does not exist")),
     ("error", ("ResponseError", "ERR could not decode requested zset member"))),
]


@pytest.mark.parametrize("setup, cmd, newest, older", CASES,
                         ids=[" ".join(case[1]) for case in CASES])
def test_servers_differ_and_memory_follows_valkey9(
        servers: dict[str, Server], setup: list[tuple[str, ...]], cmd: tuple[str, ...],
        newest: Any, older: Any) -> None:
    for kind in ("memory", *servers):
        client = fresh(kind, servers)
        for step in setup:
            client.execute_command(*step)
        got = outcome(lambda c=client: c.execute_command(*cmd))  # type: ignore[misc]
        want = newest if kind in ("memory", "valkey9") else older
        assert got == want, f"{kind}: {cmd} -> {got!r}, expected {want!r}"
        client.close()


def test_the_servers_are_the_versions_we_think(servers: dict[str, Server]) -> None:
    majors = {}
    for kind, srv in servers.items():
        client = redis_py.Redis(port=srv.port, decode_responses=True)
        info = client.info("server")
        client.close()
        majors[kind] = str(info.get("valkey_version") or info["redis_version"]).split(".")[:2]
    assert majors["valkey"] == ["8", "1"]
    assert majors["valkey9"] == ["9", "1"]
    if "redis" in majors:
        assert majors["redis"] == ["7", "0"]


def _inline(port: int, line: bytes, replies: int) -> bytes:
    """Send an inline (telnet) request; read until ``replies`` CRLF-ended lines came."""
    import socket

    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(line)
        data = b""
        while data.count(b"\r\n") < replies:
            chunk = sock.recv(4096)
            if not chunk:
                break
            data += chunk
        return data


@pytest.mark.parametrize("quote", ['"', "'"])
def test_inline_closing_quote_then_text(servers: dict[str, Server], quote: str) -> None:
    """``SET k "a"b`` inline: Valkey 9.1 joins the word (``ab``), Valkey 8.1 and Redis 7.0
    answer a protocol error; ``redipy serve`` follows Valkey 9.1."""
    import redipy

    request = f"SET k {quote}a{quote}b\r\nGET k\r\n".encode()
    joined = b"+OK\r\n$2\r\nab\r\n"
    refused = b"-ERR Protocol error: unbalanced quotes in request\r\n"
    for kind, srv in servers.items():
        newest = kind == "valkey9"
        got = _inline(srv.port, request, 3 if newest else 1)
        assert got == (joined if newest else refused), kind
    handle = redipy.serve()
    try:
        assert _inline(handle.port, request, 3) == joined
    finally:
        handle.stop()


@pytest.mark.parametrize("index, hit", [("4294967297", 1), ("9223372036854775807", 3),
                                        ("-9223372036854775808", 0)])
def test_lset_index_past_32_bits_is_out_of_range(servers: dict[str, Server], index: str,
                                                 hit: int) -> None:
    """A known difference kept on purpose: Valkey 8.1 and 9.1 cut LSET's index of a small
    list to 32 bits (``LSET l 4294967297 X`` sets element 1), a server bug that writes
    the wrong element; the memory backend answers ``ERR index out of range`` as Redis 7.0
    does. When a Valkey release fixes it, this test fails and can go."""
    items = ["a", "b", "c", "d"]
    for kind in ("memory", *servers):
        client = fresh(kind, servers)
        client.execute_command("RPUSH", "l", *items)
        got = outcome(lambda c=client: c.execute_command("LSET", "l", index, "X"))  # type: ignore[misc]
        after = client.execute_command("LRANGE", "l", "0", "-1")
        client.close()
        if kind in ("valkey", "valkey9"):
            assert got[0] == "ok", (kind, got)
            assert after == [*items[:hit], "X", *items[hit + 1:]], (kind, after)
        else:
            assert got == ("error", ("ResponseError", "ERR index out of range")), (kind, got)
            assert after == items, (kind, after)


CJSON_ORDER = [
    "return cjson.encode({a=1, b=2, c=3, d=4, e=5})",
    "return cjson.encode({name='n', id=5, tags={1, 2}, ok=true})",
    "local t = {} for i = 1, 10 do t['k' .. i] = i end return cjson.encode(t)",
    "return cjson.encode(cjson.decode('{\"x\":1,\"y\":2,\"z\":3,\"w\":4}'))",
]


@pytest.mark.parametrize("body", CJSON_ORDER)
def test_cjson_key_order_is_lua51s_not_valkeys(servers: dict[str, Server], body: str) -> None:
    """A known difference the memory backend cannot close: ``cjson.encode`` walks a table
    with ``lua_next``, so object keys come in the hash layout's order. lupa's Lua 5.1
    hashes strings as Redis 7.0's does (keys under 32 bytes), Valkey 8.1 and 9.1 hash
    them with MurmurHash3 (Valkey PR #1168), and the layout also depends on the
    table's insertion history, which a Lua table does not keep: it cannot be rebuilt
    from lupa's table. The objects hold the same members everywhere."""
    import json

    got = {kind: fresh(kind, servers).execute_command("EVAL", body, 0)
           for kind in ("memory", *servers)}
    got = {k: v.decode() if isinstance(v, bytes) else v for k, v in got.items()}
    assert len({json.dumps(json.loads(v), sort_keys=True) for v in got.values()}) == 1
    assert got["valkey"] == got["valkey9"] != got["memory"]
    if "redis" in got:
        assert got["memory"] == got["redis"]


LDB_SCRIPT = "local t = {1, 'x'}\nredis.call('set', KEYS[1], 'v')\nreturn 1\n"


def test_ldb_words_follow_valkey9(servers: dict[str, Server], tmp_path: Any) -> None:
    """``--ldb`` output is the server's: Valkey 9.1 (and the memory debugger) logs a
    call as ``<command> set k v`` and prints values raw (``{1; x; }``); Valkey 8.1 has
    ``<command>`` with Redis's quoted values; Redis 7.0 says ``<redis>``."""
    import re
    import subprocess

    import redipy
    from redipy.debug.lua import LuaDebugger
    from tests.servers import valkey_cli_binary

    path = tmp_path / "s.lua"
    path.write_text(LDB_SCRIPT)
    typed = "s\ns\np t\nc\n"

    def session(kind: str) -> list[str]:
        cli = "redis-cli" if kind == "redis" else valkey_cli_binary()
        out = subprocess.run([cli, "-p", str(servers[kind].port), "--ldb", "--eval",
                              str(path), "k"], input=typed, text=True, capture_output=True,
                             timeout=30, check=True).stdout
        return [re.sub(r"\x1b\[[0-9;]*m", "", line) for line in out.splitlines()]

    dbg = LuaDebugger(redipy.Redis(), LDB_SCRIPT, ["k"])
    mine = [line for cmd in ("s", "s", "s", "p t") for line in dbg.execute(cmd)]
    want = {"valkey9": ["<command> set k v", "<value> {1; x; }"],
            "valkey": ["<command> set k v", '<value> {1; "x"}'],
            "redis": ["<redis> set k v", '<value> {1; "x"}']}
    for kind in servers:
        lines = session(kind)
        for line in want[kind]:
            assert line in lines, f"{kind}: {line!r} not in {lines}"
    for line in want["valkey9"]:
        assert line in mine
    assert set(session("valkey9")) >= set(mine)
