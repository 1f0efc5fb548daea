"""The shell in headless Chromium: accessibility (axe-core, WCAG 2.2 AA), keyboard, no outside requests."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from support.axe import axe_results, axe_violations, describe
from support.browser import Browsing, wait_for_dash

from dashboard import ids
from dashboard.app import PAGES

SERVICE = "Local Family Offer monitoring"
ROOT = Path(__file__).resolve().parents[2]
N_AREAS = len((ROOT / "data/reference/areas.csv").read_text(encoding="utf-8").splitlines()) - 1
GOVUK_FOCUS_YELLOW = "rgb(255, 221, 0)"


def open_home(browsing, live_server):
    page = browsing.page
    page.goto(f"{live_server}/")
    wait_for_dash(page)
    page.wait_for_selector(
        f"#{ids.HOME_LOADED} table, #{ids.HOME_LOADED} .alert, "
        f"#{ids.HOME_LOADED} p:not(:has-text('Reading'))"
    )
    return page


@pytest.fixture(scope="module")
def home(browser, live_server):
    """The home page loaded once, for the checks that only read it."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    seen = Browsing(context, context.new_page())
    context.on("request", lambda request: seen.requests.append(request.url))
    seen.page.on(
        "console", lambda msg: seen.console_errors.append(msg.text) if msg.type == "error" else None
    )
    open_home(seen, live_server)
    try:
        yield seen
    finally:
        context.close()


def test_home_page_has_no_wcag_violations(home):
    page = home.page
    results = axe_results(page)
    assert len(results["passes"]) > 10, "axe-core did not run its WCAG rules"
    assert results["violations"] == [], describe(results["violations"])


def test_home_page_has_one_h1_and_a_title(home):
    page = home.page
    assert page.locator("h1").count() == 1
    assert page.title() == SERVICE
    assert page.get_attribute("html", "lang") == "en"


def test_home_page_has_each_landmark_once(home):
    page = home.page
    for selector in ("header", "nav", "main", "footer"):
        assert page.locator(selector).count() == 1, selector
    assert page.locator("footer").inner_text().count("© Crown copyright") == 1


def test_skip_link_is_first_and_takes_keyboard_focus_to_main(browsing, live_server):
    page = open_home(browsing, live_server)
    page.keyboard.press("Tab")
    focused = page.evaluate("() => document.activeElement.id")
    assert focused == ids.SKIP_LINK
    box = page.locator(f"#{ids.SKIP_LINK}").bounding_box()
    assert box is not None and box["width"] > 0 and box["y"] >= 0, "skip link not visible on focus"
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => document.activeElement.id === '{ids.MAIN}'")
    assert page.locator("h1").count() == 1  # the page was not re-rendered away
    assert page.title() == SERVICE


def test_focused_links_show_the_focus_colour(browsing, live_server):
    page = open_home(browsing, live_server)
    page.keyboard.press("Tab")  # skip link
    page.keyboard.press("Tab")  # service name in the header
    background = page.evaluate("() => getComputedStyle(document.activeElement).backgroundColor")
    assert background == GOVUK_FOCUS_YELLOW


def test_no_request_leaves_localhost(home):
    home.page.wait_for_load_state("networkidle")
    hosts = {
        urlsplit(u).hostname
        for u in home.requests
        if urlsplit(u).scheme in ("http", "https", "ws", "wss")
    }
    assert home.requests, "no requests were recorded"
    assert hosts <= {"127.0.0.1", "localhost"}, sorted(hosts)


def test_page_runs_without_console_errors(home):
    assert home.console_errors == []


def test_graphs_draw_with_the_local_basic_plotly_bundle(home):
    """plotly.js is the basic bundle from assets/ (the full one is never fetched)."""
    from plotly.offline import get_plotlyjs_version

    page = home.page
    page.wait_for_function(
        "() => { const g = document.querySelector('.js-plotly-plot');"
        " return !!(g && g._fullLayout && g.querySelector('.main-svg')); }"
    )
    assert page.evaluate("() => window.Plotly.version") == get_plotlyjs_version()
    assert [u for u in home.requests if "/assets/plotly-basic.min.js" in u]
    assert [u for u in home.requests if "plotly.min.js" in u] == []


def test_a_page_opened_at_its_address_comes_without_a_router_call(browsing, live_server):
    page = browsing.page
    bodies: list[str] = []
    page.on(
        "request",
        lambda r: bodies.append(r.post_data or "") if "/_dash-update-component" in r.url else None,
    )
    page.goto(f"{live_server}/definitions")
    wait_for_dash(page)
    assert page.locator("h1").count() == 1
    assert (
        page.get_by_role("navigation")
        .get_by_role("link", name="Definitions (current page)")
        .count()
        == 1
    )
    assert not [
        b
        for b in bodies
        if f'"{ids.PAGE_CONTENT}.children' in b or f"..{ids.PAGE_CONTENT}.children" in b
    ]
    page.get_by_role("navigation").get_by_role("link", name="Data quality", exact=True).click()
    page.wait_for_selector("h1:has-text('Data quality')")
    assert [b for b in bodies if f"..{ids.PAGE_CONTENT}.children" in b]
    assert (
        page.get_by_role("navigation")
        .get_by_role("link", name="Data quality (current page)")
        .count()
        == 1
    )


def test_home_says_what_data_is_loaded(home, loaded_returns):
    page = home.page
    text = page.locator(f"#{ids.HOME_LOADED}").inner_text()
    as_at = page.locator(f"#{ids.DATA_AS_AT}").inner_text()
    if loaded_returns:
        assert f"{len(loaded_returns)} of {N_AREAS} programme areas have a return loaded." in text
        assert "2017-18 Q3" in text
        assert as_at[0].isdigit(), as_at
    else:
        assert f"No returns are loaded yet for the {N_AREAS} programme areas." in text
        assert as_at == "no returns loaded yet"


def test_unknown_page_is_an_accessible_not_found_page(browsing, live_server):
    page = browsing.page
    page.goto(f"{live_server}/no-such-page")
    wait_for_dash(page)
    page.wait_for_selector("h1:has-text('Page not found')")
    assert page.title() == f"Page not found – {SERVICE}"
    violations = axe_violations(page)
    assert violations == [], describe(violations)


def test_nav_link_to_home_marks_it_as_the_current_page(browsing, live_server):
    page = browsing.page
    page.goto(f"{live_server}/no-such-page")
    wait_for_dash(page)
    page.get_by_role("navigation").get_by_role("link", name="Home", exact=True).click()
    page.wait_for_selector("h1:has-text('Local Family Offer monitoring')")
    assert page.title() == SERVICE
    # the links are marked by their own callback, which may answer after the page's: wait for it
    expect(
        page.get_by_role("navigation").get_by_role("link", name="Home (current page)")
    ).to_have_count(1)
    assert page.evaluate("() => document.activeElement.id") == ids.MAIN


@pytest.fixture(scope="module")
def warm_page(browser):
    """One page for the whole module, so every page after the first loads from the HTTP cache."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


@pytest.mark.parametrize("registered", [p for p in PAGES if p.path != "/"], ids=lambda p: p.path)
def test_every_page_has_no_wcag_violations(warm_page, live_server, registered):
    page = warm_page
    page.goto(f"{live_server}{registered.path}")
    wait_for_dash(page)
    assert page.locator("h1").count() == 1
    violations = axe_violations(page)
    assert violations == [], describe(violations)
