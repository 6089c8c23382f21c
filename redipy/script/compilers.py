"""0.7.1's two script compilers as objects: ``translate`` a script's JSON view
(``ctx.compile()``), then ``create_executable`` on a runtime.

Both hand the builder to the one compiler pipeline (:mod:`redipy.script.register`): the
memory runtime runs it as compiled Python, a server as Lua; ``LuaBackend.translate``
gives the Lua lines 0.7.1 printed.
"""

from __future__ import annotations

from typing import Any

from redipy.script.register import ExecFunction, compiled
from redipy.script.view import ScriptView


class _Translated(list[str]):
    """Lines of Lua that still know the builder they came from."""

    def __init__(self, lines: list[str], ctx: Any) -> None:
        super().__init__(lines)
        self.ctx = ctx


def _ctx_of(seq: Any) -> Any:
    ctx = getattr(seq, "ctx", None)
    if ctx is None:
        raise TypeError("translate needs the result of FnContext.compile()")
    return ctx


class _Compiler:
    """Shared by both: the translated form names its builder."""

    def translate(self, seq: ScriptView) -> _Translated:
        ctx = _ctx_of(seq)
        return _Translated(compiled(ctx).lua.text.splitlines(), ctx)

    def create_executable(self, code: _Translated, runtime: Any) -> ExecFunction:
        """The script registered on ``runtime`` (a ``redipy.Redis``)."""
        return runtime.register_script(_ctx_of(code))  # type: ignore[no-any-return]


class LocalBackend(_Compiler):
    """0.7.1's memory compiler (here: the Python compiler behind ``register_script``)."""


class LuaBackend(_Compiler):
    """0.7.1's Lua compiler (here: the Lua compiler behind ``register_script``)."""

    def add_redis_patch_plugin(self, module: str) -> None:
        """0.7.1's plug-in registration: not supported (raises ConfigError)."""
        from redipy.plugin import unsupported

        unsupported("add_redis_patch_plugin", module)

    def add_general_patch_plugin(self, module: str) -> None:
        """0.7.1's plug-in registration: not supported (raises ConfigError)."""
        from redipy.plugin import unsupported

        unsupported("add_general_patch_plugin", module)

    def add_helper_function_plugin(self, module: str) -> None:
        """0.7.1's plug-in registration: not supported (raises ConfigError)."""
        from redipy.plugin import unsupported

        unsupported("add_helper_function_plugin", module)


__all__ = ["LocalBackend", "LuaBackend"]
