"""The programme overview (the home page): what it shows for a period, sort and order.

``overview(data, period, sort, order)`` gathers the page: the period resolved, the headline cards
(``present.overview_headlines``), the grid's rows and area order, what each grid cell says, the
areas that need attention, the ranking chart's content and the summary sentences. Pure apart
from asking ``IndicatorData`` for the engine's rows: nothing here computes a published figure
(values, intervals, comparisons and trends all come from the engine) and nothing imports Dash.
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard.charts import ChartContent, figures, text
from dashboard.charts.table import plotted_table
from dashboard.present.overview_headlines import (
    HEADLINE_CI,
    HEADLINE_INDICATORS,
    SHORT_STATUS_WORDS,
    Headline,
    has_value,
    headline,
    previous_year,
)
from dashboard.present.words import count_words, fmt, join_names, period_label
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import ROW_COLUMNS, Result, ResultMeta
from lfo.periods import is_quarter, period, quarters_of, years_of
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

#: The grid's columns, with their short headers (the full names are in the definitions): reach
#: (target, fathers), uptake (offers taken up, completion, attendance) and reliable improvement
#: on the three parent-reported outcome measures.
GRID_HEADERS = {
    "reach.target": "Families vs target",
    "reach.fathers": "Fathers reached",
    "uptake.start": "Offers taken up",
    "uptake.completion": "Completion",
    "uptake.attendance": "Sessions attended",
    "outcome.csi4.reliable_improvement": "Relationship quality improved",
    "outcome.ops.reliable_improvement": "Conflict reduced",
    "outcome.swemwbs.reliable_improvement": "Wellbeing improved",
}
GRID_INDICATORS = tuple(GRID_HEADERS)

TOPIC_PATHS = {"reach": "/reach", "uptake": "/uptake", "outcomes": "/outcomes"}

SORT_AREA = "area"
LATEST = "latest"  # the period select's value for "the latest quarter" (no period in the address)
ORDER_LOW, ORDER_HIGH = "low", "high"
GRID_CI = 99.8
CHART_TITLE = "Areas ranked, with intervals"
#: The ranking chart shows the sort indicator when it has an interval, else completion.
DEFAULT_CHART_INDICATOR = "uptake.completion"
#: A grid cell's mark for a missing figure (the GSS symbols).
STATUS_MARKS = {"c": "[c]", "x": "[x]", "z": "[z]"}
NO_RETURNS = "No returns are loaded yet, so there are no figures to show."


def period_choices(periods: Sequence[str]) -> list[str]:
    """The period select's choices after "the latest quarter": quarters newest first, then
    financial years newest first."""
    return [*reversed(quarters_of(periods)), *reversed(years_of(periods))]


def latest_label(latest: str) -> str:
    """The label of the period select's first choice (value ``LATEST``)."""
    return f"Latest quarter ({period_label(latest)})"


def resolve_period(
    choice: str | None, periods: list[str], latest: str | None
) -> tuple[str | None, list[str]]:
    """The period to show for the select's value (``LATEST``: the latest quarter), and any
    message."""
    if not choice or choice == LATEST:
        return latest, []
    if choice in periods:
        return choice, []
    try:
        shown = period_label(period(choice).label)
    except ValueError:
        shown = choice
    fallback = f"the latest quarter, {period_label(latest)}" if latest else "no period"
    return latest, [f"There are no figures for {shown}; showing {fallback} instead."]


@lru_cache(maxsize=4096)
def area_link(code: str, indicator: str | None = None, period: str | None = None) -> str:
    """The area profile, opened at an indicator and period when given (remembered: the grid
    asks for a link per cell)."""
    query = {k: v for k, v in (("indicator", indicator), ("period", period)) if v}
    return f"/area/{code}" + (f"?{urlencode(query)}" if query else "")


def topic_link(indicator: str, period: str | None = None) -> str:
    """The indicator's topic page, at the period and with the grid's 99.8% intervals."""
    ind = indicators()[indicator]
    path = TOPIC_PATHS.get(ind.topic, "/")
    if ind.measure:
        query = {"indicator": indicator.rsplit(".", 1)[1], "measure": ind.measure}
    else:
        query = {"indicator": indicator}
    if period:
        query["period"] = period
    query["ci"] = f"{GRID_CI:g}"
    return f"{path}?{urlencode(query)}"


