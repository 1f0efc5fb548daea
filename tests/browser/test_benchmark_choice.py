"""The benchmark choice in headless Chromium on the pilot demo data (issue 11 § 6): the Croydon
lead picks statistical neighbours on the Uptake page and on Croydon's profile; the words say
what the comparison is with and at what level, the neighbours are named (checked against the
API's list, another path to the same groups), the choice travels in the address and the
navigation, and axe finds nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_results, describe
from support.browser import serving, wait_for_dash

from dashboard import ids
from dashboard.app import create_app
from dashboard.layouts import uptake
from dashboard.present.words import join_names
from dashboard.settings import DashboardSettings

CROYDON = "E09000008"


@pytest.fixture(scope="module")
def server(pilot_db_url) -> Iterator[str]:
    with serving(create_app(DashboardSettings(database_url=pilot_db_url))) as base:
        yield base


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-GB")
    context.set_default_timeout(180_000)  # the first draw may wait for the disclosure plan
    try:
        yield context.new_page()
    finally:
        context.close()


def assert_axe_clean(page: Page) -> None:
    results = axe_results(page)
    assert len(results["passes"]) > 10, "axe-core did not run its WCAG rules"
    assert results["violations"] == [], describe(results["violations"])


def croydon_neighbours(page: Page, base: str) -> str:
    """Croydon's statistical neighbours by name, nearest first, as the API lists them."""
    answer = page.request.get(f"{base}/api/v1/areas")
    assert answer.ok, answer.text()
    croydon = next(a for a in answer.json()["data"] if a["code"] == CROYDON)
    names = [n["name"] for n in croydon["neighbours"]]
    assert len(names) == 5
    return join_names(names)


def test_the_croydon_lead_compares_with_its_neighbours_on_uptake(page, server):
    p = uptake.TOPIC.part
    page.goto(f"{server}/uptake?area={CROYDON}")
    wait_for_dash(page)
    page.locator(f"#{p('filter-bar')} summary").click()
    page.select_option(f"#{p('benchmark')}", "neighbours")
    summary = page.locator(f"#{p('summary')}")
    summary.filter(has_text="Statistical neighbours benchmark").wait_for()
    page.wait_for_url("**benchmark=neighbours**")
    wait_for_dash(page)
    caterpillar = page.locator(f"#{ids.chart(uptake.TOPIC.chart('caterpillar'), 'section')}")
    named = f"Croydon's statistical neighbours: {croydon_neighbours(page, server)}."
    caterpillar.get_by_text(named).wait_for(state="attached")
    words = caterpillar.text_content() or ""
    assert "compared with their statistical neighbours" in words
    assert "their statistical neighbours at 95% confidence" in words
    assert_axe_clean(page)
    # the choice goes with the reader to the next page
    href = page.locator(f"#{ids.HEADER} a[href^='/reach']").get_attribute("href")
    assert parse_qs(urlsplit(href or "").query).get("benchmark") == ["neighbours"]


def test_the_croydon_lead_compares_with_its_neighbours_on_the_profile(page, server):
    page.goto(f"{server}/area/{CROYDON}")
    wait_for_dash(page)
    page.select_option(f"#{ids.AREA_BENCHMARK}", "neighbours")
    spine = page.locator(f"#{ids.chart(ids.AREA_SPINE_CHART, 'section')}")
    heading = spine.locator(f"#{ids.chart(ids.AREA_SPINE_CHART, 'heading')}")
    heading.filter(has_text="against its statistical neighbours").wait_for()
    page.wait_for_url("**benchmark=neighbours**")
    wait_for_dash(page)
    # the table twin is built when the reader opens it
    page.click(f"#{ids.chart(ids.AREA_SPINE_CHART, 'table-summary')}")
    spine.locator(f"#{ids.chart(ids.AREA_SPINE_CHART, 'table')} table").wait_for()
    words = spine.text_content() or ""
    assert f"Croydon's statistical neighbours: {croydon_neighbours(page, server)}." in words
    assert "its statistical neighbours at 95% confidence" in words
    # the table twin gives every comparator's figure, and the comparison with the chosen one
    for column in ("Programme", "Statistical neighbours (5 areas)", "Region (London)"):
        assert column in words
    assert "Compared with its statistical neighbours (95%)" in words
    assert "Completion rate" in words
    assert_axe_clean(page)
