"""``redipy.Redis``: one client, either backend, chosen from its arguments."""

from __future__ import annotations

import contextlib
import difflib
from collections.abc import Callable, Iterator
from types import MethodType
from typing import Any, Literal, Self, TypeVar

from redipy.api import RedisClientAPI
from redipy.api.base import Backend
from redipy.errors import ConfigError, WrongTypeError
from redipy.keyspace import records_of
from redipy.records import KeyspaceRecords

T = TypeVar("T")


def _is_redis_cluster(client: Any) -> bool:
    """A redis-py ``RedisCluster`` (checked without importing redis.cluster eagerly)."""
    return any(cls.__name__ == "RedisCluster" and cls.__module__.startswith("redis.")
               for cls in type(client).__mro__)


_KNOWN = ("backend", "cfg", "host", "port", "passwd", "redis_module", "prefix", "path",
          "url", "client", "rt", "cluster", "db", "is_caching_enabled", "redis_factory",
          "lua_code_hook", "compile_hook", "verbose_lua_test")


def _unknown_arguments(unknown: dict[str, Any]) -> str:
    """One line naming each unknown keyword, with the nearest known one when it is close."""
    parts = []
    for name in unknown:
        close = difflib.get_close_matches(name, _KNOWN, n=1)
        parts.append(f"{name!r} (did you mean {close[0]!r}?)" if close else repr(name))
    noun = "argument" if len(parts) == 1 else "arguments"
    return f"redipy.Redis() got unknown {noun}: {', '.join(parts)}"


