"""The overview's presenters (``dashboard.present.overview``, ``overview_headlines``, ``home``) on
hand-made engine rows: no database, no server."""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest

from dashboard.present import home as ph_home
from dashboard.present import overview as po
from dashboard.present import overview_grid as pg
from dashboard.present import overview_headlines as ph
from dashboard.present import overview_summary as psum
from lfo.db import DatabaseError
from lfo.indicators.request import ROW_COLUMNS, ResultMeta
from lfo.terms import PROGRAMME

BLACKPOOL, ESSEX, LUTON = "E06000009", "E10000012", "E06000032"
NAMES = {PROGRAMME: "Programme", BLACKPOOL: "Blackpool", ESSEX: "Essex", LUTON: "Luton"}
Q4 = "2018-19_Q4"


def row(area: str, indicator: str = "uptake.completion", **values: object) -> dict[str, object]:
    """One engine row: a figure of 50% similar to the programme's unless ``values`` say else."""
    out: dict[str, object] = dict.fromkeys(ROW_COLUMNS)
    out.update(
        indicator=indicator,
        area_code=area,
        area_name=NAMES[area],
        period=Q4,
        value=50.0,
        lower=40.0,
        upper=60.0,
        numerator=50,
        denominator=100,
        comparison=None if area == PROGRAMME else "similar",
        trend_judgement="no clear trend",
        status=None,
        benchmark=50.0,
    )
    out.update(values)
    return out


def frame(*rows: dict[str, object]) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


# --- periods and links -------------------------------------------------------------------------


def test_period_choices_are_quarters_newest_first_then_years_newest_first():
    periods = ["2018-19_Q3", "2018-19_Q4", "2017-18", "2018-19"]
    assert po.period_choices(periods) == ["2018-19_Q4", "2018-19_Q3", "2018-19", "2017-18"]
    assert po.latest_label(Q4) == "Latest quarter (2018-19 Q4)"
    assert po.latest_label("2018-19") == "Latest financial year (2018-19)"


def test_the_default_period_is_the_latest_year_the_returns_cover_else_the_latest_quarter():
    # available_periods lists a year only once its Q4 is within a return: 2019-20 is not listed
    periods = ["2018-19_Q4", "2019-20_Q1", "2019-20_Q2", "2017-18", "2018-19"]
    assert po.default_period(periods) == "2018-19"
    assert po.default_period(["2019-20_Q1", "2019-20_Q2"]) == "2019-20_Q2"
    assert po.default_period([]) is None


def test_resolve_period_falls_back_to_the_default_with_a_message():
    assert po.resolve_period(None, [Q4], Q4) == (Q4, [])
    assert po.resolve_period(po.LATEST, ["2018-19", Q4], "2018-19") == ("2018-19", [])
    assert po.resolve_period(Q4, ["2018-19", Q4], "2018-19") == (Q4, [])
    assert po.resolve_period("2030-31_Q1", [Q4], Q4) == (
        Q4,
        ["There are no figures for 2030-31 Q1; showing the latest quarter, 2018-19 Q4 instead."],
    )
    assert po.resolve_period("2030-31", ["2018-19"], "2018-19")[1] == [
        "There are no figures for 2030-31; showing the latest financial year, 2018-19 instead."
    ]
    assert po.resolve_period("nonsense", [], None) == (
        None,
        ["There are no figures for nonsense; showing no period instead."],
    )


def test_links_open_the_area_profile_and_the_topic_page_at_the_indicator():
    assert pg.area_link(BLACKPOOL, "uptake.completion", Q4) == (
        f"/area/{BLACKPOOL}?indicator=uptake.completion&period={Q4}"
    )
    assert pg.topic_link("outcome.ops.reliable_improvement") == (
        "/outcomes?indicator=reliable_improvement&measure=ops&ci=95"
    )
    assert pg.topic_link("uptake.completion", Q4, "99.8") == (
        f"/uptake?indicator=uptake.completion&period={Q4}&ci=99.8"
    )


def test_the_grid_headers_name_every_grid_indicator_in_order():
    assert tuple(pg.GRID_HEADERS) == pg.GRID_INDICATORS
    assert pg.GRID_HEADERS["uptake.start"] == "Offers taken up"


