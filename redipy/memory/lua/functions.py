"""Function libraries (FUNCTION LOAD / FCALL) in the backend's Lua state.

A library is Lua code whose first line is ``#!lua name=<lib>``; loading runs it in an
environment holding only ``redis`` (``register_function``, ``log`` and the version
constants), and every function it registers is then callable by FCALL, by name in any
case. The registered functions run with the function globals (no KEYS or ARGV: they
get ``keys`` and ``args`` as parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import lupa.lua51 as lupa

from redipy.errors import ResponseError
from redipy.memory.lua import shebang
from redipy.memory.lua.wrap import ScriptRaise

if TYPE_CHECKING:
    from redipy.memory.lua.runtime import LuaRuntime

NAME_RE = re.compile(r"^[A-Za-z0-9_]+$")
FUNCTION_FLAGS = ("no-writes", "allow-oom", "allow-stale", "no-cluster",
                  "allow-cross-slot-keys")
BAD_FUNCTION_NAME = ("ERR Function names can only contain letters, numbers, or "
                     "underscores(_) and must be at least one character long")
BAD_LIBRARY_NAME = ("ERR Library names can only contain letters, numbers, or "
                    "underscores(_) and must be at least one character long")


@dataclass
class Function:
    name: str
    fn: Any
    flags: tuple[str, ...]
    description: str | None
    library: str


@dataclass
class Library:
    name: str
    code: str
    functions: dict[str, Function] = field(default_factory=dict)


class Registration:
    """Collects ``register_function`` calls while one library loads."""

    def __init__(self, runtime: LuaRuntime) -> None:
        self.runtime = runtime
        self.functions: list[Function] = []
        self.error: str | None = None

    def _fail(self, msg: str) -> ScriptRaise:
        return ScriptRaise(self.runtime.table_from({"err": msg}))

    def register(self, *args: Any) -> None:
        if len(args) == 1 and lupa.lua_type(args[0]) == "table":
            name, fn, flags, desc = self._named(args[0])
        elif len(args) == 2:
            name, fn = args
            flags, desc = (), None
        else:
            raise self._fail("ERR wrong number of arguments to server.register_function")
        if type(name) is not str:
            raise self._fail("ERR first argument to server.register_function must be a "
                             "string")
        if lupa.lua_type(fn) != "function":
            raise self._fail("ERR second argument to server.register_function must be a "
                             "function")
        self.functions.append(Function(name, fn, flags, desc, ""))

    def _named(self, table: Any) -> tuple[Any, Any, tuple[str, ...], str | None]:
        name = fn = None
        flags: tuple[str, ...] = ()
        desc: str | None = None
        for key, value in table.items():
            if key == "function_name":
                name = value
            elif key == "callback":
                fn = value
            elif key == "description":
                if type(value) is not str:
                    raise self._fail("ERR description argument given to "
                                     "server.register_function must be a string")
                desc = value
            elif key == "flags":
                if lupa.lua_type(value) != "table":
                    raise self._fail("ERR flags argument to server.register_function "
                                     "must be a table representing function flags")
                got = [value[i] for i in range(1, len(value) + 1)]
                for flag in got:
                    if flag not in FUNCTION_FLAGS:
                        raise self._fail("ERR unknown flag given")
                flags = tuple(dict.fromkeys(got))
            else:
                raise self._fail("ERR unknown argument given to server.register_function")
        if name is None:
            raise self._fail("ERR server.register_function must get a function name "
                             "argument")
        if fn is None:
            raise self._fail("ERR server.register_function must get a callback argument")
        return name, fn, flags, desc


class Libraries:
    """The server's function libraries, and its functions by lower-case name."""

    def __init__(self) -> None:
        self.libs: dict[str, Library] = {}
        self.by_name: dict[str, Function] = {}

    def load(self, runtime: LuaRuntime, code: str, *, replace: bool) -> str:
        """FUNCTION LOAD: compile and run ``code``; returns the library's name."""
        lib = self.build(runtime, code, replace=replace)
        self.install(lib)
        return lib.name

    def build(self, runtime: LuaRuntime, code: str, *, replace: bool) -> Library:
        if not code.startswith("#!"):
            raise ResponseError("ERR Missing library metadata")
        body, _, name, _ = shebang.parse(code, library=True)
        if name is None:
            raise ResponseError("ERR Library name was not given")
        if not NAME_RE.match(name):
            raise ResponseError(BAD_LIBRARY_NAME)
        if name in self.libs and not replace:
            raise ResponseError(f"ERR Library '{name}' already exists")
        res = runtime.api["compile_library"](body)
        if type(res) is not tuple or res[0] is None:
            raise ResponseError(f"ERR Error compiling function: {res[1]}")
        chunk, ready = res
        reg = Registration(runtime)
        outer = runtime.registration
        runtime.registration = reg
        try:
            loaded = runtime.api["load_library"](chunk)
        finally:
            runtime.registration = outer
        if loaded is not True:
            raise ResponseError(f"ERR Error registering functions: {loaded[1]}")
        ready()
        if not reg.functions:
            raise ResponseError("ERR No functions registered")
        lib = Library(name, code)
        for func in reg.functions:
            if not NAME_RE.match(func.name):
                raise ResponseError(BAD_FUNCTION_NAME)
            func.library = name
            if func.name.lower() in {f.lower() for f in lib.functions}:
                raise ResponseError("ERR Function already exists in the library")
            lib.functions[func.name] = func
        old = self.libs.get(name)
        for func in lib.functions.values():
            other = self.by_name.get(func.name.lower())
            if other is not None and other.library != name:
                raise ResponseError(f"ERR Function {func.name} already exists")
        if old is not None and not replace:
            raise ResponseError(f"ERR Library '{name}' already exists")
        return lib

    def install(self, lib: Library) -> None:
        self.delete(lib.name)
        self.libs[lib.name] = lib
        for func in lib.functions.values():
            self.by_name[func.name.lower()] = func

    def delete(self, name: str) -> bool:
        lib = self.libs.pop(name, None)
        if lib is None:
            return False
        for func in lib.functions.values():
            self.by_name.pop(func.name.lower(), None)
        return True

    def flush(self) -> None:
        self.libs.clear()
        self.by_name.clear()

    def function(self, name: str) -> Function | None:
        return self.by_name.get(name.lower())

    def count(self) -> tuple[int, int]:
        return len(self.libs), len(self.by_name)
