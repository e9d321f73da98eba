"""The wheel `make wheel` builds works where no Rust toolchain is.

It is installed, with its runtime dependencies, into a fresh venv, whose
commands then run with a PATH that has no cargo or rustc and no .venv: the
demo runs, and notebooks/01_quickstart.ipynb executes in a kernel of that venv.
pip's cache (filled by the .venv's install) keeps it quick. Outside CI, no
wheel yet (`make wheel` not run) skips; in CI (CI set) it fails.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import tomllib

ROOT = Path(__file__).resolve().parents[2]
WHEELS = sorted((ROOT / "target" / "wheels").glob("munflow-*.whl"), key=lambda p: p.stat().st_mtime)
NOTEBOOK = ROOT / "notebooks" / "01_quickstart.ipynb"
TOOLCHAIN = ("cargo", "rustc", "rustup", "maturin")


def wanted(*names: str) -> list[str]:
    """The test extra's requirements for these packages (their lower bounds)."""
    extra = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    reqs = extra["optional-dependencies"]["test"]
    return [r for r in reqs if r.split(">")[0].split("[")[0] in names]


def clean_path() -> str:
    """PATH without the .venv and without any folder holding a Rust toolchain."""
    venv_bin = Path(sys.prefix).resolve() / "bin"
    keep = []
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        if not folder or Path(folder).resolve() == venv_bin or ".cargo" in Path(folder).parts:
            continue
        if any((Path(folder) / tool).exists() for tool in TOOLCHAIN):
            continue
        keep.append(folder)
    return os.pathsep.join(keep)


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    if not WHEELS:
        if os.environ.get("CI"):
            pytest.fail("no wheel in target/wheels: `make test` builds it (make wheel)")
        pytest.skip("no wheel in target/wheels: run `make wheel`")
    root = tmp_path_factory.mktemp("wheel")
    venv = root / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "CARGO_HOME", "RUSTUP_HOME")
        and not k.startswith(("JUPYTER", "PYTEST"))
    }
    env["PATH"] = os.pathsep.join([str(venv / "bin"), clean_path()])
    env["MPLBACKEND"] = "Agg"
    env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
    for tool in TOOLCHAIN:
        assert shutil.which(tool, path=env["PATH"]) is None, f"{tool} still on PATH"
    subprocess.run(
        [venv / "bin" / "python", "-m", "pip", "install", "--quiet",
         f"munflow[plot] @ {WHEELS[-1].as_uri()}",
         *wanted("nbclient", "nbformat", "ipykernel")],
        check=True, env=env, cwd=root,
    )  # fmt: skip
    return venv, env


def test_the_wheel_is_abi3() -> None:
    if not WHEELS:
        pytest.skip("no wheel")
    assert "-cp310-abi3-" in WHEELS[-1].name, WHEELS[-1].name


def test_the_demo_runs_from_the_wheel(fresh_venv: tuple[Path, dict[str, str]]) -> None:
    venv, env = fresh_venv
    where = subprocess.run(
        [venv / "bin" / "python", "-c", "import munflow; print(munflow.__file__)"],
        env=env, cwd=venv.parent, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert Path(where.stdout.strip()).is_relative_to(venv), where.stdout
    demo = subprocess.run(
        [venv / "bin" / "munflow", "demo"], env=env, cwd=venv.parent, capture_output=True, text=True
    )
    assert demo.returncode == 0, demo.stderr
    assert "shell_152" in demo.stdout


def test_a_notebook_runs_from_the_wheel(fresh_venv: tuple[Path, dict[str, str]]) -> None:
    venv, env = fresh_venv
    script = textwrap.dedent(
        """
        import sys
        from pathlib import Path

        import nbclient, nbformat
        from ipykernel.kernelspec import write_kernel_spec

        notebook, jupyter = Path(sys.argv[1]), Path(sys.argv[2])
        write_kernel_spec(jupyter / "kernels" / "python3")  # this venv's python
        nb = nbformat.read(notebook, as_version=4)
        nb.cells.append(nbformat.v4.new_code_cell("print(mf.__file__)"))
        nbclient.NotebookClient(
            nb, timeout=300, kernel_name="python3",
            resources={"metadata": {"path": str(notebook.parent)}},
        ).execute()
        print("".join(o.get("text", "") for o in nb.cells[-1].outputs))
        """
    )
    jupyter = venv.parent / "jupyter"
    env = {**env, "JUPYTER_PATH": str(jupyter)}
    ran = subprocess.run(
        [venv / "bin" / "python", "-c", script, str(NOTEBOOK), str(jupyter)],
        env=env, cwd=venv.parent, capture_output=True, text=True,
    )  # fmt: skip
    assert ran.returncode == 0, ran.stderr[-3000:]
    assert Path(ran.stdout.strip().splitlines()[-1]).is_relative_to(venv), ran.stdout
