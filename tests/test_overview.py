"""The programme overview (home page): shaping engine rows, the year-on-year test, and the page's
callbacks through Flask's test client, on a small real database whose right answers are known.

The database (``overview_db``): three areas, 60 episodes ending in each of five quarters
(2017-18 Q4 to 2018-19 Q4). Newcastle and Essex complete 48 of 60 every quarter; Blackpool
completes 54, 45, 36, 24 and then 12 of 60 — worse than the programme and getting worse (its
drop-outs attend 2 of 6 sessions, so its attendance falls too). Every count is at least 10, so
nothing is suppressed in these areas.
"""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest
from support.dash_client import component_key, post_callback, route
from support.overview_calls import controls, read_address, update_overview
from support.page_dbs import BLACKPOOL, ESSEX, NEWCASTLE

from dashboard import ids
from dashboard.app import create_app
from dashboard.layouts import home
from dashboard.present import overview as po
from dashboard.present import overview_grid as pg
from dashboard.present import overview_headlines as ph
from dashboard.present import overview_summary as psum
from dashboard.present.words import fmt, period_label
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import indicators
from lfo.terms import PROGRAMME


@pytest.fixture(scope="module")
def grid_rows(overview_data) -> pd.DataFrame:
    return overview_data.rows(list(pg.GRID_INDICATORS), periods=["2018-19_Q4"], ci=99.8).rows


# --- pure shaping ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("period", "before"),
    [
        ("2018-19_Q4", "2017-18_Q4"),
        ("2018-19_Q1", "2017-18_Q1"),
        ("2018-19", "2017-18"),
    ],
)
def test_previous_year_is_the_same_period_a_year_earlier(period, before):
    assert ph.previous_year(period) == before


def test_period_options_offer_the_default_then_quarters_then_years_newest_first():
    choices = po.period_choices(["2018-19_Q3", "2018-19_Q4", "2017-18", "2018-19"])
    options = home.period_options("2018-19", choices)
    assert [o["value"] for o in options] == [
        po.LATEST,
        "2018-19_Q4",
        "2018-19_Q3",
        "2018-19",
        "2017-18",
    ]
    assert options[0]["label"] == "Latest financial year (2018-19)"


def test_year_on_year_matches_newcombe_hand_computation():
    # Newcombe (1998) method 10 from Wilson limits, computed here by hand for 56/70 vs 48/80.
    def wilson(x, n, z=1.959963984540054):
        centre = (2 * x + z * z) / (2 * (n + z * z))
        half = z * math.sqrt(z * z + 4 * x * (1 - x / n)) / (2 * (n + z * z))
        return centre - half, centre + half

    p1, p2 = 56 / 70, 48 / 80
    l1, u1 = wilson(56, 70)
    l2, u2 = wilson(48, 80)
    d = p1 - p2
    lower = d - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    change = ph.year_on_year(56, 70, 48, 80)
    assert change is not None
    assert change.difference == pytest.approx(d * 100)
    assert change.lower == pytest.approx(lower * 100, abs=1e-9)
    assert change.upper == pytest.approx(upper * 100, abs=1e-9)
    assert change.significant == (lower > 0 or upper < 0)


@pytest.mark.parametrize(
    ("counts", "significant"),
    [
        ((60, 100, 50, 100), False),  # 10 points on 100 each: interval crosses 0
        ((600, 1000, 500, 1000), True),  # the same 10 points on 1,000 each
        ((40, 100, 40, 100), False),
    ],
)
def test_year_on_year_significance_depends_on_the_sizes(counts, significant):
    change = ph.year_on_year(*counts)
    assert change is not None and change.significant is significant


@pytest.mark.parametrize("counts", [(5, 0, 4, 10), (5, 10, float("nan"), 10)])
def test_year_on_year_is_none_without_two_proportions(counts):
    assert ph.year_on_year(*counts) is None


