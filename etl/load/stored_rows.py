"""A checked return in the form the database stores it: IDs hashed, dates ISO, E210 values masked.

The three sheets become rows (tuples, in the column order given) of ``participants``, ``episodes`` and
``outcomes``; findings and held-back rows become rows of ``etl_findings`` and ``etl_held_back``.
Everything is column-wise pandas; the only per-item Python is hashing each distinct ID once.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from etl.pseudonymise import ID_COLUMNS, Hasher
from lfo.findings import mask_personal
from lfo.reference import load_reference

NOT_STATED = "not_stated"

PARTICIPANT_OPTIONAL = (
    "sex",
    "age_band",
    "ethnicity",
    "relationship_status",
    "workless_household",
    "youngest_child_age_band",
)
PARTICIPANT_COLUMNS = (
    "participant_key",
    "area_code",
    "family_key",
    "referral_date",
    "referral_source",
    *PARTICIPANT_OPTIONAL,
)
EPISODE_COLUMNS = (
    "episode_key",
    "area_code",
    "participant_key",
    "intervention",
    "offered_date",
    "status",
    "start_date",
    "end_date",
    "sessions_planned",
    "sessions_attended",
    "delivery_mode",
)
OUTCOME_COLUMNS = (
    "episode_key",
    "measure",
    "timepoint",
    "area_code",
    "participant_key",
    "measured_date",
    "score_raw",
    "score",
)

Rows = tuple[Sequence[str], list[tuple[Any, ...]]]


def _plain(values: pd.Series | np.ndarray | list[Any]) -> list[Any]:
    """A column as a Python list with None for missing (ints stay ints, dates become ISO text)."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    present = s.notna()
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        s = s.dt.strftime("%Y-%m-%d")
    plain: list[Any] = s.astype(object).where(present, None).tolist()
    return plain


def _codes(frame: pd.DataFrame, column: str) -> pd.Series:
    if column not in frame.columns:
        return pd.Series(NOT_STATED, index=frame.index, dtype=object)
    return frame[column].astype(object).where(frame[column].notna(), NOT_STATED)


def _int_column(frame: pd.DataFrame, column: str) -> pd.Series:
    return frame[column].astype("Int64")


class RowList(list[tuple[Any, ...]]):
    """Rows as tuples (what ``executemany`` takes) that also keep the column lists they were
    zipped from (``columns``), so the summaries can build frames without transposing back."""

    columns: list[list[Any]]


def _tuples(columns: list[list[Any]]) -> list[tuple[Any, ...]]:
    rows = RowList(zip(*columns, strict=True))
    rows.columns = columns
    return rows


def participant_rows(frame: pd.DataFrame, area: str, keys: dict[str, list[Any]]) -> Rows:
    n = len(frame)
    cols = [
        keys["participant_id"],
        [area] * n,
        keys["family_id"],
        _plain(frame["referral_date"]),
        _plain(frame["referral_source"]),
        *(_plain(_codes(frame, c)) for c in PARTICIPANT_OPTIONAL),
    ]
    return PARTICIPANT_COLUMNS, _tuples(cols)


def episode_rows(frame: pd.DataFrame, area: str, keys: dict[str, list[Any]]) -> Rows:
    n = len(frame)
    cols = [
        keys["episode_id"],
        [area] * n,
        keys["participant_id"],
        _plain(frame["intervention"]),
        _plain(frame["offered_date"]),
        _plain(frame["status"]),
        _plain(frame["start_date"]),
        _plain(frame["end_date"]),
        _plain(_int_column(frame, "sessions_planned")),
        _plain(_int_column(frame, "sessions_attended")),
        _plain(_codes(frame, "delivery_mode")),
    ]
    return EPISODE_COLUMNS, _tuples(cols)


def metric_scores(measure: pd.Series, raw: pd.Series) -> pd.Series:
    """Scores on each measure's scale: SWEMWBS raw totals through the conversion table."""
    score = raw.astype("Float64")
    swemwbs = (measure == "swemwbs").to_numpy()
    if swemwbs.any():
        conversion = pd.Series(load_reference().swemwbs_metric, dtype="Float64")
        score[swemwbs] = raw[swemwbs].map(conversion)
    return score


