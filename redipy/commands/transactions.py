"""Command table: transactions (MULTI / EXEC / DISCARD / WATCH / UNWATCH).

The typed API reaches them through ``pipeline(transaction=True)``, ``pipe.watch()``
and ``Redis.transaction()``; raw MULTI/EXEC typed into the shell work too.
"""

from __future__ import annotations

from redipy.commands.spec import CommandSpec, KeyRange

_TX = frozenset({"noscript", "fast"})

COMMANDS: tuple[CommandSpec, ...] = (
    CommandSpec(
        "MULTI", "transactions", 1,
        "Start a transaction: later commands are queued and run together by EXEC.",
        "O(1)", "MULTI", "1.2.0", flags=_TX, status_reply=True, script=False),
    CommandSpec(
        "EXEC", "transactions", 1,
        "Run every queued command of the transaction at once, with no other client's "
        "command in between; nil when a WATCHed key changed.",
        "Depends on the queued commands",
        "EXEC", "1.2.0", flags=frozenset({"noscript"}), script=False),
    CommandSpec(
        "DISCARD", "transactions", 1,
        "Drop the queued commands of the transaction and forget the WATCHed keys.",
        "O(N) where N is the number of queued commands",
        "DISCARD", "2.0.0", flags=_TX, status_reply=True, script=False),
    CommandSpec(
        "WATCH", "transactions", -2,
        "Make the next EXEC of this client fail if any of these keys changes before it.",
        "O(1) for every key watched",
        "WATCH key [key ...]", "2.2.0", (KeyRange(1, -1),), _TX, status_reply=True, script=False),
    CommandSpec(
        "UNWATCH", "transactions", 1,
        "Forget every WATCHed key of this client.",
        "O(N) where N is the number of keys watched",
        "UNWATCH", "2.2.0", flags=_TX, status_reply=True, script=False),
)

TX_CONTROL: frozenset[str] = frozenset({"MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH"})
"""Commands a connection in MULTI runs at once instead of queuing."""
