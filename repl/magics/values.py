"""Replies as plain Python values (``-o NAME``, ``x = %redipy ...``) and as DataFrames
(``--df``).

A raw reply carries markers (:class:`redipy.reply.Status`, ``Map``, ``Pairs``, ...) that
matter to renderers, not to Python code: ``-o`` hands out ``str``, ``int``, ``float``,
``None``, ``list``, ``dict`` and ``tuple`` only. Hashes (HGETALL, CONFIG GET, HRANDFIELD
WITHVALUES) become dicts and scored replies (WITHSCORES) lists of ``(member, score)``,
from the marker on memory and from the command on a server, so both agree.
"""

from __future__ import annotations

import importlib
from collections.abc import Sequence
from typing import Any

from redipy.repl.magics.errors import MagicError
from redipy.repl.render import pairs_kind

from redipy.reply import Bool, Double, Map, Pairs


def plain_value(reply: Any, argv: Sequence[str] | None = None) -> Any:
    """``reply`` as built-in Python values (errors standing in place are kept)."""
    kind = pairs_kind(argv)
    if isinstance(reply, Map) or (kind == "map" and type(reply) is list and not len(reply) % 2):
        it = iter([plain_value(x) for x in reply])
        try:
            return dict(zip(it, it))
        except TypeError:
            return [plain_value(x) for x in reply]
    if isinstance(reply, Pairs) or (kind == "scored" and type(reply) is list
                                    and not len(reply) % 2):
        it = iter([plain_value(x) for x in reply])
        return [(m, _number(s)) for m, s in zip(it, it)]
    if isinstance(reply, Double):
        return _number(reply)
    if isinstance(reply, Bool):
        return bool(reply)
    if isinstance(reply, dict):
        return {plain_value(k): plain_value(v) for k, v in reply.items()}
    if isinstance(reply, list | tuple):
        return [plain_value(x) for x in reply]
    if isinstance(reply, str):
        return str(reply)
    if isinstance(reply, bool):
        return bool(reply)
    if isinstance(reply, int):
        return int(reply)
    if isinstance(reply, float):
        return float(reply)
    return reply


def _number(value: Any) -> Any:
    try:
        return float(value)
    except (TypeError, ValueError):
        return value


def dataframe(value: Any) -> Any:
    """A pandas DataFrame of a plain value: a dict as ``field``/``value`` rows, scored
    pairs as ``member``/``score``, a list of lists as rows, a list as a ``value`` column."""
    try:
        pandas = importlib.import_module("pandas")
    except ImportError:
        raise MagicError("--df needs pandas (pip install pandas, or redipy[notebooks])") \
            from None
    if isinstance(value, dict):
        return pandas.DataFrame({"field": list(value), "value": list(value.values())})
    if isinstance(value, list) and value and all(isinstance(x, tuple) for x in value):
        return pandas.DataFrame(value, columns=["member", "score"])
    if isinstance(value, list) and value and all(isinstance(x, list) for x in value):
        return pandas.DataFrame(value)
    if isinstance(value, list):
        return pandas.DataFrame({"value": value})
    return pandas.DataFrame({"value": [value]})
