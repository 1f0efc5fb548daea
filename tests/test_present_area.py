"""The area profile's presenter (``dashboard.present.area`` and its parts) and its spine chart
(``dashboard.charts.spine``): pure shaping, from small engine-row frames, without a server."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from dashboard.charts.spine import spine_figure, spine_positions
from dashboard.present import area, area_charts, area_spine
from lfo.indicators.definitions import LOWER

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
            }
            for c, r in _reference().items()
        ]
    )


def test_quick_picks_find_the_same_region_and_similar_deprivation() -> None:
    areas = _areas()
    # North West: Manchester, Blackpool, Blackburn with Darwen; IMD ranks 6, 1, 8
    assert sorted(area.same_region(areas, BLACKPOOL)) == ["E06000008", MANCHESTER]
    assert sorted(area.similar_deprivation(areas, BLACKPOOL)) == ["E06000008", MANCHESTER]
    # Luton (54): Gateshead 36 and Lambeth 62 are within 20; Newcastle 32 and Croydon 75 not
    assert sorted(area.similar_deprivation(areas, "E06000032")) == [GATESHEAD, "E09000022"]


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
    text = area_spine.describe_spine(frame, "Blackpool", "2018-19_Q4")
    assert text.startswith(
        "Of 3 indicators for Blackpool in 2018-19 Q4, 1 was worse than the "
        "programme (Completion), 1 similar (Offers taken up)."
    )
    assert "1 figure is suppressed ([c]): Recovery." in text
    assert "Getting worse over the last five quarters: Completion." in text


def test_trend_choices_are_the_spine_indicators_defined_for_quarters() -> None:
    assert "reach.family_rate" not in area.TREND_INDICATORS
    assert set(area.TREND_INDICATORS) < set(area.SPINE_INDICATORS)
    assert np.all([i in area.SPINE_LABELS for i in area.SPINE_INDICATORS])
