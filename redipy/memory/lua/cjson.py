"""``cjson`` as servers ship it (lua-cjson 2.1): the encoder's array detection, number
precision (14 significant digits), escapes (``/`` included) and error messages, and a
decoder giving ``cjson.null`` for JSON null.

Object keys come out in the Lua table's own iteration order (``lua_next``), which is
the embedded Lua's hash layout: lupa's is Redis 7.0's (for keys under 32 bytes);
Valkey 8.1/9.1 hash strings with MurmurHash3, and since the layout also depends on the
order keys went in, which a table does not record, their order cannot be rebuilt here
(tests/test_server_differences.py pins it).
"""

from __future__ import annotations

import math
import re
from typing import Any

import lupa.lua51 as lupa

from redipy.memory.lua.wrap import LuaLib, LuaLibError

_ESCAPES = {'"': '\\"', "\\": "\\\\", "/": "\\/", "\b": "\\b", "\f": "\\f", "\n": "\\n",
            "\r": "\\r", "\t": "\\t"}
for _c in range(32):
    _ESCAPES.setdefault(chr(_c), f"\\u{_c:04x}")
_ESCAPES[chr(127)] = "\\u007f"
_TRANS = str.maketrans(_ESCAPES)

MAX_DEPTH = 1000
_STRTOD = re.compile(r"[+-]?(?:0[xX][0-9a-fA-F]+|(?i:infinity|inf|nan)|"
                     r"(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)")


def _number(x: float) -> str:
    if math.isnan(x) or math.isinf(x):
        raise LuaLibError("Cannot serialise number: must not be NaN or Inf")
    return f"{x:.14g}"


