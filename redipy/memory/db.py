"""One logical database of the memory backend: keyspace, expiry and lock.

Expiry is lazy (a key past its deadline is removed when touched) plus an expiry
heap that reclaims dead keys a few at a time on writes, so memory does not grow
with keys nobody reads again. Every write goes through :meth:`Database.touch`,
which is how WATCH learns that a key changed.
"""

from __future__ import annotations

import heapq
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from redipy.errors import WrongTypeError
from redipy.memory.structs import TYPE_NAMES, RandomAccess

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

T = TypeVar("T")


def now_ms() -> int:
    return int(time.time() * 1000)


class Database:
    """A keyspace. Callers hold :attr:`lock` around every command (the backend does)."""

    def __init__(self, index: int = 0) -> None:
        self.index = index
        self.data: dict[str, Any] = {}
        self.expires: dict[str, int] = {}
        self.keyset = RandomAccess()
        self._heap: list[tuple[int, str]] = []
        self.lock = threading.RLock()
        self.cond = threading.Condition(self.lock)
        self.watchers: dict[str, set[Any]] = {}
        self.on_touch: list[Callable[[str], None]] = []
        self.clock: Callable[[], int] = now_ms
        # Blocking pops (redipy.memory.cmd_blocking): key -> FIFO of waiting clients.
        # A touch hook is installed in on_touch only while someone waits.
        self.blocked: dict[str, Any] = {}
        # True while EXEC runs: a blocking command then answers at once, as in Redis.
        self.no_block = False
        # The server's compiled scripts by sha (shared by its databases; see the backend).
        self.scripts: dict[str, Any] = {}

    # ---- lookups -------------------------------------------------------------

    def get(self, key: str) -> Any:
        """The live value at ``key`` or ``None`` (expired keys are removed here)."""
        if self.expires and key in self.expires and self.expires[key] <= self.clock():
            self._expire(key)
            return None
        return self.data.get(key)

    def get_typed(self, key: str, kind: type[T]) -> T | None:
        """The value if it is of ``kind``, ``None`` if missing; WRONGTYPE otherwise."""
        val = self.get(key) if self.expires else self.data.get(key)
        if val is None or type(val) is kind:
            return val  # type: ignore[no-any-return,unused-ignore]
        raise WrongTypeError(WRONGTYPE)

    def exists(self, key: str) -> bool:
        return self.get(key) is not None

    def type_name(self, key: str) -> str:
        val = self.get(key)
        return "none" if val is None else TYPE_NAMES[type(val)]

    # ---- writes --------------------------------------------------------------

    def put(self, key: str, value: Any, *, keep_ttl: bool = False) -> None:
        """Store a value (a new object for the key); drops the TTL unless ``keep_ttl``."""
        data = self.data
        if key not in data:
            self.keyset.add(key)
        data[key] = value
        if not keep_ttl and self.expires:
            self.expires.pop(key, None)
        if self.watchers or self.on_touch:
            self.touch(key)

    def add_new(self, key: str, value: Any) -> None:
        """Store a collection just created for a missing key (no TTL to drop)."""
        self.data[key] = value
        self.keyset.add(key)
        self.expires.pop(key, None)
        if self.watchers or self.on_touch:
            self.touch(key)

    def delete(self, key: str) -> bool:
        """Remove a live key; True when it existed."""
        if self.get(key) is None:
            return False
        self._remove(key)
        self.touch(key)
        return True

    def drop_if_empty(self, key: str, value: Any) -> None:
        """A collection emptied by a command deletes its key, as in Redis."""
        if not value:
            self._remove(key)

    def _remove(self, key: str) -> None:
        if self.data.pop(key, None) is not None:
            self.keyset.remove(key)
        if self.expires:
            self.expires.pop(key, None)

    def touch(self, key: str) -> None:
        """Tell WATCH (and other observers) that ``key`` changed."""
        if self.watchers:
            for token in self.watchers.get(key, ()):
                token.dirty = True
        for hook in self.on_touch:
            hook(key)

    def flush(self) -> None:
        for key in list(self.watchers):
            self.touch(key)
        self.data.clear()
        self.expires.clear()
        self.keyset = RandomAccess()
        self._heap.clear()

    # ---- expiry --------------------------------------------------------------

    def set_expiry(self, key: str, when_ms: int) -> None:
        """Give a live key an absolute deadline; a deadline in the past deletes it."""
        if when_ms <= self.clock():
            self._remove(key)
            self.touch(key)
            return
        self.expires[key] = when_ms
        heap = self._heap
        if heap and heap[0][0] <= self.clock():
            self.reclaim(4)
        heapq.heappush(heap, (when_ms, key))
        self.touch(key)
        if len(self._heap) > 2 * len(self.expires) + 64:
            self._rebuild_heap()

    def persist(self, key: str) -> bool:
        if self.expires.pop(key, None) is None:
            return False
        self.touch(key)
        return True

    def expiry(self, key: str) -> int | None:
        """The absolute deadline in ms of a live key, or ``None`` when it has none."""
        return self.expires.get(key)

    def _expire(self, key: str) -> None:
        self._remove(key)
        self.touch(key)

    def reclaim(self, budget: int = 20) -> int:
        """Remove up to ``budget`` keys whose deadline passed; returns how many."""
        heap = self._heap
        if not heap:
            return 0
        now = self.clock()
        removed = 0
        while heap and heap[0][0] <= now and budget > 0:
            when, key = heapq.heappop(heap)
            budget -= 1
            if self.expires.get(key) == when:
                self._expire(key)
                removed += 1
        return removed

    def reclaim_all(self) -> None:
        while self.reclaim(1 << 30):
            pass

    def _rebuild_heap(self) -> None:
        self._heap = [(when, key) for key, when in self.expires.items()]
        heapq.heapify(self._heap)

    # ---- iteration -----------------------------------------------------------

    def live_keys(self) -> Iterator[str]:
        """Every key that has not expired (a snapshot, safe to mutate while iterating)."""
        now = self.clock()
        expires = self.expires
        for key in list(self.data):
            when = expires.get(key)
            if when is None or when > now:
                yield key

    def size(self) -> int:
        self.reclaim_all()
        return len(self.data)

    def random_key(self) -> str | None:
        """A uniformly random live key in O(1) expected time."""
        for _ in range(100):
            if not self.keyset:
                return None
            key = self.keyset.pick()
            if self.get(key) is not None:
                return key
        self.reclaim_all()
        return self.keyset.pick() if self.keyset else None
