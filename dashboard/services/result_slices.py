"""Slices of a whole result: what a request's periods, areas and breakdowns take from one
indicator's rows for every area and period (``dashboard.services.indicator_data`` caches the
whole results and serves these).

A whole result at national scale holds tens of thousands of rows (153 areas and the programme ×
50 quarters and years × categories), and a page asks for one period of it. Testing every row for
every request made the first request for a period cost a mask per indicator (the area spine's 19
indicators × 3 benchmarks: 0.14 s). ``PeriodIndex`` is made once per whole result (per data
version): where each period's rows are. A slice then reads only its periods' rows.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from lfo.indicators.request import ROW_COLUMNS, Query, select_periods


def whole(query: Query) -> Query:
    """``query`` for every area, period and breakdown: what the cache holds and slices."""
    return replace(
        query, areas=None, periods=None, period_from=None, period_to=None, breakdowns=None
    )


@dataclass(frozen=True)
class PeriodIndex:
    """Where each period's rows are in a whole result: its periods in order of appearance (the
    engine's order) and, for each, the positions of its rows in ascending order."""

    periods: tuple[str, ...]
    positions: dict[str, np.ndarray]

    @classmethod
    def of(cls, rows: pd.DataFrame) -> PeriodIndex:
        if rows.empty:
            return cls((), {})
        codes, uniques = pd.factorize(rows["period"], sort=False)  # order of appearance
        order = np.argsort(codes, kind="stable")  # each period's positions stay ascending
        bounds = np.searchsorted(codes[order], np.arange(len(uniques) + 1))
        positions = {
            str(p): order[bounds[i] : bounds[i + 1]] for i, p in enumerate(uniques.tolist())
        }
        return cls(tuple(positions), positions)

    def covers(self, query: Query) -> bool:
        """Whether every period ``query`` names has rows here (a period before or after the data
        has none: the engine still answers for it, each area marked not available)."""
        return not query.periods or set(query.periods) <= set(self.positions)


def slice_rows(
    rows: pd.DataFrame,
    query: Query,
    areas: Sequence[str] | None,
    index: PeriodIndex | None = None,
) -> pd.DataFrame:
    """The rows of one indicator's whole result (every area and period) that ``query`` and
    ``areas`` ask for, in the engine's order. ``index``: the result's ``PeriodIndex`` when the
    caller keeps one (made here otherwise)."""
    if rows.empty:
        return rows
    index = index if index is not None else PeriodIndex.of(rows)
    chosen = select_periods(list(index.periods), query)
    if not chosen:
        return pd.DataFrame(columns=ROW_COLUMNS)
    part = rows
    if len(chosen) < len(index.periods):
        positions = np.sort(np.concatenate([index.positions[p] for p in chosen]))
        part = rows.take(positions)
    keep = np.ones(len(part), dtype=bool)
    if areas is not None:
        keep &= part["area_code"].isin(list(areas)).to_numpy()
    if query.breakdowns:
        prefixes = tuple(f"{b}:" for b in query.breakdowns)
        keep &= part["category"].astype(str).str.startswith(prefixes).to_numpy(dtype=bool)
    if part is rows and bool(keep.all()):
        return rows
    return part[keep].reset_index(drop=True)
