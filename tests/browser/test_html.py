"""The built book in a real browser: every page loads offline, with its math, figures and solutions.

Headless Debian Chromium (see conftest.py) reads every page of _build/html from a local
server with all other host names unresolvable, as an offline reader would. Each page is
loaded once; what the browser saw is recorded, and one test per (check, page) reads it:

- no console errors (browser log, SEVERE);
- every image loads and has alt text;
- every math element is typeset by the book's own MathJax, without errors or undefined macros;
- no request leaves 127.0.0.1 (network log, Network.requestWillBeSent);
- every <details> (exercise solutions, hidden code) is closed until its summary is clicked;
- the header's download button offers the chapter's notebook, and it is a valid one;
- figures keep a light background in the theme's dark mode.

And once: searching "batch normalization" finds the BatchNorm chapter.

    make browser                     # installs chromium if needed, then runs this suite
    pytest tests/browser             # skips if there is no browser or no built book
"""

from __future__ import annotations

import io
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPECIAL_PAGES = {"index.html", "search.html", "genindex.html"}  # redirect and Sphinx's own pages


def toc_documents() -> list[str]:
    """Every document of _toc.yml, root first, in reading order (without file suffix)."""
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    documents = [toc["root"]]

    def walk(node):
        if isinstance(node, dict):
            if "file" in node:
                documents.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk({k: v for k, v in toc.items() if k != "root"})
    return [str(Path(d).with_suffix("")) for d in documents]


DOCUMENTS = toc_documents()
PAGES = [f"{d}.html" for d in DOCUMENTS]
NOTEBOOK_PAGES = [f"{d}.html" for d in DOCUMENTS if (ROOT / f"{d}.ipynb").is_file()]
BATCHNORM_PAGE = "chapters/07_batch_normalization.html"


def by_page(pages):
    return pytest.mark.parametrize("page", pages, ids=[Path(p).stem for p in pages])


# -- what the browser saw on one page -----------------------------------------------------

WAIT_FOR_MATHJAX = r"""
const done = arguments[arguments.length - 1], t0 = Date.now();
(function poll() {
  if (!window.MathJax) return done("no MathJax on the page");  // Sphinx adds it to pages with math only
  if (MathJax.startup && MathJax.startup.promise) {
    return MathJax.startup.promise
      .then(() => document.fonts.ready)
      .then(() => done("typeset"), (e) => done("MathJax error: " + e));
  }
  // window.MathJax is only the configuration until tex-mml-chtml.js runs; the script is
  // deferred, so once the page has loaded it either ran or failed to load.
  if (Date.now() - t0 > (document.readyState === "complete" ? 2000 : 15000)) {
    return done("MathJax is configured but its script (tex-mml-chtml.js) never ran");
  }
  setTimeout(poll, 50);
})();
"""

WAIT_FOR_IMAGES = """
const done = arguments[arguments.length - 1];
const pending = [...document.images].filter((i) => !i.complete)
  .map((i) => new Promise((resolve) => {
    i.addEventListener("load", resolve);
    i.addEventListener("error", resolve);
  }));
Promise.race([Promise.all(pending), new Promise((r) => setTimeout(r, 10000))]).then(() => done(
  [...document.images].map((i) => ({
    src: i.getAttribute("src"),
    loaded: i.complete && i.naturalWidth > 0,
    alt: (i.getAttribute("alt") || "").trim(),
  }))
));
"""

INSPECT_MATH = """
const math = [...document.querySelectorAll("span.math, div.math")];
const short = (s) => s.replace(/\\s+/g, " ").trim().slice(0, 100);
const items = (window.MathJax && MathJax.startup && MathJax.startup.document)
  ? [...MathJax.startup.document.math] : [];
const bad = (kind) => items.filter((item) => item.typesetRoot && (kind === "merror"
    ? item.typesetRoot.querySelector("mjx-merror")
    : [...item.typesetRoot.querySelectorAll("mjx-mtext")].some((t) => t.style.color === "red")))
  .map((item) => short(item.math) + (kind === "merror"
    ? " -> " + (item.typesetRoot.querySelector("mjx-merror").getAttribute("data-mjx-error") || "") : ""));
return {
  elements: math.length,
  untypeset: math.filter((e) => !e.querySelector("mjx-container")).map((e) => short(e.textContent)),
  merror: bad("merror"),
  undefined: bad("red"),
};
"""

