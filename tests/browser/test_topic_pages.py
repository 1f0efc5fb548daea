"""Reach, Uptake and Outcomes in headless Chromium: axe-core (WCAG 2.2 A and AA) finds nothing on
any of them, the filters live in the address (a link reopens the view, back returns), a keyboard
reaches every control and every download, and a researcher takes the Outcomes chart away as PNG,
SVG, CSV and Excel with the plotted numbers and the metadata inside.

One browser page for the module, on the hand-worked database of ``tests/test_topic_pages.py``
(``support.page_dbs.build_topic_db``).
"""

from __future__ import annotations

import csv
import io
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Browser, Page
from support.axe import axe_results, describe
from support.browser import serving, wait_for_dash
from support.page_dbs import BLACKPOOL, MANCHESTER, NEWCASTLE, Q_ENDED, build_topic_db

from dashboard import ids
from dashboard.app import create_app
from dashboard.charts.exports import read_png_text
from dashboard.layouts import outcomes, reach, uptake
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import indicators

ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "docs" / "screenshots"
CHANGE = outcomes.TOPIC.chart("change")
CHANGE_TITLE = "Reliable improvement, recovery and deterioration"
LABELS = {"png": "PNG", "svg": "SVG", "csv": "CSV", "xlsx": "Excel"}
# hand-worked in tests/test_topic_pages.py: Newcastle 30 of 40 paired episodes reliably improved,
# 30 of 40 at caseness recovered, none deteriorated
NEWCASTLE_PLOTTED = {"Reliable improvement": 75.0, "Recovery": 75.0, "Reliable deterioration": 0.0}
RI = indicators()["outcome.csi4.reliable_improvement"]


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[str]:
    url = build_topic_db(tmp_path_factory.mktemp("topic-browser") / "topic.db")
    with serving(create_app(DashboardSettings(database_url=url))) as base:
        yield base


@pytest.fixture(scope="module")
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(30_000)
    p = context.new_page()
    try:
        yield p
    finally:
        context.close()


def open_topic(page: Page, base: str, path: str, search: str = "") -> None:
    page.goto(f"{base}{path}{search}")
    wait_for_dash(page)
    key = path.strip("/")
    page.wait_for_function(
        f"() => document.getElementById('{ids.chart(f'{key}-caterpillar', 'heading')}')"
        ".textContent.includes(', ')"
    )
    wait_for_dash(page)


def query(page: Page) -> dict[str, list[str]]:
    return parse_qs(urlsplit(page.url).query)


def assert_no_violations(page: Page) -> None:
    for summary in page.locator("details.chart-table-twin:visible > summary").all():
        summary.click()  # the twins' tables are checked too (built on the server when opened)
    page.wait_for_function(
        "() => !document.querySelector('details.chart-table-twin[open] [aria-busy=\"true\"]')"
    )
    results = axe_results(page)
    assert len(results["passes"]) > 10, "axe-core did not run its WCAG rules"
    assert results["violations"] == [], describe(results["violations"])


@pytest.mark.parametrize("topic", [reach.TOPIC, uptake.TOPIC, outcomes.TOPIC], ids=lambda t: t.key)
def test_topic_page_has_one_h1_and_no_wcag_violations(page, server, topic):
    open_topic(page, server, topic.path, f"?period={Q_ENDED}&area={NEWCASTLE}")
    assert page.locator("h1").count() == 1
    assert page.locator("h1").inner_text() == topic.title
    assert page.title().startswith(f"{topic.title} – ")
    if os.environ.get("LFO_UPDATE_SCREENSHOTS"):  # only on request: tests leave docs alone
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{topic.key}.png"), full_page=True)
    assert_no_violations(page)
    open_filters(page, topic.key)  # the controls too: the picker, its list, the chosen areas
    assert_no_violations(page)


def open_filters(page: Page, key: str) -> None:
    """Open the filter bar by its one-line summary, as a reader would."""
    bar = page.locator(f"#{ids.topic_part(key, 'filter-bar')}")
    if bar.get_attribute("open") is None:
        bar.locator("summary").click()
    page.locator(f"#{ids.topic_part(key, 'area-search')}").wait_for(state="visible")


