"""A return's participant and episode IDs as integer codes, for the rules across sheets.

The rules of ``etl.checks.rows`` (duplicate keys, references to another sheet, dates against
another sheet's) compare the same ID columns many times. ``IdCodes`` factorises each ID column
once across the three sheets, so that those rules work on integer arrays with numpy: the same
answers as comparing the texts (equal codes are equal IDs), without a hash lookup per rule.
A code of -1 is a missing ID (the cell was empty or failed its cell rule).
"""

from __future__ import annotations

from functools import cached_property

import numpy as np
import pandas as pd

SHEETS = ("participants", "interventions", "outcomes")
MISSING = -1


class IdCodes:
    """``pid[sheet]`` and ``eid[sheet]``: the codes of each sheet's participant_id and
    episode_id, one per row; a code means the same ID in every sheet."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.pid, self.n_pid = _codes(tables, "participant_id")
        self.eid, self.n_eid = _codes(tables, "episode_id")

    @cached_property
    def episode_row_of_outcome(self) -> np.ndarray:
        """For each outcomes row, the position of its episode's first row in the interventions
        sheet (-1: the episode is missing or not there)."""
        first = first_rows(self.eid["interventions"], self.n_eid)
        return lookup(first, self.eid["outcomes"], MISSING)

    @cached_property
    def participant_row_of_intervention(self) -> np.ndarray:
        """For each interventions row, the position of its participant's first row in the
        participants sheet (-1: the participant is missing or not there)."""
        first = first_rows(self.pid["participants"], self.n_pid)
        return lookup(first, self.pid["interventions"], MISSING)


def _codes(tables: dict[str, pd.DataFrame], column: str) -> tuple[dict[str, np.ndarray], int]:
    sheets = [s for s in SHEETS if s in tables and column in tables[s].columns]
    if not sheets:
        return {}, 0
    joined = pd.concat([tables[s][column] for s in sheets], ignore_index=True)
    codes, uniques = pd.factorize(joined)  # missing -> -1
    out: dict[str, np.ndarray] = {}
    start = 0
    for s in sheets:
        end = start + len(tables[s])
        out[s] = codes[start:end].astype(np.int64)
        start = end
    return out, len(uniques)


def first_rows(codes: np.ndarray, n: int) -> np.ndarray:
    """For each of the ``n`` codes, the position of its first row in ``codes`` (-1: none)."""
    first = np.full(n, MISSING, dtype=np.int64)
    present = np.flatnonzero(codes >= 0)
    found, at = np.unique(codes[present], return_index=True)
    first[found] = present[at]
    return first


def lookup(table: np.ndarray, codes: np.ndarray, fill: object) -> np.ndarray:
    """``table[code]`` for each code; ``fill`` where the code is missing."""
    out = np.full(len(codes), fill, dtype=table.dtype)
    ok = codes >= 0
    out[ok] = table[codes[ok]]
    return out


def present_in(codes: np.ndarray, n: int) -> np.ndarray:
    """For each of the ``n`` codes, whether it occurs in ``codes``."""
    seen = np.zeros(n, dtype=bool)
    seen[codes[codes >= 0]] = True
    return seen


def values_at(values: pd.Series, positions: np.ndarray, index: pd.Index) -> pd.Series:
    """``values`` at each position (missing where the position is -1), on ``index``."""
    return values.reset_index(drop=True).reindex(positions).set_axis(index)


def combined(parts: list[np.ndarray]) -> np.ndarray:
    """One code per row for the combination of several code columns (-1 where any is missing);
    equal combinations get equal codes."""
    complete = np.logical_and.reduce([p >= 0 for p in parts])
    key = parts[0].astype(np.int64)
    for part in parts[1:]:
        # kept below the number of rows by factorising at each step (no overflow)
        key = pd.factorize(key * (int(part.max(initial=0)) + 1) + np.maximum(part, 0))[0]
    return np.where(complete, key, MISSING).astype(np.int64)
