"""The ``#!lua flags=...`` first line of a script (Redis 7 / Valkey).

A body starting with ``#!`` names its engine and options; only ``lua`` and ``flags=``
(``name=`` too, for FUNCTION LOAD) exist. The line is blanked before compiling, so line
numbers in errors still count it, as on a server.
"""

from __future__ import annotations

from redipy.errors import ResponseError

FLAGS = frozenset({"no-writes", "allow-oom", "allow-stale", "no-cluster",
                   "allow-cross-slot-keys"})


def parse(body: str, *, library: bool = False) -> tuple[str, frozenset[str], str | None,
                                                         bool]:
    """(code to compile, flags, library name, has shebang) for a script body."""
    if not body.startswith("#!"):
        return body, frozenset(), None, False
    line, nl, rest = body.partition("\n")
    parts = line[2:].split()
    engine = parts[0] if parts else ""
    if engine != "lua":
        if library:
            raise ResponseError(f"ERR Engine '{engine}' not found")
        raise ResponseError(f"ERR Could not find scripting engine '{engine}'")
    flags: set[str] = set()
    name: str | None = None
    for opt in parts[1:]:
        if opt.startswith("flags=") and not library:
            for flag in opt[6:].split(","):
                if not flag:
                    continue
                if flag not in FLAGS:
                    raise ResponseError(f"ERR Unexpected flag in script shebang: {flag}")
                flags.add(flag)
        elif library and opt.startswith("name="):
            name = opt[5:]
        else:
            if library:
                raise ResponseError(f"ERR Invalid metadata value given: {opt}")
            raise ResponseError(f"ERR Unknown lua shebang option: {opt}")
    return nl + rest, frozenset(flags), name, True
