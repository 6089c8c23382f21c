"""The Redis backend on a Redis (or Valkey) Cluster.

redis-py's :class:`redis.cluster.RedisCluster` keeps the cluster's map (which primary
owns which of the 16384 hash slots) and one connection pool per node; everything else
is done here, so replies stay raw and errors read exactly as on one server:

- A keyed command goes to the primary owning its keys' slot. The keys are found with
  the command table's key specs (the same ones that apply the key prefix), and when
  they hash to more than one slot the command fails before anything is sent, with the
  error a cluster node gives: ``CROSSSLOT Keys in request don't hash to the same slot``.
- ``MOVED`` updates the slot map and resends to the new owner, ``ASK`` resends once to
  the importing node after ``ASKING``, ``TRYAGAIN`` and ``CLUSTERDOWN`` wait and retry,
  a lost connection re-reads the map and retries (a few times at most).
- Commands without keys have a cluster meaning (see :data:`FANOUT`): DBSIZE sums over
  the primaries, KEYS joins their answers, FLUSHALL/FLUSHDB and SCRIPT LOAD/FLUSH reach
  every primary, SCRIPT EXISTS is true only where every primary has the script, SCAN
  walks the primaries one after another behind one composite cursor, RANDOMKEY asks
  primaries in random order, PUBSUB CHANNELS/NUMSUB/NUMPAT add up every node's answer.
  Anything else without keys (PING, ECHO, TIME, PUBLISH, INFO, ...) goes to one node.
- Pipelines without MULTI are split per node (each node's share in one round trip,
  all nodes written before any is read) and put back in order; a fan-out command in
  the middle of one runs in its place. Transactions (MULTI/EXEC, WATCH) run on the
  primary owning their slot: every key they name must hash to that one slot.

Hash tags make keys share a slot: only the part between the first ``{`` and the next
``}`` is hashed, so ``{user42}:name`` and ``{user42}:cart`` always live together. The
key prefix is put in front of the key before hashing, so a tag in the key still wins
(``app:{user42}:name`` hashes ``user42``); a prefix holding a tag itself
(``{app}:``) puts every key of the client in one slot.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Sequence
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import redis.exceptions as rex
from redis.cluster import ClusterNode, RedisCluster
from redis.crc import key_slot as _crc_slot

from redipy import commands
from redipy.commands.blocking import BLOCKING_NAMES
from redipy.commands.custom import REGISTERED, FunctionCommand
from redipy.commands.spec import KeyNum
from redipy.errors import (
    ConfigError,
    ConnectionError,
    RedipyError,
    ResponseError,
    ScriptError,
    WatchError,
)
from redipy.redis.backend import (
    RedisBackend,
    as_status,
    checked,
    effective_prefix,
    exchange,
    pack,
    safe_url,
)
from redipy.reply import Status

CROSSSLOT = "CROSSSLOT Keys in request don't hash to the same slot"
SCHEMES = ("redis+cluster", "rediss+cluster")
SLOTS = 16384

_TTL = 16              # redirections followed before giving up (redis-py's figure)
_CONNECT_RETRIES = 2   # a lost connection: re-read the map, try again this often

#: keyless commands with a cluster-wide meaning, from the command table's cluster policy
#: (everything else keyless goes to one node)
FANOUT = frozenset(name for name, spec in commands.COMMANDS.items() if spec.fans_out)
#: raw commands the shared-connection shell path cannot do on a cluster
_SESSION_ONLY = frozenset({"MULTI", "EXEC", "DISCARD", "WATCH"})


def key_slot(key: str) -> int:
    """The hash slot of ``key`` (CRC16 of the key, or of its ``{hash tag}``, mod 16384)."""
    return int(_crc_slot(key.encode("utf-8", "surrogateescape")))


class CrossSlotScriptError(ScriptError, ResponseError):
    """A script's keys hash to more than one cluster slot; raised before it is sent."""


