"""The drop-in across a real ``os.fork()`` (redipy.redispy.forking): the child has a copy
of the data (its writes stay in the child), its pools are reset as redis-py resets them,
and nothing a parent thread held at fork time (the database lock, a blocked BLPOP, a
subscription) hangs or misroutes the child. rq's forking Worker is the use case."""

from __future__ import annotations

import json
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import redipy
from redipy.redispy import forking
from redipy.redispy.registry import backend_of

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def in_child(body: Callable[[], Any], timeout: float = 20.0) -> Any:
    """``body()`` run in a forked child; its JSON result, or a failure if the child
    raised, hung or died."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: report and leave without running the parent's cleanup
        code = 0
        try:
            out = json.dumps({"ok": body()})
        except BaseException as err:  # reported to the parent
            out = json.dumps({"error": f"{type(err).__name__}: {err}"})
            code = 1
        os.write(write, out.encode())
        os._exit(code)
    os.close(write)
    try:
        ready, _, _ = select.select([read], [], [], timeout)
        if not ready:
            os.kill(pid, signal.SIGKILL)
            pytest.fail(f"the child hung for {timeout} s")
        chunks = []
        while chunk := os.read(read, 65536):
            chunks.append(chunk)
    finally:
        os.close(read)
        os.waitpid(pid, 0)
    answer = json.loads(b"".join(chunks) or b'{"error": "the child died"}')
    if "error" in answer:
        pytest.fail(f"in the child: {answer['error']}")
    return answer["ok"]


@pytest.fixture
def memory() -> Iterator[redipy.Redis]:
    yield redipy.Redis()


def test_child_has_a_copy(memory: redipy.Redis) -> None:
    rp = memory.redis_py(decode_responses=True)
    rp.set("shared", "before")
    parent_pool = rp.connection_pool

    def child() -> Any:
        seen = rp.get("shared")
        rp.set("shared", "child")
        rp.set("only-child", "1")
        return [seen, rp.get("shared"), rp.connection_pool.pid == os.getpid(),
                parent_pool._created_connections]

    assert in_child(child) == ["before", "child", True, 1]  # one new connection
    assert rp.get("shared") == "before"  # the child's writes stay in the child
    assert rp.exists("only-child") == 0
    assert memory.get_value("shared") == "before"


def test_database_lock_held_by_a_parent_thread(memory: redipy.Redis,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """A thread of the parent holds the database lock through the fork (longer than a
    fork waits): the child's commands do not wait for a thread it does not have."""
    rp = memory.redis_py(decode_responses=True)
    rp.set("k", "v")
    lock = backend_of(memory).db.lock
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with lock:
            holding.set()
            done.wait(10)

    monkeypatch.setattr(forking, "WAIT", 0.05)
    thread = threading.Thread(target=hold)
    thread.start()
    holding.wait(5)
    try:
        assert in_child(lambda: [rp.get("k"), rp.incr("n"), memory.get_value("k")]) \
            == ["v", 1, "v"]
    finally:
        done.set()
        thread.join()
    assert rp.get("n") is None


def test_fork_waits_for_a_command_in_flight(memory: redipy.Redis) -> None:
    """A command another thread is running when the fork starts finishes first, so the
    child's copy holds all of it or none of it."""
    rp = memory.redis_py(decode_responses=True)
    lock = backend_of(memory).db.lock
    holding = threading.Event()

    def write_two() -> None:  # one "command" writing two keys under the lock
        with lock:
            holding.set()
            memory.set_value("a", "1")
            time.sleep(0.2)
            memory.set_value("b", "1")

    thread = threading.Thread(target=write_two)
    thread.start()
    holding.wait(5)
    try:
        assert in_child(lambda: [rp.get("a"), rp.get("b")]) == ["1", "1"]
    finally:
        thread.join()


