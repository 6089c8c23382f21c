"""The Redis backend: the same argument lists, sent to a real server by redis-py.

Replies come back raw (redis-py's per-command reply callbacks are switched off),
so the API layer converts them exactly as it converts the memory backend's.
A key prefix, when configured, is put in front of every key the command table
says is a key, and taken off keys the server sends back.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

import redis
import redis.exceptions as rex

from redipy import commands
from redipy.errors import (
    AuthenticationError,
    ConfigError,
    ConnectionError,
    ResponseError,
    TimeoutError,
    response_error,
)
from redipy.reply import Status

_SCHEMES = ("redis", "rediss", "unix")


def safe_url(url: str) -> str:
    """The URL with any password replaced by ``***``, fit to print."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.rsplit("@", 1)[1]
    user = parts.username or ""
    return parts._replace(netloc=f"{user}:***@{netloc}").geturl()


def effective_prefix(prefix: str, module: str = "") -> str:
    """0.7.1's key namespace: ``prefix`` + ``module`` with exactly one ``:`` after it."""
    joined = f"{prefix}{module}".rstrip(":")
    return f"{joined}:" if joined else ""


def _status_reply(name: str, args: Sequence[str]) -> bool:
    spec = commands.COMMANDS.get(name)
    if spec is None or not spec.status_reply:
        return False
    if name == "SET":
        return not any(arg.upper() == "GET" for arg in args[2:])
    if name == "PING":
        return not args
    return True


class RedisBackend:
    """A connection to one Redis or Valkey server (or a cluster, through redis-py)."""

    kind = "redis"

    def __init__(self, client: Any, *, prefix: str = "", target: str | None = None) -> None:
        pool = client.connection_pool
        kwargs = dict(pool.connection_kwargs)
        if not kwargs.get("decode_responses") or kwargs.get("encoding_errors") != "surrogateescape":
            kwargs.update(decode_responses=True, encoding_errors="surrogateescape")
            client = redis.Redis(connection_pool=redis.ConnectionPool(
                connection_class=pool.connection_class, **kwargs))
        else:
            client = redis.Redis(connection_pool=pool)
        client.response_callbacks = {}
        self.conn = client
        self.prefix = prefix
        self._target = target or self._describe(kwargs)
        self._plen = len(prefix)

    # ---- construction ----------------------------------------------------------

    @staticmethod
    def _describe(kwargs: dict[str, Any]) -> str:
        if kwargs.get("path"):
            return f"unix:{kwargs['path']}"
        return f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"

    @classmethod
    def from_cfg(cls, cfg: dict[str, Any]) -> RedisBackend:
        """0.7.1's cfg (host, port, passwd, prefix; ``path`` is accepted and ignored,
        as it was), plus url, db, username, ssl and unix_socket_path."""
        url = cfg.get("url")
        prefix = effective_prefix(str(cfg.get("prefix") or ""), str(cfg.get("redis_module") or ""))
        if url:
            return cls.from_url(str(url), prefix=prefix)
        passwd = cfg.get("passwd") or cfg.get("password") or None
        common = {
            "password": passwd,
            "username": cfg.get("username") or None,
            "db": int(cfg.get("db", 0)),
            "decode_responses": True,
            "encoding_errors": "surrogateescape",
            "socket_connect_timeout": cfg.get("connect_timeout", 5.0),
        }
        if cfg.get("unix_socket_path"):
            client = redis.Redis(unix_socket_path=str(cfg["unix_socket_path"]), **common)
        else:
            client = redis.Redis(
                host=str(cfg.get("host") or "localhost"),
                port=int(cfg.get("port") or 6379),
                ssl=bool(cfg.get("ssl", False)),
                **common,
            )
        return cls(client, prefix=prefix)

    @classmethod
    def from_url(cls, url: str, *, prefix: str = "") -> RedisBackend:
        scheme = urlsplit(url).scheme
        if scheme not in _SCHEMES:
            raise ConfigError(
                f"unsupported URL scheme {scheme!r} in {safe_url(url)}: "
                "use redis://, rediss:// or unix://")
        try:
            client = redis.Redis.from_url(
                url, decode_responses=True, encoding_errors="surrogateescape",
                socket_connect_timeout=5.0)
        except ValueError as err:
            raise ConfigError(f"bad Redis URL {safe_url(url)}: {err}") from None
        return cls(client, prefix=prefix)

    @property
    def target(self) -> str:
        return self._target

    # ---- running commands --------------------------------------------------------

    def _keyed(self, name: str, args: Sequence[str]) -> Sequence[str]:
        spec = commands.COMMANDS.get(name)
        if spec is None or not spec.keys:
            return args
        argv = [name, *args]
        prefix = self.prefix
        for pos in spec.key_positions(argv):
            argv[pos] = prefix + argv[pos]
        return argv[1:]

    def strip_key(self, key: str) -> str:
        plen = self._plen
        return key[plen:] if plen and key.startswith(self.prefix) else key

    def _fail(self, err: Exception) -> Exception:
        if isinstance(err, rex.ResponseError):
            return response_error(str(err))
        if isinstance(err, rex.AuthenticationError):
            return AuthenticationError(f"authentication to {self._target} failed: {err}")
        if isinstance(err, rex.TimeoutError):
            return TimeoutError(f"timed out talking to {self._target}")
        if isinstance(err, rex.ConnectionError):
            why = str(err).split(". ")[-1].rstrip(".") or "connection failed"
            return ConnectionError(f"cannot reach Redis at {self._target}: {why}")
        return err

    def run(self, name: str, args: Sequence[str]) -> Any:
        if self._plen:
            args = self._keyed(name, args)
        try:
            reply = self.conn.execute_command(name, *args)
        except rex.RedisError as err:
            raise self._fail(err) from None
        if type(reply) is str and _status_reply(name, args):
            return Status(reply)
        return reply

    def execute(self, *argv: str) -> Any:
        """Run a command as a client typed it (the shell's path)."""
        if not argv:
            raise ResponseError("ERR empty command")
        name = argv[0].upper()
        return self.run(name, argv[1:]) if name in commands.COMMANDS else self._raw(argv)

    def _raw(self, argv: Sequence[str]) -> Any:
        try:
            return self.conn.execute_command(*argv)
        except rex.RedisError as err:
            raise self._fail(err) from None

    def run_batch(self, calls: Sequence[tuple[str, Sequence[str]]],
                  *, transaction: bool = False) -> list[Any]:
        pipe = self.conn.pipeline(transaction=transaction)
        for name, args in calls:
            pipe.execute_command(name, *(self._keyed(name, args) if self._plen else args))
        try:
            replies = pipe.execute(raise_on_error=False)
        except rex.RedisError as err:
            raise self._fail(err) from None
        out: list[Any] = []
        for (name, args), reply in zip(calls, replies):
            if isinstance(reply, rex.RedisError):
                out.append(self._fail(reply))
            elif type(reply) is str and _status_reply(name, args):
                out.append(Status(reply))
            else:
                out.append(reply)
        return out

    def close(self) -> None:
        self.conn.close()


def password_from_env(var: str) -> str | None:
    return os.environ.get(var) or None
