"""Real libraries, unchanged, on the redis-py drop-in: Django's RedisCache through its
documented settings (``pool_class`` and a URL naming a registered memory backend), with
expiries moved by the plugin's clock instead of sleeping."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

import redipy
import redipy.redispy
from redipy.pytest_plugin import Clock


@pytest.fixture
def django_cache() -> Iterator[tuple[Any, redipy.Redis, Clock]]:
    import django
    from django.conf import settings

    memory = redipy.Redis()
    redipy.redispy.register("django-cache", memory)
    clock = Clock(memory)
    if not settings.configured:
        settings.configure(CACHES={"default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://django-cache:6379/0",
            "TIMEOUT": 60,
            "KEY_PREFIX": "site",
            "OPTIONS": {"pool_class": "redipy.redispy.MemoryConnectionPool"},
        }})
        django.setup()
    from django.core.cache import caches

    cache = caches["default"]
    cache._cache._pools.clear()  # a fresh pool on this test's backend
    yield cache, memory, clock
    clock.restore()
    redipy.redispy.unregister("django-cache")


def test_django_redis_cache(django_cache: tuple[Any, redipy.Redis, Clock]) -> None:
    cache, memory, clock = django_cache
    assert cache.set("user", {"name": "Ada", "langs": ["en"]}, timeout=30) is None
    assert cache.get("user") == {"name": "Ada", "langs": ["en"]}
    assert cache.add("hits", 1) is True
    assert cache.add("hits", 5) is False
    assert cache.incr("hits", 10) == 11
    assert cache.decr("hits") == 10
    with pytest.raises(ValueError):
        cache.incr("missing")
    cache.set_many({"a": 1, "b": 2}, timeout=5)
    assert cache.get_many(["a", "b", "zz"]) == {"a": 1, "b": 2}
    cache.delete_many(["a", "zz"])
    assert cache.get("a", "gone") == "gone"
    assert cache.has_key("b")
    assert memory.ttl("site:1:b") == pytest.approx(5, abs=1)
    assert cache.touch("b", 100) is True
    assert memory.ttl("site:1:b") == pytest.approx(100, abs=1)
    assert cache.touch("nope", 100) is False
    clock.advance(31)
    assert cache.get("user") is None  # its 30 s passed
    assert cache.get("b") == 2
    cache.set("forever", "x", timeout=None)
    assert memory.ttl("site:1:forever") == -1
    assert sorted(memory.keys()) == ["site:1:b", "site:1:forever", "site:1:hits"]
    cache.clear()
    assert memory.keys() == set()
