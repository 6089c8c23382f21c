"""The fixtures themselves: every backend answers PING-free basics."""

from __future__ import annotations

import redipy


def test_memory_import_is_light() -> None:
    import subprocess
    import sys

    code = (
        "import sys, redipy; "
        "heavy = ('rich', 'prompt_toolkit', 'IPython'); "
        "bad = [m for m in sys.modules if m.split('.')[0] in heavy]; "
        "print(bad)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_script_module_is_an_attribute() -> None:
    """0.7.1 code writes ``import redipy`` and then ``redipy.script.FnContext()``."""
    import subprocess
    import sys

    code = "import redipy; print(redipy.script.FnContext.__name__)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "FnContext"


def test_client_repr(r: redipy.Redis) -> None:
    assert r.backend.kind in ("memory", "redis")
