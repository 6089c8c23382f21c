"""Argument builders shared by the typed API and the script key objects.

Where a redipy method has options of its own (0.7.1's ``mode=`` names rather than a
command's tokens), the translation to a command lives here once, so that
``r.expire(...)``, a pipeline's ``expire(...)`` and a script's ``RedisVar.expire(...)``
cannot send different commands for the same call.
"""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")

#: 0.7.1's expire modes and the PEXPIRE/PEXPIREAT flag each one means
EXPIRE_FLAGS: dict[str, tuple[str, ...]] = {
    "always": (),
    "if_persist": ("NX",),
    "if_expire": ("XX",),
    "if_later": ("GT",),
    "if_earlier": ("LT",),
}


def expire_command(mode: str, *, millis: T | None = None,
                   at_millis: T | None = None) -> tuple[str, tuple[T | str, ...]] | None:
    """The command for 0.7.1's ``expire(key, mode=..., expire_in=/expire_timestamp=)``,
    key left out: ``PEXPIRE ms [flag]``, ``PEXPIREAT ms [flag]`` or, with no time,
    ``PERSIST``. ``None`` means nothing can change, so the answer is False without a
    command: no expiry is never *earlier* than the key's (0.7.1 answered the same).
    Raises ``ValueError`` for an unknown mode or for both times at once."""
    flags = EXPIRE_FLAGS.get(mode)
    if flags is None:
        raise ValueError(f"unknown expire mode {mode!r}: use one of {', '.join(EXPIRE_FLAGS)}")
    if millis is not None:
        if at_millis is not None:
            raise ValueError("expire_in and expire_timestamp cannot be both set")
        return "PEXPIRE", (millis, *flags)
    if at_millis is not None:
        return "PEXPIREAT", (at_millis, *flags)
    if mode == "if_earlier":
        return None
    return "PERSIST", ()
