"""Runs redipy 0.7.1's own test suite (``test/``, vendored unchanged) against this redipy.

0.7.1's fixtures (``test/util.py``) connect to localhost:6380; here ``get_test_config``
points at the Valkey 8.1 test server of ``tests/servers.py`` instead, and the memory
runtime is ours. The only thing left out is 0.7.1's comparison of generated Lua text
with its own compiler's exact output (:data:`LUA_TEXT_TESTS`): the ``lua_script`` hook
of ``get_setup`` is dropped for the tests listed there, and tests whose only
difference is an inline ``assert code_fmt(lua) == LUA_SCRIPT`` are deselected
(:data:`LUA_TEXT_INLINE`). Everything else runs as written.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))

# 0.7.1's suite is the package ``test``; the standard library has one of that name too
for _name in [n for n in sys.modules if n == "test" or n.startswith("test.")]:
    if not getattr(sys.modules[_name], "__file__", "").startswith(HERE):
        del sys.modules[_name]
if HERE not in sys.path:
    sys.path.insert(0, HERE)

import test.util as t_util  # noqa: E402

from tests.servers import Server  # noqa: E402

#: tests that pass ``lua_script=`` (0.7.1's exact Lua text) to ``get_setup``: the
#: text check is dropped, the test runs on both runtimes
LUA_TEXT_TESTS = frozenset({"test_misc", "test_rlist", "test_rset", "test_rzset"})

#: tests asserting 0.7.1's exact Lua text inline (in their code hook or after
#: ``LuaBackend.translate``): deselected, by node id
LUA_TEXT_INLINE = frozenset({
    "test/test_api.py::test_api[True]",
    "test/test_stack.py::test_stack[True]",
    "test/test_rvar.py::test_set_ext_args[True]",
    "test/test_simple.py::test_simple",
    "test/test_rvar.py::test_rvar",
})

_PORT: dict[str, int] = {}
_original_get_setup = t_util.get_setup


def _get_test_config() -> dict[str, Any]:
    """0.7.1's test configuration, on our Valkey test server."""
    return {
        "host": "127.0.0.1",
        "port": _PORT["valkey"],
        "passwd": "",
        "prefix": f"test:{t_util.get_test_salt()}",
        "path": "userdata/test/",
    }


def _get_setup(test_name: str, rt_lua: bool, **kwargs: Any) -> Any:
    if test_name in LUA_TEXT_TESTS:
        kwargs.pop("lua_script", None)
    return _original_get_setup(test_name, rt_lua, **kwargs)


t_util.get_test_config = _get_test_config  # type: ignore[assignment]
t_util.get_setup = _get_setup  # type: ignore[assignment]


@pytest.fixture(autouse=True)
def _on_valkey(servers: dict[str, Server]) -> Iterator[None]:
    _PORT["valkey"] = servers["valkey"].port
    yield


@pytest.fixture(autouse=True)
def _no_collection_due(request: pytest.FixtureRequest) -> Iterator[None]:
    """``test_expire`` checks TTLs of 0.3 s after 0.2 s of sleep. A full garbage
    collection of a long-lived test worker's heap (up to 58 ms measured in a partial
    run on a quiet machine, more under load) falling into that 0.1 s margin makes it
    miss. Collecting first leaves no full collection due while the test runs; the
    test itself is unchanged."""
    if request.node.path.name == "test_expire.py":
        gc.collect()
    yield


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    keep, drop = [], []
    for item in items:
        rel = os.path.relpath(str(item.path), HERE).replace(os.sep, "/")
        node = f"{rel}::{item.name}"
        (drop if node in LUA_TEXT_INLINE else keep).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep
