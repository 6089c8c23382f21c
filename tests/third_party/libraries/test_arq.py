"""arq, unchanged, on the asyncio drop-in: jobs enqueued through ``ArqRedis`` (a
``redis.asyncio.Redis`` over a memory pool) and run by a burst ``Worker``, judged by
what arq reports: the worker's counts, each job's status and result, a failure's
exception, a refused duplicate job id."""

from __future__ import annotations

import asyncio

import pytest

import redipy
from redipy.redispy.aio import AsyncMemoryConnectionPool

pytestmark = pytest.mark.redispy_suite


async def add(ctx: dict[str, object], a: int, b: int) -> int:
    return a + b


async def boom(ctx: dict[str, object]) -> None:
    raise ValueError("no luck")


def test_arq_burst_worker() -> None:
    from arq.connections import ArqRedis
    from arq.jobs import JobStatus
    from arq.worker import Worker

    async def scenario() -> None:
        memory = redipy.Redis()
        arq_redis = ArqRedis(connection_pool=AsyncMemoryConnectionPool(server=memory))
        done = await arq_redis.enqueue_job("add", 2, 3)
        failed = await arq_redis.enqueue_job("boom")
        assert done is not None and failed is not None
        assert await done.status() == JobStatus.queued
        # the same job id again is refused while the first is known
        assert await arq_redis.enqueue_job("add", 1, 1, _job_id=done.job_id) is None
        worker = Worker(functions=[add, boom], redis_pool=arq_redis, burst=True,
                        poll_delay=0.01, handle_signals=False)
        try:
            await worker.main()
            assert (worker.jobs_complete, worker.jobs_failed) == (1, 1)
            assert await done.result(timeout=1) == 5
            assert await done.status() == JobStatus.complete
            with pytest.raises(ValueError, match="no luck"):
                await failed.result(timeout=1)
            info = await done.result_info()
            assert info is not None and info.success and info.args == (2, 3)
            # the queue is drained: the memory backend holds no queued job
            assert await arq_redis.zcard("arq:queue") == 0
        finally:
            await worker.close()
        await arq_redis.aclose()

    asyncio.run(scenario())
