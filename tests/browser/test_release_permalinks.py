"""Permalinks with a release reopen the same view (issue 14 § 2), in headless Chromium.

The area profile's database with two releases: 2018-19 Q1, then 2018-19 Q4 (the latest). A page
opened at ``release=2018-19_Q1`` with other choices than the defaults, a choice changed, then its
address (the permalink) opened in a fresh browser: the same choices, the same release banner and
the same figures (the tables' text). An area followed from the home grid opens in the same
release. Whoever may not see live figures (a researcher) gets the latest release by default, and
the links keep it; a programme lead gets the live figures, and links without a release.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, Page
from support.browser import serving, wait_for_dash
from support.page_dbs import BLACKPOOL, GATESHEAD, build_area_db

from dashboard import ids
from dashboard.settings import DashboardSettings
from lfo.db import writer_engine
from lfo.release_publish import publish

OLD, LATEST = "2018-19_Q1", "2018-19_Q4"
BANNER = ".lfo-release-banner"
SPINE_SUMMARY = f"#{ids.chart(ids.AREA_SPINE_CHART, 'summary')}"
SPINE_TABLE = f"#{ids.chart(ids.AREA_SPINE_CHART, 'table')} table"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from dashboard.app import create_app

    folder = tmp_path_factory.mktemp("release-permalinks")
    url = build_area_db(folder / "lfo.db")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LFO_RELEASES_CACHE_DIR", str(folder / "releases-cache"))
        engine = writer_engine(url)
        try:
            for quarter in (OLD, LATEST):
                publish(
                    engine,
                    engine,
                    quarter,
                    note=f"release of {quarter}",
                    threshold=DashboardSettings().suppression_threshold,
                    who=None,
                    cache_dir=folder / "releases-cache",
                )
        finally:
            engine.dispose()
        with serving(create_app(DashboardSettings(database_url=url))) as base:
            yield base


def fresh(browser: Browser, base: str, role: str | None = None) -> BrowserContext:
    """A new browser (no history, no storage); ``role``: the local role switcher's cookie."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    if role is not None:
        context.add_cookies([{"name": "lfo_role", "value": role, "url": base}])
    return context


def release_in(url: str) -> list[str]:
    return parse_qs(urlsplit(url).query).get("release", [])


def banner(page: Page) -> str:
    return " ".join(page.inner_text(BANNER).split())


# --- the area profile ---------------------------------------------------------------------------


def wait_for_profile(page: Page) -> None:
    wait_for_dash(page)
    page.wait_for_selector(f"#{ids.topic_part(ids.AREA_PICKER, 'chosen')} li", state="attached")
    page.wait_for_function(
        "sel => (document.querySelector(sel)?.textContent || '').startsWith('Of ')",
        arg=SPINE_SUMMARY,
    )
    wait_for_dash(page)


def profile_view(page: Page) -> dict[str, object]:
    """The controls, the banner and the figures (the spine's table, opened) as a reader sees them."""
    page.click(f"#{ids.chart(ids.AREA_SPINE_CHART, 'table-summary')}")
    page.wait_for_selector(SPINE_TABLE)
    return {
        "period": page.eval_on_selector(f"#{ids.AREA_PERIOD}", "e => e.value"),
        "periods": page.eval_on_selector_all(
            f"#{ids.AREA_PERIOD} option", "os => os.map(o => o.value)"
        ),
        "ci": page.eval_on_selector(f"#{ids.AREA_CI} input:checked", "e => e.value"),
        "benchmark": page.eval_on_selector(f"#{ids.AREA_BENCHMARK}", "e => e.value"),
        "ticked": page.eval_on_selector_all(  # the picker's chosen areas (Remove buttons)
            f"#{ids.topic_part(ids.AREA_PICKER, 'chosen')} button",
            "els => els.map(e => JSON.parse(e.id).code)",
        ),
        "banner": banner(page),
        "summary": page.inner_text(SPINE_SUMMARY),
        "table": page.inner_text(SPINE_TABLE),
    }


