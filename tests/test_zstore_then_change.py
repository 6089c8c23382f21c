"""A sorted set made by a *STORE command (built in bulk, its dict and Sampler made on
first use) answers every later change as the servers do: pops, range removals, adds,
increments and random picks right after the store."""

from __future__ import annotations

from typing import Any

import pytest

from tests.parity import fresh, outcome
from tests.servers import Server

SETUP = [("ZADD", "a", *[x for j in range(300) for x in (j, f"m{j}")]),
         ("ZADD", "b", *[x for j in range(150, 450) for x in (j, f"m{j}")])]
STORES = [("ZINTERSTORE", "d", "2", "a", "b"), ("ZUNIONSTORE", "d", "2", "a", "b"),
          ("ZDIFFSTORE", "d", "2", "a", "b"), ("ZRANGESTORE", "d", "a", "0", "199")]
AFTER = [("ZPOPMIN", "d", "3"), ("ZMPOP", "1", "d", "MAX", "COUNT", "2"),
         ("ZREMRANGEBYSCORE", "d", "300", "320"), ("ZREMRANGEBYRANK", "d", "0", "4"),
         ("ZREM", "d", "m160", "m170"), ("ZADD", "d", "1.5", "new"),
         ("ZINCRBY", "d", "2", "m200"), ("ZCARD", "d"), ("ZSCORE", "d", "m200"),
         ("ZRANGE", "d", "0", "5", "WITHSCORES"), ("ZRANDMEMBER", "d", "-3")]


def answers(kind: str, servers: dict[str, Server], store: tuple[str, ...],
            after: tuple[str, ...]) -> list[Any]:
    client = fresh(kind, servers)
    for cmd in SETUP:
        client.execute_command(*cmd)
    out = [outcome(lambda c=cmd: client.execute_command(*c))  # type: ignore[misc]
           for cmd in (store, after, ("ZCARD", "d"), ("ZRANGE", "d", "0", "-1", "WITHSCORES"))]
    out.append(len(client.execute_command("ZRANDMEMBER", "d", "-5")))
    client.close()
    if after[0] == "ZRANDMEMBER":
        out[1] = (out[1][0], len(out[1][1]))
    return out


@pytest.mark.parametrize("after", AFTER, ids=[" ".join(a[:2]) for a in AFTER])
@pytest.mark.parametrize("store", STORES, ids=[s[0] for s in STORES])
def test_a_stored_set_changes_as_on_valkey(servers: dict[str, Server], store: tuple[str, ...],
                                           after: tuple[str, ...]) -> None:
    assert answers("memory", servers, store, after) == answers("valkey9", servers, store, after)
