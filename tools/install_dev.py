"""Install the built wheel into the .venv as an editable install.

    python tools/install_dev.py target/wheels/munflow-*.whl

`make build` builds the release extension once, as the wheel `make wheel`
ships; this script reuses it for development instead of compiling again with
`maturin develop`:

* the wheel's extension (``munflow/_core.abi3.so``) is copied beside the
  sources in ``python/munflow/``, replacing any older build there, so that
  ``PYTHONPATH=python`` (the oldest-dependency run) imports it;
* an editable wheel is made from the wheel (its metadata and ``munflow``
  command, and a ``munflow.pth`` naming ``python/`` in place of the package
  files) and installed with pip, so the running interpreter (.venv) imports the
  package from the source tree: an edit to a ``.py`` file is seen at once, no
  reinstall needed; only Rust changes need ``make build``.
"""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "python"


def record_line(name: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{name},sha256={digest},{len(data)}"


def main(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = zf.namelist()
        extensions = [n for n in names if n.startswith("munflow/_core") and n.endswith(".so")]
        if len(extensions) != 1:
            sys.exit(f"{wheel}: expected one munflow/_core*.so, found {extensions}")
        for old in (SOURCE / "munflow").glob("_core*.so"):
            old.unlink()  # a cpython-tagged .so would shadow the abi3 one
        (SOURCE / "munflow" / Path(extensions[0]).name).write_bytes(zf.read(extensions[0]))

        editable = ROOT / "target" / "wheels" / "editable" / wheel.name
        editable.parent.mkdir(parents=True, exist_ok=True)
        records = []
        with zipfile.ZipFile(editable, "w", zipfile.ZIP_DEFLATED) as out:
            for name in names:
                dist_info = name.split("/")[0].endswith(".dist-info")
                if not dist_info or name.endswith("/RECORD"):
                    continue
                data = zf.read(name)
                out.writestr(name, data)
                records.append(record_line(name, data))
            pth = f"{SOURCE}\n".encode()
            out.writestr("munflow.pth", pth)
            records.append(record_line("munflow.pth", pth))
            record = next(n for n in names if n.endswith(".dist-info/RECORD"))
            records.append(f"{record},,")
            out.writestr(record, "\n".join(records) + "\n")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--force-reinstall",
            "--no-deps",
            str(editable),
        ],
        check=True,
    )


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    main(Path(sys.argv[1]))
