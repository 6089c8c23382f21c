"""One logical database of the memory backend: keyspace, expiry and lock.

Expiry works as in Redis: lazily (a key past its deadline is removed when touched)
and actively (:class:`Reaper`, a daemon thread, reclaims keys nobody touches, a
bounded batch per lock hold, ten times a second like Redis's ``hz 10``). Deadlines
sit in time buckets of 64 ms (a dict of sets, plus a heap of bucket numbers), so a
TTL change moves one key between two sets: no heap of stale entries to rebuild.
DBSIZE is ``len(data)``: like a server it counts expired keys not reclaimed yet.
Every write goes through :meth:`Database.touch`, which is how WATCH learns that a
key changed.
"""

from __future__ import annotations

import heapq
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

from redipy.errors import WrongTypeError
from redipy.memory.structs import NEVER, TYPE_NAMES, RHash, Sampler

WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value"

T = TypeVar("T")


BUCKET_BITS = 6
"""Deadlines are grouped in buckets of 2**6 = 64 ms; a bucket is reclaimed once its
end has passed, so an untouched key is gone within about 64 + 100 ms of its TTL."""

REAP_BATCH = 200
"""Keys the reaper removes per hold of a database lock (well under a millisecond)."""

REAP_PERIOD = 0.1


def now_ms() -> int:
    return int(time.time() * 1000)


class Reaper:
    """Active expiry for every database that has TTLs: one daemon thread, started on
    the first TTL and ending when no database has any. It takes each lock briefly
    (:data:`REAP_BATCH` keys at most) and lets other threads in between batches."""

    def __init__(self) -> None:
        self._dbs: weakref.WeakSet[Database] = weakref.WeakSet()
        self._guard = threading.Lock()
        self._thread: threading.Thread | None = None

    def watch(self, db: Database) -> None:
        with self._guard:
            self._dbs.add(db)
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="redipy-expiry", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            time.sleep(REAP_PERIOD)
            with self._guard:
                dbs = list(self._dbs)
                if not dbs:
                    self._thread = None
                    return
            for db in dbs:
                self.reap(db)
            del dbs

    def reap(self, db: Database) -> None:
        while True:
            with db.lock:
                db.reclaim(REAP_BATCH)
                if db.hfe:
                    db.reclaim_fields(REAP_BATCH)
                more = db.has_due() or db.fields_due()
                if not db.expires and not db.hfe:
                    with self._guard:
                        self._dbs.discard(db)
            if not more:
                return
            time.sleep(0)  # let waiting commands in between two batches


REAPER = Reaper()


class KeySet(Sampler):
    """The keyspace's :class:`Sampler`, which also keeps, for KEYS, the keys joined into
    one string in keyspace order (see :meth:`Database.joined_keys`). The cache is
    dropped whenever a key comes or goes, the only events that change that order (a
    value replaced in place keeps its key's slot in the dict)."""

    __slots__ = ("joined",)

    def __init__(self) -> None:
        super().__init__()
        self.joined: str | None = None

    def add(self, member: str) -> None:  # Sampler.add, inlined: the cache dropped too
        self.joined = None
        ghosts = self.ghosts
        if ghosts and member in ghosts:
            ghosts.discard(member)
        else:
            self.slots.append(member)

    def remove(self, member: str) -> None:
        self.joined = None
        ghosts = self.ghosts
        ghosts.add(member)
        if len(ghosts) * 4 > len(self.slots):
            self._sweep(4)


