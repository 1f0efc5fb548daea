"""The topic pages' presenters without a server: the filters and the address
(``dashboard.present.topic_filters``), the shared charts and their words
(``dashboard.present.topic``) and each page's own charts (``present.reach``, ``present.uptake``,
``present.outcomes``), on hand-made engine rows and on the hand-worked database of
``tests/test_topic_pages.py`` read through ``IndicatorData`` (no Dash app, no HTTP).
"""

from __future__ import annotations

import pandas as pd
import pytest
from support.page_dbs import BLACKPOOL, NEWCASTLE, Q_ENDED, Q_REFERRED, build_topic_db

from dashboard.charts import text, text_profile
from dashboard.charts.table import UNITS
from dashboard.layouts import outcomes, reach, uptake
from dashboard.present import outcomes as present_outcomes
from dashboard.present import reach as present_reach
from dashboard.present import topic as shared
from dashboard.present import topic_rows
from dashboard.present import uptake as present_uptake
from dashboard.present.topic_filters import (
    Filters,
    default_period,
    filters_from_inputs,
    period_in_words,
    period_options,
    same_areas,
    state_from_search,
    to_search,
)
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.request import ROW_COLUMNS
from lfo.terms import PROGRAMME


def test_state_round_trips_through_the_address():
    areas = pd.DataFrame({"area_code": [NEWCASTLE, BLACKPOOL]})
    periods = ["2016-17_Q1", "2016-17_Q2", "2016-17_Q3", "2016-17"]
    f = Filters(
        indicator="recovery",
        areas=(BLACKPOOL,),
        period_from="2016-17_Q2",
        period_to="2016-17_Q3",
        period="2016-17",
        ci="99.8",
        group="level:specialist",
        measure="ops",
    )
    search = to_search(outcomes.TOPIC, f, periods)
    back, messages = state_from_search(outcomes.TOPIC, search, areas, periods)
    assert messages == []
    assert back == f


def test_a_chart_that_fails_shows_a_message_and_logs_it(caplog):
    def broken():
        raise ZeroDivisionError("float division by zero")

    content = topic_rows.safely(broken, "Broken chart")
    assert content.empty_message == topic_rows.FAILED_MESSAGE
    assert content.title == "Broken chart"
    assert "could not be drawn" in caplog.text


def test_sorted_for_table_puts_the_programme_first_then_values_down_ties_by_name():
    rows = pd.DataFrame(
        {
            "area_code": ["E1", "programme", "E2", "E3", "E4", "E5", "E6"],
            "area_name": ["Luton", "Programme", "Bury", "Essex", "Leeds", "Acton", "Zed"],
            "value": [50.0, 55.0, 50.0, None, 70.0, float("nan"), 50.0],
        },
        index=[9, 8, 7, 6, 5, 4, 3],
    )
    out = topic_rows.sorted_for_table(rows)
    assert out["area_code"].tolist() == ["programme", "E4", "E2", "E1", "E6", "E5", "E3"]
    assert out.index.tolist() == list(range(7))
    # a missing name takes the pandas sort: the same order rules
    with_missing = rows.assign(
        area_name=["Luton", "Programme", None, "Essex", "Leeds", "Acton", "Zed"]
    )
    assert topic_rows.sorted_for_table(with_missing)["area_code"].tolist() == [
        "programme",
        "E4",
        "E1",
        "E6",
        "E2",
        "E5",
        "E3",
    ]


# --- the filters and the address -----------------------------------------------------------------


def test_period_options_read_as_everywhere_else():
    periods = ["2017-18_Q4", "2018-19_Q1", "2017-18"]
    assert period_options(periods, quarters_only=True) == [
        {"label": "2017-18 Q4", "value": "2017-18_Q4"},
        {"label": "2018-19 Q1", "value": "2018-19_Q1"},
    ]
    # the period the areas are compared over: years first (the default), newest first
    assert period_options(periods, quarters_only=False) == [
        {"label": "Financial year 2017-18", "value": "2017-18"},
        {"label": "2018-19 Q1", "value": "2018-19_Q1"},
        {"label": "2017-18 Q4", "value": "2017-18_Q4"},
    ]


