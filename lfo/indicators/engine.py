"""The indicator engine: the one place where every published figure is made.

``compute(conn, query, plan)`` reads the summary tables for all areas and the periods asked (plus
the four quarters before each, for the trend), adds the programme (covered areas pooled), computes
values and intervals, compares each area with the programme (or, when the query names another
benchmark, with its group: ``lfo.indicators.benchmarks``), tests the recent trend, applies
disclosure control from the plan (``lfo.indicators.protection``: the cells hidden in the complete
published set, worked out once per data version), and only then keeps the areas asked for.

The query and result types and the choice of periods are in ``lfo.indicators.request`` (imported
here for the engine's callers); the computations of each kind of indicator are in
``lfo.indicators.kinds``; the complete grid in ``lfo.indicators.grid``. Callers computing many
results for one data version should make the plan once (``make_plan``) and pass it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from lfo.indicators import benchmarks, kinds
from lfo.indicators.figures import figures, summary_columns
from lfo.indicators.grid import breakdowns_of, categories_of, grid_with_programme
from lfo.indicators.indicator import Indicator
from lfo.indicators.protection import Plan, make_plan
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
    select_periods,
    trend_windows,
)
from lfo.periods import FinancialYear, is_quarter, period
from lfo.terms import PROGRAMME, PROGRAMME_LABEL


def compute(conn: Connection, query: Query, plan: Plan | None = None) -> Result:
    """The rows of every indicator of ``query`` (in its order) with the result's metadata.

    ``plan``: the disclosure plan of this data version at the query's threshold (made here when
    None or made at another threshold): which cells of the complete published set are hidden.
    """
    snapshot(conn)  # every read below sees the same committed data
    cov = coverage(conn)
    if query.indicators and (plan is None or plan.threshold != query.threshold):
        plan = make_plan(conn, query.threshold)
    parts = []
    for ind in query.indicators:
        assert plan is not None
        parts.append(_compute_one(conn, ind, query, cov, plan))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return Result(rows, ResultMeta(_iso(data_as_at(conn)), query.threshold))


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _compute_one(
    conn: Connection, ind: Indicator, query: Query, cov: pd.DataFrame, plan: Plan
) -> pd.DataFrame:
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
        breakdowns=None if table != "sum_reach" else ["all", *breakdowns_of(ind, query)],
        columns=summary_columns(ind),
    )
    fig = figures(ind, summary, breakdowns_of(ind, query))
    df = grid_with_programme(ind, fig, cov, needed, categories_of(ind, breakdowns_of(ind, query)))
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
    grp = query.grp if ind.by_intervention else "all"
    df = kinds.apply_plan(ind, df, plan.hidden_mask(ind.id, grp, df))
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
    if query.benchmark != benchmarks.PROGRAMME_KIND:
        members = benchmarks.groups(cov, query.benchmark)
        df = benchmarks.add_group_benchmark(ind, df, members, query.benchmark, conf)
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
    extras = [
        c for c in ("benchmark", *benchmarks.COLUMNS, "areas_pooled", "return_period") if c in df
    ]
    return df.reindex(columns=ROW_COLUMNS + extras).reset_index(drop=True)


def _row_order(df: pd.DataFrame, order: dict[str, int]) -> np.ndarray:
    """Positions sorting rows by period order, areas before the programme, area code, then
    category (missing first): a stable sort of integer codes, as sort_values on the columns."""
    period_order = df["period"].map(order).to_numpy()
    is_programme = (df["area_code"] == PROGRAMME).to_numpy()
    area, _ = pd.factorize(df["area_code"], sort=True)
    category, _ = pd.factorize(df["category"].astype(object), sort=True)  # missing: -1, first
    return np.lexsort([category, area, is_programme, period_order])
