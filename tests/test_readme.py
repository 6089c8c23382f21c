"""The README is the user's manual: its commands and examples must work."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def quickstart_commands() -> list[str]:
    section = README.split("## Quickstart", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, re.S)


def test_quickstart_has_exactly_two_commands() -> None:
    cmds = quickstart_commands()
    assert len(cmds) == 2
    assert all("\n" not in cmd for cmd in cmds)


def test_ci_runs_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert quickstart_commands()[1] in ci
    assert "pytest" in quickstart_commands()[1]


def test_python_examples_run() -> None:
    """Every ```python block of the README runs (on the memory backend) as written."""
    blocks = re.findall(r"```python\n(.*?)\n```", README, re.S)
    assert blocks
    for block in blocks:
        if "redipy.Redis(url=" in block.replace("# r = redipy.Redis(url=", ""):
            continue  # examples that need a server run in their own tests
        namespace: dict[str, object] = {}
        exec(compile(block, "README.md", "exec"), namespace)


def test_first_quickstart_command_runs_the_library() -> None:
    cmd = quickstart_commands()[0]
    code = cmd.split(".venv/bin/python -c ", 1)[1].strip().strip('"')
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "world" in out.stdout