def test_blackpool_needs_attention_and_the_others_do_not(grid_rows):
    attention = pg.needs_attention(grid_rows)
    assert attention["area_code"].tolist() == [BLACKPOOL, BLACKPOOL]
    assert attention["indicator"].tolist() == ["uptake.completion", "uptake.attendance"]
    reason = pg.attention_reason(attention.iloc[0], "99.8")
    # 12 of 60 = 20%; the programme 108 of 180 = 60%
    assert reason.startswith("Completion was 20% (99.8% CI ")
    assert "worse than the programme's 60% (99.8%), and getting worse over the five " in reason


def test_summary_names_the_worse_area_and_the_areas_without_a_return(grid_rows):
    sentences = psum.overview_summary(grid_rows, "2018-19_Q4", ci="99.8")
    n_areas = grid_rows.loc[grid_rows["area_code"] != "programme", "area_code"].nunique()
    assert sentences[0] == f"In 2018-19 Q4, 3 of {n_areas} areas had a return covering the period."
    # 3 areas x 240 families referred in 2018-19, over targets 140 + 740 + 60: 720 / 940 = 77%
    assert sentences[1] == (
        "Across the programme in 2018-19 Q4, families reached were 77% of the "
        "pro-rata target and 60% of interventions that ended were completed."
    )
    assert sentences[2] == (
        "In 2018-19 Q4, 1 of 3 areas was worse than the programme (99.8% limits) on at least one "
        "key indicator: 1 on completion (Blackpool); 1 on sessions attended (Blackpool)."
    )
    assert sentences[3] == (
        "2 areas were better than the programme (99.8% limits) on at least one: Essex "
        "(completion and sessions attended) and Newcastle upon Tyne (completion and sessions "
        "attended)."
    )
    assert sentences[-1] == (
        "1 area needs attention (worse than the programme (99.8% limits) and getting worse): "
        "Blackpool."
    )


def test_sorting_by_completion_lowest_first_puts_blackpool_first_and_gaps_last(grid_rows):
    order = pg.sort_areas(grid_rows, "uptake.completion", pg.ORDER_LOW)
    assert order[0] == BLACKPOOL
    assert set(order[1:3]) == {NEWCASTLE, ESSEX}
    assert len(order) == grid_rows.loc[grid_rows["area_code"] != "programme", "area_code"].nunique()
    high = pg.sort_areas(grid_rows, "uptake.completion", pg.ORDER_HIGH)
    assert high.index(BLACKPOOL) == 2  # after the two 80% areas, before the areas without data


def test_cell_is_the_first_row_of_the_area_and_indicator_with_its_values(grid_rows):
    for (area, ind), _ in grid_rows.groupby(["area_code", "indicator"], sort=False):
        expected = grid_rows[
            (grid_rows["area_code"] == area) & (grid_rows["indicator"] == ind)
        ].iloc[0]
        got = pg.cell(grid_rows, area, ind)
        assert list(got) == list(expected.index)
        for column, value in expected.items():
            assert (
                got[column] is value
                or got[column] == value
                or (pd.isna(got[column]) and pd.isna(value))
            ), column
    assert pg.cell(grid_rows, "E99999999", "uptake.completion") is None


def test_cell_follows_the_frame_it_is_given(grid_rows):
    first = pg.cell(grid_rows, BLACKPOOL, "uptake.completion")
    other = grid_rows.assign(value=grid_rows["value"] * 0 + 1.5)
    assert pg.cell(other, BLACKPOOL, "uptake.completion")["value"] == 1.5
    assert pg.cell(grid_rows, BLACKPOOL, "uptake.completion")["value"] == first["value"]
    dup = pd.concat([grid_rows.iloc[:1].assign(value=-1.0), grid_rows], ignore_index=True)
    row = dup.iloc[0]
    assert pg.cell(dup, row["area_code"], row["indicator"])["value"] == -1.0