# --- the grid ----------------------------------------------------------------------------------


def test_areas_sort_by_value_with_missing_values_last():
    rows = frame(
        row(BLACKPOOL, value=30.0),
        row(ESSEX, value=None, status="c"),
        row(LUTON, value=70.0),
    )
    assert pg.sort_areas(rows, "uptake.completion", pg.ORDER_LOW) == [BLACKPOOL, LUTON, ESSEX]
    assert pg.sort_areas(rows, "uptake.completion", pg.ORDER_HIGH) == [LUTON, BLACKPOOL, ESSEX]
    assert pg.sort_areas(rows, pg.SORT_AREA, pg.ORDER_HIGH) == [LUTON, ESSEX, BLACKPOOL]


def test_a_grid_cell_says_its_figure_comparison_with_its_level_and_trend():
    rows = frame(
        row(PROGRAMME),
        row(
            BLACKPOOL,
            value=30.0,
            comparison="worse",
            trend="decreasing",
            trend_judgement="getting worse",
        ),
        row(ESSEX, value=None, status="c"),
        row(LUTON, trend="no significant change", trend_judgement=None),
    )
    worse = pg.grid_cell(
        pg.cell(rows, BLACKPOOL, "uptake.completion"),
        BLACKPOOL,
        "Blackpool",
        "uptake.completion",
        Q4,
        "99.8",
    )
    assert (worse.mark, worse.value, worse.comparison, worse.flagged) == (
        None,
        "30%",
        "worse",
        True,
    )
    assert (worse.shape, worse.label) == ("\u25a0", "worse than the programme (99.8%)")
    assert (worse.arrow, worse.trend) == ("\u2193", "getting worse")
    assert worse.direction == "recent trend: decreasing"
    assert worse.href == pg.area_link(BLACKPOOL, "uptake.completion", Q4)
    assert worse.context == " — Completion, Blackpool, 2018-19 Q4"
    similar = pg.grid_cell(
        pg.cell(rows, LUTON, "uptake.completion"), LUTON, "Luton", "uptake.completion", Q4
    )
    assert (similar.flagged, similar.comparison, similar.shape) == (False, "similar", "\u25cf")
    assert similar.label == "similar to the programme (95%)"
    assert (similar.arrow, similar.trend, similar.direction) == (
        "\u2192",
        None,
        "recent trend: no significant change",
    )
    suppressed = pg.grid_cell(
        pg.cell(rows, ESSEX, "uptake.completion"), ESSEX, "Essex", "uptake.completion", Q4
    )
    assert (suppressed.mark, suppressed.words, suppressed.comparison) == ("[c]", "suppressed", None)
    programme = pg.grid_cell(
        pg.cell(rows, PROGRAMME, "uptake.completion"),
        PROGRAMME,
        "Programme (all areas)",
        "uptake.completion",
        Q4,
    )
    assert (programme.href, programme.words, programme.comparison) == (None, "programme", None)
    missing = pg.grid_cell(None, LUTON, "Luton", "uptake.start", Q4)
    assert (missing.mark, missing.words) == ("[x]", "no data")
    # families against target has no interval: never compared, so never filled
    target = pg.grid_cell(
        row(LUTON, "reach.target", value=80.0, comparison="better"),
        LUTON,
        "Luton",
        "reach.target",
        Q4,
    )
    assert (target.comparison, target.label, target.shape) == (None, "", "")


def test_a_figure_whose_group_benchmark_is_suppressed_says_not_compared_and_why():
    """Seen on Home with the region benchmark for a quarter: Lambeth's 81% stood with no word,
    because London's other areas had a suppressed figure."""
    rows = frame(
        row(PROGRAMME),
        row(BLACKPOOL, comparison=None, benchmark=None, benchmark_status="c"),
        row(LUTON, comparison="similar", benchmark_status=None),
    )
    cell = pg.grid_cell(
        pg.cell(rows, BLACKPOOL, "uptake.completion"),
        BLACKPOOL,
        "Blackpool",
        "uptake.completion",
        Q4,
        benchmark="region",
    )
    assert (cell.value, cell.comparison, cell.uncompared) == ("50%", None, "[c]")
    luton = pg.grid_cell(
        pg.cell(rows, LUTON, "uptake.completion"), LUTON, "Luton", "uptake.completion", Q4
    )
    assert luton.uncompared == ""
    note = pg.uncompared_note(rows, "region")
    assert note is not None and note.startswith("Not compared: their regions have no figure")
    assert "[c] suppressed" in note
    assert pg.uncompared_note(rows, "programme") is None
    assert pg.uncompared_note(rows.assign(benchmark_status=None), "region") is None


