"""Callbacks of the area profile (``/area/<gss_code>``), attached per app by ``register``.

- ``update_area_frame``: from the address, the heading, the area's facts, the switch and period
  selects, and the comparison checkboxes (or the friendly page for an unknown code);
- ``update_area_charts``: the spine, trend, funnel and reach charts and the area's data quality,
  all from the indicator engine (``dashboard.services.indicator_data``) and ``dashboard.quality_data``;
- ``update_area_query``: the controls written into the address (so a link reproduces the view);
- ``update_area_controls``: the address followed back into the controls (back / forward), and
  the quick picks (same region, similar deprivation, clear);
- ``update_area_switch``: open another area's profile, keeping the other choices.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, dcc, html, no_update
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

from dashboard import area_data as ad
from dashboard import ids, urlstate
from dashboard import quality_data as qd
from dashboard.callbacks import document_title
from dashboard.charts import figures, text
from dashboard.charts.card import ChartContent, card_outputs, plain_outputs, render
from dashboard.charts.table import plotted_table
from dashboard.layouts import area as page
from dashboard.layouts import shell
from dashboard.services import Services, queries
from dashboard.services.database import READ_ERRORS, Database
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.compare import format_value
from lfo.indicators.engine import ResultMeta
from lfo.reference import load_reference

log = logging.getLogger(__name__)

N_CARD = len(card_outputs(ids.AREA_SPINE_CHART)) + 1


def card_and_height(chart_id: str) -> list[Output]:
    """The kit's card outputs and the graph's height: the kit's graph is responsive, so it takes
    its height from its container, not from the figure (tall charts set it here)."""
    return [*card_outputs(chart_id), Output(ids.chart(chart_id, "graph"), "style")]


def filled(content: ChartContent) -> list:
    """``render(content)`` and the graph's style (the figure's height, if it has one)."""
    height = figures.layout_of(content.figure).get("height")
    return [*render(content), {"height": f"{int(height)}px"} if height else {}]


def when_text(value: object) -> str:
    """A load time as "27 November 2026 at 05:14" (unknown: "not known")."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "not known"
    when = pd.Timestamp(value).to_pydatetime()
    return f"{when.day} {when:%B %Y} at {when:%H:%M}"


def frame_outputs() -> list[Output]:
    return [
        Output(ids.AREA_HEADING, "children"),
        Output(ids.AREA_HEADER, "children"),
        Output(ids.AREA_NOT_FOUND, "children"),
        Output(ids.AREA_NOT_FOUND, "hidden"),
        Output(ids.AREA_PROFILE, "hidden"),
        Output(ids.AREA_SWITCH, "options"),
        Output(ids.AREA_SWITCH, "value"),
        Output(ids.AREA_PERIOD, "options"),
        Output(ids.AREA_COMPARE_GROUPS, "children"),
        Output(ids.AREA_AREAS, "data"),
        Output(ids.AREA_MESSAGES, "children"),
    ]


