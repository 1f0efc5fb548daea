"""The three users' journeys (issue 11, "Done when"), on the pilot demo data in headless Chromium
at 1366×768, each checked against the API (another path to the same figures) and with axe at
zero violations where the journey ends:

- the programme lead finds the areas worse than the programme on completion for the latest
  financial year, from Home's grid to the Uptake page;
- the Croydon lead compares Croydon with its statistical neighbours and reads the trend;
- the researcher downloads a chart as SVG and CSV, and the CSV explains itself.
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_results, describe
from support.browser import serving, wait_for_dash

from dashboard import ids
from dashboard.app import create_app
from dashboard.layouts import uptake
from dashboard.settings import DashboardSettings

CROYDON = "E09000008"
YEAR = "2018-19"  # the latest financial year the pilot returns cover


@pytest.fixture(scope="module")
def server(pilot_db_url) -> Iterator[str]:
    with serving(create_app(DashboardSettings(database_url=pilot_db_url))) as base:
        yield base


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1366, "height": 768}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(180_000)  # the first draw may wait for the disclosure plan
    try:
        yield context.new_page()
    finally:
        context.close()


def api(page: Page, base: str, query: str) -> list[dict]:
    answer = page.request.get(f"{base}/api/v1/{query}")
    assert answer.ok, answer.text()
    return answer.json()["data"]


def assert_axe_clean(page: Page) -> None:
    results = axe_results(page)
    assert len(results["passes"]) > 10, "axe-core did not run its WCAG rules"
    assert results["violations"] == [], describe(results["violations"])


def test_the_programme_lead_finds_the_areas_worse_on_completion_for_the_year(page, server):
    page.goto(f"{server}/")
    wait_for_dash(page)
    page.wait_for_selector(f"#{ids.HOME_GRID} table")
    caption = page.locator(f"#{ids.HOME_GRID} caption").inner_text()
    assert YEAR in caption and "95%" in caption  # the year and the level, by default
    headers = page.locator(f"#{ids.HOME_GRID} thead tr").first.locator("th").all_inner_texts()
    column = next(i for i, h in enumerate(headers) if h.startswith("Completion"))
    worse = page.evaluate(
        """col => [...document.querySelectorAll('#home-grid tbody tr')]
            .filter(tr => tr.children[col] && tr.children[col].classList.contains('lfo-cmp-worse'))
            .map(tr => tr.children[0].textContent.trim())""",
        column,
    )
    # the API (the engine's rows, not the grid's code) says the same
    rows = api(page, server, f"data?indicator=uptake.completion&period={YEAR}&ci=95")
    expected = sorted(r["area_name"] for r in rows if r["comparison"] == "worse")
    assert expected, "the pilot data has an area worse on completion for the year"
    assert sorted(worse) == expected
    assert_axe_clean(page)

    # the column's heading opens the Uptake page at the same indicator, year and level
    page.locator(f"#{ids.HOME_GRID} thead a").nth(column - 1).click()
    page.wait_for_url("**/uptake?**")
    query = parse_qs(urlsplit(page.url).query)
    assert query.get("period") == [YEAR]
    wait_for_dash(page)
    summary = page.locator(f"#{ids.chart(uptake.TOPIC.chart('caterpillar'), 'summary')}")
    page.wait_for_function(
        "el => el && el.textContent.includes('worse')", arg=summary.element_handle()
    )
    text = summary.inner_text()
    assert "95%" in text
    for name in expected:
        assert name in text


def test_the_croydon_lead_compares_with_its_neighbours_and_reads_the_trend(page, server):
    page.goto(f"{server}/uptake")
    wait_for_dash(page)
    bar = page.locator(f"#{ids.topic_part('uptake', 'filter-bar')}")
    if bar.get_attribute("open") is None:
        bar.locator("summary").click()
    box = page.locator(f"#{ids.topic_part('uptake', 'area-search')}")
    box.fill("Croydon")
    box.press("Enter")
    chosen = page.locator(f"#{ids.topic_part('uptake', 'chosen')}")
    chosen.get_by_role("button", name="Remove Croydon").wait_for()
    page.get_by_role("button", name="Similar areas (statistical neighbours)").click()
    # the neighbours the API names for Croydon (nearest first) join Croydon
    area = next(a for a in api(page, server, "areas") if a["code"] == CROYDON)
    neighbours = [n["name"] for n in area["neighbours"]]
    assert len(neighbours) == 5
    chosen.get_by_role("button", name=f"Remove {neighbours[-1]}").wait_for()
    names = [
        b.get_attribute("aria-label").removeprefix("Remove ")
        for b in chosen.locator("button").all()
    ]
    assert names == ["Croydon", *neighbours]
    page.wait_for_function(  # the address keeps the choice (written after the callback)
        "code => new URLSearchParams(location.search).get('area')?.startsWith(code)", arg=CROYDON
    )
    wait_for_dash(page)

    # six areas: the trend is drawn as small multiples, one panel per area with the programme
    trend = ids.chart(uptake.TOPIC.chart("trend"), "graph")
    page.wait_for_function(
        """id => {
            const box = document.getElementById(id);
            const gd = box && box.querySelector('.js-plotly-plot');
            return gd && gd.data && new Set(gd.data.map(t => t.xaxis || 'x')).size >= 6;
        }""",
        arg=trend,
    )
    panels = page.evaluate(
        """id => {
            const gd = document.getElementById(id).querySelector('.js-plotly-plot');
            const out = {};
            for (const t of gd.data) (out[t.xaxis || 'x'] ||= []).push(t.name);
            return Object.values(out);
        }""",
        trend,
    )
    assert sorted(p[0] for p in panels) == sorted(["Croydon", *neighbours])
    assert all(len(p) == 2 and p[1].startswith("Programme") for p in panels)
    summary = page.locator(f"#{ids.chart(uptake.TOPIC.chart('trend'), 'summary')}").inner_text()
    assert "Croydon" in summary
    assert summary.count(". ") + 1 <= 2  # at most two sentences
    assert_axe_clean(page)


def test_the_researcher_downloads_svg_and_a_csv_that_explains_itself(page, server):
    page.goto(f"{server}/uptake?period={YEAR}")
    wait_for_dash(page)
    chart = uptake.TOPIC.chart("caterpillar")
    section = page.locator(f"#{ids.chart(chart, 'section')}")
    section.locator(".js-plotly-plot .main-svg").first.wait_for()
    title = page.locator(f"#{ids.chart(chart, 'heading')}").inner_text()

    def download(label: str) -> tuple[str, bytes]:
        with page.expect_download(timeout=120_000) as info:
            section.get_by_role("button", name=re.compile(f"^Download .* as {label}$")).click()
        d = info.value
        return d.suggested_filename, Path(d.path()).read_bytes()

    name, data = download("CSV")
    # the file name says what it holds: indicator, period, level
    assert "uptake.completion" in name and YEAR in name and "ci95" in name, name
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows
    for row in rows:
        assert re.fullmatch(r"E\d{8}|programme", row["area_code"]), row["area_code"]
        assert row["area_name"]
        assert row["period"] == YEAR and row["period_type"] == "financial_year"
        assert row["confidence_level"] == "95"
        assert row["benchmark"] == "programme"
        assert row["indicator_id"] == "uptake.completion"
        assert row["definition"] and row["data_as_at"] and row["suppression_threshold"]
        if row["status"]:
            assert row["status_meaning"], row  # the key travels with the file
    assert any(r["comparison"] for r in rows)

    name, data = download("SVG")
    assert name.endswith(".svg") and YEAR in name
    root = ET.fromstring(data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert title.split(",")[0] in root.find("s:title", ns).text
    text = data.decode("utf-8")
    assert "© Crown copyright" in text and "Hertfordshire" in text
