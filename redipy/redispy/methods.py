"""Command methods the drop-in's clients take in place of redis-py's, for their plainest
form only.

redis-py's ``set()`` is wrapped in ``@experimental_args``, which builds a dict of every
call's arguments to look for four experimental ones (``ifeq``, ``ifne``, ``ifdeq``,
``ifdne``): a third of what ``r.set(key, value)`` costs redis-py before any command
runs. With nothing but a key and a value, redis-py's body sends
``execute_command("SET", key, value)`` and nothing else (no flag, no option, no check
that can fail), and that is all :meth:`FastCommands.set` does for that call. Any other
call runs redis-py's own body, after the wrapper's warning for an experimental
argument, given at the caller's line as redis-py gives it. :meth:`FastCommands.zadd`
does the same for one member and score with no flags (redis-py's five checks all pass
then, and it sends ``ZADD key score member``).

The methods keep redis-py's signature and docstring for ``help()`` and ``inspect``.
"""

from __future__ import annotations

import functools
from typing import Any

from redis.commands.core import BasicKeyCommands, SortedSetCommands
from redis.utils import warn_experimental_arg_usage

_SET: Any = BasicKeyCommands.set
_SET_BODY: Any = getattr(_SET, "__wrapped__", _SET)  # redis-py's body without the wrapper
_SET_NAMES = _SET_BODY.__code__.co_varnames[1:_SET_BODY.__code__.co_argcount]  # no self
SET_EXPERIMENTAL = ("ifeq", "ifne", "ifdeq", "ifdne")
"""The arguments redis-py 8's ``set()`` warns about (tests/test_redispy.py compares the
warnings with redis-py's own)."""

_ZADD: Any = SortedSetCommands.zadd
_GET: Any = BasicKeyCommands.get


def stock_set(client: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """redis-py's ``set()`` for any call: its wrapper's warning (once per experimental
    argument passed, whatever its value, at the caller of ``set()``), then its body."""
    if _SET_BODY is not _SET:
        given = set(_SET_NAMES[:len(args)]).union(kwargs)
        for name in SET_EXPERIMENTAL:
            if name in given:
                # warn <- this function <- set() <- the caller
                warn_experimental_arg_usage(name, "set", stacklevel=4)
    return _SET_BODY(client, *args, **kwargs)


class FastCommands:
    """``set`` and ``zadd`` with their plainest call made directly (see the module)."""

    execute_command: Any

    def set(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and len(args) == 2:
            return self.execute_command("SET", args[0], args[1])
        return stock_set(self, args, kwargs)

    def get(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and len(args) == 1:
            return self.execute_command("GET", args[0])
        return _GET(self, *args, **kwargs)

    def zadd(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs and len(args) == 2:
            mapping = args[1]
            if type(mapping) is dict and len(mapping) == 1:
                for member, score in mapping.items():
                    return self.execute_command("ZADD", args[0], score, member)
        return _ZADD(self, *args, **kwargs)


functools.update_wrapper(FastCommands.set, _SET)
functools.update_wrapper(FastCommands.get, _GET)
functools.update_wrapper(FastCommands.zadd, _ZADD)
