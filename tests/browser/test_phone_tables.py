"""Tables in people's hands (issue 11 § 2), at 390×844 in headless Chromium, on the small
database of the area profile's browser tests (``support.page_dbs.build_area_db``):

- every table cell (the area profile's phone spine with six areas chosen, Home's grid, the
  topic pages' tables, every "Show the data in a table" opened) breaks its words only at spaces,
  never inside a word ("Workless household s"), and the page never scrolls sideways;
- a table that scrolls sideways in its box (Home's returns loaded) is focusable and named, and
  its caption stays whole in view;
- the areas chosen in the area profile's picker keep the order chosen in the address, after a
  reload, and in the phone spine's lines; the server still drops codes it does not know.

Set ``LFO_UPDATE_SCREENSHOTS=1`` to write docs/screenshots/after-pick/area-phone-reloaded.png
(the area profile at 390 px after choosing areas and reloading) and home-phone.png.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_violations, describe
from support.browser import ROOT, new_page, serving_db, wait_for_dash
from support.page_dbs import (
    BLACKPOOL,
    GATESHEAD,
    MANCHESTER,
    NEWCASTLE,
    Q_ENDED,
    REFERENCE,
    build_area_db,
    build_topic_db,
)

from browser.test_area_profile import CHOSEN, add_area, ticked, wait_for_profile
from dashboard import ids

PHONE = {"width": 390, "height": 844}
#: Blackpool's statistical neighbours, nearest first (tests/browser/test_area_profile.py).
NEIGHBOURS = ["E06000008", GATESHEAD, "E08000021", "E06000032", "E09000022"]
SHOTS = ROOT / "docs" / "screenshots" / "after-pick"

#: Each line break inside a word in a table cell shown: the cell's text and the two characters
#: either side of the break (a break is allowed after a space, a hyphen, a dash, a slash or a
#: soft hyphen, and between two text nodes, such as an area's name and its figure).
BREAKS_INSIDE_WORDS = r"""() => {
  const bad = [];
  for (const cell of document.querySelectorAll('main th, main td')) {
    if (!cell.offsetParent) continue;  // (not shown: the desktop chart's twin on a phone)
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      let prev = null;  // [character, its line's top]
      for (let i = 0; i < node.length; i++) {
        const range = document.createRange();
        range.setStart(node, i);
        range.setEnd(node, i + 1);
        const rect = [...range.getClientRects()].find(r => r.width > 0);
        if (!rect) continue;  // (a space or soft hyphen where the line breaks)
        const ch = node.data[i];
        if (prev && rect.top > prev[1] + 2 && !/[\s\u00ad\-\u2013\/]/.test(prev[0])
            && !/\s/.test(node.data[i - 1] || ' '))
          bad.push(cell.textContent.trim().slice(0, 60) + ' @ ' + prev[0] + '|' + ch);
        prev = [ch, rect.top];
      }
    }
  }
  return bad;
}"""
#: True when nothing makes the page scroll sideways.
NO_SIDEWAYS_SCROLL = "() => document.scrollingElement.scrollWidth <= window.innerWidth"


@pytest.fixture(scope="module")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with serving_db(build_area_db(tmp_path_factory.mktemp("phone-tables") / "lfo.db")) as base:
        yield base


@pytest.fixture(scope="module")
def topic_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The topic pages' hand-worked database (outcomes too: the area one has none)."""
    with serving_db(build_topic_db(tmp_path_factory.mktemp("phone-topic") / "topic.db")) as base:
        yield base


@pytest.fixture
def phone(browser: Browser) -> Iterator[Page]:
    with new_page(browser, PHONE, 60_000, reduced_motion="reduce") as page:
        yield page


def open_every_table(page: Page) -> int:
    """Open every card's "Show the data in a table" and wait for the tables; how many."""
    wait_for_dash(page)
    summaries = page.locator("details.chart-table-twin > summary")
    n = 0
    for k in range(summaries.count()):
        if summaries.nth(k).is_visible():  # (a card that does not apply is not shown)
            summaries.nth(k).click()
            n += 1
    page.wait_for_function(
        "n => document.querySelectorAll('details.chart-table-twin[open] table').length >= n",
        arg=n,
    )
    wait_for_dash(page)
    return n


