"""WATCH on every backend: conflicts from other clients and threads, from expiry,
redis-py's immediate mode after watch(), and the transaction() retry helper."""

from __future__ import annotations

import threading
import time

import pytest

import redipy
from redipy.api import PipelineAPI
from redipy.errors import WatchError, WrongTypeError
from tests.conftest import make_client
from tests.servers import Server


def test_watch_then_multi_applies_when_untouched(r: redipy.Redis) -> None:
    r.set_value("k", "1")
    with r.pipeline() as pipe:
        pipe.watch("k")
        assert pipe.watching
        assert pipe.get_value("k") == "1"  # immediate mode: the real result
        assert pipe.incr("n") == 1
        pipe.multi()
        assert pipe.set_value("k", "2") is None
        assert pipe.execute() == [True]
        assert not pipe.watching
    assert r.get_value("k") == "2"
    assert r.get_value("n") == "1"


def test_write_by_another_client_aborts(r: redipy.Redis) -> None:
    r.set_value("k", "1")
    pipe = r.pipeline()
    pipe.watch("k", "other")
    r.set_value("k", "changed")  # another connection of the same client object
    pipe.multi()
    pipe.set_value("k", "mine")
    pipe.set_value("side", "effect")
    with pytest.raises(WatchError):
        pipe.execute()
    assert r.get_value("k") == "changed"
    assert r.exists("side") == 0
    # the pipeline is reset: it can be used again
    pipe.set_value("side", "ok")
    assert pipe.execute() == [True]


def test_write_by_another_thread_aborts(r: redipy.Redis) -> None:
    r.set_value("k", "1")
    pipe = r.pipeline()
    pipe.watch("k")
    worker = threading.Thread(target=lambda: r.lpush("k2", "x") and r.incr("k"))
    worker.start()
    worker.join()
    pipe.multi()
    pipe.set_value("k", "mine")
    with pytest.raises(WatchError):
        pipe.execute()
    assert r.get_value("k") == "2"


def test_own_write_in_immediate_mode_aborts(r: redipy.Redis) -> None:
    """In Redis a change made by the watching client itself also counts."""
    pipe = r.pipeline()
    pipe.watch("k")
    pipe.set_value("k", "by me")
    pipe.multi()
    pipe.get_value("k")
    with pytest.raises(WatchError):
        pipe.execute()


def test_collection_changes_abort(r: redipy.Redis) -> None:
    r.rpush("l", "a", "b")
    r.hset("h", {"f": "1"})
    for change in (lambda: r.rpop("l"), lambda: r.hset("h", {"g": "2"}),
                   lambda: r.rpop("l"), lambda: r.delete("h")):
        pipe = r.pipeline()
        pipe.watch("l", "h")
        change()
        pipe.multi()
        pipe.set_value("x", "1")
        with pytest.raises(WatchError):
            pipe.execute()
    assert r.exists("x") == 0


def test_read_or_failed_write_does_not_abort(r: redipy.Redis) -> None:
    r.set_value("k", "v")
    pipe = r.pipeline()
    pipe.watch("k", "missing")
    r.get_value("k")
    r.exists("missing")
    r.lrange("missing", 0, -1)
    with pytest.raises(WrongTypeError):
        r.lpush("k", "x")
    r.delete("missing")  # deleting nothing changes nothing
    pipe.multi()
    pipe.set_value("x", "1")
    assert pipe.execute() == [True]


def test_unwatch_and_reset(r: redipy.Redis) -> None:
    pipe = r.pipeline()
    pipe.watch("k")
    assert pipe.unwatch()
    r.set_value("k", "changed")
    pipe.set_value("k", "mine")  # queued again: not watching any more
    assert pipe.execute() == [True]
    pipe.watch("k")
    pipe.reset()
    r.set_value("k", "again")
    pipe.multi()
    pipe.get_value("k")
    assert pipe.execute() == ["again"]


