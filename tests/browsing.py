"""What the browser tests share: Debian's Chromium driven by Playwright, and a server.

Nothing is installed by a test: Playwright comes with the test extras and ``.ci/run``
installs Debian's Chromium (``apt-get install chromium``, as root); where either is
missing the tests skip, saying why.  Playwright's own browser download is never used:
it cannot be fetched here, and Debian's build is launched by path.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from positions import KnowledgeBase
from positions.web.server import Site, make_server

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = [
    "--no-sandbox",  # needed as root
    "--disable-gpu",
    # Without these Chromium keeps trying to reach the (closed) internet.
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def sync_api() -> Any:
    """playwright.sync_api (a test dependency); pytest.skip, saying why, if missing."""
    try:
        return importlib.import_module("playwright.sync_api")
    except ImportError:
        pytest.skip("Playwright is not installed: pip install -e '.[test]' installs it")


def chromium() -> Path:
    """Debian's Chromium (.ci/run installs it); pytest.skip, saying why, if missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium; see .ci/run)")
    return CHROMIUM


@contextmanager
def launched_browser() -> Iterator[Any]:
    """Chromium, launched headless by path (skips when it will not start)."""
    api = sync_api()
    executable = chromium()
    with api.sync_playwright() as playwright:
        try:
            launched = playwright.chromium.launch(executable_path=str(executable), args=FLAGS)
        except Exception as error:  # a browser that will not start is no browser
            pytest.skip(f"Chromium would not start: {error}")
        yield launched
        launched.close()


@contextmanager
def served(kb: KnowledgeBase) -> Iterator[str]:
    """``positions serve`` of ``kb`` on 127.0.0.1, in a thread: its base URL."""
    server = make_server(Site(kb), "127.0.0.1", 0, quiet=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