@pytest.mark.parametrize(
    ("db", "path"),
    [
        ("base_url", f"/area/{BLACKPOOL}?compare={','.join([*NEIGHBOURS, MANCHESTER])}"),
        ("base_url", "/"),
        *(
            ("topic_url", f"/{topic}?period={Q_ENDED}&area={NEWCASTLE}")
            for topic in ("reach", "uptake", "outcomes")
        ),
    ],
    ids=["area-profile", "home", "reach", "uptake", "outcomes"],
)
def test_on_a_phone_table_cells_break_words_only_at_spaces(
    phone: Page, request: pytest.FixtureRequest, db: str, path: str
):
    phone.goto(f"{request.getfixturevalue(db)}{path}")
    if path.startswith("/area/"):
        wait_for_profile(phone)
        phone.locator(".lfo-spine-table table").wait_for()
    assert open_every_table(phone) >= 1
    cells = phone.evaluate(
        "() => [...document.querySelectorAll('main tbody th, main tbody td')]"
        ".filter(c => c.offsetParent).length"
    )
    assert cells >= 10  # (the check below looked at real tables)
    assert phone.evaluate(BREAKS_INSIDE_WORDS) == []
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    if path.startswith("/area/"):
        styles = phone.eval_on_selector_all(
            ".lfo-spine-table tbody th", "ths => ths.map(t => getComputedStyle(t).overflowWrap)"
        )
        assert styles and set(styles) == {"normal"}
        # the table fits its box at 390 px (a word too long would scroll the box, not the page)
        fit = phone.evaluate(
            """() => { const box = document.querySelector('.lfo-spine-table [role=region]');
                       return [box.scrollWidth, box.clientWidth, box.getAttribute('aria-label'),
                               box.getAttribute('tabindex')]; }"""
        )
        assert fit[0] <= fit[1] and fit[2].startswith("Table: ") and fit[3] == "0"
    elif path == "/":
        # the returns table scrolls in its box; its caption stays whole in view (it was cut)
        right = phone.evaluate(
            "() => document.querySelector('#home-loaded caption').getBoundingClientRect().right"
        )
        assert right <= PHONE["width"]
        if os.environ.get("LFO_UPDATE_SCREENSHOTS"):
            phone.screenshot(path=str(SHOTS / "home-phone.png"), full_page=True)
    violations = axe_violations(phone)
    assert violations == [], describe(violations)


def chosen_in_spine(page: Page) -> list[list[str]]:
    """The areas' names in each line of chosen areas under the phone spine's rows, in order."""
    return page.eval_on_selector_all(
        ".lfo-spine-table tr.lfo-spine-table__chosen",
        "trs => trs.map(tr => [...tr.querySelectorAll('.lfo-spine-chosen__name')]"
        ".map(s => s.textContent))",
    )


def test_the_areas_chosen_keep_their_order_after_a_reload(phone: Page, base_url: str):
    phone.goto(f"{base_url}/area/{BLACKPOOL}")
    wait_for_profile(phone)
    add_area(phone, "Manchester")
    add_area(phone, "Gateshead")  # after Manchester, though before it by name
    phone.get_by_role("button", name="Similar areas (statistical neighbours)").click()
    wanted = [MANCHESTER, *dict.fromkeys([GATESHEAD, *NEIGHBOURS])]
    phone.wait_for_function(
        "([sel, n]) => document.querySelectorAll(sel).length === n",
        arg=[f"#{CHOSEN} button", len(wanted)],
    )
    assert ticked(phone) == wanted
    phone.wait_for_function(
        "want => new URLSearchParams(location.search).get('compare') === want",
        arg=",".join(wanted),
    )
    names = [REFERENCE[c]["name"] for c in wanted]
    phone.wait_for_function(
        "n => [...document.querySelectorAll('.lfo-spine-table tr.lfo-spine-table__chosen')]"
        ".some(tr => tr.querySelectorAll('.lfo-spine-chosen__name').length === n)",
        arg=len(names),
    )
    wait_for_dash(phone)
    assert chosen_in_spine(phone)[0] == names

    phone.reload()
    wait_for_profile(phone)
    assert ticked(phone) == wanted  # the picker lists them as they were chosen
    assert new_compare(phone) == wanted  # and the address still keeps that order
    lines = chosen_in_spine(phone)
    assert lines and all(line == names for line in lines)
    assert phone.evaluate(BREAKS_INSIDE_WORDS) == []
    assert phone.evaluate(NO_SIDEWAYS_SCROLL)
    if os.environ.get("LFO_UPDATE_SCREENSHOTS"):
        phone.screenshot(path=str(SHOTS / "area-phone-reloaded.png"), full_page=True)


def new_compare(page: Page) -> list[str]:
    return page.evaluate("() => new URLSearchParams(location.search).get('compare').split(',')")


def test_a_link_keeps_its_order_and_the_server_drops_codes_it_does_not_know(
    phone: Page, base_url: str
):
    phone.goto(
        f"{base_url}/area/{BLACKPOOL}?compare={MANCHESTER},E99999999,{BLACKPOOL},{GATESHEAD}"
    )
    wait_for_profile(phone)
    phone.locator(f"#{CHOSEN}").get_by_role("button", name="Remove Gateshead").wait_for()
    assert ticked(phone) == [MANCHESTER, GATESHEAD]  # not programme areas, nor the area shown
    assert "Ignored comparison area E99999999" in phone.inner_text(f"#{ids.AREA_MESSAGES}")
