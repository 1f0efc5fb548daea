"""The area profile's words at the confidence level chosen (dashboard.present.area_level)."""

from __future__ import annotations

import pandas as pd

from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import UNITS
from dashboard.present.area import Link, Table
from dashboard.present.area_level import content_at_level, table_at_level, words_at_level


def test_words_name_the_level_the_figures_were_computed_at():
    assert words_at_level("All interventions; 95% confidence intervals", "99.8") == (
        "All interventions; 99.8% confidence intervals"
    )
    assert words_at_level("worse than the programme", "99.8") == (
        "worse than the programme (99.8% intervals)"
    )
    # at 95% the interval words stand; the comparison still names its level
    assert words_at_level("95% confidence interval; similar to the programme.", "95") == (
        "95% confidence interval; similar to the programme (95% intervals)."
    )


def test_content_and_table_twin_are_rewritten_not_their_numbers():
    table = pd.DataFrame(
        {"95% confidence interval": ["1 to 2"], "Compared": ["better than the programme"]}
    )
    table.attrs[UNITS] = {"95% confidence interval": "%"}
    content = ChartContent(
        figure={},
        title="Key indicators",
        subtitle="95% confidence intervals",
        summary="Completion was 41%, worse than the programme's 56%.",
        table=table,
        indicator_ids=[],
        notes=["95% confidence intervals by Wilson's method"],
    )
    shown = content_at_level(content, "99.8")
    assert shown.subtitle == "99.8% confidence intervals"
    assert shown.summary == "Completion was 41%, worse than the programme's 56% (99.8% intervals)."
    assert list(shown.table.columns) == ["99.8% confidence interval", "Compared"]
    assert shown.table["Compared"].tolist() == ["better than the programme (99.8% intervals)"]
    assert shown.table.attrs[UNITS] == {"99.8% confidence interval": "%"}
    assert shown.notes == ["99.8% confidence intervals by Wilson's method"]
    assert content.subtitle == "95% confidence intervals"  # the original is left alone
    empty = empty_content("No figures")
    assert content_at_level(empty, "99.8") is empty
    twin = Table(
        columns=["Indicator", "95% confidence interval", "Compared with the programme"],
        rows=[[Link("Completion", "/definitions#x"), "1 to 2", "worse than the programme"]],
        caption="Key indicators; 95% confidence intervals",
    )
    at = table_at_level(twin, "99.8")
    assert at is not None
    assert at.columns[1] == "99.8% confidence interval"
    assert at.rows[0][0] == Link("Completion", "/definitions#x")
    assert at.rows[0][2] == "worse than the programme (99.8% intervals)"
    assert at.caption == "Key indicators; 99.8% confidence intervals"
    assert table_at_level(None, "99.8") is None
