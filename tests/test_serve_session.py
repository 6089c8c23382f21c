"""ClientSession (the per-connection state every door shares) against real servers.

Each scenario is a list of commands sent on one connection, once to a real server over
a raw socket and once to a fresh ClientSession whose replies are encoded by redipy's
RESP encoder; the replies must be equal with their RESP types, in RESP2 and RESP3.
Lines marked ``V9`` are worded differently by Redis 7.0 / Valkey 8.1 and compared with
Valkey 9.1 only (redipy follows Valkey 9.1 there).
"""

from __future__ import annotations

from typing import Any

import pytest

from redipy.errors import ResponseError
from redipy.memory.backend import MemoryBackend
from redipy.memory.client import NO_REPLY, ClientSession, Replies
from redipy.server.resp import encode, error_bytes
from tests.respwire import Parsed, Reply, Wire
from tests.respwire import encode as wire_encode
from tests.servers import Server, start_server

V9 = "V9"
NEW = "NEW"  # Redis 7.2+: not in Redis 7.0


def session_replies(session: ClientSession, argv: list[str]) -> list[Reply]:
    try:
        reply = session.execute(argv)
    except ResponseError as err:
        return Parsed(error_bytes(err)).all()
    if reply is NO_REPLY:
        return []
    items = list(reply) if isinstance(reply, Replies) else [reply]
    data = b"".join(encode(item, session.protocol) for item in items)
    return [normal(argv, r) for r in Parsed(data).all()]


def normal(argv: list[str], reply: Reply) -> Reply:
    """What may differ between servers by nature: HELLO's name, version, id and modules;
    COMMAND INFO's flags, ACL categories, cluster tips and key-spec flags (the table holds its own
    flags; arity and key positions are compared exactly)."""
    if argv[0].upper() == "HELLO" and reply.kind in "*%":
        pairs = reply.value
        keep = [p for i in range(0, len(pairs), 2) for p in pairs[i:i + 2]
                if pairs[i].value in ("proto", "mode", "role")]
        return Reply(reply.kind, keep)
    if argv[:2] == ["COMMAND", "INFO"] and reply.kind == "*":
        entries = []
        for entry in reply.value:
            if entry.kind in "*" and entry.value:
                fields = list(entry.value)
                fields[2] = Reply(fields[2].kind, [])
                fields[6] = Reply(fields[6].kind, [])
                fields[7] = Reply(fields[7].kind, [])  # cluster tips
                specs = [Reply(s.kind, [Reply(v.kind, []) if i == 1 else v
                                        for i, v in enumerate(s.value)])
                         for s in fields[8].value]
                fields[8] = Reply(fields[8].kind, specs)
                entry = Reply(entry.kind, fields)
            entries.append(entry)
        return Reply(reply.kind, entries)
    return reply


def run_both(server: Server, script: list[Any], *, flush: bool = True) -> None:
    if flush:
        admin = Wire(server.port)
        admin.one("FLUSHALL")
        admin.close()
    wire = Wire(server.port)
    session = ClientSession(MemoryBackend())
    try:
        for line in script:
            only_v9 = line[0] == V9
            newer = line[0] == NEW
            argv = list(line[1:] if only_v9 or newer else line)
            ours = session_replies(session, argv)
            wire.send(wire_encode(*argv))
            theirs = [normal(argv, wire.read()) for _ in ours]
            if (only_v9 and server.kind != "valkey9") or (newer and server.kind == "redis"):
                continue
            assert ours == theirs, f"{argv}: redipy {ours} != {server.kind} {theirs}"
        assert wire.nothing_pending(), f"{server.kind} sent more replies than redipy"
    finally:
        wire.close()
        session.close()