class Redis(RedisClientAPI):
    """A Redis client over the memory backend or a real server.

    ``Redis()`` is the memory backend; ``Redis(host=..., port=...)``,
    ``Redis(cfg={...})``, ``Redis(url="redis://...")`` or ``Redis(client=redis_py_client)``
    talk to a server; ``Redis(url="redis+cluster://host:port")``,
    ``Redis(cfg={"cluster": True, "host": ..., "port": ...})`` or a redis-py
    ``RedisCluster`` as ``client`` (or ``cluster=True`` with host/port or a URL) talk
    to a Redis Cluster (:mod:`redipy.redis.cluster`).
    ``backend="memory"|"redis"`` says it explicitly (0.7.1's
    arguments all still work).
    """

    def __init__(
        self,
        backend: Literal["memory", "redis", "custom", "infer"] = "infer",
        *,
        cfg: dict[str, Any] | None = None,
        host: str | None = None,
        port: int | None = None,
        passwd: str | None = None,
        redis_module: str | None = None,
        prefix: str | None = None,
        path: str | None = None,
        url: str | None = None,
        client: Any = None,
        rt: Backend | Redis | None = None,
        cluster: bool = False,
        db: int | None = None,
        is_caching_enabled: bool = True,
        redis_factory: Callable[..., Any] | None = None,
        lua_code_hook: Callable[[list[str]], None] | None = None,
        compile_hook: Callable[[Any], None] | None = None,
        verbose_lua_test: bool = False,
        **unknown: Any,
    ) -> None:
        """``is_caching_enabled`` is 0.7.1's and accepted as it was (redis-py's pool
        already keeps connections); ``redis_factory(cfg=...)`` makes the redis-py client
        as in 0.7.1; ``lua_code_hook`` receives the Lua lines of every script registered
        on a server, ``compile_hook`` the script's IR on every backend, and
        ``verbose_lua_test`` prints the Lua of each registered script. Any other
        keyword is a mistake and raises :class:`ConfigError` naming it."""
        if unknown:
            raise ConfigError(_unknown_arguments(unknown))
        if db is not None and (type(db) is not int or db < 0):
            raise ConfigError(f"db must be a database number >= 0, not {db!r}")
        self._script_hooks = (lua_code_hook, compile_hook, verbose_lua_test)
        if redis_factory is not None and client is None:
            if backend not in ("infer", "redis"):
                raise ConfigError("redis_factory is for the redis backend")
            client = redis_factory(cfg=cfg if cfg is not None else {
                "host": host or "localhost", "port": 6379 if port is None else port,
                "passwd": passwd or "", "prefix": prefix or "", "path": path or "."})
        if cluster and backend == "infer" and rt is None:
            backend = "redis"  # ``Redis(cluster=True)``: a cluster seeded at localhost:6379
        if backend == "infer":
            if rt is not None:
                backend = "custom"
            elif any(v is not None for v in (cfg, host, port, passwd, prefix, path, url, client)):
                backend = "redis"
            else:
                backend = "memory"
        if backend == "custom":
            if rt is None:
                raise ConfigError("rt must not be None for custom backend")
            if isinstance(rt, Redis):  # 0.7.1's Redis(rt=runtime): share its backend
                self._script_hooks = rt._script_hooks
                if isinstance(rt, _Runtime):  # and its words for a wrong type
                    self._call = MethodType(_Runtime._call, self)  # type: ignore[method-assign]
                    self._conv = MethodType(_Runtime._conv, self)  # type: ignore[method-assign]
                rt = rt._backend
            self._backend: Backend = rt
        elif backend == "memory":
            from redipy.memory.backend import MemoryBackend

            memory = MemoryBackend()
            if db is not None:
                if db >= len(memory.dbs):
                    raise ConfigError(
                        f"db {db} is out of range: the memory backend has databases "
                        f"0 to {len(memory.dbs) - 1}")
                memory.db = memory.dbs[db]
            self._backend = memory
        elif backend == "redis":
            from redipy.redis.backend import RedisBackend, effective_prefix
            from redipy.redis.connect import backend_from_cfg, backend_from_url

            if client is not None:
                make: Any = RedisBackend
                if _is_redis_cluster(client):
                    from redipy.redis.cluster import ClusterBackend

                    make = ClusterBackend
                self._backend = make(
                    client, prefix=effective_prefix(prefix or "", redis_module or ""))
            elif url is not None and not cluster:
                self._backend = backend_from_url(
                    url, prefix=effective_prefix(prefix or "", redis_module or ""), db=db)
            else:
                if cfg is None:
                    cfg = {
                        "host": host or "localhost",
                        "port": 6379 if port is None else port,
                        "passwd": passwd or "",
                        "prefix": prefix or "",
                    }
                if redis_module:
                    cfg = {**cfg, "redis_module": redis_module}
                if db is not None:
                    cfg = {**cfg, "db": db}
                if cluster:  # cluster=True with host/port, a url or a cfg
                    cfg = {**cfg, "cluster": True, **({"url": url} if url else {})}
                self._backend = backend_from_cfg(cfg)
        else:
            raise ConfigError(f"unknown backend {backend}: use 'memory' or 'redis'")
        if (self._backend.kind == "memory"
                and type(self).execute_command is RedisClientAPI.execute_command):
            # what RedisClientAPI.execute_command would call, without its frame and
            # the second packing of the arguments (a raw call's floor)
            self.execute_command = self._backend.execute  # type: ignore[method-assign]

    @property
    def backend(self) -> Backend:
        """The backend this client talks to."""
        return self._backend

    @property
    def records(self) -> KeyspaceRecords:
        """Whole keys as records (:mod:`redipy.records`): iterate keys, read a key, write
        one back exactly, load a script; what migration, the shell and the debugger use."""
        return records_of(self._backend)

    def get_runtime(self) -> Redis:
        """0.7.1's runtime of this client: a :class:`LocalRuntime` or
        :class:`RedisConnection` over the same backend (``client=`` of a script call
        accepts it); :attr:`backend` is the backend itself."""
        kind = self._backend.kind
        if kind == "memory":
            return self.get_memory_runtime()
        if kind == "redis" and not getattr(self._backend, "cluster", False):
            return self.get_redis_runtime()
        return self

    def set_compile_hook(self, hook: Callable[[Any], None] | None) -> None:
        """0.7.1's runtime method: ``hook`` receives the JSON view of each script
        registered from now on (:mod:`redipy.script.view`)."""
        lua, _, verbose = self._script_hooks
        self._script_hooks = (lua, hook, verbose)

    def set_code_hook(self, hook: Callable[[list[str]], None] | None) -> None:
        """0.7.1's runtime method: ``hook`` receives the Lua lines of each script
        registered on a server from now on."""
        _, comp, verbose = self._script_hooks
        self._script_hooks = (hook, comp, verbose)

    def maybe_get_redis_runtime(self) -> RedisConnection | None:
        """The Redis runtime when this client talks to a server, else ``None``."""
        return self.get_redis_runtime() if self._backend.kind == "redis" else None

    def maybe_get_memory_runtime(self) -> LocalRuntime | None:
        """The memory runtime when this client is in-process, else ``None``."""
        return self.get_memory_runtime() if self._backend.kind == "memory" else None

    def get_redis_runtime(self) -> RedisConnection:
        """0.7.1's Redis runtime: a :class:`RedisConnection` over this client's backend
        (same connection, prefix and hooks); ``get_connection()`` yields redis-py's
        client."""
        if self._backend.kind != "redis":
            raise ConfigError("not a redis runtime: this client does not use the Redis backend")
        return RedisConnection._over(self._backend, self._script_hooks)

    def get_memory_runtime(self) -> LocalRuntime:
        """0.7.1's memory runtime: a :class:`LocalRuntime` over this client's data."""
        if self._backend.kind != "memory":
            raise ConfigError("not a memory runtime: this client does not use the memory backend")
        return LocalRuntime._over(self._backend, self._script_hooks)

    def get_connection(self) -> Any:
        """The underlying redis-py client (Redis backend only)."""
        if self._backend.kind != "redis":
            raise ConfigError("this client does not use the Redis backend")
        backend: Any = self._backend
        return backend.conn

    def redis_py(self, *, asyncio: bool = False, **redis_kwargs: Any) -> Any:
        """A real ``redis.Redis`` (``redis.asyncio.Redis`` with ``asyncio=True``) on this
        client's memory backend: every command runs in this process on the same data.
        ``redis_kwargs`` are redis-py's (``decode_responses``, ``protocol``, ``db``,
        ``client_name``, ``health_check_interval``, ``retry``, ...)."""
        if self._backend.kind != "memory":
            raise ConfigError("redis_py() needs the memory backend; for a server, use "
                              "get_connection() or redis.Redis itself")
        from redipy.redispy.client import make_client

        return make_client(self._backend, asyncio=asyncio, **redis_kwargs)

    def close(self) -> None:
        self._backend.close()

    def __repr__(self) -> str:
        return f"redipy.Redis(backend={self._backend.kind!r}, target={self._backend.target!r})"


