"""Callbacks shared by the topic pages (Reach, Uptake, Outcomes), attached per app by
``register_topic``.

``update_controls`` turns the address into the filters (areas by region and periods come from the
database; bad or stale values fall back with a message); ``update_quick`` is the quick picks;
``update_charts`` draws every chart for the filters (``dashboard.present.topic``) and writes them
back to the address.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dash import ALL, Dash, Input, Output, State, ctx, no_update
from dash.exceptions import PreventUpdate

from dashboard import ids
from dashboard.callbacks import bound
from dashboard.charts.card import card_outputs, plain_outputs, render
from dashboard.charts.content import empty_content
from dashboard.layouts import topic as layout
from dashboard.layouts.shell import messages_banner
from dashboard.present.topic import UNAVAILABLE, Extras, topic_view
from dashboard.present.topic_filters import (
    Topic,
    filters_from_inputs,
    period_options,
    same_areas,
    state_from_search,
    to_search,
)
from dashboard.services import Services
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
    ticked: AreaLists,
) -> list[object]:
    """The controls for the address ``search``: the areas' checklists (not drawn again when the
    ticks already say them, so focus stays), the period options and every control's value."""
    try:
        areas, periods = data.areas(), data.periods()
    except READ_ERRORS as exc:
        log.warning("%s controls: %s", topic.key, exc)
        unchanged = [no_update] * (2 + len(topic.optional))  # indicator, interval, optional
        return [
            layout.no_areas(),
            [],
            None,
            [],
            None,
            [],
            None,
            *unchanged,
            layout.unavailable_banner(),
        ]
    f, messages = state_from_search(topic, search, areas, periods)
    quarters = period_options(periods, quarters_only=True)
    groups = no_update if same_areas(ticked, f.areas) else layout.area_groups(topic, areas, f.areas)
    return [
        groups,
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
    ]


def update_quick(
    topic: Topic, _none: int, _all: int, options: list[list[dict[str, str]] | None]
) -> list[list[str]]:
    """Untick every area, or tick every one."""
    if ctx.triggered_id == topic.part("quick-none"):
        return [[] for _ in options]
    if ctx.triggered_id == topic.part("quick-all"):
        return [[o["value"] for o in opts or []] for opts in options]
    raise PreventUpdate


def update_charts(
    data: IndicatorData,
    topic: Topic,
    extras: Extras,
    choice: str | None,
    area_lists: AreaLists,
    start: str | None,
    end: str | None,
    period: str | None,
    ci: str | None,
    *rest: object,
) -> list[object]:
    """Every chart of the page for the controls' values (``rest``: the page's own controls'
    values, then the address), the definition and profile links, and the address to write."""
    *optional_values, search = rest
    f = filters_from_inputs(topic, choice, area_lists, start, end, period, ci, optional_values)
    try:
        periods = data.periods()
        view = topic_view(data, topic, f, extras)
    except READ_ERRORS as exc:
        log.warning("%s charts: %s", topic.key, exc)
        cards = [empty_content(UNAVAILABLE)] * (3 + len(extras.names))
        return [no_update, no_update, UNAVAILABLE, *[v for c in cards for v in render(c)]]
    query = to_search(topic, f, periods)
    links = [
        *layout.definition_links(view.indicator_ids),
        *layout.profile_links(f.areas, view.area_names),
    ]
    return plain_outputs(
        [
            no_update if query == (search or "") else query,
            query,  # what the address says now (back then forward must re-read it)
            links,
            *[v for c in view.contents for v in render(c)],
        ]
    )


def register_topic(app: Dash, services: Services, topic: Topic, extras: Extras) -> None:
    """Attach the controls, quick-pick and chart callbacks of ``topic`` (with its own charts,
    ``extras``) to ``app``."""
    p, data = topic.part, services.data
    areas = ids.topic_areas(topic.key, ALL)
    app.callback(
        Output(p("areas"), "children"),
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
        Input(p("state"), "data"),
        Input(p("nav"), "data"),
        State(ids.URL, "search"),
        State(areas, "value"),
    )(bound(update_controls, data, topic))
    # In the browser: pass on only the addresses the page did not write itself (back, forward),
    # so ticking a box never re-renders the controls (focus stays) nor races the charts.
    app.clientside_callback(  # type: ignore[no-untyped-call]  # Dash leaves it unannotated
        NAV_JS, Output(p("nav"), "data"), Input(ids.URL, "search"), State(p("written"), "data")
    )
    app.callback(
        Output(areas, "value"),
        Input(p("quick-none"), "n_clicks"),
        Input(p("quick-all"), "n_clicks"),
        State(areas, "options"),
        prevent_initial_call=True,
    )(bound(update_quick, topic))
    names = ("trend", "caterpillar", "funnel", *extras.names)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(p("written"), "data"),
        Output(p("links"), "children"),
        *[o for name in names for o in card_outputs(topic.chart(name))],
        Input(p("indicator"), "value"),
        Input(areas, "value"),
        Input(p("from"), "value"),
        Input(p("to"), "value"),
        Input(p("period"), "value"),
        Input(p("ci"), "value"),
        *[Input(p(o), "value") for o in topic.optional],
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(bound(update_charts, data, topic, extras))
