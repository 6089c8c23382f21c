"""Every notebook in notebooks/ runs top to bottom in a real kernel against a real server.

The kernel is this interpreter (a kernelspec written for the test, so a ``python3``
kernel installed elsewhere on the machine is never picked up by mistake), started with
``REDIPY_URL`` pointing at a valkey server of its own. Cells tagged
``raises-exception`` must fail (they show the magics' one-line errors); any other
error fails the test.
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nbformat
import pytest
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import KernelManager
from nbclient import NotebookClient

from tests.servers import Server, free_port, start_server

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
CELL_TIMEOUT = 60
EXPECTED_ERROR = "raises-exception"


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    srv = start_server("valkey")
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("kernels")
    spec = root / "python3"
    spec.mkdir()
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "Python 3 (redipy tests)",
        "language": "python",
    }))
    return root


def test_the_notebooks_are_there() -> None:
    assert [p.name for p in PATHS] == ["migration.ipynb", "scripts.ipynb", "tour.ipynb"]


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_saved_outputs_read_well(path: Path) -> None:
    """Committed with outputs: every code cell ran, in order, failing only where tagged."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1))
    for c in code:
        errors = [o for o in c.outputs if o.output_type == "error"]
        if EXPECTED_ERROR in c.metadata.get("tags", []):
            assert len(errors) == 1 and len(errors[0].traceback) == 1, c.source
            assert errors[0].traceback[0].startswith("(error) "), c.source
        else:
            assert not errors, c.source
    assert any("text/html" in o.get("data", {}) for c in code for o in c.outputs)


def execute(path: Path, url: str, kernel_dir: Path, tmp_path: Path) -> tuple[Any, float]:
    """Run the notebook in a fresh kernel with ``REDIPY_URL=url``; its code cells and the
    seconds it took."""
    nb = nbformat.read(path, as_version=4)
    specs = KernelSpecManager(kernel_dirs=[str(kernel_dir)], ensure_native_kernel=False)
    km = KernelManager(kernel_name="python3", kernel_spec_manager=specs)
    client = NotebookClient(nb, km=km, timeout=CELL_TIMEOUT, startup_timeout=60,
                            resources={"metadata": {"path": str(tmp_path)}})
    started = time.perf_counter()
    client.execute(env={**os.environ, "REDIPY_URL": url})  # raises on an untagged failure
    elapsed = time.perf_counter() - started
    code = [c for c in nb.cells if c.cell_type == "code"]
    for c in code:
        errors = [o for o in c.outputs if o.output_type == "error"]
        tagged = EXPECTED_ERROR in c.metadata.get("tags", [])
        assert bool(errors) == tagged, c.source
        if errors:  # the magics' one line, never a traceback
            assert len(errors[0].traceback) == 1 and errors[0].traceback[0].startswith("(error)")
    return code, elapsed


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_without_a_server(path: Path, kernel_dir: Path, tmp_path: Path) -> None:
    """Nothing listens at REDIPY_URL: the notebooks fall back to the memory backend,
    say so once, and still run top to bottom."""
    url = f"redis://127.0.0.1:{free_port()}/0"
    code, _elapsed = execute(path, url, kernel_dir, tmp_path)
    text = "\n".join(o.get("text", "") for c in code for o in c.outputs)
    assert "no server answered (" in text and "is an in-process memory backend instead" in text


@pytest.mark.parametrize("path", PATHS, ids=[p.stem for p in PATHS])
def test_notebook_runs_top_to_bottom(path: Path, server: Server, kernel_dir: Path,
                                     tmp_path: Path) -> None:
    code, elapsed = execute(path, server.url, kernel_dir, tmp_path)
    text = "\n".join(o.get("text", "") for c in code for o in c.outputs)
    assert f"127.0.0.1:{server.port}" in text  # it really talked to the test's server
    assert "no server answered" not in text
    assert not list(tmp_path.iterdir()), "the notebook leaves no files behind"
    assert elapsed < 30, f"{path.name} took {elapsed:.1f}s"