def add_area(page: Page, key: str, name: str) -> None:
    """Type an area's name in the picker and press Enter."""
    box = page.locator(f"#{ids.topic_part(key, 'area-search')}")
    box.fill(name)
    box.press("Enter")
    page.locator(f"#{ids.topic_part(key, 'chosen')}").get_by_role(
        "button", name=f"Remove {name}"
    ).wait_for()
    wait_for_dash(page)


def chosen(page: Page, key: str) -> list[str]:
    buttons = page.locator(f"#{ids.topic_part(key, 'chosen')} button").all()
    return [b.get_attribute("aria-label").removeprefix("Remove ") for b in buttons]


def test_the_filters_step_aside_behind_a_line_saying_what_is_shown(page, server):
    open_topic(page, server, "/uptake")
    bar = page.locator(f"#{ids.topic_part('uptake', 'filter-bar')}")
    assert bar.get_attribute("open") is None  # closed: the first screen shows the charts
    summary = page.locator(f"#{ids.topic_part('uptake', 'summary')}").inner_text()
    assert summary == (
        "Completion · Financial year 2018-19 · All interventions · Programme only · "
        "95% intervals · Programme benchmark · Trend by quarter"
    )
    assert not page.locator(f"#{ids.topic_part('uptake', 'indicator')}").is_visible()
    open_filters(page, "uptake")
    assert page.locator(f"#{ids.topic_part('uptake', 'indicator')}").is_visible()


def test_the_uptake_trend_switches_to_financial_years(page, server):
    """Issue 11 § 7: the trend by financial year (the engine's year figures), in the address,
    drawn at its full height, with the time axis labelled by year; axe still finds nothing."""
    open_topic(page, server, "/uptake", f"?area={NEWCASTLE}")
    open_filters(page, "uptake")
    radios = page.locator(f"#{ids.topic_part('uptake', 'trend-by')}")
    radios.get_by_label("Financial years").check()
    heading = ids.chart(uptake.TOPIC.chart("trend"), "heading")
    page.wait_for_function(
        f"() => document.getElementById('{heading}').textContent.includes('by financial year')"
    )
    wait_for_dash(page)
    assert query(page)["trend"] == ["annual"]
    graph = page.locator(f"#{ids.chart(uptake.TOPIC.chart('trend'), 'graph')}")
    box = graph.bounding_box()
    assert box is not None and box["height"] >= 300  # not collapsed after the change
    ticks = graph.locator(".xtick text").evaluate_all("els => els.map(e => e.textContent)")
    assert ticks == ["2016-17", "2017-18", "2018-19"]
    assert (
        "Trend by financial year"
        in page.locator(f"#{ids.topic_part('uptake', 'summary')}").inner_text()
    )
    assert_no_violations(page)


def test_an_la_lead_compares_her_area_with_two_others_and_shares_the_link(page, server):
    open_topic(page, server, "/uptake", f"?period={Q_ENDED}")
    open_filters(page, "uptake")
    for name in ("Newcastle upon Tyne", "Blackpool", "Manchester"):
        add_area(page, "uptake", name)
    page.wait_for_function("() => (window.location.search.match(/area=/g) || []).length === 3")
    assert query(page)["area"] == [NEWCASTLE, BLACKPOOL, MANCHESTER]
    trend = uptake.TOPIC.chart("trend")
    page.wait_for_function(
        f"() => document.getElementById('{ids.chart(trend, 'summary')}')"
        ".textContent.includes('Manchester')"
    )
    legend = page.locator(f"#{ids.chart(trend, 'graph')} .legend").first.text_content()
    summary = page.locator(f"#{ids.chart(trend, 'summary')}").inner_text()
    for name in ("Newcastle upon Tyne", "Blackpool", "Manchester"):
        assert name in legend and name in summary
    assert "Programme (all areas)" in legend and "the programme: " in summary
    shared_link = page.url
    page.goto("about:blank")
    page.goto(shared_link)  # the shared link reopens the same view
    wait_for_dash(page)
    page.locator(f"#{ids.topic_part('uptake', 'chosen')} button").first.wait_for(state="attached")
    wait_for_dash(page)
    assert chosen(page, "uptake") == ["Newcastle upon Tyne", "Blackpool", "Manchester"]
    assert page.locator(f"#{ids.topic_part('uptake', 'period')}").input_value() == Q_ENDED