DETAILS_STATE = """
return [...document.querySelectorAll("article details")].map((d) => {
  const content = [...d.children].filter((c) => c.tagName !== "SUMMARY");
  const summary = d.querySelector("summary");
  return {
    summary: summary ? summary.textContent.replace(/\\s+/g, " ").trim() : "",
    open: d.open,
    content: content.length,
    visible: content.filter((c) => c.checkVisibility() && c.getClientRects().length > 0).length,
  };
});
"""

TITLE = """
const h1 = document.querySelector("article h1");
if (!h1) return null;
const copy = h1.cloneNode(true);
copy.querySelectorAll(".section-number, .headerlink").forEach((e) => e.remove());
return copy.textContent.replace(/\\s+/g, " ").trim();
"""

DOWNLOAD_LINK = """
const link = document.querySelector('.dropdown-download-buttons a[href*="_sources/"][href$=".ipynb"]');
return link ? link.href : null;
"""


@dataclass
class PageReport:
    page: str
    mathjax: str = ""
    math: dict = field(default_factory=dict)
    images: list = field(default_factory=list)
    details_before: list = field(default_factory=list)
    details_after: list = field(default_factory=list)
    title: str | None = None
    download_href: str | None = None
    download_visible_after_click: bool = False
    console_errors: list = field(default_factory=list)
    requests: list = field(default_factory=list)


def drain_logs(driver):
    driver.get_log("browser")
    driver.get_log("performance")


def console_errors(driver) -> list[str]:
    """SEVERE entries of the browser console, except the 404 of /favicon.ico.

    Browsers ask every server for /favicon.ico when a page names no icon; the book has
    none, and a missing icon is no error of the page.
    """
    return [
        entry["message"]
        for entry in driver.get_log("browser")
        if entry["level"] == "SEVERE" and not entry["message"].split(" ", 1)[0].endswith("/favicon.ico")
    ]


def requested_urls(performance_log) -> list[str]:
    urls = []
    for entry in performance_log:
        message = json.loads(entry["message"])["message"]
        if message.get("method") == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


NETWORK_SCHEMES = {"http", "https", "ws", "wss", "ftp"}  # not data:, blob:, about:, chrome:


def is_local(url: str) -> bool:
    """False for a request that would reach the network anywhere but 127.0.0.1."""
    parts = urllib.parse.urlsplit(url)
    return parts.scheme not in NETWORK_SCHEMES or parts.hostname == "127.0.0.1"


def click(driver, element):
    """A real click, after scrolling the element to the middle of the window (clear of the sticky header)."""
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", element)
    element.click()


def inspect_page(driver, base_url: str, page: str) -> PageReport:
    from selenium.webdriver.common.by import By

    report = PageReport(page)
    drain_logs(driver)
    driver.get(f"{base_url}/{page}")
    report.mathjax = driver.execute_async_script(WAIT_FOR_MATHJAX)
    report.math = driver.execute_script(INSPECT_MATH)
    report.images = driver.execute_async_script(WAIT_FOR_IMAGES)

    # Hidden content: closed at first, shown once its summary is clicked.
    # (a click event on every summary, dispatched in one round trip; a real mouse click is
    # tested on one chapter below)
    report.details_before = driver.execute_script(DETAILS_STATE)
    driver.execute_script('document.querySelectorAll("article details > summary").forEach((s) => s.click())')
    report.details_after = driver.execute_script(DETAILS_STATE)

    # The header's download menu.
    report.title = driver.execute_script(TITLE)
    report.download_href = driver.execute_script(DOWNLOAD_LINK)
    if report.download_href:
        click(driver, driver.find_element(By.CSS_SELECTOR, ".dropdown-download-buttons > button"))
        link = driver.find_element(By.CSS_SELECTOR, '.dropdown-download-buttons a[href$=".ipynb"]')
        report.download_visible_after_click = link.is_displayed()

    report.console_errors = console_errors(driver)
    report.requests = requested_urls(driver.get_log("performance"))
    return report


@pytest.fixture(scope="session")
def visit(driver, base_url):
    """visit(page) -> PageReport; each page is loaded once per session."""
    reports: dict[str, PageReport] = {}

    def get(page: str) -> PageReport:
        if page not in reports:
            reports[page] = inspect_page(driver, base_url, page)
        return reports[page]

    return get


def listing(items) -> str:
    return "\n  " + "\n  ".join(map(str, items))


# -- the pages -------------------------------------------------------------------------------