def test_blocked_parent_thread_does_not_take_the_childs_push(memory: redipy.Redis) -> None:
    rp = memory.redis_py(decode_responses=True)
    got: list[Any] = []
    waiter = threading.Thread(target=lambda: got.append(rp.blpop(["q"], timeout=10)))
    waiter.start()
    deadline = time.monotonic() + 5
    while not backend_of(memory).db.blocked and time.monotonic() < deadline:
        time.sleep(0.01)
    assert backend_of(memory).db.blocked  # the parent's BLPOP waits

    def child() -> Any:
        rp.lpush("q", "x")
        return [rp.blpop(["q"], timeout=2), rp.llen("q")]

    try:
        assert in_child(child) == [["q", "x"], 0]
    finally:
        rp.lpush("q", "parent")
        waiter.join(10)
    assert got == [("q", "parent")]


def test_parent_connections_are_gone_in_the_child(memory: redipy.Redis) -> None:
    """Subscriptions and connections of the parent are not the child's: PUBLISH finds
    no subscriber there, CLIENT LIST lists the child's own connection only, and a
    single-connection client made in the parent reconnects on its next command."""
    rp = memory.redis_py(decode_responses=True)
    single = memory.redis_py(decode_responses=True, single_connection_client=True)
    pubsub = rp.pubsub()
    pubsub.subscribe("news")
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    assert rp.publish("news", "hi") == 1

    def child() -> Any:
        return [rp.publish("news", "child"), single.get("nothing"),
                single.client_id() != single_id, len(rp.client_list())]

    single_id = single.client_id()
    assert in_child(child) == [0, None, True, 2]  # rp's and single's new connections
    assert rp.publish("news", "after") == 1
    assert single.client_id() == single_id


def test_async_client_in_the_child(memory: redipy.Redis) -> None:
    import asyncio

    arp = memory.redis_py(asyncio=True, decode_responses=True)

    async def parent_use() -> Any:
        await arp.set("k", "parent")
        return await arp.get("k")

    assert asyncio.run(parent_use()) == "parent"

    async def child_use() -> Any:
        await arp.set("k", "child")
        return await arp.get("k")

    assert in_child(lambda: asyncio.run(child_use())) == "child"
    assert memory.get_value("k") == "parent"


def job_touch(path: str) -> int:
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(f"{os.getpid()}\n")
    return 7


def test_rq_forking_worker(memory: redipy.Redis, tmp_path: Any) -> None:
    """rq's ``Worker`` forks a work horse per job. On the drop-in the horse runs the job
    on its copy: the job's own effects happen, the worker neither hangs nor fails the
    job, but the result the horse writes stays in the horse's copy (the parent sees
    the job as queued). That is why rq's results need ``SimpleWorker`` on the drop-in,
    or a served backend (next test)."""
    from rq import Queue, Worker
    from rq.job import JobStatus

    conn = memory.redis_py()
    queue = Queue("forked", connection=conn)
    out = tmp_path / "ran"
    job = queue.enqueue(job_touch, str(out))
    worker = Worker([queue], connection=conn)
    assert worker.work(burst=True) is True
    pids = out.read_text().split()
    assert len(pids) == 1 and int(pids[0]) != os.getpid()  # run once, in the horse
    job.refresh()
    # what the parent last wrote; the horse's STARTED, FINISHED and result are in its copy
    assert job.get_status() == JobStatus.QUEUED
    assert job.return_value() is None
    assert queue.count == 0


def test_rq_forking_worker_on_a_served_backend(redipy_memory: redipy.Redis,
                                               redipy_serve: Any, tmp_path: Any) -> None:
    """The same worker over the plugin's ``redipy_serve`` (``redipy serve`` in a
    thread): the horse's writes reach the one backend, the result is there."""
    import redis
    from rq import Queue, Worker
    from rq.job import JobStatus

    conn = redis.Redis(port=redipy_serve.port)
    try:
        queue = Queue("served", connection=conn)
        job = queue.enqueue(job_touch, str(tmp_path / "ran"))
        assert Worker([queue], connection=conn).work(burst=True) is True
        job.refresh()
        assert job.get_status() == JobStatus.FINISHED
        assert job.return_value() == 7
        assert redipy_memory.exists(f"rq:job:{job.id}") == 1
    finally:
        conn.close()
