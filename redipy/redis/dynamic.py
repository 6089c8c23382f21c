"""0.7.1's ``RedisConnection.get_dynamic_script``: raw Lua run with redis-py, its errors
shown with the failing line in context."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import redis
from redis.commands.core import Script
from redis.exceptions import ResponseError as PyResponseError

_CONTEXT = 3
_LOCK = threading.Lock()


def bytes_client(backend: Any) -> redis.Redis:
    """A redis-py client on ``backend``'s server answering in bytes (0.7.1's raw
    connection); made once per backend."""
    with _LOCK:
        client: redis.Redis | None = getattr(backend, "_bytes_client", None)
        if client is None:
            pool = backend.conn.connection_pool
            kwargs = dict(pool.connection_kwargs)
            kwargs.update(decode_responses=False)
            kwargs.pop("encoding_errors", None)
            client = redis.Redis(connection_pool=redis.ConnectionPool(
                connection_class=pool.connection_class, **kwargs))
            backend._bytes_client = client
        return client


def _explain(code: str, message: str) -> str:
    """The error text with the script and the lines around ``user_script:N``."""
    marker = "user_script:"
    start = message.find(marker)
    end = message.find(":", start + len(marker)) if start >= 0 else -1
    if start < 0 or end < 0 or not message[start + len(marker):end].isdigit():
        return message
    num = int(message[start + len(marker):end])
    lines = [""] * _CONTEXT + code.splitlines()
    shown = lines[num - 1:num + 2 * _CONTEXT]
    context = "\n".join(
        f"{'>' if ix == _CONTEXT else ' '} {line}" for ix, line in enumerate(shown))
    return f"{message}\nCode:\n{code}\n\nContext:\n{context}"


def dynamic_script(runtime: Any, code: str) -> Callable[..., bytes]:
    """``run(*, keys, args, client=None)`` evaluating ``code`` (keys as given: the caller
    adds the prefix with ``with_prefix``)."""
    script = Script(None, code.encode("utf-8"))  # type: ignore[arg-type]

    def run(*, keys: list[str], args: list[bytes | str | int],
            client: redis.Redis | None = None) -> bytes:
        target = bytes_client(runtime.backend) if client is None else client
        try:
            return script(keys=keys, args=args, client=target)  # type: ignore[no-any-return]
        except PyResponseError as err:
            text = str(err.args[0]) if err.args else str(err)
            raise ValueError(f"Error while executing script: {_explain(code, text)}") from err

    return run