# --- the page ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Overview:
    """What the overview shows. ``period`` None: no returns are loaded (only ``choices``,
    ``messages``, ``summary`` and the empty ``chart`` then)."""

    latest: str | None
    choices: list[str]  # the period select's choices after the latest quarter
    messages: list[str]  # about the period asked for
    period: str | None
    summary: list[str]
    headlines: list[Headline]
    grid_rows: pd.DataFrame  # the engine's rows of the grid's indicators (99.8%)
    area_order: list[str]  # area codes in the grid's order
    attention: Attention | None
    chart: ChartContent


def overview(
    data: IndicatorData, period_choice: str | None, sort: str | None, order: str | None
) -> Overview:
    """The overview for the period select's value and the grid's sort and order (unknown values
    fall back to the defaults)."""
    periods = data.periods()
    latest = data.latest_quarter()
    code, messages = resolve_period(period_choice, periods, latest)
    if code is None:
        empty = ChartContent(
            figure=figures.empty_figure("No data"),
            title=CHART_TITLE,
            subtitle="",
            summary="",
            table=pd.DataFrame(),
            indicator_ids=[],
            empty_message="No returns are loaded yet.",
        )
        return Overview(
            latest=latest,
            choices=period_choices(periods),
            messages=messages,
            period=None,
            summary=[NO_RETURNS],
            headlines=[],
            grid_rows=pd.DataFrame(),
            area_order=[],
            attention=None,
            chart=empty,
        )
    grid = engine_rows(data, GRID_INDICATORS, periods=[code], ci=GRID_CI)
    head_rows = engine_rows(
        data,
        HEADLINE_INDICATORS,
        areas=[PROGRAMME],
        periods=_with_year_before(code, periods),
        ci=HEADLINE_CI,
    ).rows
    sort = sort if sort in (SORT_AREA, *GRID_INDICATORS) else SORT_AREA
    order = order if order in (ORDER_LOW, ORDER_HIGH) else ORDER_LOW
    return Overview(
        latest=latest,
        choices=period_choices(periods),
        messages=messages,
        period=code,
        summary=overview_summary(grid.rows, code),
        headlines=[headline(head_rows, i, code) for i in HEADLINE_INDICATORS],
        grid_rows=grid.rows,
        area_order=sort_areas(grid.rows, sort, order),
        attention=attention(needs_attention(grid.rows), code),
        chart=ranking_chart(grid.rows, chart_indicator(sort), code, grid.meta),
    )


#: What a fault inside the engine for one indicator raises (it then shows as not available).
ENGINE_FAULTS = (TypeError, ValueError, KeyError, ZeroDivisionError)


def engine_rows(data: IndicatorData, indicator_ids: tuple[str, ...], **query: Any) -> Result:
    """The engine's rows for several indicators; if the engine fails on one of them, the others
    are still shown (the failing one is logged and its cells say "no data")."""
    try:
        return data.rows(list(indicator_ids), **query)
    except ENGINE_FAULTS:
        log.exception(
            "the engine failed on %s; retrying one indicator at a time", ", ".join(indicator_ids)
        )
    parts: list[pd.DataFrame] = []
    meta = ResultMeta(None, data.threshold)  # if every indicator fails
    for indicator_id in indicator_ids:
        try:
            result = data.rows([indicator_id], **query)
        except ENGINE_FAULTS:
            log.exception("the engine failed on %s with %s", indicator_id, query)
            continue
        parts.append(result.rows)
        meta = result.meta
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return Result(rows, meta)


def _with_year_before(code: str, periods: list[str]) -> list[str]:
    before = previous_year(code)
    return [code, before] if before in periods else [code]


def chart_indicator(sort: str | None) -> str:
    if sort in GRID_INDICATORS and indicators()[sort].has_interval:
        return str(sort)
    return DEFAULT_CHART_INDICATOR