SCRIPTS: dict[str, list[Any]] = {
    "select": [
        ["SET", "a", "0"], ["SELECT", "99"], ["SELECT", "x"], ["SELECT", "-1"],
        ["SELECT", "1"], ["GET", "a"], ["SET", "a", "1"], ["SELECT", "0"], ["GET", "a"],
        ["SELECT", "1"], ["GET", "a"], ["DBSIZE"], ["SELECT"], ["SELECT", "1", "2"],
    ],
    "hello": [
        ["HELLO", "4"], ["HELLO", "x"], ["HELLO", "3", "FOO"], ["HELLO", "3", "SETNAME"],
        ["HELLO", "2", "SETNAME", "a b"], ["CLIENT", "GETNAME"],
        ["HELLO", "3", "AUTH", "default", "x", "SETNAME", "n1"], ["CLIENT", "GETNAME"],
        ["AUTH", "foo"], ["AUTH", "default", "anything"], ["AUTH", "bob", "x"],
        ["AUTH", "a", "b", "c"],
    ],
    "multi": [
        ["EXEC"], ["DISCARD"], ["MULTI"], [V9, "MULTI"], [V9, "EXEC"],
        ["MULTI"], [V9, "WATCH", "a"], [V9, "EXEC"],
        ["MULTI"], ["SET", "a", "1"], ["INCR", "a"], ["GET", "a"], ["LPUSH", "a", "x"],
        ["EXEC"],
        ["MULTI"], ["NOSUCH"], ["SET", "a"], ["EXEC"],
        ["MULTI"], ["SET", "b", "1"], ["DISCARD"], ["GET", "b"],
        ["MULTI"], ["SELECT", "2"], ["SET", "c", "1"], ["EXEC"], ["GET", "c"],
        ["SELECT", "0"], ["GET", "c"],
        ["MULTI"], ["BLPOP", "nolist", "0"], ["EXEC"],
        ["WATCH", "w"], ["UNWATCH"], ["MULTI"], ["PING"], ["ECHO", "e"], ["EXEC"],
    ],
    "subscribe": [
        ["UNSUBSCRIBE"], ["PUNSUBSCRIBE"], ["UNSUBSCRIBE", "x", "y"],
        ["SUBSCRIBE", "a", "b"], ["GET", "a"], ["PING"], ["PING", "x"],
        ["PSUBSCRIBE", "p*"], ["UNSUBSCRIBE", "a"], ["PUNSUBSCRIBE"], ["UNSUBSCRIBE"],
        ["UNSUBSCRIBE"], ["GET", "a"], ["SUBSCRIBE", "z"], ["RESET"], ["GET", "a"],
    ],
    "subscribe3": [
        ["HELLO", "3"], ["SUBSCRIBE", "a"], ["GET", "a"], ["PING"], ["SET", "k", "v"],
        ["UNSUBSCRIBE"], ["PUNSUBSCRIBE", "q"],
    ],
    "client": [
        ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", "a b"], ["CLIENT", "SETNAME", "ab"],
        ["CLIENT", "GETNAME"], ["CLIENT", "SETNAME", ""], ["CLIENT", "GETNAME"],
        ["CLIENT", "SETNAME", "a", "b"], ["CLIENT", "FOO"], ["CLIENT"],
        ["CLIENT", "NO-EVICT", "maybe"], ["CLIENT", "NO-EVICT", "on"],
        [NEW, "CLIENT", "NO-TOUCH", "off"], ["CLIENT", "REPLY", "x"],
        ["CLIENT", "KILL", "1.2.3.4:5"], ["CLIENT", "KILL", "ID", "999999"],
        [V9, "CLIENT", "KILL", "ID", "x"], ["CLIENT", "KILL", "FOO", "x"],
        [NEW, "CLIENT", "SETINFO", "lib-name", "x"],
        [NEW, "CLIENT", "SETINFO", "LIB-VER", "1.0"],
        [NEW, "CLIENT", "SETINFO", "foo", "x"], [NEW, "CLIENT", "SETINFO", "lib-name", "a b"],
        ["CLIENT", "REPLY", "OFF"], ["SET", "q", "1"], ["NOSUCH"], ["CLIENT", "REPLY", "ON"],
        ["CLIENT", "REPLY", "SKIP"], ["GET", "q"], ["GET", "q"],
        ["CLIENT", "LIST", "TYPE", "nope"], ["CLIENT", "LIST", "FOO"],
    ],
    "server": [
        # (not CONFIG GET maxclients: a server lowers it to its file-descriptor limit)
        ["CONFIG", "GET", "appendonly"], ["CONFIG", "SET", "foo", "1"],
        ["CONFIG", "GET"], ["CONFIG", "SET", "maxclients", "x"],
        ["CONFIG", "SET", "maxclients"], ["CONFIG", "SET", "maxclients", "10000"],
        ["CONFIG", "GET", "nosuchparam*"], ["CONFIG", "RESETSTAT"], ["CONFIG", "FOO"],
        ["ACL", "WHOAMI"], ["ACL", "FOO"], ["PING"], ["PING", "a"], ["PING", "a", "b"],
        ["ECHO", "x"], ["QUIT"],
    ],
    "command": [
        ["COMMAND", "INFO", "get", "nosuch"], ["COMMAND", "INFO", "mset"],
        ["COMMAND", "INFO", "blpop"], ["COMMAND", "GETKEYS", "mset", "a", "1", "b", "2"],
        [V9, "COMMAND", "GETKEYS", "get"], ["COMMAND", "GETKEYS", "nosuch", "a"],
        [V9, "COMMAND", "GETKEYS", "ping"], ["COMMAND", "FOO"],
    ],
}