def test_the_count_row_counts_better_similar_and_worse_areas_per_column():
    counts = pg.column_counts(_worse_and_worsening())
    # completion: Blackpool and Luton worse, Essex better; offers taken up: Blackpool worse
    assert counts["uptake.completion"] == {"better": 1, "similar": 0, "worse": 2}
    assert counts["uptake.start"] == {"better": 0, "similar": 0, "worse": 1}
    assert counts["reach.target"] is None  # not compared
    assert counts["reach.fathers"] == {"better": 0, "similar": 0, "worse": 0}
    assert pg.count_words(counts["uptake.completion"]) == "1 better, 0 similar, 2 worse"
    assert pg.count_words(None) == "not compared"


def test_counts_and_left_out_columns_read_missing_words_as_missing():
    """A comparison or a status missing (None, NaN or pandas' NA, as the engine's frames hold
    them) is neither counted nor read as suppressed; an area's second row is not counted."""
    rows = frame(
        row(PROGRAMME, "uptake.start"),
        row(BLACKPOOL, "uptake.start", value=None, status=None),
        row(LUTON, "uptake.start", value=None, status=float("nan")),
        row(ESSEX, "uptake.start", comparison="worse"),
        row(ESSEX, "uptake.start", comparison="better"),  # a second row of Essex: not counted
    )
    rows["comparison"] = rows["comparison"].astype("string")  # missing as pd.NA
    rows.loc[rows["area_code"] == BLACKPOOL, "comparison"] = pd.NA
    # Luton similar (the default), Essex worse (its first row), Blackpool missing
    assert pg.column_counts(rows)["uptake.start"] == {"better": 0, "similar": 1, "worse": 1}
    assert pg.suppressed_columns(rows.assign(value=None)) == []  # no [c]: not "suppressed"


def test_columns_every_area_suppressed_in_are_left_out_with_a_note():
    rows = frame(
        row(PROGRAMME),
        row(PROGRAMME, "uptake.start"),
        row(BLACKPOOL),
        row(BLACKPOOL, "uptake.start", value=None, status="c"),
        row(LUTON, "uptake.start", value=None, status="x"),
        row(ESSEX, "reach.fathers", value=None, status="x"),  # none suppressed: shown
    )
    assert pg.suppressed_columns(rows) == ["uptake.start"]
    assert pg.suppressed_note(["uptake.start"], Q4) == (
        "Not shown: Offers taken up — every area's figure is suppressed ([c], too few people) "
        "or not available for 2018-19 Q4. A financial year shows more."
    )
    assert pg.suppressed_note([], Q4) is None
    assert pg.suppressed_note(["uptake.start"], "2018-19").endswith("available for 2018-19.")


def test_highest_first_is_lowest_first_turned_over_and_the_order_labels_say_so():
    rows = frame(
        row(PROGRAMME),
        row(BLACKPOOL, value=40.0),
        row(ESSEX, value=40.0),  # a tie with Blackpool
        row(LUTON, value=None, status="c"),
    )
    low = pg.sort_areas(rows, "uptake.completion", pg.ORDER_LOW)
    high = pg.sort_areas(rows, "uptake.completion", pg.ORDER_HIGH)
    assert low == [BLACKPOOL, ESSEX, LUTON]
    assert high == [ESSEX, BLACKPOOL, LUTON]  # reversed, ties too; no figure still last
    assert pg.order_labels("uptake.completion") == (
        "Lowest completion first",
        "Highest completion first",
    )
    assert pg.order_labels(pg.SORT_AREA) == ("A to Z by name", "Z to A by name")


