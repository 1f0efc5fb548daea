"""The overview's presenters (``dashboard.present.overview``, ``overview_headlines``, ``home``) on
hand-made engine rows: no database, no server."""

from __future__ import annotations

import datetime as dt

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
    periods = ["2017-18", "2018-19_Q3", "2018-19", "2018-19_Q4"]
    assert po.period_choices(periods) == ["2018-19_Q4", "2018-19_Q3", "2018-19", "2017-18"]
    assert po.latest_label(Q4) == "Latest quarter (2018-19 Q4)"


def test_resolve_period_falls_back_to_the_latest_quarter_with_a_message():
    assert po.resolve_period(None, [Q4], Q4) == (Q4, [])
    assert po.resolve_period("2018-19", ["2018-19", Q4], Q4) == ("2018-19", [])
    assert po.resolve_period("2030-31_Q1", [Q4], Q4) == (
        Q4,
        ["There are no figures for 2030-31 Q1; showing the latest quarter, 2018-19 Q4 instead."],
    )
    assert po.resolve_period("nonsense", [], None) == (
        None,
        ["There are no figures for nonsense; showing no period instead."],
    )


def test_links_open_the_area_profile_and_the_topic_page_at_the_indicator():
    assert pg.area_link(BLACKPOOL, "uptake.completion", Q4) == (
        f"/area/{BLACKPOOL}?indicator=uptake.completion&period={Q4}"
    )
    assert pg.topic_link("outcome.ops.reliable_improvement") == (
        "/outcomes?indicator=reliable_improvement&measure=ops&ci=99.8"
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


def test_a_grid_cell_says_its_figure_comparison_and_trend():
    rows = frame(
        row(PROGRAMME),
        row(BLACKPOOL, value=30.0, comparison="worse", trend_judgement="getting worse"),
        row(ESSEX, value=None, status="c"),
        row(LUTON),
    )
    worse = pg.grid_cell(
        pg.cell(rows, BLACKPOOL, "uptake.completion"),
        BLACKPOOL,
        "Blackpool",
        "uptake.completion",
        Q4,
    )
    assert (worse.mark, worse.value, worse.words, worse.flagged) == (None, "30%", "worse", True)
    assert worse.trend == "getting worse"
    assert worse.href == pg.area_link(BLACKPOOL, "uptake.completion", Q4)
    assert worse.context == " — Completion, Blackpool, 2018-19 Q4"
    similar = pg.grid_cell(
        pg.cell(rows, LUTON, "uptake.completion"), LUTON, "Luton", "uptake.completion", Q4
    )
    assert (similar.flagged, similar.words_shown, similar.trend) == (False, True, None)
    suppressed = pg.grid_cell(
        pg.cell(rows, ESSEX, "uptake.completion"), ESSEX, "Essex", "uptake.completion", Q4
    )
    assert (suppressed.mark, suppressed.words) == ("[c]", "suppressed")
    programme = pg.grid_cell(
        pg.cell(rows, PROGRAMME, "uptake.completion"),
        PROGRAMME,
        "Programme (all areas)",
        "uptake.completion",
        Q4,
    )
    assert (programme.href, programme.words, programme.words_shown) == (None, "programme", False)
    missing = pg.grid_cell(None, LUTON, "Luton", "uptake.start", Q4)
    assert (missing.mark, missing.words) == ("[x]", "no data")


def test_the_grid_caption_names_the_period_and_the_symbols():
    assert pg.grid_caption("2018-19").startswith("Areas compared with the programme, 2018-19:")
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
        "Completion was 30% (99.8% CI 25% to 35%), worse than the programme's 50%, and "
        "getting worse over the last five quarters."
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
    year = pg.attention(pg.needs_attention(_worse_and_worsening()), "2018-19")
    assert year.message is not None and "for quarters only: 2018-19" in year.message
    none = pg.attention(pg.needs_attention(frame(row(PROGRAMME), row(LUTON))), Q4)
    assert none.message == (
        "No area was both worse than the programme and getting worse in 2018-19 Q4."
    )


def test_the_summary_names_worse_better_and_attention_areas():
    sentences = psum.overview_summary(_worse_and_worsening(), Q4)
    assert sentences[0] == (
        "Across the programme in 2018-19 Q4, 50% of interventions that ended were completed."
    )
    assert sentences[1] == (
        "In 2018-19 Q4, 2 of 3 areas were worse than the programme (99.8% limits) on at least "
        "one key indicator: 1 on offers taken up (Blackpool); 2 on completion (Blackpool and "
        "Luton)."
    )
    assert sentences[2] == (
        "1 area was better than the programme on at least one: Essex (completion)."
    )
    assert sentences[-1] == "2 areas need attention (worse and getting worse): Blackpool and Luton."
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


@pytest.mark.parametrize(
    ("exc", "reason"),
    [
        (DatabaseError("the database file is missing"), "the database file is missing"),
        (OSError("disk"), "the database could not be read"),
    ],
)
def test_unavailable_reason_never_shows_sql(exc, reason):
    assert ph_home.unavailable_reason(exc) == reason
