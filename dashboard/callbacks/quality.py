"""Callbacks of the data-quality page, as plain module-level functions attached by ``register``.

``update_controls`` turns the address into the filters (and messages for bad values);
``update_quality`` draws the page for the filters (``present.quality``,
``present.quality_completeness``) and writes them back to the address; ``quality_chart`` builds
a chart again for its view key (the downloads). The filters the browser sends are checked
against the server's areas, measures and periods first (``checked_filters``).
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd
from dash import Dash, Input, Output, State, html, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids, urlstate
from dashboard.callbacks import bound, inputs
from dashboard.charts import downloads
from dashboard.charts.card import View, card_outputs, render
from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.table import JSONList, plain_json
from dashboard.layouts import quality as page
from dashboard.layouts import shell
from dashboard.present import quality as pq
from dashboard.present import quality_completeness as pc
from dashboard.present.choices import with_release
from dashboard.services import Services, chosen_release_id
from dashboard.services import version_reads as reads
from dashboard.services.database import READ_ERRORS
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.releases import quality_db
from dashboard.web.principal import current
from lfo.access.policy import decide
from lfo.reference import load_reference

log = logging.getLogger(__name__)

UNREADABLE = "the database could not be read"


def update_controls(
    services: Services, _state: dict[str, Any] | None, search: str | None
) -> tuple[Any, ...]:
    """The area and period selects' options and every filter's value for the address, with
    messages for what in it could not be used."""
    try:
        areas = services.data.area_list()  # the release's areas when it shows one
        periods = services.data.periods()
    except READ_ERRORS as exc:
        log.warning("data quality controls: %s", exc)
        return (
            page.area_options(),
            page.ALL_AREAS,
            [],
            None,
            pq.DEFAULT_MEASURE,
            shell.unavailable(UNREADABLE),
        )
    state = urlstate.parse_query(search, page.PARAMS)
    values, messages = pq.check_filters(state.values, list(areas["area_code"]), periods)
    chosen = values["period"]
    return (
        page.area_options(areas),
        values["area"] or page.ALL_AREAS,
        shell.period_options(pq.period_choices(periods, chosen)),  # type: ignore[arg-type]
        chosen,
        values["measure"],
        shell.messages_banner([*state.messages, *messages]),
    )


def update_quality(
    services: Services,
    area: str | None,
    measure: str | None,
    period: str | None,
    search: str | None,
) -> list[Any]:
    """The address for the filters, the returns, loads, findings and held-back sections, the
    completeness card, the paired-outcome completeness card and its table for every measure."""
    data = services.data
    db = quality_db(data)  # a release's own data quality, never the live one under it
    try:
        area, measure, period = checked_filters(services, area, measure, period)
    except inputs.NotRecognised:
        raise PreventUpdate from None  # not what the page's controls send: the page stays
    except READ_ERRORS:
        area, measure, period = None, pq.DEFAULT_MEASURE, None
    definition = pq.paired_definition(measure)
    try:
        latest = pq.default_period(data.periods())
    except READ_ERRORS:
        latest = None
    # the latest period is the default: left out, so a plain link always shows the latest
    written = None if period == latest else period
    query = urlstate.to_query({"area": area, "measure": measure, "period": written}, page.PARAMS)
    query = with_release(query, chosen_release_id())  # the address keeps the release shown
    new_search: Any = no_update if query == (search or "") else query
    try:
        # the same for every request of this area until a load changes the data: made once
        # per data version (the all-areas grid is thousands of cells), kept as plain JSON
        # that is not walked again (a JSONList: see ``plain_json``)
        detail = detail_areas()
        content = (
            data.per_version(
                ("quality_sections", area, detail),
                lambda _conn, _version: JSONList(
                    plain_json(quality_sections(data, area, detail=detail))
                ),
            )
            if db is not None
            else plain_json(not_in_release())
        )
        # the completeness card (a table of every area × field for all areas) depends only
        # on the area and the data: rendered once per data version, as plain JSON
        completeness = data.per_version(
            ("quality_completeness_card", area),
            lambda _conn, _version: [
                plain_json(v) for v in render(completeness_card(services, area), {"area": area})
            ],
        )
        paired = pq.paired_chart(data, area, measure, period)
        paired_key: View = {"area": area, "measure": measure, "period": period}
        every_measure = page.table(pq.paired_every_measure(data, period))
    except READ_ERRORS as exc:
        log.warning("data quality page: %s", exc)
        empty = empty_content("The data cannot be shown just now.")
        return [
            new_search,
            shell.unavailable(UNREADABLE),
            *render(empty),
            *render(empty),
            definition,
            None,
        ]
    # every output as plain JSON, so Dash hands the answer straight to orjson
    return [
        new_search,
        content,
        *completeness,
        *(plain_json(v) for v in [*render(paired, paired_key), definition, every_measure]),
    ]


def checked_filters(
    services: Services, area: object, measure: object, period: object
) -> tuple[str | None, str, str | None]:
    """The filters' values (the browser's) checked against the server's lists: a programme area
    or None (all areas), a measure, a period with data or None. A value the page's controls
    never send is ``inputs.NotRecognised``."""
    area, measure, period = (inputs.text(v) for v in (area, measure, period))
    area = None if area in (None, page.ALL_AREAS) else area
    if area is not None and area not in set(services.data.area_list()["area_code"]):
        raise inputs.NotRecognised("not a programme area")
    measure = measure or pq.DEFAULT_MEASURE
    if measure not in load_reference().measures:
        raise inputs.NotRecognised("not a measure")
    if period is not None and period not in services.data.periods():
        raise inputs.NotRecognised("not a period with data")
    return area, measure, period


def quality_chart(services: Services, chart_id: str, view: object) -> ChartContent:
    """The chart ``chart_id`` of the page built again for its view key, checked as the
    filters are (``ValueError`` if not recognised)."""
    key = inputs.view_key(view)
    area, measure, period = checked_filters(
        services, key.get("area"), key.get("measure"), key.get("period")
    )
    if chart_id == ids.QUALITY_COMPLETENESS_CHART:
        return completeness_card(services, area)
    return pq.paired_chart(services.data, area, measure, period)


def detail_areas() -> frozenset[str] | None:
    """The LAs whose detail (loads, findings, held-back rows) the request's principal may see:
    None for every LA (``lfo.access.policy``: a programme lead), else their own LA(s)."""
    who = current()
    if decide(who, "view_quality_detail", None).allowed:
        return None
    return frozenset(a for a in who.areas if decide(who, "view_quality_detail", a).allowed)


def quality_sections(
    data: IndicatorData, area: str | None, *, detail: frozenset[str] | None = None
) -> list[Component]:
    """Returns received, every load, findings and held-back rows (for one area or all) of
    ``data``'s database (a release's own, ``quality_db``); the last three only for the LAs in
    ``detail`` (None: every LA)."""
    current_returns = reads.current_returns(data, area)
    names = pq.area_names(data.area_list())

    def own(frame: pd.DataFrame) -> pd.DataFrame:
        if detail is None:
            return frame
        return frame[frame["area_code"].isin(sorted(detail))].reset_index(drop=True)

    return page.sections(
        pq.coverage(current_returns),
        pq.loads(own(reads.load_log(data, area)), names),
        pq.findings(own(reads.finding_counts(data, area)), names),
        pq.held_back(own(reads.held_back(data, area)), names),
    )


def completeness_card(services: Services, area: str | None) -> ChartContent:
    """The completeness card's content for ``area`` (None: all areas)."""
    data = services.data
    if quality_db(data) is None:
        return empty_content(pq.NOT_IN_RELEASE)
    every = reads.completeness(data)
    names = pq.area_names(data.area_list())
    pooled = pc.every_pooled_completeness(data)
    return pc.completeness_chart(every, pooled, names, area, reads.data_as_at(data))