def outcome_rows(frame: pd.DataFrame, area: str, keys: dict[str, list[Any]]) -> Rows:
    n = len(frame)
    raw = _int_column(frame, "score")
    score = metric_scores(frame["measure"], raw)
    cols = [
        keys["episode_id"],
        _plain(frame["measure"]),
        _plain(frame["timepoint"]),
        [area] * n,
        keys["participant_id"],
        _plain(frame["measured_date"]),
        _plain(raw),
        _plain(score),
    ]
    return OUTCOME_COLUMNS, _tuples(cols)


def data_rows(tables: dict[str, pd.DataFrame], area: str, hasher: Hasher) -> dict[str, Rows]:
    """The three sheets as rows of the data tables (``interventions`` -> ``episodes``)."""
    keys = hashed_ids(tables, hasher)
    return {
        "participants": participant_rows(tables["participants"], area, keys["participants"]),
        "episodes": episode_rows(tables["interventions"], area, keys["interventions"]),
        "outcomes": outcome_rows(tables["outcomes"], area, keys["outcomes"]),
    }


def hashed_ids(tables: dict[str, pd.DataFrame], hasher: Hasher) -> dict[str, dict[str, list[Any]]]:
    """sheet -> ID column -> hashed values; each ID column hashed across the sheets at once."""
    out: dict[str, dict[str, list[Any]]] = {sheet: {} for sheet in tables}
    for column in ID_COLUMNS:
        sheets = [s for s, frame in tables.items() if column in frame.columns]
        if not sheets:
            continue
        joined = pd.concat([tables[s][column].astype(object) for s in sheets], ignore_index=True)
        hashed = hasher.series(joined).tolist()
        start = 0
        for s in sheets:
            end = start + len(tables[s])
            out[s][column] = hashed[start:end]
            start = end
    return out


# --- bookkeeping rows --------------------------------------------------------------------------


_QUOTED = re.compile(r"'([^']+)'")


def _id_columns_of(column: object) -> list[str] | None:
    """The column names of a finding (composite keys are comma-joined) if any is an ID column."""
    if not isinstance(column, str):
        return None
    names = [c.strip() for c in column.split(",")]
    return names if any(n in ID_COLUMNS for n in names) else None


def _hash_value(value: str, names: list[str], hasher: Hasher) -> str:
    if len(names) == 1:
        return hasher.one(value)
    parts = value.split(", ")
    if len(parts) != len(names):
        return hasher.one(value)
    return ", ".join(
        hasher.one(p) if n in ID_COLUMNS else p for p, n in zip(parts, names, strict=True)
    )


def stored_findings(
    findings: pd.DataFrame, hasher: Hasher | None, raw_ids: set[str]
) -> tuple[list[Any], list[Any]]:
    """(values, messages) of findings as stored: IDs hashed, E210 values masked.

    A value in an ID column (or in a composite key holding one) is hashed part by part; in the
    message, that raw value and every quoted text that is one of the file's raw IDs become hashes
    too, so no raw ID reaches the database. Findings of other columns are stored as they are.
    """
    values = _plain(findings["value"].astype(object).where(findings["value"].notna(), None))
    messages = _plain(findings["message"])
    ids = raw_ids | {
        str(v)
        for v, c in zip(values, findings["column"], strict=True)
        if v is not None and _id_columns_of(c)
    }

    def scrub(match: re.Match[str]) -> str:
        text = match.group(1)
        if hasher is None:
            return "'[ID]'"
        return f"'{hasher.one(text)}'"

    for i, (code, column) in enumerate(zip(findings["code"], findings["column"], strict=True)):
        value = values[i]
        if code == "E210":
            values[i] = mask_personal(None if value is None else str(value))
            if value is not None and messages[i]:
                messages[i] = messages[i].replace(str(value), values[i])
            continue
        names = _id_columns_of(column)
        if names and value is not None:
            stored = "[ID]" if hasher is None else _hash_value(str(value), names, hasher)
            values[i] = stored
            if messages[i]:
                messages[i] = messages[i].replace(str(value), stored)
        if messages[i] and "'" in messages[i] and (names or ids):
            messages[i] = _QUOTED.sub(
                lambda m: scrub(m) if m.group(1) in ids else m.group(0), messages[i]
            )
    return values, messages


