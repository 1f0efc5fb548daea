"""Shaping the indicator engine's rows for the programme overview (the home page).

Pure functions: engine rows (``IndicatorData.rows(...).rows``) in, small frames and plain-English
sentences out. Nothing here computes a published figure: values, intervals, comparisons and trends
all come from the engine. The one statistic made here is the year-on-year test of a headline
proportion, from the engine's numerators and denominators (statsmodels' Newcombe interval).
"""

from __future__ import annotations

import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import urlencode

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from lfo.indicators.compare import format_value
from lfo.indicators.definitions import HIGHER, LOWER, Indicator, indicators
from lfo.periods import FinancialYear, Quarter, parse_period
from lfo.terms import PROGRAMME

#: Headline cards, in order.
HEADLINE_INDICATORS = (
    "reach.target",
    "uptake.start",
    "uptake.completion",
    "outcome.csi4.reliable_improvement",
)

#: Columns of the overview grid: reach (target, fathers), uptake (offers taken up, completion,
#: attendance) and reliable improvement on the three parent-reported outcome measures.
GRID_INDICATORS = (
    "reach.target",
    "reach.fathers",
    "uptake.start",
    "uptake.completion",
    "uptake.attendance",
    "outcome.csi4.reliable_improvement",
    "outcome.ops.reliable_improvement",
    "outcome.swemwbs.reliable_improvement",
)

#: Short column labels for the grid (the full names are in the definitions).
SHORT_NAMES = {
    "reach.target": "Families vs target",
    "reach.fathers": "Fathers reached",
    "uptake.start": "Offers taken up",
    "uptake.completion": "Completion",
    "uptake.attendance": "Sessions attended",
    "outcome.csi4.reliable_improvement": "Relationship quality improved",
    "outcome.ops.reliable_improvement": "Conflict reduced",
    "outcome.swemwbs.reliable_improvement": "Wellbeing improved",
}

TOPIC_PATHS = {"reach": "/reach", "uptake": "/uptake", "outcomes": "/outcomes"}

SORT_AREA = "area"
LATEST = "latest"  # the period select's value for "the latest quarter" (no period in the address)
ORDER_LOW, ORDER_HIGH = "low", "high"
GRID_CI = 99.8
HEADLINE_CI = 95.0
MINUS = "\u2212"
STATUS_WORDS = {"c": "suppressed", "x": "not available", "z": "not applicable"}


def display_unit(ind: Indicator) -> str:
    """The unit ``compare.format_value`` understands for an indicator."""
    if ind.unit.startswith("%"):
        return "%"
    if ind.unit.startswith("count"):
        return "count"
    if ind.unit.startswith("rate"):
        return "rate"
    if ind.unit.startswith("days"):
        return "days"
    return "points"


def fmt(value: object, ind: Indicator) -> str:
    return format_value(value, display_unit(ind))


def period_display(label: str) -> str:
    """``2017-18_Q3`` → ``2017-18 Q3``; a financial year stays as it is."""
    return label.replace("_", " ")


def previous_year(label: str) -> str:
    """The same period a year earlier: a quarter four quarters back, or the year before."""
    p = parse_period(label)
    if isinstance(p, Quarter):
        return (p - 4).label
    return FinancialYear(p.fy - 1).label


def period_options(periods: Sequence[str], latest: str | None) -> list[dict[str, str]]:
    """Select options: the latest quarter (value ``LATEST``), then quarters newest first, then
    financial years newest first."""
    quarters = [p for p in periods if "_Q" in p]
    years = [p for p in periods if "_Q" not in p]
    options = []
    if latest:
        options.append({"label": f"Latest quarter ({period_display(latest)})", "value": LATEST})
    options += [{"label": period_display(p), "value": p} for p in reversed(quarters)]
    options += [{"label": f"Financial year {p}", "value": p} for p in reversed(years)]
    return options


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


# --- headline cards --------------------------------------------------------------------------


@dataclass(frozen=True)
class YearOnYear:
    """The change from the same period a year earlier, for a proportion (percentage points)."""

    difference: float
    lower: float
    upper: float

    @property
    def significant(self) -> bool:
        return bool(self.lower > 0 or self.upper < 0)


def year_on_year(
    num_now: float, den_now: float, num_before: float, den_before: float, confidence: float = 0.95
) -> YearOnYear | None:
    """Difference of two independent proportions (now − before, in percentage points) with its
    Newcombe hybrid score interval (method 10, from Wilson intervals), via statsmodels.

    Significant when the interval excludes 0. None when a count is missing or a denominator is 0.
    """
    values = np.array([num_now, den_now, num_before, den_before], dtype=float)
    if not np.all(np.isfinite(values)) or den_now <= 0 or den_before <= 0:
        return None
    lo, hi = confint_proportions_2indep(
        num_now,
        den_now,
        num_before,
        den_before,
        method="newcomb",
        compare="diff",
        alpha=1 - confidence,
    )
    diff = num_now / den_now - num_before / den_before
    return YearOnYear(float(diff) * 100, float(lo) * 100, float(hi) * 100)