def frame(services: Services, state: dict | None) -> list:
    """Every output of ``update_area_frame`` for the page state (code and raw query)."""
    db = services.db
    state = state or {}
    code, search = state.get("code"), state.get("search") or ""
    parsed = urlstate.parse_query(search, page.PARAMS)
    messages = list(parsed.messages)
    areas = queries.areas(db)
    known = set(areas["area_code"])
    if code is not None and not _valid(code):
        messages.append(
            f"'{str(code)[:40]}' is not an area code: an area code is a letter and "
            "eight digits, like E08000021."
        )
    if code not in known:
        heading = "Choose an area" if code is None else "Area not found"
        return [
            heading,
            None,
            page.not_found(code if code else None, areas),
            False,
            True,
            [],
            None,
            no_update,
            [],
            None,
            shell.messages_banner(messages),
        ]
    data = services.data
    cov = data.areas().set_index("area_code")
    compare, _period, _indicator, _breakdown = page.control_values(parsed)
    unknown = [c for c in compare if c not in known]
    if unknown:
        messages.append(
            f"Ignored comparison area{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(unknown)}: not programme area{'s' if len(unknown) > 1 else ''}."
        )
    ticked = {c for c in compare if c in known and c != code}
    row = areas.set_index("area_code").loc[code]
    name = str(row["area_name"])
    periods = data.periods()
    return_period = cov["return_period"].get(code)
    own_latest = ad.default_period(
        return_period if isinstance(return_period, str) else None, periods, data.latest_quarter()
    )
    options = [
        {
            "label": "The area's latest quarter"
            + (f" ({own_latest.replace('_', ' ')})" if own_latest else ""),
            "value": page.LATEST,
        }
    ]
    options += [
        {"label": p.replace("_", " "), "value": p}
        for p in reversed([p for p in periods if "_Q" in p])
    ]
    options += [
        {"label": f"Financial year {p}", "value": p}
        for p in reversed([p for p in periods if "_Q" not in p])
    ]
    switch = [
        {"label": f"{n} ({r})", "value": c}
        for c, n, r in zip(areas["area_code"], areas["area_name"], areas["region"], strict=True)
    ]
    store = {
        "code": code,
        "name": name,
        "areas": areas.assign(imd_rank=pd.to_numeric(areas["imd_rank"], errors="coerce")).to_dict(
            "records"
        ),
        "default_period": own_latest,
    }
    return [
        f"{name}: area profile",
        page.header(_facts(db, row, cov, code)),
        None,
        True,
        False,
        switch,
        code,
        options,
        page.compare_groups(areas, code, ticked),
        store,
        shell.messages_banner(messages),
    ]


def _valid(code: str) -> bool:
    try:
        urlstate.gss_code(code)
    except ValueError:
        return False
    return True


def _facts(
    db: Database, row: pd.Series, cov: pd.DataFrame, code: str
) -> list[tuple[str, Component | str]]:
    facts: list[tuple[str, Component | str]] = [("Region", str(row["region"]))]
    rank = pd.to_numeric(pd.Series([row["imd_rank"]]), errors="coerce").iloc[0]
    if pd.notna(rank):
        facts.append(
            (
                "Deprivation",
                f"IMD 2019 rank {int(rank)} of 151 upper-tier local "
                "authorities (1 is the most deprived)",
            )
        )
    period = cov["return_period"].get(code) if code in cov.index else None
    if isinstance(period, str):
        facts.append(
            (
                "Figures come from",
                f"the return for {period.replace('_', ' ')} "
                f"({cov['file_name'].get(code)}), loaded "
                f"{when_text(cov['loaded_at'].get(code))}",
            )
        )
    else:
        facts.append(("Figures come from", "no return has been loaded for this area yet"))
    try:
        as_at = queries.data_as_at(db)
    except READ_ERRORS:
        as_at = None
    facts.append(("Data as at", when_text(as_at) if as_at else "no returns loaded yet"))
    return facts


