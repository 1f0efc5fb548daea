"""Callbacks shared by the topic pages (Reach, Uptake, Outcomes), attached per app by
``register_topic``.

``update_controls`` turns the address into the filters (areas by region and periods come from the
database; bad or stale values fall back with a message); ``update_quick`` is the quick picks;
``update_charts`` draws every chart for the filters and writes them back to the address. Every
figure comes from the indicator engine's rows: nothing here computes a published number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import TypeVar

import numpy as np
import pandas as pd
from dash import ALL, Dash, Input, Output, State, ctx, html, no_update
from dash.exceptions import PreventUpdate

from dashboard import charts, ids
from dashboard.charts import ChartContent, card_outputs, figures, text
from dashboard.charts.card import plain_outputs
from dashboard.charts.table import UNITS, plotted_table
from dashboard.layouts import topic as layout
from dashboard.layouts.shell import messages_banner
from dashboard.layouts.topic import (
    Filters,
    area_groups,
    definition_links,
    period_options,
    period_words,
    profile_links,
    state_from_search,
    to_search,
)
from dashboard.services import Services
from dashboard.services.database import READ_ERRORS
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.indicators.definitions import Indicator
from lfo.indicators.engine import ResultMeta
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

KIND_WORDS = {
    "count": "a count",
    "mean": "a mean",
    "median": "a median",
    "rate": "a rate",
    "target": "a percentage of a target",
    "ratio": "a ratio",
}


T = TypeVar("T")

#: Extra charts of a page: (filters, data, names) -> one ChartContent per extra chart id.
ExtraCharts = Callable[[Filters, IndicatorData, dict[str, str]], list[ChartContent]]


# --- helpers the pages share ---------------------------------------------------------------------


def empty_content(
    message: str, title: str = "", subtitle: str = "", data_as_at: str | None = None
) -> ChartContent:
    return ChartContent(
        figure=figures.empty_figure(message),
        title=title,
        subtitle=subtitle,
        summary=message,
        table=pd.DataFrame(),
        indicator_ids=[],
        empty_message=message,
        data_as_at=data_as_at,
    )


def interval_words(ind: Indicator, ci: str) -> str:
    if ind.kind == "median":
        return "interquartile ranges"
    if not ind.has_interval:
        return "no interval (not a sample statistic)"
    return f"{ci}% confidence intervals"


def with_category(rows: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Rows of several indicators relabelled so each indicator is a category (for side-by-side
    bars): a relabelling, not a computation."""
    return rows.assign(category=rows["indicator"].map(labels))


