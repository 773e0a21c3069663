"""Sphinx extension: the book's interactive parts, made into print for the PDF edition.

Only the LaTeX builder is affected (`make pdf`); the HTML book is unchanged. It acts on
the assembled book (one doctree, one `start_of_file` node per chapter), as a
post-transform that runs before sphinx-jupyterbook-latex's own (priority 400), which
would otherwise drop hidden cells from the PDF.

- Solutions. The notebooks hide each exercise's solution in raw HTML,

      <details>
      <summary>Solution</summary>

      ...markdown and math...

      </details>

  which the LaTeX builder drops, leaving the solution's text under the exercise with no
  mark. Each such block, together with the exercise's solution code cells (tag
  `hide-cell`, collapsed in HTML and Jupyter), moves to a "Solutions" section at the end
  of its chapter, under the heading "Exercise N: title (summary)". The exercise gets a
  line pointing to the solution's page, and the solution one back to the exercise.
  A `<details>` block outside an exercise stays where it is, under its summary as a
  heading.
- Hidden code. Cells tagged `hide-input` (the code that draws a figure) are printed in
  full: a reader of the PDF cannot click to show them.

For the HTML builder it does one thing: when the PDF has been built next to the HTML
book (_build/latex/book.pdf, by `make pdf`), it is copied into the HTML book and every
page's footer links to it. Without a PDF the HTML book is unchanged.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx import addnodes
from sphinx.application import Sphinx
from sphinx.transforms.post_transforms import SphinxPostTransform
from sphinx.util import logging

logger = logging.getLogger(__name__)

DETAILS_OPEN = re.compile(r"^\s*<details[^>]*>\s*(?:<summary>(?P<summary>.*?)</summary>)?\s*$", re.S | re.I)
DETAILS_CLOSE = re.compile(r"^\s*</details>\s*$", re.I)
EXERCISE = re.compile(r"^(?P<label>Exercise\s+\S+?)\s*(?:\((?P<level>[^)]*)\))?\s*(?::\s*(?P<title>.*))?$")
PDF_NAME = "book.pdf"  # latex: latex_documents: targetname: book.tex in _config.yml
HIDDEN_TAGS = ("tag_hide-cell", "tag_hide-input", "tag_hide-output")


def _is_html(node: nodes.Node) -> bool:
    return isinstance(node, nodes.raw) and "html" in node.get("format", "").split()


def _latex(text: str) -> nodes.raw:
    return nodes.raw("", text, format="latex")


def _section_of(node: nodes.Node) -> nodes.section | None:
    node = node.parent
    while node is not None and not isinstance(node, nodes.section):
        node = node.parent
    return node


def _plain(text: str) -> str:
    """Text of a <summary>, without tags and entities."""
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("&nbsp;", " ").replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">").strip()


def _tex(text: str) -> str:
    """Escape text for LaTeX."""
    special = {
        "\\": r"\textbackslash{}",
        "{": r"\{",
        "}": r"\}",
        "$": r"\$",
        "&": r"\&",
        "#": r"\#",
        "_": r"\_",
        "%": r"\%",
        "~": r"\textasciitilde{}",
        "^": r"\textasciicircum{}",
    }
    return "".join(special.get(ch, ch) for ch in text)


class PrintInteractiveParts(SphinxPostTransform):
    """Collect solutions at the end of each chapter; print hidden code cells."""

    default_priority = 350  # before sphinx_jupyterbook_latex.MystNbPostTransform (400)
    builders = ("latex",)

    def run(self, **kwargs: Any) -> None:
        self._show_hidden_cells()
        solutions: dict[int, list[nodes.Element]] = {}
        chapters: dict[int, addnodes.start_of_file] = {}
        count = 0
        # The chapter of each raw node. Sphinx's inline_all_toctrees moves a chapter's
        # nodes into a start_of_file node without updating their .parent, so walk down.
        owner: dict[int, addnodes.start_of_file] = {}
        for chapter in self.document.findall(addnodes.start_of_file):
            for raw in chapter.findall(_is_html):
                owner[id(raw)] = chapter  # a nested chapter comes later and wins
        for opener in list(self.document.findall(_is_html)):
            match = DETAILS_OPEN.match(opener.astext())
            if not match or opener.parent is None:
                continue
            parent = opener.parent
            start = parent.index(opener)
            end = next(
                (
                    i
                    for i in range(start + 1, len(parent))
                    if _is_html(parent[i]) and DETAILS_CLOSE.match(parent[i].astext())
                ),
                None,
            )
            if end is None:
                logger.warning("pdf_edition: <details> without </details>", location=opener)
                continue
            summary = _plain(match.group("summary") or "Details")
            body = list(parent.children[start + 1 : end])
            section = _section_of(opener)
            exercise = EXERCISE.match(section[0].astext().strip()) if section is not None else None
            chapter = owner.get(id(opener))
            if exercise is None or chapter is None:
                # Not an exercise: keep it in place, under its summary.
                parent.replace(parent[end], nodes.container())
                parent.replace(opener, nodes.rubric("", summary, classes=["details-summary"]))
                continue
            count += 1
            key = f"pdfsolution-{count}"
            # The exercise's solution code cells, shown collapsed in HTML, come with it.
            code = [
                child
                for child in parent.children[:start]
                if isinstance(child, nodes.container) and child.get("pdf_hidden_cell") == "all"
            ]
            for node in code + body:
                parent.remove(node)
            parent.remove(parent[parent.index(opener) + 1])  # </details>
            pointer = nodes.paragraph(
                "",
                "",
                _latex(
                    rf"\phantomsection\label{{{key}-exercise}}\emph{{{_tex(summary)}: see page~"
                    rf"\pageref{{{key}}}, at the end of the chapter.}}"
                ),
                classes=["solution-pointer"],
            )
            parent.replace(opener, pointer)

            label = exercise.group("label")
            title = exercise.group("title")
            heading = f"{label}: {title}" if title else label
            if summary.lower() != "solution":
                heading += f" ({summary.lower()})"
            back = nodes.paragraph(
                "",
                "",
                _latex(
                    rf"\phantomsection\label{{{key}}}\emph{{{_tex(label)} is on page~"
                    rf"\pageref{{{key}-exercise}}.}}"
                ),
                classes=["solution-backref"],
            )
            entry = [nodes.rubric("", heading, classes=["solution-heading"]), back, *code, *body]
            chapters[id(chapter)] = chapter
            solutions.setdefault(id(chapter), []).extend(entry)

        for key, entries in solutions.items():
            chapter = chapters[key]
            top = next((c for c in chapter.children if isinstance(c, nodes.section)), None)
            if top is None:
                continue
            docname = chapter.get("docname", "chapter")
            section = nodes.section("", ids=[f"pdf-solutions-{nodes.make_id(docname)}"], names=[])
            section["docname"] = docname
            section += nodes.title("", "Solutions")
            section += nodes.paragraph(
                "",
                "The solutions to this chapter's exercises, each with the code that the "
                "HTML book and the notebook keep collapsed under the exercise.",
            )
            section.extend(entries)
            top += section
        if count:
            logger.info("pdf_edition: %d solutions moved to the end of their chapters", count)

    def _show_hidden_cells(self) -> None:
        for cell in self.document.findall(nodes.container):
            classes = cell.get("classes", [])
            hidden = [c for c in classes if c in HIDDEN_TAGS]
            if not hidden:
                continue
            if "tag_hide-cell" in hidden:
                cell["pdf_hidden_cell"] = "all"
            cell["classes"] = [c for c in classes if c not in HIDDEN_TAGS]
            cell.attributes.pop("hide_mode", None)


def _built_pdf(app: Sphinx) -> Path | None:
    """The PDF edition next to this HTML build (_build/latex/book.pdf), if it is built."""
    pdf = Path(app.outdir).parent / "latex" / PDF_NAME
    return pdf if app.builder.format == "html" and pdf.is_file() else None


def _link_pdf_in_footer(app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any) -> None:
    if _built_pdf(app) is None:
        return
    href = context["pathto"](PDF_NAME, 1)
    context["theme_extra_footer"] = (context.get("theme_extra_footer") or "") + (
        f'<p class="pdf-edition"><strong>PDF edition.</strong> <a href="{href}">The whole book as '
        "one PDF</a>, for reading away from the screen (built by <code>make pdf</code>).</p>"
    )


def _copy_pdf(app: Sphinx, exception: Exception | None) -> None:
    pdf = _built_pdf(app)
    if exception is None and pdf is not None:
        shutil.copy2(pdf, Path(app.outdir) / PDF_NAME)


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_post_transform(PrintInteractiveParts)
    app.connect("html-page-context", _link_pdf_in_footer)
    app.connect("build-finished", _copy_pdf)
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