def test_quick_picks_and_back_and_forward_follow_the_address(page, server):
    open_topic(page, server, "/uptake", f"?period={Q_ENDED}&area={NEWCASTLE}")
    open_filters(page, "uptake")
    page.get_by_role("button", name="Clear: programme only").click()
    page.wait_for_function("() => !window.location.search.includes('area=')")
    assert chosen(page, "uptake") == []
    page.go_back()
    page.wait_for_function(f"() => window.location.search.includes('area={NEWCASTLE}')")
    wait_for_dash(page)
    page.locator(f"#{ids.topic_part('uptake', 'chosen')} button").first.wait_for()
    assert chosen(page, "uptake") == ["Newcastle upon Tyne"]
    page.locator(f"#{ids.topic_part('uptake', 'region')}").select_option("North West")
    page.get_by_role("button", name="Add region").click()
    page.wait_for_function("() => (window.location.search.match(/area=/g) || []).length > 2")
    assert "Blackpool" in chosen(page, "uptake")
    page.get_by_role("button", name="Remove Blackpool").click()
    page.wait_for_function(f"() => !window.location.search.includes('area={BLACKPOOL}')")


def test_choosing_an_area_by_keyboard_writes_the_address_and_keeps_focus(page, server):
    open_topic(page, server, "/reach", f"?period={Q_ENDED}")
    open_filters(page, "reach")
    box = page.locator(f"#{ids.topic_part('reach', 'area-search')}")
    box.focus()
    page.keyboard.type("blackpool")
    page.keyboard.press("Enter")
    page.wait_for_function(f"() => window.location.search.includes('area={BLACKPOOL}')")
    wait_for_dash(page)
    assert chosen(page, "reach") == ["Blackpool"]
    assert page.evaluate("() => document.activeElement.id") == ids.topic_part(
        "reach", "area-search"
    )
    status = page.locator(f"#{ids.topic_part('reach', 'area-status')}")
    assert status.inner_text() == "Added Blackpool."


def test_a_bad_link_shows_a_message_not_an_error(page, server):
    page.goto(f"{server}/outcomes?measure=shoe&area=E99999999")
    wait_for_dash(page)
    notice = page.locator(f"#{ids.topic_part('outcomes', 'messages')}")
    notice.get_by_text("Ignored measure='shoe'").wait_for()
    assert "There is no programme area E99999999" in notice.inner_text()
    assert page.locator("h1").inner_text() == "Outcomes"


