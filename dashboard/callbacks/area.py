"""Callbacks of the area profile (``/area/<gss_code>``): plain functions, attached per app by
``register``. Each one makes its reads itself (``services.queries`` with ``services.db``, the
engine's rows with ``services.data``), hands them to the presenter (``dashboard.present.area``
and its parts) and renders what it returns with ``dashboard.layouts.area``.

- the frame (the heading, the area's facts, the selects and the area picker's lists) is not a
  callback: ``dashboard.callbacks.area_frame``, run by the router with the layout;
- ``update_area_spine``, ``update_area_trend``, ``update_area_funnel``, ``update_area_reach``:
  the charts, all from the indicator engine; ``update_area_quality``: the area's data quality;
- ``update_area_query``: the controls written into the address (so a link reproduces the view);
- ``update_area_controls``: the address followed back into the controls (back / forward);
- the areas to compare with, chosen in the shared area picker: ``callbacks.area_compare``;
- ``update_area_switch``: open another area's profile, keeping the other choices;
- each chart's downloads and table twin, built again for the card's view key
  (``area_views.area_chart``; ``area_views.area_twin``: the twin, when the reader opens it).

The page keeps only the code of the area shown (``ids.AREA_SHOWN``): each callback looks the area,
the programme areas and the periods up on the server (``area_views.shown_area``), and checks every
value the browser sends against them and within size (``dashboard.callbacks.inputs``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from dash import Dash, Input, Output, State, html, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids, urlstate
from dashboard.callbacks import area_challenges, area_compare, bound, document_title
from dashboard.callbacks.area_views import (
    CHARTS,
    Compare,
    area_chart,
    area_twin,
    checked_compare,
    checked_text,
    funnel_chart,
    reach_chart,
    shown_area,
    spine_chart,
    trend_chart,
    unless_drawn,
    view_key,
)
from dashboard.charts import downloads
from dashboard.charts.card import card_outputs, plain_outputs
from dashboard.charts.content import empty_content
from dashboard.layouts import area as page
from dashboard.layouts import shell, spine_table
from dashboard.present import area as present
from dashboard.present import area_address as address
from dashboard.present import area_quality, trend_by
from dashboard.present.benchmark import checked as checked_kind
from dashboard.present.choices import with_release
from dashboard.present.confidence import checked as checked_ci
from dashboard.present.quality import NOT_IN_RELEASE
from dashboard.present.quality_completeness import every_pooled_completeness
from dashboard.services import Services, chosen_release_id
from dashboard.services import version_reads as reads
from dashboard.services.database import READ_ERRORS
from dashboard.services.releases import quality_db
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)


def _card_unavailable(part: str, exc: Exception) -> list[Any]:
    log.warning("area profile, %s: %s", part, exc)
    return page.card_values(empty_content(present.UNAVAILABLE))


def update_area_title(services: Services, heading: str | None) -> str:
    if not heading:
        raise PreventUpdate
    return document_title(str(heading), services.settings.service_name)


# --- the parts -------------------------------------------------------------------------------


def update_area_spine(
    services: Services,
    compare: Compare,
    period: str | None,
    ci: str | None,
    shown: object,
    benchmark: object = None,
    drawn: object = None,
) -> list[Any]:
    """The period message and the spine card (``benchmark``: the benchmark select's value,
    checked against the server's list; ``drawn``: the view key of the card as the page holds
    it, ``unless_drawn``)."""
    period, ci, kind = checked_text(period), checked_ci(ci), checked_kind(benchmark)
    try:
        area = shown_area(services, shown)
        compare = checked_compare(area, compare)
        key = unless_drawn(
            view_key(area, compare=compare, period=period, ci=ci, benchmark=kind), drawn
        )
        spine = spine_chart(services, area, compare, period, ci, kind)
    except READ_ERRORS as exc:
        return [page.unavailable(), *_card_unavailable("spine", exc), None]
    banner = shell.messages_banner(list(spine.messages)) if spine.messages else None
    phone = spine_table.spine_table(spine.phone)
    # (its table twin, ``spine.twin``, is built when the reader opens it: ``area_twin``)
    return plain_outputs([banner, *page.card_values(spine.content, view=key), phone])


def update_area_trend(
    services: Services,
    compare: Compare,
    period: str | None,
    ci: str | None,
    indicator_id: str | None,
    shown: object,
    trend: object = None,
    benchmark: object = None,
    drawn: object = None,
) -> list[Any]:
    """The trend card: the chosen indicator by quarter (or financial year) up to the period."""
    period, indicator_id, ci = checked_text(period), checked_text(indicator_id), checked_ci(ci)
    trend = checked_text(trend)
    kind = checked_kind(benchmark)
    try:
        area = shown_area(services, shown)
        compare = checked_compare(area, compare)
        key = view_key(
            area, compare=compare, period=period, indicator=indicator_id, ci=ci, benchmark=kind
        )
        key["trend_by"] = trend
        unless_drawn(key, drawn)
        content = trend_chart(services, area, compare, period, indicator_id, ci, trend, kind)
    except READ_ERRORS as exc:
        return _card_unavailable("trend", exc)
    return plain_outputs(page.card_values(content, view=key))


def update_area_funnel(
    services: Services, period: str | None, shown: object, drawn: object = None
) -> list[Any]:
    """The funnel card: referral to completion, all interventions and the most offered."""
    period = checked_text(period)
    try:
        area = shown_area(services, shown)
        key = unless_drawn(view_key(area, period=period), drawn)
        content = funnel_chart(services, area, period)
    except READ_ERRORS as exc:
        return _card_unavailable("funnel", exc)
    return plain_outputs(page.card_values(content, view=key))


def update_area_reach(
    services: Services,
    period: str | None,
    ci: str | None,
    breakdown: str | None,
    shown: object,
    benchmark: object = None,
    drawn: object = None,
) -> list[Any]:
    """The reach card: who is referred, by the chosen characteristic."""
    period, breakdown, ci = checked_text(period), checked_text(breakdown), checked_ci(ci)
    kind = checked_kind(benchmark)
    try:
        area = shown_area(services, shown)
        key = view_key(area, period=period, breakdown=breakdown, ci=ci, benchmark=kind)
        unless_drawn(key, drawn)
        content = reach_chart(services, area, period, breakdown, ci, kind)
    except READ_ERRORS as exc:
        return _card_unavailable("reach", exc)
    return plain_outputs(page.card_values(content, view=key))


def update_area_quality(services: Services, period: str | None, shown: object) -> Component:
    """The area's own data quality."""
    period = checked_text(period)
    data = services.data
    if quality_db(data) is None:  # a release's own data quality, never the live one under it
        return html.P(NOT_IN_RELEASE, className="alert alert-info", role="status")
    try:
        v = present.view(shown_area(services, shown), None, period, data.periods())
        code = v.code
        paired = (
            data.rows(area_quality.PAIRED_INDICATORS, areas=[code, PROGRAMME], periods=[v.period])
            if v.period is not None
            else None
        )
        shown_quality = area_quality.area_quality(
            v,
            current=reads.current_returns(data, code),
            loads=reads.load_log(data, code),
            findings=reads.finding_counts(data, code),
            held=reads.held_back(data, code),
            completeness=reads.completeness(data, code),
            pooled=every_pooled_completeness(data),
            paired=paired.rows if paired is not None else None,
            release=chosen_release_id(),
        )
    except READ_ERRORS as exc:
        log.warning("area profile, quality: %s", exc)
        return page.unavailable()
    section: Component = plain_outputs([page.quality_section(shown_quality)])[0]
    return section


