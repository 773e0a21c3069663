"""Tests of the PDF edition, _build/latex/book.pdf, as built by `make pdf`.

Run by `make pdf-test` (after `make pdf`), which sets BOOK_PDF_TESTS=required; without it
these tests skip, so `make test` and a plain `pytest` need no LaTeX. They read the
LaTeX log and the PDF with poppler's pdftotext and pdfimages (Debian's poppler-utils),
and compare them with the sources: _toc.yml and the chapters' notebooks.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
LATEX = Path(os.environ.get("BOOK_PDF_DIR", ROOT / "_build" / "latex"))  # where make pdf builds it
PDF = LATEX / "book.pdf"
LOG = LATEX / "book.log"

if os.environ.get("BOOK_PDF_TESTS") != "required":
    pytest.skip("PDF tests run with `make pdf-test` (after `make pdf`)", allow_module_level=True)


def _toc_files() -> list[Path]:
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text(encoding="utf-8"))
    names = [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]
    names += [c["file"] for c in toc.get("chapters", [])]
    files = []
    for name in names:
        for suffix in (".ipynb", ".md"):
            if (ROOT / (name + suffix)).exists():
                files.append(ROOT / (name + suffix))
                break
        else:
            raise AssertionError(f"{name} from _toc.yml has no .ipynb or .md file")
    return files


def _markdown(path: Path) -> str:
    if path.suffix == ".ipynb":
        nb = nbformat.read(path, as_version=4)
        return "\n\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    return path.read_text(encoding="utf-8")


def _title(path: Path) -> str:
    match = re.search(r"^# +(.+?)\s*$", _markdown(path), re.M)
    assert match, f"{path.name} has no '# Title' heading"
    return match.group(1).replace("`", "").replace("*", "")


def _normal(text: str) -> str:
    """Text as compared: ligatures undone (NFKC), plain quotes and dashes, whitespace collapsed."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(
        str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u2013": "-"})
    )
    return re.sub(r"\s+", " ", text)


def _tool(name: str) -> str:
    path = shutil.which(name)
    assert path, f"{name} is missing: apt-get install poppler-utils (make pdf installs it as root)"
    return path


