"""The sentences at the top of the overview: coverage, the programme's figures, the areas worse
and better than the programme, the figures mostly suppressed and the areas that need attention.

Pure: the engine's rows of the grid's indicators (at the confidence level the reader chose) in,
sentences out.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.present import benchmark as bench
from dashboard.present.confidence import DEFAULT_CI, checked
from dashboard.present.overview_grid import (
    GRID_HEADERS,
    GRID_INDICATORS,
    area_rows,
    needs_attention,
)
from dashboard.present.overview_headlines import has_value
from dashboard.present.words import count_words, fmt, join_names, period_label
from lfo.indicators.definitions import indicators
from lfo.periods import is_quarter
from lfo.terms import PROGRAMME


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


def overview_summary(
    rows: pd.DataFrame, code: str, ci: str = DEFAULT_CI, benchmark: str = bench.DEFAULT_BENCHMARK
) -> list[str]:
    """Plain-English sentences for the top of the page, from the grid's rows (compared at
    ``ci`` with ``benchmark``)."""
    shown = period_label(code)
    at = f"({checked(ci)}% limits)"
    against = bench.their(benchmark)
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
            f"In {shown}, {n_areas} of {covered} areas {_was(n_areas)} worse than "
            f"{against} {at} on at least one key indicator: {'; '.join(parts)}."
        )
    else:
        out.append(
            f"In {shown}, no area was worse than {against} {at} on any of the key indicators."
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
            f"than {against} {at} on at least one: {_names(named)}."
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
            f"(worse than {against} {at} and getting worse): {_names(names)}."
        )
    return out
