"""Error replies of the memory backend's dispatcher, worded as Redis words them.

Kept apart from the backend so that the transaction queue (which checks commands as
they are queued) and the backend both use them without importing each other.
"""

from __future__ import annotations

from collections.abc import Sequence

from redipy.errors import ResponseError


def unknown_command(name: str, args: Sequence[str]) -> ResponseError:
    """Redis's wording, including its habit of listing the first few arguments."""
    shown = ""
    for arg in args:
        if len(shown) >= 128:
            break
        shown += f"'{arg[: 128 - len(shown)]}' "
    return ResponseError(f"ERR unknown command '{name}', with args beginning with: {shown}")


def arity_error(name: str) -> ResponseError:
    return ResponseError(f"ERR wrong number of arguments for '{name.lower()}' command")