def ranking_chart(
    grid_rows: pd.DataFrame, indicator_id: str, code: str, meta: ResultMeta
) -> ChartContent:
    """The caterpillar of one grid indicator (99.8% intervals, as the grid's comparisons)."""
    ind = indicators()[indicator_id]
    rows = grid_rows[grid_rows["indicator"] == indicator_id]
    shown = period_label(code)
    note = text.suppression_note(rows, meta.threshold)
    areas = rows[rows["area_code"] != PROGRAMME]
    empty = None
    if areas["value"].notna().sum() == 0:
        empty = f"No area has a figure for {ind.name.lower()} in {shown}."
    table = plotted_table(
        rows,
        ind,
        ci=GRID_CI,
        columns=("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison"),
    )
    return ChartContent(
        figure=figures.caterpillar(rows) if empty is None else figures.empty_figure(empty),
        title=f"{ind.name} by area, {shown}",
        subtitle=(
            "All interventions; 99.8% confidence intervals, as in the grid above; the line is "
            "the programme's figure. The chart shows the indicator the grid is sorted by "
            "(completion when it is sorted by name or by families against target)."
        ),
        summary=text.describe_ranking(rows, ind, ci=GRID_CI),
        table=table,
        indicator_ids=[indicator_id],
        notes=[note] if note else [],
        data_as_at=meta.data_as_at,
        empty_message=empty,
        threshold=meta.threshold,
    )


# --- the grid ----------------------------------------------------------------------------------


def area_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per area (programme excluded): area_code, area_name, in name order."""
    areas = rows.loc[rows["area_code"] != PROGRAMME, ["area_code", "area_name"]]
    return areas.drop_duplicates("area_code").sort_values("area_name").reset_index(drop=True)


def sort_areas(rows: pd.DataFrame, sort: str, order: str) -> list[str]:
    """Area codes ordered by name or by an indicator's value; areas without a value go last."""
    areas = area_rows(rows)
    if sort == SORT_AREA or sort not in set(rows["indicator"]):
        names = areas.sort_values("area_name", ascending=order != ORDER_HIGH)
        by_name: list[str] = names["area_code"].tolist()
        return by_name
    vals = rows[(rows["indicator"] == sort) & (rows["area_code"] != PROGRAMME)]
    vals = vals.drop_duplicates("area_code").set_index("area_code")["value"]
    areas = areas.assign(_v=areas["area_code"].map(vals).astype(float))
    ordered = areas.sort_values(
        ["_v", "area_name"], ascending=[order != ORDER_HIGH, True], na_position="last"
    )
    by_value: list[str] = ordered["area_code"].tolist()
    return by_value


class Cell(dict[str, Any]):
    """One engine row as ``column → value`` (the values ``rows.iloc[i]`` would hold)."""


def _cell_index(rows: pd.DataFrame) -> dict[tuple[str, str], Cell]:
    """Every row of ``rows`` keyed by (area, indicator), the first of each kept."""
    columns = {c: rows[c].to_numpy() for c in rows.columns}
    index: dict[tuple[str, str], Cell] = {}
    for i, key in enumerate(zip(columns["area_code"], columns["indicator"], strict=True)):
        if key not in index:
            index[key] = Cell({c: values[i] for c, values in columns.items()})
    return index


#: The last frame ``cell`` indexed (a weak reference, its length) and its index: the grid asks
#: for every cell of one frame in turn, so the frame is indexed once, not searched per cell.
_last_index: tuple[weakref.ref[pd.DataFrame], int, dict[tuple[str, str], Cell]] | None = None


def cells(rows: pd.DataFrame) -> dict[tuple[str, str], Cell]:
    """Every row of ``rows`` keyed by (area, indicator), the first of each kept: what ``cell``
    looks in (the grid looks each cell up in it)."""
    global _last_index
    n, last = len(rows), _last_index
    if last is not None and last[1] == n and last[0]() is rows:
        return last[2]
    index = _cell_index(rows)
    _last_index = (weakref.ref(rows), n, index)
    return index


def cell(rows: pd.DataFrame, area: str, indicator: str) -> Cell | None:
    """The row of ``area`` and ``indicator`` in ``rows`` (the first if several), or None."""
    return cells(rows).get((area, indicator))


def comparison_words(row: Any) -> str:
    """What a grid cell says besides the value: better / similar / worse / a status / none."""
    if row is None:
        return "no data"
    if row["status"] in SHORT_STATUS_WORDS:
        return SHORT_STATUS_WORDS[row["status"]]
    if row["comparison"] is None or pd.isna(row["comparison"]):
        return "no comparison" if row["area_code"] != PROGRAMME else "programme"
    return str(row["comparison"])