def test_a_period_in_a_sentence():
    assert period_in_words("2017-18_Q3") == "2017-18 Q3"
    assert period_in_words("2017-18") == "financial year 2017-18"
    assert period_in_words(None) == ""


def test_every_topic_page_opens_at_the_latest_financial_year_the_returns_cover():
    periods = ["2017-18_Q4", "2018-19_Q1", "2017-18"]
    for topic in (reach.TOPIC, uptake.TOPIC, outcomes.TOPIC):
        assert default_period(topic, periods) == "2017-18"
        assert default_period(topic, periods, ["2018-19_Q1", "2017-18_Q4"]) == "2017-18"
        assert default_period(topic, ["2018-19_Q1"]) == "2018-19_Q1"  # no year: a quarter
        assert default_period(topic, []) is None


def test_each_page_has_its_own_optional_controls_in_order():
    # the benchmark choice is on every page, carried as the optional controls are
    assert reach.TOPIC.optional == ("char", "benchmark")
    assert uptake.TOPIC.optional == ("group", "benchmark")
    assert outcomes.TOPIC.optional == ("group", "measure", "benchmark")
    f = Filters(
        indicator="recovery", group="level:targeted", measure="ops", char="sex", benchmark="region"
    )
    assert f.optional_values(outcomes.TOPIC) == ["level:targeted", "ops", "region"]


@pytest.mark.parametrize(
    "group,intervention,level",
    [
        ("all", None, None),
        ("level:targeted", None, "targeted"),
        ("tp_enhanced", "tp_enhanced", None),
    ],
)
def test_the_group_filter_becomes_the_engine_arguments(group, intervention, level):
    f = Filters(indicator="uptake.start", group=group)
    assert (f.intervention, f.level) == (intervention, level)


def test_the_controls_values_become_filters_with_a_backwards_range_turned_round():
    f = filters_from_inputs(
        outcomes.TOPIC,
        None,
        [[NEWCASTLE], None, [BLACKPOOL]],
        "2018-19_Q2",
        "2017-18_Q1",
        "2018-19",
        None,
        [None, "ops"],
    )
    assert f == Filters(
        indicator="reliable_improvement",
        areas=(NEWCASTLE, BLACKPOOL),
        period_from="2017-18_Q1",
        period_to="2018-19_Q2",
        period="2018-19",
        ci="95",
        group="all",
        measure="ops",
    )
    assert same_areas([[BLACKPOOL], [NEWCASTLE]], (NEWCASTLE, BLACKPOOL))
    assert not same_areas([], ())
    assert not same_areas([[NEWCASTLE]], (NEWCASTLE, BLACKPOOL))


def test_stale_values_in_the_address_fall_back_with_a_message_in_words():
    areas = pd.DataFrame({"area_code": [NEWCASTLE]})
    periods = ["2016-17_Q1", "2016-17_Q2", "2016-17"]
    f, messages = state_from_search(
        outcomes.TOPIC, f"?area={BLACKPOOL}&period=2030-31&from=2030-31_Q1", areas, periods
    )
    assert (f.areas, f.period, f.period_from, f.period_to) == (
        (),
        "2016-17",
        "2016-17_Q1",
        "2016-17_Q2",
    )
    assert messages == [
        f"There is no programme area {BLACKPOOL}; it was left out.",
        "There are no figures for 2030-31 Q1 yet; showing the first quarter instead.",
        "There are no figures for financial year 2030-31 yet; showing financial year 2016-17.",
    ]


# --- the words and tables of the shared charts ---------------------------------------------------


def _rows(**columns: list) -> pd.DataFrame:
    """Engine-like rows: every engine column, the given ones filled."""
    n = len(next(iter(columns.values())))
    frame = pd.DataFrame({c: [None] * n for c in ROW_COLUMNS})
    for name, values in columns.items():
        frame[name] = values
    return frame


