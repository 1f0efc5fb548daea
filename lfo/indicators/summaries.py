"""Summary tables, rebuilt for one area inside the transaction that replaces its data.

The indicator engine reads only these tables, never participant rows, so a request costs a few
indexed lookups whatever the size of the programme. Each summary holds counts (and, for means,
the sufficient statistics n, sum and sum of squares) per area x period x group, for every quarter
and every financial year, so that numerators and denominators can be pooled across areas, and
interventions summed into levels, by plain addition.

``refresh_area`` takes (``frames_from_rows``) or reads (``read_area``) one area's rows, builds
its summaries (``build_area``: ``lfo.indicators.summary_rows``) and writes them (``write_area``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import Connection, delete, text

from lfo import schema
from lfo.db import bulk_insert
from lfo.indicators.summary_rows import (
    build_summaries,
)
from lfo.reference import load_reference

_DATES = {
    "participants": ["referral_date"],
    "episodes": ["offered_date", "start_date", "end_date"],
    "outcomes": [],
}
_READS = {
    "participants": text(
        "SELECT participant_key, family_key, referral_date, referral_source, sex, age_band, "
        "ethnicity, relationship_status, workless_household, youngest_child_age_band "
        "FROM participants WHERE area_code = :area ORDER BY participant_key"
    ),
    "episodes": text(
        "SELECT episode_key, participant_key, intervention, offered_date, status, start_date, "
        "end_date, sessions_planned, sessions_attended, delivery_mode FROM episodes "
        "WHERE area_code = :area ORDER BY episode_key"
    ),
    "outcomes": text(
        "SELECT episode_key, measure, timepoint, score FROM outcomes WHERE area_code = :area "
        "ORDER BY episode_key, measure, timepoint"
    ),
}


def read_area(conn: Connection, area_code: str) -> dict[str, pd.DataFrame]:
    frames = {}
    for name, query in _READS.items():
        df = pd.read_sql(query, conn, params={"area": area_code})
        for column in _DATES[name]:
            df[column] = pd.to_datetime(df[column])
        frames[name] = df
    return frames


_KEYS = {
    "participants": ["participant_key"],
    "episodes": ["episode_key"],
    "outcomes": ["episode_key", "measure", "timepoint"],
}
_COLUMNS = {
    "participants": [
        "participant_key",
        "family_key",
        "referral_date",
        "referral_source",
        "sex",
        "age_band",
        "ethnicity",
        "relationship_status",
        "workless_household",
        "youngest_child_age_band",
    ],
    "episodes": [
        "episode_key",
        "participant_key",
        "intervention",
        "offered_date",
        "status",
        "start_date",
        "end_date",
        "sessions_planned",
        "sessions_attended",
        "delivery_mode",
    ],
    "outcomes": ["episode_key", "measure", "timepoint", "score"],
}


def frames_from_rows(
    rows: Mapping[str, tuple[Sequence[str], Sequence[tuple[Any, ...]]]],
) -> dict[str, pd.DataFrame]:
    """The frames ``read_area`` would read back, built from the rows just inserted.

    ``rows`` maps each data table to (column names, tuples) exactly as written by
    ``etl.load.store.replace_area_data`` (which first deletes the area's rows, so these are all of
    them). Same columns, dtypes and key order as ``read_area``, without the round trip to the
    database.
    """
    frames = {}
    for name, wanted in _COLUMNS.items():
        columns, tuples = rows[name]
        # etl.load.stored_rows.RowList keeps its columns
        content = getattr(tuples, "columns", None)
        if content is None:
            content = list(zip(*tuples, strict=True)) if tuples else [()] * len(columns)
        by_name = dict(zip(columns, content, strict=True))
        df = pd.DataFrame(
            {c: pd.Series(list(by_name[c]), dtype=None if tuples else object) for c in wanted}
        )
        df = df.sort_values(_KEYS[name], ignore_index=True)
        for column in _DATES[name]:
            df[column] = pd.to_datetime(df[column])
        frames[name] = df
    return frames


def build_area(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Every summary table's rows for one area's frames (``read_area`` or ``frames_from_rows``):
    pure, no database (the loader builds them while the area's rows are being inserted)."""
    levels = {c: i.level for c, i in load_reference().interventions.items()}
    return build_summaries(frames["participants"], frames["episodes"], frames["outcomes"], levels)


def write_area(conn: Connection, area_code: str, built: dict[str, pd.DataFrame]) -> None:
    """Replace the area's summary rows with ``built`` (``build_area``'s; inside the caller's
    transaction)."""
    for name in schema.SUMMARY_TABLES:
        table = schema.metadata.tables[name]
        conn.execute(delete(table).where(table.c.area_code == area_code))
    for name, df in built.items():
        if df.empty:
            continue
        table = schema.metadata.tables[name]
        columns = [c.name for c in table.columns]
        df = df.assign(area_code=area_code)[columns]
        bulk_insert(conn, table, columns, _plain_rows(df))


def refresh_area(
    conn: Connection, area_code: str, frames: dict[str, pd.DataFrame] | None = None
) -> None:
    """Rebuild the summary rows of one area from its current data (inside the caller's transaction).

    ``frames`` (from ``frames_from_rows``) are the area's current rows when the caller has just
    written them; otherwise they are read back from the database.
    """
    write_area(
        conn, area_code, build_area(frames if frames is not None else read_area(conn, area_code))
    )


def _plain_rows(df: pd.DataFrame) -> list[tuple[Any, ...]]:
    """Rows as tuples of plain Python values (numpy ints and floats become int and float)."""
    cols = [
        # integer columns (most of them: counts) are never missing and tolist() gives ints
        df[c].tolist() if df[c].dtype.kind in "iu" else _with_none(df[c])
        for c in df.columns
    ]
    return list(zip(*cols, strict=True))


def _with_none(column: pd.Series) -> list[Any]:
    """A column's values as plain Python values, missing ones as None."""
    values: list[Any] = column.astype(object).where(column.notna(), None).tolist()
    return values
