"""Execute the book's notebooks in place: the one way their stored outputs are made.

    python tools/run_notebooks.py                      # every chapters/*.ipynb
    python tools/run_notebooks.py chapters/05_xor.ipynb

Each notebook is cleared and run top to bottom in a fresh kernel of the current
Python environment, with the working directory set to the notebook's folder
(chapters/, as in JupyterLab, nbval and Jupyter Book). Everything that would
change from one run to the next without a change in the code is kept out of the
file: cell timing metadata, how the kernel split printed text into chunks,
the Python patch version, hash randomisation
(PYTHONHASHSEED=0) and multi-threaded BLAS (OPENBLAS_NUM_THREADS=1). Running the
script twice therefore writes byte-identical notebooks, so `git diff` shows only
real changes. nbval later checks the stored outputs under the same settings.

Wall times go to the terminal, never into the notebooks.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import ipykernel.kernelspec
import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import default

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"

# Set before any kernel starts: the kernel inherits this process's environment.
REPRODUCIBLE_ENV = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}
KERNEL_NAME = "python3"
KERNELSPEC = {"name": KERNEL_NAME, "display_name": "Python 3 (ipykernel)", "language": "python"}
CELL_TIMEOUT = 600  # seconds; a chapter should need about 20 s in total


class CurrentEnvKernelSpecManager(KernelSpecManager):
    """Resolves every kernel name to ipykernel in *this* interpreter.

    A user-level or JUPYTER_PATH kernelspec named python3 could otherwise point at
    another Python without `mlp` installed (nbval's --nbval-current-env does the same).
    """

    def get_kernel_spec(self, kernel_name):
        return self.kernel_spec_class(
            resource_dir=ipykernel.kernelspec.RESOURCES, **ipykernel.kernelspec.get_kernel_dict()
        )


class CurrentEnvKernelManager(AsyncKernelManager):
    @default("kernel_spec_manager")
    def _default_kernel_spec_manager(self):
        return CurrentEnvKernelSpecManager(data_dir=self.data_dir)


def clear(nb) -> None:
    """Remove outputs, execution counts and per-cell execution timestamps."""
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None


def client_for(nb, workdir: Path) -> NotebookClient:
    """A client that runs ``nb`` with the book's settings, in a kernel whose cwd is ``workdir``.

    Clears ``nb`` first.
    """
    clear(nb)
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    return NotebookClient(
        nb,
        kernel_manager_class=CurrentEnvKernelManager,
        timeout=CELL_TIMEOUT,
        kernel_name=KERNEL_NAME,
        record_timing=False,
        coalesce_streams=True,  # one stdout output per cell, however the kernel happened to flush it
        # Should an error ever be stored, keep only its message: a full traceback would carry
        # this machine's paths and mlp's line numbers into the book.
        extra_arguments=["--InteractiveShell.xmode=Minimal"],
        resources={"metadata": {"path": str(workdir)}},
    )


def untagged_error(nb) -> str | None:
    """A message naming the first cell that stored an error without the raises-exception tag."""
    for index, cell in enumerate(nb.cells):  # e.g. an error raised while a figure is drawn
        stored_error = any(o.output_type == "error" for o in cell.get("outputs", []))
        if stored_error and "raises-exception" not in cell.metadata.get("tags", []):
            return f"cell {index} stored an error but is not tagged raises-exception"
    return None


def run(path: Path) -> float:
    """Execute ``path`` in place; return the wall time in seconds."""
    nb = nbformat.read(path, as_version=4)
    client = client_for(nb, path.parent)
    start = time.perf_counter()
    client.execute()
    elapsed = time.perf_counter() - start
    problem = untagged_error(nb)
    if problem:
        raise RuntimeError(problem)
    for cell in nb.cells:  # older nbclient versions add these even with record_timing=False
        cell.metadata.pop("execution", None)
    nb.metadata.get("language_info", {}).pop("version", None)  # 3.11.7 vs 3.11.9 is churn, not change
    nb.metadata["kernelspec"] = dict(KERNELSPEC)
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: every chapters/*.ipynb")
    args = parser.parse_args(argv)
    paths = [p.resolve() for p in args.notebooks] or sorted(CHAPTERS.glob("*.ipynb"))
    if not paths:
        print(f"run_notebooks: no notebooks in {CHAPTERS}", file=sys.stderr)
        return 1
    missing = [p for p in paths if not p.is_file()]
    if missing:
        print("run_notebooks: no such file: " + ", ".join(map(str, missing)), file=sys.stderr)
        return 1

    os.environ.update(REPRODUCIBLE_ENV)
    total = 0.0
    for path in paths:
        name = os.path.relpath(path, Path.cwd())
        try:
            elapsed = run(path)
        except Exception as error:  # the failing notebook is not written: its last good version stays
            print(f"run_notebooks: {name} FAILED: {type(error).__name__}: {error}", file=sys.stderr)
            return 1
        total += elapsed
        print(f"{name}: {elapsed:.1f} s", flush=True)
    if len(paths) > 1:
        print(f"{len(paths)} notebooks in {total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