def test_sorting_by_name_is_alphabetical(grid_rows):
    names = dict(zip(grid_rows["area_code"], grid_rows["area_name"], strict=False))
    order = [names[c] for c in pg.sort_areas(grid_rows, pg.SORT_AREA, pg.ORDER_LOW)]
    assert order == sorted(order)
    reverse = [names[c] for c in pg.sort_areas(grid_rows, pg.SORT_AREA, pg.ORDER_HIGH)]
    assert reverse == sorted(order, reverse=True)


def test_headline_completion_says_down_from_last_year_and_significant(overview_data):
    rows = overview_data.rows(
        list(ph.HEADLINE_INDICATORS), areas=["programme"], periods=["2018-19_Q4", "2017-18_Q4"]
    ).rows
    card = ph.headline(rows, "uptake.completion", "2018-19_Q4")
    assert card.value_text == "60%"  # 108 / 180
    assert card.counts_text == "108 of 180 episodes"
    assert card.change_text.startswith("Down from 83% (95% CI ")  # 150 / 180 = 83.3%
    assert "in 2017-18 Q4; the fall of 23.3 percentage points" in card.change_text
    assert "is significant: worse than a year earlier." in card.change_text


def test_headline_without_last_year_says_so(overview_data):
    rows = overview_data.rows(
        ["uptake.completion"], areas=["programme"], periods=["2017-18_Q4"]
    ).rows
    card = ph.headline(rows, "uptake.completion", "2017-18_Q4")
    assert card.change_text == "No figure for 2016-17 Q4 to compare with (no data)."


@pytest.mark.parametrize(
    ("indicator", "link"),
    [
        ("uptake.completion", "/uptake?indicator=uptake.completion&period=2018-19_Q4&ci=99.8"),
        ("reach.fathers", "/reach?indicator=reach.fathers&period=2018-19_Q4&ci=99.8"),
        (
            "outcome.ops.reliable_improvement",
            "/outcomes?indicator=reliable_improvement&measure=ops&period=2018-19_Q4&ci=99.8",
        ),
    ],
)
def test_topic_links_carry_the_indicator_period_and_grid_interval(indicator, link):
    assert pg.topic_link(indicator, "2018-19_Q4", "99.8") == link
    assert pg.topic_link(indicator, "2018-19_Q4") == link.replace("ci=99.8", "ci=95")


def test_area_links_carry_indicator_and_period_when_given():
    assert pg.area_link(BLACKPOOL) == f"/area/{BLACKPOOL}"
    assert pg.area_link(BLACKPOOL, "reach.target", "2018-19") == (
        f"/area/{BLACKPOOL}?indicator=reach.target&period=2018-19"
    )


def test_resolve_period_falls_back_to_latest_with_a_message():
    period, messages = po.resolve_period("2030-31_Q1", ["2018-19_Q4"], "2018-19_Q4")
    assert period == "2018-19_Q4"
    assert messages == [
        "There are no figures for 2030-31 Q1; showing the latest quarter, 2018-19 Q4 instead."
    ]
    assert po.resolve_period(po.LATEST, ["2018-19_Q4"], "2018-19_Q4") == ("2018-19_Q4", [])


# --- through the app ------------------------------------------------------------------------


def test_home_page_answers_200_with_and_without_a_query(overview_client):
    for path in ("/", "/?period=2018-19_Q3&sort=uptake.completion&order=high", "/?sort=bad"):
        assert overview_client.get(path).status_code == 200


def test_home_layout_with_bad_parameters_shows_a_message_not_an_error(overview_client):
    response = route(overview_client, "/", "?period=2018-19_Q9&sort=nonsense&colour=red")
    text = json.dumps(response[ids.PAGE_CONTENT]["children"])
    assert "Some settings in the address could not be used" in text
    assert "Ignored period='2018-19_Q9'" in text
    assert "Ignored sort='nonsense'" in text
    assert "unknown setting 'colour'" in text