# --- the address and the controls ------------------------------------------------------------


def _shown_or_stop(services: Services, shown: object) -> dict[str, Any]:
    try:
        return shown_area(services, shown)
    except READ_ERRORS as exc:
        log.warning("area profile: %s", exc)
        raise PreventUpdate from exc


def update_area_query(
    services: Services,
    compare: Compare,
    period: str | None,
    indicator: str | None,
    breakdown: str | None,
    ci: str | None,
    search: str | None,
    shown: object,
    benchmark: object = None,
    trend: object = None,
) -> Any:  # the query, or no_update
    """The address for the controls' values (``trend``: the trend card's step)."""
    area = _shown_or_stop(services, shown)
    compare = checked_compare(area, compare)
    period, indicator, breakdown = map(checked_text, (period, indicator, breakdown))
    chosen = present.in_order(present.ticked(compare))
    kind, step = checked_kind(benchmark), trend_by.checked(checked_text(trend))
    query = address.query_for(chosen, period, indicator, breakdown, checked_ci(ci), kind, step)
    query = with_release(query, chosen_release_id())  # the address keeps the release shown
    return query if query != (search or "") else no_update


def update_area_pdf_link(
    services: Services,
    period: str | None,
    ci: str | None,
    indicator: str | None,
    shown: object,
    trend: object = None,
    benchmark: object = None,
) -> str:
    """The PDF link's address for the controls' values (each checked as the page checks it)."""
    area = _shown_or_stop(services, shown)
    period, indicator = checked_text(period), checked_text(indicator)
    href = address.pdf_for(
        area["code"],
        period,
        checked_ci(ci),
        checked_kind(benchmark),
        indicator,
        trend_by.checked(checked_text(trend)),
    )
    return with_release(href, chosen_release_id())  # the PDF of the release shown


