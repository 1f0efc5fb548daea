"""The indicator engine: the one place where every published figure is made.

``compute(conn, query)`` reads the summary tables for all areas and the periods asked (plus the
four quarters before each, for the trend), adds the programme (covered areas pooled), computes
values and intervals, compares each area with the programme, tests the recent trend, applies
disclosure control to each complete table, and only then keeps the areas asked for.

The query and result types and the choice of periods are in ``lfo.indicators.request`` (imported
here for the engine's callers); the computations of each kind of indicator are in
``lfo.indicators.kinds``. This module reads the data and builds the complete grid they work on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from lfo.indicators import kinds
from lfo.indicators.figures import KEYS, SUMS, figures, summary_columns
from lfo.indicators.indicator import Indicator
from lfo.indicators.queries import (
    coverage,
    data_as_at,
    read_summary,
    snapshot,
    summary_table_for,
)
from lfo.indicators.request import (
    ROW_COLUMNS,
    Query,
    Result,
    ResultMeta,
    available_periods,
    period_bounds,
    select_periods,
    trend_windows,
)
from lfo.periods import FinancialYear, is_quarter, period
from lfo.reference import BREAKDOWNS
from lfo.terms import PROGRAMME, PROGRAMME_LABEL


def compute(conn: Connection, query: Query) -> Result:
    """The rows of every indicator of ``query`` (in its order) with the result's metadata."""
    snapshot(conn)  # every read below sees the same committed data
    cov = coverage(conn)
    parts = []
    for ind in query.indicators:
        parts.append(_compute_one(conn, ind, query, cov))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return Result(rows, ResultMeta(_iso(data_as_at(conn)), query.threshold))


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _compute_one(conn: Connection, ind: Indicator, query: Query, cov: pd.DataFrame) -> pd.DataFrame:
    table = summary_table_for(ind.id)
    periods = select_periods(available_periods(cov), query)
    if not periods:
        return pd.DataFrame(columns=ROW_COLUMNS)
    windows = trend_windows(periods)
    needed = sorted(set(periods) | {q for w in windows.values() for q in w})
    if ind.id == "reach.target":
        year_quarters = {q.label for p in periods for q in FinancialYear(period(p).fy).quarters}
        needed = sorted(set(needed) | year_quarters)
    not_applicable = query.grp != "all" and not ind.by_intervention
    summary = read_summary(
        conn,
        table,
        needed,
        grp=query.grp if ind.by_intervention else None,
        measure=ind.measure,
        breakdowns=None if table != "sum_reach" else ["all", *_breakdowns(ind, query)],
        columns=summary_columns(ind),
    )
    fig = figures(ind, summary, _breakdowns(ind, query))
    df = _with_programme(ind, fig, cov, needed, _categories(ind, _breakdowns(ind, query)))
    if ind.id == "reach.target":
        quarters = df[df["period"].map(is_quarter).astype(bool)]
        df = kinds.progress_to_target(df[df["period"].isin(periods)].copy(), cov, quarters)
    elif ind.kind == "median":
        df = kinds.pooled_median(df, summary, cov)
    conf = query.confidence
    if "status" not in df:
        df["status"] = None
    df = kinds.add_values(ind, df, conf, cov)
    df = kinds.add_comparison(ind, df)
    df = kinds.add_trends(ind, df, windows, query.threshold)
    df = df[df["period"].isin(periods)].copy()
    df.loc[~df["covered"].astype(bool), "status"] = "x"
    df = kinds.suppress(ind, df, query.threshold)
    if not_applicable:
        df[
            [
                "value",
                "lower",
                "upper",
                "numerator",
                "denominator",
                "comparison",
                "trend",
                "trend_judgement",
            ]
        ] = None
        df["status"] = "z"
    df["indicator"] = ind.id
    names = dict(zip(cov["area_code"], cov["area_name"], strict=True))
    names[PROGRAMME] = PROGRAMME_LABEL
    df["area_name"] = df["area_code"].map(names)
    df["return_period"] = df["area_code"].map(
        dict(zip(cov["area_code"], cov["return_period"], strict=True))
    )
    if query.areas is not None:
        df = df[df["area_code"].isin(query.areas)]
    order = {p: i for i, p in enumerate(periods)}
    df = df.iloc[_row_order(df, order)]
    extras = [c for c in ("benchmark", "areas_pooled", "return_period") if c in df]
    return df.reindex(columns=ROW_COLUMNS + extras).reset_index(drop=True)


def _breakdowns(ind: Indicator, query: Query) -> list[str]:
    """The characteristics an indicator reads from ``sum_reach``."""
    if ind.id == "reach.breakdown":
        return list(query.breakdowns or BREAKDOWNS)
    return {"reach.fathers": ["sex"], "reach.workless": ["workless_household"]}.get(ind.id, [])


def _categories(ind: Indicator, breakdowns: list[str]) -> list[str | None]:
    """Every category an indicator reports, whether or not the data has rows for it."""
    if ind.kind == "breakdown":
        return [f"{b}:{c}" for b in breakdowns for c in BREAKDOWNS[b]]
    if ind.kind == "funnel":
        return ["referred", "offered", "started", "completed"]
    return [None]


