"""Which event loop ``redipy serve`` runs in: uvloop's when it is installed.

Per request at ``redis-benchmark -c 50 -P 1`` most of a Python server's time goes to the
loop itself (selector wake-ups, read/write callbacks, transport bookkeeping), not to
parsing or to the command: uvloop does that part in C (libuv), so the same code serves
about a fifth more requests a second (``benchmarks/bench_serve.py``). It is optional
(``pip install "redipy[serve]"``); without it, or with ``loop="asyncio"`` (the CLI's
``--loop asyncio``), the standard library's loop runs the same code.
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable

LOOPS = ("auto", "uvloop", "asyncio")


def has_uvloop() -> bool:
    return importlib.util.find_spec("uvloop") is not None


def loop_factory(kind: str = "auto") -> Callable[[], asyncio.AbstractEventLoop]:
    """A function making a new event loop of ``kind`` (``auto``: uvloop if installed).
    ``ValueError`` for an unknown kind or ``uvloop`` when it is not installed."""
    if kind not in LOOPS:
        raise ValueError(f"unknown event loop {kind!r} (one of {', '.join(LOOPS)})")
    if kind == "asyncio" or (kind == "auto" and not has_uvloop()):
        return asyncio.new_event_loop
    try:
        import uvloop
    except ImportError:
        raise ValueError("uvloop is not installed (pip install \"redipy[serve]\")") from None
    return uvloop.new_event_loop