class StoredFindings:
    """A file's findings in their stored form, and the same scrubbing for held-back reasons."""

    def __init__(self, findings: pd.DataFrame, hasher: Hasher | None, raw_ids: set[str]) -> None:
        self.findings = findings
        self.hasher = hasher
        self.ids = set(raw_ids)
        self.values, self.messages = stored_findings(findings, hasher, self.ids)
        self._by_row: dict[tuple[str, int], list[tuple[str, str]]] = {}
        for sheet, row, raw, stored in zip(
            findings["sheet"],
            findings["row"],
            _plain(findings["message"]),
            self.messages,
            strict=True,
        ):
            if raw != stored and isinstance(sheet, str) and pd.notna(row):
                self._by_row.setdefault((sheet, int(row)), []).append((raw, stored))

    def rows(self, load_id: int, area: str | None) -> list[tuple[Any, ...]]:
        """Rows for ``etl_findings`` in ``store.FINDING_DB_COLUMNS`` order."""
        f = self.findings
        n = len(f)
        if n == 0:
            return []
        cols: list[list[Any]] = [
            [load_id] * n,
            [area] * n,
            _plain(f["sheet"]),
            _plain(f["row"].astype("Int64")),
            _plain(f["column"]),
            self.values,
            _plain(f["code"]),
            _plain(f["severity"]),
            self.messages,
        ]
        return _tuples(cols)

    def reason(self, sheet: str, row: int, text: str) -> str:
        """A held-back reason (which quotes finding messages) with raw IDs replaced by hashes."""
        for raw, stored in self._by_row.get((sheet, row), []):
            text = text.replace(raw, stored)
        if self.hasher is not None and self.ids and "'" in text:
            hasher = self.hasher
            text = _QUOTED.sub(
                lambda m: f"'{hasher.one(m.group(1))}'" if m.group(1) in self.ids else m.group(0),
                text,
            )
        return text


def held_back_rows(
    sheet: str,
    frame: pd.DataFrame,
    plan: pd.DataFrame,
    stored: StoredFindings,
    load_id: int,
    area: str,
    hasher: Hasher,
) -> list[tuple[Any, ...]]:
    """Rows for ``etl_held_back`` (``store.HELD_DB_COLUMNS`` order) from one sheet's plan.

    ``data`` is the row as JSON; each cell that carried a finding shows the value as the LA typed it
    (so a bad date is kept, not lost as empty), ID columns hashed and E210 values masked.
    """
    if plan.empty:
        return []
    reasons = plan.groupby("_row", sort=True)["reason"].agg(lambda r: "; ".join(dict.fromkeys(r)))
    held = frame[frame["_row"].isin(reasons.index)].set_index("_row").sort_index()
    data = pd.DataFrame({c: _plain(held[c]) for c in held.columns}, index=held.index, dtype=object)
    findings = stored.findings
    mine = findings[
        (findings["sheet"] == sheet)
        & findings["row"].notna()
        & findings["column"].isin(data.columns)
    ]
    mine = mine[mine["row"].astype(int).isin(data.index)]
    for row, column, value, code in zip(
        mine["row"].astype(int), mine["column"], mine["value"], mine["code"], strict=True
    ):
        if value is None or (isinstance(value, float) and np.isnan(value)):
            continue
        data.at[row, column] = mask_personal(str(value)) if code == "E210" else str(value)
    masked = set(
        zip(
            mine.loc[mine["code"] == "E210", "row"].astype(int),
            mine.loc[mine["code"] == "E210", "column"],
            strict=True,
        )
    )
    for column in ID_COLUMNS:
        if column in data.columns:
            keep = [
                (r, column) not in masked and v is not None
                for r, v in zip(data.index, data[column], strict=True)
            ]
            col = data[column].copy()
            col[keep] = hasher.series(col[keep].astype(str)).tolist()
            data[column] = col
    out = []
    for row, record in zip(data.index, data.to_dict("records"), strict=True):
        out.append(
            (
                load_id,
                area,
                sheet,
                int(row),
                stored.reason(sheet, int(row), reasons.loc[row]),
                json.dumps(record, ensure_ascii=False, default=str),
                False,
            )
        )
    # rows that the plan names but the table lacks (should not happen) still get a record
    for row in reasons.index.difference(data.index):
        out.append(
            (
                load_id,
                area,
                sheet,
                int(row),
                stored.reason(sheet, int(row), reasons.loc[row]),
                "{}",
                False,
            )
        )
    return out