WRONGTYPE_071 = "key has a different type"
"""0.7.1's words for a wrong type (its RedisConnection's ``TypeError``)."""


class _Runtime(Redis):
    """What 0.7.1 called a runtime: a client bound to one backend kind.

    A wrong type is the server's ``WrongTypeError`` with the server's words, followed by
    0.7.1's (:data:`WRONGTYPE_071`), which 0.7.1 code matched on; plain clients keep the
    server's words alone. ``Redis(rt=runtime)`` (0.7.1's wrapper) does the same."""

    def _call(self, name: str, *args: str) -> Any:
        try:
            return RedisClientAPI._call(self, name, *args)
        except WrongTypeError as err:
            raise _wrongtype_071(err) from err

    def _conv(self, conv: Callable[[Any], T], name: str, *args: str) -> T:
        try:
            return RedisClientAPI._conv(self, conv, name, *args)
        except WrongTypeError as err:
            raise _wrongtype_071(err) from err

    @classmethod
    def _over(cls, backend: Backend, hooks: tuple[Any, Any, bool]) -> Self:
        """A runtime sharing ``backend`` (and its data) with another client."""
        obj = cls.__new__(cls)
        Redis.__init__(obj, "custom", rt=backend)
        obj._script_hooks = hooks
        return obj


def _wrongtype_071(err: WrongTypeError) -> WrongTypeError:
    return WrongTypeError(f"{err.message} ({WRONGTYPE_071})")