def test_a_financial_year_takes_the_trend_of_its_q4():
    year = frame(
        row(BLACKPOOL, period="2018-19", comparison="worse", trend=None, trend_judgement=None),
        row(LUTON, period="2018-19", trend=None, trend_judgement=None),
    )
    q4 = frame(
        row(BLACKPOOL, trend="decreasing", trend_judgement="getting worse"),
        row(LUTON, "uptake.start", trend="increasing", trend_judgement="getting better"),
    )
    got = po.with_year_trends(year, q4)
    assert got["trend"].tolist() == ["decreasing", None]  # Luton's completion: no Q4 row
    assert got["trend_judgement"].tolist() == ["getting worse", None]
    assert got["period"].tolist() == ["2018-19", "2018-19"]
    assert pg.needs_attention(got)["area_name"].tolist() == ["Blackpool"]
    assert pg.trend_end("2018-19") == "2018-19_Q4" and pg.trend_end(Q4) == Q4


def test_the_grid_caption_names_the_period_the_level_and_the_symbols():
    assert pg.grid_caption("2018-19").startswith(
        "Areas compared with the programme, 2018-19, at 95% confidence:"
    )
    assert ", at 99.8% confidence:" in pg.grid_caption("2018-19", "99.8")
    assert "[c] suppressed, [x] not available, [z] not applicable." in pg.grid_caption(Q4)


# --- needs attention and the summary -----------------------------------------------------------


def _worse_and_worsening() -> pd.DataFrame:
    return frame(
        row(PROGRAMME),
        row(PROGRAMME, "uptake.start"),
        row(
            BLACKPOOL,
            value=30.0,
            lower=25.0,
            upper=35.0,
            comparison="worse",
            trend_judgement="getting worse",
        ),
        row(
            BLACKPOOL,
            "uptake.start",
            value=20.0,
            comparison="worse",
            trend_judgement="getting worse",
        ),
        row(LUTON, value=35.0, comparison="worse", trend_judgement="getting worse"),
        row(ESSEX, value=70.0, comparison="better"),
    )


def test_needs_attention_lists_areas_with_most_indicators_first():
    hit = pg.needs_attention(_worse_and_worsening())
    assert list(zip(hit["area_name"], hit["indicator"], strict=True)) == [
        ("Blackpool", "uptake.start"),
        ("Blackpool", "uptake.completion"),
        ("Luton", "uptake.completion"),
    ]
    assert pg.attention_reason(hit.iloc[1]) == (
        "Completion was 30% (95% CI 25% to 35%), worse than the programme's 50% (95%), and "
        "getting worse over the five quarters to 2018-19 Q4."
    )
    year = hit.iloc[1].copy()
    year["period"] = "2018-19"
    assert pg.attention_reason(year, "99.8") == (
        "Completion was 30% (99.8% CI 25% to 35%), worse than the programme's 50% (99.8%), "
        "and getting worse over the five quarters to 2018-19 Q4."
    )


def test_attention_gives_each_area_its_reasons_and_links():
    got = pg.attention(pg.needs_attention(_worse_and_worsening()), Q4)
    assert got.message is None
    assert [a.name for a in got.areas] == ["Blackpool", "Luton"]
    first = got.areas[0].reasons[0]
    assert first.profile == pg.Link(
        "Blackpool's profile at offers taken up", pg.area_link(BLACKPOOL, "uptake.start", Q4)
    )
    assert first.topic.text == "all areas on offers taken up"
    assert first.topic.href == pg.topic_link("uptake.start", Q4, "95")
    # a financial year has its list too (its trend is over the five quarters to its Q4)
    year = pg.attention(pg.needs_attention(_worse_and_worsening()), "2018-19", "99.8")
    assert year.message is None and [a.name for a in year.areas] == ["Blackpool", "Luton"]
    assert year.areas[0].reasons[0].topic.href.endswith("period=2018-19&ci=99.8")
    none = pg.attention(pg.needs_attention(frame(row(PROGRAMME), row(LUTON))), "2018-19")
    assert none.message == (
        "No area was both worse than the programme (95%) in 2018-19 and getting worse over "
        "the five quarters to 2018-19 Q4."
    )


