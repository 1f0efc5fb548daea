"""The area profile in headless Chromium: an LA lead compares her area with two others (typed
into the area picker) and shares the link; similar areas by a quick pick, shown in the spine;
keyboard access to every control and download; axe-core scans, before and after choosing; a bad
code.

One page for the module (page loads are the slow part), on the small database of
tests/test_area_profile.py (``support.page_dbs.build_area_db``). Set ``LFO_UPDATE_SCREENSHOTS=1``
to write docs/screenshots/area.png and the page after choosing areas at three widths
(docs/screenshots/after-pick/).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_violations, describe
from support.browser import ROOT, serving, wait_for_dash
from support.page_dbs import BLACKPOOL, GATESHEAD, MANCHESTER, REFERENCE, build_area_db

from dashboard import ids

TREND_TABLE = f"#{ids.chart(ids.AREA_TREND_CHART, 'table')} table"
SPINE_TABLE = f"#{ids.chart(ids.AREA_SPINE_CHART, 'table')} table"


def picker(part: str) -> str:
    """The ID of a part of the profile's area picker (the shared one)."""
    return ids.topic_part(ids.AREA_PICKER, part)


CHOSEN = picker("chosen")
SPINE_SUMMARY = f"#{ids.chart(ids.AREA_SPINE_CHART, 'summary')}"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    url = build_area_db(tmp_path_factory.mktemp("area-browser") / "lfo.db")
    with serving(create_app(DashboardSettings(database_url=url))) as base:
        yield base