def not_in_release() -> Component:
    """In place of the returns, loads, findings and held-back sections of a release whose file
    carries no data quality."""
    return html.P(pq.NOT_IN_RELEASE, className="alert alert-info", role="status")


def register(app: Dash, services: Services) -> None:
    """Attach the page's callbacks to ``app``."""
    app.callback(
        Output(ids.QUALITY_AREA, "options"),
        Output(ids.QUALITY_AREA, "value"),
        Output(ids.QUALITY_PERIOD, "options"),
        Output(ids.QUALITY_PERIOD, "value"),
        Output(ids.QUALITY_MEASURE, "value"),
        Output(ids.QUALITY_MESSAGES, "children"),
        Input(ids.QUALITY_STATE, "data"),
        Input(ids.URL, "search"),
    )(bound(update_controls, services))
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(ids.QUALITY_CONTENT, "children"),
        *card_outputs(ids.QUALITY_COMPLETENESS_CHART),
        *card_outputs(ids.QUALITY_PAIRED_CHART),
        Output(ids.QUALITY_PAIRED_DEFINITION, "href"),
        Output(ids.QUALITY_PAIRED_ALL, "children"),
        Input(ids.QUALITY_AREA, "value"),
        Input(ids.QUALITY_MEASURE, "value"),
        Input(ids.QUALITY_PERIOD, "value"),
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(bound(update_quality, services))
    for chart_id in (ids.QUALITY_COMPLETENESS_CHART, ids.QUALITY_PAIRED_CHART):
        rebuild = bound(quality_chart, services, chart_id)
        downloads.attach(app, chart_id, rebuild, services.threshold)
