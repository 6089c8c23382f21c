"""INCRBYFLOAT / HINCRBYFLOAT's fast path (plain decimals in integer arithmetic) gives
the servers' exact long double results: chains of increments of every size, the
stored texts they leave, and mixed with texts only the general path reads."""

from __future__ import annotations

import random

import redipy
from redipy.memory.numbers import is_plain_decimal, plain_sum

STEPS = ["0.1", "0.25", "-0.3", "1", "0.0000001", "12345.6789", "-99999999.99999999",
         "3.14159265358979323846", "00010.500", "-0", "0.00000000000000000001",
         "98765432109876543210", "1e3", "0x10", "+2.5", " 1", "inf"]


def chain(r: redipy.Redis) -> list[object]:
    out: list[object] = []
    rnd = random.Random(5)
    for _ in range(120):
        step = rnd.choice(STEPS)
        for cmd in (("INCRBYFLOAT", "f"), ("HINCRBYFLOAT", "h", "x")):
            try:
                out.append(r.execute_command(*cmd, step))
            except redipy.errors.ResponseError as err:
                out.append(("error", str(err)))
    out.append(r.get("f"))
    out.append(r.hget("h", "x"))
    return out


def test_chains_match_the_servers(r: redipy.Redis) -> None:
    mine = chain(redipy.Redis())
    assert chain(r) == mine


def test_the_fast_path_takes_plain_decimals_only() -> None:
    assert is_plain_decimal("-12.5") and is_plain_decimal("007")
    for text in ("1e3", "+1", ".5", "5.", "0x1p3", "inf", " 1", "1" * 21):
        assert not is_plain_decimal(text)
        assert plain_sum("1", text) is None
    assert plain_sum("10.50", "0.1") == "10.6"
    assert plain_sum(None, "-0") == "0"
    assert plain_sum("5000", "0.1") == "5000.10000000000000009"
