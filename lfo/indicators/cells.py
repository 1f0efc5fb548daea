"""The complete table of published cells that disclosure control v2 protects (indicators.md v2).

One row per published figure (``ROW_KEYS``): every indicator, every filter (``all``, each level,
each intervention, for indicators that take one), every period the data allows (quarters and
financial years), every area and the programme, every category; with the figure's numerator,
denominator and whether the area's return covers the period. Read from the summary tables with
one query per table, numerators and denominators only (no intervals, no trends): the engine's
own readers and grid (``figures``, ``_with_programme``) make them, so they are the engine's.

Rows that show the same count are one **cell** (``cell``): reach.parents, the funnel's referred
stage (every filter) and each breakdown's total; reach.families, reach.family_rate (a year),
reach.target for Q1, Q4 and the year; reach.fathers and the breakdown's sex:male (its numerator),
reach.workless and workless_household:yes. ``lfo.indicators.margins`` lists the tables (margins)
over these cells and ``lfo.indicators.protection`` decides which cells are hidden.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from lfo.indicators import disclosure
from lfo.indicators.definitions import indicators
from lfo.indicators.figures import figures, summary_columns
from lfo.indicators.grid import categories_of, grid_with_programme
from lfo.indicators.indicator import Indicator
from lfo.indicators.queries import coverage, read_summary, snapshot, summary_table_for
from lfo.indicators.request import available_periods
from lfo.periods import FinancialYear, Quarter, period
from lfo.reference import BREAKDOWNS, LEVELS, load_reference
from lfo.terms import PROGRAMME

ROW_KEYS = ["indicator", "grp", "area_code", "period", "category"]
NO_CATEGORY = ""  # the category of an indicator without categories, in the cell table
# kinds measured by n (not by the numerator) when choosing the smallest complement
_BY_N = frozenset({"mean", "ratio", "median"})
_NUMERATOR_ONLY = frozenset({"count", "target", "rate"})
FUNNEL_STAGES = ("referred", "offered", "started", "completed")
_SEP = "|"


def filters() -> list[str]:
    """Every filter of an indicator that takes one: all, each level, each intervention (in
    reference order)."""
    return ["all", *(f"level:{lv}" for lv in LEVELS), *load_reference().interventions]


@dataclass
class CellTable:
    """The published rows (``rows``: ROW_KEYS, numerator, denominator, covered, kind, cell,
    canonical) and, per cell (indexed by cell id), what the rule needs."""

    rows: pd.DataFrame
    cells: pd.DataFrame  # per cell: ROW_KEYS of its canonical row, numerator, denominator, ...
    coverage: pd.DataFrame
    periods: list[str]
    threshold: int


def build(conn: Connection, threshold: int = disclosure.THRESHOLD) -> CellTable:
    """Every published row of every indicator, filter, period, area and category."""
    snapshot(conn)
    cov = coverage(conn)
    periods = available_periods(cov)
    parts = []
    if periods:
        sources: dict[str, pd.DataFrame] = {}
        for ind in indicators().values():
            table = summary_table_for(ind.id)
            if table not in sources:
                sources[table] = read_summary(conn, table, periods)
            parts += _indicator_rows(ind, sources[table], cov, periods)
    rows = pd.concat(parts, ignore_index=True) if parts else _empty_rows()
    rows["category"] = rows["category"].fillna(NO_CATEGORY).astype(object)
    rows = _add_running_totals(rows, cov)
    rows["primary"] = _primary(rows, threshold)
    rows["empty"] = _empty(rows)
    cells = _cells(rows)
    return CellTable(rows, cells, cov, periods, threshold)


def _empty_rows() -> pd.DataFrame:
    columns = [*ROW_KEYS, "numerator", "denominator", "covered", "kind", "areas_pooled"]
    return pd.DataFrame(columns=columns)


def _indicator_rows(
    ind: Indicator, summary: pd.DataFrame, cov: pd.DataFrame, periods: list[str]
) -> list[pd.DataFrame]:
    """The engine's complete grid of one indicator, for each filter it takes."""
    if ind.id in ("reach.family_rate", "reach.target"):
        # reach.families' cells (a year's count; a rate's quarter is not applicable) and their
        # running totals (``_add_running_totals``)
        return []
    if ind.measure is not None and "measure" in summary:
        summary = summary[summary["measure"] == ind.measure]
    breakdowns = list(BREAKDOWNS) if ind.id == "reach.breakdown" else []
    cats = categories_of(ind, breakdowns)
    columns = [c for c in dict.fromkeys([*summary_columns(ind), "breakdown"]) if c in summary]
    if not ind.by_intervention:
        fig = figures(ind, summary[columns], breakdowns or None)
        df = grid_with_programme(ind, fig, cov, periods, cats)
        df["grp"] = "all"
    else:
        # every filter in one grid: the filter travels in the category ("grp|category")
        summary = summary.reset_index(drop=True)
        fig = figures(ind, summary[columns])
        grp = summary["grp"].to_numpy(dtype=object)
        grp = np.tile(grp, len(fig) // len(grp)) if len(grp) else grp
        own = fig["category"].to_numpy(dtype=object)
        fig["category"] = np.where(pd.isna(own), grp, grp + _SEP + own.astype(str))
        wanted = filters()
        joined = [g if c is None else f"{g}{_SEP}{c}" for g in wanted for c in cats]
        df = grid_with_programme(ind, fig, cov, periods, list(joined))
        parts = df["category"].astype(str).str.split(_SEP, n=1, expand=True)
        df["grp"] = parts[0].to_numpy()
        df["category"] = parts[1].to_numpy() if parts.shape[1] > 1 else None
    keep = ["area_code", "period", "category", "numerator", "denominator", "covered", "grp"]
    df = df[[*keep, "areas_pooled"]].copy()
    if ind.kind in _BY_N:
        df["numerator"] = np.nan
    df["indicator"], df["kind"] = ind.id, ind.kind
    return [df]


def _add_running_totals(rows: pd.DataFrame, cov: pd.DataFrame) -> pd.DataFrame:
    """reach.target's rows: the year-to-date families (Q2 and Q3 their own cells; Q1, Q4 and
    the year the families' count of Q1 and of the year)."""
    fam = rows[rows["indicator"] == "reach.families"]
    if fam.empty:
        return rows
    quarters = fam[fam["period"].map(lambda p: period(p).is_quarter)].copy()
    parsed = quarters["period"].map(period)
    quarters["_fy"] = parsed.map(lambda p: p.fy)
    quarters["_q"] = parsed.map(lambda p: p.q)
    quarters = quarters.sort_values(["area_code", "_fy", "_q"])
    quarters["_cum"] = quarters.groupby(["area_code", "_fy"])["numerator"].cumsum()
    target = fam.copy()
    target["indicator"], target["kind"] = "reach.target", "target"
    cum = quarters.set_index(["area_code", "period"])["_cum"]
    at = pd.MultiIndex.from_frame(target[["area_code", "period"]])
    running = cum.reindex(at).to_numpy()
    is_q = target["period"].map(lambda p: period(p).is_quarter).to_numpy(dtype=bool)
    programme = (target["area_code"] == PROGRAMME).to_numpy()
    values = np.where(is_q & ~programme, running, target["numerator"].to_numpy(dtype=float))
    target["numerator"] = values
    target = _programme_running(target, cov)
    return pd.concat([rows, target], ignore_index=True)


def _programme_running(target: pd.DataFrame, cov: pd.DataFrame) -> pd.DataFrame:
    """The programme's year-to-date families: the sum over the areas covering the quarter."""
    areas = target[(target["area_code"] != PROGRAMME) & target["covered"].astype(bool)]
    pooled = areas.groupby("period")["numerator"].sum()
    prog = (target["area_code"] == PROGRAMME).to_numpy()
    quarter = target["period"].map(lambda p: period(p).is_quarter).to_numpy(dtype=bool)
    at = prog & quarter
    target.loc[at, "numerator"] = target.loc[at, "period"].map(pooled).to_numpy()
    return target


def _primary(rows: pd.DataFrame, threshold: int) -> np.ndarray:
    num = rows["numerator"].to_numpy(dtype=float)
    den = rows["denominator"].to_numpy(dtype=float)
    only_num = (
        rows["kind"].isin(_NUMERATOR_ONLY).to_numpy()
        | ((rows["kind"] == "funnel") & (rows["category"] == "referred")).to_numpy()
    )
    small_num = (num > 0) & (num < threshold)
    with np.errstate(invalid="ignore"):
        small_den = ~only_num & (den < threshold) & ~(den == 0)
    covered = rows["covered"].astype(bool).to_numpy()
    out: np.ndarray = covered & (small_num | small_den)
    return out


def _empty(rows: pd.DataFrame) -> np.ndarray:
    """0 of 0: a covered row with a denominator of 0 (status x, published, never a complement)."""
    den = rows["denominator"].to_numpy(dtype=float)
    has_den = (
        ~rows["kind"].isin(_NUMERATOR_ONLY).to_numpy()
        & ~((rows["kind"] == "funnel") & (rows["category"] == "referred")).to_numpy()
    )
    out: np.ndarray = rows["covered"].astype(bool).to_numpy() & has_den & (den == 0)
    return out


def canonical_keys(rows: pd.DataFrame) -> pd.DataFrame:
    """The ROW_KEYS of the cell each row shows (its own, unless it shows another's count)."""
    key = rows[ROW_KEYS].copy()
    ind, cat, per = rows["indicator"], rows["category"], rows["period"]
    referred = (ind == "uptake.funnel") & (cat == "referred")
    key.loc[referred, ["indicator", "grp", "category"]] = ["reach.parents", "all", NO_CATEGORY]
    fathers = ind == "reach.fathers"
    key.loc[fathers, ["indicator", "category"]] = ["reach.breakdown", "sex:male"]
    workless = ind == "reach.workless"
    key.loc[workless, ["indicator", "category"]] = ["reach.breakdown", "workless_household:yes"]
    target = (ind == "reach.target").to_numpy()
    parsed = [period(p) for p in per[target]]
    q = np.array([p.q if isinstance(p, Quarter) else 4 for p in parsed], dtype=np.int64)
    years = np.array([FinancialYear(p.fy).label for p in parsed], dtype=object)
    at = np.flatnonzero(target)
    to_families = at[(q == 1) | (q == 4)]
    key.iloc[to_families, key.columns.get_loc("indicator")] = "reach.families"
    to_year = at[q == 4]
    key.iloc[to_year, key.columns.get_loc("period")] = years[q == 4]
    return key


def _cells(rows: pd.DataFrame) -> pd.DataFrame:
    """Number the cells; each row's ``cell`` and ``canonical`` (the row that owns the cell)."""
    key = canonical_keys(rows)
    rows["canonical"] = (key[ROW_KEYS] == rows[ROW_KEYS]).all(axis=1).to_numpy()
    owners = rows[rows["canonical"]]
    index = pd.MultiIndex.from_frame(owners[ROW_KEYS].astype(object))
    if not index.is_unique:
        raise RuntimeError("two rows claim the same cell")
    cell = index.get_indexer(pd.MultiIndex.from_frame(key[ROW_KEYS].astype(object)))
    # a row whose cell's owner is not published (e.g. a year no return covers) keeps its own
    lone = cell < 0
    if lone.any():
        rows.loc[lone, "canonical"] = True
        owners = rows[rows["canonical"]]
        index = pd.MultiIndex.from_frame(owners[ROW_KEYS].astype(object))
        cell = index.get_indexer(pd.MultiIndex.from_frame(key[ROW_KEYS].astype(object)))
    rows["cell"] = cell
    cells = owners.reset_index(drop=True).copy()
    n = len(cells)
    cells["primary"] = np.bincount(cell, weights=rows["primary"].astype(float), minlength=n) > 0
    cells["empty"] = np.bincount(cell, weights=(~rows["empty"]).astype(float), minlength=n) == 0
    num = cells["numerator"].to_numpy(dtype=float)
    den = cells["denominator"].to_numpy(dtype=float)
    by_n = cells["kind"].isin(_BY_N).to_numpy()
    cells["size"] = np.where(by_n, den, num)
    cells["informative"] = cells["covered"].astype(bool) & (np.isfinite(num) | np.isfinite(den))
    cells["tie"] = _tie_rank(cells)
    return cells


def _tie_rank(cells: pd.DataFrame) -> np.ndarray:
    """One rank breaking every tie the rule meets: lowest area code (the programme last), first
    category and intervention in reference order, earliest period (a quarter before its year)."""
    area = cells["area_code"].where(cells["area_code"] != PROGRAMME, "~")
    cat_rank = {NO_CATEGORY: -1}
    for i, stage in enumerate(FUNNEL_STAGES):
        cat_rank[stage] = i
    n = 0
    for b, codes in BREAKDOWNS.items():
        for c in codes:
            cat_rank[f"{b}:{c}"] = n
            n += 1
    grp_rank = {g: i for i, g in enumerate(filters())}
    per = cells["period"].map(_period_rank)
    frame = pd.DataFrame(
        {
            "a": area.to_numpy(),
            "c": cells["category"].map(cat_rank).fillna(10_000).to_numpy(),
            "g": cells["grp"].map(grp_rank).fillna(10_000).to_numpy(),
            "p": per.to_numpy(),
        }
    )
    order = frame.sort_values(["a", "c", "g", "p"], kind="mergesort").index.to_numpy()
    rank = np.empty(len(cells), dtype=np.int64)
    rank[order] = np.arange(len(cells))
    return rank


def _period_rank(code: str) -> int:
    p = period(code)
    return p.index * 2 if isinstance(p, Quarter) else Quarter(p.fy, 4).index * 2 + 1