@pytest.mark.parametrize("name", sorted(SCRIPTS))
def test_session_matches_server(name: str, server: Server) -> None:
    run_both(server, SCRIPTS[name])


def test_session_resp3_command_info(server: Server) -> None:
    run_both(server, [["HELLO", "3"], [V9, "COMMAND", "INFO", "get"],
                      [V9, "COMMAND", "INFO", "lmpop"], ["CONFIG", "GET", "appendonly"]])


@pytest.fixture(scope="module")
def locked_servers() -> Any:
    started = {kind: start_server(kind, "--requirepass", "s3cret")
               for kind in ("valkey9", "redis")}
    yield started
    for srv in started.values():
        srv.stop()


@pytest.mark.parametrize("kind", ["valkey9", "redis"])
def test_session_with_password(kind: str, locked_servers: dict[str, Server]) -> None:
    server = locked_servers[kind]
    backend = MemoryBackend()
    from redipy.memory.serverstate import server_state

    server_state(backend).requirepass = "s3cret"
    wire = Wire(server.port)
    session = ClientSession(backend)
    script = [["GET", "a"], ["NOSUCH"], ["GET"], ["HELLO", "3"], ["AUTH", "nope"],
              ["AUTH", "default", "nope"], ["HELLO", "3", "AUTH", "default", "bad"],
              ["PING"], ["AUTH", "s3cret"], ["PING"], ["RESET"], ["PING"],
              ["HELLO", "2", "AUTH", "default", "s3cret"], ["SET", "k", "v"], ["GET", "k"],
              ["DEL", "k"], ["AUTH", "bob", "s3cret"]]
    try:
        for argv in script:
            ours = session_replies(session, argv)
            wire.send(wire_encode(*argv))
            theirs = [normal(argv, wire.read()) for _ in ours]
            if kind == "redis" and argv[0] in ("HELLO", "NOSUCH", "GET"):
                continue  # Redis 7.0 words HELLO's NOAUTH differently, and checks the
                # name before the password (redipy follows Valkey 9.1: NOAUTH first)
            assert ours == theirs, f"{argv}: redipy {ours} != {kind} {theirs}"
    finally:
        wire.close()
        session.close()


def test_client_list_and_kill_between_sessions() -> None:
    backend = MemoryBackend()
    a = ClientSession(backend, addr="127.0.0.1:1001")
    b = ClientSession(backend, addr="127.0.0.1:1002")
    killed: list[int] = []
    b.on_kill = lambda: killed.append(b.id)
    listing = a.execute(["CLIENT", "LIST"])
    assert f"id={a.id} addr=127.0.0.1:1001" in listing
    assert f"id={b.id} addr=127.0.0.1:1002" in listing
    assert a.execute(["CLIENT", "KILL", "ID", str(b.id)]) == 1
    assert killed == [b.id] and b.closing
    assert a.execute(["CLIENT", "KILL", "127.0.0.1:1002"]) == "OK"
    b.close()
    assert f"id={b.id}" not in a.execute(["CLIENT", "LIST"])


def test_publish_reaches_a_subscribed_session() -> None:
    backend = MemoryBackend()
    sub = ClientSession(backend)
    pub = ClientSession(backend)
    got: list[Any] = []
    sub.on_push = got.append
    sub.execute(["SUBSCRIBE", "news"])
    sub.execute(["PSUBSCRIBE", "n*"])
    assert pub.execute(["PUBLISH", "news", "hi"]) == 2
    assert got == [["message", "news", "hi"], ["pmessage", "n*", "news", "hi"]]


def test_parked_client_is_served_in_order() -> None:
    backend = MemoryBackend()
    first, second, writer = (ClientSession(backend) for _ in range(3))
    served: list[tuple[int, Any]] = []
    wakes: list[int] = []
    for s in (first, second):
        blocked = s.execute(["BLPOP", "q", "0"], block=False)
        s.park(blocked, lambda reply, s=s: served.append((s.id, reply)),
               lambda: wakes.append(1))
    writer.execute(["RPUSH", "q", "x", "y", "z"])
    assert wakes
    writer.state.serve_ready()
    assert served == [(first.id, ["q", "x"]), (second.id, ["q", "y"])]
    assert writer.execute(["LRANGE", "q", "0", "-1"]) == ["z"]
