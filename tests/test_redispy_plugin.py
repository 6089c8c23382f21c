"""The pytest plugin (``redipy.pytest_plugin``, loaded through its ``pytest11`` entry
point) run on a user's test file by pytester: every fixture, the option that runs a test
on each backend, the clock and snapshot seeding."""

from __future__ import annotations

from pathlib import Path

import pytest
from redipy.migrate import dump

import redipy

pytest_plugins = ("pytester",)

USER_TESTS = '''
import asyncio

import pytest
import redis
import redis.asyncio


def test_memory_fixtures(redis_py, redipy_memory):
    assert isinstance(redis_py, redis.Redis)
    redis_py.set("k", "v")
    assert redipy_memory.get_value("k") == "v"


def test_each_backend_starts_empty(redis_py, redipy_backend):
    assert redis_py.incr("n") == 1
    assert redis_py.dbsize() == 1


def test_async_client(aredis_py):
    async def run():
        assert isinstance(aredis_py, redis.asyncio.Redis)
        await aredis_py.set("a", 1)
        return await aredis_py.get("a")
    assert asyncio.run(run()) == b"1"


def test_clock_moves_expiry_and_time(redis_py, redipy_clock):
    redis_py.set("session", "x", ex=3600)
    before = redis_py.time()[0]
    redipy_clock.advance(3599)
    assert redis_py.ttl("session") == 1
    redipy_clock.advance(2)
    assert redis_py.get("session") is None
    assert redis_py.time()[0] - before >= 3601


@pytest.mark.redipy_snapshot("seed.jsonl")
def test_seeded(redis_py):
    assert redis_py.get("seeded") == b"yes"
    assert redis_py.lrange("queue", 0, -1) == [b"a", b"b"]


def test_real_server(redis_server):
    client = redis_server.client()
    assert client.dbsize() == 0
    client.set("only-here", 1)
    assert client.get("only-here") == b"1"


def test_real_server_was_flushed(redis_server):
    assert redis_server.client().dbsize() == 0


def test_served_to_another_process(redipy_memory, redipy_serve):
    import subprocess
    import sys

    redipy_memory.set_value("from-test", "1")
    code = ("import redis, sys; c = redis.Redis.from_url(sys.argv[1]); "
            "c.set('from-child', c.get('from-test') + b'+child')")
    subprocess.run([sys.executable, "-c", code, redipy_serve.url], check=True, timeout=60)
    assert redipy_memory.get_value("from-child") == "1+child"
'''


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    src = redipy.Redis()
    src.set_value("seeded", "yes")
    src.rpush("queue", "a", "b")
    report = dump(src, str(Path(pytester.path) / "seed.jsonl"))
    assert report.ok
    pytester.makepyfile(test_user=USER_TESTS)
    return pytester


def test_fixtures_on_memory(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=8)


def test_every_test_on_both_backends(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-p", "no:cacheprovider",
                                          "--redipy-backends=memory,server", "-v")
    # backend-parametrized tests run twice; those reaching into memory only once
    result.assert_outcomes(passed=11)
    result.stdout.fnmatch_lines(["*test_each_backend_starts_empty?server? PASSED*",
                                 "*test_seeded?server? PASSED*"])


def test_unknown_backend_is_one_clear_line(project: pytest.Pytester) -> None:
    result = project.runpytest_subprocess("-q", "-p", "no:cacheprovider",
                                          "--redipy-backends=memory,mongo")
    assert result.ret != 0
    result.stderr.fnmatch_lines(["*--redipy-backends: unknown backend mongo*"])
