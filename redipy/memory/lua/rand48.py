"""The PRNG behind ``math.random`` in Redis's Lua (``redisLrand48``).

Servers replace Lua's ``rand()`` with a 48-bit linear congruential generator started from
lrand48's unseeded state when the Lua state is created, so a script's random numbers are the same on
every server and every replica. ``math.random()`` is ``(lrand48() % INT32_MAX) /
INT32_MAX``.
"""

from __future__ import annotations

_A = 0x5DEECE66D
_C = 0xB
_MASK = (1 << 48) - 1
_INT32_MAX = 2147483647


class Rand48:
    def __init__(self) -> None:
        self.state = 0x1234ABCD330E  # lrand48's state before any seeding

    def seed(self, value: int) -> None:
        self.state = (((value & 0xFFFFFFFF) << 16) | 0x330E) & _MASK

    def next_int(self) -> int:
        self.state = (_A * self.state + _C) & _MASK
        return self.state >> 17

    def next_float(self) -> float:
        return (self.next_int() % _INT32_MAX) / _INT32_MAX
