"""A chart card in headless Chromium: axe-clean, its table twin, every download button clicked
(PNG, SVG, CSV, Excel hold the plotted numbers and the metadata), and reached by keyboard alone.

One page load for the module: the card lives on a test page added to the app's pages.
"""

from __future__ import annotations

import csv
import io
import os
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page
from support.axe import axe_results, describe
from support.browser import serving, wait_for_dash
from support.chart_page import CHART, CHART_TEST_PAGE, TEST_PATH, TITLE

from dashboard import ids
from dashboard.app import PAGES, create_app
from dashboard.charts.exports import read_png_text
from dashboard.settings import DashboardSettings

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "docs" / "screenshots" / "chart-card.png"
DEFINITION = "Of episodes that ended in the period (completed or dropped out, by end date)"
PLOTTED = {"Blackpool": 41.0, "Luton": 52.5, "Essex": 72.25}
LABELS = {"png": "PNG", "svg": "SVG", "csv": "CSV", "xlsx": "Excel"}


@pytest.fixture(scope="module")
def server(browser_db_url: str) -> Iterator[str]:
    app = create_app(
        DashboardSettings(database_url=browser_db_url), pages=(*PAGES, CHART_TEST_PAGE)
    )
    with serving(app) as url:
        yield url


@pytest.fixture(scope="module")
def card_page(browser, server) -> Iterator[Page]:
    context = browser.new_context(
        viewport={"width": 1280, "height": 900}, locale="en-GB", accept_downloads=True
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto(f"{server}{TEST_PATH}")
    wait_for_dash(page)
    page.wait_for_function(
        f"() => document.getElementById('{ids.chart(CHART, 'summary')}').textContent.length > 0"
    )
    try:
        yield page
    finally:
        context.close()


def button(page: Page, fmt: str):
    return page.get_by_role("button", name=f"Download {TITLE} as {LABELS[fmt]}", exact=True)


def download(page: Page, fmt: str, *, keyboard: bool = False) -> tuple[str, bytes]:
    with page.expect_download(timeout=60_000) as info:
        if keyboard:
            button(page, fmt).focus()
            page.keyboard.press("Enter")
        else:
            button(page, fmt).click()
    d = info.value
    return d.suggested_filename, Path(d.path()).read_bytes()


def test_card_page_has_no_wcag_violations(card_page):
    # open every folded part (About this indicator, the table twin) so that axe checks them too
    summaries = card_page.locator(f"#{ids.chart(CHART, 'section')} details > summary")
    assert summaries.count() == 2
    for i in range(summaries.count()):
        if summaries.nth(i).evaluate("s => !s.parentElement.open"):
            summaries.nth(i).click()
    results = axe_results(card_page)
    assert len(results["passes"]) > 10, "axe-core did not run its WCAG rules"
    assert results["violations"] == [], describe(results["violations"])
    if os.environ.get("LFO_UPDATE_SCREENSHOTS"):  # only on request: tests leave docs alone
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        card_page.locator(f"#{ids.chart(CHART, 'section')}").screenshot(path=str(SCREENSHOT))


def test_table_twin_shows_the_plotted_numbers_and_c(card_page):
    table = card_page.locator(f"#{ids.chart(CHART, 'table')} table")
    assert "Completion by area, 2018-19 Q4" in table.locator("caption").inner_text()
    text = table.inner_text()
    for area in PLOTTED:
        assert area in text
    assert "72%" in text and "[c]" in text


def test_png_download_holds_the_numbers_and_metadata(card_page):
    name, data = download(card_page, "png")
    assert name == "lfo-test-chart-2019-04-15.png"
    assert data.startswith(b"\x89PNG")
    chunks = read_png_text(data)
    assert chunks["Title"] == "Completion by area, 2018-19 Q4"
    assert DEFINITION in chunks["Description"]
    rows = {r["Area"]: r for r in csv.DictReader(io.StringIO(chunks["Data"]))}
    assert {a: float(rows[a]["Value (%)"]) for a in PLOTTED} == PLOTTED
    assert chunks["Copyright"] == "© Crown copyright"


def test_svg_download_holds_the_numbers_and_metadata(card_page):
    name, data = download(card_page, "svg")
    assert name.endswith(".svg")
    root = ET.fromstring(data)
    ns = {"s": "http://www.w3.org/2000/svg"}
    assert root.find("s:title", ns).text == "Completion by area, 2018-19 Q4"
    assert DEFINITION in root.find("s:desc", ns).text
    text = data.decode("utf-8")
    assert "Essex,2018-19 Q4,72.25" in text
    assert "© Crown copyright" in text


def test_csv_download_holds_the_numbers_and_metadata(card_page):
    name, data = download(card_page, "csv")
    assert name == "lfo-test-chart-2019-04-15.csv"
    rows = {r["Area"]: r for r in csv.DictReader(io.StringIO(data.decode("utf-8-sig")))}
    assert {a: float(rows[a]["Value (%)"]) for a in PLOTTED} == PLOTTED
    assert rows["Westminster"]["status"] == "c"
    assert rows["Blackpool"]["definition"].startswith(DEFINITION)
    assert rows["Blackpool"]["definitions_version"] == "2"  # indicators.md v2


def test_excel_download_holds_the_numbers_and_metadata(card_page):
    name, data = download(card_page, "xlsx")
    assert name.endswith(".xlsx")
    wb = load_workbook(io.BytesIO(data))
    table = list(wb["Table_1"].iter_rows(min_row=5, values_only=True))
    header = list(table[0])
    values = {r[0]: r[header.index("Value (%)")] for r in table[1:]}
    assert {a: values[a] for a in PLOTTED} == PLOTTED
    assert values["Westminster"] == "[c]"
    definitions = list(wb["Definitions"].iter_rows(min_row=4, values_only=True))
    assert definitions[0][0] == "uptake.completion"


def test_keyboard_reaches_every_download_button_and_downloads_with_enter(card_page):
    page = card_page
    page.goto(page.url)
    wait_for_dash(page)
    page.wait_for_function(
        f"() => document.getElementById('{ids.chart(CHART, 'summary')}').textContent.length > 0"
    )
    wanted = {f"Download {TITLE} as {label}" for label in LABELS.values()}
    seen: set[str] = set()
    summary_reached = False
    for _ in range(150):
        page.keyboard.press("Tab")
        name = page.evaluate(
            "() => { const e = document.activeElement;"
            " return e ? (e.tagName + '|' + (e.textContent || '').trim()) : '' }"
        )
        tag, _, label = name.partition("|")
        if tag == "BUTTON" and label in wanted:
            seen.add(label)
        if tag == "SUMMARY" and label == "Show the data in a table":
            summary_reached = True
        if seen == wanted:
            break
    assert seen == wanted
    assert summary_reached
    # the focused button (Excel, last of the row) downloads with Enter; CSV too
    name, _ = download(page, "csv", keyboard=True)
    assert name.endswith(".csv")
    focus = page.evaluate(
        "() => getComputedStyle(document.activeElement).outlineStyle + '|'"
        " + getComputedStyle(document.activeElement).boxShadow"
    )
    assert focus != "none|none", "a focused download button must show where focus is"


def test_about_this_indicator_opens_from_the_keyboard_and_links_to_the_definition(card_page):
    about = card_page.locator(f"#{ids.chart(CHART, 'about')} details")
    summary = about.locator("summary")
    assert summary.inner_text() == "About this indicator"
    if about.evaluate("d => d.open"):  # the axe test may have opened it
        summary.click()
    assert not about.evaluate("d => d.open")
    summary.focus()
    card_page.keyboard.press("Enter")
    assert about.evaluate("d => d.open")
    # the body is made on the server when the panel is first opened
    card_page.wait_for_function(
        "el => !el.innerText.includes('Loading the definitions')", arg=about.element_handle()
    )
    text = about.inner_text()
    assert DEFINITION in text and "[c]" in text and "[x]" in text and "[z]" in text
    link = about.get_by_role("link", name="Full definition of Completion (definitions page)")
    assert link.get_attribute("href") == "/definitions#uptake.completion"
    link.click()
    card_page.wait_for_url("**/definitions#uptake.completion")
    wait_for_dash(card_page)
    target = card_page.locator("[id='uptake.completion']")
    target.wait_for()
    assert target.locator("h3").inner_text() == "Completion"
    card_page.goto(f"{card_page.url.split('/definitions')[0]}{TEST_PATH}")  # as it was
    wait_for_dash(card_page)
