"""Active expiry and the random-pick index of the memory backend.

Keys whose TTL passed go without anyone touching them (on every backend: servers do
it too), DBSIZE is O(1), TTL refreshes keep the expiry index small, the keyspace
invariants hold while threads churn keys through the reaper, and random picks stay
uniform and SCAN complete after many deletions.
"""

from __future__ import annotations

import random
import threading
import time
from collections import Counter

import redipy
from redipy.memory.db import BUCKET_BITS, Database


def stored(r: redipy.Redis) -> Database:
    return r._backend.db  # type: ignore[attr-defined,no-any-return]


def wait_for(cond: object, seconds: float) -> bool:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        if cond():  # type: ignore[operator]
            return True
        time.sleep(0.02)
    return False


def test_expired_keys_go_without_access(r: redipy.Redis) -> None:
    """No command touches the keys: DBSIZE (which counts unreclaimed keys on a server
    too) reaches the number of keys without a TTL on its own."""
    for i in range(300):
        r.set(f"short:{i}", "v", px=30)
    r.set("stays", "v")
    r.set("later", "v", ex=100)
    assert wait_for(lambda: r.dbsize() == 2, 3.0), r.dbsize()
    assert r.get("stays") == "v" and r.ttl("later") > 90


def test_memory_reclaims_the_storage() -> None:
    r = redipy.Redis()
    db = stored(r)
    for i in range(5000):
        r.set(f"k:{i}", "v" * 100, px=20 + i % 50)
    r.hset("h", {"f": "v"})
    r.pexpire("h", 40)
    assert wait_for(lambda: not db.data, 3.0)
    assert not db.expires and not db._buckets and len(db.keyset) == 0


def test_dbsize_is_constant_time() -> None:
    """DBSIZE no longer reclaims under the lock: it is len() of the keyspace."""
    db = Database()
    frozen = [1_000_000]
    db.clock = lambda: frozen[0]
    for i in range(1000):
        db.put(f"k:{i}", "v")
        db.set_expiry(f"k:{i}", frozen[0] + 10)
    frozen[0] += 1 << (BUCKET_BITS + 1)  # every key is past its deadline now
    assert db.size() == 1000  # not reclaimed yet: counted, as a server counts them
    assert db.get("k:1") is None and db.size() == 999  # lazy expiry still works
    db.reclaim_all()
    assert db.size() == 0 and not db.expires and not db._buckets


def test_ttl_refreshes_keep_the_index_small() -> None:
    db = Database()
    frozen = [5_000_000]
    db.clock = lambda: frozen[0]
    for i in range(100):
        db.put(f"k:{i}", "v")
    for step in range(20_000):
        frozen[0] += 3
        key = f"k:{step % 100}"
        db.set_expiry(key, frozen[0] + 3_600_000)
    assert len(db.expires) == 100
    assert sum(len(b) for b in db._buckets.values()) == 100
    assert len(db._due) <= 2 * len(db._buckets) + 64


def check_invariants(db: Database) -> None:
    assert len(db.keyset) == len(db.data)
    assert set(db.keyset.items) == set(db.data)
    assert set(db.expires) <= set(db.data)
    in_buckets = {k: n for n, b in db._buckets.items() for k in b}
    assert len(in_buckets) == len(db.expires)
    for key, when in db.expires.items():
        assert in_buckets[key] == when >> BUCKET_BITS


def test_threads_and_the_reaper_keep_the_keyspace_consistent() -> None:
    r = redipy.Redis()
    db = stored(r)
    stop = time.monotonic() + 1.5
    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        rnd = random.Random(seed)
        try:
            while time.monotonic() < stop:
                key = f"k:{rnd.randrange(500)}"
                op = rnd.randrange(6)
                if op == 0:
                    r.set(key, "v", px=rnd.randrange(1, 60))
                elif op == 1:
                    r.set(key, "v")
                elif op == 2:
                    r.pexpire(key, rnd.randrange(1, 80))
                elif op == 3:
                    r.delete(key)
                elif op == 4:
                    r.persist(key)
                else:
                    r.randomkey()
        except BaseException as err:
            errors.append(err)

    threads = [threading.Thread(target=worker, args=(s,)) for s in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    with db.lock:
        check_invariants(db)
    assert wait_for(lambda: not db.expires, 3.0)
    with db.lock:
        check_invariants(db)


def test_random_picks_stay_uniform_after_churn() -> None:
    """A member deleted and re-added many times is not picked more often."""
    r, keys = redipy.Redis(), redipy.Redis()
    r.sadd("s", *[f"m{i}" for i in range(10)])
    r.hset("h", {f"m{i}": "v" for i in range(10)})
    for _ in range(5000):
        r.srem("s", "m0")
        r.sadd("s", "m0")
        r.hdel("h", "m0")
        r.hset("h", {"m0": "v"})
        keys.delete("k0")
        keys.set("k0", "v")
    for i in range(1, 10):
        keys.set(f"k{i}", "v")
    for picks in (
        Counter(r.srandmember("s") for _ in range(20_000)),
        Counter(r.hrandfield("h") for _ in range(20_000)),
        Counter(keys.randomkey() for _ in range(20_000)),
    ):
        assert len(picks) == 10
        assert all(1500 < n < 2500 for n in picks.values()), picks


def test_scan_returns_members_present_throughout() -> None:
    """Deletions and additions between SSCAN / HSCAN / ZSCAN / SCAN calls never hide a
    member that stays."""
    r = redipy.Redis()
    stay = [f"stay{i}" for i in range(300)]
    gone = [f"gone{i}" for i in range(300)]
    r.sadd("s", *stay, *gone)
    r.hset("h", {m: "v" for m in [*stay, *gone]})
    r.zadd("z", {m: 1.0 for m in [*stay, *gone]})
    r.mset({m: "v" for m in [*stay, *gone]})
    walks = {
        "s": lambda cur: r.sscan("s", cur, count=10),
        "h": lambda cur: (lambda c, d: (c, list(d)))(*r.hscan("h", cur, count=10)),
        "z": lambda cur: (lambda c, d: (c, [m for m, _ in d]))(*r.zscan("z", cur, count=10)),
        "keys": lambda cur: r.scan(cur, count=10),
    }
    for name, walk in walks.items():
        order = list(gone)
        random.Random(name).shuffle(order)
        seen: set[str] = set()
        cursor, step = 0, 0
        while True:
            cursor, part = walk(cursor)
            seen.update(part)
            if cursor == 0:
                break
            for _ in range(3):  # churn between two calls
                if order:
                    victim = order.pop()
                    r.srem("s", victim)
                    r.hdel("h", victim)
                    r.zrem("z", victim)
                    r.delete(victim)
                new = f"new:{name}:{step}"
                r.sadd("s", new)
                r.hset("h", {new: "v"})
                r.zadd("z", {new: 1.0})
                r.set(new, "v")
                r.srandmember("s")  # picks purge ghosts, moving slots around
                r.hrandfield("h")
                r.randomkey()
                step += 1
        assert set(stay) <= seen, name