@pytest.fixture(scope="module")
def pdf_text() -> str:
    assert PDF.exists(), f"{PDF} is missing: run `make pdf` first"
    out = subprocess.run(
        [_tool("pdftotext"), "-enc", "UTF-8", str(PDF), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


@pytest.fixture(scope="module")
def log_text() -> str:
    assert LOG.exists(), f"{LOG} is missing: run `make pdf` first"
    return LOG.read_text(encoding="utf-8", errors="replace")


def _figures() -> list[tuple[str, str, int]]:
    """(notebook, caption, number of images) of every figure output of the book's chapters."""
    figures = []
    for path in _toc_files():
        if path.suffix != ".ipynb":
            continue
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code":
                continue
            images = sum(
                1
                for out in cell.outputs
                if out.get("output_type") in ("display_data", "execute_result")
                and any(m in out.get("data", {}) for m in ("image/png", "image/jpeg"))
            )
            caption = cell.metadata.get("mystnb", {}).get("figure", {}).get("caption")
            if images:
                figures.append((path.name, caption or "", images))
    return figures


def test_the_pdf_is_newer_than_the_sources():
    """A stale PDF would test old chapters."""
    assert PDF.exists(), "run `make pdf` first"
    newest = max(p.stat().st_mtime for p in [*_toc_files(), ROOT / "_toc.yml"])
    assert PDF.stat().st_mtime >= newest, "book.pdf is older than a chapter: run `make pdf` again"


def test_latex_ran_without_errors(log_text):
    errors = [line for line in log_text.splitlines() if line.startswith("! ")]
    assert not errors, f"LaTeX errors in {LOG.name}: {errors[:5]}"


def test_every_reference_and_citation_is_resolved(log_text, pdf_text):
    # Not "Label(s) may have changed. Rerun...": latexmk reruns XeLaTeX until book.aux stops
    # changing, and the warning stays after that, a false alarm from nameref comparing
    # figure captions with Unicode (α, ², ’) in them.
    for warning in ("There were undefined references", "There were undefined citations"):
        assert warning not in log_text, f"{LOG.name}: {warning}"
    undefined = re.findall(r"(?:Reference|Citation) `[^']*' on page \d+ undefined", log_text)
    assert not undefined, undefined[:5]
    assert "??" not in pdf_text, [pdf_text[max(0, i - 60) : i + 20] for i in [pdf_text.index("??")]]


def test_every_glyph_is_in_a_font(log_text):
    """Greek, math symbols, check marks and the glossary's Chinese all have a font."""
    missing = sorted(set(re.findall(r"Missing character: There is no (.+?) in font", log_text)))
    assert not missing, f"characters with no glyph in the PDF: {missing}"


def test_every_chapter_title_is_in_the_pdf(pdf_text):
    text = _normal(pdf_text)
    missing = [_title(p) for p in _toc_files() if _normal(_title(p)) not in text]
    assert not missing, f"chapter titles missing from the PDF: {missing}"


def test_chapters_are_in_toc_order(pdf_text):
    """Each chapter's title, after the table of contents, appears after the previous one's."""
    text = _normal(pdf_text)
    titles = [_normal(_title(p)) for p in _toc_files()[1:]]  # the root's title is the book's
    start = text.index(titles[-1]) + len(titles[-1])  # the last entry of the contents
    positions = []
    for title in titles:
        start = text.index(title, start)
        positions.append(start)
    assert positions == sorted(positions)


def test_as_many_images_as_the_chapters_have_figures():
    out = subprocess.run([_tool("pdfimages"), "-list", str(PDF)], capture_output=True, text=True, check=True)
    rows = [line.split() for line in out.stdout.splitlines()[2:] if line.strip()]
    images = [row for row in rows if row[2] == "image"]  # not the "smask" alpha channels
    expected = sum(n for _, _, n in _figures())
    assert len(images) == expected, (
        f"{len(images)} images in the PDF, {expected} figure outputs in the chapters"
    )


def test_every_figure_has_its_caption(pdf_text):
    text = _normal(pdf_text)
    figures = _figures()
    assert all(caption for _, caption, _ in figures), "a figure output without a mystnb caption"
    missing = []
    for notebook, caption, _ in figures:
        words = _normal(caption.split("$")[0]).split()[:8]  # the caption's start, before any math
        if " ".join(words) not in text:
            missing.append((notebook, " ".join(words)))
    assert not missing, f"captions missing from the PDF: {missing}"
    labels = re.findall(r"Fig\. \d+\.\d+:", text)
    assert len(labels) == len(figures), f"{len(labels)} numbered captions, {len(figures)} figures"


def test_solutions_are_collected_and_no_html_leaks(pdf_text):
    """Every <details> solution is printed in its chapter's Solutions section, linked both ways."""
    text = _normal(pdf_text)
    for leak in ("<details", "</details>", "<summary", "</summary>", "```{", ":::{"):
        assert leak not in text, f"raw markup {leak!r} in the PDF"
    details = sum(_markdown(p).count("<details") for p in _toc_files())
    assert text.count(" is on page ") == details  # the back-link heading each solution
    assert len(re.findall(r": see page \d+, at the end of the chapter\.", text)) == details
    chapters_with_exercises = [p for p in _toc_files() if "<details" in _markdown(p)]
    assert text.count("Solutions The solutions to this chapter's exercises") == len(chapters_with_exercises)


def test_bibliography_is_printed(pdf_text):
    """Every cited work is in the bibliography: its first author's surname and year, after the heading."""
    bib = (ROOT / "chapters" / "references.bib").read_text(encoding="utf-8")
    entries = {}
    for key, body in re.findall(r"@\w+\{([^,\s]+),(.*?)\n\}", bib, re.S):
        author = re.search(r"\bauthor\s*=\s*\{+([^,}]+)", body)
        year = re.search(r"\byear\s*=\s*\{?(\d{4})", body)
        entries[key] = (author.group(1).split()[-1] if author else None, year.group(1) if year else None)
    cited = {
        key.strip()
        for p in _toc_files()
        for keys in re.findall(r"\{cite(?::[a-z]+)?\}`([^`]+)`", _markdown(p))
        for key in keys.split(",")
    }
    assert cited, "no citations found in the chapters"
    assert cited <= set(entries), f"cited but not in references.bib: {sorted(cited - set(entries))}"
    text = _normal(pdf_text)
    bibliography = text[text.rindex("BIBLIOGRAPHY") :]
    missing = [
        key
        for key in sorted(cited)
        if entries[key][0] and (entries[key][0] not in bibliography or entries[key][1] not in bibliography)
    ]
    assert not missing, f"cited works missing from the bibliography: {missing}"
    assert len(re.findall(r"\[\d+\] ", bibliography)) >= len(cited)