def register(app: Dash, services: Services) -> None:
    """Attach the area profile's callbacks to ``app``."""
    db = services.db
    n_frame = len(frame_outputs())

    def update_area_frame(state: dict | None) -> list:
        try:
            return frame(services, state)
        except READ_ERRORS as exc:
            log.warning("area profile: %s", exc)
            out = [no_update] * n_frame
            out[1] = html_unavailable()
            return out

    def part(
        name: str, make, n_outputs: int, store: dict | None, compare, period, *extra
    ) -> list | Component:
        """One part of the profile, or a message in its place if the database cannot be read."""
        if not store or not store.get("code"):
            raise PreventUpdate
        data = services.data
        try:
            out = make(data, view(data, store, compare, period), *extra)
            return plain_outputs(out) if isinstance(out, list) else plain_outputs([out])[0]
        except READ_ERRORS as exc:
            log.warning("area profile, %s: %s", name, exc)
            if n_outputs == 1:
                return html_unavailable()
            card = filled(_empty(UNAVAILABLE))
            return [html_unavailable(), *card] if n_outputs > len(card) else card

    def update_area_spine(compare, period, store):
        return part("spine", spine_outputs, 1 + N_CARD, store, compare, period)

    def update_area_trend(compare, period, indicator_id, store):
        return part("trend", trend_outputs, N_CARD, store, compare, period, indicator_id)

    def update_area_funnel(period, store):
        return part("funnel", funnel_outputs, N_CARD, store, None, period)

    def update_area_reach(period, breakdown, store):
        return part("reach", reach_outputs, N_CARD, store, None, period, breakdown)

    def update_area_quality(period, store):
        return part("quality", lambda data, v: quality_section(db, data, v), 1, store, None, period)

    def update_area_query(
        compare: list[list[str]] | None,
        period: str | None,
        indicator: str | None,
        breakdown: str | None,
        search: str | None,
        store: dict | None,
    ) -> str:
        if not store or not store.get("code"):
            raise PreventUpdate
        chosen = _in_order(store, [c for group in (compare or []) for c in (group or [])])
        query = page.query_for(chosen, period, indicator, breakdown)
        return query if query != (search or "") else no_update

    def update_area_controls(
        search: str | None,
        _region: int,
        _imd: int,
        _clear: int,
        compare: list[list[str]] | None,
        period: str | None,
        indicator: str | None,
        breakdown: str | None,
        store: dict | None,
    ) -> tuple:
        if not store or not store.get("code"):
            raise PreventUpdate
        group_ids = [o["id"] for o in ctx.outputs_list[0]]
        trigger = ctx.triggered_id
        areas = pd.DataFrame(store.get("areas") or [], columns=queries.AREA_COLUMNS)
        code = store["code"]
        picks = {
            ids.AREA_PICK_REGION: ad.same_region,
            ids.AREA_PICK_IMD: ad.similar_deprivation,
            ids.AREA_PICK_CLEAR: lambda _a, _c: [],
        }
        if trigger in picks:
            wanted = set(picks[trigger](areas, code))
            values = by_group(areas, group_ids, wanted)
            return values, no_update, no_update, no_update, no_update
        state = urlstate.parse_query(search, page.PARAMS)
        w_compare, w_period, w_indicator, w_breakdown = page.control_values(state)
        values = by_group(areas, group_ids, set(w_compare) - {code})
        current = [sorted(g or []) for g in (compare or [])]
        banner = shell.messages_banner(state.messages) if state.messages else no_update
        # a wildcard (ALL) output takes a list: one no_update per checklist, never a bare no_update
        return (
            [no_update] * len(values) if [sorted(v) for v in values] == current else values,
            no_update if w_period == (period or page.LATEST) else w_period,
            no_update if w_indicator == indicator else w_indicator,
            no_update if w_breakdown == breakdown else w_breakdown,
            banner,
        )

    def update_area_switch(
        _clicks: int, chosen: str | None, search: str | None, store: dict | None
    ) -> tuple[str, str]:
        if not chosen or not store or chosen == store.get("code"):
            raise PreventUpdate
        state = urlstate.parse_query(search, page.PARAMS)
        compare, period, indicator, breakdown = page.control_values(state)
        kept = [c for c in compare if c != chosen]
        return page.path_for(chosen), page.query_for(kept, period, indicator, breakdown)

    compare_in = Input(ids.area_compare(ALL), "value")
    period_in = Input(ids.AREA_PERIOD, "value")
    store_in = Input(ids.AREA_AREAS, "data")
    controls = [
        compare_in,
        period_in,
        Input(ids.AREA_INDICATOR, "value"),
        Input(ids.AREA_BREAKDOWN, "value"),
    ]

    def update_area_title(heading: str | None) -> str:
        if not heading:
            raise PreventUpdate
        return document_title(str(heading), services.settings.service_name)

    app.callback(*frame_outputs(), Input(ids.AREA_STATE, "data"))(update_area_frame)
    app.callback(
        Output(ids.PAGE_TITLE, "data", allow_duplicate=True),
        Input(ids.AREA_HEADING, "children"),
        prevent_initial_call=True,
    )(update_area_title)
    app.callback(
        Output(ids.AREA_DATA_MESSAGES, "children"),
        *card_and_height(ids.AREA_SPINE_CHART),
        compare_in,
        period_in,
        store_in,
    )(update_area_spine)
    app.callback(
        *card_and_height(ids.AREA_TREND_CHART),
        compare_in,
        period_in,
        Input(ids.AREA_INDICATOR, "value"),
        store_in,
    )(update_area_trend)
    app.callback(*card_and_height(ids.AREA_FUNNEL_CHART), period_in, store_in)(update_area_funnel)
    app.callback(
        *card_and_height(ids.AREA_REACH_CHART),
        period_in,
        Input(ids.AREA_BREAKDOWN, "value"),
        store_in,
    )(update_area_reach)
    app.callback(Output(ids.AREA_QUALITY, "children"), period_in, store_in)(update_area_quality)
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        *controls,
        State(ids.URL, "search"),
        State(ids.AREA_AREAS, "data"),
        prevent_initial_call=True,
    )(update_area_query)
    app.callback(
        Output(ids.area_compare(ALL), "value"),
        Output(ids.AREA_PERIOD, "value"),
        Output(ids.AREA_INDICATOR, "value"),
        Output(ids.AREA_BREAKDOWN, "value"),
        Output(ids.AREA_MESSAGES, "children", allow_duplicate=True),
        Input(ids.URL, "search"),
        Input(ids.AREA_PICK_REGION, "n_clicks"),
        Input(ids.AREA_PICK_IMD, "n_clicks"),
        Input(ids.AREA_PICK_CLEAR, "n_clicks"),
        State(ids.area_compare(ALL), "value"),
        State(ids.AREA_PERIOD, "value"),
        State(ids.AREA_INDICATOR, "value"),
        State(ids.AREA_BREAKDOWN, "value"),
        State(ids.AREA_AREAS, "data"),
        prevent_initial_call=True,
    )(update_area_controls)
    app.callback(
        Output(ids.URL, "pathname", allow_duplicate=True),
        Output(ids.URL, "search", allow_duplicate=True),
        Input(ids.AREA_SWITCH_GO, "n_clicks"),
        State(ids.AREA_SWITCH, "value"),
        State(ids.URL, "search"),
        State(ids.AREA_AREAS, "data"),
        prevent_initial_call=True,
    )(update_area_switch)