@dataclass(frozen=True)
class GridCell:
    """What one grid cell says: a mark ("[c]") and words for a missing figure; else the figure,
    its link (an area's) and words for the hidden context, the comparison (``flagged``: better
    or worse, shown as a badge; ``words_shown``: similar and the like, shown plainly) and a
    trend worth saying."""

    mark: str | None
    value: str
    words: str
    flagged: bool = False
    words_shown: bool = False
    trend: str | None = None
    href: str | None = None  # None for the programme's row
    context: str = ""


def grid_cell(row: Any, code: str, name: str, indicator: str, code_shown: str) -> GridCell:
    """The grid cell of area ``code`` (named ``name``) for ``indicator`` from its engine row
    (None: no row), in the period ``code_shown``."""
    ind = indicators()[indicator]
    words = comparison_words(row)
    if row is None or row["status"] in STATUS_MARKS or pd.isna(row["value"]):
        mark = "[x]" if row is None else STATUS_MARKS.get(row["status"], "[x]")
        return GridCell(mark, "", words)
    area = code != PROGRAMME
    trend = row.get("trend_judgement")
    return GridCell(
        None,
        fmt(row["value"], ind),
        words,
        flagged=words in ("worse", "better"),
        words_shown=area and ind.has_interval,
        trend=trend if trend in ("getting better", "getting worse") else None,
        href=area_link(code, indicator, code_shown) if area else None,
        context=f" — {GRID_HEADERS[indicator]}, {name}, {period_label(code_shown)}",
    )


def grid_caption(code: str) -> str:
    return (
        f"Areas compared with the programme, {period_label(code)}: each figure with its "
        "comparison (99.8% limits). [c] suppressed, [x] not available, [z] not applicable."
    )


# --- needs attention ---------------------------------------------------------------------------


def needs_attention(rows: pd.DataFrame) -> pd.DataFrame:
    """Area × indicator rows that are worse than the programme and getting worse, worst first
    (most indicators per area first, then by name)."""
    hit = rows[
        (rows["area_code"] != PROGRAMME)
        & (rows["comparison"] == "worse")
        & (rows["trend_judgement"] == "getting worse")
    ].copy()
    if hit.empty:
        return hit
    hit["_n"] = hit.groupby("area_code")["indicator"].transform("size")
    order = {ind: i for i, ind in enumerate(GRID_INDICATORS)}
    hit["_i"] = hit["indicator"].map(order)
    hit = hit.sort_values(["_n", "area_name", "_i"], ascending=[False, True, True])
    return hit.drop(columns=["_n", "_i"]).reset_index(drop=True)


def attention_reason(row: pd.Series, ci: float = GRID_CI) -> str:
    ind = indicators()[row["indicator"]]
    interval = ""
    if pd.notna(row["lower"]) and pd.notna(row["upper"]):
        interval = f" ({ci:g}% CI {fmt(row['lower'], ind)} to {fmt(row['upper'], ind)})"
    return (
        f"{ind.name} was {fmt(row['value'], ind)}{interval}, worse than the programme's "
        f"{fmt(row['benchmark'], ind)}, and getting worse over the last five quarters."
    )


@dataclass(frozen=True)
class Link:
    text: str
    href: str


@dataclass(frozen=True)
class AttentionReason:
    """Why an area is on the list for one indicator, and where to look closer."""

    reason: str
    profile: Link  # the area's profile at the indicator
    topic: Link  # every area on the indicator


@dataclass(frozen=True)
class AttentionArea:
    name: str
    href: str
    reasons: list[AttentionReason]


@dataclass(frozen=True)
class Attention:
    """The "needs attention" list, or a sentence saying why there is none."""

    message: str | None
    areas: list[AttentionArea]


def attention(items: pd.DataFrame, code: str) -> Attention:
    """The areas of ``needs_attention`` with their reasons and links, for period ``code``."""
    shown = period_label(code)
    if not is_quarter(code):
        return Attention(
            f"Trends are tested over the five quarters ending with a quarter, so this "
            f"list is for quarters only: {shown} is a financial year. Choose a quarter "
            "to see it.",
            [],
        )
    if items.empty:
        return Attention(
            f"No area was both worse than the programme and getting worse in {shown}.", []
        )
    areas = []
    for area, group in items.groupby("area_code", sort=False):
        name = group["area_name"].iloc[0]
        reasons = []
        for _, r in group.iterrows():
            header = GRID_HEADERS[r["indicator"]].lower()
            reasons.append(
                AttentionReason(
                    attention_reason(r),
                    Link(
                        f"{name}'s profile at {header}", area_link(str(area), r["indicator"], code)
                    ),
                    Link(f"all areas on {header}", topic_link(r["indicator"], code)),
                )
            )
        areas.append(AttentionArea(name, area_link(str(area), period=code), reasons))
    return Attention(None, areas)


