"""The topic pages' presenters without a server: the filters and the address
(``dashboard.present.topic_filters``), the shared charts and their words
(``dashboard.present.topic``) and each page's own charts (``present.reach``, ``present.uptake``,
``present.outcomes``), on hand-made engine rows and on the hand-worked database of
``tests/test_topic_pages.py`` read through ``IndicatorData`` (no Dash app, no HTTP).
"""

from __future__ import annotations

import pandas as pd

from dashboard.layouts import outcomes
from dashboard.present import topic as shared
from dashboard.present.topic_filters import Filters, state_from_search, to_search

NEWCASTLE, BLACKPOOL = "E08000021", "E06000009"


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

    content = shared.safely(broken, "Broken chart")
    assert content.empty_message == shared.FAILED_MESSAGE
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
    out = shared.sorted_for_table(rows)
    assert out["area_code"].tolist() == ["programme", "E4", "E2", "E1", "E6", "E5", "E3"]
    assert out.index.tolist() == list(range(7))
    # a missing name takes the pandas sort: the same order rules
    with_missing = rows.assign(
        area_name=["Luton", "Programme", None, "Essex", "Leeds", "Acton", "Zed"]
    )
    assert shared.sorted_for_table(with_missing)["area_code"].tolist() == [
        "programme",
        "E4",
        "E1",
        "E6",
        "E2",
        "E5",
        "E3",
    ]