def by_group(areas: pd.DataFrame, group_ids: list[dict], wanted: set[str]) -> list[list[str]]:
    """The ticked codes of each region's checklist (in the checklists' order) for ``wanted``."""
    region_of = dict(zip(areas["area_code"], areas["region"], strict=True))
    order = list(areas["area_code"])
    return [
        [c for c in order if c in wanted and region_of.get(c) == gid["region"]] for gid in group_ids
    ]


def _in_order(store: dict, codes: list[str]) -> list[str]:
    order = [a["area_code"] for a in store.get("areas") or []]
    rank = {c: i for i, c in enumerate(order)}
    return sorted(dict.fromkeys(codes), key=lambda c: rank.get(c, len(rank)))


def html_unavailable() -> Component:
    return html.P(f"{UNAVAILABLE} Try again in a few minutes.", className="alert alert-warning")


# --- the charts and the quality section ----------------------------------------------------------


def resolve_period(
    choice: str | None, periods: list[str], default: str | None
) -> tuple[str | None, list[str]]:
    """The period to show for the select's value, and a message if it had to fall back."""
    if not choice or choice == page.LATEST:
        return default, []
    if choice in periods:
        return choice, []
    shown = f"the area's latest quarter, {ad.period_words(default)}" if default else "no period"
    return default, [
        f"There are no figures for {choice.replace('_', ' ')}; showing {shown} instead."
    ]


@dataclass(frozen=True)
class View:
    """What every part of the profile is drawn for: the area, the comparison areas (code →
    name, in the areas' order), the period resolved, and any message about the period."""

    code: str
    name: str
    compare_names: dict[str, str]
    period: str | None
    messages: tuple[str, ...] = ()