@pytest.mark.usefixtures("driver")  # skips (or fails) with the rest of the suite
def test_every_built_page_is_in_the_toc_and_tested(html_dir):
    built = {
        p.relative_to(html_dir).as_posix()
        for p in html_dir.rglob("*.html")
        if not p.relative_to(html_dir).parts[0].startswith("_")
    }
    built -= SPECIAL_PAGES
    assert built == set(PAGES), (
        f"built pages not in _toc.yml: {sorted(built - set(PAGES))}; "
        f"toc entries not built: {sorted(set(PAGES) - built)} (a stale _build? run `make build-strict`)"
    )


@by_page(PAGES)
def test_no_console_errors(visit, page):
    errors = visit(page).console_errors
    assert not errors, f"{page}: {len(errors)} console error(s):{listing(errors)}"


@by_page(PAGES)
def test_images_load_and_have_alt_text(visit, page):
    images = visit(page).images
    problems = [f"did not load: {i['src']}" for i in images if not i["loaded"]]
    problems += [f"no alt text: {i['src']}" for i in images if not i["alt"]]
    assert not problems, (
        f"{page}: {len(problems)} problem(s) with its {len(images)} image(s):{listing(problems)}"
    )


@by_page(PAGES)
def test_math_is_typeset(visit, page):
    report = visit(page)
    math = report.math
    problems = []
    if math["elements"] and report.mathjax != "typeset":
        problems.append(f"{math['elements']} math element(s) but MathJax did not run: {report.mathjax}")
    if math["untypeset"]:
        problems.append(
            f"{len(math['untypeset'])} of {math['elements']} math element(s) not typeset, shown as raw TeX:"
        )
        problems += [f"  {tex}" for tex in math["untypeset"][:10]]
    problems += [f"MathJax error in {tex}" for tex in math["merror"]]
    problems += [f"undefined macro (red) in {tex}" for tex in math["undefined"]]
    assert not problems, f"{page}: math problems:{listing(problems)}"


@by_page(PAGES)
def test_no_request_leaves_localhost(visit, page):
    requests = visit(page).requests
    assert requests, f"{page}: no network requests recorded (is the performance log on?)"
    outside = [url for url in requests if not is_local(url)]
    assert not outside, f"{page}: {len(outside)} request(s) to other hosts than 127.0.0.1:{listing(outside)}"


@by_page(PAGES)
def test_details_are_hidden_until_clicked(visit, page):
    report = visit(page)
    before, after = report.details_before, report.details_after
    shown_early = [d["summary"] for d in before if d["open"] or d["visible"]]
    not_shown = [d["summary"] for d in after if not d["open"] or not d["visible"]]
    assert not shown_early, f"{page}: content shown before its summary was clicked:{listing(shown_early)}"
    assert not not_shown, f"{page}: content still hidden after its summary was clicked:{listing(not_shown)}"


def test_solutions_open_on_a_real_click(driver, base_url):
    """On the BatchNorm chapter, a mouse click on "Solution" shows a solution that was hidden."""
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/{BATCHNORM_PAGE}")
    solutions = [
        d
        for d in driver.find_elements(By.CSS_SELECTOR, "article details")
        if d.find_element(By.TAG_NAME, "summary").text.strip() == "Solution"
    ]
    assert solutions, f"{BATCHNORM_PAGE}: no <details> with a 'Solution' summary"
    for number, details in enumerate(solutions, 1):
        content = details.find_elements(By.XPATH, "./*[not(self::summary)]")
        assert content, f"{BATCHNORM_PAGE}: solution {number} is empty"
        shown = [c.text[:60] for c in content if c.is_displayed()]
        assert not shown, f"{BATCHNORM_PAGE}: solution {number} is shown before a click: {shown}"
        click(driver, details.find_element(By.TAG_NAME, "summary"))
        hidden = [c.get_attribute("outerHTML")[:80] for c in content if not c.is_displayed()]
        assert not hidden, f"{BATCHNORM_PAGE}: solution {number} is still hidden after a click: {hidden}"


