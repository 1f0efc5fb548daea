"""The overview's grid of areas × key indicators and its "needs attention" list. Pure: the
engine's rows (at the reader's confidence level) in; the areas' order, what each cell says
(figure, comparison, recent trend), each column's counts, the columns every area's figure is
suppressed in, the areas worse and getting worse, and the links out. Computes no figure."""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard.present import benchmark as bench
from dashboard.present.choices import with_release
from dashboard.present.confidence import DEFAULT_CI, checked, compared
from dashboard.present.overview_headlines import SHORT_STATUS_WORDS
from dashboard.present.words import fmt, period_label, possessive
from lfo.indicators.definitions import indicators
from lfo.periods import FinancialYear, is_quarter, period
from lfo.terms import PROGRAMME

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
ORDER_LOW, ORDER_HIGH = "low", "high"
#: A grid cell's mark for a missing figure (the GSS symbols).
STATUS_MARKS = {"c": "[c]", "x": "[x]", "z": "[z]"}


@lru_cache(maxsize=4096)
def area_link(
    code: str, indicator: str | None = None, period: str | None = None, release: str | None = None
) -> str:
    """The area profile, opened at an indicator and period when given, in the ``release`` the
    page shows (remembered: the grid asks for a link per cell)."""
    query = {k: v for k, v in (("indicator", indicator), ("period", period)) if v}
    return with_release(f"/area/{code}" + (f"?{urlencode(query)}" if query else ""), release)


def topic_link(
    indicator: str, period: str | None = None, ci: str = DEFAULT_CI, release: str | None = None
) -> str:
    """The indicator's topic page, at the period and at the grid's confidence level (always
    written, so the topic page compares at the level the grid did), in the ``release`` shown."""
    ind = indicators()[indicator]
    path = TOPIC_PATHS.get(ind.topic, "/")
    if ind.measure:
        query = {"indicator": indicator.rsplit(".", 1)[1], "measure": ind.measure}
    else:
        query = {"indicator": indicator}
    if period:
        query["period"] = period
    query["ci"] = checked(ci)
    return with_release(f"{path}?{urlencode(query)}", release)


# --- the grid ----------------------------------------------------------------------------------


