"""Publish/subscribe on every backend: the listener object, patterns, PUBSUB
introspection, delivery across threads in order, wait_for, key prefixes."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest
import redis as redis_py

import redipy
from redipy.commands.pubsub import COMMANDS as PUBSUB_COMMANDS
from redipy.errors import ResponseError
from tests.conftest import make_client
from tests.parity import assert_same
from tests.servers import Server


def drain(listener: Any, count: int, timeout: float = 2.0) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while len(out) < count and time.monotonic() < deadline:
        msg = listener.get_message(timeout=0.2)
        if msg is not None:
            out.append(msg)
    return out


def test_table_matches_command_info(server: Server) -> None:
    raw = redis_py.Redis(port=server.port, decode_responses=True, protocol=2)
    raw.response_callbacks = {}
    infos = raw.execute_command("COMMAND", "INFO", *(s.name for s in PUBSUB_COMMANDS))
    raw.close()
    for spec, info in zip(PUBSUB_COMMANDS, infos):
        name, arity, flags, first = info[:4]
        assert name == spec.name.lower()
        assert spec.arity == arity, spec.name
        assert spec.group == "pubsub"
        assert first == 0 and not spec.keys
        assert ("pubsub" in flags) == ("pubsub" in spec.flags), spec.name


def test_subscribe_publish_unsubscribe(r: redipy.Redis) -> None:
    with r.pubsub() as listener:
        assert not listener.subscribed
        listener.subscribe("a", "b")
        listener.psubscribe("a*")
        assert listener.subscribed
        assert drain(listener, 3) == [
            {"type": "subscribe", "pattern": None, "channel": "a", "data": 1},
            {"type": "subscribe", "pattern": None, "channel": "b", "data": 2},
            {"type": "psubscribe", "pattern": None, "channel": "a*", "data": 3},
        ]
        assert r.publish("a", "hi") == 2
        assert r.publish("b", "yo") == 1
        assert r.publish("c", "nobody") == 0
        assert drain(listener, 3) == [
            {"type": "message", "pattern": None, "channel": "a", "data": "hi"},
            {"type": "pmessage", "pattern": "a*", "channel": "a", "data": "hi"},
            {"type": "message", "pattern": None, "channel": "b", "data": "yo"},
        ]
        assert listener.get_message(timeout=0.05) is None
        listener.unsubscribe()
        listener.punsubscribe()
        got = drain(listener, 3)  # the server picks the order of an unsubscribe-all
        assert [(m["type"], m["data"]) for m in got] == [
            ("unsubscribe", 2), ("unsubscribe", 1), ("punsubscribe", 0)]
        assert sorted(m["channel"] for m in got[:2]) == ["a", "b"]
        assert got[2]["channel"] == "a*"
        assert not listener.subscribed
        assert r.publish("a", "gone") == 0


def test_ignore_subscribe_messages(r: redipy.Redis) -> None:
    with r.pubsub(ignore_subscribe_messages=True) as listener:
        listener.subscribe("ch")
        assert listener.get_message(timeout=0.1) is None
        r.publish("ch", "x")
        msg = listener.get_message(timeout=1.0)
        assert msg is not None and msg["data"] == "x"
    with r.pubsub() as listener:
        listener.subscribe("ch")
        threading.Timer(0.1, lambda: r.publish("ch", "late")).start()
        msg = listener.get_message(timeout=2.0, ignore_subscribe_messages=True)
        assert msg is not None and msg["data"] == "late"


def test_glob_patterns(r: redipy.Redis) -> None:
    with r.pubsub(ignore_subscribe_messages=True) as listener:
        listener.psubscribe("news.[ab]*", "h?llo", "esc\\*", "ü*")
        time.sleep(0.05)
        sent = ["news.art", "news.c", "news.b", "hallo", "hllo", "esc*", "escX", "über", "u"]
        counts = [r.publish(ch, ch) for ch in sent]
        assert counts == [1, 0, 1, 1, 0, 1, 0, 1, 0]
        got = drain(listener, 5)
        assert [(m["pattern"], m["channel"]) for m in got] == [
            ("news.[ab]*", "news.art"), ("news.[ab]*", "news.b"), ("h?llo", "hallo"),
            ("esc\\*", "esc*"), ("ü*", "über"),
        ]


def test_introspection(r: redipy.Redis) -> None:
    one, two = r.pubsub(), r.pubsub()
    try:
        one.subscribe("x", "y")
        two.subscribe("y")
        one.psubscribe("p*")
        two.psubscribe("p*", "q*")
        drain(one, 3)
        drain(two, 3)
        assert sorted(r.pubsub_channels()) == ["x", "y"]
        assert r.pubsub_channels("x*") == ["x"]
        assert r.pubsub_numsub("x", "y", "z") == [("x", 1), ("y", 2), ("z", 0)]
        assert r.pubsub_numsub() == []
        assert r.pubsub_numpat() == 2
        assert r.publish("p1", "m") == 2
        one.close()
        assert r.pubsub_numsub("x", "y") == [("x", 0), ("y", 1)]
        assert r.pubsub_numpat() == 2
    finally:
        one.close()
        two.close()
    assert r.pubsub_channels() == []
    assert r.pubsub_numpat() == 0


def test_delivery_across_threads_in_order(r: redipy.Redis) -> None:
    count = 2_000 if r.backend.kind == "memory" else 500
    publishers = 3
    with r.pubsub(ignore_subscribe_messages=True) as listener:
        listener.subscribe("ordered")
        listener.psubscribe("ord*")
        time.sleep(0.05)

        def publish(i: int) -> None:
            for j in range(count):
                r.publish("ordered", f"{i}:{j}")

        threads = [threading.Thread(target=publish, args=(i,)) for i in range(publishers)]
        for thread in threads:
            thread.start()
        got = drain(listener, 2 * publishers * count, timeout=30)
        for thread in threads:
            thread.join()
    assert len(got) == 2 * publishers * count
    for kind in ("message", "pmessage"):
        data = [m["data"] for m in got if m["type"] == kind]
        assert len(data) == publishers * count
        for i in range(publishers):  # each publisher's messages arrive in its order
            mine = [int(d.split(":")[1]) for d in data if d.startswith(f"{i}:")]
            assert mine == list(range(count))
    # a message and its pattern twin arrive one after the other
    for first, second in zip(got[::2], got[1::2]):
        assert (first["type"], second["type"]) == ("message", "pmessage")
        assert first["data"] == second["data"]


def test_listen_in_a_thread(r: redipy.Redis) -> None:
    listener = r.pubsub(ignore_subscribe_messages=True)
    listener.subscribe("jobs")
    seen: list[str] = []

    def consume() -> None:
        for msg in listener.listen():
            if msg["data"] == "stop":
                break
            seen.append(msg["data"])

    worker = threading.Thread(target=consume)
    worker.start()
    time.sleep(0.05)
    for i in range(50):
        r.publish("jobs", str(i))
    r.publish("jobs", "stop")
    worker.join(5)
    assert not worker.is_alive()
    listener.close()
    assert seen == [str(i) for i in range(50)]


def test_listen_ends_when_unsubscribed(r: redipy.Redis) -> None:
    with r.pubsub() as listener:
        listener.subscribe("a")
        listener.unsubscribe("a")
        types = [msg["type"] for msg in listener.listen()]
    assert types == ["subscribe", "unsubscribe"]


def test_get_message_without_subscription(r: redipy.Redis) -> None:
    with r.pubsub() as listener:
        start = time.monotonic()
        assert listener.get_message(timeout=0.1) is None
        assert time.monotonic() - start < 1.0
        assert listener.get_message(timeout=None) is None  # nothing could ever arrive


def test_wait_for(r: redipy.Redis) -> None:
    assert r.wait_for("flag", lambda: "already", 0.1) == "already"
    start = time.monotonic()
    assert r.wait_for("flag", lambda: r.get_value("done"), 0.2) is None
    assert 0.15 <= time.monotonic() - start < 1.5

    def finish() -> None:
        time.sleep(0.1)
        r.publish("flag", "not yet")
        time.sleep(0.05)
        r.set_value("done", "yes")
        r.publish("flag", "now")

    worker = threading.Thread(target=finish)
    worker.start()
    start = time.monotonic()
    assert r.wait_for("flag", lambda: r.get_value("done"), None) == "yes"
    assert time.monotonic() - start < 2.0
    worker.join()
    assert r.pubsub_numsub("flag") == [("flag", 0)]


def test_publish_in_pipeline(r: redipy.Redis) -> None:
    with r.pubsub(ignore_subscribe_messages=True) as listener:
        listener.subscribe("p")
        with r.pipeline(transaction=False) as pipe:
            pipe.publish("p", "1")
            pipe.publish("p", "2")
            pipe.pubsub_numsub("p")
            assert pipe.execute() == [1, 1, [("p", 1)]]
        assert [m["data"] for m in drain(listener, 2)] == ["1", "2"]


def test_prefix_namespaces_channels(servers: dict[str, Server]) -> None:
    for kind, srv in servers.items():
        r = make_client(kind, servers, prefix="app")
        raw = redis_py.Redis(port=srv.port, decode_responses=True)
        raw_sub = raw.pubsub(ignore_subscribe_messages=True)
        raw_sub.subscribe("app:news")
        with r.pubsub(ignore_subscribe_messages=True) as listener:
            listener.subscribe("news")
            listener.psubscribe("n*")
            time.sleep(0.05)
            assert r.publish("news", "hello") == 3
            assert raw.publish("news", "unprefixed") == 0
            assert raw.publish("app:nope", "x") == 1  # the prefixed pattern matches
            got = drain(listener, 3)
            assert [(m["type"], m["pattern"], m["channel"], m["data"]) for m in got] == [
                ("message", None, "news", "hello"),
                ("pmessage", "n*", "news", "hello"),
                ("pmessage", "n*", "nope", "x"),
            ]
            assert sorted(r.pubsub_channels()) == ["news"]
            assert r.pubsub_numsub("news") == [("news", 2)]
        msg = None
        for _ in range(10):  # redis-py answers None for each ignored confirmation
            msg = msg or raw_sub.get_message(timeout=0.2)
        assert msg is not None and msg["channel"] == "app:news" and msg["data"] == "hello"
        raw_sub.close()
        raw.close()
        r.close()


def test_raw_pubsub_commands(servers: dict[str, Server]) -> None:
    assert_same(servers, [
        ("PUBLISH", "nobody", "x"), ("PUBSUB", "CHANNELS"), ("PUBSUB", "channels", "a*"),
        ("PUBSUB", "NUMSUB"), ("PUBSUB", "NUMSUB", "a", "b"), ("PUBSUB", "NUMPAT"),
        ("PUBSUB", "FOO"), ("PUBSUB", "NUMPAT", "x"), ("PUBSUB", "CHANNELS", "a", "b"),
        ("PUBSUB",), ("PUBLISH", "a"), ("publish", "a", "b", "c"),
    ])


def test_memory_raw_subscribe_explains(backend: str) -> None:
    if backend != "memory":
        return
    r = redipy.Redis()
    with pytest.raises(ResponseError, match="pubsub"):
        r.execute_command("SUBSCRIBE", "a")
