"""Threads sharing one client: every command is atomic, transactions are atomic and
keep their order, nothing is lost."""

from __future__ import annotations

import threading
from collections.abc import Callable

import redipy


def run_threads(count: int, target: Callable[[int], None]) -> None:
    errors: list[BaseException] = []

    def guarded(i: int) -> None:
        try:
            target(i)
        except BaseException as err:  # re-raised below
            errors.append(err)

    threads = [threading.Thread(target=guarded, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
        assert not thread.is_alive()
    if errors:
        raise errors[0]


def test_concurrent_incr_loses_nothing(r: redipy.Redis) -> None:
    per_thread = 10_000 if r.backend.kind == "memory" else 2_000

    def work(_: int) -> None:
        for _ in range(per_thread):
            r.incr("n")

    run_threads(8, work)
    assert r.get_value("n") == str(8 * per_thread)


def test_concurrent_collection_writes(r: redipy.Redis) -> None:
    per_thread = 2_000 if r.backend.kind == "memory" else 400

    def work(i: int) -> None:
        for j in range(per_thread):
            r.rpush("l", f"{i}:{j}")
            r.sadd("s", f"{i}:{j}")
            r.hincrby("h", "total", 1)
            r.zadd("z", {f"{i}:{j}": j})

    run_threads(8, work)
    assert r.llen("l") == 8 * per_thread
    assert r.scard("s") == 8 * per_thread
    assert r.hget("h", "total") == str(8 * per_thread)
    assert r.zcard("z") == 8 * per_thread
    items = r.lrange("l", 0, -1)
    for i in range(8):  # each thread's pushes kept their order
        mine = [int(x.split(":")[1]) for x in items if x.startswith(f"{i}:")]
        assert mine == list(range(per_thread))


def test_transactions_are_atomic_under_concurrent_writers(r: redipy.Redis) -> None:
    """Writers bump a and b in one transaction; readers (one MGET-like transaction)
    must never see them differ."""
    rounds = 2_000 if r.backend.kind == "memory" else 300
    r.set_value("a", "0")
    r.set_value("b", "0")
    stop = threading.Event()
    seen_bad: list[tuple[str | None, str | None]] = []

    def writer(_: int) -> None:
        for _ in range(rounds):
            with r.pipeline(transaction=True) as pipe:
                pipe.incr("a")
                pipe.incr("b")

    def reader() -> None:
        while not stop.is_set():
            with r.pipeline(transaction=True) as pipe:
                pipe.get_value("a")
                pipe.get_value("b")
                a, b = pipe.execute()
            if a != b:
                seen_bad.append((a, b))

    readers = [threading.Thread(target=reader) for _ in range(2)]
    for thread in readers:
        thread.start()
    try:
        run_threads(4, writer)
    finally:
        stop.set()
        for thread in readers:
            thread.join()
    assert not seen_bad
    assert r.get_value("a") == r.get_value("b") == str(4 * rounds)


def test_transaction_replies_keep_their_order(r: redipy.Redis) -> None:
    rounds = 500 if r.backend.kind == "memory" else 100

    def work(i: int) -> None:
        for j in range(rounds):
            with r.pipeline(transaction=True) as pipe:
                pipe.rpush(f"own:{i}", str(j))
                pipe.incr("shared")
                pipe.lrange(f"own:{i}", -1, -1)
                pipe.llen(f"own:{i}")
                res = pipe.execute()
            assert res[0] == j + 1
            assert res[2] == [str(j)]
            assert res[3] == j + 1

    run_threads(4, work)
    assert r.get_value("shared") == str(4 * rounds)


def test_non_transactional_pipelines_from_threads(r: redipy.Redis) -> None:
    rounds = 1_000 if r.backend.kind == "memory" else 200

    def work(i: int) -> None:
        for _ in range(rounds):
            with r.pipeline(transaction=False) as pipe:
                pipe.incr("p")
                pipe.incr(f"p:{i}")

    run_threads(4, work)
    assert r.get_value("p") == str(4 * rounds)
    assert all(r.get_value(f"p:{i}") == str(rounds) for i in range(4))