def test_an_area_profile_permalink_reopens_the_same_release_and_choices(browser, base_url):
    first = fresh(browser, base_url)
    try:
        page = first.new_page()
        page.goto(
            f"{base_url}/area/{BLACKPOOL}?period={OLD}&benchmark=region&ci=99.8&release={OLD}"
        )
        wait_for_profile(page)
        box = page.locator(f"#{ids.topic_part(ids.AREA_PICKER, 'area-search')}")
        box.fill("Gateshead")  # a choice changed on the page: an area typed into the picker
        box.press("Enter")
        page.wait_for_url(f"**compare={GATESHEAD}**")
        wait_for_profile(page)
        permalink = page.url
        assert release_in(permalink) == [OLD], permalink
        before = profile_view(page)
        pdf = page.get_attribute(f"#{ids.AREA_PDF_LINK}", "href") or ""
        assert release_in(pdf) == [OLD], pdf  # the PDF is of the release shown, too
    finally:
        first.close()
    assert before["ticked"] == [GATESHEAD]
    assert (before["period"], before["ci"], before["benchmark"]) == (OLD, "99.8", "region")
    assert f"Release {OLD}:" in str(before["banner"])
    assert f"A later release, {LATEST}" in str(before["banner"])
    assert not [p for p in before["periods"] if p > OLD and p.startswith("2018-19_Q")]  # type: ignore[union-attr]
    second = fresh(browser, base_url)
    try:
        again = second.new_page()
        again.goto(permalink)
        wait_for_profile(again)
        assert profile_view(again) == before
    finally:
        second.close()


# --- the home grid ------------------------------------------------------------------------------


def wait_for_grid(page: Page) -> None:
    wait_for_dash(page)
    page.wait_for_selector(f"#{ids.HOME_GRID} table")
    wait_for_dash(page)


def home_view(page: Page) -> dict[str, object]:
    return {
        "period": page.eval_on_selector(f"#{ids.HOME_PERIOD}", "e => e.value"),
        "benchmark": page.eval_on_selector(f"#{ids.HOME_BENCHMARK}", "e => e.value"),
        "ci": page.eval_on_selector(f"#{ids.HOME_CI} input:checked", "e => e.value"),
        "banner": banner(page),
        "grid": page.inner_text(f"#{ids.HOME_GRID}"),
    }


def test_the_home_grid_permalink_and_its_area_links_keep_the_release(browser, base_url):
    first = fresh(browser, base_url)
    second = fresh(browser, base_url)
    try:
        page = first.new_page()
        page.goto(f"{base_url}/?ci=99.8&release={OLD}")
        wait_for_grid(page)
        page.select_option(f"#{ids.HOME_BENCHMARK}", "region")
        page.wait_for_url("**benchmark=region**")
        wait_for_grid(page)
        permalink = page.url
        assert release_in(permalink) == [OLD], permalink
        before = home_view(page)
        assert (before["ci"], before["benchmark"]) == ("99.8", "region")
        assert f"Release {OLD}:" in str(before["banner"])
        again = second.new_page()
        again.goto(permalink)
        wait_for_grid(again)
        assert home_view(again) == before
        # every link the grid draws keeps the release; following one opens the area in it
        hrefs = page.eval_on_selector_all(
            f"#{ids.HOME_GRID} a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs and all(release_in(h) == [OLD] for h in hrefs), hrefs
        page.click(f"#{ids.HOME_GRID} th a[href^='/area/{BLACKPOOL}']")
        page.wait_for_url(f"**/area/{BLACKPOOL}**")
        wait_for_profile(page)
        assert release_in(page.url) == [OLD], page.url
        assert f"Release {OLD}:" in banner(page)
        nav = page.get_attribute(f"#{ids.HEADER} a[href^='/reach']", "href") or ""
        assert release_in(nav) == [OLD], nav
    finally:
        first.close()
        second.close()


# --- who gets which figures by default ----------------------------------------------------------


def test_a_researcher_gets_the_latest_release_and_a_lead_the_live_figures(browser, base_url):
    researcher = fresh(browser, base_url, role="researcher")
    lead = fresh(browser, base_url)
    try:
        page = researcher.new_page()
        page.goto(f"{base_url}/")
        wait_for_grid(page)
        assert f"Release {LATEST}:" in banner(page)
        hrefs = page.eval_on_selector_all(
            f"#{ids.HOME_GRID} a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs and all(release_in(h) == [LATEST] for h in hrefs), hrefs
        live = lead.new_page()
        live.goto(f"{base_url}/")
        wait_for_grid(live)
        assert banner(live).startswith("Provisional:")
        hrefs = live.eval_on_selector_all(
            f"#{ids.HOME_GRID} a", "els => els.map(e => e.getAttribute('href'))"
        )
        assert hrefs and not any(release_in(h) for h in hrefs), hrefs
    finally:
        researcher.close()
        lead.close()
