"""The Outcomes page: reliable improvement, recovery and deterioration, and mean change, for each
measure, with the caveats that go with them."""

from __future__ import annotations

from dash import html
from dash.development.base_component import Component

from dashboard.charts.card import chart_card
from dashboard.layouts.topic import topic_layout
from dashboard.present.topic_filters import Topic
from lfo.indicators.definitions import CAVEATS

TITLE = "Outcomes"


def _extra_cards() -> list[Component]:
    caveats = html.Aside(
        [
            html.H3("Read these figures with care", className="h5"),
            html.Ul([html.Li(CAVEATS[0]), html.Li(CAVEATS[1])]),
            html.P(
                "Recovery counts only parents at caseness (past the clinical cut-off) at "
                "baseline; a reliable change is one of at least the measure's reliable change "
                "index. The definitions of each figure are linked above.",
                className="mb-0",
            ),
        ],
        className="lfo-caveats border-start border-4 ps-3 mb-4",
        **{"aria-label": "Caveats for outcome figures"},  # type: ignore[arg-type]  # Dash types no aria-* keywords
    )
    return [
        html.H2("Outcomes for the chosen measure"),
        caveats,
        chart_card(
            TOPIC.chart("change"),
            "Reliable improvement, recovery and deterioration",
            heading_level=3,
        ),
        chart_card(TOPIC.chart("mean"), "Mean change in score", heading_level=3),
    ]


TOPIC = Topic(
    key="outcomes",
    path="/outcomes",
    title=TITLE,
    intro="How parents' relationships and wellbeing change from the start to the end of an "
    "intervention: reliable improvement, recovery and deterioration, and mean change, for "
    "each questionnaire, by intervention or level.",
    indicators=(
        "reliable_improvement",
        "recovery",
        "reliable_recovery",
        "reliable_deterioration",
        "change",
        "effect_size",
        "paired",
        "followup_6m_response",
        "followup_12m_response",
        "sustained_6m",
        "sustained_12m",
    ),
    default_indicator="reliable_improvement",
    by_group=True,
    by_measure=True,
    default_year=True,
)


def layout(search: str = "") -> html.Div:
    return topic_layout(TOPIC, search, _extra_cards())
