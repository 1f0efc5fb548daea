"""The Uptake page: offers taken up, completion, time to start, attendance, and the referral to
completion funnel, by intervention or level."""

from __future__ import annotations

from dash import html
from dash.development.base_component import Component

from dashboard.charts.card import chart_card
from dashboard.layouts.topic import topic_layout
from dashboard.present.topic_filters import Topic

TITLE = "Uptake"


def _extra_cards() -> list[Component]:
    return [
        html.H2("From referral to completion"),
        html.P(
            "Parents referred in the period, and of them how many were offered, started and "
            "completed an intervention by the date of the current return. Each bar says the "
            "percentage of the stage before."
        ),
        chart_card(TOPIC.chart("stages"), "Referral to completion", heading_level=3),
    ]


TOPIC = Topic(
    key="uptake",
    path="/uptake",
    title=TITLE,
    intro="Whether parents take up the interventions they are offered and see them through: "
    "offers taken up, completion, days from referral to start, sessions attended and both "
    "parents engaged, by intervention or level.",
    indicators=(
        "uptake.completion",
        "uptake.start",
        "uptake.attendance",
        "uptake.days_to_start",
        "uptake.both_parents",
    ),
    default_indicator="uptake.completion",
    by_group=True,
)


def layout(search: str = "") -> html.Div:
    return topic_layout(TOPIC, search, _extra_cards())
