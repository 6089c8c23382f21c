"""The README's shell and notebook sections: their examples run and show what they say."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from IPython.core.interactiveshell import InteractiveShell
from redipy.repl.magics import Reply

from tests.servers import start_server
from tests.test_magics import ip, shell  # noqa: F401 (fixtures)

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
BIN = Path(sys.executable).parent


def section(title: str) -> str:
    return README.split(f"\n## {title}\n", 1)[1].split("\n## ", 1)[0]


def blocks(text: str, lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)\n```", text, re.S)


def test_shell_transcript(tmp_path: Path) -> None:
    """The ``memory>`` session: the commands typed there print the lines shown."""
    (block,) = [b for b in blocks(section("The shell"), "text") if b.startswith("memory> ")]
    lines = block.splitlines()
    typed = [line.removeprefix("memory> ") for line in lines if line.startswith("memory> ")]
    shown = [line for line in lines if not line.startswith("memory> ")]
    out = subprocess.run([str(BIN / "redipy-shell"), "--no-raw"], input="\n".join(typed),
                         capture_output=True, text=True, timeout=60)
    assert out.stdout.splitlines() == shown
    assert out.returncode == 1  # piped commands: a failing one fails the run


def test_shell_command_lines(tmp_path: Path) -> None:
    """The ``sh`` examples that need no server run as written."""
    (commands,) = blocks(section("The shell"), "sh")
    piped = [c for c in commands.splitlines() if c.startswith("printf")]
    assert len(piped) == 1
    command = piped[0].split("#", 1)[0].replace(".venv/bin/", f"{BIN}/")
    out = subprocess.run(["bash", "-c", command], capture_output=True, text=True, timeout=60,
                         check=True)
    assert out.stdout.splitlines() == ["(integer) 3", '1) "a"', '2) "b"', '3) "c"']


def test_ldb_session(tmp_path: Path) -> None:
    """The ``--ldb`` session on ``sum.lua``: what is typed after ``lua debugger>`` prints
    every other line of the block (the prompt is not printed when stdin is piped)."""
    text = section("The shell")
    (script,) = blocks(text, "lua")
    (block,) = [b for b in blocks(text, "text") if b.startswith("$ redipy-shell --ldb")]
    (tmp_path / "sum.lua").write_text(script + "\n")
    lines = block.splitlines()
    argv = lines[0].removeprefix("$ redipy-shell ").split()
    typed = [line.removeprefix("lua debugger> ") for line in lines
             if line.startswith("lua debugger> ")]
    shown = [line for line in lines[1:] if not line.startswith("lua debugger> ")]
    out = subprocess.run([str(BIN / "redipy-shell"), *argv], input="\n".join(typed) + "\n",
                         capture_output=True, text=True, timeout=60, check=True, cwd=tmp_path)
    assert out.stdout.splitlines() == shown


def magic_examples() -> list[str]:
    """The notebook section's inputs in order: each ``%%redipy`` cell, each ``%redipy``
    line, each line of Python (results in ``# ...`` comments)."""
    out: list[str] = []
    for block in blocks(section("Notebooks and IPython magics"), "text"):
        if block.startswith("%%redipy"):
            out.append(block)
        elif block.startswith(("Sampled", "%load_ext")):
            continue  # an excerpt of output; the extension is loaded by the fixture
        else:
            stripped = [line for line in block.splitlines() if line.strip()]
            if any(line.startswith("%") for line in stripped):
                out.extend(stripped)
            else:
                out.append(block)
    return out


def test_magics_examples_run(ip: InteractiveShell, tmp_path: Path,  # noqa: F811
                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Every notebook example runs, in order, in one IPython shell (the server one on a
    test server that wants the password from ``REDIS_PW``), and the results written in
    comments are what the magic returns."""
    server = start_server("valkey", "--requirepass", "pw-from-env")
    monkeypatch.setenv("REDIS_PW", "pw-from-env")
    monkeypatch.chdir(tmp_path)
    seen: dict[str, object] = {}
    try:
        for example in magic_examples():
            code, _, comment = example.partition("  #") if "\n" not in example \
                else (example, "", "")
            code = code.rstrip().replace("redis://localhost:6379/0",
                                         f"redis://127.0.0.1:{server.port}/0")
            if code.startswith("%%redipy"):
                head, _, body = code.partition("\n")
                result = ip.run_cell_magic("redipy", head.removeprefix("%%redipy").strip(),
                                           body)
            elif "= %redipy " in code:
                name, _, rest = code.partition(" = %redipy ")
                ip.user_ns[name.strip()] = ip.run_line_magic("redipy", rest)
                result = ip.user_ns[name.strip()]
            elif code.startswith("%redipy"):
                result = ip.run_line_magic("redipy", code.removeprefix("%redipy").strip())
            else:
                assert ip.run_cell(code).success, code
                continue
            seen[code] = result
            want = comment.strip()
            if want.startswith("(integer)"):
                assert isinstance(result, Reply) and repr(result) == want, code
            elif want.startswith("["):
                assert repr(result) == want, code
    finally:
        ip.run_line_magic("redipy", "use memory")
        server.stop()
    assert "%redipy step" in seen and repr(seen["%redipy step"]).split()[:4] == [
        "step", "Lua", "line", "locals"]
    lua_cell = next(k for k in seen if k.startswith("%%redipy --lua"))
    assert repr(seen[lua_cell]) == '"0"'
