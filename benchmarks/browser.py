"""Headless Chromium: record the callback requests pages make, and time their first full render.

The app is served by werkzeug on a free loopback port in a thread of this process. A page is
"fully drawn" when no ``_dash-update-component`` request is pending, nothing is marked loading,
and every ``.js-plotly-plot`` on it has drawn its SVG, and that has held for 300 ms; the render
time is from the start of navigation to the moment that state began.
"""

from __future__ import annotations

import contextlib
import logging
import statistics
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlsplit

from werkzeug.serving import make_server

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking"]
CALLBACK_PATH = "/_dash-update-component"
SETTLE_SECONDS = 0.3
TIMEOUT_SECONDS = 60.0

DRAWN_JS = """() => {
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  if (!document.querySelector('#react-entry-point main')) return false;
  const graphs = document.querySelectorAll('.js-plotly-plot');
  for (const g of graphs) {
    if (!g._fullLayout || !g.querySelector('.main-svg')) return false;
  }
  return graphs.length;
}"""


@contextlib.contextmanager
def serving(flask_app) -> Iterator[str]:
    """Serve a Flask app with werkzeug on 127.0.0.1, in a thread; yields its base URL."""
    server = make_server("127.0.0.1", 0, flask_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="bench-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)


@contextlib.contextmanager
def chromium() -> Iterator:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


def _is_callback(url: str) -> bool:
    return urlsplit(url).path == CALLBACK_PATH


class _Visit:
    """One page visit: counts pending callback requests and keeps their bodies."""

    def __init__(self, page) -> None:
        self.page = page
        self.pending = 0
        self.bodies: list[str] = []
        self.failed = 0
        page.on("request", self._request)
        page.on("requestfinished", self._finished)
        page.on("requestfailed", self._failed)

    def _request(self, request) -> None:
        if _is_callback(request.url) and request.method == "POST":
            self.pending += 1
            if request.post_data:
                self.bodies.append(request.post_data)

    def _finished(self, request) -> None:
        if _is_callback(request.url):
            self.pending -= 1

    def _failed(self, request) -> None:
        if _is_callback(request.url):
            self.pending -= 1
            self.failed += 1

    def open(self, url: str) -> tuple[float, int]:
        """Navigate and wait until fully drawn; (seconds to drawn, graphs drawn)."""
        start = time.perf_counter()
        self.page.goto(url, wait_until="commit")
        since: float | None = None
        graphs = 0
        while True:
            now = time.perf_counter()
            if now - start > TIMEOUT_SECONDS:
                raise TimeoutError(f"{url} did not finish drawing in {TIMEOUT_SECONDS:.0f} s")
            drawn = self.pending == 0 and self.page.evaluate(DRAWN_JS)
            if drawn is not False and drawn is not None:
                if since is None:
                    since, graphs = now, int(drawn)
                elif now - since >= SETTLE_SECONDS:
                    return since - start, graphs
            else:
                since = None
            self.page.wait_for_timeout(20)


def record_callbacks(base_url: str, paths: list[str]) -> list[str]:
    """The JSON bodies of every callback request the pages at ``paths`` make as they load."""
    bodies: list[str] = []
    with chromium() as browser:
        context = browser.new_context()
        page = context.new_page()
        visit = _Visit(page)
        for path in paths:
            try:
                visit.open(base_url + path)
            except TimeoutError as exc:
                log.warning("%s", exc)
        bodies = list(visit.bodies)
        context.close()
    return bodies


def time_renders(base_url: str, paths: dict[str, str], repeats: int = 3) -> dict[str, dict]:
    """First full render of each page, in a fresh browser context each time (no cache)."""
    out: dict[str, dict] = {}
    with chromium() as browser:
        for name, path in paths.items():
            times, graphs = [], 0
            for _ in range(repeats):
                context = browser.new_context()
                page = context.new_page()
                try:
                    seconds, graphs = _Visit(page).open(base_url + path)
                    times.append(seconds)
                except TimeoutError as exc:
                    log.warning("%s", exc)
                finally:
                    context.close()
            out[name] = {
                "path": path, "graphs": graphs, "runs": [round(t, 3) for t in times],
                "first_s": round(times[0], 3) if times else None,
                "median_s": round(statistics.median(times), 3) if times else None,
            }
    return out