@pytest.fixture(scope="module")
def browser_context(browser: Browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(20_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture(scope="module")
def profile(browser_context, base_url: str) -> Page:
    page = browser_context.new_page()
    page.goto(f"{base_url}/area/{BLACKPOOL}")
    wait_for_profile(page)
    open_twin(page, ids.AREA_TREND_CHART)  # the reader reads the trend's table (``view_of``)
    return page


def open_twin(page: Page, chart_id: str) -> None:
    """Open a card's "Show the data in a table" and wait for its table (built when opened)."""
    page.click(f"#{ids.chart(chart_id, 'table-summary')}")
    page.wait_for_selector(f"#{ids.chart(chart_id, 'table')} table")


def wait_for_profile(page: Page) -> None:
    wait_for_dash(page)
    page.wait_for_function(
        "sel => (document.querySelector(sel)?.textContent || '').startsWith('Of ')",
        arg=SPINE_SUMMARY,
    )
    page.wait_for_selector(f"#{CHOSEN} li", state="attached")  # the picker's list, drawn
    wait_for_dash(page)


def ticked(page: Page) -> list[str]:
    """The codes of the areas chosen in the picker (its Remove buttons' ids), in its order."""
    return page.eval_on_selector_all(
        f"#{CHOSEN} button", "els => els.map(e => JSON.parse(e.id).code)"
    )


def add_area(page: Page, name: str) -> None:
    """Type part of an area's name in the picker, as a reader would, then its whole name (the
    suggestion chosen) and Enter."""
    box = page.locator(f"#{picker('area-search')}")
    box.click()
    page.keyboard.type(name[:4])
    box.fill(name)
    box.press("Enter")
    page.locator(f"#{CHOSEN}").get_by_role("button", name=f"Remove {name}").wait_for()
    wait_for_dash(page)


def view_of(page: Page) -> dict:
    """What a reader sees: boxes ticked, indicator, period, the trend chart's data and names."""
    return {
        "ticked": sorted(ticked(page)),
        "indicator": page.eval_on_selector(f"#{ids.AREA_INDICATOR} input:checked", "e => e.value"),
        "period": page.eval_on_selector(f"#{ids.AREA_PERIOD}", "e => e.value"),
        "trend_table": page.inner_text(TREND_TABLE),
        "trend_title": page.inner_text(f"#{ids.chart(ids.AREA_TREND_CHART, 'heading')}"),
        "spine": page.inner_text(SPINE_SUMMARY),
    }


def test_area_profile_has_no_axe_violations_and_one_h1(profile: Page):
    for chart_id in (ids.AREA_SPINE_CHART, ids.AREA_FUNNEL_CHART, ids.AREA_REACH_CHART):
        open_twin(profile, chart_id)  # the twins' tables are checked too
    violations = axe_violations(profile)
    if os.environ.get("LFO_UPDATE_SCREENSHOTS"):
        profile.screenshot(path=str(ROOT / "docs" / "screenshots" / "area.png"), full_page=True)
    assert violations == [], describe(violations)
    assert profile.locator("h1").count() == 1
    assert profile.inner_text("h1") == "Blackpool: area profile"


def test_la_lead_compares_with_two_areas_and_the_shared_link_reopens_the_view(
    profile: Page, browser_context, base_url: str
):
    page = profile
    add_area(page, "Gateshead")
    page.wait_for_url(f"**compare={GATESHEAD}*")
    add_area(page, "Manchester")
    page.wait_for_url(f"**compare={GATESHEAD},{MANCHESTER}*")
    page.get_by_label("Offers taken up", exact=True).check()
    page.wait_for_url("**indicator=uptake.start*")
    page.select_option(f"#{ids.AREA_PERIOD}", "2018-19_Q2")
    page.wait_for_url("**period=2018-19_Q2*")
    page.wait_for_function(
        "sel => document.querySelector(sel)?.textContent.includes('Offers taken up')",
        arg=f"#{ids.chart(ids.AREA_TREND_CHART, 'heading')}",
    )
    wait_for_dash(page)
    for name in ("Gateshead", "Manchester"):
        page.wait_for_function(
            "([sel, n]) => document.querySelector(sel)?.textContent.includes(n)",
            arg=[TREND_TABLE, name],
        )
    page.wait_for_function(  # the spine redraws for the chosen period before we read the view
        "sel => (document.querySelector(sel)?.textContent || '').includes('2018-19 Q2')",
        arg=SPINE_SUMMARY,
    )
    shared = page.evaluate("() => location.href")
    assert shared == (
        f"{base_url}/area/{BLACKPOOL}?compare={GATESHEAD},{MANCHESTER}"
        "&period=2018-19_Q2&indicator=uptake.start"
    )
    # the trend's twin was opened before the choices changed: its table followed each of them
    before = view_of(page)
    assert before["ticked"] == sorted([GATESHEAD, MANCHESTER])
    assert "Offers taken up" in before["trend_table"]

    other = browser_context.new_page()
    try:
        other.goto(shared)
        wait_for_profile(other)
        # the twins come folded and without their tables, which are built when opened
        assert other.locator(f"#{ids.chart(ids.AREA_TREND_CHART, 'table')} table").count() == 0
        assert other.locator("details.chart-table-twin table").count() == 0
        busy = other.locator(f"#{ids.chart(ids.AREA_TREND_CHART, 'table')} [aria-busy='true']")
        assert busy.text_content() == "Loading the table…"
        open_twin(other, ids.AREA_TREND_CHART)
        other.wait_for_function(
            "sel => document.querySelector(sel)?.textContent.includes('Manchester')",
            arg=TREND_TABLE,
        )
        assert view_of(other) == before
    finally:
        other.close()


def test_back_returns_to_the_previous_comparison(profile: Page):
    page = profile
    for _ in range(3):  # the period, the indicator, then Manchester
        page.go_back()
    page.wait_for_url(f"**/area/{BLACKPOOL}?compare={GATESHEAD}")
    page.wait_for_function(
        "sel => document.querySelectorAll(sel).length === 1", arg=f"#{CHOSEN} button"
    )
    assert ticked(page) == [GATESHEAD]
    assert (
        page.eval_on_selector(f"#{ids.AREA_INDICATOR} input:checked", "e => e.value")
        == "uptake.completion"
    )


def test_keyboard_reaches_every_control_and_download(profile: Page):
    page = profile
    page.goto(page.url)
    wait_for_profile(page)
    page.focus(f"#{ids.SKIP_LINK}")
    seen: set[str] = set()
    for _ in range(140):
        page.keyboard.press("Tab")
        seen.add(
            page.evaluate(
                "() => { const e = document.activeElement; return e.id || "
                "(e.closest('button[id]') || {}).id || e.tagName; }"
            )
        )
    wanted = {
        ids.AREA_SWITCH,
        ids.AREA_SWITCH_GO,
        ids.AREA_PERIOD,
        *(
            picker(p)
            for p in (
                "area-search",
                "area-add",
                "quick-neighbours",
                "quick-worse",
                "quick-none",
                "region",
                "quick-region",
            )
        ),
    }
    assert wanted <= seen, wanted - seen
    buttons = page.eval_on_selector_all(
        "button.chart-download", "els => els.filter(e => e.offsetParent).map(e => e.id)"
    )
    assert len(buttons) >= 12  # every card with figures (an empty card shows no downloads)
    assert set(buttons) <= seen, set(buttons) - seen
    radios = page.eval_on_selector_all(
        f"#{ids.AREA_INDICATOR} input:checked, #{ids.AREA_BREAKDOWN} input:checked",
        "els => els.map(e => e.id)",
    )
    assert set(radios) <= seen


def test_unknown_area_shows_a_message_and_links_to_every_area(browser_context, base_url: str):
    page = browser_context.new_page()
    try:
        page.goto(f"{base_url}/area/E99999999")
        wait_for_dash(page)
        page.wait_for_selector(f"#{ids.AREA_NOT_FOUND} a")
        assert page.inner_text("h1") == "Area not found"
        hrefs = page.eval_on_selector_all(
            f"#{ids.AREA_NOT_FOUND} a[href^='/area/']",
            "els => els.map(e => e.getAttribute('href'))",
        )
        assert sorted(hrefs) == sorted(f"/area/{c}" for c in REFERENCE)
        assert axe_violations(page) == []
    finally:
        page.close()


def test_switching_area_opens_its_profile_with_the_same_choices(profile: Page):
    page = profile
    page.goto(page.url.split("?")[0] + f"?compare={MANCHESTER}&indicator=uptake.start")
    wait_for_profile(page)
    page.select_option(f"#{ids.AREA_SWITCH}", GATESHEAD)
    page.click(f"#{ids.AREA_SWITCH_GO}")
    page.wait_for_url(f"**/area/{GATESHEAD}?compare={MANCHESTER}&indicator=uptake.start")
    page.wait_for_function(
        "() => document.querySelector('h1')?.textContent === 'Gateshead: area profile'"
    )
    page.locator(f"#{CHOSEN}").get_by_role("button", name="Remove Manchester").wait_for()
    assert ticked(page) == [MANCHESTER]
    page.wait_for_function("() => document.title.startsWith('Gateshead: area profile – ')")


def test_the_trend_step_is_kept_in_the_address_across_a_reload(profile: Page, base_url: str):
    page = profile
    page.goto(f"{base_url}/area/{BLACKPOOL}")
    wait_for_profile(page)
    page.get_by_label("Financial years", exact=True).check()
    page.wait_for_url("**trend=annual*")
    page.reload()
    wait_for_profile(page)
    assert page.get_by_label("Financial years", exact=True).is_checked()
    page.wait_for_function(
        "sel => (document.querySelector(sel)?.textContent || '').includes('by financial year')",
        arg=f"#{ids.chart(ids.AREA_TREND_CHART, 'heading')}",
    )


#: Blackpool's five statistical neighbours, nearest first (worked out by hand in
#: tests/test_benchmarks.py): Blackburn with Darwen, Gateshead, Newcastle, Luton, Lambeth.
NEIGHBOURS = ["E06000008", GATESHEAD, "E08000021", "E06000032", "E09000022"]
#: The three widths the area page is looked at after choosing (issue 11: desktop, tablet, phone).
WIDTHS = {"desktop": (1366, 768), "tablet": (768, 1024), "phone": (390, 844)}


def test_similar_areas_by_a_quick_pick_and_a_typed_one_are_shown_in_the_spine(
    browser: Browser, base_url: str, tmp_path
):
    """The Croydon-lead journey on Blackpool: similar areas (the statistical neighbours) by the
    quick pick, one more typed; the spine's table gives each its own column, the address keeps
    them, and axe finds nothing with the areas chosen, at each of the three widths."""
    for width_name, (width, height) in WIDTHS.items():
        context = browser.new_context(viewport={"width": width, "height": height}, locale="en-GB")
        context.set_default_timeout(20_000)
        try:
            page = context.new_page()
            page.goto(f"{base_url}/area/{BLACKPOOL}")
            wait_for_profile(page)
            page.get_by_role("button", name="Similar areas (statistical neighbours)").click()
            page.wait_for_function(
                "([sel, n]) => document.querySelectorAll(sel).length === n",
                arg=[f"#{CHOSEN} button", len(NEIGHBOURS)],
            )
            assert ticked(page) == NEIGHBOURS
            status = page.locator(f"#{picker('area-status')}").inner_text()
            assert status == "Added areas similar to Blackpool."
            add_area(page, "Manchester")
            assert ticked(page) == [*NEIGHBOURS, MANCHESTER]
            page.wait_for_function(
                "() => (new URLSearchParams(location.search).get('compare') || '')"
                ".split(',').length === 6"
            )
            shown = sorted(
                page.evaluate(
                    "() => new URLSearchParams(location.search).get('compare').split(',')"
                )
            )
            assert shown == sorted([*NEIGHBOURS, MANCHESTER])
            wait_for_dash(page)
            open_twin(page, ids.AREA_SPINE_CHART)
            names = [REFERENCE[c]["name"] for c in [*NEIGHBOURS, MANCHESTER]]
            page.wait_for_function(
                "([sel, n]) => n.every(x => document.querySelector(sel)?.textContent.includes(x))",
                arg=[SPINE_TABLE, names],
            )
            if width_name == "phone":
                phone_spine_shows_the_chosen_areas(page, names)
            if width_name == "desktop":
                twin_scrolls_in_its_box(page)
            assert page.evaluate(NO_SIDEWAYS_SCROLL), width_name
            violations = axe_violations(page)
            shot = tmp_path / f"area-{width_name}-after-pick.png"
            page.screenshot(path=str(shot), full_page=True)
            if os.environ.get("LFO_UPDATE_SCREENSHOTS"):
                folder = ROOT / "docs" / "screenshots" / "after-pick"
                folder.mkdir(exist_ok=True)
                page.screenshot(path=str(folder / shot.name), full_page=True)
            assert violations == [], (width_name, describe(violations))
        finally:
            context.close()


#: True when nothing makes the page scroll sideways.
NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"

#: Each phone-table heading's line breaks that fall inside a word: the two characters either
#: side of each break, where the left one is neither a space nor a soft hyphen.
BREAKS_INSIDE_WORDS = """() => {
  const bad = [];
  for (const th of document.querySelectorAll('.lfo-spine-table thead th')) {
    const walker = document.createTreeWalker(th, NodeFilter.SHOW_TEXT);
    let prev = null;  // [character, its line's top]
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = [...range.getClientRects()].find(r => r.width > 0);
        if (!rect) continue;  // (a space or soft hyphen where the line breaks)
        const ch = node.data[i];
        if (prev && rect.top > prev[1] + 2 && !/[\\s\\u00ad-]/.test(prev[0])
            && !/\\s/.test(node.data[i - 1] || ' ')) bad.push(prev[0] + '|' + ch);
        prev = [ch, rect.top];
      }
    }
  }
  return bad;
}"""


def phone_spine_shows_the_chosen_areas(page: Page, names: list[str]) -> None:
    """At 390 px: the phone table (the spine in place of the chart) gives, under each indicator,
    every chosen area's figure (or its [c] / [x] / [z]); its headings break only at spaces and
    never by word-break: break-all; the table fits the page."""
    table = page.locator(".lfo-spine-table table")
    table.wait_for()
    lines = page.eval_on_selector_all(
        ".lfo-spine-table tr.lfo-spine-table__chosen",
        "trs => trs.map(tr => [...tr.querySelectorAll('li')].map(li => li.innerText))",
    )
    indicators = page.locator(".lfo-spine-table tbody th[scope=row]").count()
    assert indicators and len(lines) == indicators
    for line in lines:
        assert sorted(item.rsplit("\u00a0", 1)[0] for item in line) == sorted(names)
        assert all(item.rsplit("\u00a0", 1)[1] for item in line)  # a figure or a symbol
    styles = page.eval_on_selector_all(
        ".lfo-spine-table thead th", "ths => ths.map(t => getComputedStyle(t).wordBreak)"
    )
    assert styles and "break-all" not in styles
    assert page.evaluate(BREAKS_INSIDE_WORDS) == []
    slot = page.locator(".lfo-spine-table").bounding_box()
    box = table.bounding_box()
    assert slot and box and box["x"] + box["width"] <= slot["x"] + slot["width"] + 0.5


def twin_scrolls_in_its_box(page: Page) -> None:
    """At 1366 px with six areas chosen: the spine's data table is wider than the page, so it
    scrolls in its own box (focusable, named, a region), whose edge is within the page; its
    caption is shown above the table, within the box; every column is reached by scrolling."""
    box_id = ids.chart(ids.AREA_SPINE_CHART, "table")
    found = page.evaluate(
        """id => {
          const box = document.getElementById(id);
          const edge = box.getBoundingClientRect().right;
          const cap = box.querySelector('.chart-table-caption').getBoundingClientRect();
          box.scrollLeft = box.scrollWidth;
          const cells = [...box.querySelectorAll('thead th')].map(th => th.getBoundingClientRect());
          const last = cells[cells.length - 1];
          return {
            overflowX: getComputedStyle(box).overflowX, role: box.getAttribute('role'),
            label: box.getAttribute('aria-label'), tabindex: box.getAttribute('tabindex'),
            edge, inner: innerWidth, scrolls: box.scrollWidth > box.clientWidth,
            caption: cap.right <= edge + 0.5, last: last.right <= edge + 0.5,
          };
        }""",
        box_id,
    )
    assert found["overflowX"] in ("auto", "scroll") and found["role"] == "region"
    assert found["label"] and found["tabindex"] == "0"
    assert found["edge"] <= found["inner"]
    assert found["caption"] and found["last"]  # the caption whole; the last column reached
    page.evaluate("id => { document.getElementById(id).scrollLeft = 0; }", box_id)
    page.focus(f"#{box_id}")  # (a keyboard user reaches the box to scroll it)
    assert page.evaluate("id => document.activeElement?.id === id", box_id)