def _arity_ok(name: str, args: Sequence[str]) -> bool:
    spec = commands.COMMANDS.get(name)
    return spec is None or spec.arity_ok(len(args) + 1)


def _numkeys_ok(spec: Any, argv: Sequence[str]) -> bool:
    """A key count naming more keys than follow makes a server see no keys at all
    (the command then fails on whichever node gets it, never with CROSSSLOT)."""
    for keys in spec.keys:
        if isinstance(keys, KeyNum):
            try:
                count = int(argv[keys.numkeys_at])
            except (IndexError, ValueError):
                continue
            if count < 0 or keys.first + (count - 1) * keys.step >= len(argv):
                return False
    return True


def is_cluster_url(url: str) -> bool:
    return urlsplit(url).scheme in SCHEMES


# ---- connecting ----------------------------------------------------------------------


def _seeds(netloc: str) -> list[tuple[str, int]]:
    """``host:port,host:port`` (credentials already cut off) as seed nodes."""
    out: list[tuple[str, int]] = []
    for part in netloc.split(","):
        part = part.strip()
        if not part:
            continue
        if part.startswith("["):  # [ipv6]:port
            host, _, rest = part[1:].partition("]")
            port = rest.lstrip(":") or "6379"
        else:
            host, _, port = part.rpartition(":") if ":" in part else (part, "", "6379")
        out.append((unquote(host) or "localhost", int(port)))
    return out


def _client_kwargs(**extra: Any) -> dict[str, Any]:
    """RESP2 replies, decoded with surrogate escapes: the memory backend's shape."""
    return {"decode_responses": True, "encoding_errors": "surrogateescape", "protocol": 2,
            "socket_connect_timeout": 5.0, "socket_timeout": None, **extra}


def _open(seeds: Sequence[tuple[str, int]], described: str, **kwargs: Any) -> RedisCluster:
    try:
        return RedisCluster(startup_nodes=[ClusterNode(h, p)  # type: ignore[no-untyped-call]
                                           for h, p in seeds],
                            **_client_kwargs(**kwargs))
    except rex.AuthenticationError as err:
        raise ConnectionError(f"authentication to cluster {described} failed: {err}") from None
    except (rex.RedisError, rex.RedisClusterException, OSError) as err:
        why = str(err).split("\n")[0].rstrip(".") or type(err).__name__
        raise ConnectionError(f"cannot reach Redis cluster at {described}: {why}") from None


# ---- the backend ---------------------------------------------------------------------


