"""The complete area x period x category grid of one indicator, with the programme row.

The engine (``lfo.indicators.engine``) and the disclosure plan (``lfo.indicators.cells``) both
build every figure on this grid: zeros where an area covering the period had no rows, coverage
status, and the programme pooled over the covered areas.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lfo.indicators.figures import KEYS, SUMS
from lfo.indicators.indicator import Indicator
from lfo.indicators.request import Query, period_bounds
from lfo.reference import BREAKDOWNS
from lfo.terms import PROGRAMME


def breakdowns_of(ind: Indicator, query: Query) -> list[str]:
    """The characteristics an indicator reads from ``sum_reach``."""
    if ind.id == "reach.breakdown":
        return list(query.breakdowns or BREAKDOWNS)
    return {"reach.fathers": ["sex"], "reach.workless": ["workless_household"]}.get(ind.id, [])


def categories_of(ind: Indicator, breakdowns: list[str]) -> list[str | None]:
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


def grid_with_programme(
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