def test_overview_callback_fills_the_grid_with_words_and_links_for_every_area(
    overview_client, overview_data
):
    response = update_overview(overview_client, "2018-19_Q4", ci="99.8")
    grid = json.dumps(response[ids.HOME_GRID]["children"])
    assert "Areas compared with the programme, 2018-19 Q4, at 99.8% confidence" in grid
    assert '"lfo-cmp-worse"' not in grid  # a td's class is "text-end lfo-cmp-worse"
    assert "text-end lfo-cmp-worse" in grid and " than the programme (99.8%)" in grid
    for code in overview_data.areas()["area_code"]:
        assert f"/area/{code}" in grid
    assert f"/area/{BLACKPOOL}?indicator=uptake.completion&period=2018-19_Q4" in grid
    assert "/uptake?indicator=uptake.completion&period=2018-19_Q4&ci=99.8" in grid
    assert "[x]" in grid  # areas without a return
    assert "Number of areas (99.8%)" in grid
    attention = json.dumps(response[ids.HOME_ATTENTION]["children"])
    assert "Blackpool" in attention and "getting worse" in attention


def test_home_opens_at_the_latest_financial_year_at_95_percent(overview_client):
    response = update_overview(overview_client)
    options = response[ids.HOME_PERIOD]["options"]
    assert options[0] == {"label": "Latest financial year (2018-19)", "value": po.LATEST}
    assert options[1]["value"] == "2018-19_Q4"  # the latest quarter next
    grid = json.dumps(response[ids.HOME_GRID]["children"])
    assert "Areas compared with the programme, 2018-19, at 95% confidence" in grid
    assert "/uptake?indicator=uptake.completion&period=2018-19&ci=95" in grid


@pytest.mark.parametrize(
    ("period", "sort", "order"),
    [
        ("2018-19_Q1", "uptake.completion", pg.ORDER_HIGH),
        ("2018-19", "reach.target", pg.ORDER_LOW),
        ("2016-17_Q1", "outcome.csi4.reliable_improvement", pg.ORDER_LOW),
        ("2030-31_Q1", "nonsense", "sideways"),
    ],
)
def test_overview_callback_answers_for_representative_inputs(overview_client, period, sort, order):
    response = update_overview(overview_client, period, sort, order)
    assert ids.HOME_GRID in response and ids.HOME_SUMMARY in response


def test_a_financial_year_lists_the_areas_that_need_attention(overview_client):
    # Blackpool completes 45 + 36 + 24 + 12 = 117 of 240 in 2018-19 (49%) against 48 of 60 a
    # quarter (80%) elsewhere, and its completion falls every quarter from 2017-18 Q4 to
    # 2018-19 Q4: worse and getting worse
    response = update_overview(overview_client, "2018-19")
    attention = json.dumps(response[ids.HOME_ATTENTION])
    assert "Blackpool" in attention
    assert "getting worse over the five quarters to 2018-19 Q4" in attention


def test_a_period_without_data_says_so_and_shows_the_latest(overview_client):
    response = update_overview(overview_client, "2030-31_Q1")
    assert "There are no figures for 2030-31 Q1; showing the latest financial year, 2018-19" in (
        json.dumps(response[ids.HOME_DATA_MESSAGES])
    )
    assert "In 2018-19," in json.dumps(response[ids.HOME_SUMMARY])


def test_ranking_chart_follows_the_sort_indicator(overview_client):
    response = update_overview(overview_client, "2018-19_Q4", sort="uptake.completion")
    assert response[ids.chart(ids.HOME_CHART, "heading")]["children"] == (
        "Completion by area, 2018-19 Q4"
    )
    summary = response[ids.chart(ids.HOME_CHART, "summary")]["children"]
    assert "Blackpool" in summary and "worse" in summary


def _query_output(app) -> tuple[str, str]:
    """The address-writing callback's output (``allow_duplicate`` gives it a hashed name)."""
    key = next(
        k
        for k, v in app.callback_map.items()
        if k.startswith(f"{ids.URL}.search@") and any(i["id"] == ids.HOME_SORT for i in v["inputs"])
    )
    return ids.URL, key.split(".", 1)[1]


