"""Callbacks shared by the topic pages (Reach, Uptake, Outcomes), attached per app by
``register_topic``.

``update_controls`` turns the address into the filters (areas by region and periods come from the
database; bad or stale values fall back with a message); ``update_quick`` is the quick picks;
``update_charts`` draws every chart for the filters (``dashboard.present.topic``) and writes them
back to the address; ``topic_chart`` builds one chart again for its view key (the downloads).

Every value the browser sends is checked against the server's lists and sizes first
(``dashboard.callbacks.inputs``, ``topic_filters.checked_filters``).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import pandas as pd
from dash import Dash, Input, Output, State, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks import bound, inputs
from dashboard.callbacks import topic_picker as picker_callbacks
from dashboard.charts import downloads
from dashboard.charts.card import card_outputs, not_shown_line, plain_outputs, render
from dashboard.charts.content import ChartContent, empty_content
from dashboard.layouts import topic as layout
from dashboard.layouts.shell import messages_banner
from dashboard.present import topic_picker as picker
from dashboard.present import trend_by
from dashboard.present.choices import with_release
from dashboard.present.topic import UNAVAILABLE, Extras, topic_view
from dashboard.present.topic_filters import (
    Filters,
    Topic,
    checked_filters,
    filters_from_inputs,
    period_options,
    state_from_search,
    to_search,
    view_key,
)
from dashboard.services import Services, chosen_release_id
from dashboard.services.database import READ_ERRORS
from dashboard.services.indicator_data import IndicatorData

log = logging.getLogger(__name__)

NAV_JS = """
function(search, written) {
    if ((search || "") === (written || "")) { return window.dash_clientside.no_update; }
    return {"search": search || ""};
}
"""

#: The ticked areas' checklists, one per region (a pattern over the regions).
AreaLists = Sequence[Sequence[str] | None] | None


def update_controls(
    data: IndicatorData,
    topic: Topic,
    _state: dict[str, str] | None,
    _nav: dict[str, str] | None,
    search: str | None,
    current: object,
) -> list[object]:
    """The controls for the address ``search``: the picker's suggestions and regions, the
    chosen areas (not set again when the page holds them already), the period options and every
    control's value."""
    try:
        areas, periods = data.areas(), data.periods()
    except READ_ERRORS as exc:
        log.warning("%s controls: %s", topic.key, exc)
        unchanged = [no_update] * (2 + len(topic.optional))  # indicator, interval, optional
        banner = layout.unavailable_banner()
        return [[], [], [], [], None, [], None, [], None, *unchanged, banner, no_update]
    f, messages = state_from_search(topic, search, areas, periods, returns_of(areas))
    try:  # the areas chosen now (the browser's): only to see whether they must be set again
        held = inputs.codes(current, set(areas["area_code"]))
    except inputs.NotRecognised:
        held = None
    quarters = period_options(periods, quarters_only=True)
    regions = picker.regions(areas)
    return [
        layout.suggestions(picker.suggestions(areas)),
        [{"label": r, "value": r} for r in regions],
        no_update if current is not None and held == list(f.areas) else list(f.areas),
        quarters,
        f.period_from,
        quarters,
        f.period_to,
        period_options(periods, quarters_only=False),
        f.period,
        f.indicator,
        f.ci,
        *f.optional_values(topic),
        messages_banner(messages),
        f.trend_by,
    ]


def filters_for(
    data: IndicatorData,
    topic: Topic,
    choice: object,
    area_lists: object,
    start: object,
    end: object,
    period: object,
    ci: object,
    optional_values: Sequence[object],
    trend: object = None,
) -> Filters:
    """The filters for the controls' values (the browser's; ``trend``: the trend's step),
    checked against the server's areas and periods: ``inputs.NotRecognised`` for values too
    large to be controls'."""
    areas = data.areas()
    known = set(areas["area_code"])
    texts = [inputs.text(v) for v in (choice, start, end, period, ci, *optional_values)]
    choice_, start_, end_, period_, ci_, *optional = texts
    lists = inputs.code_groups(area_lists, known)
    trend_ = inputs.text(trend)
    f = filters_from_inputs(topic, choice_, lists, start_, end_, period_, ci_, optional, trend_)
    return checked_filters(topic, f, known, data.periods(), returns_of(areas))


def returns_of(areas: pd.DataFrame) -> list[object]:
    """Each area's current return period (the rule of the default period)."""
    return list(areas["return_period"]) if "return_period" in areas else []


def topic_chart(
    data: IndicatorData, topic: Topic, extras: Extras, name: str, view: object
) -> ChartContent:
    """The chart ``name`` of ``topic`` built again for its view key (``view_key``), checked as
    the controls' values are (``ValueError`` if not recognised)."""
    key = inputs.view_key(view)
    optional = [key.get(o) for o in topic.optional]
    areas = key.get("areas")
    f = filters_for(
        data,
        topic,
        key.get("indicator"),
        [areas] if areas is not None else None,
        key.get("from"),
        key.get("to"),
        key.get("period"),
        key.get("ci"),
        optional,
        key.get("trend_by"),
    )
    names = chart_names(extras)
    return topic_view(data, topic, f, extras).contents[names.index(name)]


