"""Sphinx extension: the book's execution-statistics page, measured at build time.

The chapters show the outputs committed in their notebooks (execute_notebooks: "off");
nothing here changes them. The directive

    ```{execution-statistics}
    ```

runs every notebook of the table of contents once more, each in a fresh kernel of the
build's Python environment and in a temporary copy of its folder, with the settings of
tools/run_notebooks.py (whose notebook client it reuses): PYTHONHASHSEED=0 and
OPENBLAS_NUM_THREADS=1, cwd = the notebook's folder, minimal tracebacks. Two notebooks run
at a time (execution_stats_jobs). It then renders a table of the chapters with their wall
time (kernel start-up included) and status, the versions of the packages the chapters
and the build use, the machine and the date.

A notebook that fails here is a build warning, so `-W` fails the build.

Cost: this runs the whole book, about 50 s on an idle 2-core machine, on every build (the page is
re-read by every build, incremental ones too). For a quick preview, set
BOOK_EXECUTION_STATS=off: the page then says that nothing was measured.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import datetime as dt
import importlib.metadata
import importlib.util
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

SKIP_VARIABLE = "BOOK_EXECUTION_STATS"  # "off": do not run the notebooks (quick previews)

# Shown in this order; "mlp" is the book's own package.
PACKAGES = [
    "mlp",
    "numpy",
    "matplotlib",
    "scikit-learn",
    "scipy",
    "ipykernel",
    "nbclient",
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "sphinx-book-theme",
]


@dataclass
class Run:
    docname: str
    path: Path
    code_cells: int
    seconds: float | None = None
    error: str | None = None

    @property
    def status(self) -> str:
        return "ok" if self.error is None else f"failed: {self.error}"


# -- running the notebooks ---------------------------------------------------------------------


def load_run_notebooks(srcdir: Path):
    """tools/run_notebooks.py as a module: its kernel manager and its reproducibility settings."""
    path = srcdir / "tools" / "run_notebooks.py"
    spec = importlib.util.spec_from_file_location("_book_run_notebooks", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def toc_notebooks(env) -> list[tuple[str, Path]]:
    """(docname, source path) of every notebook in the table of contents, in reading order."""
    site_map = env.external_site_map
    ordered: list[str] = []

    def walk(docname: str) -> None:
        if docname in ordered:
            return
        ordered.append(docname)
        document = site_map[docname] if docname in site_map else None
        for child in document.child_files() if document else []:
            walk(os.path.splitext(child)[0] if child.endswith((".ipynb", ".md")) else child)

    walk(site_map.root.docname)
    notebooks = []
    for docname in ordered:
        path = Path(env.doc2path(docname))
        if path.suffix == ".ipynb":
            notebooks.append((docname, path))
    return notebooks


async def execute(run: Run, tools, jobs: asyncio.Semaphore, kernel_env: dict) -> None:
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    async with jobs:
        nb = nbformat.read(run.path, as_version=4)
        with tempfile.TemporaryDirectory(prefix="execution-stats-") as tmp:
            # A copy of the notebook's folder (without notebooks): whatever a chapter
            # reads or writes stays in the copy.
            workdir = Path(tmp) / run.path.parent.name
            shutil.copytree(run.path.parent, workdir, ignore=shutil.ignore_patterns("*.ipynb", ".*"))
            client = tools.client_for(nb, workdir)
            start = time.perf_counter()
            try:
                await client.async_execute(env=kernel_env)
            except CellTimeoutError:
                run.error = f"a cell ran longer than {tools.CELL_TIMEOUT} s"
            except CellExecutionError as error:
                run.error = f"{error.ename}: {error.evalue}"[:200]
            except Exception as error:  # e.g. the kernel died
                run.error = f"{type(error).__name__}: {error}"[:200]
            run.seconds = time.perf_counter() - start
        if run.error is None:
            run.error = tools.untagged_error(nb)
        logger.info(f"execution-statistics: {run.docname}: {run.seconds:.1f} s, {run.status}")


def measure(srcdir: Path, notebooks: list[tuple[str, Path]], jobs: int) -> tuple[list[Run], float]:
    """Run the notebooks, ``jobs`` at a time; return the runs and the total wall time."""
    tools = load_run_notebooks(srcdir)
    kernel_env = {**os.environ, **tools.REPRODUCIBLE_ENV}
    runs = [
        Run(docname, path, sum(c.cell_type == "code" for c in nbformat.read(path, as_version=4).cells))
        for docname, path in notebooks
    ]

    async def main() -> None:
        semaphore = asyncio.Semaphore(jobs)
        await asyncio.gather(*(execute(run, tools, semaphore, kernel_env) for run in runs))

    start = time.perf_counter()
    # A fresh event loop in a thread of its own, whatever loop the caller may be running.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, main()).result()
    return runs, time.perf_counter() - start


# -- facts about the build -----------------------------------------------------------------------


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas() -> str:
    try:
        import numpy  # noqa: F401  (loads the BLAS library that threadpoolctl inspects)
        from threadpoolctl import threadpool_info
    except ImportError:
        return "unknown"
    libraries = [
        f"{i.get('internal_api', '?')} {i.get('version') or '?'} ({i.get('architecture') or '?'})"
        for i in threadpool_info()
        if i.get("user_api") == "blas"
    ]
    return ", ".join(dict.fromkeys(libraries)) or "unknown"


def mathjax_version(srcdir: Path) -> str:
    marker = srcdir / "_vendor" / "mathjax" / ".version"
    return marker.read_text().strip() if marker.is_file() else "not vendored"


# -- docutils output -------------------------------------------------------------------------------


def cell(content) -> nodes.entry:
    entry = nodes.entry()
    if isinstance(content, nodes.Node):
        entry += nodes.paragraph("", "", content)
    else:
        entry += nodes.paragraph(text=str(content))
    return entry


def table(headers: list[str] | None, rows: list[list], widths: list[int], classes: list[str]) -> nodes.table:
    group = nodes.tgroup(cols=len(widths))
    for width in widths:
        group += nodes.colspec(colwidth=width)
    if headers:
        head = nodes.thead()
        head += nodes.row("", *(cell(h) for h in headers))
        group += head
    body = nodes.tbody()
    for row in rows:
        body += nodes.row("", *(cell(value) for value in row))
    group += body
    result = nodes.table(classes=["execution-statistics", *classes])
    result += group
    return result


def paragraph(*parts) -> nodes.paragraph:
    node = nodes.paragraph()
    for part in parts:
        node += part if isinstance(part, nodes.Node) else nodes.Text(part)
    return node


class ExecutionStatistics(SphinxDirective):
    """```{execution-statistics} chapters|software|machine```: one table of the page.

    ``chapters`` (the default) runs the notebooks; ``software`` lists the package versions,
    ``machine`` the build machine and the date.
    """

    has_content = False
    optional_arguments = 1

    def run(self) -> list[nodes.Node]:
        which = self.arguments[0] if self.arguments else "chapters"
        tables = {"chapters": self.chapters, "software": self.software, "machine": self.machine}
        if which not in tables:
            raise self.error(f"execution-statistics: expected one of {', '.join(tables)}, got {which!r}")
        return tables[which]()

    @property
    def srcdir(self) -> Path:
        return Path(self.env.srcdir)

    def chapters(self) -> list[nodes.Node]:
        env = self.env
        env.execution_stats_docs = getattr(env, "execution_stats_docs", set()) | {env.docname}
        if os.environ.get(SKIP_VARIABLE, "").strip().lower() == "off":
            note = nodes.note()
            note += paragraph(
                f"This build was made with {SKIP_VARIABLE}=off: the notebooks were not run and "
                "nothing was measured."
            )
            return [note]

        notebooks = [(d, p) for d, p in toc_notebooks(env) if d != env.docname]
        jobs = max(1, int(self.config.execution_stats_jobs))
        logger.info(f"execution-statistics: running {len(notebooks)} notebooks, {jobs} at a time")
        runs, wall = measure(self.srcdir, notebooks, jobs)
        for run in runs:
            if run.error is not None:
                logger.warning(
                    f"execution-statistics: {run.docname} failed to run: {run.error}",
                    location=(env.docname, self.lineno),
                    type="execution_stats",
                )
        rows = []
        for run in runs:
            link = addnodes.pending_xref(
                "",
                nodes.inline("", run.docname),
                refdomain="std",
                reftype="doc",
                reftarget="/" + run.docname,
                refdoc=env.docname,
                refexplicit=False,
                refwarn=True,
            )
            rows.append([link, run.code_cells, f"{run.seconds:.1f}", run.status])
        busy = sum(run.seconds for run in runs)
        total_cells = sum(run.code_cells for run in runs)
        rows.append(["Total", total_cells, f"{busy:.1f}", f"{len(runs)} notebooks in {wall:.1f} s"])
        return [
            table(
                ["Chapter", "Code cells", "Run time (s)", "Status"],
                rows,
                [50, 12, 12, 26],
                ["execution-statistics-chapters"],
            )
        ]

    def software(self) -> list[nodes.Node]:
        rows = [["Python", platform.python_version()]]
        rows += [[name, version(name)] for name in PACKAGES]
        rows += [["MathJax", mathjax_version(self.srcdir)], ["BLAS", blas()]]
        return [table(["Package", "Version"], rows, [40, 60], ["execution-statistics-software"])]

    def machine(self) -> list[nodes.Node]:
        settings = load_run_notebooks(self.srcdir).REPRODUCIBLE_ENV
        rows = [
            ["Date of the build", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")],
            ["Operating system", platform.platform()],
            ["CPU", cpu_model()],
            ["CPU count", str(os.cpu_count())],
            ["Notebooks run at a time", str(max(1, int(self.config.execution_stats_jobs)))],
            [
                "Kernel settings",
                nodes.literal(text=" ".join(f"{k}={v}" for k, v in sorted(settings.items()))),
            ],
        ]
        return [table(None, rows, [40, 60], ["execution-statistics-machine"])]


# -- re-run on every build ---------------------------------------------------------------------------


def always_outdated(app, env, added, changed, removed) -> list[str]:
    """The statistics describe this build: re-read the page even when its source did not change."""
    return sorted(getattr(env, "execution_stats_docs", set()) - set(removed))


def purge(app, env, docname) -> None:
    getattr(env, "execution_stats_docs", set()).discard(docname)


def merge(app, env, docnames, other) -> None:
    env.execution_stats_docs = getattr(env, "execution_stats_docs", set()) | (
        getattr(other, "execution_stats_docs", set()) & set(docnames)
    )


def setup(app):
    app.add_directive("execution-statistics", ExecutionStatistics)
    app.add_config_value("execution_stats_jobs", 2, "env", [int])
    app.connect("env-get-outdated", always_outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
