"""Hygiene of the committed notebooks: what nbval and the book build cannot see.

nbval re-runs each notebook and compares outputs, but it does not compare cells
whose stored execution_count is None, so a notebook committed without outputs
would pass it; and the book renders committed outputs as they are
(execute_notebooks: "off"). These tests check that every notebook was run top to
bottom by tools/run_notebooks.py, stores no accidental errors or warnings, and
follows the chapter anatomy (title, imports, pitfall box, exercises with checks, hidden solutions).

Run: pytest tests/test_notebooks.py
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
CHAPTERS = ROOT / "chapters"
NOTEBOOKS = sorted(CHAPTERS.glob("*.ipynb"))
NUMBERED_CHAPTERS = sorted(CHAPTERS.glob("[0-9][0-9]_*.ipynb"))  # not the appendix


def by_name(paths):
    return pytest.mark.parametrize("path", paths, ids=[p.name for p in paths])


@cache
def read(path: Path):
    return nbformat.read(path, as_version=4)


def code_cells(path: Path):
    return [c for c in read(path).cells if c.cell_type == "code"]


def markdown(path: Path) -> list[str]:
    return [c.source for c in read(path).cells if c.cell_type == "markdown"]


def tags(cell) -> list[str]:
    return cell.metadata.get("tags", [])


def label(index: int, cell) -> str:
    first_line = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
    return f"code cell {index + 1} ({first_line[:60]!r})"


# -- every notebook ---------------------------------------------------------------------


@by_name(NOTEBOOKS)
def test_code_cells_were_executed_once_in_order(path):
    counts = [c.execution_count for c in code_cells(path)]
    assert counts == list(range(1, len(counts) + 1)), (
        f"{path.name}: execution counts {counts}; run `python tools/run_notebooks.py chapters/{path.name}`"
    )


@by_name(NOTEBOOKS)
def test_no_execution_timing_metadata(path):
    timed = [label(i, c) for i, c in enumerate(read(path).cells) if "execution" in c.metadata]
    assert not timed, f"{path.name}: cell timestamps stored in {timed}; re-run with tools/run_notebooks.py"


@by_name(NOTEBOOKS)
def test_notebook_metadata_is_as_run_notebooks_writes_it(path):
    metadata = read(path).metadata
    assert metadata.get("kernelspec", {}).get("name") == "python3"
    assert "version" not in metadata.get("language_info", {}), "Python patch version stored (churn in diffs)"


@by_name(NOTEBOOKS)
def test_errors_are_stored_only_where_expected(path):
    for i, cell in enumerate(code_cells(path)):
        has_error = any(o.output_type == "error" for o in cell.outputs)
        expected = "raises-exception" in tags(cell)
        assert has_error == expected, f"{path.name}, {label(i, cell)}: " + (
            "an error is stored but the cell is not tagged raises-exception"
            if has_error
            else "tagged raises-exception but stores no error"
        )


@by_name(NOTEBOOKS)
def test_no_stderr_output(path):
    for i, cell in enumerate(code_cells(path)):
        stderr = [o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stderr"]
        assert not stderr, (
            f"{path.name}, {label(i, cell)} wrote to stderr (a warning?):\n{''.join(stderr)[:500]}"
        )


@by_name(NOTEBOOKS)
def test_cells_that_print_have_stored_output(path):
    for i, cell in enumerate(code_cells(path)):
        if "print(" in cell.source:
            assert cell.outputs, f"{path.name}, {label(i, cell)} calls print() but stores no output"


@by_name(NOTEBOOKS)
def test_first_cell_is_an_h1_title(path):
    first = read(path).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith("# "), (
        f"{path.name}: the first cell must be markdown starting with '# Title'"
    )


@by_name(NOTEBOOKS)
def test_imports_mlp(path):
    source = "\n".join(c.source for c in code_cells(path))
    imports = re.search(r"^\s*(import mlp\b|from mlp\b)", source, re.MULTILINE)
    assert imports, f"{path.name} does not import mlp"


@by_name(NOTEBOOKS)
def test_no_global_seed_and_no_sys_path(path):
    for i, cell in enumerate(code_cells(path)):
        assert not re.search(r"random\.seed\s*\(", cell.source), (
            f"{path.name}, {label(i, cell)}: use rng = np.random.default_rng(seed), not global seeding"
        )
        assert not re.search(r"\bsys\.path\b", cell.source), (
            f"{path.name}, {label(i, cell)}: import mlp from the editable install, do not edit sys.path"
        )


# -- numbered chapters only (chapters/NN_slug.ipynb) ------------------------------------


@by_name(NUMBERED_CHAPTERS)
def test_chapter_has_a_pitfall_box(path):
    box = re.compile(r"(`{3,}|:{3,})\s*\{(admonition|warning|caution|danger|attention)\}")
    assert any(box.search(source) for source in markdown(path)), (
        f"{path.name}: no pitfall box (```{{admonition}} ... with :class: warning)"
    )


@by_name(NUMBERED_CHAPTERS)
def test_chapter_has_hidden_solutions(path):
    sources = markdown(path)
    opening = re.compile(r"<details\b")
    assert any(opening.search(s) for s in sources), f"{path.name}: no <details> solution"
    for source in sources:
        assert len(opening.findall(source)) == source.count("</details>"), (
            f"{path.name}: unclosed <details> in the cell starting {source[:60]!r}"
        )


@by_name(NOTEBOOKS)
def test_every_figure_has_a_caption_and_alt_text(path):
    for i, cell in enumerate(code_cells(path)):
        if not any("image/png" in getattr(o, "data", {}) for o in cell.outputs):
            continue
        options = cell.metadata.get("mystnb", {})
        caption = options.get("figure", {}).get("caption", "")
        alt = options.get("image", {}).get("alt", "")
        assert caption.strip() and alt.strip(), (
            f"{path.name}, {label(i, cell)}: a figure needs cell metadata "
            '{"mystnb": {"figure": {"caption": ..., "name": ...}, "image": {"alt": ...}}}'
        )


OBJECT_REPR = re.compile(
    r"<matplotlib\.|<Figure size|<Axes|\bat 0x[0-9a-fA-F]+>|^\[?Text\(|Line2D\(", re.MULTILINE
)


@by_name(NOTEBOOKS)
def test_no_object_reprs_in_outputs(path):
    # A figure's display stores its PNG with matplotlib's "<Figure size ...>" as the text
    # stand-in; no frontend shows that text beside the image. Anywhere else a repr is a leak:
    # a plotting call's return value, a forgotten `;`, an object printed by mistake.
    for i, cell in enumerate(code_cells(path)):
        for output in cell.outputs:
            data = getattr(output, "data", {})
            if "image/png" in data:
                continue
            text = output.get("text", "") or data.get("text/plain", "")
            assert not OBJECT_REPR.search(text), (
                f"{path.name}, {label(i, cell)}: object repr in output {text[:80]!r}"
            )


# -- exercises: a visible check before every hidden solution -------------------------------------

# Every exercise opens with a heading "### Exercise N (level, kind): title"; a kind that says
# "code" (code, pencil and code, ...) asks for code, and so for a checker.
EXERCISE = re.compile(r"^### Exercise (\d+) \(([^)]*)\): \S")
CHECK_CALL = re.compile(r"^(ch\d\d)\.check_ex(\d+)\(([^()]*)\)$")


def is_hidden_solution(cell) -> bool:
    return "hide-cell" in tags(cell)


def stdout(cell) -> str:
    return "".join(o.text for o in cell.outputs if o.output_type == "stream" and o.name == "stdout")


def exercises(path: Path):
    """(number, kind, cells up to the next exercise or heading) for each exercise of a chapter."""
    cells = read(path).cells
    found = []
    for i, cell in enumerate(cells):
        match = EXERCISE.match(cell.source) if cell.cell_type == "markdown" else None
        if match:
            end = i + 1
            while end < len(cells) and not (
                cells[end].cell_type == "markdown" and cells[end].source.startswith("#")
            ):
                end += 1
            found.append((int(match[1]), match[2], cells[i + 1 : end]))
    return found


@by_name(NUMBERED_CHAPTERS)
def test_exercises_open_with_one_heading_form(path):
    for source in markdown(path):
        if re.match(r"(#+ |\*\*)Exercise \d", source):
            assert EXERCISE.match(source), (
                f"{path.name}: {source[:40]!r} should open with '### Exercise N (level, kind): title'"
            )


@by_name(NUMBERED_CHAPTERS)
def test_every_code_exercise_has_a_visible_check_before_its_hidden_solution(path):
    module = f"ch{path.name[:2]}"
    for number, kind, cells in exercises(path):
        checks = [c for c in cells if c.cell_type == "code" and CHECK_CALL.match(c.source.strip())]
        if "code" not in kind and not checks:
            continue  # a pencil-and-paper exercise without a checkable answer
        where = f"{path.name}, exercise {number}"
        assert checks, f"{where}: a code exercise needs a visible cell `{module}.check_ex{number}(...)`"
        check = checks[0]
        call = CHECK_CALL.match(check.source.strip())
        assert (call[1], int(call[2])) == (module, number), f"{where}: the check cell calls {call[0]}"
        assert all(arg.strip().isidentifier() for arg in call[3].split(",") if arg.strip()), (
            f"{where}: the check cell passes only names (the reader's answer), never a literal"
        )
        assert not is_hidden_solution(check), f"{where}: the check cell must be visible"
        position = cells.index(check)
        starters = [c for c in cells[:position] if c.cell_type == "code"]
        assert starters and not any(is_hidden_solution(c) for c in starters), (
            f"{where}: a visible starter cell comes before the check"
        )
        assert "not yet" in stdout(check), f"{where}: the check's stored output is the starter's 'not yet'"
        solutions = [c for c in cells[position + 1 :] if c.cell_type == "code" and is_hidden_solution(c)]
        assert solutions, f"{where}: a hidden solution cell (tag hide-cell) follows the check"
        assert f"{module}.check_ex{number}(" in solutions[-1].source, (
            f"{where}: the solution ends with the same check"
        )
        passed = f"Exercise {number}: correct" in stdout(solutions[-1])
        assert passed, f"{where}: the solution passes its check"


@by_name(NUMBERED_CHAPTERS)
def test_hidden_solutions_hide_source_and_outputs_and_print_only_verdicts(path):
    for i, cell in enumerate(code_cells(path)):
        if not is_hidden_solution(cell):
            continue
        jupyter = cell.metadata.get("jupyter", {})
        assert jupyter.get("source_hidden") and jupyter.get("outputs_hidden"), (
            f"{path.name}, {label(i, cell)}: a hidden solution sets jupyter.source_hidden and outputs_hidden"
        )
        # After Run All, JupyterLab shows a cell's outputs whatever outputs_hidden said:
        # only the checker's verdict may appear there, never the numbers that are the answer.
        shown = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stdout")]
        assert not shown, f"{path.name}, {label(i, cell)}: a solution cell displays more than its verdict"
        lines = [line for line in stdout(cell).splitlines() if line.strip()]
        assert all(re.match(r"Exercise \d+: (correct|not yet)\. ", line) for line in lines), (
            f"{path.name}, {label(i, cell)}: a solution prints only its checker's verdict, got {lines[:3]}"
        )
