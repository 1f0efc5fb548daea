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
from playwright.sync_api import Browser, BrowserContext, Page
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


@contextmanager
def serving_db(url: str) -> Iterator[str]:
    """The dashboard on the database at ``url`` (local mode), served as ``serving`` does."""
    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    with serving(create_app(DashboardSettings(database_url=url))) as base:
        yield base


@contextmanager
def new_page(
    browser: Browser, viewport: dict[str, int], timeout_ms: int = 30_000, **options: object
) -> Iterator[Page]:
    """A page in a fresh English browser context (closed afterwards); ``options`` as
    ``Browser.new_context`` takes them (``reduced_motion``...)."""
    context = browser.new_context(viewport=viewport, locale="en-GB", **options)  # type: ignore[arg-type]
    context.set_default_timeout(timeout_ms)
    try:
        yield context.new_page()
    finally:
        context.close()


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
