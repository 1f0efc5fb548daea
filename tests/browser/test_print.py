"""Printing (issue 14 § 5): the area profile and Home under print media at A4's width, as
Chromium lays them out to print: no navigation, header, skip link, controls or buttons, no chart
wider than the page; the profile's "Download PDF for print" link carries the page's choices and
opens a PDF; and Chromium's print of each page is A4."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from pypdf import PdfReader
from support.browser import serving, wait_for_dash
from support.page_dbs import BLACKPOOL, build_area_db

from dashboard import ids

A4_WIDTH_PX = 794  # 210 mm at 96 px to the inch
HIDDEN = (f"#{ids.NAV}", f"#{ids.HEADER}", f"#{ids.SKIP_LINK}", "button", "select", ".lfo-controls")


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    url = build_area_db(tmp_path_factory.mktemp("print-browser") / "lfo.db")
    with serving(create_app(DashboardSettings(database_url=url))) as base:
        yield base


@pytest.fixture(scope="module")
def printing(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)
    try:
        yield context.new_page()
    finally:
        context.close()


def as_printed(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_dash(page)
    page.wait_for_selector(".js-plotly-plot .main-svg")
    page.emulate_media(media="print")
    page.set_viewport_size({"width": A4_WIDTH_PX - 2 * 53, "height": 1000})  # less 14 mm margins
    page.wait_for_timeout(300)  # plotly's responsive redraw after the resize


def shown(page: Page, selector: str) -> list[str]:
    """The elements matching ``selector`` that take up room on the page."""
    return page.eval_on_selector_all(
        selector,
        "els => els.filter(e => e.getClientRects().length && getComputedStyle(e).display !== 'none'"
        " && getComputedStyle(e).visibility !== 'hidden').map(e => e.outerHTML.slice(0, 80))",
    )


@pytest.mark.parametrize("path", [f"/area/{BLACKPOOL}", "/"])
def test_a_page_prints_without_navigation_controls_or_wide_charts(printing, base_url, path):
    as_printed(printing, f"{base_url}{path}")
    for selector in HIDDEN:
        assert not shown(printing, selector), f"{selector} shows in print on {path}"
    width = printing.evaluate("document.documentElement.clientWidth")
    widths = printing.eval_on_selector_all(
        ".js-plotly-plot", "els => els.map(e => e.getBoundingClientRect().right)"
    )
    assert widths, f"no chart on {path}"
    assert max(widths) <= width + 1, f"a chart is wider than the page on {path}: {widths} > {width}"
    colour = printing.evaluate("getComputedStyle(document.body).backgroundColor")
    assert colour in ("rgb(255, 255, 255)", "rgba(0, 0, 0, 0)")
    pdf = PdfReader(io.BytesIO(printing.pdf(format="A4")))
    page = pdf.pages[0]
    size = (float(page.mediabox.width), float(page.mediabox.height))
    assert size == pytest.approx((595.28, 841.89), abs=1.5)  # A4 in points
    assert "Skip to main content" not in pdf.pages[0].extract_text()
    printing.emulate_media(media="screen")
    printing.set_viewport_size({"width": 1280, "height": 900})


def test_the_profile_links_to_its_pdf_with_the_page_s_choices(printing, base_url):
    printing.emulate_media(media="screen")
    printing.goto(f"{base_url}/area/{BLACKPOOL}?ci=99.8&benchmark=region")
    wait_for_dash(printing)
    link = printing.locator(f"#{ids.AREA_PDF_LINK}")
    href = link.get_attribute("href")
    assert href is not None and href.startswith(f"/area/{BLACKPOOL}/profile.pdf?")
    assert "ci=99.8" in href and "benchmark=region" in href
    answer = printing.request.get(f"{base_url}{href}")
    assert answer.status == 200
    assert answer.headers["content-type"] == "application/pdf"
