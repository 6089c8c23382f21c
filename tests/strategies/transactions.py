"""Parity-machine operations for transactions: ``Redis.transaction`` with a few
WATCH-read-MULTI-write functions, ``pipeline`` (only its type is compared) and
``wait_for`` with a predicate that is already true.

Random multi-call transactions have their own test (tests/test_tx_parity.py).
"""

from __future__ import annotations

from hypothesis import strategies as st

from redipy.api import PipelineAPI
from tests.strategies.common import Op, keys


def copy_then_bump(pipe: PipelineAPI) -> None:
    """Read ``a`` (at once, under WATCH), then write ``b`` and bump ``c``."""
    value = pipe.get_value("a")
    pipe.multi()
    pipe.set_value("b", value if value is not None else "none")
    pipe.incr("c")


def push_and_read(pipe: PipelineAPI) -> None:
    length = pipe.llen("k:1")
    pipe.multi()
    pipe.rpush("k:1", str(length))
    pipe.lrange("k:1", 0, -1)


def hash_counter(pipe: PipelineAPI) -> None:
    pipe.multi()
    pipe.hincrby("k:2", "n", 1)
    pipe.hgetall("k:2")
    pipe.delete("z")


def _yes() -> str:
    return "yes"


OPS: list[Op] = [
    Op("transaction", st.tuples(
        st.sampled_from([copy_then_bump, push_and_read, hash_counter]), keys)),
    Op("pipeline", st.just(()), random=True),
    Op("wait_for", st.tuples(keys, st.just(_yes), st.just(0.01))),
]
