"""0.7.1's two script compilers as objects: ``translate`` a script's JSON view
(``ctx.compile()``), then ``create_executable`` on a runtime.

Both hand the builder to the one compiler pipeline (:mod:`redipy.script.register`): the
memory runtime runs it as compiled Python, a server as Lua; ``LuaBackend.translate``
gives the Lua lines 0.7.1 printed.
"""

from __future__ import annotations

from typing import Any

from redipy.script.plugins import PluginTable
from redipy.script.register import ExecFunction, compiled, for_backend, register_script
from redipy.script.view import ScriptView


class _Translated(list[str]):
    """Lines of Lua that still know the builder they came from (and the plug-ins they
    were translated with)."""

    def __init__(self, lines: list[str], ctx: Any, plugins: PluginTable | None = None
                 ) -> None:
        super().__init__(lines)
        self.ctx = ctx
        self.plugins = plugins


def _ctx_of(seq: Any) -> Any:
    ctx = getattr(seq, "ctx", None)
    if ctx is None:
        raise TypeError("translate needs the result of FnContext.compile()")
    return ctx


class _Compiler:
    """Shared by both: the translated form names its builder."""

    _plugins: PluginTable | None = None

    def translate(self, seq: ScriptView) -> _Translated:
        ctx = _ctx_of(seq)
        comp = compiled(ctx) if self._plugins is None else for_backend(
            ctx, None, self._plugins)
        return _Translated(comp.lua.text.splitlines(), ctx, self._plugins)

    def create_executable(self, code: _Translated, runtime: Any) -> ExecFunction:
        """The script registered on ``runtime`` (a ``redipy.Redis``)."""
        return register_script(runtime, _ctx_of(code), getattr(code, "plugins", None))


class LocalBackend(_Compiler):
    """0.7.1's memory compiler (here: the Python compiler behind ``register_script``).
    Memory plug-ins are registered on the runtime (``LocalRuntime.add_*_plugin``)."""


class LuaBackend(_Compiler):
    """0.7.1's Lua compiler (here: the Lua compiler behind ``register_script``), with
    its Lua plug-ins: ``RedisConnection.get_backend()`` gives the one of a connection;
    ``LuaBackend()`` alone has plug-ins of its own, used by its ``translate`` and
    ``create_executable``."""

    def __init__(self, plugins: PluginTable | None = None) -> None:
        self._plugins = PluginTable() if plugins is None else plugins

    def add_redis_patch_plugin(self, module: str) -> None:
        """Register every ``redipy.plugin.LuaRedisPatch`` in ``module`` (0.7.1)."""
        from redipy.plugin import add_lua_plugins

        add_lua_plugins(self._table(), module, "redis")

    def add_general_patch_plugin(self, module: str) -> None:
        """Register every ``redipy.plugin.LuaGeneralPatch`` in ``module`` (0.7.1)."""
        from redipy.plugin import add_lua_plugins

        add_lua_plugins(self._table(), module, "general")

    def add_helper_function_plugin(self, module: str) -> None:
        """Register every ``redipy.plugin.HelperFunction`` in ``module`` (0.7.1)."""
        from redipy.plugin import add_lua_plugins

        add_lua_plugins(self._table(), module, "helper")

    def _table(self) -> PluginTable:
        assert self._plugins is not None
        return self._plugins


__all__ = ["LocalBackend", "LuaBackend"]