def area_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per area (programme excluded): area_code, area_name, in name order."""
    areas = rows.loc[rows["area_code"] != PROGRAMME, ["area_code", "area_name"]]
    return areas.drop_duplicates("area_code").sort_values("area_name").reset_index(drop=True)


def sort_areas(rows: pd.DataFrame, sort: str, order: str) -> list[str]:
    """Area codes ordered by name or by an indicator's value; areas without a value go last (by
    name). Highest first is exactly lowest first turned over (ties too), as the ranking chart
    lists them (``overview.ranking_chart``)."""
    areas = area_rows(rows)
    if sort == SORT_AREA or sort not in set(rows["indicator"]):
        names = areas.sort_values("area_name", ascending=order != ORDER_HIGH)
        by_name: list[str] = names["area_code"].tolist()
        return by_name
    vals = rows[(rows["indicator"] == sort) & (rows["area_code"] != PROGRAMME)]
    vals = vals.drop_duplicates("area_code").set_index("area_code")["value"]
    areas = areas.assign(_v=areas["area_code"].map(vals).astype(float))
    valued = areas[areas["_v"].notna()].sort_values(["_v", "area_name"], kind="stable")
    by_value: list[str] = valued["area_code"].tolist()
    if order == ORDER_HIGH:
        by_value.reverse()
    missing: list[str] = areas.loc[areas["_v"].isna(), "area_code"].tolist()
    return by_value + missing


def order_labels(sort: str) -> tuple[str, str]:
    """The order radios' labels (lowest first, highest first) for the sort chosen: they say what
    they do."""
    if sort in GRID_HEADERS:
        name = GRID_HEADERS[sort].lower()
        return (f"Lowest {name} first", f"Highest {name} first")
    return ("A to Z by name", "Z to A by name")


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


#: A comparison's shape, drawn beside its word (the ranking chart's marker shapes: a diamond
#: better, a circle similar, a square worse; triangles higher or lower where there is no polarity).
COMPARISON_SHAPES = {
    "better": "\u25c6",
    "similar": "\u25cf",
    "worse": "\u25a0",
    "higher": "\u25b2",
    "lower": "\u25bc",
}
#: The recent trend's arrow (direction of the figure over the five quarters).
TREND_ARROWS = {"increasing": "\u2191", "decreasing": "\u2193", "no significant change": "\u2192"}
#: The count row's comparisons, in order.
COUNTED = ("better", "similar", "worse")


@dataclass(frozen=True)
class GridCell:
    """What one grid cell says: a mark ("[c]") and words for a missing figure; else the figure,
    its link (an area's) and words for the hidden context, the comparison (``comparison``: the
    engine's word or None; ``shape`` and ``label``, "worse than the programme (95%)", shown
    with it) and the recent trend (``arrow``, with ``direction``, "recent trend: increasing", for
    screen readers, and ``trend``: "getting better" / "getting worse" where it says so, for every
    reader)."""

    mark: str | None
    value: str
    words: str
    comparison: str | None = None
    shape: str = ""
    label: str = ""
    arrow: str = ""
    direction: str = ""
    trend: str | None = None
    href: str | None = None  # None for the programme's row
    context: str = ""
    #: why an area's figure is not compared ("[c]": its group benchmark is suppressed; see
    #: ``uncompared_note``), "" when it is compared or cannot be (no interval)
    uncompared: str = ""

    @property
    def flagged(self) -> bool:
        """Better or worse than the programme."""
        return self.comparison in ("better", "worse")


def _text(value: Any) -> str | None:
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def grid_cell(
    row: Any,
    code: str,
    name: str,
    indicator: str,
    code_shown: str,
    ci: str = DEFAULT_CI,
    benchmark: str = bench.DEFAULT_BENCHMARK,
    release: str | None = None,
) -> GridCell:
    """The grid cell of area ``code`` (named ``name``) for ``indicator`` from its engine row
    (None: no row), in the period ``code_shown``, compared at level ``ci`` with ``benchmark``;
    its link keeps the ``release`` shown."""
    ind = indicators()[indicator]
    words = comparison_words(row)
    if row is None or row["status"] in STATUS_MARKS or pd.isna(row["value"]):
        mark = "[x]" if row is None else STATUS_MARKS.get(row["status"], "[x]")
        return GridCell(mark, "", words)
    area = code != PROGRAMME
    comparison = _text(row.get("comparison")) if area and ind.has_interval else None
    missing = _text(row.get("benchmark_status")) if area and ind.has_interval else None
    uncompared = f"[{missing}]" if comparison is None and missing in bench.MISSING else ""
    direction = _text(row.get("trend"))
    judgement = _text(row.get("trend_judgement"))
    trend = judgement if judgement in ("getting better", "getting worse") else None
    return GridCell(
        None,
        fmt(row["value"], ind),
        words,
        comparison=comparison if comparison in COMPARISON_SHAPES else None,
        shape=COMPARISON_SHAPES.get(comparison or "", ""),
        label=(
            compared(comparison, ci, bench.its(benchmark))
            if comparison in COMPARISON_SHAPES
            else ""
        ),
        arrow=TREND_ARROWS.get(direction or "", ""),
        direction=f"recent trend: {direction}" if direction in TREND_ARROWS else "",
        trend=trend,
        href=area_link(code, indicator, code_shown, release) if area else None,
        context=f" — {GRID_HEADERS[indicator]}, {name}, {period_label(code_shown)}",
        uncompared=uncompared,
    )


def uncompared_note(rows: pd.DataFrame, benchmark: str) -> str | None:
    """The line under the grid saying why some areas' figures are "not compared": their group
    benchmark has no figure ([c] a member's figure is suppressed, …). None when every area's
    figure with an interval is compared, or the benchmark is the programme."""
    if bench.checked(benchmark) == bench.DEFAULT_BENCHMARK or "benchmark_status" not in rows:
        return None
    interval = [i for i in GRID_INDICATORS if indicators()[i].has_interval]
    mine = rows[rows["indicator"].isin(interval) & (rows["area_code"] != PROGRAMME)]
    mine = mine[mine["value"].notna() & mine["comparison"].isna()]
    found = [s for s in bench.MISSING if (mine["benchmark_status"] == s).any()]
    if not found:
        return None
    reasons = "; ".join(bench.missing_reason(s) for s in found)
    return f"Not compared: {bench.their(benchmark)} have no figure to compare with ({reasons})."


def grid_caption(code: str, ci: str = DEFAULT_CI, benchmark: str = bench.DEFAULT_BENCHMARK) -> str:
    return (
        f"Areas compared with {bench.their(benchmark)}, {period_label(code)}, at {checked(ci)}% "
        "confidence: each figure with its comparison and its recent trend. [c] suppressed, "
        "[x] not available, [z] not applicable."
    )


def area_cells(rows: pd.DataFrame) -> dict[str, list[Cell]]:
    """Each indicator's area rows (the programme left out, each area's first), in the frame's
    order: from the frame's cell index (``cells``, as the grid's rows), not a filter per column."""
    found: dict[str, list[Cell]] = {}
    for (area, indicator), row in cells(rows).items():
        if area != PROGRAMME:
            found.setdefault(indicator, []).append(row)
    return found


def column_counts(rows: pd.DataFrame) -> dict[str, dict[str, int] | None]:
    """Per grid indicator, how many areas are better, similar and worse than the programme
    (None: the indicator is not compared, such as families against target)."""
    by_indicator = area_cells(rows)
    out: dict[str, dict[str, int] | None] = {}
    for indicator in GRID_INDICATORS:
        if not indicators()[indicator].has_interval:
            out[indicator] = None
            continue
        seen = [_text(row["comparison"]) for row in by_indicator.get(indicator, [])]
        out[indicator] = {c: seen.count(c) for c in COUNTED}
    return out


def count_words(counts: dict[str, int] | None) -> str:
    """A count cell in words: "2 better, 10 similar, 1 worse"; "not compared"."""
    if counts is None:
        return "not compared"
    return ", ".join(f"{counts[c]} {c}" for c in COUNTED)


def suppressed_columns(rows: pd.DataFrame) -> list[str]:
    """The grid indicators no area has a figure for and at least one area's is suppressed ([c]):
    the grid leaves their columns out and says so (``suppressed_note``)."""
    out, by_indicator = [], area_cells(rows)
    for indicator in GRID_INDICATORS:
        mine = by_indicator.get(indicator, [])
        if not mine or any(pd.notna(row["value"]) for row in mine):
            continue
        if "c" in [_text(row["status"]) for row in mine]:
            out.append(indicator)
    return out


def suppressed_note(hidden: list[str], code: str) -> str | None:
    """The line in place of the columns left out, or None."""
    if not hidden:
        return None
    names = ", ".join(GRID_HEADERS[i] for i in hidden)
    return (
        f"Not shown: {names} — every area's figure is suppressed ([c], too few people) or not "
        f"available for {period_label(code)}."
        + (" A financial year shows more." if is_quarter(code) else "")
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


def trend_end(code: str) -> str:
    """The quarter a period's recent trend ends with: the quarter itself, or a financial year's
    fourth quarter (indicators.md, "Recent trend")."""
    if is_quarter(code):
        return code
    return FinancialYear(period(code).fy).quarters[-1].label


def trend_window_words(code: str) -> str:
    """ "the five quarters to 2018-19 Q4" for a period's recent trend."""
    return f"the five quarters to {period_label(trend_end(code))}"


