"""Layouts that hold (issue 11 § 1), on the pilot demo data in headless Chromium: on every page
with charts, at 1366×768, 768×1024, 390×844 and 200% zoom (683×384), after the first draw and
after changing each of the page's selects and radio groups, every chart shown is at least its
minimum height, its box overlaps neither the text nor the controls below it, no axis title or
point label is cut off at its edges, and the page does not scroll sideways.

Before the fix, changing a select made each responsive graph 0 px tall (its box had no height)
and drew the plot over the summary, the notes and the download buttons.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page
from support.browser import serving, wait_for_dash

from dashboard.app import create_app
from dashboard.settings import DashboardSettings

#: (width, height, device scale): 200% zoom on a 1366×768 screen is half the CSS pixels, each
#: drawn twice as large
VIEWPORTS = {
    "desktop": (1366, 768, 1),
    "tablet": (768, 1024, 1),
    "phone": (390, 844, 1),
    "zoom200": (683, 384, 2),
}
PAGES = ("/", "/reach", "/uptake", "/outcomes", "/area/E09000008", "/quality")  # (Croydon)
MIN_GRAPH = 200  # px: below this a chart cannot be read

#: For every chart card shown: its graph box's height, the plot's drawn height, and how far the
#: graph's box or plot reaches into anything else shown in its card (summary, notes, buttons),
#: above or below it (on phones the summary and table come before the chart).
MEASURE = """() => {
  const out = [];
  for (const fig of document.querySelectorAll('figure.chart-figure')) {
    const content = fig.parentElement;
    if (content.hidden || content.closest('[hidden]') || fig.offsetParent === null) continue;
    const graph = fig.querySelector('.dash-graph');
    const svg = fig.querySelector('.js-plotly-plot .main-svg');
    const box = graph.getBoundingClientRect();
    const drawn = svg ? svg.getBoundingClientRect().height : 0;
    // how far the graph (its box or its drawn plot) reaches into anything else shown in its
    // card, whatever the order on screen (on phones the summary and table come first)
    const bottom = Math.max(box.bottom, svg ? svg.getBoundingClientRect().bottom : 0);
    let overlap = 0;
    for (const other of content.children) {
      if (other === fig || other.offsetParent === null) continue;
      const r = other.getBoundingClientRect();
      if (r.height === 0 || r.right <= box.left || r.left >= box.right) continue;
      overlap = Math.max(overlap, Math.min(bottom, r.bottom) - Math.max(box.top, r.top));
    }
    // an axis title or a point's label (the funnels name areas) cut off at the plot's left or
    // right
    const clipped = [];
    if (svg) {
      const edge = svg.getBoundingClientRect();
      const texts = '.js-plotly-plot svg text.xtitle, .js-plotly-plot svg text.ytitle, '
        + '.js-plotly-plot svg .textpoint text';
      for (const t of fig.querySelectorAll(texts)) {
        const r = t.getBoundingClientRect();
        if (r.width > 0 && (r.left < edge.left - 1 || r.right > edge.right + 1)) {
          clipped.push(t.textContent.slice(0, 60));
        }
      }
    }
    out.push({id: fig.id, height: box.height, drawn: drawn, overlap: overlap, clipped: clipped});
  }
  return {charts: out, scroll: document.documentElement.scrollWidth - window.innerWidth,
          notShown: document.querySelectorAll('main .lfo-not-shown li').length};
}"""


@pytest.fixture(scope="module")
def server(pilot_db_url) -> Iterator[str]:
    with serving(create_app(DashboardSettings(database_url=pilot_db_url))) as base:
        yield base


@pytest.fixture(scope="module", params=list(VIEWPORTS), ids=list(VIEWPORTS))
def page(request, browser: Browser) -> Iterator[Page]:
    width, height, scale = VIEWPORTS[request.param]
    context = browser.new_context(
        viewport={"width": width, "height": height}, device_scale_factor=scale, locale="en-GB"
    )
    context.set_default_timeout(120_000)  # the first draw waits for the disclosure plan
    try:
        yield context.new_page()
    finally:
        context.close()


def settle(page: Page) -> None:
    wait_for_dash(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll('figure.chart-figure .js-plotly-plot')].length"
    )
    page.wait_for_timeout(300)  # plotly's resize after the box changes
    wait_for_dash(page)


def open_filters(page: Page) -> None:
    """Open every closed disclosure of filters (the topic pages' filter bar), so its controls are
    changed too."""
    page.evaluate(
        "() => document.querySelectorAll('main details.lfo-filterbar').forEach(d => d.open = true)"
    )


def assert_holds(page: Page, when: str) -> None:
    found = page.evaluate(MEASURE)
    # a chart with nothing to draw for the choice is left out, one line saying why (issue 11 § 4)
    assert found["charts"] or found["notShown"], f"{when}: no chart shown, and no line why"
    for c in found["charts"]:
        assert c["height"] >= MIN_GRAPH, f"{when}: {c['id']} box is {c['height']:.0f} px tall"
        assert c["drawn"] >= MIN_GRAPH, f"{when}: {c['id']} plot is drawn {c['drawn']:.0f} px tall"
        assert c["overlap"] <= 1, f"{when}: {c['id']} runs {c['overlap']:.0f} px over what follows"
        assert not c["clipped"], f"{when}: {c['id']} cuts off its text {c['clipped']}"
    assert found["scroll"] <= 1, f"{when}: the page scrolls {found['scroll']} px sideways"


@pytest.mark.parametrize("path", PAGES)
def test_charts_keep_their_height_and_place_after_every_select_changes(page, server, path):
    page.goto(f"{server}{path}")
    settle(page)
    assert_holds(page, f"{path} first draw")
    open_filters(page)
    assert_holds(page, f"{path} filters open")
    selects = page.locator("main select")
    for i in range(selects.count()):
        select = selects.nth(i)
        if not select.is_visible():
            continue
        options = select.locator("option").evaluate_all("os => os.map(o => o.value)")
        current = select.input_value()
        others = [o for o in options if o != current]
        if not others:
            continue
        name = select.get_attribute("id")
        select.select_option(others[-1])
        settle(page)
        assert_holds(page, f"{path} after {name} = {others[-1]}")


@pytest.mark.parametrize("path", PAGES)
def test_charts_keep_their_height_and_place_after_every_radio_group_changes(page, server, path):
    page.goto(f"{server}{path}")
    settle(page)
    open_filters(page)
    groups = page.locator("main input[type=radio]").evaluate_all(
        "rs => [...new Set(rs.filter(r => r.offsetParent !== null).map(r => r.parentElement.closest('[id]').id))]"
    )
    for name in groups:
        radios = page.locator(f"main [id='{name}'] input[type=radio]")
        last = radios.nth(radios.count() - 1)
        if last.is_checked():
            last = radios.nth(0)
        label = last.get_attribute("value")
        last.check()
        settle(page)
        assert_holds(page, f"{path} after {name} = {label}")
