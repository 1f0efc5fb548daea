"""How the API writes its answers: engine rows as flat records (nulls as None), CSV (through
``lfo.formula_guard``), and JSON by orjson."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from typing import Any

import flask
import numpy as np
import orjson
import pandas as pd

from lfo.formula_guard import csv_row
from lfo.indicators import benchmarks
from lfo.indicators.request import ROW_COLUMNS
from lfo.terms import PROGRAMME

#: ``/api/v1/areas``: the API's field per column of the dashboard's areas.
AREA_FIELDS = {
    "code": "area_code",
    "name": "area_name",
    "region": "region",
    "families": "families",
    "annual_target": "annual_target",
    "source": "source",
    "latest_return": "return_period",
    "imd_rank": "imd_rank",
}
#: ``/api/v1/data``: the fields a row adds when the request names a ``benchmark``.
BENCHMARK_FIELDS = ("benchmark", "benchmark_kind", "benchmark_status")


def column_values(series: pd.Series) -> list[Any]:
    """One column as plain Python values, every missing value (NaN, NA, NaT, None) as None."""
    if series.dtype.kind == "f":
        values = series.to_numpy()
        return [
            None if m else v
            for v, m in zip(values.tolist(), np.isnan(values).tolist(), strict=True)
        ]
    plain: list[Any] = (
        series.tolist()
        if series.dtype.kind in "iub"
        else series.astype(object).where(series.notna(), None).tolist()
    )
    return plain


def _records(frame: pd.DataFrame, fields: dict[str, str]) -> list[dict[str, Any]]:
    """A record per row of ``frame``: each field from its column, built a column at a time."""
    columns = [column_values(frame[c]) for c in fields.values()]
    return [dict(zip(fields, values, strict=True)) for values in zip(*columns, strict=True)]


def records(rows: pd.DataFrame, columns: Sequence[str] = ROW_COLUMNS) -> list[dict[str, Any]]:
    """Engine rows as the API's flat records (``columns`` only: the contract's unless given,
    nulls as None), built a column at a time (a per-value loop costs seconds on a national answer
    of 7,700 rows)."""
    return _records(rows.reindex(columns=list(columns)), {c: c for c in columns})


def with_benchmark(rows: pd.DataFrame, programme: pd.DataFrame) -> pd.DataFrame:
    """``rows`` with ``BENCHMARK_FIELDS``: a group benchmark's come from the engine; with the
    programme, ``benchmark_kind`` is "programme" and ``benchmark_status`` the status of the
    programme's value where it is missing (``programme``: rows holding the programme's)."""
    if "benchmark_kind" in rows:
        return rows
    out = rows.copy()
    out["benchmark_kind"] = benchmarks.PROGRAMME_KIND
    out["benchmark_status"] = benchmarks.programme_status(out, programme)
    return out


def area_records(areas: pd.DataFrame) -> list[dict[str, Any]]:
    """The dashboard's areas as ``/api/v1/areas`` records (``AREA_FIELDS``), each with its
    benchmark groups' members, by code and name: ``neighbours`` (statistical neighbours, nearest
    first) and ``region_peers`` (the other areas of its region); empty where there are none."""
    recs = _records(areas, AREA_FIELDS)
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    groups = {
        field: benchmarks.groups(areas, kind)
        for field, kind in (("neighbours", benchmarks.NEIGHBOURS), ("region_peers", "region"))
    }
    for rec in recs:
        for field, members in groups.items():
            rec[field] = [{"code": c, "name": names[c]} for c in members.get(rec["code"], ())]
    return recs


def programme_rows(rows: pd.DataFrame) -> bool:
    """Whether ``rows`` hold the programme's own rows."""
    return bool((rows["area_code"] == PROGRAMME).any()) if not rows.empty else False


def to_csv(recs: list[dict[str, Any]], columns: Sequence[str] = ROW_COLUMNS) -> str:
    """The records as CSV (``columns``: the contract's unless given), every text cell through
    the formula guard (an area name ``=HYPERLINK(…)`` is written ``'=HYPERLINK(…)``; numbers stay
    numbers)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row(columns))
    writer.writerows(csv_row("" if v is None else v for v in r.values()) for r in recs)
    return buf.getvalue()


def json_response(payload: dict[str, Any], status: int = 200) -> flask.Response:
    """``payload`` as JSON, written by orjson (floats in their shortest exact form, as Python's
    json writes them, and about ten times faster on a national answer of several megabytes)."""
    return flask.Response(orjson.dumps(payload), status=status, mimetype="application/json")
