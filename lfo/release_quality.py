"""The data quality a release carries in its file (``lfo.release_snapshot``), cut at its quarter.

The data-quality page and the area profile's quality section read the load log, the findings and
held-back rows of each area's current return, and the completeness of its optional fields. A
release shows these as they were when it was published, never the live ones, and holds no period
after its own:

- the load log: the loads of periods that end by the quarter's end, and the loads of the
  current returns the release holds (their period capped at the quarter, as the returns are);
  loads whose period cannot be read, and area-list updates, are left out;
- findings and held-back rows of those current returns only (what the pages count); a held-back
  row's data and a finding's value stay behind (the pages count them, never show them);
- completeness: the live rows for an area whose current return ends by the quarter's end; for
  one whose return is later, made again from its participants referred and interventions
  offered by the quarter's end (the same count as at loading, ``summary_rows.completeness``).

A release published before this file carried data quality has none of these tables
(``has_quality``): it shows that data quality is not part of it (docs/decisions.md, issue 14).
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from sqlalchemy import Connection, select

from lfo import schema
from lfo.indicators.summaries import read_area
from lfo.indicators.summary_rows import completeness
from lfo.periods import Quarter, period

#: The tables a release's data quality is read from (besides ``areas`` and ``returns``).
QUALITY_TABLES = ("etl_load_log", "etl_findings", "etl_held_back", "sum_completeness")


def has_quality(conn: Connection) -> bool:
    """Whether a release's file carries its data quality (older ones do not)."""
    return all(conn.dialect.has_table(conn, name) for name in QUALITY_TABLES)


def _ends_by(code: object, quarter: Quarter) -> bool:
    try:
        return period(str(code)).end <= quarter.end
    except ValueError:
        return False


def write_quality(live: Connection, out: Connection, quarter: Quarter) -> dict[str, int]:
    """Copy the data quality of ``live`` (one read snapshot) into a release's file being written
    (``out``; its tables made already), cut at ``quarter``; rows written per table."""
    r = schema.returns
    current = {
        int(load_id): (area, end)
        for load_id, area, end in live.execute(select(r.c.load_id, r.c.area_code, r.c.period_end))
    }
    copied = {
        "etl_load_log": _copy_loads(live, out, quarter, set(current)),
        "etl_findings": _copy_rows(live, out, schema.etl_findings, set(current), {"value": None}),
        "etl_held_back": _copy_rows(live, out, schema.etl_held_back, set(current), {"data": ""}),
    }
    later = sorted({area for area, end in current.values() if end > quarter.end})
    copied["sum_completeness"] = _copy_completeness(live, out, quarter, later)
    return copied


def _insert(out: Connection, table: Any, rows: list[dict[str, Any]]) -> int:
    for start in range(0, len(rows), 20_000):
        out.execute(table.insert(), rows[start : start + 20_000])
    return len(rows)


def _copy_loads(live: Connection, out: Connection, quarter: Quarter, current: set[int]) -> int:
    log = schema.etl_load_log
    rows = []
    for row in live.execute(select(log)).mappings():
        values = dict(row)
        if values["load_id"] in current:
            if not _ends_by(values["period"], quarter):
                values["period"] = quarter.label
        elif not _ends_by(values["period"], quarter):
            continue
        rows.append(values)
    return _insert(out, log, rows)


def _copy_rows(
    live: Connection, out: Connection, table: Any, loads: set[int], blank: dict[str, Any]
) -> int:
    rows = [
        {**dict(row), **blank}
        for row in live.execute(select(table).where(table.c.load_id.in_(sorted(loads)))).mappings()
    ]
    return _insert(out, table, rows)


def _copy_completeness(
    live: Connection, out: Connection, quarter: Quarter, later: list[str]
) -> int:
    c = schema.sum_completeness
    kept = live.execute(select(c).where(c.c.area_code.not_in(later))).mappings()
    rows = [dict(row) for row in kept]
    end = pd.Timestamp(quarter.end)
    for area in later:
        frames = read_area(live, area)
        p = frames["participants"]
        p = p[p["referral_date"] <= end]
        e = frames["episodes"]
        e = e[e["offered_date"] <= end]
        if p.empty:
            continue  # as at loading: no participants, no completeness rows
        made = completeness(p, e)
        rows += [
            {
                "area_code": area,
                "sheet": r.sheet,
                "column": r.column,
                "rows": int(r.rows),
                "stated": int(r.stated),
            }
            for r in made.itertuples(index=False)
        ]
    return _insert(out, c, rows)