# --- the summary -------------------------------------------------------------------------------


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _names(names: Sequence[str], limit: int = 4) -> str:
    """Names joined in words, the first ``limit`` of them and how many more."""
    names = list(names)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    return join_names(names)


def _header_words(ind_id: str) -> str:
    return GRID_HEADERS.get(ind_id, ind_id).lower()


#: The engine columns ``overview_summary`` reads (``needs_attention`` included).
SUMMARY_COLUMNS = (
    "area_code",
    "area_name",
    "indicator",
    "status",
    "value",
    "comparison",
    "trend_judgement",
)


def overview_summary(rows: pd.DataFrame, code: str) -> list[str]:
    """Plain-English sentences for the top of the page, from the grid's rows (99.8%)."""
    shown = period_label(code)
    # only the columns read here (each filter below then copies 8 columns, not every one)
    rows = rows[[c for c in SUMMARY_COLUMNS if c in rows.columns]]
    areas = area_rows(rows)
    if areas.empty:
        return [f"There are no programme areas with figures for {shown}."]
    per_area = rows[rows["area_code"] != PROGRAMME]
    covered = per_area.loc[per_area["status"] != "x", "area_code"].nunique()
    total = len(areas)
    out = []
    if covered < total:
        out.append(f"In {shown}, {covered} of {total} areas had a return covering the period.")
    prog = rows[rows["area_code"] == PROGRAMME].set_index("indicator")
    facts = []
    for ind_id, words in (
        ("reach.target", "families reached were {} of the pro-rata target"),
        ("uptake.completion", "{} of interventions that ended were completed"),
    ):
        if ind_id in prog.index and has_value(prog.loc[ind_id]):
            facts.append(words.format(fmt(prog.loc[ind_id, "value"], indicators()[ind_id])))
    if facts:
        out.append(f"Across the programme in {shown}, {' and '.join(facts)}.")
    worse = per_area[per_area["comparison"] == "worse"]
    parts = []
    for ind_id in GRID_INDICATORS:
        w = worse[worse["indicator"] == ind_id]
        if w.empty:
            continue
        names = sorted(w["area_name"].tolist())
        parts.append(f"{len(names)} on {_header_words(ind_id)} ({_names(names)})")
    if parts:
        n_areas = worse["area_code"].nunique()
        out.append(
            f"In {shown}, {n_areas} of {covered} areas {_was(n_areas)} worse than the "
            "programme "
            f"(99.8% limits) on at least one key indicator: {'; '.join(parts)}."
        )
    else:
        out.append(
            f"In {shown}, no area was worse than the programme (99.8% limits) on any "
            "of the key indicators."
        )
    better = per_area[per_area["comparison"] == "better"]
    if not better.empty:
        n_better = better["area_code"].nunique()
        named = []
        for name, group in better.groupby("area_name", sort=True):
            on = [_header_words(i) for i in GRID_INDICATORS if i in set(group["indicator"])]
            named.append(f"{name} ({_names(on, limit=8)})")
        out.append(
            f"{count_words(n_better, 'area')} {_was(n_better)} better "
            f"than the programme on at least one: {_names(named)}."
        )
    covered_rows = per_area[per_area["status"] != "x"]
    suppressed = covered_rows.groupby("indicator")["status"].apply(lambda st: (st == "c").mean())
    sparse = [_header_words(i) for i in GRID_INDICATORS if suppressed.get(i, 0) > 0.5]
    if sparse:
        hint = " A financial year shows more." if is_quarter(code) else ""
        out.append(
            f"Figures for {_names(sparse, limit=8)} are suppressed ([c]) for most areas "
            f"in {shown}, because they rest on too few people.{hint}"
        )
    needing = needs_attention(rows)
    if not needing.empty:
        names = needing.drop_duplicates("area_code")["area_name"].tolist()
        out.append(
            f"{count_words(len(names), 'area needs', 'areas need')} attention "
            f"(worse and getting worse): {_names(names)}."
        )
    return out
