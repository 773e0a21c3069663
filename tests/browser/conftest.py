"""Fixtures of the browser tests: the built book on a local server and one headless Chromium.

The browser is Debian's (apt-get install chromium chromium-driver), started through an
explicit chromedriver Service, so Selenium Manager never runs and nothing is downloaded.
Outside name resolution is blocked: the browser sees the book as an offline reader would.

Without chromium, chromedriver, selenium or a built book (_build/html) the tests skip,
unless BOOK_BROWSER_TESTS=required, when they fail instead (`make browser` sets it).
BOOK_HTML=/path/to/_build/html tests another build (e.g. a scratch copy);
BOOK_SCREENSHOTS=/path/to/folder keeps the light and dark screenshots.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
HTML = Path(os.environ.get("BOOK_HTML", ROOT / "_build" / "html")).resolve()
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
REQUIRED = os.environ.get("BOOK_BROWSER_TESTS", "").strip().lower() == "required"

CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",  # root in a container
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--window-size=1280,900",
    # An offline reader: every host name except the local server fails to resolve.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
    # No traffic of Chromium's own (updates, sync, safe-browsing lists, ...).
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--no-first-run",
    "--no-default-browser-check",
]


def unavailable(reason: str):
    """Skip, or fail when the browser tests are required (BOOK_BROWSER_TESTS=required)."""
    if REQUIRED:
        pytest.fail(f"BOOK_BROWSER_TESTS=required, but {reason}", pytrace=False)
    pytest.skip(reason)


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="session")
def html_dir() -> Path:
    if not (HTML / "index.html").is_file():
        unavailable(f"the book is not built: {HTML / 'index.html'} is missing (run `make build-strict`)")
    return HTML


@pytest.fixture(scope="session")
def base_url(html_dir):
    """The built book, served by an in-process http.server on 127.0.0.1 (a free port)."""
    handler = functools.partial(QuietHandler, directory=str(html_dir))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture(scope="session")
def driver(tmp_path_factory):
    """One headless Chromium for the whole session, with its console and network logs."""
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not os.access(p, os.X_OK)]
    if missing:
        unavailable(
            f"{' and '.join(missing)} not found: install Debian's browser with "
            "`apt-get install -y chromium chromium-driver` (as root), or run `make browser`"
        )
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError as error:
        unavailable(f"selenium is not installed ({error}); run `make setup`")

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    # An explicit driver path: Selenium Manager, which may download a browser, never runs.
    service = Service(executable_path=str(CHROMEDRIVER), log_output=os.devnull)
    browser = webdriver.Chrome(service=service, options=options)
    browser.set_page_load_timeout(30)
    browser.set_script_timeout(30)
    browser.get("about:blank")  # leave the new-tab page, whose chrome:// loads would fill the logs
    yield browser
    browser.quit()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory) -> Path:
    """Where screenshots go: $BOOK_SCREENSHOTS, or a pytest temporary folder."""
    target = os.environ.get("BOOK_SCREENSHOTS")
    path = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    path.mkdir(parents=True, exist_ok=True)
    return path