@dataclass(frozen=True)
class Headline:
    indicator: str
    name: str
    period: str
    value_text: str  # "56%" or "suppressed"
    interval_text: str | None  # "95% CI 53% to 59%"
    counts_text: str | None  # "1,234 of 2,200 episodes"
    change_text: str  # the comparison with a year earlier, in words
    pooled_text: str | None


#: The last frame ``_row`` indexed (a weak reference, its length) and its index: the headline
#: cards ask for eight rows of one frame, found by position rather than eight filters.
_last_rows: tuple[weakref.ref, int, dict] | None = None


def _row(rows: pd.DataFrame, indicator: str, period: str) -> pd.Series | None:
    """The first row of the programme's ``indicator`` in ``period``, or None."""
    global _last_rows
    last = _last_rows
    if last is not None and last[0]() is rows and last[1] == len(rows):
        positions = last[2]
    else:
        positions = {}
        keys = zip(
            rows["indicator"].to_numpy(),
            rows["area_code"].to_numpy(),
            rows["period"].to_numpy(),
            strict=True,
        )
        for i, key in enumerate(keys):
            positions.setdefault(key, i)
        _last_rows = (weakref.ref(rows), len(rows), positions)
    i = positions.get((indicator, PROGRAMME, period))
    return None if i is None else rows.iloc[i]


def _has_value(row: pd.Series | None) -> bool:
    return row is not None and row["status"] not in ("c", "x", "z") and pd.notna(row["value"])


def headline(rows: pd.DataFrame, indicator: str, period: str) -> Headline:
    """A headline card's words for the programme's ``indicator`` in ``period``, with the change
    from the same period a year earlier (``rows`` must hold both periods, 95% intervals)."""
    ind = indicators()[indicator]
    before = previous_year(period)
    now, then = _row(rows, indicator, period), _row(rows, indicator, before)
    shown = period_display(period)
    if not _has_value(now):
        status = None if now is None else now["status"]
        words = STATUS_WORDS.get(status, "not available")
        return Headline(
            indicator,
            ind.name,
            period,
            words,
            None,
            None,
            f"No programme figure for {shown} ({words}).",
            None,
        )
    value_text = fmt(now["value"], ind)
    interval = None
    if ind.has_interval and pd.notna(now["lower"]) and pd.notna(now["upper"]):
        interval = f"95% CI {fmt(now['lower'], ind)} to {fmt(now['upper'], ind)}"
    counts = _counts_text(now, ind)
    pooled = None
    if pd.notna(now.get("areas_pooled")):
        n = int(now["areas_pooled"])
        pooled = f"Pools the {n} area{'s' if n != 1 else ''} whose returns cover {shown}."
    return Headline(
        indicator,
        ind.name,
        period,
        value_text,
        interval,
        counts,
        change_sentence(now, then, ind, period_display(before)),
        pooled,
    )


def _counts_text(row: pd.Series, ind: Indicator) -> str | None:
    if pd.isna(row["numerator"]) or pd.isna(row["denominator"]):
        return None
    num, den = format_value(row["numerator"], "count"), format_value(row["denominator"], "count")
    if ind.kind == "target":
        return (
            f"{num} families referred in the financial year to date, against a pro-rata "
            f"target of {den}"
        )
    unit = ind.unit.split("(")[-1].rstrip(")") if "(" in ind.unit else "cases"
    return f"{num} of {den} {unit}"


def change_sentence(now: pd.Series, then: pd.Series | None, ind: Indicator, before: str) -> str:
    """ "Up from 52% (95% CI 49% to 55%) in 2017-18 Q4; the change of 4 points (95% CI 1 to 7) is
    significant." — a Newcombe interval for proportions, no test for a figure without one."""
    if not _has_value(then):
        status = None if then is None else then["status"]
        return f"No figure for {before} to compare with ({STATUS_WORDS.get(status, 'no data')})."
    v_now, v_then = float(now["value"]), float(then["value"])
    then_text = fmt(v_then, ind)
    if ind.has_interval and pd.notna(then["lower"]):
        then_text += f" (95% CI {fmt(then['lower'], ind)} to {fmt(then['upper'], ind)})"
    if fmt(v_now, ind) == fmt(v_then, ind):
        opening = f"The same as in {before}, {then_text}"
    else:
        opening = f"{'Up' if v_now > v_then else 'Down'} from {then_text} in {before}"
    pooled_now, pooled_then = now.get("areas_pooled"), then.get("areas_pooled")
    if pd.notna(pooled_now) and pd.notna(pooled_then) and pooled_now != pooled_then:
        opening += f", when {int(pooled_then)} areas' returns covered the period"
    if ind.kind != "proportion":
        return f"{opening}; no significance test for this figure."
    change = year_on_year(
        now["numerator"], now["denominator"], then["numerator"], then["denominator"]
    )
    if change is None:
        return f"{opening}."
    verdict = "is significant" if change.significant else "is not significant"
    size = format_value(abs(change.difference), "points")
    points = (
        f"{'rise' if change.difference >= 0 else 'fall'} of {size} percentage points "
        f"(95% CI {_signed(change.lower)} to {_signed(change.upper)})"
    )
    judgement = ""
    if change.significant and ind.polarity in (HIGHER, LOWER):
        better = (change.difference > 0) == (ind.polarity == HIGHER)
        judgement = f": {'better' if better else 'worse'} than a year earlier"
    return f"{opening}; the {points} {verdict}{judgement}."


