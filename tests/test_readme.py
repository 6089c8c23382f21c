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


def expected_output(block: str) -> list[str]:
    """The ``# ...`` comment lines right after a ``print(`` line: what it prints."""
    out: list[str] = []
    lines = block.splitlines()
    for num, line in enumerate(lines):
        if not line.startswith("print("):
            continue
        for follow in lines[num + 1:]:
            if not follow.startswith("# "):
                break
            out.append(follow[2:])
    return out


def test_python_examples_run_and_print_what_they_say(tmp_path: Path) -> None:
    """Every ```python block of the README runs (on the memory backend) as written, saved
    as example.py, and prints exactly the lines its comments show."""
    blocks = re.findall(r"```python\n(.*?)\n```", README, re.S)
    assert len(blocks) >= 4
    for block in blocks:
        code = "\n".join(line.split("#", 1)[0] for line in block.splitlines())
        if "redipy.Redis(url=" in code:
            continue  # examples that need a server run in their own tests
        (tmp_path / "example.py").write_text(block + "\n", encoding="utf-8")
        out = subprocess.run([sys.executable, "example.py"], cwd=tmp_path, capture_output=True,
                             text=True, timeout=120)
        assert out.returncode == 0, f"{block}\n---\n{out.stderr}"
        assert out.stdout.splitlines() == expected_output(block), block


def test_first_quickstart_command_starts_the_shell_on_memory() -> None:
    """The first command ends in ``redipy-shell --backend memory``; that program, fed
    commands on stdin as redis-cli is, answers them from the memory backend."""
    cmd = quickstart_commands()[0]
    assert cmd.endswith(".venv/bin/redipy-shell --backend memory")
    shell = Path(sys.executable).parent / "redipy-shell"
    out = subprocess.run([str(shell), "--backend", "memory"], input="SET hello world\nGET hello\n",
                         capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.splitlines() == ["OK", "world"]
