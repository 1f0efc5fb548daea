"""Headless Chromium: record the callback requests pages make, and time their first full render.

Run alone (``python -m benchmarks.browser --db sqlite:///… --page /area/E99990065``) it times the
pages and prints, for the last run of each, where the time went: each request the page made
(assets and ``_dash-update-component`` round trips, with their size on the wire and the time the
server spent on them, from a ``Server-Timing`` header this module's server adds), then the wait
from the last response to "fully drawn" (the browser's own work: parsing, React, plotly).

The app is served by werkzeug on a free loopback port in a thread of this process. A page is
"fully drawn" (``DRAWN_JS``) when no callback is left to answer or to apply, nothing is marked
loading, and every ``dcc.Graph`` in the layout has drawn its figure (none still waiting for
plotly.js or redrawing), and that has held for 300 ms, as sampled in the page itself
(``SAMPLER_JS``); the render time is from the start of navigation to the moment that state
began, on the page's clock (request times in the breakdown are on this process's clock, from
just before the navigation).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

from werkzeug.serving import make_server

log = logging.getLogger(__name__)

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
CALLBACK_PATH = "/_dash-update-component"
SETTLE_SECONDS = 0.3
TIMEOUT_SECONDS = 60.0

#: Drawn: no callback of the page's left to answer or to apply (Dash's queues empty: an answer
#: received is applied later, and the outputs it changes can start more callbacks), nothing
#: loading, the page's <main> there, and as many plotted graphs as the layout holds
#: ``dcc.Graph`` components (a graph whose plotly.js is still downloading is not drawn), each
#: with its SVG and as many traces as its figure in the layout, and none pending (plotly still
#: drawing a new figure) unless what it has drawn is already the size of its box (dcc.Graph
#: checks a graph's size again 100 ms after drawing it: the graph is drawn). (Without the queues, a page could count as drawn in the moments between
#: its answers arriving and their outputs being drawn: up to 0.7 s early on the overview.)
DRAWN_JS = """() => {
  const state = window.store && window.store.getState();
  if (!state || !state.layout) return false;
  const queues = state.callbacks || {};
  for (const key in queues) if (Array.isArray(queues[key]) && queues[key].length) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  if (!document.querySelector('#react-entry-point main')) return false;
  const figures = [];
  const walk = (node) => {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) { node.forEach(walk); return; }
    if (node.type === 'Graph' && node.namespace === 'dash_core_components') {
      figures.push([node.props.id, node.props.figure]);
    }
    if (node.props) for (const key in node.props) walk(node.props[key]);
  };
  walk(state.layout);
  const graphs = document.querySelectorAll('.js-plotly-plot');
  if (graphs.length < figures.length) return false;
  for (const g of graphs) {
    if (!g._fullLayout || !g.querySelector('.main-svg')) return false;
    // pending: plotly drawing, or dcc.Graph's check of its size after a draw (100 ms later);
    // drawn already if the figure is drawn at the size of its box
    const sized = Math.abs(g._fullLayout.width - g.clientWidth) < 1
      && Math.abs(g._fullLayout.height - g.clientHeight) < 1;
    if (g.classList.contains('dash-graph--pending') && !sized) return false;
  }
  for (const [id, figure] of figures) {
    const box = typeof id === 'string' ? document.getElementById(id) : null;
    const gd = box && (box.classList.contains('js-plotly-plot')
      ? box : box.querySelector('.js-plotly-plot'));
    const traces = (figure && figure.data) ? figure.data.length : 0;
    if (gd && (gd.data || []).length !== traces) return false;
  }
  return graphs.length;
}"""


def _server_timing(wsgi_app):
    """Wrap a WSGI app: every response says how long the app took to produce it
    (``Server-Timing: app;dur=…``, read back from the browser's resource timing)."""

    def app(environ, start_response):
        started = time.perf_counter()
        chunks = []
        box: dict = {}

        def capture(status, headers, exc_info=None):
            box["status"], box["headers"], box["exc_info"] = status, list(headers), exc_info
            return chunks.append

        result = wsgi_app(environ, capture)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        body = b"".join(chunks) + body
        ms = (time.perf_counter() - started) * 1000
        headers = box["headers"] + [("Server-Timing", f"app;dur={ms:.1f}")]
        start_response(box["status"], headers, box["exc_info"])
        return [body]

    return app


CACHE_HELP = (
    "a shared results folder a results maker made for this database (e.g. "
    "benchmarks/out/national/loadtest-cache): read, not made again (minutes at national scale)"
)


def app_for(db_url: str, cache: str | None = None):
    """The dashboard app on ``db_url`` as a served worker builds it; with ``cache``, reading the
    results a results maker made into that folder (``--cache``) instead of making them."""
    from dashboard.app import create_app
    from dashboard.services.shared_cache import SharedResults
    from dashboard.settings import VERSION_CHECK_MS, DashboardSettings

    # as served where it changes speed: gunicorn reads LFO_VERSION_CHECK_MS (default below)
    app = create_app(DashboardSettings(database_url=db_url, version_check_ms=VERSION_CHECK_MS))
    if cache:
        app.services.live.share(SharedResults(Path(cache)))
    return app


@contextlib.contextmanager
def serving(flask_app, server_timing: bool = False) -> Iterator[str]:
    """Serve a Flask app with werkzeug on 127.0.0.1, in a thread; yields its base URL."""
    app = _server_timing(flask_app) if server_timing else flask_app
    server = make_server("127.0.0.1", 0, app, threaded=True)
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
        page.add_init_script(SAMPLER_JS)

        self.start = time.perf_counter()
        #: (request, seconds after navigation it was sent, seconds it finished or None)
        self.log: list[list] = []

    def _request(self, request) -> None:
        self.log.append([request, time.perf_counter() - self.start, None])
        if _is_callback(request.url) and request.method == "POST":
            self.pending += 1
            if request.post_data:
                self.bodies.append(request.post_data)

    def _finished(self, request) -> None:
        for entry in self.log:
            if entry[0] is request:
                entry[2] = time.perf_counter() - self.start
        if _is_callback(request.url):
            self.pending -= 1

    def _failed(self, request) -> None:
        if _is_callback(request.url):
            self.pending -= 1
            self.failed += 1

    def open(self, url: str) -> tuple[float, int]:
        """Navigate and wait until fully drawn; (seconds from navigation to drawn, graphs)."""
        self.start = time.perf_counter()
        self.log = []
        self.page.goto(url, wait_until="commit")
        return self._drawn(0.0, url)

    def follow(self, path: str) -> tuple[float, int]:
        """Go to ``path`` inside the app, as a ``dcc.Link`` does (the router's callback runs),
        and wait until fully drawn."""
        self.start = time.perf_counter()
        self.log = []
        return self._drawn(self.page.evaluate(FOLLOW_JS, path), path)

    def _drawn(self, start_ms: float, url: str) -> tuple[float, int]:
        """Wait until the page's own sampler (``SAMPLER_JS``) has seen it drawn for
        ``SETTLE_SECONDS``; (seconds from ``start_ms``, on the page's clock, to the moment it
        was first seen drawn, graphs drawn)."""
        waited = time.perf_counter()
        while True:
            if time.perf_counter() - waited > TIMEOUT_SECONDS:
                raise TimeoutError(f"{url} did not finish drawing in {TIMEOUT_SECONDS:.0f} s")
            since, now, graphs = self.page.evaluate(READ_SAMPLER_JS)
            if since is not None and now - since >= SETTLE_SECONDS * 1000:
                return (since - start_ms) / 1000, int(graphs)
            self.page.wait_for_timeout(20)


#: Checks ``DRAWN_JS`` every 20 ms in the page itself and keeps when it last became true (ms on
#: the page's clock, from its navigation), from the page's first script on. Sampled in the page,
#: not by asking from here: a question from here waits while the page is busy, so it could see
#: the page drawn before its answers arrived and again after they were drawn, and miss the time
#: between (the overview measured 0.5 s early that way).
SAMPLER_JS = (
    "(() => { const drawn = "
    + DRAWN_JS
    + """;
  const state = window.__lfoDrawn = {since: null, graphs: 0};
  setInterval(() => {
    let now = false;
    try { now = drawn(); } catch (e) { now = false; }
    if (!now) { state.since = null; return; }
    if (state.since === null) { state.since = performance.now(); state.graphs = now; }
  }, 20);
})();"""
)
READ_SAMPLER_JS = """() => {
  const state = window.__lfoDrawn;
  return [state ? state.since : null, performance.now(), state ? state.graphs : 0];
}"""

#: Goes to a path as ``dcc.Link`` does; returns when it did, on the page's clock.
FOLLOW_JS = """(path) => {
  const started = performance.now();
  if (window.__lfoDrawn) window.__lfoDrawn.since = null;
  window.history.pushState({}, '', path);
  window.dispatchEvent(new CustomEvent('_dashprivate_pushstate'));
  return started;
}"""


def warm_up(browser, base: str, paths: tuple[str, ...] | list[str]) -> None:
    """Open each page once, untimed, so the server makes the data version's disclosure plan and
    results before anything is measured (the first may wait minutes on a busy machine)."""
    warmup = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    for path in paths:
        for _ in range(10):
            try:
                _Visit(warmup.new_page()).open(base + path)
                break
            except TimeoutError:
                continue
    warmup.close()


def record_callbacks(base_url: str, paths: list[str]) -> list[str]:
    """The JSON bodies of every callback request the pages at ``paths`` make as they load, each
    opened at its address, then each reached by a link inside the app (the router's and the
    navigation's callbacks run only then: a page opened at its address comes routed)."""
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
        for path in paths[1:] + paths[:1]:
            try:
                visit.follow(path)
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
                "path": path,
                "graphs": graphs,
                "runs": [round(t, 3) for t in times],
                "first_s": round(times[0], 3) if times else None,
                "median_s": round(statistics.median(times), 3) if times else None,
            }
    return out


