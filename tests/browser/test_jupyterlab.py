"""A chapter in the pinned JupyterLab, as a reader runs it: MyST rendered, answers kept hidden.

Starts JupyterLab (with the jupyterlab-myst extension that `make setup` installs) on a
copy of chapters/ in a temporary folder, opens a chapter in headless Chromium, runs
*Run All* from the Run menu, waits for the kernel, then looks at the page:

- no MyST markup is left raw in the markdown cells (roles such as {eq} and {cite:t},
  fenced directives such as the pitfall boxes);
- every solution's <details> discussion is still closed;
- the cells whose source is collapsed (the hidden solutions) show nothing but their
  checker's verdict, so no answer appears under an exercise after Run All.

    pytest tests/browser/test_jupyterlab.py      # skips without chromium or selenium
"""

from __future__ import annotations

import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

CHAPTER = "05_xor_mlp.ipynb"  # exercises with numeric answers, pitfall boxes, {eq} and {cite} roles
TOKEN = "book-test"
RAW_MYST = re.compile(
    r"\{(eq|cite(:[tp])?|doc|ref|numref|math)\}`"  # a role
    r"|^(```|:::)\s*\{\w+\}|^:class:",  # a fenced directive and its options
    re.MULTILINE,
)
VERDICT = re.compile(r"^Exercise \d+: (correct|not yet)\. ")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab_url(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("jupyterlab")
    shutil.copytree(ROOT / "chapters", workdir / "chapters", ignore=shutil.ignore_patterns(".*"))
    # Every cell in the page (no windowing), so that all of them can be read.
    settings = workdir / "settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)
    (settings / "tracker.jupyterlab-settings").write_text('{"windowingMode": "none"}')
    port = free_port()
    command = [
        sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", f"--port={port}",
        "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={TOKEN}", f"--ServerApp.root_dir={workdir}",
        f"--LabApp.user_settings_dir={workdir / 'settings'}", "--LabApp.news_url=",
    ]  # fmt: skip
    server = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={TOKEN}", timeout=2)
            break
        except OSError:
            if time.monotonic() > deadline or server.poll() is not None:
                server.kill()
                pytest.fail("JupyterLab did not start within 60 s")
            time.sleep(0.5)
    yield f"{base}/lab/tree/chapters"
    server.terminate()
    server.wait(timeout=20)


def click_menu(driver, menu: str, item: str) -> None:
    from selenium.webdriver.common.by import By

    for label in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-itemLabel"):
        if label.text == menu:
            label.click()
            break
    else:
        pytest.fail(f"JupyterLab has no {menu!r} menu")
    for entry in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu-itemLabel"):
        if entry.text == item:
            entry.click()
            return
    pytest.fail(f"JupyterLab's {menu!r} menu has no {item!r}")


@pytest.fixture(scope="module")
def chapter_after_run_all(driver, lab_url):
    """The chapter's page after Run All has finished: what each cell shows."""
    from selenium.webdriver.common.by import By

    driver.get(f"{lab_url}/{CHAPTER}?token={TOKEN}")
    deadline = time.monotonic() + 60
    while not driver.find_elements(By.CSS_SELECTOR, ".jp-Notebook .jp-MarkdownCell"):
        assert time.monotonic() < deadline, "the notebook did not open within 60 s"
        time.sleep(0.5)
    time.sleep(3)  # the kernel starts
    click_menu(driver, "Run", "Run All Cells")
    time.sleep(2)
    deadline = time.monotonic() + 180
    # Queued and running cells show [*]:, run ones [n]: (a collapsed cell's prompt is empty).
    script = """return [...document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt')]
                 .map(p => p.innerText.trim()).filter(p => p)"""
    while any(not re.fullmatch(r"\[\d+\]:", p) for p in driver.execute_script(script)):
        assert time.monotonic() < deadline, "Run All did not finish within 180 s"
        time.sleep(1)
    return driver.execute_script(
        """return [...document.querySelectorAll('.jp-Notebook .jp-Cell')].map(cell => ({
             markdown: cell.classList.contains('jp-MarkdownCell'),
             text: cell.classList.contains('jp-MarkdownCell') ? cell.innerText : '',
             sourceHidden: !!cell.querySelector('.jp-InputPlaceholder')
                           && cell.querySelector('.jp-InputPlaceholder').offsetParent !== null,
             outputs: [...cell.querySelectorAll('.jp-OutputArea-output')].map(o => o.innerText),
             openDetails: [...cell.querySelectorAll('details[open]')].length,
             details: [...cell.querySelectorAll('details')].length,
           }))"""
    )


def test_markdown_shows_no_raw_myst_markup(chapter_after_run_all):
    raw = [m.group(0) for c in chapter_after_run_all if c["markdown"] for m in RAW_MYST.finditer(c["text"])]
    assert not raw, f"{CHAPTER} in JupyterLab shows raw MyST markup: {raw[:5]}"


def test_solution_discussions_stay_closed(chapter_after_run_all):
    assert sum(c["details"] for c in chapter_after_run_all) > 0, "no <details> rendered at all"
    assert sum(c["openDetails"] for c in chapter_after_run_all) == 0


def test_hidden_solutions_show_only_their_verdict_after_run_all(chapter_after_run_all):
    hidden = [c for c in chapter_after_run_all if c["sourceHidden"]]
    assert hidden, f"{CHAPTER}: no cell with a collapsed source (hidden solution) found"
    for cell in hidden:
        lines = [line for output in cell["outputs"] for line in output.splitlines() if line.strip()]
        assert all(VERDICT.match(line) for line in lines), f"a hidden solution shows {lines[:3]}"
