"""Numerators, denominators and sufficient statistics of each indicator, from summary rows.

Pure pandas: summary rows (all areas, some periods) in, one row per area x period x category out,
with ``numerator``, ``denominator`` and, for means, ``n``, ``total``, ``sumsq``; for medians the
histogram stays in the summary rows and is pooled by the engine. The programme is added by
summing covered areas (``pool``), so each figure is defined once for areas and programme alike.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from lfo.indicators.indicator import Indicator
from lfo.reference import BREAKDOWNS

KEYS = ["area_code", "period", "category"]
SUMS = ["numerator", "denominator", "n", "total", "sumsq"]

# a column's values: a Series or array (one per row of the frame) or a scalar such as None or
# pd.NA (the same for every row)
Values = Any


def _frame(
    df: pd.DataFrame,
    category: Values,
    numerator: Values,
    denominator: Values,
    n: Values = None,
    total: Values = None,
    sumsq: Values = None,
) -> pd.DataFrame:
    out = pd.DataFrame(
        {
            "area_code": df["area_code"],
            "period": df["period"],
            "category": category,
            "numerator": numerator,
            "denominator": denominator,
        }
    )
    out["n"] = n if n is not None else pd.NA
    out["total"] = total if total is not None else pd.NA
    out["sumsq"] = sumsq if sumsq is not None else pd.NA
    return out


def _reach(ind: Indicator, s: pd.DataFrame, breakdowns: list[str]) -> pd.DataFrame:
    wide_all = s[s["breakdown"] == "all"][["area_code", "period", "parents"]]
    if ind.id == "reach.parents":
        return _frame(wide_all, None, wide_all["parents"], pd.NA)
    if ind.id == "reach.breakdown":
        cats = s[s["breakdown"].isin(breakdowns)]
        # every category of the breakdown, including those with no parents (a real zero)
        grid = []
        for b in breakdowns:
            for c in BREAKDOWNS[b]:
                grid.append((b, c))
        keys = wide_all[["area_code", "period"]].drop_duplicates()
        placed = _breakdown_grid(keys, grid, cats, wide_all)
        if placed is not None:
            return placed
        full = keys.merge(pd.DataFrame(grid, columns=["breakdown", "category"]), how="cross")
        full = full.merge(cats, on=["area_code", "period", "breakdown", "category"], how="left")
        full = full.merge(
            wide_all.rename(columns={"parents": "all_parents"}),
            on=["area_code", "period"],
            how="left",
        )
        return _frame(
            full,
            full["breakdown"] + ":" + full["category"],
            full["parents"].fillna(0),
            full["all_parents"].fillna(0),
        )
    column = "sex" if ind.id == "reach.fathers" else "workless_household"
    yes = "male" if ind.id == "reach.fathers" else "yes"
    sub = s[s["breakdown"] == column]
    stated = sub[sub["category"] != "not_stated"].groupby(["area_code", "period"])["parents"].sum()
    hits = sub[sub["category"] == yes].groupby(["area_code", "period"])["parents"].sum()
    df = stated.rename("den").to_frame().join(hits.rename("num")).fillna(0).reset_index()
    return _frame(df, None, df["num"], df["den"])


def _breakdown_grid(
    keys: pd.DataFrame, grid: list[tuple[str, str]], cats: pd.DataFrame, wide_all: pd.DataFrame
) -> pd.DataFrame | None:
    """Every area x period x category of the breakdowns with its parents and the area's total,
    as the cross join and two left merges give it, by key positions. None where a key repeats."""
    n_g = len(grid)
    area_codes, _areas = pd.factorize(
        pd.concat([keys["area_code"], cats["area_code"], wide_all["area_code"]]).to_numpy(
            dtype=object
        )
    )
    period_codes, periods = pd.factorize(
        pd.concat([keys["period"], cats["period"], wide_all["period"]]).to_numpy(dtype=object)
    )
    pair = area_codes.astype(np.int64) * (len(periods) + 1) + period_codes
    n_k, n_c = len(keys), len(cats)
    key_pair, cat_pair, all_pair = pair[:n_k], pair[n_k : n_k + n_c], pair[n_k + n_c :]
    key_index = pd.Index(key_pair)
    if not key_index.is_unique or not pd.Index(all_pair).is_unique:
        return None
    slot = {g: i for i, g in enumerate(grid)}
    if len(slot) != n_g:
        return None
    cat_slot = np.array(
        [
            slot.get(bc, -1)
            for bc in zip(
                cats["breakdown"].to_numpy(dtype=object),
                cats["category"].to_numpy(dtype=object),
                strict=True,
            )
        ],
        dtype=np.int64,
    )
    row = key_index.get_indexer(cat_pair)
    ok = (row >= 0) & (cat_slot >= 0)
    target = row[ok].astype(np.int64) * n_g + cat_slot[ok]
    if len(np.unique(target)) != len(target):
        return None
    parents = np.zeros(n_k * n_g)
    parents[target] = cats["parents"].to_numpy(dtype=float)[ok]
    all_row = pd.Index(all_pair).get_indexer(key_pair)
    totals = np.where(all_row >= 0, wide_all["parents"].to_numpy(dtype=float)[all_row], 0.0)
    full = pd.DataFrame(
        {
            "area_code": np.repeat(keys["area_code"].to_numpy(), n_g),
            "period": np.repeat(keys["period"].to_numpy(), n_g),
        }
    )
    labels = np.array([f"{b}:{c}" for b, c in grid], dtype=object)
    return _frame(full, np.tile(labels, n_k), parents, np.repeat(totals, n_g))


def _uptake(ind: Indicator, s: pd.DataFrame) -> pd.DataFrame:
    if ind.id == "uptake.start":
        return _frame(s, None, s["started"], s["answered"])
    if ind.id == "uptake.completion":
        return _frame(s, None, s["completed"], s["ended"])
    if ind.id == "uptake.attendance":
        return _frame(
            s,
            None,
            pd.NA,
            s["attendance_n"],
            s["attendance_n"],
            s["attendance_sum"] * 100,
            s["attendance_sumsq"] * 10_000,
        )
    if ind.id == "uptake.both_parents":
        return _frame(s, None, s["two_started"], s["families"])
    if ind.id == "uptake.funnel":
        parts = []
        previous = None
        for stage in ("referred", "offered", "started", "completed"):
            den = s[previous] if previous else pd.NA
            parts.append(_frame(s, stage, s[stage], den))
            previous = stage
        return pd.concat(parts, ignore_index=True)
    if ind.id == "uptake.days_to_start":
        g = s.groupby(["area_code", "period"], as_index=False)["participants"].sum()
        return _frame(g, None, pd.NA, g["participants"])
    raise KeyError(ind.id)


def _outcome(ind: Indicator, s: pd.DataFrame) -> pd.DataFrame:
    suffix = ind.id.split(".", 2)[2]
    if suffix in _OUTCOME_COLUMNS:
        num, den = _OUTCOME_COLUMNS[suffix]
        return _frame(s, None, s[num], s[den])
    prefix = _MOMENT_PREFIX[suffix]
    return _frame(
        s, None, pd.NA, s[f"{prefix}_n"], s[f"{prefix}_n"], s[f"{prefix}_sum"], s[f"{prefix}_sumsq"]
    )


# outcome indicators that are a proportion: their numerator and denominator columns
_OUTCOME_COLUMNS = {
    "paired": ["paired", "with_baseline"],
    "reliable_improvement": ["improved", "paired"],
    "reliable_deterioration": ["deteriorated", "paired"],
    "recovery": ["recovered", "case_baseline"],
    "reliable_recovery": ["reliable_recovered", "case_baseline"],
    "followup_6m_response": ["fu6_n", "with_baseline"],
    "followup_12m_response": ["fu12_n", "with_baseline"],
}
# outcome indicators that are a mean (or a mean over an SD): the prefix of their moments' columns
_MOMENT_PREFIX = {
    "change": "change",
    "effect_size": "change",
    "sustained_6m": "fu6",
    "sustained_12m": "fu12",
}
_UPTAKE_COLUMNS = {
    "uptake.start": ["started", "answered"],
    "uptake.completion": ["completed", "ended"],
    "uptake.attendance": ["attendance_n", "attendance_sum", "attendance_sumsq"],
    "uptake.both_parents": ["two_started", "families"],
    "uptake.funnel": ["referred", "offered", "started", "completed"],
    "uptake.days_to_start": ["days", "participants"],
}


def summary_columns(ind: Indicator) -> list[str]:
    """The summary-table columns ``figures`` (and the engine's medians) read for an indicator."""
    keys = ["area_code", "period"]
    if ind.id in ("reach.parents", "reach.fathers", "reach.workless", "reach.breakdown"):
        return [*keys, "breakdown", "category", "parents"]
    if ind.id in ("reach.families", "reach.family_rate", "reach.target"):
        return [*keys, "families"]
    if ind.id in _UPTAKE_COLUMNS:
        return [*keys, *_UPTAKE_COLUMNS[ind.id]]
    suffix = ind.id.split(".", 2)[2]
    if suffix in _OUTCOME_COLUMNS:
        return [*keys, *_OUTCOME_COLUMNS[suffix]]
    prefix = _MOMENT_PREFIX[suffix]
    return [*keys, f"{prefix}_n", f"{prefix}_sum", f"{prefix}_sumsq"]


def figures(
    ind: Indicator, summary: pd.DataFrame, breakdowns: list[str] | None = None
) -> pd.DataFrame:
    """One row per area x period (x category) with numerator, denominator and moments."""
    if summary.empty:
        empty = pd.DataFrame(columns=KEYS + SUMS)
        return empty.astype(dict.fromkeys(SUMS, float) | dict.fromkeys(KEYS, object))
    if ind.topic == "reach" and ind.id.startswith(
        ("reach.parents", "reach.fathers", "reach.workless", "reach.breakdown")
    ):
        out = _reach(ind, summary, breakdowns or list(BREAKDOWNS))
    elif ind.id in ("reach.families", "reach.family_rate", "reach.target"):
        out = _frame(summary, None, summary["families"], pd.NA)
    elif ind.topic == "uptake":
        out = _uptake(ind, summary)
    else:
        out = _outcome(ind, summary)
    for c in SUMS:
        out[c] = pd.to_numeric(out[c], errors="coerce").astype(float)
    return out.reset_index(drop=True)