def test_why_empty_says_what_to_change():
    f = Filters(indicator="x", period="2017-18_Q1", group="tp_enhanced")
    empty = _rows(status=[])
    assert "financial years only" in topic_rows.why_empty(empty, indicator("reach.family_rate"), f)
    assert "not broken down by intervention" in topic_rows.why_empty(
        empty, indicator("uptake.both_parents"), f
    )
    completion = indicator("uptake.completion")
    suppressed = _rows(status=["c", "c"])
    assert "suppressed" in topic_rows.why_empty(suppressed, completion, f)
    assert topic_rows.why_empty(empty, completion, f) == topic_rows.EMPTY_MESSAGE


def test_the_ranking_summary_names_the_areas_without_a_figure():
    # the topic pages' ranking summary (text.describe_ranking): a suppressed area is named as
    # suppressed, one not applicable ([z]) or with no figure ([x], no status) as having none
    rows = _rows(
        indicator=["uptake.completion"] * 3,
        area_code=["E1", "E2", "E3"],
        area_name=["Luton", "Bury", "Leeds"],
        period=["2018-19_Q1"] * 3,
        value=[None, None, None],
        status=["c", "z", None],
    )
    assert text.describe_ranking(rows, indicator("uptake.completion")) == (
        "Completion in 2018-19 Q1: no area has a figure. 1 area is suppressed (Luton); "
        "2 areas have no figure (Bury and Leeds)."
    )


def test_interval_words_say_what_the_bars_are():
    # the subtitles' words for the intervals drawn: a median's is an interquartile range, a
    # count has none, a rate's names the confidence level chosen
    assert topic_rows.interval_words(indicator("uptake.days_to_start"), "95") == (
        "interquartile ranges"
    )
    assert topic_rows.interval_words(indicator("reach.parents"), "95") == (
        "no interval (not a sample statistic)"
    )
    assert topic_rows.interval_words(indicator("uptake.completion"), "99.8") == (
        "99.8% confidence intervals"
    )


def test_has_figures_needs_a_value_without_a_status():
    assert not topic_rows.has_figures(_rows(value=[]))
    assert not topic_rows.has_figures(_rows(value=[1.0], status=["c"]))
    assert topic_rows.has_figures(_rows(value=[1.0, None], status=[None, None]))


def test_renamed_twin_columns_keep_their_units():
    table = pd.DataFrame({"Category": ["a"], "Value (%)": [1.0]})
    table.attrs[UNITS] = {"Category": "", "Value (%)": "%"}
    out = topic_rows.rename_columns(table, {"Category": "Stage"})
    assert list(out.columns) == ["Stage", "Value (%)"]
    assert out.attrs[UNITS] == {"Stage": "", "Value (%)": "%"}


def test_the_stages_are_described_as_counts_and_percentages_of_the_stage_before():
    # the Uptake page's stages summary (text_profile.describe_stages), in the order of STAGES
    rows = _rows(
        area_code=[PROGRAMME] * 4,
        area_name=["Programme"] * 4,
        period=["2018-19_Q1"] * 4,
        category=list(present_uptake.STAGES),
        numerator=[10.0, 8.0, 4.0, 2.0],
        value=[None, 80.0, 50.0, 50.0],
    )
    assert text_profile.describe_stages(rows, [PROGRAMME]) == (
        "Referral to completion in 2018-19 Q1. The programme: 10 referred, 8 offered (80% of "
        "referred), 4 started (50% of offered), 2 completed (50% of started)."
    )


# --- the charts, on the hand-worked database (no app, no HTTP) -----------------------------------


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> IndicatorData:
    url = build_topic_db(tmp_path_factory.mktemp("present-topic") / "topic.db")
    return IndicatorData(Database(url), threshold=10)