def update_area_controls(
    services: Services,
    search: str | None,
    compare: object,
    period: str | None,
    indicator: str | None,
    breakdown: str | None,
    ci: str | None,
    shown: object,
    benchmark: object = None,
    trend: object = None,
) -> tuple[Any, ...]:
    """The controls for the address (back, forward): the chosen areas (left alone when the
    page holds the same ones), the selects and radios; the last two values are the benchmark
    select's and the trend card's step."""
    area = _shown_or_stop(services, shown)
    code = area["code"]
    held = present.ticked(checked_compare(area, compare))
    state = urlstate.parse_query(search, address.PARAMS)
    w_compare, w_period, w_indicator, w_breakdown = address.control_values(state)
    w_ci = address.ci_value(state)
    w_kind = address.benchmark_value(state)
    w_trend = address.trend_value(state)
    known = {a["area_code"] for a in area["areas"]}
    wanted = [c for c in present.in_order(w_compare) if c in known and c != code]
    banner = shell.messages_banner(state.messages) if state.messages else no_update
    return (
        no_update if wanted == held and compare is not None else wanted,
        no_update if w_period == (period or present.LATEST) else w_period,
        no_update if w_indicator == indicator else w_indicator,
        no_update if w_breakdown == breakdown else w_breakdown,
        no_update if w_ci == ci else w_ci,
        banner,
        no_update if w_kind == benchmark else w_kind,
        no_update if w_trend == trend else w_trend,
    )


def update_area_switch(
    services: Services, _clicks: int, chosen: str | None, search: str | None, shown: object
) -> tuple[str, str]:
    area = _shown_or_stop(services, shown)
    known = {a["area_code"] for a in area["areas"]}
    if chosen not in known or chosen == area["code"]:
        raise PreventUpdate
    state = urlstate.parse_query(search, address.PARAMS)
    compare, period, indicator, breakdown = address.control_values(state)
    kept = [c for c in compare if c != chosen]
    ci, kind = address.ci_value(state), address.benchmark_value(state)
    step = address.trend_value(state)
    query = address.query_for(kept, period, indicator, breakdown, ci, kind, step)
    return address.path_for(str(chosen)), with_release(query, chosen_release_id())


def register_pdf_link(app: Dash, services: Services) -> None:
    """The "Download PDF for print" link kept in step with the controls."""
    app.callback(
        Output(ids.AREA_PDF_LINK, "href"),
        Input(ids.AREA_PERIOD, "value"),
        Input(ids.AREA_CI, "value"),
        Input(ids.AREA_INDICATOR, "value"),
        Input(ids.AREA_SHOWN, "data"),
        Input(ids.AREA_TREND_BY, "value"),
        Input(ids.AREA_BENCHMARK, "value"),
    )(bound(update_area_pdf_link, services))


# the controls' values, as the callbacks take them (each card's view store last: ``_drawn``)
_COMPARE = Input(ids.AREA_COMPARE, "data")  # the picker's chosen codes
_PERIOD = Input(ids.AREA_PERIOD, "value")
_INDICATOR = Input(ids.AREA_INDICATOR, "value")
_BREAKDOWN = Input(ids.AREA_BREAKDOWN, "value")
_CI = Input(ids.AREA_CI, "value")
_KIND = Input(ids.AREA_BENCHMARK, "value")  # (after the others: earlier arguments keep places)
_SHOWN = Input(ids.AREA_SHOWN, "data")
_TREND_BY = Input(ids.AREA_TREND_BY, "value")