def test_controls_write_the_query_and_defaults_stay_out(overview_app, overview_client):
    outputs = [_query_output(overview_app)]

    def query(period, sort, order, ci="95", search="", benchmark="programme", rows="first"):
        return post_callback(
            overview_client,
            outputs,
            controls(period, sort, order, ci, benchmark, rows),
            [{"id": ids.URL, "property": "search", "value": search}],
        )[ids.URL]["search"]

    assert query("2018-19_Q3", "uptake.completion", pg.ORDER_LOW) == (
        "?period=2018-19_Q3&sort=uptake.completion"
    )
    assert query(po.LATEST, pg.SORT_AREA, pg.ORDER_HIGH) == "?order=high"
    assert query(po.LATEST, pg.SORT_AREA, pg.ORDER_LOW, "99.8") == "?ci=99.8"
    assert query(po.LATEST, pg.SORT_AREA, pg.ORDER_LOW, benchmark="region") == "?benchmark=region"
    # a forged value is the programme's: the address drops the benchmark it had
    forged = query(po.LATEST, pg.SORT_AREA, pg.ORDER_LOW, search="?benchmark=region", benchmark="x")
    assert forged == ""


def test_the_address_sets_the_controls_and_reports_bad_values(overview_client):
    response = read_address(
        overview_client,
        "?period=2018-19_Q2&sort=bad&ci=99.8&benchmark=neighbours",
        sort="uptake.start",
    )
    assert response[ids.HOME_BENCHMARK]["value"] == "neighbours"
    assert response[ids.HOME_PERIOD]["value"] == "2018-19_Q2"
    assert response[ids.HOME_SORT]["value"] == pg.SORT_AREA
    assert response[ids.HOME_CI]["value"] == "99.8"
    assert ids.HOME_ORDER not in response  # unchanged: no update
    assert "Ignored sort='bad'" in json.dumps(response[ids.HOME_MESSAGES])


def test_an_empty_database_says_no_returns_are_loaded(tmp_path):
    from lfo.db import init_db, writer_engine

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = writer_engine(url)
    init_db(engine)
    engine.dispose()
    empty = create_app(DashboardSettings(database_url=url)).server.test_client()
    response = update_overview(empty)
    assert "No returns are loaded yet" in json.dumps(response[ids.HOME_SUMMARY])
    assert response[ids.chart(ids.HOME_CHART, "empty")]["hidden"] is False


def test_a_missing_database_gives_a_message_not_an_error(tmp_path):
    url = f"sqlite:///{tmp_path / 'missing.db'}"
    missing = create_app(DashboardSettings(database_url=url)).server.test_client()
    assert missing.get("/").status_code == 200
    response = update_overview(missing)
    assert "The data cannot be shown just now" in json.dumps(response[ids.HOME_SUMMARY])


def test_a_change_in_the_areas_pooled_is_said():
    ind = indicators()["uptake.completion"]
    now = pd.Series(
        dict(
            value=60.0,
            lower=50.0,
            upper=70.0,
            numerator=60,
            denominator=100,
            status=None,
            areas_pooled=12,
        )
    )
    then = now.copy()
    then[["value", "numerator", "areas_pooled"]] = [50.0, 50, 9]
    sentence = ph.change_sentence(now, then, ind, "2017-18 Q4")
    assert sentence.startswith(
        "Up from 50% (95% CI 50% to 70%) in 2017-18 Q4, when 9 areas' "
        "returns covered the period; the rise of 10.0 percentage points"
    )


# --- the grid written as JSON is what Dash components would send ------------------------------