def _view(data: IndicatorData, topic, extras, **filters) -> shared.TopicView:
    f = Filters(indicator=topic.default_indicator, period=Q_ENDED, **filters)
    return shared.topic_view(data, topic, f, extras)


def test_the_uptake_view_draws_the_shared_charts_and_the_stages(data):
    view = _view(data, uptake.TOPIC, present_uptake.EXTRAS, areas=(NEWCASTLE,))
    assert [c.indicator_ids for c in view.contents] == [["uptake.completion"]] * 3 + [[]]
    assert view.indicator_ids == ["uptake.completion", "uptake.funnel"]
    assert view.area_names[NEWCASTLE] == "Newcastle upon Tyne"
    trend, caterpillar, funnel, stages = view.contents
    # every test parent was referred in 2017-18 Q1: none in 2018-19 Q1, so every stage is 0 and
    # the funnel is not drawn (an empty panel), its message says why
    assert stages.empty_message
    assert caterpillar.title == "Completion by area, 2018-19 Q1"
    # completion = completed / ended: Newcastle 40/50, Blackpool 20/40, Manchester 30/40
    ranked = caterpillar.table.set_index("Area")["Value (%)"]
    assert ranked[["Newcastle upon Tyne", "Manchester", "Blackpool"]].tolist() == [80.0, 75.0, 50.0]
    # the funnel plot's summary is the ranking's, with the reading of the plot in its second
    # sentence (two sentences at most)
    assert funnel.summary.split(". ")[0] == caterpillar.summary.split(". ")[0]
    assert funnel.summary.endswith(
        "the areas outside the 95% limits are named beside their points, with where they lie."
    )
    assert "Newcastle upon Tyne" in trend.summary


def test_the_funnel_plots_file_names_the_programme_whatever_the_pages_benchmark(data):
    f = Filters(indicator="uptake.completion", period=Q_ENDED, benchmark="neighbours")
    cs = shared.CrossSection.of(data, f, indicator("uptake.completion"))
    # the funnel plot's limits are around the programme's value; the ranking is against the
    # benchmark chosen, and each file says which
    assert shared.funnel_chart(cs).context["benchmark"] == "programme"
    assert shared.caterpillar_chart(cs).context["benchmark"] == "neighbours"


def test_a_count_is_ranked_without_the_programme_and_has_no_funnel_plot(data):
    f = Filters(indicator="reach.families", period=Q_REFERRED)
    cs = shared.CrossSection.of(data, f, indicator("reach.families"))
    caterpillar = shared.caterpillar_chart(cs)
    assert PROGRAMME not in caterpillar.table["Area"].tolist()
    assert caterpillar.notes[-1].startswith("The programme's figure is the total")
    funnel = shared.funnel_chart(cs)
    assert funnel.empty_message and "a count" in funnel.empty_message


def test_the_outcome_charts_over_a_financial_year_say_so_in_words(data):
    f = Filters(indicator="reliable_improvement", period="2018-19", measure="csi4")
    change, mean = present_outcomes.change_chart(f, data), present_outcomes.mean_chart(f, data)
    assert change.title.endswith(", financial year 2018-19")
    assert mean.title.startswith("Mean change in score: ")
    assert present_outcomes.extra_indicators(f)[-1] == "outcome.csi4.change"


def test_the_breakdown_describes_each_area_beside_the_programme(data):
    f = Filters(indicator="reach.families", areas=(NEWCASTLE,), period=Q_REFERRED, char="sex")
    breakdown, groups = present_reach.breakdown_chart(f, data), present_reach.groups_chart(f, data)
    assert breakdown.summary.startswith(
        "Who is referred by sex in 2017-18 Q1. Compared with the programme at 95% confidence, "
        "Newcastle upon Tyne: Female 70%"
    )
    assert groups.summary.startswith(
        "Fathers reached and Workless households reached in 2017-18 Q1. Compared with the "
        "programme at 95% confidence, Newcastle upon Tyne: Fathers reached 30%"
    )
