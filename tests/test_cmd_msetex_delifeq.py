"""MSETEX (Valkey 9.1, Redis 8.4) and DELIFEQ (Valkey 9.0) on the memory backend against
the servers that have them, and refused by name on those that do not: every error in the
server's order, NX/XX over all keys, each expiry word, and values changed in place."""

from __future__ import annotations

import time

import pytest
import redis as redis_py

import redipy
from redipy.commands import COMMANDS
from tests.conftest import make_client
from tests.parity import assert_same, family_version
from tests.servers import Server


def _having(servers: dict[str, Server], name: str) -> dict[str, Server]:
    have = {k: s for k, s in servers.items()
            if COMMANDS[name].available_on(*family_version(s))}
    assert have, f"no test server has {name}"
    return have


def test_msetex_parity(servers: dict[str, Server]) -> None:
    future = str(int(time.time()) + 1000)
    assert_same(_having(servers, "MSETEX"), [
        ("MSETEX", "1", "a", "1"), ("MGET", "a"), ("TTL", "a"),
        ("MSETEX", "2", "a", "2", "b", "2", "EX", "100"), ("TTL", "a"), ("TTL", "b"),
        ("MSETEX", "2", "a", "3", "c", "3", "NX"), ("MGET", "a", "c"),
        ("MSETEX", "2", "c", "3", "d", "3", "nx", "PX", "50000"), ("TTL", "c"),
        ("MSETEX", "2", "a", "4", "zz", "4", "XX"), ("MGET", "a", "zz"),
        ("MSETEX", "2", "a", "5", "b", "5", "XX", "KEEPTTL"), ("TTL", "a"), ("MGET", "a", "b"),
        ("MSETEX", "1", "a", "6"), ("TTL", "a"),
        ("MSETEX", "1", "e", "1", "EXAT", future), ("EXPIRETIME", "e"),  # TTL: the clock
        ("MSETEX", "1", "e", "1", "PXAT", future + "000"), ("PEXPIRETIME", "e"),
        ("MSETEX", "1", "e", "1", "EXAT", "1"), ("EXISTS", "e"),
        ("MSETEX", "1", "a", "1", "NX", "NX"), ("MSETEX", "1", "a", "1", "KEEPTTL", "KEEPTTL"),
        ("MSETEX", "1", "a", "1", "EX", "5", "EX", "60"), ("TTL", "a"),
        ("MSETEX", "2", "n", "1", "n", "2", "NX"), ("GET", "n"),
        ("RPUSH", "l", "x"), ("MSETEX", "1", "l", "v", "NX"), ("TYPE", "l"),
        ("MSETEX", "1", "l", "v", "XX"), ("TYPE", "l"),
        ("SETRANGE", "s", "0", "abc"), ("MSETEX", "1", "s", "x", "XX"), ("GET", "s"),
        # errors, in the server's order
        ("MSETEX",), ("MSETEX", "1"), ("MSETEX", "1", "a"), ("MSETEX", "0"),
        ("MSETEX", "0", "a", "1"), ("MSETEX", "-1", "a", "1"), ("MSETEX", "x", "a", "1"),
        ("MSETEX", "01", "a", "1"), ("MSETEX", "+1", "a", "1"), ("MSETEX", "1.5", "a", "1"),
        ("MSETEX", "2147483648", "a", "1"), ("MSETEX", "2147483647", "a", "1"),
        ("MSETEX", "99999999999999999999", "a", "1"),
        ("MSETEX", "2", "a", "1"), ("MSETEX", "1", "a", "1", "b"),
        ("MSETEX", "1", "a", "1", "b", "2"), ("MSETEX", "1", "a", "1", "NX", "XX"),
        ("MSETEX", "1", "a", "1", "NX", "XX", "NX"), ("MSETEX", "1", "a", "1", "GET"),
        ("MSETEX", "1", "a", "1", "IFEQ", "1"), ("MSETEX", "1", "a", "1", "PERSIST"),
        ("MSETEX", "1", "a", "1", "EX", "1", "PX", "1"), ("MSETEX", "1", "a", "1", "EX"),
        ("MSETEX", "1", "a", "1", "KEEPTTL", "EX", "5"), ("MSETEX", "1", "a", "1", "FOO"),
        ("MSETEX", "1", "a", "1", "EX", "x", "FOO"), ("MSETEX", "1", "a", "1", "EX", "0"),
        ("MSETEX", "1", "a", "1", "EX", "-1"), ("MSETEX", "1", "a", "1", "EX", "x"),
        ("MSETEX", "1", "a", "1", "EX", "1.5"), ("MSETEX", "1", "a", "1", "PX", "00010"),
        ("MSETEX", "1", "a", "1", "EXAT", "0"),
        ("MSETEX", "1", "a", "1", "EX", "9223372036854775"),
        ("MSETEX", "1", "a", "1", "PX", "9223372036854775807"),
        ("MSETEX", "1", "a", "1", "PXAT", "9223372036854775807"), ("TTL", "a"),
        ("COMMAND", "GETKEYS", "MSETEX", "2", "a", "1", "b", "2", "NX"),
    ])


