"""Real libraries' Lua, unchanged, on the memory backend and on the servers.

The scripts are read from the installed packages at test time (redis-py's ``Lock``,
rq's ``scripts`` and ``rate_limit`` modules, limits' ``lua_scripts`` resources,
python-redis-lock's module) and driven by the libraries themselves where they can take
a connection: on memory through the redis-py drop-in (``redipy.Redis().redis_py()``),
on each server through a plain ``redis.Redis``. Every observed result and the final
keyspace (with which keys carry a TTL) must be the same.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis as redis_py

import redipy
from tests.servers import Server

Scenario = Callable[[redis_py.Redis], list[Any]]


def keyspace(client: redis_py.Redis) -> list[Any]:
    out: list[Any] = []
    for key in sorted(client.keys("*")):
        kind = client.type(key)
        if kind == b"string":
            value: Any = client.get(key)
        elif kind == b"list":
            value = client.lrange(key, 0, -1)
        elif kind == b"hash":
            value = sorted(client.hgetall(key).items())
        elif kind == b"set":
            value = sorted(client.smembers(key))
        else:
            value = client.zrange(key, 0, -1, withscores=True)
        out.append((key, kind, value, client.ttl(key) > 0))
    return out


def outcome(fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except redis_py.RedisError as err:
        return type(err).__name__
    except Exception as err:  # a library's own exception (LockNotOwnedError, ...)
        return type(err).__name__


# ---- redis-py's Lock ---------------------------------------------------------------------


def redis_py_lock(r: redis_py.Redis) -> list[Any]:
    lock = r.lock("res", timeout=10)
    other = r.lock("res", timeout=10, blocking_timeout=0.05)
    seen = [lock.acquire(blocking=False, token="me"), lock.owned(), lock.locked(),
            other.acquire(token="them"), outcome(lambda: other.release()),
            outcome(lambda: other.extend(1))]
    seen += [lock.extend(5), r.ttl("res"), lock.extend(20, replace_ttl=True), r.ttl("res"),
             lock.reacquire(), r.ttl("res")]
    lock.release()
    seen += [lock.owned(), r.exists("res"), outcome(lambda: lock.release()),
             outcome(lambda: lock.reacquire())]
    blocking = r.lock("blk", timeout=0.2)
    seen.append(blocking.acquire(token="first"))
    waiter = r.lock("blk", timeout=5, blocking_timeout=2, sleep=0.05)
    seen.append(waiter.acquire(token="second"))  # the first holder's 0.2 s timeout lets it in
    seen.append(waiter.owned())
    with r.lock("ctx", timeout=3):
        seen.append(r.exists("ctx"))
    seen.append(r.exists("ctx"))
    return seen


# ---- python-redis-lock ---------------------------------------------------------------------


def python_redis_lock(r: redis_py.Redis) -> list[Any]:
    import redis_lock

    lock = redis_lock.Lock(r, "job", expire=30, id="me")
    seen: list[Any] = [lock.acquire(blocking=False), lock.locked(), r.ttl("lock:job"),
                       lock.get_owner_id()]
    other = redis_lock.Lock(r, "job", expire=30, id="them")
    seen.append(other.acquire(blocking=False))
    seen.append(outcome(lambda: other.extend(60)))
    seen.append(outcome(lambda: other.release()))
    lock.extend(60)
    seen.append(r.ttl("lock:job"))
    lock.release()
    seen += [lock.locked(), r.exists("lock:job"), r.lrange("lock-signal:job", 0, -1),
             outcome(lambda: lock.release())]
    again = redis_lock.Lock(r, "job", expire=30, id="me")
    seen.append(again.acquire(timeout=1))
    again.reset()
    seen.append(r.exists("lock:job"))
    for name in ("a", "b"):
        redis_lock.Lock(r, name, expire=30).acquire()
    redis_lock.reset_all(r)
    seen.append(sorted(r.keys("lock:*")))
    return seen


# ---- rq's scripts ------------------------------------------------------------------------


def rq_scripts(r: redis_py.Redis) -> list[Any]:
    from rq import scripts
    from rq.rate_limit import (
        ACQUIRE_AND_ENQUEUE_SCRIPT,
        CLEANUP_REGISTRY_SCRIPT,
        RELEASE_AND_ENQUEUE_SCRIPT,
        RELEASE_STALE_AND_ENQUEUE_SCRIPT,
    )

    seen: list[Any] = []
    enqueue = r.register_script(scripts.UNIQUE_ENQUEUE_SCRIPT)
    fields = ["status", "queued", "origin", "default", "data", "\x00\xffbytes"]
    seen.append(enqueue(keys=["rq:job:1", "rq:queue:default"], args=["1", "R", 100, *fields]))
    seen.append(enqueue(keys=["rq:job:1", "rq:queue:default"], args=["1", "R", 100, *fields]))
    seen.append(enqueue(keys=["rq:job:2", "rq:queue:default"], args=["2", "L", -1, *fields]))
    seen.append(enqueue(keys=["rq:job:3", "rq:queue:default"], args=["3", "N", -1]))
    schedule = r.register_script(scripts.UNIQUE_SCHEDULE_SCRIPT)
    seen.append(schedule(keys=["rq:job:4", "rq:scheduled:default", "rq:queues"],
                         args=["4", 50, 1700000000, "rq:queue:default", "status", "scheduled"]))
    seen.append(schedule(keys=["rq:job:4", "rq:scheduled:default", "rq:queues"],
                         args=["4", 50, 1700000000, "rq:queue:default"]))
    seen.append(scripts.acquire_or_refresh_lock(r, "rq:lock", "owner", 30))
    seen.append(scripts.acquire_or_refresh_lock(r, "rq:lock", "owner", 60))
    seen.append(scripts.acquire_or_refresh_lock(r, "rq:lock", "other", 60))
    seen.append(scripts.release_lock(r, "rq:lock", "other"))
    seen.append(scripts.release_lock(r, "rq:lock", "owner"))
    # the rate limiter's scripts: two jobs waiting, concurrency 1
    for job in ("a", "b"):
        r.hset(f"rq:job:{job}", mapping={"origin": "q", "status": "rate_limited",
                                          "enqueue_at_front": "1" if job == "b" else "0"})
        r.zadd("rq:rl:k:rate_limited", {job: 1.0 if job == "a" else 2.0})
    args = [1, 1700000000, "2024-01-01", "rq:queue:", "rq:job:"]
    acquire = r.register_script(ACQUIRE_AND_ENQUEUE_SCRIPT)
    release = r.register_script(RELEASE_AND_ENQUEUE_SCRIPT)
    stale = r.register_script(RELEASE_STALE_AND_ENQUEUE_SCRIPT)
    cleanup = r.register_script(CLEANUP_REGISTRY_SCRIPT)
    keys = ["rq:rl:k:allowed", "rq:rl:k:rate_limited"]
    seen.append(acquire(keys=keys, args=args))
    seen.append(acquire(keys=keys, args=args))
    seen.append(release(keys=keys, args=[*args, "a"]))
    seen.append(stale(keys=[*keys, "rq:job:b", "rq:executions:b"], args=[*args, "b"]))
    r.hset("rq:job:b", "status", "finished")
    seen.append(stale(keys=[*keys, "rq:job:b", "rq:executions:b"], args=[*args, "b"]))
    seen.append(cleanup(keys=[*keys, "rq:rl:k", "rq:rl-keys"], args=["k"]))
    return seen


# ---- limits ------------------------------------------------------------------------------


def limits_lib(r: redis_py.Redis) -> list[Any]:
    from limits import parse, storage, strategies

    store = storage.RedisStorage("redis://", connection_pool=r.connection_pool)
    seen: list[Any] = []
    for strategy in (strategies.FixedWindowRateLimiter, strategies.MovingWindowRateLimiter,
                     strategies.SlidingWindowCounterRateLimiter):
        limiter = strategy(store)
        item = parse("3/minute")
        hits = [limiter.hit(item, "user", strategy.__name__) for _ in range(5)]
        seen.append(hits)
        seen.append(limiter.test(item, "user", strategy.__name__))
        stats = limiter.get_window_stats(item, "user", strategy.__name__)
        seen.append(stats.remaining)
        seen.append(limiter.hit(parse("10/hour"), "bulk", strategy.__name__, cost=4))
    seen.append(sorted(k for k in r.keys("*")))
    seen.append(store.reset())
    return seen


def limits_scripts(r: redis_py.Redis) -> list[Any]:
    """Each of limits' shipped scripts, called with arguments that reach every branch."""
    root = importlib.resources.files("limits") / "resources" / "redis" / "lua_scripts"
    text = {p.name: p.read_text() for p in root.iterdir() if p.name.endswith(".lua")}
    assert len(text) >= 6, sorted(text)
    s = {name: r.register_script(body) for name, body in text.items()}
    seen: list[Any] = []
    seen.append(s["incr_expire.lua"](keys=["c"], args=[60, 1]))
    seen.append(s["incr_expire.lua"](keys=["c"], args=[60, 5]))
    for amount in (1, 2, 5):
        seen.append(s["acquire_moving_window.lua"](keys=["mw"], args=[1000, 4, 60, amount]))
    seen.append(s["moving_window.lua"](keys=["mw"], args=[900, 4]))
    seen.append(s["moving_window.lua"](keys=["none"], args=[900, 4]))
    for amount in (2, 2, 1):
        seen.append(s["acquire_sliding_window.lua"](keys=["p", "c2"], args=[3, 60, amount]))
    seen.append(s["sliding_window.lua"](keys=["p", "c2"], args=[60])[::2])
    r.set("LIMITS:x", 1)
    r.set("LIMITS:y", 2)
    seen.append(s["clear_keys.lua"](keys=["LIMITS:*"]))
    return seen


SCENARIOS: dict[str, Scenario] = {
    "redis_py_lock": redis_py_lock,
    "python_redis_lock": python_redis_lock,
    "rq_scripts": rq_scripts,
    "limits": limits_lib,
    "limits_scripts": limits_scripts,
}


@pytest.fixture
def memory_client() -> Iterator[redis_py.Redis]:
    client = redipy.Redis().redis_py()
    yield client
    client.close()


def _run(scenario: Scenario, client: redis_py.Redis) -> tuple[list[Any], list[Any]]:
    return scenario(client), keyspace(client)


@pytest.mark.parametrize("name", sorted(SCENARIOS))
def test_library_scripts(name: str, server: Server, memory_client: redis_py.Redis) -> None:
    real = redis_py.Redis(port=server.port)
    real.flushall()
    real.script_flush()
    try:
        want = _run(SCENARIOS[name], real)
    finally:
        real.close()
    got = _run(SCENARIOS[name], memory_client)
    assert got == want