class ClusterBackend(RedisBackend):
    """:class:`RedisBackend` on a cluster: commands routed by slot, keyless ones fanned out
    where that is what they mean. ``conn`` is the redis-py ``RedisCluster``."""

    kind = "redis"
    cluster = True

    def __init__(self, client: Any, *, prefix: str = "", target: str | None = None) -> None:
        kwargs = dict(client.nodes_manager.connection_kwargs)
        if (not kwargs.get("decode_responses")
                or kwargs.get("encoding_errors") != "surrogateescape"
                or kwargs.get("protocol") not in (None, 2, "2")):
            # someone else's RedisCluster: a twin with raw RESP2 replies
            seeds = [(n.host, n.port) for n in client.get_primaries()]
            keep = {k: v for k, v in kwargs.items()
                    if k in ("username", "password", "ssl", "socket_timeout",
                             "socket_connect_timeout", "credential_provider", "ssl_ca_certs",
                             "ssl_certfile", "ssl_keyfile", "ssl_cert_reqs")}
            client = _open(seeds, ",".join(f"{h}:{p}" for h, p in seeds), **keep)
        self.conn = client
        self.prefix = prefix
        self._plen = len(prefix)
        self._tls = threading.local()  # per thread: a raw MULTI's queued commands
        self._libraries: set[str] = set()
        seed = client.get_default_node()
        self._target = target or f"cluster:{seed.host}:{seed.port}"

    # ---- construction ----------------------------------------------------------------

    @classmethod
    def from_cfg(cls, cfg: dict[str, Any]) -> ClusterBackend:
        """``cfg`` as for one server plus ``cluster: True``; ``host``/``port`` name one
        seed node, ``startup_nodes`` (``[(host, port), ...]``) several."""
        prefix = effective_prefix(str(cfg.get("prefix") or ""), str(cfg.get("redis_module") or ""))
        url = cfg.get("url")
        if url:
            return cls.from_url(str(url), prefix=prefix)
        seeds = [(str(h), int(p)) for h, p in cfg.get("startup_nodes") or ()] or [
            (str(cfg.get("host") or "localhost"), int(cfg.get("port") or 6379))]
        if int(cfg.get("db", 0) or 0) != 0:
            raise ConfigError("a cluster has only database 0")
        described = ",".join(f"{h}:{p}" for h, p in seeds)
        client = _open(seeds, described,
                       password=cfg.get("passwd") or cfg.get("password") or None,
                       username=cfg.get("username") or None,
                       ssl=bool(cfg.get("ssl", False)),
                       socket_connect_timeout=cfg.get("connect_timeout", 5.0))
        return cls(client, prefix=prefix)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "", db: int | None = None) -> ClusterBackend:
        """``redis+cluster://[user:password@]host:port[,host:port...][/0][?ssl_cert_reqs=..]``
        (``rediss+cluster://`` for TLS): any node(s) of the cluster as seeds."""
        if db:
            raise ConfigError("a Redis Cluster has only database 0")
        parts = urlsplit(url)
        if parts.scheme not in (*SCHEMES, "redis", "rediss"):  # plain ones: cfg cluster=True
            raise ConfigError(f"not a cluster URL: {safe_url(url)} "
                              "(use redis+cluster://host:port or rediss+cluster://)")
        netloc = parts.netloc
        user = password = None
        if "@" in netloc:
            cred, netloc = netloc.rsplit("@", 1)
            user, _, pw = cred.partition(":")
            user, password = unquote(user) or None, unquote(pw) or None
        try:
            seeds = _seeds(netloc)
        except ValueError:
            raise ConfigError(f"bad cluster URL {safe_url(url)}: ports must be numbers") from None
        if not seeds:
            raise ConfigError(f"bad cluster URL {safe_url(url)}: no host")
        path = parts.path.strip("/")
        if path not in ("", "0"):
            raise ConfigError(f"bad cluster URL {safe_url(url)}: a cluster has only database 0")
        extra: dict[str, Any] = {}
        for key, value in parse_qsl(parts.query):
            if key in ("ssl_cert_reqs", "ssl_ca_certs", "ssl_certfile", "ssl_keyfile"):
                extra[key] = value
            elif key in ("socket_timeout", "socket_connect_timeout"):
                extra[key] = float(value)
        client = _open(seeds, safe_url(url), username=user, password=password,
                       ssl=parts.scheme.startswith("rediss"), **extra)
        return cls(client, prefix=prefix)

    # ---- slots and nodes ---------------------------------------------------------------

    def slot_of(self, name: str, args: Sequence[str]) -> int | None:
        """The one slot of a command's keys (``args`` already prefixed); ``None`` when it
        has no keys (or is malformed: any node then answers the error). Raises CROSSSLOT."""
        spec = commands.COMMANDS.get(name)
        if spec is None or not spec.keys:
            return None
        argv = [name, *args]
        if not spec.arity_ok(len(argv)) or not _numkeys_ok(spec, argv):
            return None
        slot: int | None = None
        for pos in spec.key_positions(argv):
            here = key_slot(argv[pos])
            if slot is None:
                slot = here
            elif here != slot:
                raise ResponseError(CROSSSLOT)
        return slot

    def key_slot(self, key: str) -> int:
        """The slot this client's ``key`` lands in (the key prefix included)."""
        return key_slot(self.prefix + key)

    def primaries(self) -> list[Any]:
        """The primary nodes, in a stable order (by ``host:port``)."""
        return sorted(self.conn.get_primaries(), key=lambda node: node.name)

    def _any_node(self) -> Any:
        node = self.conn.get_default_node()
        return node if node is not None else self.primaries()[0]

    def _owner(self, slot: int | None) -> Any:
        if slot is None:
            return self._any_node()
        return self.conn.nodes_manager.get_node_from_slot(slot)

    def _pool(self, node: Any) -> Any:
        return self.conn.get_redis_connection(node).connection_pool

    def _node_at(self, host: str, port: int) -> Any:
        manager = self.conn.nodes_manager
        node = manager.get_node(host=host, port=port)
        if node is None:
            node = ClusterNode(host, port, "primary")  # type: ignore[no-untyped-call]
            manager.nodes_cache[node.name] = node
        return node

    def _refresh(self) -> None:
        try:
            self.conn.nodes_manager.initialize()
        except (rex.RedisError, rex.RedisClusterException, OSError) as err:
            raise ConnectionError(
                f"cannot reach Redis cluster at {self._target}: {err}") from None

    # ---- errors --------------------------------------------------------------------------

    def _fail(self, err: Exception) -> Exception:
        if isinstance(err, rex.RedisClusterException):
            return ConnectionError(f"Redis cluster at {self._target}: {err}")
        return super()._fail(err)

    # ---- sending ---------------------------------------------------------------------------

    def _send(self, argv: Sequence[str], slot: int | None, *, block: bool = False,
              node: Any = None) -> Any:
        """One command to the owner of ``slot`` (or ``node``, or any node), following
        redirections; the raw reply, or a redis-py error raised."""
        manager = self.conn.nodes_manager
        fixed = node is not None  # a fan-out's node: never silently swapped for another
        asking = False
        lost = 0
        for attempt in range(_TTL):
            target = node if node is not None else self._owner(slot)
            pool = self._pool(target)
            conn = None
            try:
                conn = pool.get_connection()  # connects: a dead node raises here
                if asking:
                    conn.send_packed_command(pack(conn, [("ASKING",), argv]))
                    conn.read_response()
                else:
                    conn.send_packed_command(pack(conn, [argv]))
                return conn.read_response(timeout=None) if block else conn.read_response()
            except rex.MovedError as err:  # (a subclass of AskError: first)
                manager.move_slot(err)
                node, asking = self._node_at(err.host, err.port), False
            except rex.AskError as err:
                node, asking = self._node_at(err.host, err.port), True
            except rex.TryAgainError:
                time.sleep(0.05 if attempt < _TTL // 2 else 0.2)
            except rex.ClusterDownError:
                if attempt >= 4:
                    raise
                time.sleep(0.25)
                self._refresh()
                if not fixed:
                    node = None
            except rex.ConnectionError:
                if conn is not None:
                    conn.disconnect()
                lost += 1
                if fixed or lost > _CONNECT_RETRIES:
                    raise
                self._refresh()
                node = None
            except rex.ResponseError:  # an error reply: the connection is fine
                raise
            except BaseException:  # a timeout, or interrupted mid-reply: a reply may still
                if conn is not None:  # come, so this socket is never handed back as is
                    conn.disconnect()
                raise
            finally:
                if conn is not None:
                    pool.release(conn)
        raise rex.ClusterError(f"too many cluster redirections for {argv[0]}")

    def _call(self, argv: Sequence[str], slot: int | None, *, block: bool = False,
              node: Any = None) -> Any:
        try:
            return self._send(argv, slot, block=block, node=node)
        except (rex.RedisError, rex.RedisClusterException) as err:
            raise self._fail(err) from None

    def run(self, name: str, args: Sequence[str]) -> Any:
        if name in REGISTERED:
            return self._run_registered(name, args)
        checked(args)
        if self._plen:
            args = self._keyed(name, args)
        if name in FANOUT and _arity_ok(name, args):
            return self._fanout(name, args)
        slot = self.slot_of(name, args)
        reply = self._call((name, *args), slot, block=name in BLOCKING_NAMES)
        return as_status(name, args, reply)

    def execute(self, *argv: str) -> Any:
        """A command as typed (the shell's path). MULTI/EXEC/WATCH need one connection
        held across commands, which the cluster backend only offers to pipelines."""
        if argv and argv[0].upper() in _SESSION_ONLY:
            raise ResponseError(
                f"ERR {argv[0].upper()} is not available as a single command on a cluster "
                "connection: use a transaction pipeline (r.pipeline(transaction=True))")
        return super().execute(*argv)

    def _raw(self, argv: Sequence[str]) -> Any:
        """A command outside the table: to one node (a MOVED reply is followed)."""
        return self._call(tuple(argv), None)

    # ---- keyless commands across the cluster ----------------------------------------------

    def _each(self, argv: Sequence[str]) -> list[Any]:
        """``argv`` on every primary; the first error raised once all have answered."""
        replies: list[Any] = []
        first: Exception | None = None
        for node in self.primaries():
            try:
                replies.append(self._call(argv, None, node=node))
            except RedipyError as err:
                first = first or err
        if first is not None:
            raise first
        return replies

    def _fanout(self, name: str, args: Sequence[str]) -> Any:
        argv = (name, *args)
        policy = commands.COMMANDS[name].cluster_policy
        if policy == "all:sum":
            return sum(int(n) for n in self._each(argv))
        if policy == "all:concat":
            return [key for reply in self._each(argv) for key in reply]
        if policy == "all:ok":
            self._each(argv)
            return Status("OK")
        if name == "SCAN":
            return self._scan(args)
        if name == "RANDOMKEY":
            nodes = self.primaries()
            random.shuffle(nodes)
            for node in nodes:
                key = self._call(argv, None, node=node)
                if key is not None:
                    return key
            return None
        sub = args[0].upper() if args else ""
        if name == "SCRIPT" and sub in ("LOAD", "FLUSH", "EXISTS"):
            replies = self._each(argv)
            if sub == "LOAD":
                return replies[0]
            if sub == "FLUSH":
                return Status("OK")
            return [int(all(flags)) for flags in zip(*replies)]
        if name == "PUBSUB" and sub in ("CHANNELS", "NUMSUB", "NUMPAT"):
            return self._pubsub_merge(sub, argv)
        return as_status(name, args, self._call(argv, None))

    def _pubsub_merge(self, sub: str, argv: Sequence[str]) -> Any:
        replies = self._each(argv)
        if sub == "NUMPAT":
            return sum(int(n) for n in replies)
        if sub == "CHANNELS":
            return list(dict.fromkeys(ch for reply in replies for ch in reply))
        counts: dict[str, int] = {}
        for reply in replies:
            it = iter(reply)
            for channel, count in zip(it, it):
                counts[channel] = counts.get(channel, 0) + int(count)
        return [x for channel in argv[2:] for x in (channel, counts.get(channel, 0))]

    def _scan(self, args: Sequence[str]) -> Any:
        """SCAN over every primary in turn. The cursor is ``node cursor * 16384 + node
        index`` (node index in :meth:`primaries` order); 0 starts and ends the walk.
        A node walked to its end hands over to the next within the same call, so a
        small keyspace comes back whole, with cursor 0, in one call (as on one server)."""
        nodes = self.primaries()
        try:
            cursor = int(args[0])
        except ValueError:
            cursor = -1
        if not 0 <= cursor < 1 << 64:  # let a node word the error
            return self._call(("SCAN", *args), None, node=nodes[0])
        inner, idx = divmod(cursor, SLOTS)
        if idx >= len(nodes):
            raise ResponseError("ERR invalid cursor")
        keys: list[str] = []
        while True:
            reply = self._call(("SCAN", str(inner), *args[1:]), None, node=nodes[idx])
            keys += reply[1]
            inner = int(reply[0])
            if inner:
                return [str(inner * SLOTS + idx), keys]
            idx += 1
            if idx >= len(nodes):
                return ["0", keys]

    # ---- pipelines ------------------------------------------------------------------------------

    def _load_library(self, form: FunctionCommand) -> None:
        """A registered command's FUNCTION library on every primary."""
        self._each(("FUNCTION", "LOAD", "REPLACE", form.library))
        self._libraries.add(form.library)

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]],
                  *, transaction: bool = False) -> list[Any]:
        if REGISTERED and any(name in REGISTERED for name, _ in calls):
            return self.registered_batch(calls, transaction)
        if transaction:
            sess = ClusterSession(self)
            try:
                replies = sess.exec(calls)
                assert replies is not None  # nothing watched
                return replies
            finally:
                sess.close()
        out: list[Any] = [None] * len(calls)
        pending: list[tuple[int, tuple[str, ...], int | None]] = []
        for idx, (name, args) in enumerate(calls):
            if self._plen:
                args = self._keyed(name, args)
            if name in FANOUT and _arity_ok(name, args):
                self._batch_send(pending, out)
                pending = []
                try:
                    out[idx] = self._fanout(name, args)
                except RedipyError as err:
                    out[idx] = err
                continue
            try:
                slot = self.slot_of(name, args)
            except ResponseError as err:
                out[idx] = err
                continue
            pending.append((idx, (name, *args), slot))
        self._batch_send(pending, out)
        return [as_status(name, args, reply) for (name, args), reply in zip(calls, out)]

    def _batch_send(self, pending: Sequence[tuple[int, tuple[str, ...], int | None]],
                    out: list[Any]) -> None:
        """Each node's share in one round trip (all written, then all read); replies that
        were redirected are sent again one by one, in order."""
        if not pending:
            return
        groups: dict[str, tuple[Any, list[tuple[int, tuple[str, ...], int | None]]]] = {}
        try:
            for item in pending:
                node = self._owner(item[2])
                groups.setdefault(node.name, (node, []))[1].append(item)
        except (rex.RedisError, rex.RedisClusterException) as err:
            raise self._fail(err) from None
        held: list[tuple[Any, Any, list[tuple[int, tuple[str, ...], int | None]]]] = []
        redo: list[tuple[int, tuple[str, ...], int | None]] = []
        try:
            for node, items in groups.values():
                pool = self._pool(node)
                conn = pool.get_connection()
                held.append((pool, conn, items))
                conn.send_packed_command(pack(conn, [argv for _, argv, _ in items]))
            for _pool, conn, items in held:
                block = any(argv[0] in BLOCKING_NAMES for _, argv, _ in items)
                for idx, argv, slot in items:
                    try:
                        out[idx] = (conn.read_response(timeout=None) if block
                                    else conn.read_response())
                    except (rex.AskError, rex.TryAgainError, rex.ClusterDownError):
                        redo.append((idx, argv, slot))
                    except rex.ResponseError as err:
                        out[idx] = self._fail(err)
        except (rex.RedisError, rex.RedisClusterException) as err:
            for _, conn, _ in held:
                conn.disconnect()
            raise self._fail(err) from None
        except BaseException:
            for _, conn, _ in held:
                conn.disconnect()
            raise
        finally:
            for pool, conn, _ in held:
                pool.release(conn)
        for idx, argv, slot in sorted(redo):
            try:
                out[idx] = self._call(argv, slot, block=argv[0] in BLOCKING_NAMES)
            except RedipyError as err:
                out[idx] = err

    # ---- sessions, pub/sub, scripts ---------------------------------------------------------

    def session(self) -> ClusterSession:  # type: ignore[override]
        """A connection held for WATCH / MULTI / EXEC on the primary of one slot."""
        return ClusterSession(self)

    def pubsub(self, *, ignore_subscribe_messages: bool = False) -> Any:
        """A subscriber on one node: a cluster delivers every PUBLISH to every node."""
        from redipy.redis.pubsub import RedisPubSub

        node_client = self.conn.get_redis_connection(self._any_node())
        return RedisPubSub(node_client.pubsub(), self.prefix, fail=self._fail,
                           ignore_subscribe_messages=ignore_subscribe_messages)

    def check_script_keys(self, script: str, names: Sequence[str],
                          keys: Sequence[str]) -> None:
        """Raise :class:`CrossSlotScriptError`, naming the keys, when a script's keys
        (``names[i]`` -> ``keys[i]``) hash to more than one slot; nothing is sent."""
        slots = [self.key_slot(key) for key in keys[:len(names)]]
        if len(set(slots)) <= 1:
            return
        listed = ", ".join(f"{name}={key!r} (slot {slot})"
                           for name, key, slot in zip(names, keys, slots))
        raise CrossSlotScriptError(
            f"{CROSSSLOT}: script {script} was not run: its keys must share one cluster "
            f"slot, but {listed} do not; give them a common hash tag, e.g. "
            f"'{{user42}}:a' and '{{user42}}:b'")

    def close(self) -> None:
        self.conn.close()


