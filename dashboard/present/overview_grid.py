"""The overview's grid of areas × key indicators and its "needs attention" list.

Pure: the engine's rows of the grid's indicators (99.8% intervals) in; the areas' order, what
each cell says, the areas worse than the programme and getting worse, and the links that open
an area's profile or an indicator's topic page out. Nothing here computes a figure.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlencode

import pandas as pd

from dashboard.present.overview_headlines import SHORT_STATUS_WORDS
from dashboard.present.words import fmt, period_label
from lfo.indicators.definitions import indicators
from lfo.periods import is_quarter
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
GRID_CI = 99.8
#: A grid cell's mark for a missing figure (the GSS symbols).
STATUS_MARKS = {"c": "[c]", "x": "[x]", "z": "[z]"}


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
