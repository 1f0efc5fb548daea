"""The Reach page: who is referred, how many families, fathers and workless households reached."""

from __future__ import annotations

from dash import html
from dash.development.base_component import Component

from dashboard.charts.card import chart_card
from dashboard.layouts.topic import topic_layout
from dashboard.present.topic_filters import Topic

TITLE = "Reach"


def _extra_cards() -> list[Component]:
    return [
        html.H2("Who is referred"),
        html.P(
            "Parents referred in the period by a characteristic you choose above, for the "
            "ticked areas beside the programme. 'Not stated' is a category of its own."
        ),
        chart_card(TOPIC.chart("breakdown"), "Who is referred", heading_level=3),
        chart_card(
            TOPIC.chart("groups"), "Fathers and workless households reached", heading_level=3
        ),
    ]


TOPIC = Topic(
    key="reach",
    path="/reach",
    title=TITLE,
    intro="How many parents and families each area reaches, against its target, and who they "
    "are: fathers, workless households and each characteristic, area by area and for the "
    "programme.",
    indicators=(
        "reach.families",
        "reach.parents",
        "reach.target",
        "reach.family_rate",
        "reach.fathers",
        "reach.workless",
    ),
    # a rate by default: the areas differ in size, so counts would rank them by size
    default_indicator="reach.family_rate",
    by_characteristic=True,
)


def layout(search: str = "") -> html.Div:
    return topic_layout(TOPIC, search, _extra_cards())