def test_empty_exec_still_checks_the_watch(r: redipy.Redis) -> None:
    pipe = r.pipeline()
    pipe.watch("k")
    pipe.multi()
    assert pipe.execute() == []
    pipe.watch("k")
    r.set_value("k", "1")
    pipe.multi()
    with pytest.raises(WatchError):
        pipe.execute()


def test_key_that_expires_aborts(r: redipy.Redis) -> None:
    for _ in range(5):  # a loaded machine may take longer than the TTL to reach WATCH
        r.set_value("k", "v", expire_in=0.2)
        pipe = r.pipeline()
        pipe.watch("k")
        if r.pttl("k") > 0:  # still alive after WATCH: it expires while watched
            break
        pipe.reset()
    else:
        pytest.fail("the key expired before WATCH five times")
    while r.pttl("k") > 0:
        time.sleep(0.05)
    time.sleep(0.05)  # expired, maybe not yet deleted: EXEC must notice either way
    pipe.multi()
    pipe.set_value("x", "1")
    with pytest.raises(WatchError):
        pipe.execute()
    assert r.exists("x") == 0


def test_key_expired_before_watch_does_not_abort(r: redipy.Redis) -> None:
    r.set_value("k", "v", expire_in=0.02)
    time.sleep(0.06)
    pipe = r.pipeline()
    pipe.watch("k")
    assert r.get_value("k") is None  # its lazy deletion is no change
    pipe.multi()
    pipe.set_value("x", "1")
    assert pipe.execute() == [True]


def test_expiry_set_on_watched_key_aborts(r: redipy.Redis) -> None:
    r.set_value("k", "v")
    pipe = r.pipeline()
    pipe.watch("k")
    r.expire("k", expire_in=100)
    pipe.multi()
    pipe.set_value("x", "1")
    with pytest.raises(WatchError):
        pipe.execute()


# ---- the transaction() helper -------------------------------------------------------------


def test_transaction_helper_retries(r: redipy.Redis) -> None:
    r.set_value("counter", "10")
    calls: list[int] = []

    def bump(pipe: PipelineAPI) -> str:
        value = int(pipe.get_value("counter") or 0)
        if not calls:
            r.set_value("counter", "100")  # a concurrent writer, the first time only
        calls.append(value)
        pipe.multi()
        pipe.set_value("counter", str(value + 1))
        return f"saw {value}"

    assert r.transaction(bump, "counter") == [True]
    assert calls == [10, 100]
    assert r.get_value("counter") == "101"
    calls.clear()
    assert r.transaction(bump, "counter", value_from_callable=True, watch_delay=0.001) \
        == "saw 100"
    assert calls == [101, 100]
    assert r.get_value("counter") == "101"


def test_transaction_helper_under_contention(r: redipy.Redis) -> None:
    """Many threads incrementing through WATCH/GET/SET lose no update."""
    threads, rounds = 6, 60 if r.backend.kind == "memory" else 25

    def bump(pipe: PipelineAPI) -> None:
        value = int(pipe.get_value("c") or 0)
        pipe.multi()
        pipe.set_value("c", str(value + 1))

    def work() -> None:
        for _ in range(rounds):
            r.transaction(bump, "c")

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert r.get_value("c") == str(threads * rounds)


def test_watch_with_prefix(servers: dict[str, Server]) -> None:
    import redis as redis_py

    for kind, srv in servers.items():
        r = make_client(kind, servers, prefix="app")
        raw = redis_py.Redis(port=srv.port, decode_responses=True)
        r.set_value("k", "1")
        pipe = r.pipeline()
        pipe.watch("k")
        raw.set("k", "unprefixed key: not the watched one")
        pipe.multi()
        pipe.incr("k")
        assert pipe.execute() == [2]
        pipe.watch("k")
        raw.set("app:k", "5")
        pipe.multi()
        pipe.incr("k")
        with pytest.raises(WatchError):
            pipe.execute()
        raw.close()
        r.close()
