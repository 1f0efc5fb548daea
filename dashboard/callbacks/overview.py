"""Callbacks of the programme overview (the home page), attached per app by ``register``.

``update_overview`` fills the page for the period, sort, order and confidence level chosen
(``present.overview``), drawing the first 50 areas or all (``present.overview_rows``);
``update_home_query`` writes those choices into the address; ``update_home_controls`` follows
the address (back / forward, a pasted link) back into the controls; ``update_order_options``
relabels the order radios for the sort chosen; the rows button (in the browser,
``SWITCH_ROWS_JS``) loads the address with every area or the first 50; ``update_home_loaded`` lists the returns loaded; ``overview_chart`` builds the ranking chart
again for its view key (the downloads). Every value the browser sends is checked within size first
(``dashboard.callbacks.inputs``); ``present.overview`` falls back from any it does not know.
"""

from __future__ import annotations

import logging
from typing import Any

from dash import Dash, Input, NoUpdate, Output, State, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import ids, urlstate
from dashboard.callbacks import bound, inputs
from dashboard.charts import downloads
from dashboard.charts.card import View, card_outputs, render, shown_outputs, shown_values
from dashboard.charts.content import ChartContent
from dashboard.charts.table import plain_json
from dashboard.layouts import home, shell
from dashboard.present import benchmark as bench
from dashboard.present import confidence as pci
from dashboard.present import overview as po
from dashboard.present import overview_rows as prows
from dashboard.present.choices import with_release
from dashboard.present.home import unavailable_reason
from dashboard.services import Services, chosen_release_id
from dashboard.services import version_reads as reads
from dashboard.services.database import READ_ERRORS
from dashboard.services.releases import quality_db

log = logging.getLogger(__name__)


def overview_outputs() -> list[Output]:
    return [
        Output(ids.HOME_PERIOD, "options"),
        Output(ids.HOME_DATA_MESSAGES, "children"),
        Output(ids.HOME_SUMMARY, "children"),
        Output(ids.HOME_HEADLINES, "children"),
        Output(ids.HOME_GRID, "children"),
        Output(ids.HOME_ATTENTION, "children"),
        *card_outputs(ids.HOME_CHART),
        *shown_outputs(ids.HOME_CHART, ids.HOME_NOT_SHOWN),
        *ROWS_OUTPUTS,
    ]


#: The line and the button of the grid's rows (``present.overview_rows``), last of the outputs.
ROWS_OUTPUTS = (
    Output(ids.HOME_ROWS_LINE, "children"),
    Output(ids.HOME_ROWS_BUTTON, "children"),
    Output(ids.HOME_ROWS_BUTTON, "hidden"),
)


def rows_values(page: prows.GridPage | None) -> list[Any]:
    """The ``ROWS_OUTPUTS`` values: the line and the button, hidden when every area is drawn."""
    if page is None or not page.paged:
        return ["", "", True]
    return [page.line, page.button, False]


#: The ranking chart's name in the line that says it is not shown (``card.shown_values``).
CHART_NAME = "The ranking chart"


def update_overview(
    services: Services,
    period: str | None,
    sort: str | None,
    order: str | None,
    ci: str | None = None,
    benchmark: object = None,
    rows: object = None,
) -> list[Any]:
    """Every output of ``overview_outputs``, as plain JSON (so Dash's encoder hands the answer
    straight to orjson; the grid is written as JSON already: see ``plain_json``). ``benchmark``:
    the benchmark select's value, checked against the server's list; ``rows``: "all" draws
    every area, anything else the first 50 of the server's own order."""
    data, release = services.data, chosen_release_id()  # the page's links keep its release
    kind = bench.checked(benchmark)
    try:
        period, sort, order, ci = (inputs.text(v) for v in (period, sort, order, ci))
    except inputs.NotRecognised:
        raise PreventUpdate from None  # not what the page's controls send: the page stays
    try:
        page = po.overview(
            data, period, sort, order, ci=pci.checked(ci), benchmark=kind, release=release
        )
        key = view_key(page.period, sort, order, ci=page.ci, benchmark=kind)
        options = home.period_options(page.latest, page.choices)
        notice = shell.messages_banner(page.messages)
        if page.period is None or page.attention is None:
            out: list[Any] = [options, notice, home.summary(page.summary), [], None, None]
            out += [*render(page.chart, key), *shown_values(CHART_NAME, page.chart)]
            return [plain_json(v) for v in [*out, *rows_values(None)]]
        shown, grid_rows, level = page.period, page.grid_rows, page.ci
        made = data.per_version(
            # the grid's rows (a thousand cells) for the period, level and benchmark, in any
            # order: made once per those and the data version, so a re-sorted grid only orders
            ("overview_grid_rows", shown, level, kind, release),
            lambda _conn, _version: home.grid_rows(grid_rows, shown, level, kind, release),
        )
        drawn = prows.grid_page(page.area_order, rows)
        out = [
            options,
            notice,
            home.summary(page.summary),
            home.headline_cards(page.headlines),
            home.grid(
                grid_rows,
                drawn.codes,
                shown,
                made,
                ci=level,
                benchmark=kind,
                release=release,
                counted=drawn.counted,
            ),
            home.attention_list(page.attention),
            *render(page.chart, key),
            *shown_values(CHART_NAME, page.chart),
            *rows_values(drawn),
        ]
        return [plain_json(v) for v in out]
    except READ_ERRORS as exc:
        log.warning("home overview: %s", exc)
        failed: list[Any] = [no_update] * len(overview_outputs())
        failed[2] = shell.unavailable("the database could not be read")
        return failed


