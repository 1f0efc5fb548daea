"""The Content-Security-Policy in headless Chromium (service.md § 3): every page runs under it with
no violation (Dash's inline scripts and the project's are allowed by hash, plotly.js draws), and a
script or event handler injected into the page is refused."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page
from support.browser import Browsing, wait_for_dash

from dashboard.app import PAGES

#: Records every violation the page reports (an init script runs before the page's own).
LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline'));
});
"""
AREA = "E08000021"


def violations(browsing: Browsing) -> list[str]:
    seen = browsing.page.evaluate("() => window.__cspViolations")
    refused = [m for m in browsing.console_errors if "Content Security Policy" in m]
    return list(seen) + refused


def open_page(browsing: Browsing, url: str) -> Page:
    page = browsing.page
    page.goto(url)
    wait_for_dash(page)
    return page


@pytest.fixture
def listening(browsing: Browsing) -> Browsing:
    browsing.context.add_init_script(LISTEN)
    return browsing


def page_paths() -> list[str]:
    return [p.path if "<" not in p.path else f"/area/{AREA}" for p in PAGES]


@pytest.mark.parametrize("path", page_paths())
def test_every_page_runs_under_the_policy_without_a_violation(listening, live_server, path):
    resp = listening.page.goto(f"{live_server}{path}")
    assert resp is not None and "script-src" in resp.headers["content-security-policy"]
    wait_for_dash(listening.page)
    page = listening.page
    assert page.locator("main h1").count() == 1  # Dash rendered the page
    assert violations(listening) == []


def test_charts_draw_under_the_policy(listening, live_server):
    page = open_page(listening, f"{live_server}/area/{AREA}")
    page.wait_for_selector(".js-plotly-plot .main-svg", state="attached")
    assert page.evaluate("() => typeof window.Plotly.newPlot") == "function"
    assert violations(listening) == []


def test_an_injected_inline_script_or_event_handler_is_refused(listening, live_server):
    """(``eval`` cannot be tried from here: code the test runs through the DevTools protocol is
    exempt; that ``script-src`` has no ``'unsafe-eval'`` is checked on every answer in
    tests/test_web_headers.py.)"""
    page = open_page(listening, f"{live_server}/")
    ran = page.evaluate(
        """() => {
        const s = document.createElement('script');
        s.textContent = 'window.__injected = true;';
        document.body.appendChild(s);
        return window.__injected === true;
    }"""
    )
    handler = page.evaluate(
        """() => new Promise((resolve) => {
        const img = document.createElement('img');
        img.setAttribute('onerror', 'window.__handler = true');
        img.src = '/no-such-image.png';
        document.body.appendChild(img);
        setTimeout(() => resolve(window.__handler === true), 500);
    })"""
    )
    assert ran is False
    assert handler is False
    page.wait_for_function("() => window.__cspViolations.length >= 2")
    refused = violations(listening)
    assert any(v.startswith("script-src") for v in refused), refused