def attention_reason(
    row: pd.Series, ci: str | float = DEFAULT_CI, benchmark: str = bench.DEFAULT_BENCHMARK
) -> str:
    ind = indicators()[row["indicator"]]
    level = checked(ci)
    interval = ""
    if pd.notna(row["lower"]) and pd.notna(row["upper"]):
        interval = f" ({level}% CI {fmt(row['lower'], ind)} to {fmt(row['upper'], ind)})"
    code = row.get("period")
    window = trend_window_words(str(code)) if code else "the last five quarters"
    return (
        f"{ind.name} was {fmt(row['value'], ind)}{interval}, worse than "
        f"{possessive(bench.its(benchmark))} {fmt(row['benchmark'], ind)} ({level}%), and "
        f"getting worse over {window}."
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


def attention(
    items: pd.DataFrame,
    code: str,
    ci: str = DEFAULT_CI,
    benchmark: str = bench.DEFAULT_BENCHMARK,
    release: str | None = None,
) -> Attention:
    """The areas of ``needs_attention`` with their reasons and links (in the ``release``
    shown), for period ``code`` (a quarter or a financial year: a year's trend is over the five
    quarters to its Q4)."""
    shown = period_label(code)
    if items.empty:
        return Attention(
            f"No area was both worse than {bench.their(benchmark)} ({checked(ci)}%) in {shown} "
            f"and getting worse over {trend_window_words(code)}.",
            [],
        )
    areas = []
    for code_, group in items.groupby("area_code", sort=False):
        area, name = str(code_), group["area_name"].iloc[0]
        reasons = []
        for _, r in group.iterrows():
            header = GRID_HEADERS[r["indicator"]].lower()
            reasons.append(
                AttentionReason(
                    attention_reason(r, ci, benchmark),
                    Link(
                        f"{name}'s profile at {header}",
                        area_link(area, r["indicator"], code, release),
                    ),
                    Link(f"all areas on {header}", topic_link(r["indicator"], code, ci, release)),
                )
            )
        areas.append(AttentionArea(name, area_link(area, period=code, release=release), reasons))
    return Attention(None, areas)