def view_key(
    period: str | None,
    sort: str | None,
    order: str | None,
    ci: str | None = None,
    benchmark: str | None = None,
) -> View:
    """The ranking chart's view key (``card.render``): the period shown, the sort, order,
    confidence level and benchmark."""
    return {
        "period": period,
        "sort": sort,
        "order": order,
        "ci": ci or pci.DEFAULT_CI,
        "benchmark": bench.checked(benchmark),
    }


def overview_chart(services: Services, view: object) -> ChartContent:
    """The ranking chart built again for its view key (``view_key``), checked as the controls'
    values are (``ValueError`` if not recognised)."""
    key = inputs.view_key(view)
    period, sort, order, ci = (inputs.text(key.get(k)) for k in ("period", "sort", "order", "ci"))
    kind = bench.checked(inputs.text(key.get("benchmark")))
    return po.overview(services.data, period, sort, order, ci=pci.checked(ci), benchmark=kind).chart


def update_home_query(
    period: str | None,
    sort: str | None,
    order: str | None,
    search: str | None,
    ci: str | None = None,
    benchmark: object = None,
    rows: object = None,
) -> str | NoUpdate:
    """The address for the controls' values and the grid's rows (no update while it already
    says them)."""
    kind, drawn = bench.checked(benchmark), prows.checked_rows(rows)
    try:
        period, sort, order, ci = (inputs.text(v) for v in (period, sort, order, ci))
    except inputs.NotRecognised:
        return no_update
    ci = pci.checked(ci) if ci is not None else pci.DEFAULT_CI
    # Dash calls this when the controls first appear, too: leave the address alone while
    # the controls show what it says (a bad value's message then stays on screen)
    state = urlstate.parse_query(search, home.PARAMS)
    if home.control_values(state) == (period or po.LATEST, sort, order, ci) and (
        (home.benchmark_value(state), home.rows_value(state)) == (kind, drawn)
    ):
        return no_update
    try:
        query = home.query_for(period, sort, order, ci, kind, drawn)
        query = with_release(query, chosen_release_id())
    except ValueError:
        return no_update
    return query if query != (search or "") else no_update


def update_home_controls(
    search: str | None,
    period: str | None,
    sort: str | None,
    order: str | None,
    ci: str | None = None,
    benchmark: object = None,
    rows: object = None,
) -> tuple[Any, ...]:
    """The controls' values for the address (only those that differ), its messages, the
    benchmark select's value and the grid's rows."""
    state = urlstate.parse_query(search, home.PARAMS)
    wanted = home.control_values(state)
    current = (period or po.LATEST, sort, order, ci)
    values = tuple(no_update if w == c else w for w, c in zip(wanted, current, strict=True))
    kind, drawn = home.benchmark_value(state), home.rows_value(state)
    return (
        *values,
        shell.messages_banner(state.messages),
        no_update if kind == benchmark else kind,
        no_update if drawn == rows else drawn,
    )


#: The rows button, in the browser: the address with ``rows=all`` (or without it), loaded afresh.
#: A fresh page draws 153 rows in about 2 s; Dash 4's renderer adding 103 rows to a drawn grid
#: took 160 s (docs/decisions.md). The server still decides the rows from the address it gets.
SWITCH_ROWS_JS = """function (n, rows) {
    if (!n) { return window.dash_clientside.no_update; }
    const params = new URLSearchParams(window.location.search);
    if (rows === "all") { params.delete("rows"); } else { params.set("rows", "all"); }
    try { window.sessionStorage.setItem("lfo-rows-focus", "1"); } catch (e) {}
    const query = params.toString();
    window.location.assign(window.location.pathname + (query ? "?" + query : ""));
    return window.dash_clientside.no_update;
}"""
#: After that load, keyboard focus goes back to the button (now "Show the first 50").
FOCUS_ROWS_JS = """function (words) {
    let asked = null;
    try { asked = window.sessionStorage.getItem("lfo-rows-focus"); } catch (e) {}
    const button = document.getElementById("BUTTON_ID");
    if (asked && words && button && !button.hidden) {
        window.sessionStorage.removeItem("lfo-rows-focus");
        button.focus();
    }
    return window.dash_clientside.no_update;
}""".replace("BUTTON_ID", ids.HOME_ROWS_BUTTON)


