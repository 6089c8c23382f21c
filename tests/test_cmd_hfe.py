"""Hash-field expiration (Valkey 9.0+, HGETDEL 9.1) on the memory backend against
Valkey 9.1 (the older servers lack the commands: the parity helper skips them there,
and a test checks that they refuse them): per-field reply codes, every option and
conflict, each error in the server's order, expired fields vanishing for every hash
command, emptied hashes deleting their key, and active expiry of untouched fields."""

from __future__ import annotations

import time

import redis as redis_py

import redipy
from tests.parity import assert_same
from tests.servers import Server


def _newest(servers: dict[str, Server]) -> dict[str, Server]:
    """Only Valkey 9.1 has the commands; the others' state would differ from here on."""
    return {"valkey9": servers["valkey9"]}


_AT = "4102444800"  # 2100-01-01, in seconds
_AT_MS = _AT + "123"


def test_hexpire_family_parity(servers: dict[str, Server]) -> None:
    assert_same(_newest(servers), [
        ("HSET", "h", "a", "1", "b", "2", "c", "3", "d", "4"),
        ("HEXPIRE", "h", "100", "FIELDS", "2", "a", "x"),
        ("HEXPIRE", "h", "100", "NX", "FIELDS", "2", "a", "b"),
        ("HEXPIRE", "h", "200", "XX", "FIELDS", "3", "a", "b", "c"),
        ("HEXPIRE", "h", "50", "GT", "FIELDS", "3", "a", "b", "c"),
        ("HEXPIRE", "h", "50", "LT", "FIELDS", "3", "a", "b", "c"),
        ("HEXPIRE", "h", "10", "xx", "gt", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "10", "nx", "nx", "FIELDS", "1", "d"),
        ("HTTL", "h", "FIELDS", "5", "a", "b", "c", "d", "z"),
        ("HEXPIREAT", "h", _AT, "FIELDS", "1", "a"), ("HEXPIRETIME", "h", "FIELDS", "1", "a"),
        ("HPEXPIRETIME", "h", "FIELDS", "2", "a", "zz"),
        ("HPEXPIREAT", "h", _AT_MS, "FIELDS", "1", "b"),
        ("HPEXPIRETIME", "h", "FIELDS", "1", "b"), ("HEXPIRETIME", "h", "FIELDS", "1", "b"),
        ("HPTTL", "h", "FIELDS", "1", "nope"), ("HTTL", "nokey", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "0", "FIELDS", "2", "c", "zz"), ("HGETALL", "h"), ("HLEN", "h"),
        ("HPEXPIREAT", "h", "1", "FIELDS", "1", "d"), ("HEXPIREAT", "h", "0", "FIELDS", "1", "q"),
        ("HEXPIRE", "h", "10", "FIELDS", "1", "fields"),
        ("HEXPIRE", "nokey", "10", "FIELDS", "2", "a", "b"),
        ("HEXPIRE", "h", "10", "FIELDS", "2", "a"), ("HEXPIRE", "h", "10", "FIELDS", "0"),
        ("HEXPIRE", "h", "10", "FIELDS", "3", "a"), ("HEXPIRE", "h", "10", "FIELDS", "x", "a"),
        ("HEXPIRE", "h", "10", "FIELDS", "-1", "a"), ("HEXPIRE", "h", "x", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "-1", "FIELDS", "1", "a"), ("HEXPIRE", "h", "10", "foo", "1", "a"),
        ("HEXPIRE", "h", "10", "nx", "xx", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "10", "gt", "lt", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "10", "bogus", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "10", "FIELDS", "1", "a", "b"), ("HEXPIRE", "h", "10", "nx"),
        ("HEXPIRE", "h", "100000000000000", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "10000000000000000", "FIELDS", "1", "a"),
        ("HPEXPIRE", "h", "9223372036854775807", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "x", "bogus", "FIELDS", "1", "a"),
        ("SET", "s", "x"), ("HEXPIRE", "s", "10", "FIELDS", "1", "a"),
        ("HEXPIRE", "s", "-1", "FIELDS", "1", "a"), ("HTTL", "s", "FIELDS", "1", "a"),
        ("HTTL", "h", "FIELDS", "0", "a"), ("HTTL", "h", "FIELDS", "2", "a"),
        ("HTTL", "h", "foo", "1", "a"), ("HTTL", "h", "FIELDS", "x", "a"),
        ("HTTL", "h", "FIELDS", "0"),
        ("HPERSIST", "h", "FIELDS", "3", "a", "b", "zz"), ("HTTL", "h", "FIELDS", "2", "a", "b"),
        ("HPERSIST", "nokey", "FIELDS", "1", "a"), ("HPERSIST", "s", "FIELDS", "1", "a"),
        ("HPERSIST", "h", "foo", "x", "a"), ("HPERSIST", "h", "FIELDS", "2", "a"),
        ("HPERSIST", "h", "FIELDS", "x", "a"), ("HPERSIST", "h", "FIELDS", "0", "a"),
        ("HEXPIRE", "h", "100", "FIELDS", "1", "a"), ("HSET", "h", "a", "new"),
        ("HTTL", "h", "FIELDS", "1", "a"), ("HEXPIRE", "h", "100", "FIELDS", "1", "a"),
        ("HINCRBY", "h", "b", "1"), ("HSETNX", "h", "a", "z"), ("HTTL", "h", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "100", "FIELDS", "1", "b"), ("HINCRBYFLOAT", "h", "b", "1.5"),
        ("HTTL", "h", "FIELDS", "1", "b"), ("OBJECT", "ENCODING", "h"),
        ("HPERSIST", "h", "FIELDS", "2", "a", "b"), ("OBJECT", "ENCODING", "h"),
        ("HDEL", "h", "a"), ("HTTL", "h", "FIELDS", "1", "a"),
        ("HEXPIRE", "h", "0", "FIELDS", "1", "b"), ("EXISTS", "h"),
    ])