class Database:
    """A keyspace. Callers hold :attr:`lock` around every command (the backend does)."""

    def __init__(self, index: int = 0) -> None:
        self.index = index
        self.data: dict[str, Any] = {}
        self.expires: dict[str, int] = {}
        self.hfe: dict[str, int] = {}
        """Hashes with field TTLs, for active expiry of their fields: key -> the deadline
        it is queued under in :attr:`_hfe_due` (a heap of (deadline, key))."""
        self._hfe_due: list[tuple[int, str]] = []
        self.keyset = KeySet()
        # bucket number (deadline >> BUCKET_BITS) -> keys; heap of bucket numbers
        self._buckets: dict[int, set[str]] = {}
        self._due: list[int] = []
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
        # True once the running script called a write command (SCRIPT KILL: UNKILLABLE).
        self.script_wrote = False
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

    def joined_keys(self) -> str:
        """Every key (expired ones not reclaimed yet included), each after a LF, in
        keyspace order: one string a regex searches in C, ~10x cheaper than a test per
        key. ``""`` when some key holds a LF itself (or there are no keys). Built in
        O(n) on the first call after a key came or went, as KEYS is O(n) anyway."""
        keyset = self.keyset
        joined = keyset.joined
        if joined is None:
            data = self.data
            joined = "\n" + "\n".join(data)
            if joined.count("\n") != len(data):
                joined = ""
            keyset.joined = joined
        return joined

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
        if not keep_ttl and self.expires and key in self.expires:
            self._drop_ttl(key)
        if self.watchers or self.on_touch:
            self.touch(key)

    def place(self, key: str, value: Any, when: int | None) -> None:
        """Store a whole value taken from another key (RENAME, COPY, MOVE) with that
        key's deadline ``when`` (ms, ``None``: none), its field TTLs tracked too."""
        self.put(key, value)
        if when is not None:
            self.set_expiry(key, when)
        if type(value) is RHash and value.ttls:
            self.track_fields(key)

    def add_new(self, key: str, value: Any) -> None:
        """Store a collection just created for a missing key (no TTL to drop)."""
        self.data[key] = value
        self.keyset.add(key)
        if self.expires and key in self.expires:
            self._drop_ttl(key)
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
        if self.expires and key in self.expires:
            self._drop_ttl(key)

    def _drop_ttl(self, key: str) -> None:
        """Forget the deadline of a key that has one."""
        when = self.expires.pop(key)
        bucket = self._buckets.get(when >> BUCKET_BITS)
        if bucket is not None:
            bucket.discard(key)
            if not bucket:
                del self._buckets[when >> BUCKET_BITS]

    def touch(self, key: str) -> None:
        """Tell WATCH (and other observers) that ``key`` changed."""
        if self.watchers:
            for token in self.watchers.get(key, ()):
                token.dirty = True
        for hook in self.on_touch:
            hook(key)

    def flush(self) -> None:
        if not (self.data or self.expires or self.hfe or self.watchers or self.keyset.slots
                or self._due):
            return  # already empty (FLUSHALL over 16 databases, most of them unused)
        for key in list(self.watchers):
            self.touch(key)
        self.data.clear()
        self.expires.clear()
        self.hfe.clear()
        self._hfe_due.clear()
        self.keyset = KeySet()
        self._buckets.clear()
        self._due.clear()

    def swap_contents(self, other: Database) -> None:
        """SWAPDB: the two keyspaces trade places (clients stay on their index)."""
        for name in ("data", "expires", "hfe", "_hfe_due", "keyset", "_buckets", "_due"):
            mine, theirs = getattr(self, name), getattr(other, name)
            setattr(self, name, theirs)
            setattr(other, name, mine)
        for db in (self, other):
            if db.expires or db.hfe:
                REAPER.watch(db)

    # ---- expiry --------------------------------------------------------------

    def set_expiry(self, key: str, when_ms: int, now: int | None = None) -> None:
        """Give a live key an absolute deadline; a deadline in the past deletes it
        (``now``: the caller's reading of :attr:`clock`, to save another)."""
        if when_ms <= (self.clock() if now is None else now):
            self._remove(key)
            self.touch(key)
            return
        expires = self.expires
        num = when_ms >> BUCKET_BITS
        if not expires:
            REAPER.watch(self)
        else:
            old = expires.get(key)
            if old is not None:
                if old >> BUCKET_BITS == num:  # same bucket: only the deadline moves
                    expires[key] = when_ms
                    if self.watchers or self.on_touch:
                        self.touch(key)
                    return
                self._drop_ttl(key)
        expires[key] = when_ms
        bucket = self._buckets.get(num)
        if bucket is None:
            self._buckets[num] = {key}
            heapq.heappush(self._due, num)
            if len(self._due) > 2 * len(self._buckets) + 64:
                self._due = list(self._buckets)  # drop numbers of emptied buckets
                heapq.heapify(self._due)
        else:
            bucket.add(key)
        if self.watchers or self.on_touch:
            self.touch(key)

    def persist(self, key: str) -> bool:
        if key not in self.expires:
            return False
        self._drop_ttl(key)
        self.touch(key)
        return True

    def expiry(self, key: str) -> int | None:
        """The absolute deadline in ms of a live key, or ``None`` when it has none."""
        return self.expires.get(key)

    def _expire(self, key: str) -> None:
        self._remove(key)
        self.touch(key)

    def has_due(self) -> bool:
        """Whether a whole bucket of deadlines has passed (reclaim has work)."""
        due = self._due
        return bool(due) and (due[0] + 1) << BUCKET_BITS <= self.clock()

    def reclaim(self, budget: int = 20) -> int:
        """Remove up to ``budget`` keys of buckets whose time has passed; returns how many."""
        due, buckets = self._due, self._buckets
        if not due:
            return 0
        now = self.clock()
        expires = self.expires
        removed = 0
        while due and (due[0] + 1) << BUCKET_BITS <= now and removed < budget:
            bucket = buckets.get(due[0])
            if not bucket:
                heapq.heappop(due)
                continue
            key = bucket.pop()
            if not bucket:
                del buckets[heapq.heappop(due)]
            when = expires.pop(key, None)
            if when is not None and when <= now:
                if self.data.pop(key, None) is not None:
                    self.keyset.remove(key)
                self.touch(key)
                removed += 1
            elif when is not None:  # cannot happen (its bucket has passed); keep it safe
                expires[key] = when
        return removed

    def reclaim_all(self) -> None:
        while self.reclaim(1 << 30):
            pass

    # ---- field TTLs of hashes -------------------------------------------------

    def track_fields(self, key: str) -> None:
        """The hash at ``key`` has field TTLs (its soonest deadline may have come
        nearer): queue it for active expiry by that deadline. Callers on a hot path
        check ``h.soonest < db.hfe.get(key, NEVER)`` first."""
        h = self.data.get(key)
        if type(h) is not RHash or not h.ttls:
            return
        hfe, due = self.hfe, self._hfe_due
        queued = hfe.get(key)
        if queued is None or h.soonest < queued:
            hfe[key] = h.soonest
            heapq.heappush(due, (h.soonest, key))
            if len(due) > 2 * len(hfe) + 64:  # mostly stale entries: rebuild, O(1) amortized
                due[:] = [(when, k) for k, when in hfe.items()]
                heapq.heapify(due)
            if queued is None:
                REAPER.watch(self)

    def purge_fields(self, key: str, h: RHash) -> bool:
        """Remove the expired fields of the hash at ``key`` (deleting an emptied key);
        False when the key is gone. O(1) until a deadline may have passed."""
        now = self.clock()
        if h.soonest > now:
            return True
        ttls = h.ttls or {}
        soonest = NEVER
        gone = [f for f, when in ttls.items() if when <= now]
        for when in ttls.values():
            if now < when < soonest:
                soonest = when
        h.soonest = soonest
        for f in gone:
            h.remove(f)
        if gone:
            if not h.map:
                self._remove(key)
                self.hfe.pop(key, None)
                self.touch(key)
                return False
            self.touch(key)
        return True

    def fields_due(self) -> bool:
        """Whether a queued hash's soonest field deadline has passed."""
        due = self._hfe_due
        return bool(due) and due[0][0] <= self.clock()

    def reclaim_fields(self, limit: int) -> int:
        """Active expiry of hash fields, as a server's is: at most ``limit`` hashes
        whose soonest deadline passed, taken from the heap in deadline order, so a
        cycle costs what expires, not a walk over every hash with field TTLs. An
        entry whose hash was queued again under a nearer deadline, or is gone, is
        stale and skipped. Returns the hashes looked at."""
        now = self.clock()
        due, hfe, data = self._hfe_due, self.hfe, self.data
        done = 0
        while due and due[0][0] <= now and done < limit:
            when, key = heapq.heappop(due)
            if hfe.get(key) != when:
                continue
            del hfe[key]
            done += 1
            h = data.get(key)
            if type(h) is not RHash or not h.ttls:
                continue
            if h.soonest <= now and not self.purge_fields(key, h):
                continue  # emptied: the key is gone
            if h.ttls:
                hfe[key] = h.soonest
                heapq.heappush(due, (h.soonest, key))
        return done

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
        """Keys stored, as a server's DBSIZE counts them (expired ones not yet
        reclaimed included): O(1)."""
        return len(self.data)

    def random_key(self) -> str | None:
        """A uniformly random live key in O(1) expected time; an expired key it lands
        on is deleted and it picks again, as Redis's dbRandomKey does."""
        keyset, data = self.keyset, self.data
        while data:
            key = keyset.pick()
            if self.get(key) is not None:
                return key
        return None
