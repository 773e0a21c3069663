"""Sphinx extension: the book's execution-statistics page, from the test run's own timings.

The chapters show the outputs committed in their notebooks (execute_notebooks: "off");
nothing here changes them or runs them. The book is executed once per test run, by
nbval (tools/nbval_levels.py, `make nbval`), which re-runs every chapter in a fresh
kernel and compares its outputs with the stored ones. That run also writes pytest's
JUnit report, _build/nbval/timings.xml, with the time of every cell (the first cell's
time includes the kernel's start). The directive

    ```{execution-statistics}
    ```

reads that report and renders a table of the chapters with their wall time and whether
their outputs were reproduced, the versions of the packages the chapters and the build
use, and the machine and the date of the run. A build with no report (`make book` on a
fresh clone) says so and how to get one; a chapter whose outputs did not reproduce is a
build warning, so `-W` fails the build.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import nbformat
from docutils import nodes
from sphinx import addnodes
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

TIMINGS = Path("_build") / "nbval" / "timings.xml"  # relative to the book's root; see tools/nbval_levels.py
KERNEL_SETTINGS = "PYTHONHASHSEED=0 OPENBLAS_NUM_THREADS=1"  # what tools/nbval_levels.py sets for it

# Shown in this order; "mlp" is the book's own package.
PACKAGES = [
    "mlp",
    "numpy",
    "matplotlib",
    "scikit-learn",
    "scipy",
    "ipykernel",
    "nbclient",
    "nbval",
    "jupyter-book",
    "sphinx",
    "myst-nb",
    "sphinx-book-theme",
]


@dataclass
class Run:
    docname: str
    code_cells: int
    seconds: float | None = None  # None: not in the report
    differing_cells: int = 0

    @property
    def status(self) -> str:
        if self.seconds is None:
            return "not measured"
        if self.differing_cells:
            return f"{self.differing_cells} cell(s) did not reproduce"
        return "outputs reproduced"


@dataclass
class Report:
    runs: list[Run]
    suite_seconds: float
    timestamp: str


def read_report(path: Path, notebooks: list[tuple[str, Path]], srcdir: Path) -> Report | None:
    """The nbval run's timings for each notebook of the table of contents, or None without a report."""
    if not path.is_file():
        return None
    suite = ElementTree.parse(path).getroot()
    suite = suite if suite.tag == "testsuite" else suite.find("testsuite")
    per_file: dict[str, list[ElementTree.Element]] = {}
    for case in suite.iter("testcase"):  # classname "chapters.05_xor_mlp.ipynb", name "Cell 3"
        per_file.setdefault(case.get("classname", ""), []).append(case)
    runs = []
    for docname, source in notebooks:
        cells = sum(c.cell_type == "code" for c in nbformat.read(source, as_version=4).cells)
        key = ".".join(source.relative_to(srcdir).parts)
        cases = per_file.get(key)
        run = Run(docname, cells)
        if cases:
            run.seconds = sum(float(c.get("time", 0)) for c in cases)
            failed = [c for c in cases if c.find("failure") is not None or c.find("error") is not None]
            run.differing_cells = len(failed)
        runs.append(run)
    return Report(runs, float(suite.get("time", 0)), suite.get("timestamp", ""))


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

    ``chapters`` (the default) gives the nbval run's time per chapter; ``software`` lists the
    package versions, ``machine`` the machine and the dates of the run and the build.
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

    def report(self) -> Report | None:
        return read_report(self.srcdir / TIMINGS, toc_notebooks(self.env), self.srcdir)

    def chapters(self) -> list[nodes.Node]:
        env = self.env
        env.execution_stats_docs = getattr(env, "execution_stats_docs", set()) | {env.docname}
        report = self.report()
        if report is None:
            note = nodes.note()
            note += paragraph(
                f"No timings: this copy of the book was built without a test run ({TIMINGS} is missing). "
                "Run ",
                nodes.literal(text="make test"),
                " (or ",
                nodes.literal(text="make nbval"),
                " before ",
                nodes.literal(text="make book"),
                ") to measure them.",
            )
            return [note]
        rows = []
        for run in report.runs:
            if run.differing_cells:
                logger.warning(
                    f"execution-statistics: {run.docname}: {run.status} in the last nbval run",
                    location=(env.docname, self.lineno),
                    type="execution_stats",
                )
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
            seconds = "–" if run.seconds is None else f"{run.seconds:.1f}"
            rows.append([link, run.code_cells, seconds, run.status])
        busy = sum(run.seconds or 0 for run in report.runs)
        total_cells = sum(run.code_cells for run in report.runs)
        whole = f"the whole nbval run took {report.suite_seconds:.1f} s"
        rows.append(["Total", total_cells, f"{busy:.1f}", whole])
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
        report = self.report()
        measured = "no test run" if report is None else report.timestamp.replace("T", " ")[:16] + " UTC"
        rows = [
            ["Date of the nbval run", measured],
            ["Date of the build", dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")],
            ["Operating system", platform.platform()],
            ["CPU", cpu_model()],
            ["CPU count", str(os.cpu_count())],
            ["Kernel settings", nodes.literal(text=KERNEL_SETTINGS)],
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
    app.connect("env-get-outdated", always_outdated)
    app.connect("env-purge-doc", purge)
    app.connect("env-merge-info", merge)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