def view(
    data: IndicatorData, store: dict, compare: list[list[str]] | None, period_choice: str | None
) -> View:
    code, name = store["code"], store["name"]
    chosen = [c for group in (compare or []) for c in (group or [])]
    names = {a["area_code"]: a["area_name"] for a in store.get("areas") or []}
    compare_names = {c: names[c] for c in _in_order(store, chosen) if c in names and c != code}
    period, messages = resolve_period(period_choice, data.periods(), store.get("default_period"))
    return View(code, name, compare_names, period, tuple(messages))


UNAVAILABLE = "The figures cannot be shown just now: the database could not be read."
NO_DATA = "No returns are loaded yet, so there are no figures to show."


def spine_outputs(data: IndicatorData, v: View) -> list:
    """The period message and the spine card's outputs."""
    if v.period is None:
        return [None, *filled(_empty(NO_DATA))]
    spine, twin = spine_content(data, v.code, v.name, v.compare_names, v.period)
    out = filled(spine)
    if twin is not None:
        out[_TABLE_INDEX] = twin
    return [shell.messages_banner(list(v.messages)) if v.messages else None, *out]


def trend_outputs(data: IndicatorData, v: View, indicator_id: str | None) -> list:
    if v.period is None:
        return filled(_empty(NO_DATA))
    indicator_id = indicator_id if indicator_id in ad.TREND_INDICATORS else ad.DEFAULT_TREND
    return filled(trend_content(data, v.code, v.name, v.compare_names, v.period, indicator_id))


def funnel_outputs(data: IndicatorData, v: View) -> list:
    if v.period is None:
        return filled(_empty(NO_DATA))
    return filled(funnel_content(data, v.code, v.name, v.period))


def reach_outputs(data: IndicatorData, v: View, breakdown: str | None) -> list:
    if v.period is None:
        return filled(_empty(NO_DATA))
    breakdown = breakdown if breakdown in ad.BREAKDOWN_LABELS else ad.DEFAULT_BREAKDOWN
    return filled(reach_content(data, v.code, v.name, v.period, breakdown))


_TABLE_INDEX = [o.component_id for o in card_outputs(ids.AREA_SPINE_CHART)].index(
    ids.chart(ids.AREA_SPINE_CHART, "table")
)


def _empty(message: str, title: str = "") -> ChartContent:
    return ChartContent(
        figure=figures.empty_figure(message),
        title=title,
        subtitle="",
        summary=message,
        table=pd.DataFrame(),
        indicator_ids=[],
        empty_message=message,
    )


def spine_content(
    data: IndicatorData, code: str, name: str, compare_names: dict[str, str], period: str
) -> tuple[ChartContent, Component | None]:
    result = data.rows(list(ad.SPINE_INDICATORS), periods=[period])
    frame = ad.spine_frame(result.rows, code, list(compare_names))
    title = f"Key indicators for {name} against the programme, {ad.period_words(period)}"
    subtitle = (
        "All interventions; 95% confidence intervals; grey bars: the range of the areas' "
        "figures, hatched: the middle half; right is better (or higher)"
    )
    if frame.empty or (frame["value"].isna().all() and (frame["status"] != "c").all()):
        message = f"There are no figures for {name} in {ad.period_words(period)}."
        return _empty(message, title), None
    notes = []
    if (frame["status"] == "c").any():
        notes.append(
            f"Figures marked [c] are suppressed to protect confidentiality: they rest on fewer "
            f"than {result.meta.threshold} people or episodes, or would let such a "
            "figure be worked out."
        )
    if ad.mostly_suppressed(frame) and not ad.is_year(period):
        notes.append(
            "Many figures for a single quarter are suppressed because they rest on few "
            "people: choose a financial year in the period list for fuller figures."
        )
    notes += [
        "Where lower is better (days from referral to start), the row is flipped so that right "
        "is always better. Where an indicator has no better or worse, right is higher.",
        "Counts (parents and families referred) are centred on the middle of the areas' range: "
        "the programme's figure for a count is a total.",
        "The programme's figure includes the area itself.",
    ]
    table = ad.spine_table(frame, name, compare_names)
    content = ChartContent(
        figure=ad.spine_figure(frame, name, compare_names),
        title=title,
        subtitle=subtitle,
        summary=ad.describe_spine(frame, name, period, list(compare_names.values())),
        table=table,
        indicator_ids=list(frame["indicator"]),
        notes=notes,
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
    )
    twin = page.spine_table(frame, name, compare_names, f"{title}. {subtitle}")
    return content, twin