class ClusterSession:
    """One connection, held on the primary that owns the session's slot, for WATCH ...
    MULTI ... EXEC (the cluster twin of :class:`redipy.redis.backend.RedisSession`).

    The first keyed command fixes the slot; a later command whose keys hash elsewhere
    fails with CROSSSLOT before it is sent (a whole transaction: before MULTI is sent).
    Keyless commands run on that node only. A transaction whose slot moved before EXEC
    is sent again to the new owner when nothing was watched.
    """

    def __init__(self, backend: ClusterBackend) -> None:
        self._backend = backend
        self._slot: int | None = None
        self._node: Any = None
        self._pool: Any = None
        self._conn: Any = None
        self.watching = False

    # ---- plumbing ---------------------------------------------------------------------------

    def _prepared(self, name: str, args: Sequence[str]) -> tuple[tuple[str, ...], int | None]:
        backend = self._backend
        if name in REGISTERED:
            name, args = backend.registered_argv(name, args)
        if backend._plen:
            args = backend._keyed(name, args)
        return (name, *args), backend.slot_of(name, args)

    def _pin(self, slots: Sequence[int | None]) -> None:
        """Fix the session's slot; CROSSSLOT when ``slots`` disagree with it."""
        slot = self._slot
        for here in slots:
            if here is None:
                continue
            if slot is None:
                slot = here
            elif here != slot:
                raise ResponseError(CROSSSLOT)
        self._slot = slot

    def _connection(self) -> Any:
        backend = self._backend
        try:
            node = backend._owner(self._slot)
        except (rex.RedisError, rex.RedisClusterException) as err:
            raise backend._fail(err) from None
        if self._conn is not None and self._node is not None and node.name != self._node.name:
            if self.watching:  # the watch lives on the old node: it cannot move
                raise WatchError("Watched variable changed.")
            self._release()
        if self._conn is None:
            pool = backend._pool(node)
            try:  # connects: a dead node raises here, inside the error boundary
                self._conn = pool.get_connection()
            except (rex.RedisError, rex.RedisClusterException) as err:
                raise backend._fail(err) from None
            self._pool, self._node = pool, node
        return self._conn

    def _exchange(self, argvs: Sequence[Sequence[str]], *, block: bool = False) -> list[Any]:
        conn = self._connection()
        try:
            return exchange(conn, argvs, block=block)
        except rex.RedisError as err:
            self._drop()
            raise self._backend._fail(err) from None
        except BaseException:
            self._drop()
            raise

    def _release(self) -> None:
        conn, pool = self._conn, self._pool
        self._conn = self._pool = self._node = None
        if conn is not None:
            pool.release(conn)

    def _drop(self) -> None:
        self.watching = False
        if self._conn is not None:
            self._conn.disconnect()
        self._release()

    # ---- the RedisSession interface ------------------------------------------------------------

    def run(self, name: str, args: Sequence[str]) -> Any:
        """One command now, on this session's node (a watching pipeline's reads)."""
        argv, slot = self._prepared(name, args)
        self._pin([slot])
        block = name in BLOCKING_NAMES
        if not self.watching:  # nothing held yet: the backend follows redirections
            return self._backend.run(name, args)
        raw = self._exchange([argv], block=block)[0]
        if isinstance(raw, rex.AskError):  # MOVED too: the watched slot left this node
            raise WatchError("Watched variable changed.")
        reply = self._backend.reply_of(name, args, raw)
        if isinstance(reply, Exception):
            raise reply
        return reply

    def pipeline(self, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any]:
        """Calls in one round trip on this node, not atomic."""
        prepared = [self._prepared(n, a) for n, a in calls]
        self._pin([slot for _, slot in prepared])
        replies = self._exchange([argv for argv, _ in prepared], block=True)
        return [self._backend.reply_of(n, a, r) for (n, a), r in zip(calls, replies)]

    def watch(self, keys: Sequence[str]) -> None:
        argv, slot = self._prepared("WATCH", keys)
        self._pin([slot])
        for _ in range(_TTL):
            reply = self._exchange([argv])[0]
            if not isinstance(reply, rex.AskError):
                break
            if self.watching:  # earlier watches live on this node: start over
                raise WatchError("Watched variable changed.")
            self._moved(reply)
        if isinstance(reply, rex.RedisError):
            raise self._backend._fail(reply)
        self.watching = True

    def _moved(self, err: Exception) -> None:
        """The slot is served elsewhere now: update the map, let go of this node."""
        if isinstance(err, rex.MovedError):
            self._backend.conn.nodes_manager.move_slot(err)
        else:
            time.sleep(0.05)  # ASK / TRYAGAIN: a resharding in progress
        self._release()

    def unwatch(self) -> None:
        if self.watching and self._conn is not None:
            self._exchange([("UNWATCH",)])
        self.watching = False

    def exec(self, calls: Sequence[tuple[str, Sequence[str]]]) -> list[Any] | None:
        """MULTI, the calls, EXEC in one round trip on the slot's primary. ``None`` when
        a watched key changed; CROSSSLOT (nothing sent) when the keys span slots."""
        prepared = [self._prepared(n, a) for n, a in calls]
        for (name, _), _ in zip(calls, prepared):
            if name in FANOUT:
                raise ResponseError(
                    f"ERR {name} spans every primary of the cluster: it cannot run inside "
                    "a transaction (use a pipeline with transaction=False)")
        self._pin([slot for _, slot in prepared])
        argvs = [("MULTI",), *(argv for argv, _ in prepared), ("EXEC",)]
        for _ in range(_TTL):
            watched = self.watching
            replies = self._exchange(argvs)
            self.watching = False  # EXEC forgets the watched keys, whatever it answers
            first, queued, result = replies[0], replies[1:-1], replies[-1]
            moved = next((r for r in queued
                          if isinstance(r, rex.AskError | rex.TryAgainError)), None)
            if moved is not None and isinstance(result, rex.ExecAbortError):
                # the slot changed hands: nothing ran; send it again to the new owner
                # (or, when keys were watched there, let the caller start over)
                if watched:
                    raise WatchError("Watched variable changed.")
                self._moved(moved)
                continue
            return self._backend.exec_result(calls, first, queued, result)
        raise ResponseError("ERR too many cluster redirections for a transaction")

    def close(self) -> None:
        """UNWATCH if needed and give the connection back."""
        if self._conn is None:
            return
        try:
            self.unwatch()
        finally:
            self._release()
