"""The data challenges' words (issue 13): a figure's value as the pages show it (a suppressed one
by its symbol), the filter in words, and the area profile's panel (pure, no server)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from dashboard.present import challenges as words
from lfo.challenges import Challenge

AREA = "E08000021"


def rows(value: float | None, status: str | None, category: object = None) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "indicator": "uptake.completion",
                "area_code": AREA,
                "period": "2017-18_Q2",
                "category": category,
                "value": value,
                "status": status,
            }
        ]
    )


def test_a_figure_reads_as_the_pages_show_it():
    assert words.value_text(rows(85.7142, None), "uptake.completion", AREA, "2017-18_Q2") == "86%"
    hidden = words.value_text(rows(42.0, "c"), "uptake.completion", AREA, "2017-18_Q2")
    assert hidden == "[c]"  # the symbol, never the number behind it
    assert words.value_text(rows(1.0, None), "uptake.completion", AREA, "2017-18_Q1") is None
    assert (
        words.value_text(rows(1.0, None, "sex:male"), "uptake.completion", AREA, "2017-18_Q2")
        is None
    )


def test_filters_and_periods_in_words():
    assert words.filter_words({}, {}) == "all interventions"
    assert words.filter_words({"level": "targeted"}, {}) == "targeted interventions"
    assert words.filter_words({"intervention": "mybt"}, {"mybt": "Me, You and Baby Too"}) == (
        "intervention: Me, You and Baby Too"
    )
    assert words.period_words("2017-18_Q3") == "2017-18 Q3"
    assert words.period_words("2017-18") == "financial year 2017-18"


def test_the_panel_marks_the_challenged_figures_of_the_period():
    def challenge(ident: int, indicator: str, period: str, filters: dict) -> Challenge:
        at = dt.datetime(2026, 12, 1, 9)
        return Challenge(
            ident,
            indicator,
            AREA,
            period,
            filters,
            "[c]",
            "Odd",
            "open",
            None,
            at,
            None,
            None,
            None,
        )

    open_ones = [
        challenge(1, "reach.parents", "2017-18_Q1", {}),
        challenge(2, "reach.families", "2017-18_Q2", {}),  # another period
        challenge(3, "reach.fathers", "2017-18_Q1", {"level": "targeted"}),  # another filter
    ]
    spine = [
        ("reach.parents", "Parents"),
        ("reach.families", "Families"),
        ("reach.fathers", "Dads"),
    ]
    panel = words.area_challenges(AREA, "Newcastle", "2017-18_Q1", open_ones, spine)
    assert [f.challenged for f in panel.flags] == [True, False, False]
    assert panel.flags[0].href == (
        "/challenges/new?indicator=reach.parents&area=E08000021&period=2017-18_Q1"
    )
    assert [r.href for r in panel.open_rows] == ["/challenges/1", "/challenges/2", "/challenges/3"]
    assert panel.all_href == "/challenges?area=E08000021" and panel.period == "2017-18 Q1"
    assert words.area_challenges(AREA, "Newcastle", None, open_ones, spine).flags == ()