def _outputs(post_data: str | None) -> str:
    """A callback request's outputs, short (``page-content.children`` …)."""
    try:
        body = json.loads(post_data or "{}")
    except ValueError:
        return "?"
    outputs = body.get("outputs")
    outputs = outputs if isinstance(outputs, list) else [outputs]
    names = [f"{o.get('id')}.{o.get('property')}" for o in outputs if isinstance(o, dict)]
    text = names[0] if names else "?"
    return text + (f" (+{len(names) - 1})" if len(names) > 1 else "")


def _server_ms(request) -> float | None:
    response = request.response()
    header = (response.headers.get("server-timing") or "") if response is not None else ""
    for part in header.split(","):
        name, _, rest = part.strip().partition(";dur=")
        if name == "app" and rest:
            return float(rest)
    return None


def breakdown(visit: _Visit, drawn_s: float) -> list[str]:
    """Lines: each request of the visit (sent, done, bytes on the wire, server time) and the
    browser's own time after the last response."""
    lines = [f"{'sent ms':>8} {'done ms':>8} {'wire kB':>8} {'server ms':>9}  request"]
    last_done = 0.0
    total_wire = 0
    for request, sent, done in visit.log:
        sizes = request.sizes()
        wire = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        total_wire += wire
        server = _server_ms(request)
        path = urlsplit(request.url).path
        name = (
            f"{path} → {_outputs(request.post_data)}"
            if _is_callback(request.url)
            else (request.url.split("/", 3)[-1][:70] or "/")
        )
        if done is not None:
            last_done = max(last_done, done)
        lines.append(
            f"{sent * 1000:8.0f} {'' if done is None else f'{done * 1000:8.0f}':>8} "
            f"{wire / 1000:8.1f} {'' if server is None else f'{server:9.1f}':>9}  {name}"
        )
    lines.append(
        f"requests {len(visit.log)}, {total_wire / 1000:.0f} kB on the wire; last response "
        f"{last_done * 1000:.0f} ms; drawn {drawn_s * 1000:.0f} ms (browser after the last "
        f"response: {(drawn_s - last_done) * 1000:.0f} ms)"
    )
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.browser",
        description="Time the first full render of dashboard pages in headless Chromium (fresh "
        "context per run, no cache) and show where the last run's time went.",
    )
    parser.add_argument(
        "--db", required=True, help="database URL, e.g. sqlite:///path/lfo.db (only read)"
    )
    parser.add_argument(
        "--page",
        action="append",
        dest="pages",
        metavar="PATH",
        help="a page to time (repeatable; default: / and the first area's profile)",
    )
    parser.add_argument("--repeats", type=int, default=3, help="runs per page (default 3)")
    parser.add_argument("--quiet", action="store_true", help="times only, no breakdown")
    parser.add_argument("--cache", help=CACHE_HELP)
    args = parser.parse_args(argv)

    from sqlalchemy import create_engine, text

    pages = args.pages
    if not pages:
        engine = create_engine(args.db)
        with engine.connect() as conn:
            codes = [
                r[0] for r in conn.execute(text("SELECT gss_code FROM areas ORDER BY gss_code"))
            ]
        engine.dispose()
        pages = ["/", f"/area/{codes[len(codes) // 2]}"]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    app = app_for(args.db, args.cache)
    with serving(app.server, server_timing=True) as base, chromium() as browser:
        for path in pages:
            times, busy = [], []
            for _ in range(args.repeats):
                context = browser.new_context()
                page = context.new_page()
                try:
                    cdp = context.new_cdp_session(page)
                    cdp.send("Performance.enable")
                    visit = _Visit(page)
                    try:
                        seconds, graphs = visit.open(base + path)
                    except TimeoutError as exc:
                        print(f"{path}: {exc}")
                        continue
                    times.append(seconds)
                    metrics = {
                        m["name"]: m["value"] for m in cdp.send("Performance.getMetrics")["metrics"]
                    }
                    busy.append((metrics.get("TaskDuration", 0), metrics.get("ScriptDuration", 0)))
                    lines = breakdown(visit, seconds)
                finally:
                    context.close()
            if not times:
                continue
            print(
                f"{path}: runs {', '.join(f'{t:.3f}' for t in times)} s; median "
                f"{statistics.median(times):.3f} s; graphs {graphs}; page main thread busy "
                f"(CPU, incl. settle) {', '.join(f'{t:.2f}' for t, _ in busy)} s, of it script "
                f"{', '.join(f'{s:.2f}' for _, s in busy)} s"
            )
            if not args.quiet:
                print("  last run:")
                print("\n".join("  " + line for line in lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
