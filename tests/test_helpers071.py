"""0.7.1's helpers (redipy.helpers): the stack and the cache on memory and on each server."""

from __future__ import annotations

import threading
import time

import pytest

import redipy
from redipy.helpers.cache import RCache
from redipy.helpers.stack import RStack


def test_stack_frames_shadow(r: redipy.Redis) -> None:
    stack = RStack(r)
    stack.set_value("s", "a", "outer")
    stack.set_value("s", "b", "kept")
    stack.push_frame("s")
    stack.set_value("s", "a", "inner")
    assert stack.get_value("s", "a") == "inner"
    assert stack.get_value("s", "b") is None
    assert stack.get_value("s", "b", cascade=True) == "kept"
    assert stack.get_value("s", "missing", cascade=True) is None
    assert stack.pop_frame("s") == {"a": "inner"}
    assert stack.get_value("s", "a") == "outer"
    assert stack.pop_frame("s") == {"a": "outer", "b": "kept"}
    assert stack.pop_frame("s") == {}
    assert r.exists("s:size", "s:frame:0") == 0


def test_cache_computes_once_and_waits_for_in_flight(r: redipy.Redis) -> None:
    calls: list[int] = []
    started = threading.Event()

    def compute(key: int) -> int:
        calls.append(key)
        started.set()
        time.sleep(0.2)
        return key * 2

    cache: RCache[int, int] = RCache(
        r, prefix="c", hasher=str, compute=compute, value_store=str, value_read=int)
    out: list[int] = []
    first = threading.Thread(target=lambda: out.append(cache.get_value(21)))
    first.start()
    assert started.wait(5)
    assert r.get_value("c:21") == ""  # in flight: the second caller waits for it
    assert cache.get_value(21, timeout=5) == 42
    first.join()
    assert out == [42] and calls == [21]
    assert cache.get_value(21) == 42 and calls == [21]
    assert r.get_value("c:21") == "42"


def test_cache_refuses_an_empty_stored_value() -> None:
    cache: RCache[str, str] = RCache(
        redipy.Redis(), prefix="", hasher=str, compute=lambda k: "",
        value_store=str, value_read=str)
    with pytest.raises(ValueError, match="mapping to ''"):
        cache.get_value("k")
