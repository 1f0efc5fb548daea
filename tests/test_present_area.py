"""The area profile's presenter (``dashboard.present.area`` and its parts) and its spine chart
(``dashboard.charts.spine``): pure shaping, from small engine-row frames, without a server."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts.spine import spine_figure, spine_positions
from dashboard.charts.text_profile import describe_profile
from dashboard.present import area, area_charts, area_quality, area_spine, topic_picker
from lfo.indicators.indicator import LOWER

ROOT = Path(__file__).resolve().parent.parent
BLACKPOOL, GATESHEAD, MANCHESTER = "E06000009", "E08000037", "E08000003"


def _reference() -> dict[str, dict[str, str]]:
    with open(ROOT / "data/reference/areas.csv", encoding="utf-8") as f:
        return {r["gss_code"]: r for r in csv.DictReader(f)}


def _areas() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "area_code": c,
                "area_name": r["name"],
                "region": r["region"],
                "imd_rank": int(r["imd_rank"]),
                "families": int(r["families"]),
            }
            for c, r in _reference().items()
        ]
    )


def test_similar_areas_are_the_statistical_neighbours_nearest_first() -> None:
    """The picker's "similar areas" (``topic_picker.neighbour_codes``, the area profile's too):
    Blackpool's five neighbours as worked out by hand in tests/test_benchmarks.py: Blackburn,
    Gateshead, Newcastle, Luton, Lambeth (not the region's Manchester, more than four times
    its size)."""
    areas = _areas()
    assert topic_picker.neighbour_codes(BLACKPOOL, areas) == [
        "E06000008",
        GATESHEAD,
        "E08000021",
        "E06000032",
        "E09000022",
    ]
    unranked = areas.assign(imd_rank=areas["imd_rank"].where(areas["area_code"] != BLACKPOOL))
    assert topic_picker.neighbour_codes(BLACKPOOL, unranked) == []


def _rows(
    values: dict[str, float | None], indicator: str = "uptake.completion", programme: float = 50.0
) -> pd.DataFrame:
    rows = [
        {
            "indicator": indicator,
            "area_code": c,
            "area_name": c,
            "period": "2018-19_Q4",
            "value": v,
            "lower": None if v is None else v - 5,
            "upper": None if v is None else v + 5,
            "status": "c" if v is None else None,
            "comparison": None,
            "trend": None,
            "trend_judgement": None,
        }
        for c, v in values.items()
    ]
    rows.append(
        {
            "indicator": indicator,
            "area_code": "programme",
            "area_name": "Programme",
            "period": "2018-19_Q4",
            "value": programme,
            "status": None,
        }
    )
    return pd.DataFrame(rows)


def test_spine_range_leaves_out_suppressed_areas_and_the_programme() -> None:
    rows = _rows({"A": 10.0, "B": 20.0, "C": 30.0, "D": 40.0, "E": 50.0, "S": None})
    frame = area_spine.spine_frame(rows, "B", ["S"])
    row = frame.iloc[0]
    assert (row["min"], row["q25"], row["q75"], row["max"]) == (10.0, 20.0, 40.0, 50.0)
    assert row["n_areas"] == 5 and row["programme"] == 50.0 and row["value"] == 20.0
    assert row["status:S"] == "c" and row["value:S"] is None


def test_spine_puts_the_programme_at_the_centre_and_better_to_the_right() -> None:
    rows = _rows({"A": 10.0, "B": 30.0, "C": 40.0}, programme=30.0)
    frame = area_spine.spine_frame(rows, "B")  # B's interval is 25 to 35, inside the range 10 to 40
    pos = spine_positions(frame, ["min", "max", "programme", "value"]).iloc[0]
    assert (pos["programme"], pos["min"], pos["max"]) == (0.0, -1.0, 0.5)
    alone = area_spine.spine_frame(_rows({"A": 28.0, "S": None}, programme=30.0), "A")
    # the only figure is A's (23 to 33): the scale is set by its interval, not the range
    assert spine_positions(alone, ["value"])["value"].iloc[0] == pytest.approx(-2 / 7)
    lower = _rows(
        {"A": 10.0, "B": 30.0, "C": 40.0}, indicator="uptake.days_to_start", programme=30.0
    )
    frame = area_spine.spine_frame(lower, "A")
    assert frame["polarity"].iloc[0] == LOWER
    # A is 10 (5 to 15) against 30: the farthest end is 25 away, and lower is better
    assert spine_positions(frame, ["value"])["value"].iloc[0] == pytest.approx(0.8)


def test_spine_figure_marks_the_area_by_its_comparison_in_words() -> None:
    rows = _rows({"A": 10.0, "B": 30.0, "C": 40.0}, programme=30.0)
    rows["comparison"] = rows["comparison"].astype(object)
    rows.loc[rows["area_code"] == "A", "comparison"] = "worse"
    frame = area_spine.spine_frame(rows, "A", ["C"])
    fig = go.Figure(spine_figure(frame, "Area A", {"C": "Area C"}))  # validates the dict
    names = [t.name for t in fig.data]
    assert "Area A: worse" in names and "Area C" in names
    assert "Programme (centre)" in names
    texts = [a.text for a in fig.layout.annotations]
    assert "10%" in texts and "30%" in texts


def test_funnel_groups_keep_the_most_offered_interventions_and_name_the_rest() -> None:
    def funnel(offered: float | None, status: str | None = None) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"area_code": "A", "category": "referred", "numerator": 100.0, "status": None},
                {"area_code": "A", "category": "offered", "numerator": offered, "status": status},
            ]
        )

    groups = {
        "all": funnel(90.0),
        "mybt": funnel(40.0),
        "fcu": funnel(30.0),
        "wmr": funnel(20.0),
        "pap": funnel(15.0),
        "tp_ft": funnel(12.0),
        "girfc": funnel(None, "c"),
        "tp_enhanced": funnel(0.0),
    }
    rows, left_out = area_charts.funnel_groups(groups, "A", most=4)
    assert list(dict.fromkeys(rows["area_code"])) == ["all", "mybt", "fcu", "wmr", "pap"]
    assert rows["area_name"].iloc[0] == "All interventions"
    assert left_out == ["Getting it Right for Children", "Triple P Family Transitions"]


def test_description_counts_comparisons_and_suppressed_indicators() -> None:
    frame = pd.DataFrame(
        [
            {
                "indicator": "a",
                "name": "Completion",
                "status": None,
                "value": 40.0,
                "comparison": "worse",
                "kind": "proportion",
                "trend_judgement": "getting worse",
            },
            {
                "indicator": "b",
                "name": "Offers taken up",
                "status": None,
                "value": 80.0,
                "comparison": "similar",
                "kind": "proportion",
                "trend_judgement": None,
            },
            {
                "indicator": "c",
                "name": "Recovery",
                "status": "c",
                "value": None,
                "comparison": None,
                "kind": "proportion",
                "trend_judgement": None,
            },
        ]
    )
    # the spine's summary (describe_profile, the one the page uses), at the level and with the
    # benchmark chosen
    text = describe_profile(frame, "Blackpool", "2018-19_Q4")
    assert text.startswith(
        "Of 3 indicators for Blackpool in 2018-19 Q4, 1 was worse than the "
        "programme at 95% confidence (Completion), 1 similar (Offers taken up)."
    )
    assert "suppressed ([c]): Recovery" in text
    assert "Getting worse over the last five quarters at 99.8% confidence: Completion" in text
    stricter = describe_profile(
        frame, "Blackpool", "2018-19_Q4", ci=99.8, benchmark_name="its statistical neighbours"
    )
    assert stricter.startswith(
        "Of 3 indicators for Blackpool in 2018-19 Q4, 1 was worse than its statistical "
        "neighbours at 99.8% confidence (Completion)"
    )


def test_trend_choices_are_the_spine_indicators_defined_for_quarters() -> None:
    assert "reach.family_rate" not in area.TREND_INDICATORS
    assert set(area.TREND_INDICATORS) < set(area.SPINE_INDICATORS)
    assert np.all([i in area.SPINE_LABELS for i in area.SPINE_INDICATORS])


# --- the view, the frame and the tables ----------------------------------------------------------

STORE: dict[str, Any] = {
    "code": "A",
    "name": "Area A",
    "areas": [
        {"area_code": c, "area_name": f"Area {c}", "region": r, "imd_rank": k}
        for c, r, k in (("A", "North", 1), ("B", "North", 30), ("C", "South", 5))
    ],
    "default_period": "2018-19_Q4",
}
PERIODS = ["2018-19_Q3", "2018-19_Q4", "2017-18", "2018-19"]


def test_view_keeps_the_compared_areas_in_the_order_chosen_and_falls_back_to_the_areas_latest_quarter() -> (
    None
):
    v = area.view(STORE, [["C"], ["B", "A", "Z"], None], area.LATEST, PERIODS)
    # the order chosen (the address's); A (the area shown) and Z (unknown) left out
    assert list(v.compare_names.items()) == [("C", "Area C"), ("B", "Area B")]
    assert (v.period, v.messages) == ("2018-19_Q4", ())
    assert area.view(STORE, None, "2017-18", PERIODS).period == "2017-18"
    gone = area.view(STORE, None, "2030-31_Q1", PERIODS)
    assert gone.period == "2018-19_Q4"
    assert gone.messages == (
        "There are no figures for 2030-31 Q1; showing the area's latest quarter, "
        "2018-19 Q4 instead.",
    )
    nothing = area.view({**STORE, "default_period": None}, None, "2030-31_Q1", [])
    assert nothing.period is None and "showing no period instead" in nothing.messages[0]


def test_periods_offered_are_the_default_then_years_and_quarters_newest_first() -> None:
    options = area.period_options(PERIODS, "2018-19")
    assert options == [
        {"label": "The latest financial year covered (2018-19)", "value": area.LATEST},
        {"label": "Financial year 2018-19", "value": "2018-19"},
        {"label": "Financial year 2017-18", "value": "2017-18"},
        {"label": "2018-19 Q4", "value": "2018-19_Q4"},
        {"label": "2018-19 Q3", "value": "2018-19_Q3"},
    ]
    # with no whole year to show, the area's latest quarter
    assert area.period_options(PERIODS, "2018-19_Q4")[0]["label"] == (
        "The area's latest quarter (2018-19 Q4)"
    )
    assert area.quarters_up_to("2018-19_Q3", PERIODS) == ["2018-19_Q3"]
    assert area.quarters_up_to("2018-19", PERIODS) == ["2018-19_Q3", "2018-19_Q4"]
    assert area.quarters_up_to(None, PERIODS) == []


def test_choices_fall_back_to_their_defaults() -> None:
    assert area.trend_choice("uptake.start") == "uptake.start"
    assert area.trend_choice("reach.family_rate") == area.DEFAULT_TREND  # not for quarters
    assert area.trend_choice(None) == area.DEFAULT_TREND
    assert area.breakdown_choice("ethnicity") == "ethnicity"
    assert area.breakdown_choice("colour") == area.DEFAULT_BREAKDOWN
    assert area.code_messages("E06000009") == [] and area.code_messages(None) == []
    assert "is not an area code" in area.code_messages("not-a-code")[0]


def test_frame_has_the_facts_the_switch_and_the_store() -> None:
    areas = pd.DataFrame(
        [(a["area_code"], a["area_name"], a["region"], a["imd_rank"]) for a in STORE["areas"]],
        columns=["area_code", "area_name", "region", "imd_rank"],
    )
    coverage = pd.DataFrame(
        {
            "area_code": ["A", "B"],
            "return_period": ["2018-19_Q3", None],
            "file_name": ["LFO_A_2018-19_Q3.zip", None],
            "loaded_at": ["2019-01-15 09:30:00", None],
        }
    )
    shown = area.area_frame(
        "A", ("B", "Z", "A"), areas, coverage, PERIODS, "2018-19_Q4", "2019-02-01 10:05:00"
    )
    assert shown.heading == "Area A: area profile"
    assert shown.facts == [
        ("Region", "North"),
        (
            "Deprivation",
            "IMD 2019 rank 1 of 151 upper-tier local authorities (1 is the most deprived)",
        ),
        (
            "Figures come from",
            "the return for 2018-19 Q3 (LFO_A_2018-19_Q3.zip), loaded 15 January 2019 at 09:30",
        ),
        ("Data as at", "1 February 2019 at 10:05"),
    ]
    assert shown.ticked == ("B",)
    assert shown.messages == ["Ignored comparison area Z: not programme area."]
    assert shown.switch_options[0] == {"label": "Area A (North)", "value": "A"}
    # A's return reaches 2018-19 Q3: the last whole financial year it covers is 2017-18
    assert shown.store["default_period"] == "2017-18"
    assert shown.period_options[0]["label"] == "The latest financial year covered (2017-18)"
    b = area.area_frame("B", (), areas, coverage, PERIODS, "2018-19_Q4", None)
    assert b.facts[-2:] == [
        ("Figures come from", "no return has been loaded for this area yet"),
        ("Data as at", "no returns loaded yet"),
    ]
    # B has no return: the page's default, the latest year the returns (A's) cover
    assert b.store["default_period"] == "2017-18"


def test_chosen_areas_keep_the_order_chosen_once_each() -> None:
    assert area.in_order(["C", "Z", "B", "C"]) == ["C", "Z", "B"]


def test_spine_twin_writes_each_figure_in_its_unit_and_links_its_definition() -> None:
    rows = _rows({"A": 10.0, "B": 30.0, "S": None}, programme=30.0)
    frame = area_spine.spine_frame(rows, "A", ["S"])
    twin = area_spine.spine_twin(frame, "Area A", {"S": "Area S"}, "Caption")
    assert twin.columns[1] == "Area A" and twin.columns[-1] == "Area S"
    link, value, interval, programme, span, middle, comparison, trend, other = twin.rows[0]
    assert link == area.Link("Completion rate", "/definitions#uptake.completion")
    assert (value, interval, programme, other) == ("10%", "5% to 15%", "30%", "[c]")
    assert (span, middle) == ("10% to 30%", "15% to 25%")
    assert (comparison, trend) == ("not compared (no interval)", "not tested")
    assert twin.numeric == (1, 3, 8) and twin.statuses == ()
    table = area_spine.spine_export_table(frame, "Area A", {"S": "Area S"})
    assert table["Area A"].iloc[0] == 10.0 and np.isnan(table["Area S"].iloc[0])


def test_spine_without_a_period_or_figures_says_so() -> None:
    v = area.View("A", "Area A", {}, None)
    assert area_spine.spine(v, None).content.empty_message == area.NO_DATA
    assert area_charts.trend_content(v, "uptake.completion", [], None).empty_message == (
        area.NO_DATA
    )
    q4 = area.View("A", "Area A", {}, "2018-19_Q4", ("a message",))
    none = area_charts.trend_content(q4, "uptake.completion", [], None)
    assert none.empty_message == "There are no quarters with figures up to 2018-19 Q4."
    assert none.title == "Completion rate in Area A by quarter"


def test_quality_section_from_the_reads() -> None:
    v = area.View("A", "Area A", {}, "2018-19")
    current = pd.DataFrame(
        [{"period": "2018-19_Q4", "file_name": "f.zip", "loaded_at": None, "outcome": "loaded"}]
    )
    loads = pd.DataFrame({"outcome": ["loaded", "loaded", None]})
    findings = pd.DataFrame(
        [
            {"code": "W304", "title": "t", "severity": "warning", "findings": 1200},
            {"code": "E101", "title": "u", "severity": "error", "findings": 1},
        ]
    )
    held = pd.DataFrame({"rows": [3], "unresolved": [1]})
    complete = pd.DataFrame(
        [{"sheet": "participants", "column": "age_band", "rows": 40, "stated": 30}]
    ).assign(percent_stated=75.0)
    pooled = complete.assign(percent_stated=50.0)
    paired = pd.DataFrame(
        [
            {"indicator": "outcome.csi4.paired", "area_code": "A", "value": 80.0, "status": None},
            {
                "indicator": "outcome.csi4.paired",
                "area_code": "programme",
                "value": None,
                "status": "c",
            },
        ]
    )
    q = area_quality.area_quality(
        v,
        current=current,
        loads=loads,
        findings=findings,
        held=held,
        completeness=complete,
        pooled=pooled,
        paired=paired,
    )
    assert q.facts == [
        ("Latest return", "2018-19 Q4 (f.zip), loaded not known; loaded"),
        ("Returns sent", "3 (2 loaded, 1 unknown)"),
        ("Findings in the latest return", "1 error, 1,200 warnings"),
        ("Rows held back", "3 (1 not yet resolved)"),
    ]
    assert q.findings is not None and q.findings.rows[0][-1] == "1,200"
    assert q.completeness is not None
    assert q.completeness.rows == [["age band (participants)", "30 of 40", "75%", "50%"]]
    assert q.paired is not None and q.paired.rows[0][1:] == ["80%", "[c]"]
    assert q.paired.rows[1][1:] == ["[x]", "[x]"]
    assert q.paired.caption.startswith("Paired outcome completeness, financial year 2018-19:")
    assert q.link == area.Link(
        "See every return Area A has sent, on the data quality page", "/quality?area=A"
    )
    none = area_quality.area_quality(
        area.View("A", "Area A", {}, None),
        current=current.iloc[:0],
        loads=loads.iloc[:0],
        findings=findings.iloc[:0],
        held=held.iloc[:0],
        completeness=complete.iloc[:0],
        pooled=pooled,
        paired=None,
    )
    assert none.facts[0] == ("Latest return", "none loaded yet")
    assert (none.findings, none.completeness, none.paired) == (None, None, None)


def test_spine_twin_reads_a_text_status_column_and_writes_no_empty_range() -> None:
    # On the page the frame's status column holds text and NaN (pandas 3), not None: the
    # interval was once never written, and an area range with no figures read "to".
    rows = _rows({"A": 10.0, "B": 30.0}, programme=30.0)
    frame = area_spine.spine_frame(rows, "A")
    frame["status"] = pd.Series([None] * len(frame), dtype="str", index=frame.index)
    assert not isinstance(frame["status"].iloc[0], str)  # (NaN: the page's case)
    _link, _value, interval, *_ = area_spine.spine_twin(frame, "Area A", {}, "C").rows[0]
    assert interval == "5% to 15%"
    frame[["min", "max", "q25", "q75"]] = float("nan")
    _link, _value, _interval, _programme, span, middle, *_ = area_spine.spine_twin(
        frame, "Area A", {}, "C"
    ).rows[0]
    assert (span, middle) == ("", "")
