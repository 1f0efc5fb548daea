"""Browser-test helpers: serving an app on a local port, a browsing session, waiting for Dash.

The fixtures built on them are in ``tests/browser/conftest.py``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from dash import Dash
from playwright.sync_api import BrowserContext, Page
from werkzeug.serving import make_server

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]


def chromium_path() -> str:
    return os.environ.get("LFO_CHROMIUM") or DEFAULT_CHROMIUM


def etl_cli_exists() -> bool:
    return (ROOT / "etl" / "__main__.py").exists()


@contextmanager
def serving(app: Dash) -> Iterator[str]:
    """Serve ``app`` with werkzeug on a free local port, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@dataclass
class Browsing:
    """One fresh browser context and page, with every URL the page requested."""

    context: BrowserContext
    page: Page
    requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)


def wait_for_dash(page: Page) -> None:
    """Wait until Dash has rendered and no callback is pending."""
    page.wait_for_selector("#react-entry-point main", state="attached")
    page.wait_for_function(
        "() => !document.querySelector('[data-dash-is-loading=\"true\"]')"
        " && !document.querySelector('._dash-loading')"
    )
    page.wait_for_load_state("networkidle")