def test_the_summary_names_worse_better_and_attention_areas():
    sentences = psum.overview_summary(_worse_and_worsening(), Q4)
    assert sentences[0] == (
        "Across the programme in 2018-19 Q4, 50% of interventions that ended were completed."
    )
    assert sentences[1] == (
        "In 2018-19 Q4, 2 of 3 areas were worse than the programme (95% limits) on at least "
        "one key indicator: 1 on offers taken up (Blackpool); 2 on completion (Blackpool and "
        "Luton)."
    )
    assert sentences[2] == (
        "1 area was better than the programme (95% limits) on at least one: Essex (completion)."
    )
    assert sentences[-1] == (
        "2 areas need attention (worse than the programme (95% limits) and getting worse): "
        "Blackpool and Luton."
    )
    at_998 = psum.overview_summary(_worse_and_worsening(), Q4, ci="99.8")
    assert "worse than the programme (99.8% limits) on at least one" in at_998[1]
    assert psum.overview_summary(frame(row(PROGRAMME)), Q4) == [
        "There are no programme areas with figures for 2018-19 Q4."
    ]


def test_the_ranking_chart_shows_the_sort_indicator_if_it_has_an_interval():
    assert po.chart_indicator("uptake.start") == "uptake.start"
    assert po.chart_indicator("reach.target") == po.DEFAULT_CHART_INDICATOR
    assert po.chart_indicator(pg.SORT_AREA) == po.DEFAULT_CHART_INDICATOR
    content = po.ranking_chart(
        _worse_and_worsening(), "uptake.completion", Q4, ResultMeta("2019-05-01T10:00:00", 10)
    )
    assert content.title == "Completion by area, 2018-19 Q4"
    assert content.empty_message is None and content.threshold == 10
    assert "95% confidence intervals" in content.subtitle
    at_bottom, at_top = content.figure["layout"]["yaxis"]["range"]  # plotly's: from the bottom
    assert at_bottom < at_top  # the first row (the lowest) at the bottom: highest at the top
    meta = ResultMeta(None, 10)
    low = po.ranking_chart(
        _worse_and_worsening(),
        "uptake.completion",
        Q4,
        meta,
        ci="99.8",
        sort="uptake.completion",
        order=pg.ORDER_LOW,
    )
    # lowest first in the grid: the lowest at the top of the chart too
    at_bottom, at_top = low.figure["layout"]["yaxis"]["range"]
    assert at_bottom > at_top  # turned over: the first row (the lowest) at the top
    assert "99.8% confidence intervals" in low.subtitle
    assert "lowest at the top, as in the grid" in low.subtitle
    empty = po.ranking_chart(frame(row(PROGRAMME)), "uptake.completion", Q4, ResultMeta(None, 10))
    assert empty.empty_message == "No area has a figure for completion in 2018-19 Q4."


# --- headline cards ----------------------------------------------------------------------------


def test_headline_says_the_figure_and_the_change_from_a_year_earlier():
    rows = frame(
        row(PROGRAMME, value=60.0, lower=50.0, upper=70.0, numerator=60, denominator=100),
        row(PROGRAMME, period="2017-18_Q4", value=50.0, numerator=50, denominator=100),
    )
    card = ph.headline(rows, "uptake.completion", Q4)
    assert card.title == "Completion rate"
    assert (card.value_text, card.interval_text) == ("60%", "95% CI 50% to 70%")
    assert card.counts_text == "60 of 100 episodes"
    assert card.change_text.startswith("Up from 50% (95% CI 40% to 60%) in 2017-18 Q4; the rise")
    missing = ph.headline(rows, "uptake.start", Q4)
    assert (missing.value_text, missing.change_text) == (
        "not available",
        "No programme figure for 2018-19 Q4 (not available).",
    )


def test_previous_year_and_the_signed_difference():
    assert ph.previous_year("2018-19_Q1") == "2017-18_Q1"
    assert ph.previous_year("2018-19") == "2017-18"
    assert ph._signed(-6.06) == "\u22126.1" and ph._signed(0.7) == "+0.7"
    assert ph._signed(0.01) == "0.0"