class LocalRuntime(_Runtime):
    """0.7.1's ``redipy.memory.rt.LocalRuntime``: a client on a fresh memory backend."""

    def __init__(self) -> None:
        super().__init__("memory")

    def add_redis_function_plugin(self, module: str) -> None:
        """0.7.1's registration of every ``redipy.plugin.LocalRedisFunction`` in
        ``module``: scripts registered on this backend from now on call them for
        ``RedisFn(name, key, ...)`` (discouraged, as in 0.7.1: see the README)."""
        from redipy.plugin import add_memory_plugins

        add_memory_plugins(self._backend, module, redis=True)

    def add_general_function_plugin(self, module: str) -> None:
        """0.7.1's registration of every ``redipy.plugin.LocalGeneralFunction`` in
        ``module``, called for ``CallFn(name, ...)`` in scripts registered from now on."""
        from redipy.plugin import add_memory_plugins

        add_memory_plugins(self._backend, module, redis=False)

    def get_backend(self) -> Any:
        """0.7.1's script backend of this runtime (``translate`` / ``create_executable``)."""
        from redipy.script.compilers import LocalBackend

        return LocalBackend()


class RedisConnection(_Runtime):
    """0.7.1's ``redipy.redis.conn.RedisConnection``: a client on a server whose keys
    live under ``cfg["prefix"]`` and ``redis_module``."""

    def __init__(
            self,
            redis_module: str,
            *,
            cfg: dict[str, Any],
            redis_factory: Callable[..., Any] | None = None,
            is_caching_enabled: bool = True,
            verbose_test: bool = False) -> None:
        super().__init__(
            "redis", cfg=cfg, redis_module=redis_module, redis_factory=redis_factory,
            is_caching_enabled=is_caching_enabled, verbose_lua_test=verbose_test)

    @contextlib.contextmanager
    def get_connection(self) -> Iterator[Any]:
        """A redis-py client answering in bytes, as a context (0.7.1's shape)."""
        from redipy.redis.dynamic import bytes_client

        yield bytes_client(self._backend)

    def get_prefix(self) -> str:
        """The key prefix every key of this runtime is stored under."""
        return str(getattr(self._backend, "prefix", ""))

    def with_prefix(self, key: str) -> str:
        """``key`` as stored on the server."""
        return f"{self.get_prefix()}{key}"

    def no_prefix(self, key: str) -> str:
        """A stored key without the prefix (``ValueError`` when it lacks it)."""
        res = key.removeprefix(self.get_prefix())
        if res == key and self.get_prefix():
            raise ValueError(
                f"invalid key ({key}) does not contain prefix {self.get_prefix()}")
        return res

    def get_backend(self) -> Any:
        """0.7.1's script backend of this runtime: a ``LuaBackend`` whose
        ``add_redis_patch_plugin`` / ``add_general_patch_plugin`` /
        ``add_helper_function_plugin`` register on this connection's scripts."""
        from redipy.script.compilers import LuaBackend
        from redipy.script.plugins import table_for

        return LuaBackend(table_for(self._backend))

    def get_dynamic_script(self, code: str) -> Callable[..., bytes]:
        """Raw Lua ``code`` as a callable ``run(keys=..., args=..., client=...)`` giving
        the reply as bytes; a failure is a ``ValueError`` quoting the failing line in
        its context (0.7.1's debugging aid)."""
        from redipy.redis.dynamic import dynamic_script

        return dynamic_script(self, code)