def _used_columns(ind: Indicator, category: str | None) -> list[str]:
    """The columns that hold a real zero when an area has no rows for a period."""
    if ind.kind in ("count", "target", "rate") or category == "referred":
        return ["numerator"]
    if ind.kind in ("mean", "ratio"):
        return ["denominator", "n", "total", "sumsq"]
    if ind.kind == "median":
        return ["denominator"]
    return ["numerator", "denominator"]


def _with_programme(
    ind: Indicator,
    fig: pd.DataFrame,
    cov: pd.DataFrame,
    periods: list[str],
    categories: list[str | None],
) -> pd.DataFrame:
    """Complete area x period x category grid (zeros where an area covering the period had no
    rows), coverage status, and the programme row pooled over covered areas."""
    areas = cov[["area_code", "period_end"]]
    grid = pd.MultiIndex.from_product(
        [areas["area_code"], periods, categories], names=KEYS
    ).to_frame(index=False)
    grid = grid.astype({"category": object})
    fig = fig.astype({"category": object})
    placed = _grid_positions(fig, areas["area_code"], periods, categories)
    if placed is None:  # not one row per key: join as a merge would
        ends = pd.Series({p: period_bounds(p)[1] for p in periods}, name="p_end")
        grid = grid.join(ends, on="period").merge(areas, on="area_code", how="left")
        grid["covered"] = grid["period_end"].notna() & (grid["period_end"] >= grid["p_end"])
        full = grid.merge(fig, on=KEYS, how="left", indicator=True)
        absent = full["covered"] & (full["_merge"] == "left_only")
        full = full.drop(columns=["_merge", "p_end", "period_end"])
    else:
        source, target = placed
        ends = pd.to_datetime(pd.Series([period_bounds(p)[1] for p in periods])).to_numpy()
        area_end = pd.to_datetime(areas["period_end"]).to_numpy()
        with np.errstate(invalid="ignore"):
            covered = ~np.isnat(area_end)[:, None] & (area_end[:, None] >= ends[None, :])
        full = grid
        full["covered"] = np.repeat(covered.reshape(-1), len(categories))
        found = np.zeros(len(full), dtype=bool)
        found[target] = True
        for column in SUMS:
            values = np.full(len(full), np.nan)
            values[target] = fig[column].to_numpy(dtype=float)[source]
            full[column] = values
        absent = full["covered"] & ~found
    by_columns: dict[tuple[str, ...], list[str | None]] = {}
    for category in categories:
        by_columns.setdefault(tuple(_used_columns(ind, category)), []).append(category)
    for used, cats in by_columns.items():
        named = [c for c in cats if c is not None]
        in_cats = full["category"].isin(named) if named else False
        if None in cats:
            in_cats = full["category"].isna() | in_cats
        full.loc[absent & in_cats, list(used)] = 0.0
    full.loc[~full["covered"], SUMS] = np.nan
    covered = full[full["covered"]]
    prog = covered.groupby(["period", "category"], dropna=False)[SUMS].sum(min_count=1)
    groups = covered.groupby(["period", "category"], dropna=False)
    # one row per area in each group when the grid was filled by position: the count is the size
    prog["areas_pooled"] = groups.size() if placed is not None else groups["area_code"].nunique()
    prog = prog.reset_index().assign(area_code=PROGRAMME, covered=True)
    return pd.concat([full, prog], ignore_index=True)


def _grid_positions(
    fig: pd.DataFrame, area_codes: pd.Series, periods: list[str], categories: list[str | None]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows of ``fig`` (source) and their positions in the area x period x category grid
    (target), for rows whose key is in the grid; None if a key is in ``fig`` (or an area in
    ``area_codes``) twice."""
    if not area_codes.is_unique:
        return None
    cats = fig["category"].to_numpy(dtype=object)
    cats = np.where(pd.isna(cats), None, cats)
    a = pd.Index(area_codes.to_numpy(dtype=object)).get_indexer(
        fig["area_code"].to_numpy(dtype=object)
    )
    p = pd.Index(periods, dtype=object).get_indexer(fig["period"].to_numpy(dtype=object))
    c = pd.Index(categories, dtype=object).get_indexer(cats)
    ok = (a >= 0) & (p >= 0) & (c >= 0)
    source = np.flatnonzero(ok)
    target = (a[ok].astype(np.int64) * len(periods) + p[ok]) * len(categories) + c[ok]
    if len(np.unique(target)) != len(target):
        return None
    return source, target


def _row_order(df: pd.DataFrame, order: dict[str, int]) -> np.ndarray:
    """Positions sorting rows by period order, areas before the programme, area code, then
    category (missing first): a stable sort of integer codes, as sort_values on the columns."""
    period_order = df["period"].map(order).to_numpy()
    is_programme = (df["area_code"] == PROGRAMME).to_numpy()
    area, _ = pd.factorize(df["area_code"], sort=True)
    category, _ = pd.factorize(df["category"].astype(object), sort=True)  # missing: -1, first
    return np.lexsort([category, area, is_programme, period_order])
