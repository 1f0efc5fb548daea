"""The programme overview in headless Chromium: a programme lead's journey, shareable state,
keyboard access and an axe-core scan, on the overview's small database (``support.page_dbs``; see
tests/test_overview.py: Blackpool has the lowest completion and needs attention).

One page for the module (page loads are the slow part). Set ``LFO_UPDATE_SCREENSHOTS=1`` to write
the page's screenshot to docs/screenshots/home.png as well.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_violations, describe
from support.browser import ROOT, serving, wait_for_dash
from support.page_dbs import BLACKPOOL, build_overview_db

from dashboard import ids
from dashboard.app import create_app
from dashboard.settings import DashboardSettings

GRID_FIRST_AREA = f"#{ids.HOME_GRID} tbody tr:nth-child(2) th a"  # row 1 is the programme


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    url = build_overview_db(tmp_path_factory.mktemp("overview-browser") / "lfo.db")
    with serving(create_app(DashboardSettings(database_url=url))) as base:
        yield base


@pytest.fixture(scope="module")
def home(browser: Browser, base_url: str) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(20_000)
    page = context.new_page()
    page.goto(f"{base_url}/")
    wait_for_grid(page)
    try:
        yield page
    finally:
        context.close()


def wait_for_grid(page: Page) -> None:
    wait_for_dash(page)
    page.wait_for_selector(f"#{ids.HOME_GRID} table")


def test_home_page_has_no_axe_violations(home: Page, tmp_path: Path):
    violations = axe_violations(home)
    home.screenshot(path=str(tmp_path / "home.png"), full_page=True)
    if os.environ.get("LFO_UPDATE_SCREENSHOTS"):
        home.screenshot(path=str(ROOT / "docs" / "screenshots" / "home.png"), full_page=True)
    assert violations == [], describe(violations)
    assert home.locator("h1").count() == 1


def test_programme_lead_finds_the_lowest_completion_and_opens_its_profile(
    home: Page, base_url: str
):
    home.goto(f"{base_url}/")
    wait_for_grid(home)
    home.select_option(f"#{ids.HOME_SORT}", "uptake.completion")
    home.wait_for_url("**/?sort=uptake.completion")
    home.wait_for_function(
        "sel => document.querySelector(sel)?.textContent === 'Blackpool'", arg=GRID_FIRST_AREA
    )
    # Home opens at the latest financial year, 2018-19, compared at 95%
    link = home.locator(GRID_FIRST_AREA)
    assert link.get_attribute("href") == f"/area/{BLACKPOOL}?period=2018-19"
    cell = home.locator(
        f"#{ids.HOME_GRID} a[href='/area/{BLACKPOOL}?indicator=uptake.completion&period=2018-19']"
    )
    assert cell.inner_text().startswith("49%")  # 45 + 36 + 24 + 12 = 117 of 240
    td = cell.locator("xpath=ancestor::td")
    assert "lfo-cmp-worse" in (td.get_attribute("class") or "")
    # the word and the shape with the fill, the level for screen readers
    assert "worse than the programme (95%)" in td.text_content()
    assert "\u25a0 worse" in td.inner_text()
    # the order radios say what they do once sorted by a figure
    assert home.locator(f"#{ids.HOME_ORDER}").inner_text().startswith("Lowest completion first")
    # ... and the ranking chart lists the areas in the grid's order: lowest at the top
    graph = ids.chart(ids.HOME_CHART, "graph")
    home.wait_for_function(
        """id => {
            const box = document.getElementById(id);
            const gd = box && (box.classList.contains('js-plotly-plot')
                ? box : box.querySelector('.js-plotly-plot'));
            const range = gd && gd._fullLayout && gd._fullLayout.yaxis.range;
            return Boolean(range) && range[0] > range[1];
        }""",
        arg=graph,
    )
    attention = home.locator(f"#{ids.HOME_ATTENTION}").inner_text()
    assert "Blackpool" in attention and "five quarters to 2018-19 Q4" in attention
    assert home.request.get(f"{base_url}/area/{BLACKPOOL}").status == 200
    link.click()
    home.wait_for_url(f"**/area/{BLACKPOOL}?period=2018-19")
    wait_for_dash(home)
    assert home.locator("h1").count() == 1


def test_a_shared_link_reopens_the_same_view_and_back_returns(home: Page, base_url: str):
    home.goto(f"{base_url}/?period=2018-19_Q3&sort=uptake.completion&order=high")
    wait_for_grid(home)
    home.wait_for_function(
        "() => document.querySelector('#home-grid caption')?.textContent.includes('2018-19 Q3')"
    )
    assert home.locator(f"#{ids.HOME_PERIOD}").input_value() == "2018-19_Q3"
    assert home.locator(f"#{ids.HOME_SORT}").input_value() == "uptake.completion"
    assert home.locator(f"#{ids.HOME_ORDER} input[value=high]").is_checked()
    home.locator(f"#{ids.HOME_ORDER} input[value=low]").check()
    home.wait_for_url("**/?period=2018-19_Q3&sort=uptake.completion")
    home.go_back()
    home.wait_for_url("**/?period=2018-19_Q3&sort=uptake.completion&order=high")
    home.wait_for_function(
        f"() => document.querySelector('#{ids.HOME_ORDER} input[value=high]').checked"
    )


def test_the_confidence_switch_changes_every_comparison_and_stays_in_the_address(
    home: Page, base_url: str, tmp_path: Path
):
    home.goto(f"{base_url}/?period=2018-19_Q4")
    wait_for_grid(home)
    home.locator(f"#{ids.HOME_CI} input[value='99.8']").check()
    home.wait_for_url("**/?period=2018-19_Q4&ci=99.8")
    home.wait_for_function(
        "() => document.querySelector('#home-grid caption')?.textContent.includes('99.8%')"
    )
    assert "(99.8%)" in home.locator(f"#{ids.HOME_GRID}").text_content()
    topic = home.locator(f"#{ids.HOME_GRID} thead a").first.get_attribute("href")
    assert topic is not None and topic.endswith("ci=99.8")
    violations = axe_violations(home)  # after a change, too
    assert violations == [], describe(violations)


def test_a_bad_link_shows_a_message_and_the_page(home: Page, base_url: str):
    home.goto(f"{base_url}/?period=2018-19_Q9&sort=nonsense")
    wait_for_grid(home)
    banner = home.locator(f"#{ids.HOME_MESSAGES}").inner_text()
    assert "could not be used" in banner and "nonsense" in banner


def test_keyboard_reaches_every_control_and_download(home: Page, base_url: str):
    home.goto(f"{base_url}/")
    wait_for_grid(home)
    home.locator("body").focus()
    seen: list[dict] = []
    for _ in range(250):
        home.keyboard.press("Tab")
        seen.append(
            home.evaluate(
                "() => { const e = document.activeElement; return {id: e.id, tag: e.tagName, "
                f"order: e.closest('#{ids.HOME_ORDER}') !== null, "
                f"ci: e.closest('#{ids.HOME_CI}') !== null, "
                "text: (e.innerText || e.getAttribute('aria-label') || '').trim()}; }"
            )
        )
        if seen[-1]["tag"] == "BODY":
            break
    focused_ids = {s["id"] for s in seen}
    assert ids.HOME_PERIOD in focused_ids
    assert ids.HOME_SORT in focused_ids
    assert any(s["ci"] and s["tag"] == "INPUT" for s in seen), "the confidence switch"
    assert any(s["order"] and s["tag"] == "INPUT" for s in seen), "the order radios"
    texts = " | ".join(s["text"] for s in seen)
    for fmt in ("PNG", "SVG", "CSV", "Excel"):
        assert fmt in texts, f"the {fmt} download was not reached by Tab"
    assert f"/area/{BLACKPOOL}" in " ".join(
        home.evaluate(
            "() => Array.from(document.querySelectorAll('#home-grid a'))"
            ".map(a => a.getAttribute('href'))"
        )
    )


def test_researcher_downloads_the_ranking_as_csv_with_the_plotted_numbers(
    home: Page, base_url: str
):
    home.goto(f"{base_url}/?sort=uptake.completion")
    wait_for_grid(home)
    section = home.locator(f"#{ids.chart(ids.HOME_CHART, 'section')}")
    with home.expect_download() as info:
        section.locator("button", has_text="CSV").click()
    download = info.value
    assert download.suggested_filename.startswith(f"lfo-{ids.HOME_CHART}-")
    text = Path(download.path()).read_text(encoding="utf-8-sig")
    assert "uptake.completion" in text and "Completion" in text
    rows = list(csv.DictReader(io.StringIO(text)))
    blackpool = next(r for r in rows if r["area_name"] == "Blackpool")
    assert float(blackpool["Value (%)"]) == 48.75  # 117 of 240 in 2018-19, unrounded
    assert blackpool["area_code"] == "E06000009" and blackpool["period"] == "2018-19"
