"""The overview grid with more areas than it draws at first (issue 11 § 12), in headless Chromium
on a database of 60 areas (``support.page_dbs.build_many_areas_db``): the first 50 in the order
chosen, a line saying so, a button that shows all 60 and back, kept in the address; keyboard focus
comes back to the button after the page is loaded again with or without ``rows=all``, and a polite
live region says what changed; axe finds nothing either way.

Set ``LFO_UPDATE_SCREENSHOTS=1`` to write docs/screenshots/home-rows-{desktop,tablet,phone}.png
(the grid's controls at the top of the screen) and home-rows-desktop-all.png (after "Show all").
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_violations, describe
from support.browser import ROOT, new_page, serving_db, wait_for_dash
from support.page_dbs import MANY_AREAS, build_many_areas_db

from dashboard import ids
from dashboard.present.overview_rows import PAGE_SIZE

AREA_ROWS = f"#{ids.HOME_GRID} tbody tr th a"  # the programme's row has no link
BUTTON = f"#{ids.HOME_ROWS_BUTTON}"
LINE = f"#{ids.HOME_ROWS_LINE}"
WIDTHS = {"desktop": (1366, 768), "tablet": (768, 1024), "phone": (390, 844)}


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_db(build_many_areas_db(tmp_path_factory.mktemp("many-areas") / "lfo.db")) as base:
        yield base


@pytest.fixture
def home(browser: Browser, base_url: str) -> Iterator[Page]:
    with new_page(browser, {"width": 1280, "height": 900}) as page:
        yield page


def open_home(page: Page, url: str) -> None:
    page.goto(url)
    wait_for_dash(page)
    page.wait_for_selector(AREA_ROWS)


def area_rows(page: Page, n: int) -> None:
    """Wait until the grid draws ``n`` areas."""
    page.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length === n", arg=[AREA_ROWS, n]
    )


def test_the_grid_draws_the_first_50_and_a_button_shows_all_and_back(home: Page, base_url: str):
    open_home(home, f"{base_url}/?period=2018-19_Q1&sort=uptake.completion&order=high")
    area_rows(home, PAGE_SIZE)
    line = home.locator(LINE)
    assert line.inner_text().startswith(f"Showing {PAGE_SIZE} of {MANY_AREAS} areas")
    assert line.get_attribute("role") == "status" and line.get_attribute("aria-live") == "polite"
    button = home.locator(BUTTON)
    assert button.is_visible() and button.inner_text() == f"Show all {MANY_AREAS} areas"
    first = home.locator(AREA_ROWS).first.inner_text()
    assert axe_violations(home) == [], describe(axe_violations(home))

    # by keyboard: focus the button and press Enter
    button.focus()
    home.keyboard.press("Enter")
    home.wait_for_url("**rows=all**")
    area_rows(home, MANY_AREAS)
    home.wait_for_function(
        "([sel, text]) => document.querySelector(sel).textContent === text",
        arg=[BUTTON, f"Show the first {PAGE_SIZE}"],
    )
    assert home.evaluate("() => document.activeElement.id") == ids.HOME_ROWS_BUTTON
    assert line.inner_text().startswith(f"Showing all {MANY_AREAS} areas")
    assert home.locator(AREA_ROWS).first.inner_text() == first  # the same order, all of it
    violations = axe_violations(home)
    assert violations == [], describe(violations)

    home.keyboard.press("Enter")  # back to the first 50, focus still on the button
    area_rows(home, PAGE_SIZE)
    home.wait_for_function("sel => !new URL(location.href).searchParams.has('rows')", arg="body")
    assert home.evaluate("() => document.activeElement.id") == ids.HOME_ROWS_BUTTON
    assert button.inner_text() == f"Show all {MANY_AREAS} areas"


def test_back_after_show_all_returns_to_the_first_50_and_forward_to_all(home: Page, base_url: str):
    # "Show all" loads the address with rows=all as a new page: the browser's Back button is
    # how a reader undoes it, and must give the first 50 again (and Forward all of them)
    open_home(home, f"{base_url}/?period=2018-19_Q1&sort=uptake.completion&order=high")
    area_rows(home, PAGE_SIZE)
    first = home.locator(AREA_ROWS).all_inner_texts()
    home.locator(BUTTON).click()
    home.wait_for_url("**rows=all**")
    area_rows(home, MANY_AREAS)

    home.go_back()
    home.wait_for_function("() => !new URL(location.href).searchParams.has('rows')")
    wait_for_dash(home)
    area_rows(home, PAGE_SIZE)
    assert home.locator(AREA_ROWS).all_inner_texts() == first  # the same 50, in the same order
    assert home.locator(BUTTON).inner_text() == f"Show all {MANY_AREAS} areas"
    assert home.locator(LINE).inner_text().startswith(f"Showing {PAGE_SIZE} of {MANY_AREAS}")
    assert "sort=uptake.completion" in home.url and "order=high" in home.url

    home.go_forward()
    home.wait_for_url("**rows=all**")
    wait_for_dash(home)
    area_rows(home, MANY_AREAS)
    assert home.locator(BUTTON).inner_text() == f"Show the first {PAGE_SIZE}"


def test_the_count_row_counts_every_area_and_says_so(home: Page, base_url: str):
    open_home(home, f"{base_url}/?period=2018-19_Q1")
    counts = home.locator(f"#{ids.HOME_GRID} tr.lfo-counts th").inner_text()
    assert counts == f"Number of areas, all {MANY_AREAS} (95%)"
    # every area has a completion figure: its column counts all 60
    cells = home.locator(f"#{ids.HOME_GRID} tr.lfo-counts td").all_inner_texts()
    totals = [sum(int(w) for w in cell.split() if w.isdigit()) for cell in cells]
    assert MANY_AREAS in totals


def test_a_shared_link_with_rows_all_draws_every_area(home: Page, base_url: str):
    open_home(home, f"{base_url}/?rows=all&sort=uptake.completion")
    area_rows(home, MANY_AREAS)
    assert home.locator(BUTTON).inner_text() == f"Show the first {PAGE_SIZE}"


def test_screenshots_with_the_button(browser: Browser, base_url: str, tmp_path):
    for name, (width, height) in WIDTHS.items():
        context = browser.new_context(
            viewport={"width": width, "height": height}, locale="en-GB", reduced_motion="reduce"
        )
        context.set_default_timeout(30_000)
        page = context.new_page()
        try:
            open_home(page, f"{base_url}/?period=2018-19_Q1&sort=uptake.completion")
            area_rows(page, PAGE_SIZE)
            assert page.locator(BUTTON).is_visible()
            box = page.locator(BUTTON).bounding_box()
            assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= width
            # the grid's controls at the top of the screen: the sort, the line and the button
            page.evaluate(
                "sel => document.querySelector(sel).closest('.row').scrollIntoView({behavior: 'instant'})",
                f"#{ids.HOME_SORT}",
            )
            shots = [tmp_path / f"home-rows-{name}.png"]
            if os.environ.get("LFO_UPDATE_SCREENSHOTS"):
                shots.append(ROOT / "docs" / "screenshots" / f"home-rows-{name}.png")
            for shot in shots:
                page.screenshot(path=str(shot))
            if name == "desktop":  # after "Show all", by keyboard: the focus ring on the button
                page.locator(BUTTON).focus()
                page.keyboard.press("Enter")
                area_rows(page, MANY_AREAS)
                for shot in shots:
                    page.screenshot(path=str(shot.with_name("home-rows-desktop-all.png")))
        finally:
            context.close()
