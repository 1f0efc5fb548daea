"""Data quality, definitions and the accessibility statement in headless Chromium: axe-core
(WCAG 2.2 A and AA, zero violations), one h1, keyboard reach, state in the address, anchors.

One browser page per module: each test moves it on from where it is, so the module runs quickly.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_results, describe
from support.browser import wait_for_dash

from dashboard import ids

AREA = "E08000021"  # Newcastle upon Tyne: the area the browser tests' database holds


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(15_000)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def open_quality(page: Page, base: str, search: str = "") -> None:
    page.goto(f"{base}/quality{search}")
    wait_for_dash(page)
    page.wait_for_selector(f"#{ids.QUALITY_CONTENT} h2")
    wait_for_dash(page)


def assert_no_violations(page: Page) -> None:
    results = axe_results(page)
    assert len(results["passes"]) > 10, "axe-core did not run its WCAG rules"
    assert results["violations"] == [], describe(results["violations"])


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def test_quality_page_has_no_wcag_violations_and_one_h1(page, live_server):
    open_quality(page, live_server)
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == "Data quality"
    assert page.title().startswith("Data quality – ")
    # open every folded part (load log, table twins) so that axe checks them too
    # (a chart's table twin is built when its summary is clicked)
    page.evaluate(
        "() => document.querySelectorAll('main details').forEach(d => {"
        " if (d.classList.contains('chart-table-twin')) d.querySelector('summary').click();"
        " else d.open = true; })"
    )
    page.wait_for_function("() => !document.querySelector('main details [aria-busy=\"true\"]')")
    assert page.locator("main details[open] table").count() >= 2  # load log, completeness
    assert_no_violations(page)


def test_returns_grid_says_in_words_which_quarters_are_covered(page, live_server):
    grid = page.locator("table.lfo-grid")
    assert grid.locator("caption").count() == 1
    assert "2017-18 Q3" in grid.inner_text()
    assert grid.get_by_text("✓ 2017-18 Q3").count() >= 1  # Newcastle's return covers it
    assert grid.locator("th[scope=row]").count() >= 1


def test_choosing_an_area_writes_the_address_and_back_returns(page, live_server):
    page.locator(f"#{ids.QUALITY_AREA} option[value='{AREA}']").wait_for(state="attached")
    page.select_option(f"#{ids.QUALITY_AREA}", AREA)
    page.wait_for_function("() => window.location.search.includes('area=')")
    assert query(page)["area"] == [AREA]
    wait_for_dash(page)
    page.go_back()
    page.wait_for_function("() => !window.location.search.includes('area=')")
    wait_for_dash(page)
    assert page.input_value(f"#{ids.QUALITY_AREA}") == "all"


def test_a_shared_link_reopens_the_same_view(page, live_server):
    open_quality(page, live_server, f"?area={AREA}&measure=ops")
    assert page.input_value(f"#{ids.QUALITY_AREA}") == AREA
    assert page.get_by_label("O'Leary–Porter Scale").is_checked()
    assert "Newcastle upon Tyne" in page.locator("table.lfo-grid").inner_text()


def test_bad_address_shows_a_message_not_an_error(page, live_server):
    open_quality(page, live_server, "?area=E99999999&measure=nonsense")
    banner = page.locator(f"#{ids.QUALITY_MESSAGES}")
    banner.get_by_text("no programme area E99999999").wait_for()
    assert "Ignored measure='nonsense'" in banner.inner_text()
    assert page.input_value(f"#{ids.QUALITY_AREA}") == "all"


def test_keyboard_reaches_every_control_and_download(page, live_server):
    open_quality(page, live_server)
    page.evaluate("() => document.activeElement && document.activeElement.blur()")
    marker = "data-kb-id"
    n = page.evaluate(f"""() => {{
        const els = Array.from(document.querySelectorAll(
            'main select, main input:checked, main button, main summary, main a[href]'))
            .filter(e => e.offsetParent !== null);
        els.forEach((e, i) => e.setAttribute('{marker}', String(i)));
        return els.length; }}""")
    assert n >= 10
    reached: set[str] = set()
    for _ in range(n + 40):
        page.keyboard.press("Tab")
        got = page.evaluate(f"() => document.activeElement.getAttribute('{marker}')")
        if got is not None:
            reached.add(got)
        if len(reached) == n:
            break
    labels = page.evaluate(f"""() => Array.from(document.querySelectorAll('[{marker}]'))
        .map(e => [e.getAttribute('{marker}'), e.id || e.textContent.trim().slice(0, 60)])""")
    missing = [label for key, label in labels if key not in reached]
    assert missing == []
    downloads = page.locator("main button.chart-download")
    assert downloads.count() == 8  # PNG, SVG, CSV and Excel of both charts


def test_definitions_page_is_clean_and_anchors_reach_each_indicator(page, live_server):
    page.goto(f"{live_server}/definitions#uptake.completion")
    wait_for_dash(page)
    target = page.locator("[id='uptake.completion']")
    target.wait_for()
    page.evaluate(
        "() => { const e = document.getElementById('uptake.completion');"
        " if (e) e.scrollIntoView(); }"
    )
    assert target.locator("h3").inner_text() == "Completion"
    assert page.locator("h1").count() == 1
    assert_no_violations(page)


def test_accessibility_statement_is_clean(page, live_server):
    page.goto(f"{live_server}/accessibility")
    wait_for_dash(page)
    page.get_by_role("heading", level=1).wait_for()
    assert page.locator("h1").count() == 1
    assert page.get_by_role("heading", name="Enforcement procedure").count() == 1
    assert_no_violations(page)
