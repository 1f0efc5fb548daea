"""The shared layout of the three topic pages (Reach, Uptake, Outcomes): one builder, three
configurations (``dashboard.present.topic_filters.Topic``), and the components their callbacks
render (the areas' checklists, the links, the banner when the data cannot be read).

Every filter lives in the address (``topic_filters.params``); the layout does no database work:
the controls that need the data (areas by region, periods) are filled by
``dashboard.callbacks.topic``.
"""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import urlstate
from dashboard.charts.card import chart_card
from dashboard.layouts import area_picker, shell
from dashboard.present.benchmark import BENCHMARK_LABEL, BENCHMARK_NOTE, benchmark_options
from dashboard.present.choices import with_release
from dashboard.present.confidence import CI_NOTE, CI_OPTIONS
from dashboard.present.topic import UNAVAILABLE
from dashboard.present.topic_filters import (
    Topic,
    characteristic_label,
    group_choices,
    params,
)
from dashboard.present.trend_by import DEFAULT, TREND_BY
from lfo.indicators.definitions import indicators
from lfo.reference import BREAKDOWNS, load_reference

#: Each chart's name in the line that says it is not shown (``callbacks.topic``).
SHORT_NAMES = {
    "trend": "The trend chart",
    "caterpillar": "The areas ranked",
    "funnel": "The funnel plot",
    "breakdown": "Who is referred",
    "groups": "Fathers and workless households reached",
    "stages": "Referral to completion",
    "change": "Reliable improvement, recovery and deterioration",
    "mean": "Mean change in score",
}


def indicator_label(topic: Topic, choice: str) -> str:
    if topic.by_measure:
        name = indicators()[topic.indicator_id(choice, "csi4")].name
        return name.split(":")[0]
    return indicators()[choice].name


def _radios(
    control_id: str, options: Sequence[tuple[str, str]], value: str, *, inline: bool = False
) -> dbc.RadioItems:
    """Plain radio inputs with labels (Dash 4's dcc.RadioItems fails axe: see
    docs/dashboard-dev.md)."""
    return dbc.RadioItems(
        id=control_id,
        value=value,
        options=[{"label": label, "value": v} for v, label in options],
        className="lfo-radios",
        inline=inline,
    )


def _fieldset(
    legend: str, control: Component, hint: str | None = None, class_name: str = "mb-3"
) -> html.Fieldset:
    children: list[Component] = [html.Legend(legend, className="h6 fw-bold")]
    if hint:
        children.append(html.P(hint, className="small text-body-secondary mb-1"))
    children.append(control)
    return html.Fieldset(children, className=class_name)


def _select(
    control_id: str,
    label: str,
    value: str | None = None,
    options: Sequence[tuple[str, str]] = (),
    class_name: str = "col-sm-6 col-lg-4",
) -> html.Div:
    """A labelled plain select (filled by the controls callback when ``options`` is empty)."""
    return html.Div(
        [
            html.Label(label, htmlFor=control_id, className="form-label fw-bold"),
            dbc.Select(
                id=control_id, value=value, options=[{"label": t, "value": v} for v, t in options]
            ),
        ],
        className=class_name,
    )


def _area_picker(topic: Topic) -> html.Fieldset:
    """Choose areas by typing, each chosen area listed with a Remove button, and quick picks
    (the shared picker: ``layouts.area_picker``; ``present.topic_picker``). The lists are
    filled by the controls callback."""
    return area_picker.picker(
        topic.key,
        "Areas in the trend and side by side",
        "With no area chosen the trend chart shows the programme only.",
    )


def _trend_by(topic: Topic, values: dict[str, object]) -> html.Div:
    """The trend's step: quarterly, or by financial year (``present.trend_by``)."""
    return html.Div(
        _fieldset(
            "Trend by",
            _radios(topic.part("trend-by"), TREND_BY, str(values.get("trend") or DEFAULT)),
            class_name="mb-0",
        ),
        className="col-sm-6 col-lg-4",
    )


