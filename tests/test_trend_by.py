"""The trend's step (issue 11 § 7): quarterly or by financial year (``dashboard.present.trend_by``),
which years an annual trend draws for the areas' returns, and the choice in a topic page's
address (``topic_filters``)."""

from __future__ import annotations

import pandas as pd

from dashboard.layouts import uptake
from dashboard.present import trend_by
from dashboard.present.topic_filters import Filters, checked_filters, state_from_search, to_search
from lfo.periods import years_between

PERIODS = [
    *(f"{y}-{(y + 1) % 100:02d}_Q{q}" for y in (2016, 2017, 2018) for q in (1, 2, 3, 4)),
    "2019-20_Q1",
    "2019-20_Q2",
    "2016-17",
    "2017-18",
    "2018-19",
]


def test_years_between_are_the_financial_years_the_range_touches():
    assert years_between("2016-17_Q3", "2018-19_Q1") == ["2016-17", "2017-18", "2018-19"]
    assert years_between("2017-18", "2017-18_Q4") == ["2017-18"]


def test_every_year_is_drawn_when_every_return_covers_it():
    years = trend_by.annual_years("2016-17_Q1", "2018-19_Q4", PERIODS, ["2018-19_Q4"] * 3)
    assert years.shown == ["2016-17", "2017-18", "2018-19"]
    assert years.marks == {} and years.notes == []


def test_a_year_some_returns_stop_part_way_through_is_marked_and_the_year_in_progress_left_out():
    returns = ["2019-20_Q2", "2019-20_Q2", "2018-19_Q4", "2018-19_Q2", None]
    years = trend_by.annual_years("2016-17_Q1", "2019-20_Q2", PERIODS, returns)
    # 2019-20: no return covers all of it (the engine publishes no figure): left out, said why
    assert years.shown == ["2016-17", "2017-18", "2018-19"]
    assert years.marks == {"2018-19": " *"}
    marked, left_out = years.notes  # in year order
    assert left_out.startswith("Financial year 2019-20 is not drawn: no return covers all of it")
    # 2018-19: 3 returns reach its end (two into 2019-20), 1 stops at its Q2; the area without
    # a return counts in neither
    assert marked.startswith("2018-19 *: the programme's figure pools only the 3 areas")
    assert "1 area's return stops part-way through it" in marked


def test_the_choice_travels_in_the_address_and_a_bad_value_falls_back():
    areas = pd.DataFrame({"area_code": ["E08000021"], "return_period": ["2018-19_Q4"]})
    f = Filters(indicator="uptake.completion", trend_by="annual", period="2018-19")
    search = to_search(uptake.TOPIC, f, PERIODS, ["2018-19_Q4"])
    assert "trend=annual" in search
    back, messages = state_from_search(uptake.TOPIC, search, areas, PERIODS)
    assert back.trend_by == "annual" and messages == []
    # quarterly is the default: left out of the address
    assert "trend" not in to_search(uptake.TOPIC, Filters(indicator="uptake.completion"), PERIODS)
    bad, messages = state_from_search(uptake.TOPIC, "?trend=weekly", areas, PERIODS)
    assert bad.trend_by == "quarterly" and messages
    crafted = Filters(indicator="uptake.completion", trend_by="<script>")
    assert checked_filters(uptake.TOPIC, crafted, {"E08000021"}, PERIODS).trend_by == "quarterly"


def test_the_words_say_how_the_trend_steps():
    assert trend_by.summary_words("annual") == "Trend by financial year"
    assert trend_by.summary_words("quarterly") == "Trend by quarter"
    assert trend_by.checked("annual") == "annual" and trend_by.checked(None) == "quarterly"
