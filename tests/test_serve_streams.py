"""``redipy serve``: XREAD / XREADGROUP ... BLOCK park the connection on the event loop
(no thread per waiting client), woken by the write that serves them, as Valkey 9.1 has
it: what a parked reader gets after each kind of write is compared byte for byte."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import redis

import redipy
from redipy.server.listener import ServerThread
from tests.respwire import encode
from tests.servers import Server as RealServer


@pytest.fixture(scope="module")
def served() -> Iterator[ServerThread]:
    handle = redipy.serve(log=None)
    yield handle
    handle.stop()


def _blocked(client: redis.Redis, count: int) -> None:
    """Until the server holds ``count`` blocked clients."""
    deadline = time.monotonic() + 10
    while int(client.info("clients")["blocked_clients"]) < count:
        assert time.monotonic() < deadline, "clients did not block"
        time.sleep(0.01)


def _read(sock: socket.socket, wait: float) -> bytes:
    sock.settimeout(wait)
    got = b""
    try:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                return got
            got += chunk
    except TimeoutError:
        return got


SCENARIOS: dict[str, tuple[list[tuple[str, ...]], tuple[str, ...], list[tuple[str, ...]]]] = {
    # name: (set-up, the parked read, the writes that follow)
    "group_key_deleted": ([("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")],
                          ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "s", ">"),
                          [("DEL", "s")]),
    "group_destroyed": ([("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")],
                        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "s", ">"),
                        [("XGROUP", "DESTROY", "s", "g")]),
    "group_key_retyped": ([("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")],
                          ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "s",
                           ">"), [("SET", "s", "x")]),
    "group_second_key_deleted": (
        [("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM"),
         ("XGROUP", "CREATE", "t", "g", "$", "MKSTREAM")],
        ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "s", "t", ">", ">"),
        [("DEL", "t")]),
    "group_served": ([("XGROUP", "CREATE", "s", "g", "$", "MKSTREAM")],
                     ("XREADGROUP", "GROUP", "g", "c", "COUNT", "5", "BLOCK", "0", "STREAMS",
                      "s", ">"), [("XACK", "s", "g", "1-1"), ("XADD", "s", "7-1", "f", "v")]),
    "group_setid_waits": ([("XADD", "s", "1-1", "a", "1"), ("XGROUP", "CREATE", "s", "g", "$")],
                          ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "s", ">"),
                          [("XGROUP", "SETID", "s", "g", "0")]),
    "group_setid_then_add": ([("XADD", "s", "1-1", "a", "1"), ("XGROUP", "CREATE", "s", "g", "$")],
                             ("XREADGROUP", "GROUP", "g", "c", "BLOCK", "3000", "STREAMS", "s",
                              ">"),
                             [("XGROUP", "SETID", "s", "g", "0"), ("XADD", "s", "2-1", "b", "2")]),
    "read_key_deleted": ([("XADD", "s", "1-1", "a", "1")],
                         ("XREAD", "BLOCK", "3000", "STREAMS", "s", "$"), [("DEL", "s")]),
    "read_older_id_after_delete": ([("XADD", "s", "5-1", "a", "1")],
                                   ("XREAD", "BLOCK", "3000", "STREAMS", "s", "$"),
                                   [("DEL", "s"), ("XADD", "s", "1-0", "b", "2")]),
    "read_key_retyped": ([("XADD", "s", "1-1", "a", "1")],
                         ("XREAD", "BLOCK", "3000", "STREAMS", "s", "$"), [("SET", "s", "x")]),
    "read_retyped_then_stream": ([("XADD", "s", "1-1", "a", "1")],
                                 ("XREAD", "BLOCK", "3000", "STREAMS", "s", "$"),
                                 [("SET", "s", "x"), ("DEL", "s"), ("XADD", "s", "2-1", "a", "1")]),
    "read_plus_on_empty": ([], ("XREAD", "BLOCK", "0", "STREAMS", "s", "+"),
                           [("XADD", "s", "1-1", "a", "1")]),
    "read_two_streams": ([("XADD", "t", "1-1", "a", "1")],
                         ("XREAD", "BLOCK", "0", "STREAMS", "s", "t", "$", "$"),
                         [("XADD", "s", "1-1", "x", "y"), ("XADD", "t", "2-1", "b", "2")]),
    "read_times_out": ([], ("XREAD", "BLOCK", "150", "STREAMS", "s", "$"), []),
}


def _scenario(port: int, name: str) -> bytes:
    setup, parked, writes = SCENARIOS[name]
    with redis.Redis(port=port) as writer:
        writer.flushall()
        for cmd in setup:
            writer.execute_command(*cmd)
        reader = socket.create_connection(("127.0.0.1", port), timeout=5)
        try:
            reader.sendall(encode(*parked))
            _blocked(writer, 1)
            for cmd in writes:
                try:
                    writer.execute_command(*cmd)
                except redis.ResponseError:
                    pass
            return _read(reader, 0.4)
        finally:
            reader.close()


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_parked_read_matches_valkey(served: ServerThread, servers: dict[str, RealServer],
                                    name: str) -> None:
    assert _scenario(served.port, name) == _scenario(servers["valkey9"].port, name)


def _threads() -> int:
    return len(threading.enumerate())


def test_many_parked_readers_without_threads(served: ServerThread) -> None:
    """200 clients parked in XREAD BLOCK 0 add no thread; one XADD answers every one of
    them at once; 100 group consumers are served one entry each, exactly once; BLOCK
    timeouts answer nil on time."""
    with redis.Redis(port=served.port) as writer:
        writer.flushall()
        before = _threads()
        readers = [socket.create_connection(("127.0.0.1", served.port), timeout=10)
                   for _ in range(200)]
        for sock in readers:
            sock.sendall(encode("XREAD", "BLOCK", "0", "STREAMS", "many", "$"))
        _blocked(writer, 200)
        assert _threads() == before
        time.sleep(0.2)
        assert int(writer.info("clients")["blocked_clients"]) == 200  # BLOCK 0: still there
        writer.xadd("many", {"f": "v"}, id="1-1")
        want = encode("many")  # the stream's name, then its one new entry
        for sock in readers:
            got = b""
            while not got.endswith(b"$1\r\nv\r\n"):
                got += sock.recv(65536)
            assert got.startswith(b"*1\r\n*2\r\n" + want[4:]) and got.count(b"1-1") == 1
        assert int(writer.info("clients")["blocked_clients"]) == 0

        writer.xgroup_create("jobs", "g", id="$", mkstream=True)
        consumers = readers[:100]
        for i, sock in enumerate(consumers):
            sock.sendall(encode("XREADGROUP", "GROUP", "g", f"c{i}", "BLOCK", "0",
                                "STREAMS", "jobs", ">"))
        _blocked(writer, 100)
        assert _threads() == before
        writer.xadd("jobs", {"n": "0"}, id="1-0")
        time.sleep(0.1)
        assert int(writer.info("clients")["blocked_clients"]) == 99  # one entry, one reader
        for n in range(1, 100):
            writer.xadd("jobs", {"n": str(n)}, id=f"{n + 1}-0")
        seen = []
        for sock in consumers:
            got = b""
            while b"$1\r\nn\r\n" not in got or not got.endswith(b"\r\n"):
                got += sock.recv(65536)
            value = got.rsplit(b"\r\n", 2)[-2]
            seen.append(int(value))
        assert sorted(seen) == list(range(100))  # each entry to exactly one consumer
        assert writer.xpending("jobs", "g")["pending"] == 100

        started = time.monotonic()
        for sock in readers[100:]:
            sock.sendall(encode("XREAD", "BLOCK", "300", "STREAMS", "quiet", "$"))
        for sock in readers[100:]:
            sock.settimeout(5)
            assert sock.recv(100) == b"*-1\r\n"
        assert 0.3 <= time.monotonic() - started < 3
        assert _threads() == before
        for sock in readers:
            sock.close()
