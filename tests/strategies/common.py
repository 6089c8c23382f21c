"""Shared pieces for the parity state machine's per-group operation lists.

Each ``tests/strategies/<group>.py`` exports ``OPS: list[Op]``: one entry per
typed API method (not per raw command), with strategies for its arguments. The
state machine (tests/test_parity_machine.py) draws ops from every group and runs
each one on the memory backend and on every real server, comparing replies,
errors and, at the end, the whole keyspace.

Keep the key pool small so types collide (WRONGTYPE paths get exercised) and
values short but unicode-rich.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from hypothesis import strategies as st

KEYS = ["a", "b", "c", "k:1", "k:2", "ü{tag}", "z"]
keys = st.sampled_from(KEYS)
key_lists = st.lists(keys, min_size=1, max_size=4)
texts = st.sampled_from(
    ["", "x", "y", "1", "-3", "10", "2.5", "abc", "ü", "日本", "a b", "0"]
) | st.text(max_size=6)
members = st.sampled_from(["m1", "m2", "m3", "x", "ü", "", "10"])
small_ints = st.integers(min_value=-5, max_value=5)
counts = st.integers(min_value=-3, max_value=6)
scores = st.sampled_from([0.0, 1.0, -1.0, 2.5, 1e-3, 100.0, float("inf"), float("-inf")])
globs = st.sampled_from(["*", "a*", "k:?", "k:[12]", "k:[^1]", "*{*", "\\*", "[a-c]", "?"])


@dataclass(frozen=True)
class Op:
    """One typed API call to try: ``getattr(client, method)(*args, **kwargs)``.

    ``unordered``: the reply is a list whose order is not defined (compare sorted).
    ``random``: the reply depends on chance (only its shape can be compared);
    such ops must not mutate (SPOP-like ops stay out of the machine).
    ``mask``: see the field.
    """

    method: str
    args: st.SearchStrategy[tuple[Any, ...]]
    kwargs: st.SearchStrategy[dict[str, Any]] = field(default_factory=lambda: st.just({}))
    unordered: bool = False
    random: bool = False
    valkey_only: bool = False
    """Compared on Valkey only (Redis 7.0 answers otherwise, by design of its version)."""
    mask: Any = None
    """A function applied to the reply before comparing (times that differ by a few
    milliseconds between backends, fields only some servers report)."""
    newer_error: str | None = None
    """An error memory answers as Valkey 9 does where older servers read the same data
    otherwise (SORT: Valkey 8.1 and Redis 7.0 read weights with strtod, which takes
    ``""``, ``" 1"`` and hex, and Redis 7.0 keeps a stale ERANGE; pinned in
    tests/test_cmd_sort.py): a step where memory or an older server answers it is
    compared on Valkey 9+ only."""

    def compared(self, want: Any, got: Any, newest: Callable[[], bool]) -> bool:
        """Whether ``want`` (memory's outcome from ``call``) and ``got`` (a server's)
        must be equal; ``newest`` says whether the server is Valkey 9+ (asked only
        when it matters)."""
        return self.newer_error is None or not any(
            o[0] == "error" and o[2] == self.newer_error for o in (want, got)) or newest()