# --- the shell's and home page's words ---------------------------------------------------------


def test_times_read_in_uk_time():
    assert ph_home.format_when(dt.datetime(2019, 6, 1, 9, 5)) == "1 June 2019, 10:05"
    assert ph_home.load_time("2019-01-02T03:04:00") == "2 January 2019, 03:04"
    assert ph_home.load_time(None) == ph_home.load_time(pd.NaT) == "–"
    assert ph_home.data_as_at(None) == "no returns loaded yet"


def test_returns_loaded_lists_every_area_with_its_current_return():
    returns = pd.DataFrame(
        {
            "area_code": [BLACKPOOL, ESSEX],
            "area_name": ["Blackpool", "Essex"],
            "region": ["North West", "East of England"],
            "period": [Q4, None],
            "loaded_at": [dt.datetime(2019, 5, 1, 12, 0), None],
        }
    )
    loaded = ph_home.returns_loaded(returns)
    assert loaded is not None
    assert loaded.sentence == "1 of 2 programme areas have a return loaded."
    assert loaded.rows == [
        ("Blackpool", BLACKPOOL, "North West", "2018-19 Q4", "1 May 2019, 13:00"),
        ("Essex", ESSEX, "East of England", "none", "–"),
    ]
    assert ph_home.returns_loaded(returns.iloc[:0]) is None


def test_returns_loaded_lists_only_the_areas_behind_when_there_are_many():
    """At national scale the table of 153 areas was a quarter of the home page's components;
    a programme lead chases the areas without the latest return, so only those are listed."""
    n = 60
    periods = [Q4] * (n - 3) + ["2018-19_Q3", None, "2018-19_Q3"]
    returns = pd.DataFrame(
        {
            "area_code": [f"E0{i:07d}" for i in range(n)],
            "area_name": [f"Area {i}" for i in range(n)],
            "region": ["North West"] * n,
            "period": periods,
            "loaded_at": [dt.datetime(2019, 5, 1, 12, 0)] * n,
        }
    )
    loaded = ph_home.returns_loaded(returns)
    assert loaded is not None and not loaded.every_area
    assert loaded.sentence == (
        "59 of 60 programme areas have a return loaded. 3 areas have no return for 2018-19 Q4, "
        "the latest loaded: listed below."
    )
    assert [r[0] for r in loaded.rows] == ["Area 57", "Area 58", "Area 59"]
    assert [r[3] for r in loaded.rows] == ["2018-19 Q3", "none", "2018-19 Q3"]
    all_in = ph_home.returns_loaded(returns.assign(period=Q4))
    assert all_in is not None and all_in.rows == []
    assert all_in.sentence == (
        "60 of 60 programme areas have a return loaded. Each is for 2018-19 Q4, the latest loaded."
    )
    few = ph_home.returns_loaded(returns.iloc[:12])
    assert few is not None and few.every_area and len(few.rows) == 12

    # as the page lays it out: the areas behind in a named table, a link to every area's returns
    from support.text import count_type, texts

    from dashboard.layouts.home import loaded_summary

    laid = loaded_summary(returns)
    assert count_type(laid, "Tr") == 1 + 3  # the headings and the three areas behind
    assert "Programme areas without the latest return" in texts(laid)
    assert '"href": "/quality"' in json.dumps(laid)
    # a page showing a release keeps it in the link, as in every link it draws
    assert '"href": "/quality?release=latest"' in json.dumps(loaded_summary(returns, "latest"))
    none_behind = loaded_summary(returns.assign(period=Q4))
    assert count_type(none_behind, "Table") == 0 and "Data quality" in texts(none_behind)
    assert count_type(loaded_summary(returns.iloc[:12]), "Tr") == 1 + 12  # the pilot: every area


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (DatabaseError("the database file is missing"), "the database file is missing"),
        (OSError("disk"), "the database could not be read"),
    ],
)
def test_unavailable_reason_never_shows_sql(exc, reason):
    assert ph_home.unavailable_reason(exc) == reason
