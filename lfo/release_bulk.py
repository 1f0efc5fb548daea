"""A release's bulk download: one zip a researcher can use on its own (service.md § 7).

``bulk_zip(rows, meta)`` turns the engine's rows of a release (every indicator, area and the
programme, period up to the release's quarter and filter, at 95% against the programme, with a
``filter`` column) into a zip of one tidy CSV per indicator group (``<topic>.csv``: reach, uptake,
outcomes; the filter is a column, so one file holds a group whole), the indicators' definitions
(``indicators.csv``), the returns the figures come from (``returns.csv``), a Frictionless Data
Package describing them (``datapackage.json``) and the data guidance (``data-guidance.md``).

The same rows and meta always give the same bytes, whatever order the rows come in: rows are
sorted (indicator in the catalogue's order, filter, period, area with the programme last,
category), the members are written in a fixed order with the release's ``published_at`` as their
time, and numbers are written in one way: a whole number as an integer, any other in the
shortest form that reads back as the same double (Python's ``repr``, as the API's CSV writes it).

A missing number is written as the row's status code (``c``, ``x``, ``z``; declared missing
values in the package), or empty where the row has no status (a count has no interval), beside
a ``status`` column: the GSS symbols where a reader looks for the figure, and one column to
filter on. A ``c`` row never carries a figure, whatever the rows hold. Text cells go through
``lfo.formula_guard``.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lfo import release_package as pkg
from lfo.formula_guard import csv_row, csv_text
from lfo.indicators.definitions import indicators
from lfo.indicators.indicator import Indicator
from lfo.indicators.request import ROW_COLUMNS
from lfo.periods import period
from lfo.reference import load_reference
from lfo.terms import NOT_APPLICABLE, NOT_AVAILABLE, PROGRAMME, SUPPRESSED

#: The columns ``rows`` must have (the engine's ``ROW_COLUMNS`` this file reads, and the filter).
NEEDED = (*ROW_COLUMNS, "filter")
NUMBERS = ("value", "lower", "upper", "numerator", "denominator")
STATUSES = (SUPPRESSED, NOT_AVAILABLE, NOT_APPLICABLE)
TOPICS = ("reach", "uptake", "outcomes")
#: A zip cannot hold a time before 1980.
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class BulkMeta:
    release_id: str  # e.g. "2018-19_Q4" or "2018-19_Q4-r2"
    quarter: str  # the release's quarter, "2018-19_Q4"
    published_at: str  # ISO 8601 UTC
    data_as_at: str | None  # ISO 8601
    definitions_version: str
    threshold: int  # suppression threshold applied
    note: str
    returns: tuple[tuple[str, str, str], ...]  # (area_code, area_name, return period covered)


def bulk_zip(rows: pd.DataFrame, meta: BulkMeta) -> bytes:
    """The release's bulk download: byte-for-byte the same for the same rows and meta."""
    catalogue = indicators()
    rows = _checked(rows, catalogue)
    topic = rows["indicator"].map({i.id: i.topic for i in catalogue.values()})
    files: list[tuple[str, bytes]] = []
    counts: dict[str, int] = {}
    for name in [t for t in TOPICS if (topic == t).any()]:
        part = rows[(topic == name).to_numpy()]
        counts[name] = len(part)
        files.append((f"{name}.csv", _csv(pkg.DATA_COLUMNS, _data_cells(part, catalogue))))
    present = set(rows["indicator"].unique())
    used = [i for i in catalogue.values() if i.id in present]
    descriptor = pkg.descriptor(meta, list(counts))
    members = [
        (pkg.PACKAGE, (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode()),
        (pkg.GUIDANCE, pkg.guidance(meta, counts).encode()),
        (pkg.INDICATORS, _csv(pkg.INDICATOR_COLUMNS, _indicator_cells(used))),
        (pkg.RETURNS, _csv(pkg.RETURN_COLUMNS, _return_cells(meta.returns))),
        *files,
    ]
    return _zip(members, _zip_time(meta.published_at))


def _checked(rows: pd.DataFrame, catalogue: dict[str, Indicator]) -> pd.DataFrame:
    """``rows`` in their one order, after the checks that would make the files wrong."""
    missing = [c for c in NEEDED if c not in rows.columns]
    if missing:
        raise ValueError(
            f"the rows lack the column(s) {', '.join(missing)}: pass the engine's rows"
        )
    unknown = sorted(set(rows["indicator"].unique()) - set(catalogue))
    if unknown:
        raise ValueError(f"the rows hold indicator(s) not in the definitions: {', '.join(unknown)}")
    status = rows["status"].astype(object).where(rows["status"].notna(), None)
    odd = sorted({str(s) for s in status if s is not None and s not in STATUSES})
    if odd:
        raise ValueError(f"unknown status code(s) {', '.join(odd)}: expected c, x, z or none")
    key = ["indicator", "area_code", "period", "filter", "category"]
    twice = rows.duplicated(subset=key)
    if twice.any():
        first = rows.loc[twice, key].iloc[0].to_dict()
        raise ValueError(f"{int(twice.sum())} row(s) repeat an earlier row's key, first {first}")
    rows = rows.assign(status=status)
    return rows.iloc[_order(rows, list(catalogue))].reset_index(drop=True)


def _order(rows: pd.DataFrame, catalogue: list[str]) -> np.ndarray:
    """Positions sorting rows by indicator (the catalogue's order), filter ("all", then each
    intervention, then each level, by code), period (time order, a quarter before its year),
    area (by code, the programme last), then category (none first, then by name)."""
    rank = {code: i for i, code in enumerate(catalogue)}
    indicator = rows["indicator"].map(rank).to_numpy()
    filters = rows["filter"].astype(str)
    filter_kind = np.where(filters == "all", 0, np.where(filters.str.startswith("level:"), 2, 1))
    filter_code, _ = pd.factorize(filters, sort=True)
    periods = sorted(
        set(rows["period"].unique()),
        key=lambda p: (period(p).end, period(p).is_quarter is False, p),
    )
    when = rows["period"].map({p: i for i, p in enumerate(periods)}).to_numpy()
    is_programme = (rows["area_code"] == PROGRAMME).to_numpy()
    area, _ = pd.factorize(rows["area_code"], sort=True)
    category, _ = pd.factorize(rows["category"].astype(object), sort=True)  # none: -1, first
    keys = [category, area, is_programme, when, filter_code, filter_kind, indicator]
    order: np.ndarray = np.lexsort(keys)
    return order


def _data_cells(rows: pd.DataFrame, catalogue: dict[str, Indicator]) -> list[list[str]]:
    """Each ``DATA_COLUMNS`` column of the rows as the text of its cells."""
    status = rows["status"].fillna("").astype(str).to_numpy(dtype=object)
    hidden = status == SUPPRESSED
    shown = {c: rows[c].astype(float).to_numpy() for c in NUMBERS}
    names = {i.id: i.name for i in catalogue.values()}
    units = {i.id: i.unit for i in catalogue.values()}
    labels = {p: period(p).display for p in set(rows["period"].unique())}
    out = {
        "indicator": _text(rows["indicator"]),
        "indicator_name": _text(rows["indicator"].map(names)),
        "area_code": _text(rows["area_code"]),
        "area_name": _text(rows["area_name"]),
        "period": _text(rows["period"]),
        "period_label": _text(rows["period"].map(labels)),
        "filter": _text(rows["filter"]),
        "filter_name": _text(rows["filter"].map(_filter_names(set(rows["filter"].unique())))),
        "category": _text(rows["category"]),
        **{c: _numbers(np.where(hidden, np.nan, shown[c]), status) for c in NUMBERS},
        "unit": _text(rows["indicator"].map(units)),
        "status": _text(rows["status"]),
        "areas_pooled": _numbers(_column(rows, "areas_pooled"), np.full(len(rows), "", object)),
    }
    for column in ("comparison", "trend", "trend_judgement"):
        out[column] = np.where(hidden, "", _text(rows[column]))
    return [list(out[c.name]) for c in pkg.DATA_COLUMNS]


def _column(rows: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column of the rows as floats (all missing where the rows do not have it)."""
    if name not in rows:
        return np.full(len(rows), np.nan)
    values: np.ndarray = pd.to_numeric(rows[name], errors="coerce").astype(float).to_numpy()
    return values


def _filter_names(filters: set[str]) -> dict[str, str]:
    """Each filter code in words: all interventions, an intervention's name, or a level's."""
    interventions = load_reference().interventions
    out = {}
    for code in filters:
        if code == "all":
            out[code] = "All interventions"
        elif code.startswith("level:"):
            out[code] = f"All {code.removeprefix('level:')} interventions"
        else:
            known = interventions.get(code)
            out[code] = known.name if known else code
    return out


def _text(series: pd.Series) -> np.ndarray:
    """Text cells, missing as empty, each distinct value through the formula guard once."""
    values = series.astype(object).where(series.notna(), "")
    codes, uniques = pd.factorize(values)
    if len(uniques) == 0:
        return np.empty(0, dtype=object)
    guarded = np.array([csv_text(str(u)) for u in uniques], dtype=object)
    taken: np.ndarray = guarded[codes]
    return taken


def _numbers(values: np.ndarray, missing: np.ndarray) -> np.ndarray:
    """Number cells: a whole number as an integer, any other number by ``repr`` (the shortest
    text that reads back as the same double); where there is none, ``missing``'s text."""
    values = np.asarray(values, dtype=float)
    out = np.asarray(missing, dtype=object).copy()
    finite = np.isfinite(values)
    whole = finite & (np.floor(values) == values) & (np.abs(values) < 2.0**53)
    out[whole] = values[whole].astype(np.int64).astype(str).astype(object)
    other = ~np.isnan(values) & ~whole
    out[other] = np.array([repr(v) for v in values[other].tolist()] or [], dtype=object)
    return out


def _indicator_cells(used: list[Indicator]) -> list[list[str]]:
    columns: list[list[str]] = [[] for _ in pkg.INDICATOR_COLUMNS]
    for ind in used:
        public = {**ind.public(), "topic": ind.topic, "takes_filters": str(ind.by_intervention)}
        for k, column in enumerate(pkg.INDICATOR_COLUMNS):
            columns[k].append(
                csv_text(
                    public[column.name].lower() if column.type == "boolean" else public[column.name]
                )
            )
    return columns


def _return_cells(returns: Sequence[tuple[str, str, str]]) -> list[list[str]]:
    ordered = sorted(returns)
    return [[csv_text(r[k]) for r in ordered] for k in range(3)]


def _csv(columns: Sequence[pkg.Column], cells: list[list[str]]) -> bytes:
    """A CSV (UTF-8, CRLF lines as RFC 4180 and the API write them) of the columns' cells."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(csv_row([c.name for c in columns]))
    writer.writerows(zip(*cells, strict=True))
    return buf.getvalue().encode("utf-8")


def _zip_time(published_at: str) -> tuple[int, int, int, int, int, int]:
    """The members' time: the release's publication, in UTC (a zip holds no time zone)."""
    try:
        when = dt.datetime.fromisoformat(published_at.replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(
            f"published_at {published_at!r} is not an ISO 8601 time (e.g. 2019-04-30T09:00:00Z)"
        ) from None
    if when.tzinfo is not None:
        when = when.astimezone(dt.UTC).replace(tzinfo=None)
    stamp = (when.year, when.month, when.day, when.hour, when.minute, when.second)
    return max(stamp, _ZIP_EPOCH)


def _zip(members: list[tuple[str, bytes]], when: tuple[int, int, int, int, int, int]) -> bytes:
    """The members, in this order, deflated, each with the same time and permissions."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, date_time=when)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, whatever the machine that builds it
            info.external_attr = 0o100644 << 16
            archive.writestr(info, data, compresslevel=6)
    return buf.getvalue()