def _drawn(chart_id: str) -> State:
    """The card's view key as the page holds it (``area_views.unless_drawn``)."""
    return State(ids.chart_pattern(chart_id, "view"), "data")


#: The cards' callbacks: (outputs, inputs and states, function). ``register`` attaches them; the
#: first layout of a page opened at its address is drawn with them (``area_first``).
CARDS: tuple[tuple[list[Output], list[Input | State], Callable[..., list[Any]]], ...] = (
    (
        [
            Output(ids.AREA_DATA_MESSAGES, "children"),
            *card_outputs(ids.AREA_SPINE_CHART),
            Output(spine_table.slot_id(ids.AREA_SPINE_CHART), "children"),
        ],
        [_COMPARE, _PERIOD, _CI, _SHOWN, _KIND, _drawn(ids.AREA_SPINE_CHART)],
        update_area_spine,
    ),
    (
        card_outputs(ids.AREA_TREND_CHART),
        [
            _COMPARE,
            _PERIOD,
            _CI,
            _INDICATOR,
            _SHOWN,
            _TREND_BY,
            _KIND,
            _drawn(ids.AREA_TREND_CHART),
        ],
        update_area_trend,
    ),
    (
        card_outputs(ids.AREA_FUNNEL_CHART),
        [_PERIOD, _SHOWN, _drawn(ids.AREA_FUNNEL_CHART)],
        update_area_funnel,
    ),
    (
        card_outputs(ids.AREA_REACH_CHART),
        [_PERIOD, _CI, _BREAKDOWN, _SHOWN, _KIND, _drawn(ids.AREA_REACH_CHART)],
        update_area_reach,
    ),
)


def register(app: Dash, services: Services) -> None:
    """Attach the area profile's callbacks to ``app``."""
    # (the frame is no callback: the router fills it in with the layout, ``prefill``)
    app.callback(
        Output(ids.PAGE_TITLE, "data", allow_duplicate=True),
        Input(ids.AREA_HEADING, "children"),
        prevent_initial_call=True,
    )(bound(update_area_title, services))
    for outputs, inputs_, function in CARDS:
        app.callback(*outputs, *inputs_)(bound(function, services))
    for chart_id in CHARTS:  # each card's downloads and table twin, from its view key
        twin = bound(area_twin, services, chart_id)
        rebuild = bound(area_chart, services, chart_id)
        downloads.attach(app, chart_id, rebuild, services.threshold, table=twin)
    register_pdf_link(app, services)
    app.callback(Output(ids.AREA_QUALITY, "children"), _PERIOD, _SHOWN)(
        bound(update_area_quality, services)
    )
    area_challenges.register(app, services)  # per person: never from a shared cache
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        *(_COMPARE, _PERIOD, _INDICATOR, _BREAKDOWN, _CI),
        *(State(ids.URL, "search"), State(ids.AREA_SHOWN, "data"), _KIND, _TREND_BY),
        prevent_initial_call=True,
    )(bound(update_area_query, services))
    app.callback(
        Output(ids.AREA_COMPARE, "data", allow_duplicate=True),
        Output(ids.AREA_PERIOD, "value"),
        Output(ids.AREA_INDICATOR, "value"),
        Output(ids.AREA_BREAKDOWN, "value"),
        Output(ids.AREA_CI, "value"),
        Output(ids.AREA_MESSAGES, "children", allow_duplicate=True),
        Output(ids.AREA_BENCHMARK, "value"),
        Output(ids.AREA_TREND_BY, "value"),
        Input(ids.URL, "search"),
        State(ids.AREA_COMPARE, "data"),
        State(ids.AREA_PERIOD, "value"),
        State(ids.AREA_INDICATOR, "value"),
        State(ids.AREA_BREAKDOWN, "value"),
        State(ids.AREA_CI, "value"),
        *(State(ids.AREA_SHOWN, "data"), State(ids.AREA_BENCHMARK, "value")),
        State(ids.AREA_TREND_BY, "value"),  # (last: earlier arguments keep their places)
        prevent_initial_call=True,
    )(bound(update_area_controls, services))
    area_compare.register(app, services)  # the areas to compare with: the shared picker
    app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.AREA_SWITCH_GO, "n_clicks"),
        State(ids.AREA_SWITCH, "value"),
        State(ids.URL, "search"),
        State(ids.AREA_SHOWN, "data"),
        prevent_initial_call=True,
    )(bound(update_area_switch, services))
