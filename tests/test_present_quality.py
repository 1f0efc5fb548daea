"""The data-quality page's presenters (``dashboard.present.quality``, ``quality_completeness``) on
hand-made frames: no database, no server."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from dashboard.charts.content import empty_content
from dashboard.present import quality as pq
from dashboard.present import quality_completeness as pc

NEWCASTLE, GATESHEAD, ESSEX = "E08000021", "E08000037", "E10000012"
NAMES = {NEWCASTLE: "Newcastle upon Tyne", GATESHEAD: "Gateshead", ESSEX: "Essex"}
LOADED = dt.datetime(2019, 5, 1, 12, 0)


# --- the filters -------------------------------------------------------------------------------


def test_the_default_period_is_the_latest_whole_year_else_the_latest_period():
    assert pq.default_period(["2017-18", "2018-19", "2018-19_Q1"]) == "2018-19"
    assert pq.default_period(["2018-19_Q1", "2018-19_Q2"]) == "2018-19_Q2"
    assert pq.default_period([]) is None


def test_period_choices_are_every_year_and_the_latest_four_quarters():
    periods = ["2017-18", "2018-19"] + [f"2018-19_Q{q}" for q in range(1, 5)] + ["2017-18_Q4"]
    assert pq.period_choices(periods, None) == [
        "2017-18",
        "2018-19",
        "2018-19_Q2",
        "2018-19_Q3",
        "2018-19_Q4",
        "2017-18_Q4",
    ]
    assert pq.period_choices(["2018-19"], "2016-17") == ["2018-19", "2016-17"]


def test_filters_without_data_fall_back_with_a_message():
    values, messages = pq.check_filters(
        {"area": "E99999999", "period": "2031-32", "measure": "ops"}, list(NAMES), ["2018-19"]
    )
    assert values == {"area": None, "period": "2018-19", "measure": "ops"}
    assert messages == [
        "There is no programme area E99999999; showing all areas.",
        "There are no figures for 2031-32 yet; showing the latest period.",
    ]
    kept, none = pq.check_filters(
        {"area": GATESHEAD, "period": None, "measure": "csi4"}, list(NAMES), ["2018-19_Q1"]
    )
    assert (kept["area"], kept["period"], none) == (GATESHEAD, "2018-19_Q1", [])


# --- the tables --------------------------------------------------------------------------------


def _current() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": [NEWCASTLE, GATESHEAD, ESSEX],
            "area_name": [NAMES[NEWCASTLE], NAMES[GATESHEAD], NAMES[ESSEX]],
            "period": ["2016-17_Q3", "2016-17_Q1", None],
            "period_end": [dt.date(2016, 12, 31), dt.date(2016, 6, 30), None],
            "loaded_at": [LOADED, LOADED, None],
            "outcome": ["loaded", "loaded with quarantine", None],
        }
    )


def test_coverage_says_which_quarters_each_current_return_covers():
    got = pq.coverage(_current())
    assert isinstance(got, pq.Coverage)
    assert got.quarters == ["2016-17 Q1", "2016-17 Q2", "2016-17 Q3"]
    assert [r.covered for r in got.rows] == [
        [True, True, True],
        [True, False, False],
        [False, False, False],
    ]
    assert got.rows[1].period == "2016-17 Q1"
    assert got.rows[1].loaded == "Loaded, some rows held back 1 May 2019, 13:00"
    assert got.rows[2].period is None
    assert got.caption.endswith("2016-17 Q3 (areas with a current return: 2 of 3)")
    assert pq.coverage(_current().iloc[2:]) == (
        "No area has a return loaded yet, so no quarter is covered."
    )


def test_loads_count_outcomes_in_words():
    log = pd.DataFrame(
        {
            "area_code": [NEWCASTLE, None, GATESHEAD],
            "period": ["2018-19_Q4", None, "2017-18_Q2"],
            "file_name": ["a.zip", "b.zip", "c.zip"],
            "outcome": ["loaded", "rejected", "loaded"],
            "errors": [0, 1, 0],
            "warnings": [2, 0, 0],
            "rows_held_back": [0, 0, 3],
            "participants_loaded": [20, 0, 4],
            "started_at": [LOADED, LOADED, None],
        }
    )
    got = pq.loads(log, NAMES)
    assert isinstance(got, pq.Loads)
    assert got.sentence == "3 returns sent: 2 loaded, 1 rejected."
    assert list(got.table.frame["Area"]) == [
        "Newcastle upon Tyne",
        "file name not readable",
        "Gateshead",
    ]
    assert list(got.table.frame["Return"]) == ["2018-19 Q4", "–", "2017-18 Q2"]
    assert got.table.caption == "Every return sent, newest first (3)"
    assert pq.loads(log.iloc[:0], NAMES) == "No return has been sent yet."


def test_findings_are_areas_by_code_with_a_total():
    counts = pd.DataFrame(
        {
            "area_code": [NEWCASTLE, NEWCASTLE, GATESHEAD],
            "code": ["W304", "W305", "E203"],
            "severity": ["warning", "warning", "error"],
            "title": ["date late", "odd count", "value not allowed"],
            "findings": [1, 2, 3],
        }
    )
    got = pq.findings(counts, NAMES)
    assert isinstance(got, pq.Table) and got.row_header == "Area"
    assert list(got.frame["Area"]) == ["Gateshead", "Newcastle upon Tyne"]
    assert list(got.frame["All findings"]) == [3, 3]
    assert "E203 value not allowed (error)" in got.frame.columns
    assert pq.findings(counts.iloc[:0], NAMES) == (
        "The checks found nothing to report in the current returns."
    )


def test_held_back_rows_name_their_area():
    held = pd.DataFrame(
        {"area_code": [GATESHEAD], "sheet": ["participants"], "rows": [3], "unresolved": [2]}
    )
    got = pq.held_back(held, NAMES)
    assert isinstance(got, pq.Table)
    assert got.frame.to_dict("records") == [
        {
            "Area": "Gateshead",
            "Sheet": "participants",
            "Rows held back": 3,
            "Not yet resolved": 2,
        }
    ]


def test_the_paired_definition_link_and_empty_content():
    assert pq.paired_definition("ops") == "/definitions#outcome.ops.paired"
    empty = empty_content("Nothing yet.")
    assert (empty.summary, empty.empty_message, empty.title) == ("Nothing yet.", "Nothing yet.", "")


# --- completeness ------------------------------------------------------------------------------


def _completeness() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area_code": [NEWCASTLE, NEWCASTLE, GATESHEAD, GATESHEAD],
            "sheet": ["participants"] * 4,
            "column": ["sex", "ethnicity", "sex", "ethnicity"],
            "rows": [20, 20, 4, 4],
            "stated": [18, 20, 4, 1],
            "percent_stated": [90.0, 100.0, 100.0, 25.0],
        }
    )


def test_pooled_completeness_adds_rows_before_dividing():
    pooled = pc.pooled_completeness(_completeness()).set_index("column")
    assert pooled.at["sex", "rows"] == 24
    assert pooled.at["ethnicity", "percent_stated"] == pytest.approx(100 * 21 / 24)
    assert list(pc.pooled_completeness(_completeness().iloc[:0]).columns) == [
        "sheet",
        "column",
        "rows",
        "stated",
        "percent_stated",
    ]


def test_field_names_read_as_words():
    assert pc.field_name("youngest_child_age_band") == "Youngest child's age band"
    assert pc.field_name("new_field") == "New field"


def test_the_completeness_card_for_one_area_and_for_all():
    every = _completeness()
    pooled = pc.pooled_completeness(every)
    one = pc.completeness_chart(every.copy(), pooled.copy(), NAMES, NEWCASTLE, LOADED)
    assert one.title == "Completeness of optional fields: Newcastle upon Tyne"
    assert one.summary == (
        "In Newcastle upon Tyne, the least complete optional field was sex (90% of rows "
        "stated, against 92% across all areas); the most complete was ethnicity (100%)."
    )
    assert one.data_as_at == LOADED.isoformat()
    assert list(one.table["Area"]) == ["Newcastle upon Tyne"] * 2 + ["All areas"] * 2
    every_area = pc.completeness_chart(every.copy(), pooled.copy(), NAMES, None, None)
    assert every_area.summary.endswith(
        "the lowest figure for any area was Gateshead's ethnicity (25%)."
    )
    none = pc.completeness_chart(every.copy(), pooled.copy(), NAMES, ESSEX, None)
    assert none.empty_message == "Essex has no current return, so there is nothing to show."
    empty = pc.completeness_chart(every.iloc[:0].copy(), pooled.iloc[:0].copy(), NAMES, None, None)
    assert empty.empty_message == "No current return is loaded, so there is nothing to show yet."
