"""Plain-English chart summaries: at most two sentences, the period named, every comparison with
its confidence level; one sentence per status, rounding for display only."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from dashboard.charts import text, text_profile
from lfo.indicators.definitions import indicators

COMPLETION = indicators()["uptake.completion"]
PARENTS = indicators()["reach.parents"]
DAYS = indicators()["uptake.days_to_start"]
NAN = math.nan


def row(**kw) -> dict:
    base = dict(
        indicator="uptake.completion",
        area_code="E06000009",
        area_name="Blackpool",
        period="2018-19_Q4",
        category=None,
        value=41.2,
        lower=35.4,
        upper=46.6,
        numerator=82,
        denominator=199,
        comparison="worse",
        trend="no significant change",
        trend_judgement=None,
        status=None,
        benchmark=55.5,
    )
    base.update(kw)
    return base


# The sentences about one area's figure live where the pages make them: the ranking (each
# comparison at its level, the areas without a figure), the trend lines (each line's trend) and
# the suppression note (the threshold).


def test_the_ranking_names_the_confidence_level_given():
    summary = text.describe_ranking(ranking_rows(), COMPLETION, ci=99.8)
    assert summary.startswith(
        "Completion in 2018-19 Q4: of 4 areas with a figure, 2 were worse than the programme "
        "at 99.8% confidence (Blackpool and Luton)"
    )


def test_a_trend_line_with_a_judgement_says_getting_better_or_worse():
    rows = pd.DataFrame(
        [
            row(period="2018-19_Q3", value=50.0, trend=None),
            row(
                period="2018-19_Q4", value=40.0, trend="decreasing", trend_judgement="getting worse"
            ),
        ]
    )
    assert text.describe_trend_lines(rows, COMPLETION, ["E06000009"]) == (
        "Completion by quarter, 2018-19 Q3 to 2018-19 Q4. Blackpool: 50% in 2018-19 Q3 to 40% in "
        "2018-19 Q4, decreasing (getting worse) over the last five quarters at 99.8% confidence."
    )


def test_the_suppression_note_names_the_threshold_it_was_made_with():
    note = text.suppression_note(pd.DataFrame([row(status="c", value=None)]), 7)
    assert note.startswith("Figures for Blackpool are suppressed ([c])")
    assert "fewer than 7 " in note


def ranking_rows() -> pd.DataFrame:
    return pd.DataFrame(
        [
            row(area_code="E1", area_name="Blackpool", comparison="worse", value=41.0),
            row(area_code="E2", area_name="Luton", comparison="worse", value=44.0),
            row(area_code="E3", area_name="Essex", comparison="better", value=72.0),
            row(area_code="E4", area_name="Kent", comparison="similar", value=55.0),
            row(area_code="E5", area_name="Westminster", comparison=None, value=None, status="c"),
            row(area_code="E6", area_name="Leeds", comparison=None, value=None, status="x"),
            row(
                area_code="programme",
                area_name="Programme (all areas)",
                comparison=None,
                value=55.5,
            ),
        ]
    )


def test_ranking_counts_names_highest_lowest_and_suppressed():
    assert text.describe_ranking(ranking_rows(), COMPLETION) == (
        "Completion in 2018-19 Q4: of 4 areas with a figure, 2 were worse than the programme "
        "at 95% confidence (Blackpool and Luton), 1 similar (Kent), 1 better (Essex). The "
        "highest was Essex (72%) and the lowest Blackpool (41%); the programme's figure was "
        "56%; 1 area is suppressed (Westminster); 1 area has no figure (Leeds)."
    )


def test_ranking_counts_the_areas_with_no_figure_when_there_are_many():
    """At national scale a quarter's outcome ranking had dozens of suppressed areas, every one
    named in the summary; now more than three are counted and the table names them."""
    rows = ranking_rows()
    more = rows[rows["area_name"] == "Westminster"]
    more = pd.concat([more.assign(area_code=f"E9{i}", area_name=f"Borough {i}") for i in range(4)])
    summary = text.describe_ranking(pd.concat([rows, more], ignore_index=True), COMPLETION)
    assert summary.endswith(
        "; 5 areas are suppressed, marked in the table; 1 area has no figure (Leeds)."
    )
    assert "Borough" not in summary and "Westminster" not in summary


def test_ranking_of_nothing_is_a_friendly_sentence():
    assert "no figures" in text.describe_ranking(ranking_rows().iloc[0:0], COMPLETION)


def test_trend_lines_summary_gives_first_and_latest_figures_and_gaps():
    rows = pd.DataFrame(
        [
            row(period="2018-19_Q1", value=50.0, trend=None),
            row(period="2018-19_Q2", value=None, status="c", trend=None),
            row(period="2018-19_Q3", value=47.4, trend=None),
            row(
                area_code="programme",
                area_name="Programme (all areas)",
                period="2018-19_Q1",
                value=55.0,
                trend=None,
            ),
            row(
                area_code="programme",
                area_name="Programme (all areas)",
                period="2018-19_Q3",
                value=56.0,
                trend="no significant change",
            ),
        ]
    )
    summary = text.describe_trend_lines(rows, COMPLETION, ["E06000009"])
    assert summary == (
        "Completion by quarter, 2018-19 Q1 to 2018-19 Q3. Blackpool: 50% in 2018-19 Q1 to 47% "
        "in 2018-19 Q3 (1 quarter without a figure); the programme: 55% in 2018-19 Q1 to 56% "
        "in 2018-19 Q3, no significant change over the last five quarters at 99.8% confidence."
    )


def test_suppression_note_names_each_suppressed_area_once():
    rows = pd.DataFrame(
        [
            row(area_name="Westminster", status="c"),
            row(area_name="Westminster", status="c", period="2018-19_Q3"),
            row(area_code="E2", area_name="Luton", status="c"),
            row(area_code="E3", area_name="Essex"),
        ]
    )
    note = text.suppression_note(rows, 10)
    assert note.startswith("Figures for Westminster and Luton are suppressed ([c])")
    assert "fewer than 10" in note
    assert "left out of the chart" in note


def test_no_suppression_gives_no_note():
    assert text.suppression_note(pd.DataFrame([row()]), 10) is None


@pytest.mark.parametrize(
    ("unit", "value", "shown"),
    [
        ("% (episodes)", 41.25, "41%"),
        ("count (participants)", 1234.0, "1,234"),
        ("rate per 10,000 families", 12.345, "12.3"),
        ("days (median)", 20.5, "21"),
        ("points", -1.25, "-1.3"),
        ("ratio", 0.456, "0.46"),
    ],
)
def test_values_are_formatted_in_the_indicators_unit(unit, value, shown):
    assert text.fmt(value, unit) == shown


def test_suppression_note_names_suppressed_categories_and_says_how_they_are_shown():
    rows = pd.DataFrame(
        [
            row(
                area_code="programme",
                area_name="Programme (all areas)",
                category="sex:other",
                status="c",
            ),
            row(
                area_code="programme",
                area_name="Programme (all areas)",
                category="sex:not_stated",
                status="c",
            ),
            row(area_code="programme", area_name="Programme (all areas)", category="sex:male"),
        ]
    )
    note = text.suppression_note(rows, 10, left_out=False)
    assert note.startswith("Figures for the programme (Other and Not stated) are suppressed")
    assert note.endswith("They are shown as [c] in the chart and the table.")


def test_categories_are_described_compactly_area_first_then_the_programme():
    ind = indicators()["reach.breakdown"]
    prog = dict(area_code="programme", area_name="Programme (all areas)", comparison=None)
    rows = pd.DataFrame(
        [
            row(category="sex:female", value=54.2, comparison="similar"),
            row(category="sex:male", value=None, status="c", comparison=None),
            row(category="sex:other", value=0.0, comparison="lower"),
            row(category="sex:female", value=56.0, **prog),
            row(category="sex:male", value=None, status="c", **prog),
        ]
    )
    assert text.describe_categories(rows, ind) == (
        "Who is referred in 2018-19 Q4. Compared with the programme at 95% confidence, "
        "Blackpool: Female 54% (similar), Other 0% (lower), Male suppressed ([c]); the "
        "programme: Female 56%, Male suppressed ([c])."
    )
    assert "at 99.8% confidence, Blackpool" in text.describe_categories(rows, ind, ci=99.8)


def test_ranking_names_the_level_given_and_another_benchmark():
    summary = text.describe_ranking(
        ranking_rows().iloc[:-1], COMPLETION, ci=99.8, benchmark_name="its neighbours"
    )
    assert "2 were worse than its neighbours at 99.8% confidence (Blackpool and Luton)" in summary
    assert "its neighbours's" not in summary


def test_ranking_of_counts_has_no_comparison_and_no_level():
    counts = ranking_rows().assign(comparison=None, indicator="reach.parents")
    summary = text.describe_ranking(counts, PARENTS)
    assert summary.startswith("Parents referred in 2018-19 Q4: of 4 areas with a figure.")
    assert "confidence" not in summary


def test_trend_of_financial_years_says_so():
    rows = pd.DataFrame(
        [row(period="2017-18", value=50.0, trend=None), row(period="2018-19", value=60.0)]
    )
    summary = text.describe_trend_lines(rows, COMPLETION, ["E06000009"])
    assert summary.startswith("Completion by financial year, 2017-18 to 2018-19. Blackpool: 50%")


def spine_frame() -> pd.DataFrame:
    def r(name, value, comparison, status=None, judgement=None):
        return dict(
            name=name,
            value=value,
            comparison=comparison,
            status=status,
            trend_judgement=judgement,
        )

    return pd.DataFrame(
        [
            r("Completion", 41.0, "worse", judgement="getting worse"),
            r("Offers taken up", 80.0, "similar"),
            r("Fathers reached", 30.0, "better"),
            r("Recovery", None, None, status="c"),
            r("Families reached per 10,000", None, None, status="z"),
        ]
    )


def test_profile_says_each_comparison_with_its_level_then_trends_and_gaps_in_two_sentences():
    summary = text_profile.describe_profile(
        spine_frame(), "Blackpool", "2018-19", ["Luton"], ci=99.8
    )
    assert summary == (
        "Of 5 indicators for Blackpool in financial year 2018-19, 1 was worse than the "
        "programme at 99.8% confidence (Completion), 1 similar (Offers taken up), 1 better "
        "(Fathers reached). Getting worse over the last five quarters at 99.8% confidence: "
        "Completion; suppressed ([c]): Recovery; no figure: Families reached per 10,000; Luton "
        "marked on each row, their figures in the table."
    )


def test_profile_counts_the_gaps_when_there_are_many_and_leaves_the_names_to_the_table():
    """At national scale most outcome indicators of an area's quarter are suppressed: a summary
    naming every one ran to five lines on a phone (issue 11 § 11: at most two short sentences)."""
    many = pd.DataFrame(
        [
            {"name": f"Outcome {i}", "value": None, "comparison": None, "status": "c"}
            for i in range(6)
        ]
        + [{"name": "Completion", "value": 41.0, "comparison": "worse", "status": None}]
        + [{"name": f"Gap {i}", "value": None, "comparison": None, "status": "x"} for i in range(3)]
    ).assign(trend_judgement=None)
    summary = text_profile.describe_profile(many, "Blackpool", "2018-19")
    assert summary.endswith(
        " 6 suppressed ([c]), marked in the table; no figure: Gap 0, Gap 1 and Gap 2."
    )
    assert "Outcome 0" not in summary


def test_profile_without_comparisons_says_so_in_one_sentence():
    frame = spine_frame().assign(comparison=None, trend_judgement=None, status=None)
    assert text_profile.describe_profile(frame, "Blackpool", "2018-19_Q4") == (
        "Of 5 indicators for Blackpool in 2018-19 Q4, none could be compared with the programme."
    )


def test_stages_name_each_group_drawn_with_counts_and_percentages_of_the_stage_before():
    def r(code, name, stage, num, value, status=None):
        return dict(
            area_code=code,
            area_name=name,
            period="2018-19",
            category=stage,
            numerator=num,
            value=value,
            status=status,
        )

    rows = pd.DataFrame(
        [
            r("E1", "Blackpool", "referred", 40, None),
            r("E1", "Blackpool", "offered", 38, 95.0),
            r("E1", "Blackpool", "started", 30, 78.9),
            r("E1", "Blackpool", "completed", None, None, "c"),
            r("programme", "Programme (all areas)", "referred", 400, None),
        ]
    )
    assert text_profile.describe_stages(rows, ["E1", "programme"]) == (
        "Referral to completion in financial year 2018-19. Blackpool: 40 referred, 38 offered "
        "(95% of referred), 30 started (79% of offered), completed [c]; the programme: 400 "
        "referred, offered [x], started [x], completed [x]."
    )
