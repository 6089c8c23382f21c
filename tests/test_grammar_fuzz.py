"""The grammar-driven differential fuzzer (tests/grammar_fuzz.py): random sequences of
commands drawn from each table entry's syntax line, run on memory and on Valkey 9.1,
whose replies and errors must be equal, call for call, with the keyspace equal at the
end. Seeded, so a failure names a sequence that reproduces it."""

from __future__ import annotations

import pytest

import redipy
from tests.grammar_fuzz import GROUPS, SEED, comparable, sequence
from tests.parity import fresh, run_raw
from tests.servers import Server

ROUNDS = 12


@pytest.mark.parametrize("group", GROUPS)
def test_random_commands_answer_as_valkey_9(servers: dict[str, Server], group: str) -> None:
    drawn = 0
    for seed in range(ROUNDS):
        cmds = sequence(group, seed)
        mem = run_raw(redipy.Redis(), cmds)
        srv = run_raw(fresh("valkey9", servers), cmds)
        for idx, (cmd, a, b) in enumerate(zip(cmds, mem, srv, strict=True)):
            assert comparable(cmd, a) == comparable(cmd, b), (
                f"sequence {group}:{seed}, call {idx}: {list(cmd)!r} -> memory {a!r}, "
                f"valkey 9.1 {b!r}")
        drawn += len(cmds) - len(SEED)
    assert drawn >= ROUNDS * 40