def test_delifeq_parity(servers: dict[str, Server]) -> None:
    assert_same(_having(servers, "DELIFEQ"), [
        ("SET", "a", "x"), ("DELIFEQ", "a", "y"), ("EXISTS", "a"), ("DELIFEQ", "a", "x"),
        ("EXISTS", "a"), ("DELIFEQ", "a", "x"), ("DELIFEQ", "missing", ""),
        ("SET", "e", ""), ("DELIFEQ", "e", ""), ("EXISTS", "e"),
        ("SET", "b", "\x00\xff\u00e9"), ("DELIFEQ", "b", "\x00\xff"),
        ("DELIFEQ", "b", "\x00\xff\u00e9"),
        ("SETRANGE", "c", "2", "yz"), ("DELIFEQ", "c", "\x00\x00yz"), ("EXISTS", "c"),
        ("SET", "t", "v", "EX", "100"), ("DELIFEQ", "t", "v"), ("TTL", "t"),
        ("RPUSH", "l", "x"), ("DELIFEQ", "l", "x"), ("DELIFEQ", "l", "y"), ("TYPE", "l"),
        ("DELIFEQ", "a"), ("DELIFEQ", "a", "x", "y"), ("DELIFEQ",),
    ])


@pytest.mark.parametrize("name", ["MSETEX", "DELIFEQ"])
def test_older_servers_do_not_know_them(name: str, servers: dict[str, Server]) -> None:
    """The table's version fields say which servers lack the command; they must answer
    'unknown command' (so the parity runs above really cover every server that has it)."""
    lacking = {k: s for k, s in servers.items() if k not in _having(servers, name)}
    assert lacking, "every test server has the command: no version gate is tested"
    for srv in lacking.values():
        raw = redis_py.Redis(port=srv.port)
        with pytest.raises(redis_py.ResponseError, match="unknown command"):
            raw.execute_command(name, "1", "k", "v")
        raw.close()


@pytest.mark.parametrize("kind", ["memory", "valkey9"])
def test_typed_methods(kind: str, servers: dict[str, Server]) -> None:
    r = make_client(kind, servers)
    assert r.msetex({"a": "1", "b": 2}, ex=100) is True
    assert r.mget("a", "b") == ["1", "2"] and 0 < r.ttl("a") <= 100
    assert r.msetex({"a": "x", "c": "y"}, "NX") is False
    assert r.msetex({"a": "3", "b": "3"}, data_persist_option="XX", keepttl=True) is True
    assert r.get("a") == "3" and 0 < r.ttl("b") <= 100
    assert r.msetex({"p": "1"}, px=50_000) is True and 0 < r.ttl("p") <= 50
    assert r.delifeq("a", "nope") is False and r.delifeq("a", "3") is True
    assert r.exists("a") == 0
    r.rpush("l", "x")
    with pytest.raises(redipy.errors.WrongTypeError):
        r.delifeq("l", "x")
    with pytest.raises(redipy.errors.ResponseError, match="syntax error"):
        r.msetex({"a": "1"}, ex=1, px=1)
    r.close()