def update_order_options(sort: str | None) -> list[dict[str, str]]:
    """The order radios' options for the sort chosen (their labels say what they do)."""
    try:
        return home.order_options(inputs.text(sort))
    except inputs.NotRecognised:
        return home.order_options(None)


def update_home_loaded(
    services: Services, _state: dict[str, Any] | None
) -> Component | dict[str, Any]:
    """The returns loaded: every programme area with its current return (a release's returns
    as it froze them, under a release)."""
    try:
        data = services.data
        returns = reads.current_returns(data, outcome=quality_db(data) is not None)
    except READ_ERRORS as exc:
        log.warning("home page: %s", exc)
        return shell.unavailable(unavailable_reason(exc))
    return home.loaded_summary(returns, chosen_release_id())


def _home_query(
    period: str | None,
    sort: str | None,
    order: str | None,
    ci: str | None,
    search: str | None,
    benchmark: object = None,
    rows: object = None,
) -> str | NoUpdate:
    """``update_home_query`` in the order Dash passes the values (as the callback lists them)."""
    return update_home_query(period, sort, order, search, ci=ci, benchmark=benchmark, rows=rows)


def register(app: Dash, services: Services) -> None:
    """Attach the overview's callbacks to ``app``."""
    app.callback(
        *overview_outputs(),
        Input(ids.HOME_PERIOD, "value"),
        Input(ids.HOME_SORT, "value"),
        Input(ids.HOME_ORDER, "value"),
        Input(ids.HOME_CI, "value"),
        Input(ids.HOME_BENCHMARK, "value"),
        Input(ids.HOME_ROWS, "data"),
    )(bound(update_overview, services))
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.HOME_PERIOD, "value"),
        Input(ids.HOME_SORT, "value"),
        Input(ids.HOME_ORDER, "value"),
        Input(ids.HOME_CI, "value"),
        State(ids.URL, "search"),
        Input(ids.HOME_BENCHMARK, "value"),  # (last: the others keep their places)
        Input(ids.HOME_ROWS, "data"),
        prevent_initial_call=True,
    )(_home_query)
    app.callback(
        Output(ids.HOME_PERIOD, "value"),
        Output(ids.HOME_SORT, "value"),
        Output(ids.HOME_ORDER, "value"),
        Output(ids.HOME_CI, "value"),
        Output(ids.HOME_MESSAGES, "children"),
        Output(ids.HOME_BENCHMARK, "value"),
        Output(ids.HOME_ROWS, "data"),
        Input(ids.URL, "search"),
        State(ids.HOME_PERIOD, "value"),
        State(ids.HOME_SORT, "value"),
        State(ids.HOME_ORDER, "value"),
        State(ids.HOME_CI, "value"),
        State(ids.HOME_BENCHMARK, "value"),
        State(ids.HOME_ROWS, "data"),
        prevent_initial_call=True,
    )(update_home_controls)
    app.clientside_callback(  # type: ignore[no-untyped-call]  # Dash leaves it unannotated
        SWITCH_ROWS_JS,
        Output(ids.HOME_ROWS, "data", allow_duplicate=True),
        Input(ids.HOME_ROWS_BUTTON, "n_clicks"),
        State(ids.HOME_ROWS, "data"),
        prevent_initial_call=True,
    )
    app.clientside_callback(  # type: ignore[no-untyped-call]
        FOCUS_ROWS_JS,
        Output(ids.HOME_ROWS_BUTTON, "title"),
        Input(ids.HOME_ROWS_BUTTON, "children"),
        prevent_initial_call=True,
    )
    app.callback(
        Output(ids.HOME_ORDER, "options"),
        Input(ids.HOME_SORT, "value"),
        prevent_initial_call=True,
    )(update_order_options)
    downloads.attach(app, ids.HOME_CHART, bound(overview_chart, services), services.threshold)
    app.callback(Output(ids.HOME_LOADED, "children"), Input(ids.HOME_STATE, "data"))(
        bound(update_home_loaded, services)
    )
