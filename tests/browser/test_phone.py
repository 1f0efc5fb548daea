"""Phones and 200% zoom (issue 11 § 2, § 1) and the focus ring (§ 11), on the pilot demo data in
headless Chromium.

- At 390×844 the area profile shows its spine as a table with small bars, and not the plotly
  spine (whose row labels were clipped, whose two columns of figures overprinted: "4942%");
  every label of that table fits its box, and the page passes axe.
- The header and the navigation take at most a third of the first screen on a phone and at
  200% zoom (683×384 CSS pixels), and every navigation link is still shown.
- The caterpillar writes each area's label beside its point, never on it: no label box covers
  a point's marker, and the plot keeps most of the card's width.
- Every kind of control shows the yellow focus ring the accessibility statement promises.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from support.axe import axe_violations, describe
from support.browser import serving, wait_for_dash

from dashboard.app import create_app
from dashboard.settings import DashboardSettings

AREA = "/area/E09000008"  # Croydon
PHONE = {"width": 390, "height": 844}
ZOOM200 = {"width": 683, "height": 384}  # 1366×768 at 200%: half the CSS pixels
YELLOW = "rgb(255, 221, 0)"  # #ffdd00, GOV.UK's focus colour
DARK = "rgb(11, 12, 12)"  # #0b0c0c
#: The most of the first screen the header and navigation may take.
HEADER_SHARE = 1 / 3


@pytest.fixture(scope="module")
def server(pilot_db_url) -> Iterator[str]:
    with serving(create_app(DashboardSettings(database_url=pilot_db_url))) as base:
        yield base


def open_page(browser: Browser, viewport: dict[str, int], scale: int = 1) -> Page:
    context = browser.new_context(viewport=viewport, device_scale_factor=scale, locale="en-GB")
    # the first draw waits for the disclosure plan (minutes on a busy machine)
    context.set_default_timeout(300_000)
    page = context.new_page()
    return page


@pytest.fixture(scope="module")
def phone(browser: Browser) -> Iterator[Page]:
    page = open_page(browser, PHONE)
    try:
        yield page
    finally:
        page.context.close()


def settle(page: Page) -> None:
    wait_for_dash(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart-figure .js-plotly-plot')].length"
    )
    page.wait_for_timeout(300)
    wait_for_dash(page)


#: Each text element of the phone spine table whose text does not fit its box (clipped or
#: spilling sideways), and whether any row overlaps the next.
LABELS_FIT = """(root) => {
  const bad = [];
  for (const el of root.querySelectorAll('th, td, a')) {
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflow !== 'visible')
      bad.push(el.textContent);
    const box = el.getBoundingClientRect(), table = root.getBoundingClientRect();
    if (box.left < table.left - 1 || box.right > table.right + 1) bad.push(el.textContent);
  }
  const rows = [...root.querySelectorAll('tbody tr')].map(r => r.getBoundingClientRect());
  for (let i = 1; i < rows.length; i++)
    if (rows[i].top < rows[i - 1].bottom - 1) bad.push('row ' + i + ' overlaps the one above');
  return bad;
}"""


def test_on_a_phone_the_spine_is_a_table_with_bars_not_the_chart(phone, server):
    phone.goto(f"{server}{AREA}?period=2018-19_Q4")  # the quarter the figures below are from
    settle(phone)
    table = phone.locator("#chart-area-spine-section .lfo-spine-table table")
    table.wait_for(state="visible")
    assert phone.locator("#chart-area-spine-figure").is_hidden()
    rows = table.locator("tbody tr")
    assert rows.count() == 19  # every spine indicator (the chart's rows)
    headers = table.locator("thead th").all_inner_texts()
    assert headers == ["Indicator", "Croydon", "Programme", "Compared with the programme (95%)"]
    # Completion: Croydon 52% against the programme's 59%, similar (the pilot's 2018-19 Q4,
    # as the area profile's chart and table twin give them)
    completion = rows.filter(has_text="Completion")
    assert completion.locator("td").all_inner_texts()[:2] == ["52%", "59%"]
    assert "similar" in completion.locator("td").nth(2).inner_text()
    assert completion.locator(".lfo-spine-bar__area").count() == 1
    assert phone.evaluate(LABELS_FIT, table.element_handle()) == []
    assert phone.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1
    violations = axe_violations(phone)
    assert violations == [], describe(violations)


def test_on_a_phone_the_bars_mark_the_chosen_benchmark_and_say_which(phone, server):
    phone.goto(f"{server}{AREA}?period=2018-19_Q4&benchmark=neighbours")
    settle(phone)
    card = phone.locator("#chart-area-spine-section .lfo-spine-table")
    table = card.locator("table")
    table.wait_for(state="visible")
    assert "Compared with its statistical neighbours (95%)" in table.locator("thead").inner_text()
    key = card.locator("p.small").inner_text()
    assert "the upright line its statistical neighbours (the benchmark)" in key
    # each row: the neighbours' line, or words saying why there is none (never a silent gap);
    # counts (no group figure, [z]) have neither, as with the programme. In the pilot's 2018-19
    # Q4 every figure of Croydon's neighbours is suppressed or not applicable: no line at all
    rows = table.locator("tbody tr")
    for k in range(rows.count()):
        row = rows.nth(k)
        lines = row.locator(".lfo-spine-bar__programme").count()
        said = row.locator("th").inner_text()
        if "[z]" in row.locator("td").nth(2).inner_text():
            continue
        assert (lines == 1) != ("no line" in said), said
    completion = rows.filter(has_text="Completion rate")
    assert completion.locator(".lfo-spine-bar__programme").count() == 0
    assert (
        "Statistical neighbours [c]: suppressed, no line" in completion.locator("th").inner_text()
    )
    assert completion.locator(".lfo-spine-bar__area").count() == 1
    assert phone.evaluate(LABELS_FIT, table.element_handle()) == []
    assert phone.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1
    violations = axe_violations(phone)
    assert violations == [], describe(violations)


@pytest.mark.parametrize(
    ("viewport", "scale", "table"),
    [(ZOOM200, 2, True), ({"width": 768, "height": 1024}, 1, False)],
    ids=["zoom200", "tablet"],
)
def test_the_spine_is_a_table_at_200_percent_zoom_and_a_chart_on_a_tablet(
    browser, server, viewport, scale, table
):
    page = open_page(browser, viewport, scale)
    try:
        page.goto(f"{server}{AREA}")
        settle(page)
        chart = page.locator("#chart-area-spine-figure .js-plotly-plot")
        phone_table = page.locator(".lfo-spine-table table")
        assert (phone_table.is_visible(), chart.is_visible()) == (table, not table)
        if table:
            assert page.evaluate(LABELS_FIT, phone_table.element_handle()) == []
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1
    finally:
        page.context.close()


#: Each caterpillar point's marker and the label boxes written on the chart: any label that
#: covers a marker (labels on the points).
LABELS_OFF_POINTS = """(card) => {
  const points = [...card.querySelectorAll('.scatterlayer .point')].map(p => p.getBoundingClientRect());
  // the rows' lines of text: one text trace (its points are text, not markers)
  const labels = [...card.querySelectorAll('.scatterlayer .textpoint text')]
    .map(t => t.getBoundingClientRect());
  const hit = [];
  for (const l of labels) for (const p of points)
    if (l.left < p.right && p.left < l.right && l.top < p.bottom && p.top < l.bottom) hit.push(1);
  const plot = card.querySelector('.nsewdrag');
  return {hits: hit.length, labels: labels.length, plot: plot.getBoundingClientRect().width,
          card: card.getBoundingClientRect().width};
}"""


def test_on_a_phone_the_ranking_chart_writes_labels_beside_the_points(phone, server):
    phone.goto(f"{server}/")
    settle(phone)
    card = phone.locator("#chart-home-ranking-figure")
    card.scroll_into_view_if_needed()
    found = phone.evaluate(LABELS_OFF_POINTS, card.element_handle())
    assert found["labels"] >= 5
    assert found["hits"] == 0
    # the plot keeps most of the width (it was squeezed to about 70 px by the axis labels)
    assert found["plot"] >= 0.8 * found["card"]
    box = card.bounding_box()
    assert box is not None and box["height"] >= 300


@pytest.mark.parametrize(
    ("viewport", "scale"), [(PHONE, 1), (ZOOM200, 2)], ids=["phone", "zoom200"]
)
@pytest.mark.parametrize("path", ["/", AREA])
def test_header_and_navigation_are_compact(browser, server, viewport, scale, path):
    page = open_page(browser, viewport, scale)
    try:
        page.goto(f"{server}{path}")
        wait_for_dash(page)
        bottom = page.evaluate("document.getElementById('site-nav').getBoundingClientRect().bottom")
        assert bottom <= HEADER_SHARE * viewport["height"], (
            f"header and navigation are {bottom:.0f} px of a {viewport['height']} px screen"
        )
        links = page.locator("#site-nav a")
        assert links.count() == 8
        for i in range(links.count()):  # every link is shown, none scrolled or folded away
            box = links.nth(i).bounding_box()
            assert box is not None and box["x"] >= 0
            assert box["x"] + box["width"] <= viewport["width"] + 1
        assert page.evaluate("document.documentElement.scrollWidth - innerWidth") <= 1
    finally:
        page.context.close()


#: The focus ring of the element focused: its outline, box shadow and background colours.
RING = """() => {
  const s = getComputedStyle(document.activeElement);
  return {outline: s.outlineColor, style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          shadow: s.boxShadow, background: s.backgroundColor};
}"""


def focus_by_keyboard(page: Page, selector: str) -> dict:
    """Focus ``selector`` as the keyboard does (so :focus-visible applies) and read its ring."""
    page.locator(selector).first.scroll_into_view_if_needed()
    page.keyboard.press("Shift")  # the last thing the reader did was a key press
    page.evaluate(
        "(s) => { const el = document.querySelector(s); el.focus({focusVisible: true}); }",
        selector,
    )
    page.keyboard.press("Shift")
    assert page.evaluate(
        "(s) => document.activeElement === document.querySelector(s) && "
        "document.activeElement.matches(':focus-visible')",
        selector,
    )
    page.wait_for_timeout(400)  # Bootstrap eases a control's box shadow in over 0.15 s
    return page.evaluate(RING)


@pytest.mark.parametrize(
    "selector",
    [
        "main select",
        "main input[type=radio]",
        "main input[type=text]",  # the area picker (its checkboxes are gone)
        "main button.chart-download",
        "main details summary",
    ],
)
def test_every_control_shows_the_yellow_focus_ring(phone, server, selector):
    phone.goto(f"{server}{AREA}")
    settle(phone)
    ring = focus_by_keyboard(phone, selector)
    assert ring["outline"] == YELLOW and ring["style"] == "solid" and ring["width"] >= 3, ring
    assert DARK in ring["shadow"], ring  # the dark ring beside the yellow one


def test_a_focused_link_is_yellow_with_dark_text(phone, server):
    phone.goto(f"{server}{AREA}")
    settle(phone)
    ring = focus_by_keyboard(phone, "#site-nav a")
    assert ring["background"] == YELLOW, ring
    assert DARK in ring["shadow"], ring  # the dark underline


def test_on_a_phone_a_card_gives_its_summary_and_table_before_its_chart(phone, server):
    # the phone order hangs on the card's .chart-content wrapper (assets/site/app.css)
    phone.goto(f"{server}/")
    settle(phone)
    tops = phone.evaluate(
        """() => {
          const box = document.querySelector('#chart-home-ranking-content');
          const top = (s) => box.querySelector(s).getBoundingClientRect().top;
          return {summary: top('.chart-summary'), table: top('.chart-table-twin'),
                  figure: top('.chart-figure'), downloads: top('.chart-downloads'),
                  flex: getComputedStyle(box).display};
        }"""
    )
    assert tops["flex"] == "flex"
    assert tops["summary"] < tops["table"] < tops["figure"] < tops["downloads"]


#: The words written on or after the bars of one card: how many, how many overlap another, and
#: how many reach outside the card.
BAR_WORDS = """(card) => {
  const words = [...card.querySelectorAll('.bartext')].map(t => t.getBoundingClientRect())
    .filter(b => b.width > 0);
  const edge = card.getBoundingClientRect();
  let overlaps = 0, outside = 0;
  words.forEach((a, i) => {
    if (a.left < edge.left - 1 || a.right > edge.right + 1) outside++;
    for (const b of words.slice(i + 1))
      if (a.left < b.right - 1 && b.left < a.right - 1 && a.top < b.bottom - 1 && b.top < a.bottom - 1)
        overlaps++;
  });
  return {words: words.length, overlaps, outside};
}"""


def test_on_a_phone_the_stage_funnels_words_neither_overlap_nor_leave_the_card(phone, server):
    # Croydon's referral to completion by intervention: three bars a stage, each with its count
    # and percentage (they overprinted each other as upright bars)
    phone.goto(f"{server}{AREA}")
    settle(phone)
    card = phone.locator("#chart-area-funnel-figure")
    card.scroll_into_view_if_needed()
    found = phone.evaluate(BAR_WORDS, card.element_handle())
    assert found["words"] >= 4
    assert (found["overlaps"], found["outside"]) == (0, 0)
