"""The parity state machine (tests/test_parity_machine.py) run through ``redipy serve``:
the typed API on the Redis backend, over TCP to the served memory backend, against the
same calls on Valkey 9.1; replies, errors and the final keyspace must be equal."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import redis as redis_py
from hypothesis import HealthCheck, settings
from hypothesis.stateful import run_state_machine_as_test

import redipy
from redipy.server.listener import ServerThread
from tests.servers import Server
from tests.test_parity_machine import Parity, all_ops


@pytest.fixture(scope="module")
def served() -> Iterator[ServerThread]:
    with redipy.serve(log=None) as handle:
        yield handle


class ServedParity(Parity):
    url = ""

    def __init__(self) -> None:
        super().__init__()
        raw = redis_py.Redis.from_url(self.url)
        raw.flushall()
        raw.close()
        self.clients["memory"].close()
        self.clients["memory"] = redipy.Redis(url=self.url)  # the reference: over TCP


def test_parity_machine_through_the_server(served: ServerThread,
                                           servers: dict[str, Server]) -> None:
    ServedParity.servers = {"valkey9": servers["valkey9"]}
    ServedParity.url = served.url
    ServedParity.ops = all_ops()
    run_state_machine_as_test(
        ServedParity,
        settings=settings(max_examples=12, stateful_step_count=30, deadline=None,
                          suppress_health_check=list(HealthCheck)),
    )
