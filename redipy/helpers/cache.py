"""0.7.1's ``RCache``: values computed once and shared through Redis.

A key holding the empty string means "being computed": other callers wait for the
publish on that key (``wait_for``) instead of computing the value again, and compute it
themselves after ``timeout`` seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Generic, TypeVar

from redipy.api import RSM_MISSING, RedisClientAPI

K = TypeVar("K")
V = TypeVar("V")


class RCache(Generic[K, V]):
    """A cache in Redis with in-flight computation detection (0.7.1's names)."""

    def __init__(
            self,
            rt: RedisClientAPI,
            *,
            prefix: str,
            hasher: Callable[[K], str],
            compute: Callable[[K], V],
            value_store: Callable[[V], str],
            value_read: Callable[[str], V]) -> None:
        """``hasher`` names a key's entry, ``compute`` makes its value,
        ``value_store`` / ``value_read`` convert it to and from a non-empty string."""
        self._rt = rt
        self._prefix = f"{prefix}:" if prefix else ""
        self._hasher = hasher
        self._compute = compute
        self._value_store = value_store
        self._value_read = value_read

    def get_value(self, key: K, *, timeout: float = 300.0) -> V:
        """The cached value of ``key``, computed here when nobody has it; waits up to
        ``timeout`` seconds for a computation already running elsewhere."""
        rt = self._rt
        name = self._hasher(key)
        rkey = f"{self._prefix}{name}"
        stored = rt.get_value(rkey)
        if stored:
            return self._value_read(stored)
        if stored is not None:  # "" : in flight elsewhere
            stored = rt.wait_for(rkey, lambda: rt.get_value(rkey), timeout)
            if stored:
                return self._value_read(stored)
        rt.set_value(rkey, "", mode=RSM_MISSING)
        value = self._compute(key)
        text = self._value_store(value)
        if not text:
            raise ValueError(f"compute for {key=} with res={value!r} mapping to ''")
        rt.set_value(rkey, text)
        rt.publish(rkey, name)
        return value


__all__ = ["RCache"]