@by_page(NOTEBOOK_PAGES)
def test_download_button_gives_the_notebook(visit, page):
    report = visit(page)
    assert report.download_href, f"{page}: no .ipynb link (_sources/...) in the header's download menu"
    assert report.download_visible_after_click, (
        f"{page}: the .ipynb link is not shown when the menu is opened"
    )
    href = report.download_href
    assert is_local(href), f"{page}: the download link points outside the book: {href}"
    no_proxy = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with no_proxy.open(href, timeout=10) as response:
        data = response.read()
    try:
        notebook = nbformat.reads(data.decode("utf-8"), as_version=nbformat.NO_CONVERT)
        nbformat.validate(notebook)
    except Exception as error:
        pytest.fail(f"{page}: {href} is not a valid notebook: {type(error).__name__}: {error}")
    name = Path(page).with_suffix(".ipynb").as_posix()
    assert urllib.parse.urlsplit(href).path.endswith(f"/_sources/{name}"), f"{page}: download link {href}"
    first = notebook.cells[0].source.splitlines()[0] if notebook.cells else ""
    title = first.removeprefix("# ").replace("`", "").strip()
    assert title == report.title, (
        f"{page}: the downloaded notebook is titled {title!r}, the page {report.title!r}"
    )


# -- search ------------------------------------------------------------------------------------

SEARCH_RESULTS = """
const done = arguments[arguments.length - 1], t0 = Date.now();
(function poll() {
  const links = [...document.querySelectorAll("#search-results ul.search li a")];
  const summary = document.querySelector("#search-results .search-summary, #search-results p");
  const finished = summary && /found|did not match|no results/i.test(summary.textContent);
  if (finished || Date.now() - t0 > 15000) {
    return done({
      links: links.map((a) => a.getAttribute("href")),
      summary: summary ? summary.textContent.trim() : null,
    });
  }
  setTimeout(poll, 100);
})();
"""


def test_search_finds_the_batchnorm_chapter(driver, base_url):
    drain_logs(driver)
    driver.get(f"{base_url}/search.html?q=batch+normalization")
    found = driver.execute_async_script(SEARCH_RESULTS)
    pages = [urllib.parse.urlsplit(href).path.lstrip("./") for href in found["links"]]
    assert BATCHNORM_PAGE in pages, (
        f"search.html?q=batch+normalization: {BATCHNORM_PAGE} not among {len(pages)} results "
        f"({found['summary']!r}):{listing(pages)}"
    )
    outside = [url for url in requested_urls(driver.get_log("performance")) if not is_local(url)]
    assert not outside, f"search.html: request(s) to other hosts than 127.0.0.1:{listing(outside)}"
    errors = console_errors(driver)
    assert not errors, f"search.html: console error(s):{listing(errors)}"


# -- dark mode ---------------------------------------------------------------------------------

DARK_MODE_MIN_MEDIAN_GREY = 150  # of 255; the dark page itself is about 20


def median_grey(png: bytes) -> int:
    from PIL import Image

    histogram = Image.open(io.BytesIO(png)).convert("L").histogram()
    half, running = sum(histogram) / 2, 0
    for grey, count in enumerate(histogram):
        running += count
        if running >= half:
            return grey
    return 255


def test_figures_stay_light_in_dark_mode(driver, base_url, screenshot_dir):
    """Matplotlib draws dark ink on white: in the theme's dark mode a figure must stay light.

    Compares the pixels of each figure of the BatchNorm chapter as rendered in dark mode
    (a transparent PNG would show the dark page, an inverting filter would darken it).
    Screenshots of the page, light and dark, go to screenshot_dir.
    """
    from selenium.webdriver.common.by import By

    driver.get(f"{base_url}/{BATCHNORM_PAGE}")
    driver.execute_async_script(WAIT_FOR_MATHJAX)
    figures = driver.find_elements(By.CSS_SELECTOR, "article img")
    assert figures, f"{BATCHNORM_PAGE}: no figures"
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", figures[0])
    for mode in ("light", "dark"):
        driver.execute_script("document.documentElement.dataset.theme = arguments[0]", mode)
        driver.save_screenshot(str(screenshot_dir / f"07_batch_normalization-{mode}.png"))
    too_dark = []
    for figure in figures:  # still in dark mode
        driver.execute_script("arguments[0].scrollIntoView({block: 'center'})", figure)
        grey = median_grey(figure.screenshot_as_png)
        if grey < DARK_MODE_MIN_MEDIAN_GREY:
            too_dark.append(f"{figure.get_attribute('src')}: median grey {grey}")
    driver.execute_script("document.documentElement.dataset.theme = 'light'")
    assert not too_dark, (
        f"{BATCHNORM_PAGE}: in dark mode these figures are dark (median grey below "
        f"{DARK_MODE_MIN_MEDIAN_GREY}/255), so their dark ink is hard to read:{listing(too_dark)}"
    )