def test_keyboard_reaches_every_control_and_every_download(page, server):
    open_topic(page, server, "/outcomes", f"?period={Q_ENDED}&area={NEWCASTLE}")
    open_filters(page, "outcomes")
    wait_for_dash(page)
    # number every visible control; a radio group is one tab stop (arrows move within it)
    controls = page.evaluate("""() => {
        const els = Array.from(document.querySelectorAll(
            'main input, main select, main button, main summary')).filter(
            e => e.offsetParent !== null);
        els.forEach((e, i) => { e.dataset.kb = String(i); });
        return els.map(e => ({type: e.type || e.tagName.toLowerCase(), name: e.name || '',
                              label: e.getAttribute('aria-label') || e.textContent.trim()}));
    }""")
    page.locator(f"#{ids.SKIP_LINK}").focus()
    page.keyboard.press("Enter")  # to the main content, as a keyboard user would
    reached: set[int] = set()
    groups_reached: set[str] = set()
    for _ in range(300):
        page.keyboard.press("Tab")
        kb, kind, name = page.evaluate("""() => { const e = document.activeElement;
            return [e.dataset.kb ?? null, e.type || '', e.name || '']; }""")
        if kind == "radio":
            groups_reached.add(name)
        if kb is not None:
            reached.add(int(kb))
        elif reached and page.evaluate("() => !!document.activeElement.closest('footer')"):
            break
    # a named radio group is one tab stop (arrows move within it); anything else is its own
    missed = [
        c
        for i, c in enumerate(controls)
        if i not in reached
        and not (c["type"] == "radio" and c["name"] and c["name"] in groups_reached)
    ]
    assert not missed, missed
    radios = [c for c in controls if c["type"] == "radio"]
    assert len(radios) == 4  # the confidence levels and the trend's step; the rest are selects
    kinds = [controls[i]["type"] for i in reached]
    # indicator, measure, intervention, period, region, trend from and to
    assert kinds.count("select-one") == 8 and kinds.count("text") == 1  # (8: the benchmark)
    downloads = [
        controls[i]
        for i in reached
        if controls[i]["label"] in LABELS.values() or controls[i]["label"].startswith("Download ")
    ]
    assert len(downloads) >= 4 * 5  # four buttons on each of the five charts shown


def download(page: Page, fmt: str) -> tuple[str, bytes]:
    section = page.locator(f"#{ids.chart(CHANGE, 'section')}")
    with page.expect_download(timeout=90_000) as info:
        section.get_by_role(
            "button", name=f"Download {CHANGE_TITLE} as {LABELS[fmt]}", exact=True
        ).click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def test_a_researcher_downloads_the_outcomes_chart_with_numbers_and_metadata(page, server):
    open_topic(page, server, "/outcomes", f"?period={Q_ENDED}&area={NEWCASTLE}")
    page.wait_for_function(
        f"() => document.getElementById('{ids.chart(CHANGE, 'summary')}').textContent.length"
    )

    name, data = download(page, "csv")
    assert name.startswith(f"lfo-{CHANGE}-") and name.endswith(".csv")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    newcastle = {
        r["Outcome"]: float(r["Value (%)"]) for r in rows if r["Area"] == "Newcastle upon Tyne"
    }
    assert newcastle == NEWCASTLE_PLOTTED
    ri = next(r for r in rows if r["Outcome"] == "Reliable improvement")
    assert ri["definition"].startswith(RI.definition.rstrip("."))
    assert ri["definitions_version"] == "2"  # indicators.md v2

    name, data = download(page, "xlsx")
    assert name.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(data))
    table = list(wb["Table_1"].iter_rows(min_row=5, values_only=True))
    header = list(table[0])
    got = {
        r[header.index("Outcome")]: r[header.index("Value (%)")]
        for r in table[1:]
        if r[header.index("Area")] == "Newcastle upon Tyne"
    }
    assert got == NEWCASTLE_PLOTTED
    defined = [r[0] for r in wb["Definitions"].iter_rows(min_row=4, values_only=True)]
    assert RI.id in defined and "outcome.csi4.recovery" in defined

    name, data = download(page, "png")
    assert data.startswith(b"\x89PNG")
    chunks = read_png_text(data)
    assert CHANGE_TITLE in chunks["Title"]
    assert RI.definition.rstrip(".") in chunks["Description"]
    assert chunks["Copyright"] == "© Crown copyright"
    png_rows = [
        r for r in csv.DictReader(io.StringIO(chunks["Data"])) if r["Area"] == "Newcastle upon Tyne"
    ]
    assert {r["Outcome"]: float(r["Value (%)"]) for r in png_rows} == NEWCASTLE_PLOTTED

    name, data = download(page, "svg")
    root = ET.fromstring(data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert CHANGE_TITLE in root.find("s:title", ns).text
    assert RI.definition.rstrip(".") in root.find("s:desc", ns).text
    assert "Newcastle upon Tyne" in data.decode("utf-8")
    assert "© Crown copyright" in data.decode("utf-8")