def filters(topic: Topic, values: dict[str, object]) -> html.Section:
    """The filter bar: one line saying what is selected (the summary of a disclosure the reader
    opens or closes), and the controls: plain selects, a pair of radios for the level, the area
    picker (issue 11 § 8)."""
    p = topic.part
    selects: list[Component] = [
        _select(
            p("indicator"),
            "Indicator",
            str(values["indicator"]),
            [(i, indicator_label(topic, i)) for i in topic.indicators],
        )
    ]
    if topic.by_measure:
        measures = [(m.code, m.name) for m in load_reference().measures.values()]
        selects.append(_select(p("measure"), "Outcome measure", str(values["measure"]), measures))
    if topic.by_group:
        selects.append(
            _select(p("group"), "Intervention or level", str(values["group"]), group_choices())
        )
    if topic.by_characteristic:
        chars = [(c, characteristic_label(c)) for c in BREAKDOWNS]
        selects.append(_select(p("char"), "Who is referred, by", str(values["char"]), chars))
    selects.append(_select(p("period"), "Period for the areas compared"))
    kinds = [(o["value"], o["label"]) for o in benchmark_options()]
    chosen_kind = str(values.get("benchmark") or kinds[0][0])
    selects.append(_select(p("benchmark"), BENCHMARK_LABEL, chosen_kind, kinds))
    level = html.Div(
        [
            _fieldset(
                "Confidence level",
                _radios(p("ci"), CI_OPTIONS, str(values["ci"]), inline=True),
                class_name="mb-0",
            ),
            html.P(CI_NOTE, id=p("ci-note"), className="small text-body-secondary mb-0"),
            html.P(BENCHMARK_NOTE, className="small text-body-secondary mb-0"),
        ],
        className="col-lg-8",
    )
    controls = html.Div(
        [
            html.Div([*selects, level], className="row g-3 mb-3"),
            _area_picker(topic),
            html.Div(
                [
                    _select(p("from"), "Trend from (quarter)"),
                    _select(p("to"), "Trend to (quarter)"),
                    _trend_by(topic, values),
                ],
                className="row g-3 mb-2",
            ),
        ],
        className="lfo-filterbar__controls",
    )
    bar = html.Details(
        [
            html.Summary(
                [
                    html.Span("Showing: ", className="fw-bold"),
                    html.Span("the page's defaults", id=p("summary")),
                    " ",
                    html.Span("(change)", className="lfo-filterbar__change"),
                ],
                className="lfo-filterbar__summary",
            ),
            controls,
        ],
        id=p("filter-bar"),
        # closed: the first screen shows the answer, the line above says what it is for; the
        # controls fill a laptop's first screen when open (judged by screenshots at 1366×768)
        open=False,
        className="lfo-filterbar",
    )
    return html.Section(
        [html.H2("Choose what to show", id=p("filters-heading"), className="h5"), bar],
        className="lfo-filters mb-4",
        **{"aria-labelledby": p("filters-heading")},  # type: ignore[arg-type]  # Dash types no aria-* keywords
    )


def topic_layout(topic: Topic, search: str = "", extra_cards: Sequence[Component] = ()) -> html.Div:
    """The whole page for ``topic`` (no database work), ``extra_cards`` after the shared three."""
    state = urlstate.parse_query(search, params(topic))
    p, c = topic.part, topic.chart
    return html.Div(
        [
            html.H1(topic.title),
            html.P(topic.intro, className="lead"),
            dcc.Store(id=p("state"), data={"search": search}),
            dcc.Store(id=p("written")),  # the query the page last wrote itself (not to re-read)
            dcc.Store(id=p("nav")),  # a query the page did not write (back, forward, a link)
            dcc.Store(id=p("areas")),  # the chosen areas' codes (the picker's value)
            html.Div(shell.messages_banner(state.messages), id=p("messages")),
            html.Div(id=p("data-messages"), role="status"),
            filters(topic, state.values),
            html.P(id=p("links"), className="mb-4"),
            html.H2("Trends and areas compared"),
            html.Div(html.Ul(id=p("not-shown"), className="lfo-not-shown mb-3"), role="status"),
            chart_card(c("trend"), "Trend", heading_level=3),
            chart_card(c("caterpillar"), "Areas ranked by value", heading_level=3),
            chart_card(c("funnel"), "Funnel plot", heading_level=3),
            *extra_cards,
        ]
    )


# --- what the callbacks render -------------------------------------------------------------------


def no_areas() -> html.P:
    """In place of the areas' checklists when the data cannot be read."""
    return html.P("No areas to show.")


def unavailable_banner() -> html.Div:
    """The banner when the data cannot be read."""
    return html.Div(html.P(UNAVAILABLE), className="alert alert-warning", role="status")


def chosen_areas(topic: Topic, chosen: Sequence[str], names: dict[str, str]) -> list[Component]:
    """The chosen areas, each with a Remove button naming it (``area_picker.chosen_areas``)."""
    return area_picker.chosen_areas(topic.key, chosen, names)


suggestions = area_picker.suggestions


def hidden_notes(lines: Sequence[str]) -> list[Component]:
    """One line per chart not shown for these choices, saying why."""
    return [html.Li(line) for line in lines]


def definition_links(ids_: Sequence[str]) -> list[Component | str]:
    """A link to each indicator's definition, separated by dots."""
    links: list[Component | str] = []
    for i in dict.fromkeys(ids_):
        if links:
            links.append(" · ")
        links.append(dcc.Link(f"How ‘{indicators()[i].name}’ is defined", href=f"/definitions#{i}"))
    return links


def profile_links(
    codes: Sequence[str], names: dict[str, str], release: str | None = None
) -> list[Component | str]:
    """A link to each area's profile, each after a dot (in the ``release`` shown)."""
    out: list[Component | str] = []
    for c in codes:
        href = with_release(f"/area/{c}", release)
        out += [" · ", dcc.Link(f"{names.get(c, c)}: area profile", href=href)]
    return out
