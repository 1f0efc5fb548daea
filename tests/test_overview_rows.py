"""The overview grid draws the first 50 areas in the order chosen, or all of them
(``present.overview_rows``, issue 11 § 12): on a generated national-sized frame of 153 areas (no
database), then through the app's callbacks on the overview's small database with the page size
made smaller than its twelve areas."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest
from support.overview_calls import read_address, update_overview
from support.page_dbs import BLACKPOOL

from dashboard import ids
from dashboard.layouts import home
from dashboard.present import overview as po
from dashboard.present import overview_grid as pg
from dashboard.present import overview_rows as prows
from lfo.indicators.request import ROW_COLUMNS
from lfo.terms import PROGRAMME

Q4 = "2018-19_Q4"
NATIONAL = 153
#: a grid row's area link (its heading); the cells' links name an indicator first
ROW_LINK = re.compile(r"/area/([A-Z0-9]+)\?period=")


def national_frame(n: int = NATIONAL, seed: int = 11) -> tuple[pd.DataFrame, list[str]]:
    """Engine rows of completion for ``n`` areas named like the generator's synthetic areas
    (``etl.synthetic.generate.national_areas``) and the programme, each area's comparison drawn
    at random; with the comparisons in area order (what the count row must count)."""
    rng = np.random.default_rng(seed)
    words = [str(w) for w in rng.choice(["better", "similar", "worse"], n)]
    rows = [_row(PROGRAMME, "Programme", 50.0, None)]
    for j, (value, word) in enumerate(zip(rng.uniform(20, 90, n), words, strict=True), 1):
        rows.append(_row(f"E9999{j:04d}", f"Synthetic area {j:03d}", float(value), word))
    return pd.DataFrame(rows), words


def _row(code: str, name: str, value: float, comparison: str | None) -> dict[str, object]:
    out: dict[str, object] = dict.fromkeys(ROW_COLUMNS)
    out.update(
        indicator="uptake.completion",
        area_code=code,
        area_name=name,
        period=Q4,
        value=value,
        lower=value - 5,
        upper=value + 5,
        numerator=int(value),
        denominator=100,
        comparison=comparison,
        status=None,
        benchmark=50.0,
    )
    return out


# --- pure -----------------------------------------------------------------------------------


def test_national_scale_draws_the_first_50_in_the_order_chosen_and_says_so():
    rows, _ = national_frame()
    order = pg.sort_areas(rows, "uptake.completion", pg.ORDER_HIGH)
    page = prows.grid_page(order, prows.ROWS_FIRST)
    assert page.codes == order[: prows.PAGE_SIZE] and len(page.codes) == 50
    assert page.paged and page.total == NATIONAL and page.counted == NATIONAL
    assert page.line.startswith("Showing 50 of 153 areas, in the order chosen above.")
    assert "The counts under the headings are of all 153 areas." in page.line
    assert page.button == "Show all 153 areas"
    # the first drawn has the highest completion of all 153
    values = rows.set_index("area_code")["value"].drop(PROGRAMME)
    assert values[page.codes[0]] == values.max()


def test_show_all_draws_every_area_and_the_button_goes_back():
    rows, _ = national_frame()
    order = pg.sort_areas(rows, pg.SORT_AREA, pg.ORDER_LOW)
    page = prows.grid_page(order, prows.ROWS_ALL)
    assert page.codes == order and len(page.codes) == NATIONAL
    assert page.line.startswith("Showing all 153 areas")
    assert page.button == "Show the first 50"
    assert prows.other(prows.ROWS_ALL) == prows.ROWS_FIRST
    assert prows.other(prows.ROWS_FIRST) == prows.ROWS_ALL


@pytest.mark.parametrize("sent", [None, "", "ALL", "<script>", 5, ["all"], {"rows": "all"}])
def test_anything_the_browser_sends_but_all_is_the_first_page(sent):
    order = [f"E9999{j:04d}" for j in range(1, 61)]
    assert prows.checked_rows(sent) == prows.ROWS_FIRST
    assert prows.grid_page(order, sent).codes == order[:50]


@pytest.mark.parametrize("n", [0, 12, 50])
def test_with_no_more_areas_than_a_page_nothing_changes(n):
    order = [f"E9999{j:04d}" for j in range(1, n + 1)]
    for rows in prows.ROWS_CHOICES:
        page = prows.grid_page(order, rows)
        assert page.codes == order and not page.paged
        assert (page.line, page.button, page.counted) == ("", "", None)


def test_51_areas_are_paged():
    page = prows.grid_page([f"E9999{j:04d}" for j in range(1, 52)], None)
    assert page.paged and len(page.codes) == 50 and page.button == "Show all 51 areas"


def test_the_count_row_counts_all_153_areas_not_only_the_50_drawn():
    rows, words = national_frame()
    order = pg.sort_areas(rows, "uptake.completion", pg.ORDER_LOW)
    page = prows.grid_page(order, prows.ROWS_FIRST)
    grid = json.dumps(home.grid(rows, page.codes, Q4, counted=page.counted), ensure_ascii=False)
    assert ROW_LINK.findall(grid) == page.codes  # 50 rows, in the order chosen
    assert "Number of areas, all 153 (95%)" in grid
    for word in pg.COUNTED:
        assert f"{pg.COMPARISON_SHAPES[word]} {words.count(word)} {word}" in grid
    drawn = [words[int(code[-4:]) - 1] for code in page.codes]
    assert any(drawn.count(w) != words.count(w) for w in pg.COUNTED)  # (the test can fail)


def test_the_pilot_grid_heading_is_unchanged():
    rows, _ = national_frame(12)
    grid = json.dumps(home.grid(rows, pg.sort_areas(rows, pg.SORT_AREA, pg.ORDER_LOW), Q4))
    assert "Number of areas (95%)" in grid and "all 12" not in grid


# --- the address ----------------------------------------------------------------------------


def test_the_address_keeps_rows_all_and_leaves_the_default_out():
    assert home.query_for(None, None, None, rows="all") == "?rows=all"
    assert home.query_for(None, "uptake.completion", "high", rows="first") == (
        "?sort=uptake.completion&order=high"
    )
    assert home.query_for(None, None, None, rows="<script>") == ""
    from dashboard import urlstate

    assert home.rows_value(urlstate.parse_query("?rows=ALL", home.PARAMS)) == "all"
    bad = urlstate.parse_query("?rows=everything", home.PARAMS)
    assert home.rows_value(bad) == "first"
    assert "Ignored rows='everything': choose one of first, all" in bad.messages


# --- through the app ------------------------------------------------------------------------

SMALL_PAGE = 5
SORT = "uptake.completion"


@pytest.fixture
def small_page(monkeypatch: pytest.MonkeyPatch) -> int:
    """A page smaller than the database's twelve areas (the app runs in this process)."""
    monkeypatch.setattr(prows, "PAGE_SIZE", SMALL_PAGE)
    return SMALL_PAGE


