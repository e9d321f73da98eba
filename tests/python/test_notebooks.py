"""Every notebook in notebooks/ runs from top to bottom without an error.

Each notebook is its own test. It runs in a fresh kernel on this interpreter
(the .venv's, so it imports the munflow just built), with the notebooks folder
as working directory, matplotlib's non-interactive Agg backend, and a time limit
per cell. Outputs are not saved: the notebooks stay clean in the repository.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

nbclient = pytest.importorskip("nbclient")
nbformat = pytest.importorskip("nbformat")
ipykernel_kernelspec = pytest.importorskip("ipykernel.kernelspec")

NOTEBOOKS_DIR = Path(__file__).resolve().parents[2] / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
KERNEL_NAME = "python3"
CELL_TIMEOUT_SECONDS = 300


@pytest.fixture(scope="module")
def kernel_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A jupyter data dir whose `python3` kernel is this very interpreter.

    Put first on JUPYTER_PATH, it shadows any other `python3` kernel spec (a
    user's ~/.local one, say) that could start a Python without munflow.
    """
    root = tmp_path_factory.mktemp("jupyter")
    ipykernel_kernelspec.write_kernel_spec(root / "kernels" / KERNEL_NAME)
    return root


@pytest.fixture
def notebook_env(kernel_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JUPYTER_PATH", str(kernel_dir))
    monkeypatch.setenv("MPLBACKEND", "Agg")
    # debugpy's warning about frozen modules is noise in a headless run.
    monkeypatch.setenv("PYDEVD_DISABLE_FILE_VALIDATION", "1")


def execute(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_SECONDS,
        kernel_name=KERNEL_NAME,
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
    )
    return client.execute()


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"


@pytest.mark.usefixtures("notebook_env")
def test_kernel_runs_this_interpreter() -> None:
    probe = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("import os, sys\nprint(sys.prefix)\nprint(os.getcwd())")]
    )
    out = execute(probe).cells[0].outputs
    prefix, cwd = "".join(o.get("text", "") for o in out).split()
    assert Path(prefix).resolve() == Path(sys.prefix).resolve()
    assert Path(cwd).resolve() == NOTEBOOKS_DIR


@pytest.mark.usefixtures("notebook_env")
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    try:
        execute(nb)
    except nbclient.exceptions.CellExecutionError as err:
        pytest.fail(f"{path.name} failed:\n{err}", pytrace=False)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_saved_without_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    dirty = [
        i
        for i, c in enumerate(nb.cells)
        if c.cell_type == "code" and (c.outputs or c.execution_count)
    ]
    assert not dirty, f"{path.name}: clear the outputs of cells {dirty} before committing"
