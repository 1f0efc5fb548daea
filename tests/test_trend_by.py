"""The trend's step (issue 11 § 7): quarterly or by financial year (``dashboard.present.trend_by``),
which years an annual trend draws for the areas' returns, and the choice in a topic page's
address (``topic_filters``)."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from support.engine_db import build_db, episode
from support.page_dbs import BLACKPOOL, MANCHESTER, NEWCASTLE

from dashboard.charts.figures.base import as_figure
from dashboard.layouts import uptake
from dashboard.present import trend_by
from dashboard.present.topic import trend_chart
from dashboard.present.topic_filters import Filters, checked_filters, state_from_search, to_search
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData, indicator
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


def test_an_annual_trend_marks_a_year_one_return_covers_in_part(tmp_path):
    """Newcastle 20 of 25 and Manchester 15 of 20 episodes completed, Blackpool 10 of 20, all
    ended in 2018-19 Q1; Blackpool's return stops at 2018-19 Q2, so the engine gives it no
    figure for the year, and the programme's year pools the other two: 35 of 45."""
    ended = "2018-06-10"
    url = build_db(
        tmp_path / "part.db",
        {
            NEWCASTLE: [episode("completed", ended)] * 20 + [episode("dropped_out", ended)] * 5,
            MANCHESTER: [episode("completed", ended)] * 15 + [episode("dropped_out", ended)] * 5,
            BLACKPOOL: [episode("completed", ended)] * 10 + [episode("dropped_out", ended)] * 10,
        },
        return_period={BLACKPOOL: ("2018-19_Q2", dt.date(2018, 9, 30))},
    )
    data = IndicatorData(Database(url), threshold=10)
    f = Filters(
        indicator="uptake.completion",
        areas=(BLACKPOOL,),
        period_from="2016-17_Q1",
        period_to="2018-19_Q4",
        trend_by="annual",
    )
    chart = trend_chart(data, f, indicator("uptake.completion"))
    fig = as_figure(chart.figure)
    lines = {t.name: t for t in fig.data}
    assert list(lines["Blackpool"].x) == ["2016-17", "2017-18", "2018-19 *"]
    assert np.isnan(np.asarray(lines["Blackpool"].y, dtype=float)[-1])
    programme = np.asarray(lines["Programme (all areas)"].y, dtype=float)
    assert programme[-1] == pytest.approx(35 / 45 * 100)
    assert any(
        n.startswith("2018-19 *: the programme's figure pools only the 2 areas")
        and "1 area's return stops part-way" in n
        for n in chart.notes
    )