def trend_content(
    data: IndicatorData,
    code: str,
    name: str,
    compare_names: dict[str, str],
    period: str,
    indicator_id: str,
) -> ChartContent:
    ind = indicator(indicator_id)
    quarters = ad.quarters_up_to(period, data.periods())
    label = ad.SHORT_NAMES.get(indicator_id, ind.name)
    title = f"{label} in {name} by quarter"
    if quarters:
        title += f", {ad.period_words(quarters[0])} to {ad.period_words(quarters[-1])}"
    if not quarters:
        return _empty(f"There are no quarters with figures up to {ad.period_words(period)}.", title)
    areas = [code, *compare_names]
    result = data.rows([indicator_id], areas=[*areas, ad.PROGRAMME], periods=quarters)
    rows = result.rows
    shown = rows[rows["area_code"] != ad.PROGRAMME]
    others = f", {text.join_names(list(compare_names.values()))}" if compare_names else ""
    interval = "interquartile range" if ind.kind == "median" else "95% confidence intervals"
    subtitle = (
        f"{name}{others} and the programme (dashed); all interventions; "
        f"{interval} as bars; a gap is a suppressed or missing figure"
    )
    if shown.empty or (shown["value"].isna().all() and (shown["status"] != "c").all()):
        return _empty(
            f"There are no figures for {label.lower()} in {name} up to {ad.period_words(period)}.",
            title,
        )
    own = rows[(rows["area_code"] == code)]
    with_value = own[own["value"].notna()]
    latest = with_value.iloc[-1] if len(with_value) else own.iloc[-1]
    summary = (
        text.describe_area(latest, ind, threshold=result.meta.threshold)
        + " "
        + text.describe_trend_lines(rows, ind, areas)
    )
    note = text.suppression_note(rows, result.meta.threshold, left_out=False)
    notes = (
        [
            note.replace(
                "Suppressed areas are left out of the chart.",
                "Suppressed figures are gaps in the lines.",
            )
        ]
        if note
        else []
    )
    table = plotted_table(
        rows,
        ind,
        columns=(
            "area_name",
            "period",
            "value",
            "lower",
            "upper",
            "numerator",
            "denominator",
            "comparison",
            "trend",
        ),
    )
    return ChartContent(
        figure=figures.trend_lines(rows, areas=areas, unit=ind.unit),
        title=title,
        subtitle=subtitle,
        summary=summary,
        table=table,
        indicator_ids=[indicator_id],
        notes=notes,
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
    )