def chart_names(extras: Extras) -> tuple[str, ...]:
    """The page's charts, in the order ``topic_view`` makes them."""
    return ("trend", "caterpillar", "funnel", *extras.names)


def update_charts(
    data: IndicatorData,
    topic: Topic,
    extras: Extras,
    choice: str | None,
    chosen: object,
    start: str | None,
    end: str | None,
    period: str | None,
    ci: str | None,
    *rest: object,
) -> list[object]:
    """Every chart of the page for the controls' values (``chosen``: the picker's area codes;
    ``rest``: the page's own controls' values, the address, then the trend's step), the
    definition and profile
    links, the address to write, the filter bar's summary, and which charts are not shown
    (those with nothing to draw for these choices, each with one line saying why)."""
    *optional_values, search, trend = rest
    area_lists = [chosen] if chosen is not None else None
    try:
        f = filters_for(
            data, topic, choice, area_lists, start, end, period, ci, optional_values, trend
        )
        periods = data.periods()
        view = topic_view(data, topic, f, extras)
    except inputs.NotRecognised:
        raise PreventUpdate from None  # not what the page's controls send: the page stays
    except READ_ERRORS as exc:
        log.warning("%s charts: %s", topic.key, exc)
        cards = [empty_content(UNAVAILABLE)] * (3 + len(extras.names))
        n = len(cards)
        hidden = [False] * n
        return [
            *[no_update, no_update, UNAVAILABLE, no_update, []],
            *hidden,
            *[v for c in cards for v in render(c)],
        ]
    release = chosen_release_id()  # the address and the links keep the release shown
    query = with_release(to_search(topic, f, periods, returns_of(data.areas())), release)
    key = view_key(f)
    links = [
        *layout.definition_links(view.indicator_ids),
        *layout.profile_links(f.areas, view.area_names, release),
    ]
    summary = picker.summary_line(topic, f, picker.indicator_name(topic, f), len(f.areas))
    summary += f" · {trend_by.summary_words(f.trend_by)}"
    hidden = [bool(c.empty_message) for c in view.contents]
    return plain_outputs(
        [
            no_update if query == (search or "") else query,
            query,  # what the address says now (back then forward must re-read it)
            links,
            summary,
            layout.hidden_notes(not_shown_lines(chart_names(extras), view.contents)),
            *hidden,
            *[v for c in view.contents for v in render(c, key)],
        ]
    )


def not_shown_lines(names: Sequence[str], contents: Sequence[ChartContent]) -> list[str]:
    """One line per chart with nothing to draw for these choices: which chart, and why (the
    card kit's ``not_shown_line``, the one home of those words)."""
    lines = (
        not_shown_line(layout.SHORT_NAMES.get(name, "A chart"), c)
        for name, c in zip(names, contents, strict=True)
    )
    return [line for line in lines if line is not None]


def register_topic(app: Dash, services: Services, topic: Topic, extras: Extras) -> None:
    """Attach the controls, quick-pick and chart callbacks of ``topic`` (with its own charts,
    ``extras``) to ``app``."""
    p, data = topic.part, services.routed  # each request: its release's or live figures
    areas = p("areas")
    app.callback(
        Output(p("area-options"), "children"),
        Output(p("region"), "options"),
        Output(areas, "data"),
        Output(p("from"), "options"),
        Output(p("from"), "value"),
        Output(p("to"), "options"),
        Output(p("to"), "value"),
        Output(p("period"), "options"),
        Output(p("period"), "value"),
        Output(p("indicator"), "value"),
        Output(p("ci"), "value"),
        *[Output(p(o), "value") for o in topic.optional],
        Output(p("messages"), "children"),
        Output(p("trend-by"), "value"),
        Input(p("state"), "data"),
        Input(p("nav"), "data"),
        State(ids.URL, "search"),
        State(areas, "data"),
    )(bound(update_controls, data, topic))
    # In the browser: pass on only the addresses the page did not write itself (back, forward),
    # so ticking a box never re-renders the controls (focus stays) nor races the charts.
    app.clientside_callback(  # type: ignore[no-untyped-call]  # Dash leaves it unannotated
        NAV_JS, Output(p("nav"), "data"), Input(ids.URL, "search"), State(p("written"), "data")
    )
    picker_callbacks.register(app, services, topic)
    names = chart_names(extras)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(p("written"), "data"),
        Output(p("links"), "children"),
        Output(p("summary"), "children"),
        Output(p("not-shown"), "children"),
        *[Output(ids.chart(topic.chart(name), "section"), "hidden") for name in names],
        *[o for name in names for o in card_outputs(topic.chart(name))],
        Input(p("indicator"), "value"),
        Input(areas, "data"),
        Input(p("from"), "value"),
        Input(p("to"), "value"),
        Input(p("period"), "value"),
        Input(p("ci"), "value"),
        *[Input(p(o), "value") for o in topic.optional],
        State(ids.URL, "search"),
        Input(p("trend-by"), "value"),  # last: Dash takes Inputs and States in any order
        prevent_initial_call=True,
    )(bound(update_charts, data, topic, extras))
    for name in names:
        rebuild = bound(topic_chart, data, topic, extras, name)
        downloads.attach(app, topic.chart(name), rebuild, services.threshold)