def test_hgetex_hsetex_hgetdel_parity(servers: dict[str, Server]) -> None:
    assert_same(_newest(servers), [
        ("HSET", "h", "a", "1", "b", "2", "c", "3"), ("SET", "s", "x"),
        ("HSETEX", "h", "EXAT", "1", "FIELDS", "2", "a", "x", "q", "y"), ("HGETALL", "h"),
        ("HSETEX", "h", "PX", "0", "FIELDS", "2", "q", "y", "z", "w"),
        ("HSETEX", "h", "EX", "100", "FIELDS", "2", "b", "y", "n", "z"),
        ("HTTL", "h", "FIELDS", "3", "b", "n", "c"),
        ("HSETEX", "h", "KEEPTTL", "FIELDS", "1", "b", "k"), ("HTTL", "h", "FIELDS", "1", "b"),
        ("HSETEX", "h", "FIELDS", "1", "b", "p"), ("HTTL", "h", "FIELDS", "1", "b"),
        ("HSETEX", "h", "NX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "XX", "FNX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "FXX", "FIELDS", "2", "a", "9", "zz", "9"),
        ("HSETEX", "h", "FNX", "FIELDS", "1", "a", "9"),
        ("HSETEX", "h", "FXX", "EXAT", _AT, "FIELDS", "2", "a", "8", "b", "7"),
        ("HEXPIRETIME", "h", "FIELDS", "2", "a", "b"), ("HGETALL", "h"),
        ("HSETEX", "h", "EX", "100", "EX", "100", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "FIELDS", "1", "a"), ("HSETEX", "h", "EX", "-1", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "EX", "x", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "EX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "PX", "100", "KEEPTTL", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "GET", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "PERSIST", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "FOO", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "NX", "XX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "FNX", "FXX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "EX", "1", "PX", "1", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "FIELDS", "2", "a", "b"), ("HSETEX", "h", "FIELDS", "0", "a", "b"),
        ("HSETEX", "h", "FIELDS", "x", "a", "b"), ("HSETEX", "h", "a", "b", "c", "d"),
        ("HSETEX", "s", "EX", "10", "FIELDS", "1", "a", "b"),
        ("HSETEX", "h", "NX", "EX", "-1", "FIELDS", "1", "a", "b"),
        ("HSETEX", "new", "XX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "new", "FXX", "FIELDS", "1", "a", "b"),
        ("HSETEX", "new", "PX", "0", "FIELDS", "1", "a", "b"), ("EXISTS", "new"),
        ("HSETEX", "new", "EX", "100", "FIELDS", "2", "a", "1", "a", "2"),
        ("HGET", "new", "a"), ("HTTL", "new", "FIELDS", "1", "a"),
        ("HSETEX", "fields", "FIELDS", "1", "a", "b"),
        ("HSET", "g", "a", "1", "b", "2", "c", "3"),
        ("HGETEX", "g", "FIELDS", "2", "a", "z"),
        ("HGETEX", "g", "EX", "100", "FIELDS", "2", "a", "z"),
        ("HTTL", "g", "FIELDS", "2", "a", "b"), ("HGETEX", "g", "PERSIST", "FIELDS", "1", "a"),
        ("HTTL", "g", "FIELDS", "1", "a"),
        ("HGETEX", "g", "PXAT", _AT_MS, "FIELDS", "2", "b", "c"),
        ("HPEXPIRETIME", "g", "FIELDS", "2", "b", "c"),
        ("HGETEX", "g", "PX", "0", "FIELDS", "1", "a"), ("HGETALL", "g"),
        ("HGETEX", "g", "EXAT", "1", "FIELDS", "2", "b", "c"), ("EXISTS", "g"),
        ("HGETEX", "nokey", "FIELDS", "1", "a"),
        ("HGETEX", "nokey", "EX", "10", "FIELDS", "1", "a"),
        ("HGETEX", "nokey", "EX", "-1", "FIELDS", "1", "a"),
        ("HGETEX", "s", "EX", "-1", "FIELDS", "1", "a"), ("HGETEX", "s", "FIELDS", "1", "a"),
        ("HGETEX", "h", "EX", "10", "PX", "10", "FIELDS", "1", "a"),
        ("HGETEX", "h", "NX", "FIELDS", "1", "a"), ("HGETEX", "h", "KEEPTTL", "FIELDS", "1", "a"),
        ("HGETEX", "h", "PERSIST", "EX", "1", "FIELDS", "1", "a"),
        ("HGETEX", "h", "EX", "x", "FIELDS", "1", "a"), ("HGETEX", "h", "FIELDS", "0", "a"),
        ("HGETEX", "h", "FIELDS", "2", "a"), ("HGETEX", "h", "foo", "1", "a"),
        ("HGETEX", "fields", "FIELDS", "1", "a"),
        # the one-field shapes (memory's fast paths) against the same server answers
        ("HSET", "f", "a", "1"), ("HGETEX", "f", "EX", "100", "FIELDS", "1", "a"),
        ("HGETEX", "f", "PX", "100000", "FIELDS", "1", "zz"), ("HTTL", "f", "FIELDS", "1", "a"),
        ("HGETEX", "s", "EX", "10", "FIELDS", "1", "a"),
        ("HGETEX", "no", "PX", "5", "FIELDS", "1", "a"),
        ("HGETEX", "f", "EX", "0", "FIELDS", "1", "a"),
        ("HGETEX", "f", "EX", "-1", "FIELDS", "1", "a"),
        ("HPEXPIRE", "f", "0", "FIELDS", "1", "a"), ("EXISTS", "f"),
        ("HPEXPIRE", "s", "10", "FIELDS", "1", "a"), ("HPEXPIRE", "no", "10", "FIELDS", "1", "a"),
        ("HTTL", "s", "FIELDS", "1", "a"), ("HTTL", "no", "FIELDS", "1", "a"),
        ("HSET", "d", "a", "1", "b", "2", "c", "3"),
        ("HGETDEL", "d", "FIELDS", "2", "a", "z"), ("HGETDEL", "d", "FIELDS", "2", "b", "b"),
        ("HGETDEL", "d", "FIELDS", "1", "c"), ("EXISTS", "d"),
        ("HGETDEL", "d", "FIELDS", "1", "a"), ("HGETDEL", "d", "FIELDS", "2", "a"),
        ("HGETDEL", "d", "foo", "1", "a"), ("HGETDEL", "d", "FIELDS", "x", "a"),
        ("HGETDEL", "d", "FIELDS", "0", "a"), ("HGETDEL", "s", "FIELDS", "1", "a"),
    ])


def test_older_servers_refuse_field_ttls(servers: dict[str, Server]) -> None:
    for kind in ("valkey", "redis"):
        raw = redis_py.Redis(port=servers[kind].port)
        try:
            raw.execute_command("HEXPIRE", "h", "10", "FIELDS", "1", "a")
        except redis_py.ResponseError as err:
            assert "unknown command" in str(err)
        else:
            raise AssertionError(f"{kind} has HEXPIRE")
        raw.close()


def test_expired_fields_vanish_everywhere(servers: dict[str, Server]) -> None:
    """Short TTLs, then a pause: every read sees the same survivors as the server."""
    setup = [("HSET", "h", *(p for i in range(6) for p in (f"f{i}", str(i)))),
             ("HPEXPIRE", "h", "30", "FIELDS", "3", "f0", "f1", "f2"),
             ("HSET", "gone", "a", "1"), ("HPEXPIRE", "gone", "30", "FIELDS", "1", "a")]
    after = [("HLEN", "h"), ("HGETALL", "h"), ("HKEYS", "h"), ("HVALS", "h"),
             ("HMGET", "h", "f0", "f3"), ("HEXISTS", "h", "f1"), ("HGET", "h", "f2"),
             ("HSTRLEN", "h", "f0"), ("HRANDFIELD", "h", "10"), ("HINCRBY", "h", "f0", "5"),
             ("HTTL", "h", "FIELDS", "2", "f0", "f1"), ("EXISTS", "gone"), ("HLEN", "gone"),
             ("SORT", "nokey")]
    clients = {"memory": redipy.Redis()}
    for kind, srv in servers.items():
        if kind == "valkey9":
            raw = redis_py.Redis(port=srv.port)
            raw.flushall()
            raw.close()
            clients[kind] = redipy.Redis(url=srv.url)
    for client in clients.values():
        for cmd in setup:
            client.execute_command(*cmd)
    time.sleep(0.25)
    # Valkey 9.1's HLEN (and EXISTS of a hash whose every field expired) count expired
    # fields until its active expiry reclaims them, which can take a few cycles under
    # load; memory never counts them. Compare once the server has reclaimed them.
    server = clients["valkey9"]
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and (
            server.execute_command("HLEN", "h") != 3
            or server.execute_command("EXISTS", "gone") != 0):
        time.sleep(0.02)
    got = {kind: [c.execute_command(*cmd) if cmd[1] != "h" or cmd[0] != "HRANDFIELD"
                  else sorted(set(c.execute_command(*cmd))) for cmd in after]
           for kind, c in clients.items()}
    assert got["memory"] == got["valkey9"]
    assert got["memory"][0] == 3


def test_untouched_fields_expire_actively() -> None:
    r = redipy.Redis()
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    r.execute_command("HPEXPIRE", "h", "20", "FIELDS", "1", "a")
    r.execute_command("HSET", "g", "a", "1")
    r.execute_command("HPEXPIRE", "g", "20", "FIELDS", "1", "a")
    db = r.backend.db  # type: ignore[attr-defined]
    deadline = time.time() + 2
    while time.time() < deadline and ("a" in db.data["h"].map or "g" in db.data):
        time.sleep(0.02)
    assert "a" not in db.data["h"].map and "g" not in db.data  # nothing read them


def test_hfe_typed(backend: str, servers: dict[str, Server]) -> None:
    if backend not in ("memory", "valkey9"):
        return
    r = redipy.Redis() if backend == "memory" else redipy.Redis(url=servers[backend].url)
    r.flushall()
    r.hset("h", mapping={"a": "1", "b": "2"})
    assert r.hexpire("h", 100, "a", "zz") == [1, -2]
    assert r.hexpire("h", 50, "a", gt=True) == [0]
    assert r.httl("h", "a", "b") == [100, -1]
    assert r.hpexpire("h", 100000, "b", nx=True) == [1]
    assert 0 < r.hpttl("h", "b")[0] <= 100000
    assert r.hexpireat("h", int(_AT), "a") == [1] and r.hexpiretime("h", "a") == [int(_AT)]
    assert r.hpexpireat("h", int(_AT_MS), "a") == [1]
    assert r.hpexpiretime("h", "a") == [int(_AT_MS)]
    assert r.hpersist("h", "a", "b", "c") == [1, 1, -2]
    assert r.hgetex("h", "a", "zz", ex=100) == ["1", None] and r.httl("h", "a") == [100]
    assert r.hgetex("h", "a", persist=True) == ["1"] and r.httl("h", "a") == [-1]
    assert r.hsetex("h", mapping={"c": "3"}, px=100000) == 1
    assert r.hsetex("h", "c", "4", data_persist_option="FNX") == 0
    assert r.hsetex("h", "c", "5", keepttl=True) == 1 and r.hget("h", "c") == "5"
    assert r.hgetdel("h", "a", "c", "zz") == ["1", "5", None]
    assert r.hgetall("h") == {"b": "2"}
    r.close()


def test_records_leave_expired_fields_out() -> None:
    """What migration and snapshots read of a memory hash: only live fields."""
    from redipy.memory.records import KeyspaceView

    r = redipy.Redis()
    r.execute_command("HSET", "h", "a", "1", "b", "2")
    r.execute_command("HSET", "g", "a", "1")
    now = r.backend.db.clock()  # type: ignore[attr-defined]
    r.backend.db.data["h"].expire_at("a", now - 1)  # type: ignore[attr-defined]
    r.backend.db.data["g"].expire_at("a", now - 1)  # type: ignore[attr-defined]
    view = KeyspaceView(r.backend)
    with view.locked():
        assert view.flat_list("h") == ["b", "2"] and list(view.flat("h")) == ["b", "2"]
        assert view.flat_list("g") == [] and r.backend.db.data.get("g") is None  # type: ignore[attr-defined]


def test_active_field_expiry_is_bounded_and_in_deadline_order() -> None:
    """A reaper cycle looks at the hashes whose soonest field deadline passed, at most
    a batch of them, not at every hash with field TTLs (a server's active expiry is
    bounded the same way); a nearer deadline given later is honoured."""
    r = redipy.Redis()
    db = r.backend.db  # type: ignore[attr-defined]
    frozen = [10_000_000]
    with db.lock:  # the reaper waits: it takes this lock
        db.clock = lambda: frozen[0]
        for i in range(1000):
            r.execute_command("HSET", f"far{i}", "a", "1", "b", "2")
            r.execute_command("HPEXPIRE", f"far{i}", "3600000", "FIELDS", "1", "a")
        for i in range(300):
            r.execute_command("HSET", f"near{i}", "a", "1", "b", "2")
            r.execute_command("HPEXPIRE", f"near{i}", "500000", "FIELDS", "1", "a")
            # a nearer deadline on a hash already queued under a later one
            r.execute_command("HPEXPIRE", f"near{i}", "100", "FIELDS", "1", "b")
        assert db.reclaim_fields(200) == 0  # nothing due: no hash looked at
        frozen[0] += 1000
        assert db.fields_due()
        assert db.reclaim_fields(200) == 200
        assert db.reclaim_fields(200) == 100 and not db.fields_due()
        assert all("b" not in db.data[f"near{i}"].map for i in range(300))
        assert all("a" in db.data[f"near{i}"].map for i in range(300))
        # one live entry per hash; stale ones (a nearer deadline queued) stay bounded
        assert len(db.hfe) == 1300 and len(db._hfe_due) <= 2 * 1300 + 64
        for step in range(5000):  # deadlines brought nearer again and again
            r.execute_command("HPEXPIRE", "far0", str(3_000_000 - step), "FIELDS", "1", "a")
        assert len(db._hfe_due) <= 2 * 1300 + 64
        frozen[0] += 500_000
        assert db.reclaim_fields(1000) == 300
        assert all(f"near{i}" not in db.data for i in range(300))  # emptied: deleted
        assert len(db.hfe) == 1000 and db.reclaim_fields(1000) == 0


def test_active_field_expiry_follows_renamed_and_recreated_hashes() -> None:
    r = redipy.Redis()
    db = r.backend.db  # type: ignore[attr-defined]
    frozen = [10_000_000]
    with db.lock:
        db.clock = lambda: frozen[0]
        r.execute_command("HSET", "old", "a", "1", "b", "2")
        r.execute_command("HPEXPIRE", "old", "100", "FIELDS", "1", "a")
        r.execute_command("RENAME", "old", "new")
        r.execute_command("HSET", "gone", "a", "1", "b", "2")
        r.execute_command("HPEXPIRE", "gone", "100", "FIELDS", "1", "a")
        r.execute_command("DEL", "gone")
        r.execute_command("HSET", "gone", "a", "1", "b", "2")  # a new hash, later TTL
        r.execute_command("HPEXPIRE", "gone", "5000", "FIELDS", "1", "b")
        frozen[0] += 200
        while db.reclaim_fields(10):
            pass
        assert db.data["new"].map == {"b": "2"}
        assert db.data["gone"].map == {"a": "1", "b": "2"}  # not due yet
        frozen[0] += 5000
        while db.reclaim_fields(10):
            pass
        assert db.data["gone"].map == {"a": "1"}
        assert not db.hfe and not db._hfe_due