def _grid_with_components(rows: pd.DataFrame, order_codes: list[str], period: str, ci: str):
    """The grid built a Dash component per cell (the reference the JSON must equal)."""
    from dash import dcc, html

    def cell(row, code, name, indicator):
        ind = indicators()[indicator]
        words = pg.comparison_words(row)
        if row is None or row["status"] in pg.STATUS_MARKS or pd.isna(row["value"]):
            mark = pg.STATUS_MARKS.get(None if row is None else row["status"], "[x]")
            return html.Td(
                [mark, html.Span(f" {words}", className="small d-block")],
                className="text-end text-body-secondary",
            )
        value = fmt(row["value"], ind)
        context = f" — {pg.GRID_HEADERS[indicator]}, {name}, {period_label(period)}"
        if code == PROGRAMME:
            figure = html.Span(value, className="fw-bold")
        else:
            figure = dcc.Link(
                [value, html.Span(context, className="visually-hidden")],
                href=pg.area_link(code, indicator, period),
            )
        parts = [figure]
        direction = row.get("trend")
        judged = row.get("trend_judgement")
        judged = judged if judged in ("getting better", "getting worse") else None
        trending = direction in ("increasing", "decreasing", "no significant change")
        if trending:  # the arrow beside the figure, as the cell's own text
            parts.append(
                "\u00a0" + {"increasing": "\u2191", "decreasing": "\u2193"}.get(direction, "\u2192")
            )
        comp = row["comparison"] if code != PROGRAMME and ind.has_interval else None
        lines, said = [], ""
        if comp in ("better", "similar", "worse"):
            shape = {"better": "\u25c6", "similar": "\u25cf", "worse": "\u25a0"}[comp]
            lines.append(f"{shape} {comp}")
            rest = " to the programme" if comp == "similar" else " than the programme"
            said = f"{rest} ({ci}%)"
        if trending:
            said += f" (recent trend: {direction})"
        if said:
            lines.append(html.Span(said, className="visually-hidden"))
        if judged and trending:
            lines.append(f"\n{judged}" if comp in ("better", "similar", "worse") else judged)
        if lines:
            parts.append(html.Span(lines, className="lfo-cmp"))
        fill = f" lfo-cmp-{comp}" if comp in ("better", "similar", "worse") else ""
        return html.Td(parts, className="text-end" + fill)

    shown = [i for i in pg.GRID_INDICATORS if i not in pg.suppressed_columns(rows)]

    def grid_row(code, name):
        header = (
            html.Th(name, scope="row")
            if code == PROGRAMME
            else html.Th(dcc.Link(name, href=pg.area_link(code, period=period)), scope="row")
        )
        return html.Tr([header] + [cell(pg.cell(rows, code, i), code, name, i) for i in shown])

    catalogue = indicators()
    head = [html.Th("Area", scope="col")] + [
        html.Th(
            scope="col",
            children=dcc.Link(
                [
                    pg.GRID_HEADERS[i],
                    html.Span(f" ({catalogue[i].name})", className="visually-hidden"),
                ],
                href=pg.topic_link(i, period, ci),
            ),
        )
        for i in shown
    ]
    counts = pg.column_counts(rows)
    count_cells = [
        html.Td(
            "not compared"
            if counts[i] is None
            else [
                html.Span(f"{pg.COMPARISON_SHAPES[c]} {counts[i][c]} {c}")
                for c in ("better", "similar", "worse")
            ],
            className="text-end",
        )
        for i in shown
    ]
    count_row = html.Tr(
        [html.Th(f"Number of areas ({ci}%)", scope="row"), *count_cells], className="lfo-counts"
    )
    names = dict(zip(rows["area_code"], rows["area_name"], strict=False))
    body = [grid_row(PROGRAMME, "Programme (all areas)")]
    body += [grid_row(code, names.get(code, code)) for code in order_codes]
    caption = (
        f"Areas compared with the programme, {period_label(period)}, at {ci}% confidence: each "
        "figure with its comparison and its recent trend. [c] suppressed, [x] not available, "
        "[z] not applicable."
    )
    table = html.Table(
        className="table table-sm lfo-table lfo-grid align-middle",
        children=[
            html.Caption(caption),
            html.Thead([html.Tr(head), count_row]),
            html.Tbody(body),
        ],
    )
    return html.Div([html.Div(table, className="table-responsive")])


