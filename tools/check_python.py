"""Say in one line whether this Python can run the book, before `make setup` creates its venv.

The pinned versions in requirements.txt install on CPython 3.11, 3.12 and 3.13.
Exits 1, with what to do, on any other interpreter.
"""

import sys

SUPPORTED = ((3, 11), (3, 12), (3, 13))

version = sys.version_info[:2]
if version not in SUPPORTED:
    found = ".".join(map(str, sys.version_info[:3]))
    print(
        f"make setup: Python {found} ({sys.executable}) is not supported; the book's pinned packages need "
        "CPython 3.11, 3.12 or 3.13. Install one (e.g. `apt-get install python3` on Debian 12 or 13, "
        "or from python.org) and run `make setup PYTHON=python3.13`.",
        file=sys.stderr,
    )
    sys.exit(1)