class _Encoder:
    def __init__(self) -> None:
        self.out: list[str] = []

    def value(self, v: Any, depth: int) -> None:
        kind = type(v)
        if kind is str:
            self.out.append('"' + v.translate(_TRANS) + '"')
        elif kind is int or kind is float:
            self.out.append(_number(v))
        elif kind is bool:
            self.out.append("true" if v else "false")
        elif v is None:
            self.out.append("null")
        else:
            ltype = lupa.lua_type(v)
            if ltype == "table":
                self.table(v, depth + 1)
            elif ltype == "userdata":
                self.out.append("null")
            else:
                raise LuaLibError(f"Cannot serialise {ltype}: type not supported")

    def table(self, t: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise LuaLibError(f"Cannot serialise, excessive nesting ({depth})")
        items = list(t.items())
        size = self._array_size(items)
        out = self.out
        if size > 0:
            by_index = {int(k): v for k, v in items}
            out.append("[")
            for i in range(1, size + 1):
                if i > 1:
                    out.append(",")
                self.value(by_index.get(i), depth)
            out.append("]")
            return
        out.append("{")
        first = True
        for k, v in items:
            if not first:
                out.append(",")
            first = False
            kind = type(k)
            if kind is str:
                out.append('"' + k.translate(_TRANS) + '":')
            elif kind is int or kind is float:
                out.append('"' + _number(k) + '":')
            else:
                raise LuaLibError(
                    "Cannot serialise table: table key must be a number or string")
            self.value(v, depth)
        out.append("}")

    @staticmethod
    def _array_size(items: list[tuple[Any, Any]]) -> int:
        """lua-cjson's ``lua_array_length``: -1 for an object, else the array length."""
        top = 0
        for k, _ in items:
            if type(k) is int and k >= 1:
                top = max(top, k)
            elif type(k) is float and k >= 1 and k == math.floor(k):
                top = max(top, int(k))
            else:
                return -1
        if top > 10 and top > len(items) * 2:
            raise LuaLibError("Cannot serialise table: excessively sparse array")
        return top


class _Decoder:
    """A JSON reader that fails where lua-cjson fails, with its messages."""

    def __init__(self, lua: Any, text: str, null: Any) -> None:
        self.lua = lua
        self.s = text
        self.i = 0
        self.null = null
        self.depth = 0

    def error(self, expected: str, found: str, at: int) -> LuaLibError:
        return LuaLibError(f"Expected {expected} but found {found} at character {at + 1}")

    def skip(self) -> None:
        s, n = self.s, len(self.s)
        while self.i < n and s[self.i] in " \t\n\r":
            self.i += 1

    def token(self) -> tuple[str, int]:
        """The next token's name (cjson's T_* names) and where it starts."""
        self.skip()
        at = self.i
        if at >= len(self.s):
            return "T_END", at
        c = self.s[at]
        names = {"{": "T_OBJ_BEGIN", "}": "T_OBJ_END", "[": "T_ARR_BEGIN", "]": "T_ARR_END",
                 ",": "T_COMMA", ":": "T_COLON"}
        if c in names:
            return names[c], at
        if c == '"':
            return "T_STRING", at
        if c in "-0123456789":
            return "T_NUMBER", at
        for word, name in (("true", "T_BOOLEAN"), ("false", "T_BOOLEAN"), ("null", "T_NULL")):
            if self.s.startswith(word, at):
                return name, at
        head = self.s[at:at + 3].lower()
        if c == "+" or head in ("inf", "nan"):
            return "T_NUMBER", at  # decode_invalid_numbers (on in servers): strtod reads it
        return "invalid token", at

    def value(self) -> Any:
        tok, at = self.token()
        s = self.s
        if tok == "T_OBJ_BEGIN":
            return self.obj()
        if tok == "T_ARR_BEGIN":
            return self.arr()
        if tok == "T_STRING":
            return self.string()
        if tok == "T_NUMBER":
            return self.number()
        if tok == "T_BOOLEAN":
            if s.startswith("true", at):
                self.i = at + 4
                return True
            self.i = at + 5
            return False
        if tok == "T_NULL":
            self.i = at + 4
            return self.null
        raise self.error("value", tok, at)

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise LuaLibError(f"Found too many nested data structures ({self.depth}) at "
                              f"character {self.i + 1}")

    def obj(self) -> Any:
        self.nest()
        self.i += 1
        out: dict[Any, Any] = {}
        tok, at = self.token()
        if tok == "T_OBJ_END":
            self.i = at + 1
            self.depth -= 1
            return self.lua.table_from(out)
        while True:
            tok, at = self.token()
            if tok != "T_STRING":
                raise self.error("object key string", tok, at)
            key = self.string()
            tok, at = self.token()
            if tok != "T_COLON":
                raise self.error("colon", tok, at)
            self.i = at + 1
            out[key] = self.value()
            tok, at = self.token()
            self.i = at + 1
            if tok == "T_OBJ_END":
                break
            if tok != "T_COMMA":
                raise self.error("comma or object end", tok, at)
        self.depth -= 1
        return self.lua.table_from(out)

    def arr(self) -> Any:
        self.nest()
        self.i += 1
        out: list[Any] = []
        tok, at = self.token()
        if tok == "T_ARR_END":
            self.i = at + 1
            self.depth -= 1
            return self.lua.table_from(out)
        while True:
            out.append(self.value())
            tok, at = self.token()
            self.i = at + 1
            if tok == "T_ARR_END":
                break
            if tok != "T_COMMA":
                raise self.error("comma or array end", tok, at)
        self.depth -= 1
        table = self.lua.table_from(out)
        return table

    def string(self) -> str:
        s, i = self.s, self.i + 1
        parts: list[str] = []
        start = self.i
        while True:
            j = i
            while j < len(s) and s[j] not in '"\\':
                j += 1
            if j >= len(s):
                raise self.error("value", "invalid token", start)
            parts.append(s[i:j])
            if s[j] == '"':
                self.i = j + 1
                return "".join(parts)
            esc = s[j + 1:j + 2]
            simple = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n",
                      "r": "\r", "t": "\t"}
            if esc in simple:
                parts.append(simple[esc])
                i = j + 2
            elif esc == "u":
                code, i = self.unicode(j)
                parts.append(chr(code).encode("utf-8", "surrogatepass").decode("latin-1"))
            else:
                raise self.error("value", "invalid escape code", start)

    def unicode(self, j: int) -> tuple[int, int]:
        s = self.s
        hexa = s[j + 2:j + 6]
        try:
            code = int(hexa, 16) if len(hexa) == 4 else -1
        except ValueError:
            code = -1
        if code < 0:
            raise self.error("value", "invalid unicode escape code", self.i)
        i = j + 6
        if 0xD800 <= code < 0xDC00 and s[i:i + 2] == "\\u":
            try:
                low = int(s[i + 2:i + 6], 16)
            except ValueError:
                low = -1
            if 0xDC00 <= low < 0xE000:
                code = 0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)
                i += 6
        return code, i

    def number(self) -> Any:
        """strtod's longest number at the position (hex, inf and nan included)."""
        match = _STRTOD.match(self.s, self.i)
        if match is None or not match.group(0):
            raise self.error("value", "invalid number", self.i)
        text = match.group(0)
        self.i = match.end()
        body = text.lstrip("+-")
        if body[:2].lower() == "0x":
            value = float(int(body, 16))
        elif body[:3].lower() == "nan":
            value = math.nan
        elif body[:3].lower() == "inf":
            value = math.inf
        else:
            value = float(body)
        if text.startswith("-"):
            value = -value
        if math.isfinite(value) and value == int(value) and abs(value) < 2**63:
            return int(value)
        return value

    def document(self) -> Any:
        value = self.value()
        tok, at = self.token()
        if tok != "T_END":
            raise self.error("the end", tok, at)
        return value


def build(lua: Any, where: Any) -> Any:
    lib = LuaLib(lua, "cjson", where)
    null = lua.eval("newproxy(false)")

    @lib.fn
    def _encode(*args: Any) -> Any:
        if len(args) != 1:
            raise LuaLibError("bad argument #1 to 'encode' (expected 1 argument)")
        enc = _Encoder()
        enc.value(args[0], 0)
        return "".join(enc.out)

    @lib.fn
    def _decode(*args: Any) -> Any:
        if len(args) != 1:
            raise LuaLibError("bad argument #1 to 'decode' (expected 1 argument)")
        text = args[0]
        if type(text) in (int, float):
            text = f"{text:.14g}"
        if type(text) is not str:
            raise LuaLibError("bad argument #1 to 'decode' (string expected, got "
                              f"{lupa.lua_type(text) or type(text).__name__})")
        return _Decoder(lua, text, null).document()

    def setting(name: str, value: Any) -> None:
        lib.add(name, lambda *a: value)

    setting("encode_sparse_array", (False, 2, 10))
    setting("encode_max_depth", MAX_DEPTH)
    setting("decode_max_depth", MAX_DEPTH)
    setting("encode_number_precision", 14)
    setting("encode_keep_buffer", True)
    setting("encode_invalid_numbers", False)
    setting("decode_invalid_numbers", True)
    lib.add("new", lambda *a: lib.table(null=null, _NAME="cjson", _VERSION="2.1.0"))
    return lib.table(null=null, _NAME="cjson", _VERSION="2.1.0")