def funnel_content(data: IndicatorData, code: str, name: str, period: str) -> ChartContent:
    ind = indicator("uptake.funnel")
    title = f"Referral to completion in {name} by intervention, {ad.period_words(period)}"
    by_group: dict[str, pd.DataFrame] = {}
    meta: ResultMeta | None = None
    for grp in ("all", *load_reference().interventions):
        result = data.rows(
            ["uptake.funnel"],
            areas=[code, ad.PROGRAMME],
            periods=[period],
            intervention=None if grp == "all" else grp,
        )
        by_group[grp] = result.rows
        meta = result.meta
    assert meta is not None  # the loop always runs for "all"
    rows, left_out = ad.funnel_groups(by_group, code)
    if rows.empty or (rows["numerator"].isna().all() and (rows["status"] != "c").all()):
        return _empty(f"There are no referrals in {name} in {ad.period_words(period)}.", title)
    table = plotted_table(rows, ind, columns=("area_name", "category", "numerator", "value"))
    table = table.rename(
        columns={
            "Area": "Intervention",
            "Category": "Stage",
            "Numerator": "Parents at the stage",
            "Value (%)": "Per cent of the previous stage",
        }
    )
    table.attrs["units"] = {"Parents at the stage": "count", "Per cent of the previous stage": "%"}
    note = text.suppression_note(
        rows.assign(area_name=rows["area_name"]), meta.threshold, left_out=False
    )
    notes = (
        [
            note.replace(
                "Suppressed areas are left out of the chart.",
                "Suppressed stages show [c] at zero height.",
            )
        ]
        if note
        else []
    )
    notes.append(
        "Parents referred in the period, followed to the date of the area's return; "
        "by intervention a parent counts once per intervention, so the first stage is "
        "the same for every intervention."
    )
    if left_out:
        notes.append(
            f"Also offered in {name}, not drawn (fewer parents, or suppressed): "
            f"{text.join_names(left_out)}."
        )
    return ChartContent(
        figure=figures.stage_funnel(rows),
        title=title,
        subtitle="Parents at each stage; the percentage is of the previous stage",
        summary=ad.describe_funnel(
            by_group.get("all", rows), code, name, period, rows["area_code"].nunique()
        ),
        table=table,
        indicator_ids=["uptake.funnel"],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def reach_content(
    data: IndicatorData, code: str, name: str, period: str, breakdown: str
) -> ChartContent:
    ind = indicator("reach.breakdown")
    label = ad.breakdown_label(breakdown)
    title = f"Who is referred in {name}: {label.lower()}, {ad.period_words(period)}"
    result = data.rows(
        ["reach.breakdown"], areas=[code, ad.PROGRAMME], periods=[period], breakdowns=[breakdown]
    )
    rows = result.rows
    own = rows[rows["area_code"] == code]
    if own.empty or (own["value"].isna().all() and (own["status"] != "c").all()):
        return _empty(f"No parents were referred in {name} in {ad.period_words(period)}.", title)
    note = text.suppression_note(rows, result.meta.threshold, left_out=False)
    notes = (
        [
            note.replace(
                "Suppressed areas are left out of the chart.",
                "Suppressed categories show [c] at zero length.",
            )
        ]
        if note
        else []
    )
    table = plotted_table(
        rows,
        ind,
        columns=(
            "area_name",
            "category",
            "value",
            "lower",
            "upper",
            "numerator",
            "denominator",
            "comparison",
        ),
    )
    return ChartContent(
        figure=figures.bars_vs_programme(rows, categories_label=label),
        title=title,
        subtitle=(
            f"Percentage of parents referred in each {label.lower()} category, "
            f"{name} beside the programme; 95% confidence intervals"
        ),
        summary=ad.describe_breakdown(rows, code, name, breakdown, period),
        table=table,
        indicator_ids=["reach.breakdown"],
        notes=notes,
        data_as_at=result.meta.data_as_at,
        threshold=result.meta.threshold,
    )


def quality_section(db: Database, data: IndicatorData, v: View) -> Component:
    """The area's own data quality: its current return, the returns it has sent, findings by
    severity and code, rows held back, completeness of optional fields and paired outcomes."""
    code, name, period = v.code, v.name, v.period
    current = queries.current_returns(db, code)
    loads = queries.load_log(db, code)
    findings = queries.finding_counts(db, code)
    held = queries.held_back(db, code)
    complete = queries.completeness(db, code)
    pooled = qd.every_pooled_completeness(data)
    parts: list[Component] = []
    facts: list[tuple[str, Component | str]] = []
    cur = current.iloc[0] if len(current) else None
    if cur is not None and isinstance(cur["period"], str):
        facts.append(
            (
                "Latest return",
                f"{cur['period'].replace('_', ' ')} "
                f"({cur['file_name']}), loaded {when_text(cur['loaded_at'])}"
                + (f"; {cur['outcome']}" if cur["outcome"] else ""),
            )
        )
    else:
        facts.append(("Latest return", "none loaded yet"))
    if len(loads):
        outcomes = loads["outcome"].fillna("unknown").value_counts()
        facts.append(
            (
                "Returns sent",
                f"{len(loads)} (" + ", ".join(f"{n} {o}" for o, n in outcomes.items()) + ")",
            )
        )
    by_severity = findings.groupby("severity")["findings"].sum() if len(findings) else {}
    facts.append(
        (
            "Findings in the latest return",
            ", ".join(
                f"{int(by_severity.get(s, 0)):,} {s}{'s' if by_severity.get(s, 0) != 1 else ''}"
                for s in ("error", "warning")
            )
            if len(findings)
            else "none",
        )
    )
    held_rows = int(held["rows"].sum()) if len(held) else 0
    unresolved = int(held["unresolved"].sum()) if len(held) else 0
    facts.append(
        (
            "Rows held back",
            f"{held_rows:,}" + (f" ({unresolved:,} not yet resolved)" if held_rows else ""),
        )
    )
    parts.append(page.header(facts))
    if len(findings):
        parts.append(html.H3("Findings by code", className="h5 mt-3"))
        parts.append(
            page.simple_table(
                ["Code", "What it means", "Severity", "Findings"],
                [
                    [r["code"], r["title"], r["severity"], f"{int(r['findings']):,}"]
                    for _, r in findings.iterrows()
                ],
                f"Findings in {name}'s latest return, by code",
                numeric=(3,),
            )
        )
    if len(complete):
        prog = pooled.set_index(["sheet", "column"])["percent_stated"]
        rows = []
        for _, r in complete.iterrows():
            rows.append(
                [
                    f"{r['column'].replace('_', ' ')} ({r['sheet']})",
                    f"{int(r['stated']):,} of {int(r['rows']):,}",
                    format_value(r["percent_stated"], "%") or "[x]",
                    format_value(prog.get((r["sheet"], r["column"])), "%") or "[x]",
                ]
            )
        parts.append(html.H3("Completeness of optional fields", className="h5 mt-3"))
        parts.append(
            page.simple_table(
                ["Optional field", "Rows with a value", name, "Programme"],
                rows,
                f"Completeness of optional fields in {name}'s latest return: percentage of rows with "
                "a stated value (not_stated counts as not stated)",
                numeric=(1, 2, 3),
            )
        )
    if period is not None:
        parts.append(html.H3("Paired outcome completeness", className="h5 mt-3"))
        parts.append(_paired_table(data, code, name, period))
    parts.append(
        html.P(
            dcc.Link(
                f"See every return {name} has sent, on the data quality page",
                href=f"/quality?area={code}",
            )
        )
    )
    return html.Div(parts)


def _paired_table(data: IndicatorData, code: str, name: str, period: str) -> Component:
    ids_ = [f"outcome.{m}.paired" for m in ad.MEASURES]
    rows = data.rows(ids_, areas=[code, ad.PROGRAMME], periods=[period]).rows
    measures = load_reference().measures
    out = []
    for m, ind_id in zip(ad.MEASURES, ids_, strict=True):
        own = rows[(rows["indicator"] == ind_id) & (rows["area_code"] == code)]
        prog = rows[(rows["indicator"] == ind_id) & (rows["area_code"] == ad.PROGRAMME)]
        out.append(
            [
                dcc.Link(measures[m].name if m in measures else m, href=f"/definitions#{ind_id}"),
                _pct(own),
                _pct(prog),
            ]
        )
    return page.simple_table(
        ["Measure", name, "Programme"],
        out,
        f"Paired outcome completeness, {ad.period_words(period)}: of completed episodes with a "
        "baseline score, the percentage that also have an exit score",
        numeric=(1, 2),
    )


def _pct(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "[x]"
    r = rows.iloc[0]
    if isinstance(r["status"], str) and r["status"]:
        return f"[{r['status']}]"
    return format_value(r["value"], "%") or "[x]"
