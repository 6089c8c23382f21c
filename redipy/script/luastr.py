"""Lua string literals, shared by the Lua compiler and the type checker of scripts."""

from __future__ import annotations


def lua_string(text: str) -> str:
    """A Lua string literal (printable ASCII as is, every other byte as ``\\ddd``)."""
    out = ['"']
    for byte in text.encode("utf-8", "surrogateescape"):
        char = chr(byte)
        if char in '"\\':
            out.append("\\" + char)
        elif char == "\n":
            out.append("\\n")
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\{byte:03d}")
    out.append('"')
    return "".join(out)