def _signed(x: float) -> str:
    """A difference with its sign written out: "−6.1", "+0.7" (U+2212 minus)."""
    text = format_value(abs(x), "points")
    if text == format_value(0.0, "points"):
        return text
    return ("+" if x > 0 else MINUS) + text


# --- the grid --------------------------------------------------------------------------------


def area_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per area (programme excluded): area_code, area_name, in name order."""
    areas = rows.loc[rows["area_code"] != PROGRAMME, ["area_code", "area_name"]]
    return areas.drop_duplicates("area_code").sort_values("area_name").reset_index(drop=True)


def sort_areas(rows: pd.DataFrame, sort: str, order: str) -> list[str]:
    """Area codes ordered by name or by an indicator's value; areas without a value go last."""
    areas = area_rows(rows)
    if sort == SORT_AREA or sort not in set(rows["indicator"]):
        names = areas.sort_values("area_name", ascending=order != ORDER_HIGH)
        return names["area_code"].tolist()
    vals = rows[(rows["indicator"] == sort) & (rows["area_code"] != PROGRAMME)]
    vals = vals.drop_duplicates("area_code").set_index("area_code")["value"]
    areas = areas.assign(_v=areas["area_code"].map(vals).astype(float))
    ordered = areas.sort_values(
        ["_v", "area_name"], ascending=[order != ORDER_HIGH, True], na_position="last"
    )
    return ordered["area_code"].tolist()


class Cell(dict):
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
_last_index: tuple[weakref.ref, int, dict] | None = None


def cells(rows: pd.DataFrame) -> dict[tuple[str, str], Cell]:
    """Every row of ``rows`` keyed by (area, indicator), the first of each kept: what ``cell``
    looks in (the grid looks each cell up in it)."""
    global _last_index
    last = _last_index
    if last is not None and last[0]() is rows and last[1] == len(rows):
        return last[2]
    index = _cell_index(rows)
    _last_index = (weakref.ref(rows), len(rows), index)
    return index


def cell(rows: pd.DataFrame, area: str, indicator: str) -> Cell | None:
    """The row of ``area`` and ``indicator`` in ``rows`` (the first if several), or None."""
    return cells(rows).get((area, indicator))


def comparison_words(row: pd.Series | None) -> str:
    """What a grid cell says besides the value: better / similar / worse / a status / none."""
    if row is None:
        return "no data"
    if row["status"] in STATUS_WORDS:
        return STATUS_WORDS[row["status"]]
    if row["comparison"] is None or pd.isna(row["comparison"]):
        return "no comparison" if row["area_code"] != PROGRAMME else "programme"
    return str(row["comparison"])


# --- needs attention and the summary ----------------------------------------------------------


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


def _was(n: int) -> str:
    return "was" if n == 1 else "were"


def _names(names: Sequence[str], limit: int = 4) -> str:
    names = list(names)
    if len(names) > limit:
        return ", ".join(names[:limit]) + f" and {len(names) - limit} more"
    if len(names) > 1:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return names[0] if names else ""


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


def overview_summary(rows: pd.DataFrame, period: str) -> list[str]:
    """Plain-English sentences for the top of the page, from the grid's rows (99.8%)."""
    shown = period_display(period)
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
        if ind_id in prog.index and _has_value(prog.loc[ind_id]):
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
        parts.append(f"{len(names)} on {SHORT_NAMES.get(ind_id, ind_id).lower()} ({_names(names)})")
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
            on = [
                SHORT_NAMES.get(i, i).lower()
                for i in GRID_INDICATORS
                if i in set(group["indicator"])
            ]
            named.append(f"{name} ({_names(on, limit=8)})")
        out.append(
            f"{n_better} {'area' if n_better == 1 else 'areas'} {_was(n_better)} better "
            f"than the programme on at least one: {_names(named)}."
        )
    covered_rows = per_area[per_area["status"] != "x"]
    suppressed = covered_rows.groupby("indicator")["status"].apply(lambda st: (st == "c").mean())
    sparse = [SHORT_NAMES.get(i, i).lower() for i in GRID_INDICATORS if suppressed.get(i, 0) > 0.5]
    if sparse:
        hint = " A financial year shows more." if "_Q" in period else ""
        out.append(
            f"Figures for {_names(sparse, limit=8)} are suppressed ([c]) for most areas "
            f"in {shown}, because they rest on too few people.{hint}"
        )
    attention = needs_attention(rows)
    if not attention.empty:
        names = attention.drop_duplicates("area_code")["area_name"].tolist()
        out.append(
            f"{len(names)} {'area needs' if len(names) == 1 else 'areas need'} attention "
            f"(worse and getting worse): {_names(names)}."
        )
    return out