@pytest.fixture(scope="module")
def order(overview_data) -> list[str]:
    return po.overview(overview_data, Q4, SORT, pg.ORDER_LOW).area_order


def overview(client, rows: object) -> dict:
    """The page's callback at 2018-19 Q4, completion lowest first, with ``rows`` sent."""
    return update_overview(client, Q4, SORT, pg.ORDER_LOW, rows=rows)


def test_the_callback_draws_the_first_page_in_the_sorted_order(overview_client, small_page, order):
    assert len(order) > small_page and order[0] == BLACKPOOL  # the lowest completion
    response = overview(overview_client, "first")
    grid = json.dumps(response[ids.HOME_GRID]["children"])
    assert ROW_LINK.findall(grid) == order[:small_page]
    assert f"Number of areas, all {len(order)} (95%)" in grid
    line = response[ids.HOME_ROWS_LINE]["children"]
    assert line.startswith(f"Showing {small_page} of {len(order)} areas")
    assert response[ids.HOME_ROWS_BUTTON] == {
        "children": f"Show all {len(order)} areas",
        "hidden": False,
    }


def test_the_callback_draws_every_area_for_all(overview_client, small_page, order):
    response = overview(overview_client, "all")
    assert ROW_LINK.findall(json.dumps(response[ids.HOME_GRID]["children"])) == order
    assert response[ids.HOME_ROWS_BUTTON]["children"] == f"Show the first {small_page}"


def test_a_forged_rows_value_draws_the_first_page(overview_client, small_page, order):
    response = overview(overview_client, "<img src=x>")
    assert ROW_LINK.findall(json.dumps(response[ids.HOME_GRID]["children"])) == order[:small_page]


def test_the_pilot_has_no_line_and_no_button(overview_client, order):
    response = overview(overview_client, "first")
    assert ROW_LINK.findall(json.dumps(response[ids.HOME_GRID]["children"])) == order
    assert response[ids.HOME_ROWS_LINE]["children"] == ""
    assert response[ids.HOME_ROWS_BUTTON] == {"children": "", "hidden": True}


def test_the_address_sets_the_rows(overview_client):
    response = read_address(overview_client, "?rows=all")
    assert response[ids.HOME_ROWS]["data"] == "all"


def test_showing_all_goes_into_the_address_with_the_release_shown(monkeypatch):
    from dashboard.callbacks import overview as cb

    monkeypatch.setattr(cb, "chosen_release_id", lambda: "latest")
    query = cb.update_home_query(po.LATEST, pg.SORT_AREA, pg.ORDER_LOW, "", rows="all")
    assert query == "?rows=all&release=latest"
    # back to the first page: the default leaves the address
    back = cb.update_home_query(po.LATEST, pg.SORT_AREA, pg.ORDER_LOW, query, rows="first")
    assert back == "?release=latest"
