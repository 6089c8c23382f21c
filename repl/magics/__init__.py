"""IPython magics for redipy: ``%load_ext redipy``, then ``%%redipy`` and ``%redipy``.

Importing this package imports IPython; ``import redipy`` does not (its
``load_ipython_extension`` imports this package only when IPython calls it).
"""

from __future__ import annotations

from typing import Any

from redipy.repl.magics.cells import Command, parse_cell
from redipy.repl.magics.connections import Connection, Connections
from redipy.repl.magics.display import LuaCode, Reply, Table, Trace
from redipy.repl.magics.errors import MagicError
from redipy.repl.magics.magic import RedipyMagics


def load_ipython_extension(ipython: Any) -> None:
    """Register the magics with ``ipython`` (quietly: no output, no connection)."""
    magics = RedipyMagics(shell=ipython)
    ipython.register_magics(magics)
    if magics not in ipython.configurables:
        ipython.configurables.append(magics)


def unload_ipython_extension(ipython: Any) -> None:
    """Remove the magics and close their connections (``%unload_ext redipy``)."""
    manager = ipython.magics_manager
    magics = manager.registry.pop(RedipyMagics.__name__, None)
    for kind in ("line", "cell"):
        table = manager.magics.get(kind, {})
        if getattr(table.get("redipy"), "__self__", None) is magics:
            del table["redipy"]
    if magics is not None:
        if magics in ipython.configurables:
            ipython.configurables.remove(magics)
        magics.close()


__all__ = [
    "Command",
    "Connection",
    "Connections",
    "LuaCode",
    "MagicError",
    "RedipyMagics",
    "Reply",
    "Table",
    "Trace",
    "load_ipython_extension",
    "parse_cell",
    "unload_ipython_extension",
]