@pytest.mark.parametrize(
    ("sort", "order"), [(pg.SORT_AREA, pg.ORDER_LOW), ("uptake.completion", pg.ORDER_HIGH)]
)
def test_grid_json_is_what_components_would_send_in_any_order(grid_rows, sort, order):
    import plotly.utils

    codes = pg.sort_areas(grid_rows, sort, order)
    made = home.grid_rows(grid_rows, "2018-19_Q4", "99.8")  # made once, for any order
    reference = json.dumps(
        _grid_with_components(grid_rows, codes, "2018-19_Q4", "99.8"),
        cls=plotly.utils.PlotlyJSONEncoder,
    )
    for answer in (
        home.grid(grid_rows, codes, "2018-19_Q4", ci="99.8"),
        home.grid(grid_rows, codes, "2018-19_Q4", made, ci="99.8"),
    ):
        assert json.dumps(answer, cls=plotly.utils.PlotlyJSONEncoder) == reference


def test_the_order_radios_say_what_they_do_for_the_sort_chosen(overview_client):
    response = post_callback(
        overview_client,
        [(ids.HOME_ORDER, "options")],
        [{"id": ids.HOME_SORT, "property": "value", "value": "uptake.completion"}],
    )
    labels = [o["label"] for o in response[ids.HOME_ORDER]["options"]]
    assert labels == ["Lowest completion first", "Highest completion first"]
    text = json.dumps(route(overview_client, "/", "?sort=area")[ids.PAGE_CONTENT]["children"])
    assert "A to Z by name" in text and "Lowest first" not in text


def test_the_confidence_switch_follows_the_address_and_explains_99_8(overview_client):
    text = json.dumps(route(overview_client, "/", "?ci=99.8")[ids.PAGE_CONTENT]["children"])
    assert "99.8% flags only clear differences, because many comparisons are made" in text
    bad = json.dumps(route(overview_client, "/", "?ci=90")[ids.PAGE_CONTENT]["children"])
    assert "Ignored ci='90': the confidence level is 95 or 99.8" in bad


def test_the_ranking_chart_is_shown_when_it_has_figures(overview_client):
    response = update_overview(overview_client, "2018-19_Q4")
    assert response[ids.chart(ids.HOME_CHART, "section")]["hidden"] is False
    assert response[ids.HOME_NOT_SHOWN]["children"] == []


def test_a_ranking_chart_with_nothing_to_draw_is_not_shown_and_one_line_says_why(tmp_path):
    from lfo.db import init_db, writer_engine

    url = f"sqlite:///{tmp_path / 'empty.db'}"
    engine = writer_engine(url)
    init_db(engine)  # no returns loaded
    engine.dispose()
    empty = create_app(DashboardSettings(database_url=url)).server.test_client()
    response = update_overview(empty)
    # no card, no 240 px blank figure: the section is hidden and the list says why
    assert response[ids.chart(ids.HOME_CHART, "section")]["hidden"] is True
    (line,) = response[ids.HOME_NOT_SHOWN]["children"]
    assert line["props"]["children"] == (
        "The ranking chart is not shown: no returns are loaded yet."
    )


def test_the_grid_and_the_ranking_compare_with_the_benchmark_chosen(overview_client):
    response = update_overview(overview_client, "2018-19_Q4", benchmark="region")
    grid = json.dumps(response[ids.HOME_GRID]["children"])
    assert "Areas compared with their regions, 2018-19 Q4, at 95% confidence" in grid
    assert "than the programme" not in grid and "to the programme" not in grid
    subtitle = response[ids.chart(ids.HOME_CHART, "subtitle")]["children"]
    assert "compared with their regions" in subtitle
    view = response[component_key(ids.chart_pattern(ids.HOME_CHART, "view"))]["data"]
    assert view["benchmark"] == "region"
    forged = update_overview(overview_client, "2018-19_Q4", benchmark="<script>")
    assert "Areas compared with the programme" in json.dumps(forged[ids.HOME_GRID]["children"])