def rename_columns(table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Rename a twin's columns, keeping its display units."""
    units = {names.get(k, k): v for k, v in table.attrs.get(UNITS, {}).items()}
    out = table.rename(columns=names)
    out.attrs[UNITS] = units
    return out


def has_figures(rows: pd.DataFrame) -> bool:
    if rows.empty:
        return False
    return bool((rows["status"].isna() & rows["value"].notna()).any())


def why_empty(rows: pd.DataFrame, ind: Indicator, f: Filters) -> str:
    """The friendly empty-state message for rows with no figure."""
    if not ind.quarters and f.period and "_Q" in f.period:
        return f"{ind.name} is for financial years only: choose a financial year as the period."
    if f.group != layout.ALL and not ind.by_intervention:
        return f"{ind.name} is not broken down by intervention or level: choose All interventions."
    if len(rows) and (rows["status"] == "c").all():
        return (
            "Every figure for these filters is suppressed to protect confidentiality: widen "
            "the period or choose another intervention."
        )
    return layout.EMPTY_MESSAGE


def sorted_for_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Programme first, then areas from the highest value down (suppressed and missing last),
    ties by name. The order by a stable numpy lexsort where every name is a string (the same
    order as the pandas sort below, which handles missing names)."""
    is_prog = (rows["area_code"] == PROGRAMME).to_numpy()
    names = rows["area_name"].to_numpy(dtype=object)
    if all(type(n) is str for n in names):
        value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)
        others = np.flatnonzero(~is_prog)
        # by value descending (NaN last: -NaN sorts last too), then name, then position
        order = others[np.lexsort((names[others].astype(str), -value[others]))]
        return rows.iloc[np.concatenate([np.flatnonzero(is_prog), order])].reset_index(drop=True)
    prog = rows[rows["area_code"] == PROGRAMME]
    areas = rows[rows["area_code"] != PROGRAMME]
    areas = areas.assign(_v=pd.to_numeric(areas["value"], errors="coerce")).sort_values(
        ["_v", "area_name"], ascending=[False, True], na_position="last", kind="stable"
    )
    return pd.concat([prog, areas.drop(columns="_v")], ignore_index=True)


def describe_rows(rows: pd.DataFrame, ind: Indicator, f: Filters, threshold: int) -> str:
    """One sentence per row (programme first), from the engine's values and comparisons."""
    rows = sorted_for_table(rows)
    shown = rows["status"].isna() & rows["value"].notna()
    sentences = [
        text.describe_area(r, ind, ci=f.ci_level, threshold=threshold)
        for r in rows[shown].to_dict("records")
    ]
    hidden = rows[~shown]
    labels = [
        str(n) + (f" ({text.category_label(c)})" if isinstance(c, str) and c else "")
        for n, c in zip(hidden["area_name"], hidden["category"], strict=True)
    ]
    hidden = hidden.assign(_label=labels)
    for code, words in (
        ("c", "suppressed to protect confidentiality ([c])"),
        ("z", "not applicable ([z])"),
    ):
        names = list(dict.fromkeys(hidden.loc[hidden["status"] == code, "_label"]))
        if names:
            sentences.append(f"{ind.name}: the figure for {text.join_names(names)} is {words}.")
    missing = list(dict.fromkeys(hidden.loc[~hidden["status"].isin(["c", "z"]), "_label"]))
    if missing:
        sentences.append(f"{ind.name}: no figure for {text.join_names(missing)} ([x]).")
    return " ".join(sentences)


def area_names(data: IndicatorData) -> dict[str, str]:
    a = data.areas()
    return dict(zip(a["area_code"], a["area_name"], strict=True))


NAV_JS = """
function(search, written) {
    if ((search || "") === (written || "")) { return window.dash_clientside.no_update; }
    return {"search": search || ""};
}
"""

#: Errors a chart's figures may raise on unforeseen data: that chart shows a message, the rest of
#: the page is drawn (the error is logged with its traceback).
CHART_ERRORS = (ArithmeticError, ValueError, KeyError, TypeError, IndexError)
FAILED_MESSAGE = (
    "This chart could not be drawn for these filters. Try another period or "
    "intervention; the problem has been logged."
)


def safely(make: Callable[[], ChartContent], title: str = "") -> ChartContent:
    try:
        return make()
    except CHART_ERRORS:
        log.exception("a chart could not be drawn: %s", title)
        return empty_content(FAILED_MESSAGE, title)


# --- the three main charts -----------------------------------------------------------------------


def _rows(data: IndicatorData, ind_id: str, f: Filters, **kw: object):
    return data.rows([ind_id], ci=f.ci_level, **f.engine_group(), **kw)


def chosen_rows(
    data: IndicatorData,
    indicator_ids: Sequence[str],
    f: Filters,
    *,
    by_group: bool = True,
    **kw: object,
) -> tuple[pd.DataFrame, dict]:
    """Engine rows of the ticked areas and the programme. The engine is asked for every area
    (one cached table per filter, whatever is ticked) and the rows are then picked out."""
    group = f.engine_group() if by_group else {}
    result = data.rows(list(indicator_ids), ci=f.ci_level, **group, **kw)
    keep = result.rows["area_code"].isin([*f.areas, PROGRAMME])
    return result.rows[keep].reset_index(drop=True), result.meta


def trend_chart(data: IndicatorData, f: Filters, ind: Indicator) -> ChartContent:
    title = f"{ind.name} by quarter"
    rows, meta = chosen_rows(data, [ind.id], f, period_from=f.period_from, period_to=f.period_to)
    quarterly = rows["period"].str.contains("_Q") if len(rows) else rows["period"]
    rows = rows[quarterly] if ind.quarters else rows[~quarterly]
    span = f"{period_words(f.period_from)} to {period_words(f.period_to)}"
    subtitle = (
        f"{layout.group_words(f.group)}; {span}; {interval_words(ind, f.ci)}; the programme dashed"
    )
    if not ind.quarters:
        title = f"{ind.name} by financial year"
    if not has_figures(rows):
        msg = (
            why_empty(rows, ind, f)
            if ind.quarters
            else (
                f"{ind.name} is for financial years only, and no whole financial year falls in "
                "the trend's range: widen the period."
            )
        )
        return empty_content(msg, title, subtitle, meta.data_as_at)
    note = text.suppression_note(rows, meta.threshold, left_out=False)
    notes = [n for n in (note,) if n]
    with_programme = not (ind.kind == "count" and f.areas)
    if not with_programme:  # the programme's total would dwarf the areas' lines
        rows = rows[rows["area_code"] != PROGRAMME]
        subtitle = subtitle.replace("; the programme dashed", "")
        notes.append(
            "The programme's figure is the total of the areas', so it is not drawn "
            "beside them; untick every area to see it."
        )
    table = plotted_table(
        rows,
        ind,
        ci=f.ci_level,
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
        figure=figures.trend_lines(
            rows, areas=list(f.areas), show_programme=with_programme, unit=ind.unit
        ),
        title=title,
        subtitle=subtitle,
        summary=text.describe_trend_lines(rows, ind, list(f.areas)),
        table=table,
        indicator_ids=[ind.id],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def cross_section(data: IndicatorData, f: Filters, ind: Indicator):
    result = _rows(data, ind.id, f, periods=[f.period] if f.period else None)
    return result.rows, result.meta


def once(memo: dict | None, key: str, rows: pd.DataFrame, make: Callable[[], T]) -> T:
    """``make()`` made once per ``key`` and frame (the very object) within one callback: the
    caterpillar and the funnel describe and sort the same cross-section (``memo`` lives for one
    call; None: no memo)."""
    if memo is None:
        return make()
    hit = memo.get(key)
    if hit is not None and hit[0] is rows:
        return hit[1]
    value = make()
    memo[key] = (rows, value)
    return value


def caterpillar_chart(
    rows: pd.DataFrame, meta: ResultMeta, f: Filters, ind: Indicator, memo: dict | None = None
) -> ChartContent:
    title = f"{ind.name} by area, {period_words(f.period)}"
    subtitle = (
        f"{layout.group_words(f.group)}; areas ordered by value; "
        f"{interval_words(ind, f.ci)}; the programme as a dashed line"
    )
    areas = rows[rows["area_code"] != PROGRAMME]
    if not has_figures(areas):
        return empty_content(why_empty(areas, ind, f), title, subtitle, meta.data_as_at)
    note = text.suppression_note(areas, meta.threshold)
    notes = [n for n in (note,) if n]
    if ind.kind == "count":  # the programme's count is the sum of the areas': no benchmark
        rows = areas.assign(benchmark=None)
        notes.append("The programme's figure is the total of the areas', so it is not drawn.")
    table = plotted_table(
        once(memo, "sorted", rows, lambda: sorted_for_table(rows)),
        ind,
        ci=f.ci_level,
        columns=(
            "area_name",
            "value",
            "lower",
            "upper",
            "numerator",
            "denominator",
            "comparison",
            "trend",
        ),
    )
    ranking = once(memo, "ranking", rows, lambda: text.describe_ranking(rows, ind, ci=f.ci_level))
    return ChartContent(
        figure=figures.caterpillar(rows, highlight=f.areas[0] if f.areas else None),
        title=title,
        subtitle=subtitle,
        summary=ranking,
        table=table,
        indicator_ids=[ind.id],
        notes=notes,
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


def funnel_chart(
    rows: pd.DataFrame, meta: ResultMeta, f: Filters, ind: Indicator, memo: dict | None = None
) -> ChartContent:
    title = f"Funnel plot: {ind.name}, {period_words(f.period)}"
    subtitle = (
        f"{layout.group_words(f.group)}; each area against its denominator; 95% and "
        "99.8% control limits around the programme value"
    )
    if ind.kind != "proportion":
        return empty_content(
            f"A funnel plot is drawn only for percentages of people or episodes; {ind.name} is "
            f"{KIND_WORDS.get(ind.kind, 'not a percentage')}, so see the areas ranked above.",
            title,
            subtitle,
            meta.data_as_at,
        )
    areas = rows[rows["area_code"] != PROGRAMME]
    if not has_figures(areas):
        return empty_content(why_empty(areas, ind, f), title, subtitle, meta.data_as_at)
    note = text.suppression_note(areas, meta.threshold)
    table = plotted_table(
        once(memo, "sorted", rows, lambda: sorted_for_table(rows)),
        ind,
        ci=f.ci_level,
        columns=("area_name", "value", "numerator", "denominator"),
    )
    ranking = once(memo, "ranking", rows, lambda: text.describe_ranking(rows, ind, ci=f.ci_level))
    summary = (
        ranking + " In the funnel plot an area "
        "outside the 99.8% limits differs from the programme by more than chance would "
        "explain; the words beside each point say where it lies."
    )
    return ChartContent(
        figure=figures.funnel_plot(rows, highlight=f.areas[0] if f.areas else None),
        title=title,
        subtitle=subtitle,
        summary=summary,
        table=table,
        indicator_ids=[ind.id],
        notes=[
            n
            for n in (
                note,
                "Control limits at 95% and 99.8% around the programme value, "
                "p ± z·√(p(1−p)/n), as PHE Fingertips computes them "
                "(Spiegelhalter 2005).",
            )
            if n
        ],
        data_as_at=meta.data_as_at,
        threshold=meta.threshold,
    )


# --- attaching the callbacks ---------------------------------------------------------------------


def register_topic(
    app: Dash,
    services: Services,
    topic: layout.Topic,
    extra_ids: Sequence[str] = (),
    extra: ExtraCharts | None = None,
    extra_links: Callable[[Filters], list[str]] | None = None,
) -> None:
    """Attach the controls, quick-pick and chart callbacks of ``topic`` to ``app``."""
    data = services.data
    p = topic.part
    optional = [
        name
        for name, on in (
            ("group", topic.by_group),
            ("measure", topic.by_measure),
            ("char", topic.by_characteristic),
        )
        if on
    ]
    n_cards = 3 + len(extra_ids)

    def update_controls(
        _state: dict | None, nav: dict | None, search: str | None, ticked: list | None
    ) -> list:
        try:
            areas, periods = data.areas(), data.periods()
        except READ_ERRORS as exc:
            log.warning("%s controls: %s", topic.key, exc)
            banner = html.Div(
                html.P("The data cannot be shown just now: the database could not be read."),
                className="alert alert-warning",
                role="status",
            )
            return [
                html.P("No areas to show."),
                [],
                None,
                [],
                None,
                [],
                None,
                no_update,
                no_update,
                *[no_update] * len(optional),
                banner,
            ]
        f, messages = state_from_search(topic, search, areas, periods)
        quarters = period_options(periods, True)
        values = {"group": f.group, "measure": f.measure, "char": f.char}
        now = sorted(c for lst in ticked or [] for c in (lst or []))
        same = bool(ticked) and now == sorted(f.areas)
        groups = no_update if same else area_groups(topic, areas, f.areas)  # keeps focus
        return [
            groups,
            quarters,
            f.period_from,
            quarters,
            f.period_to,
            period_options(periods, False),
            f.period,
            f.indicator,
            f.ci,
            *[values[o] for o in optional],
            messages_banner(messages),
        ]

    def update_quick(_none: int, _all: int, options: list) -> list:
        if ctx.triggered_id == p("quick-none"):
            return [[] for _ in options]
        if ctx.triggered_id == p("quick-all"):
            return [[o["value"] for o in opts or []] for opts in options]
        raise PreventUpdate

    def update_charts(
        choice: str | None,
        area_lists: list,
        start: str | None,
        end: str | None,
        period: str | None,
        ci: str | None,
        *rest: object,
    ) -> list:
        *opt_values, search = rest
        opts = dict(zip(optional, opt_values, strict=True))
        chosen = tuple(c for lst in area_lists or [] for c in (lst or []))
        f = Filters(
            indicator=choice or topic.default_indicator,
            areas=chosen,
            period_from=start,
            period_to=end,
            period=period,
            ci=ci or "95",
            group=str(opts.get("group") or layout.ALL),
            measure=opts.get("measure"),
            char=opts.get("char"),
        )
        if f.period_from and f.period_to and f.period_from > f.period_to:
            f = Filters(**{**f.__dict__, "period_from": f.period_to, "period_to": f.period_from})
        try:
            periods = data.periods()
            ind = indicator(topic.indicator_id(f.indicator, f.measure))
            names = area_names(data)
            contents = [safely(lambda: trend_chart(data, f, ind), "trend")]
            try:
                rows, meta = cross_section(data, f, ind)
                memo: dict = {}  # the two charts' shared description and sorted rows
                contents += [
                    safely(lambda: caterpillar_chart(rows, meta, f, ind, memo)),
                    safely(lambda: funnel_chart(rows, meta, f, ind, memo)),
                ]
            except CHART_ERRORS:
                log.exception("%s: the cross-section could not be computed", topic.key)
                contents += [empty_content(FAILED_MESSAGE)] * 2
            if extra is not None:
                contents += extra(f, data, names)
        except READ_ERRORS as exc:
            log.warning("%s charts: %s", topic.key, exc)
            msg = "The data cannot be shown just now: the database could not be read."
            return [
                no_update,
                no_update,
                msg,
                *[v for _ in range(n_cards) for v in charts.render(empty_content(msg))],
            ]
        query = to_search(topic, f, periods)
        new_search = no_update if query == (search or "") else query
        written = query  # what the address says now (back then forward must re-read it)
        shown = [ind.id, *(extra_links(f) if extra_links else [])]
        links = [*definition_links(shown), *profile_links(f.areas, names)]
        return plain_outputs(
            [new_search, written, links, *[v for c in contents for v in charts.render(c)]]
        )

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
        *[Output(p(o), "value") for o in optional],
        Output(p("messages"), "children"),
        Input(p("state"), "data"),
        Input(p("nav"), "data"),
        State(ids.URL, "search"),
        State(ids.topic_areas(topic.key, ALL), "value"),
    )(update_controls)
    # In the browser: pass on only the addresses the page did not write itself (back, forward),
    # so ticking a box never re-renders the controls (focus stays) nor races the charts.
    app.clientside_callback(
        NAV_JS, Output(p("nav"), "data"), Input(ids.URL, "search"), State(p("written"), "data")
    )
    app.callback(
        Output(ids.topic_areas(topic.key, ALL), "value"),
        Input(p("quick-none"), "n_clicks"),
        Input(p("quick-all"), "n_clicks"),
        State(ids.topic_areas(topic.key, ALL), "options"),
        prevent_initial_call=True,
    )(update_quick)
    card_ids = [topic.chart("trend"), topic.chart("caterpillar"), topic.chart("funnel"), *extra_ids]
    app.callback(
        Output(ids.URL, "search", allow_duplicate=True),
        Output(p("written"), "data"),
        Output(p("links"), "children"),
        *[o for cid in card_ids for o in card_outputs(cid)],
        Input(p("indicator"), "value"),
        Input(ids.topic_areas(topic.key, ALL), "value"),
        Input(p("from"), "value"),
        Input(p("to"), "value"),
        Input(p("period"), "value"),
        Input(p("ci"), "value"),
        *[Input(p(o), "value") for o in optional],
        State(ids.URL, "search"),
        prevent_initial_call=True,
    )(update_charts)
