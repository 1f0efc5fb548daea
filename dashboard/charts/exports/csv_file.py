"""The CSV download: UTF-8 with a byte-order mark, one row per row of the table twin, each row
standing alone (issue 11 § 10):

- first what the row is: ``area_code``, ``area_name``, ``period`` (code), ``period_type``
  (``quarter`` or ``financial_year``), the view's filters as codes (the chart's ``context``, e.g.
  ``intervention_group``, ``measure``), ``benchmark`` and ``confidence_level``;
- then the table twin's own columns, as the card's table has them (unrounded numbers;
  suppressed cells empty, GSS practice), so a reader of earlier files finds the same columns;
- then ``comparison`` (better / similar / worse / higher / lower, against the benchmark at the
  confidence level), ``status`` (c / x / z) and ``status_meaning`` (the status key in words, on
  every row: a tidy reader needs no comment lines or second file to read ``c``);
- last the indicator's metadata columns (``METADATA_COLUMNS``).

A row's area and period come from the table's codes (``frame.CODE_COLUMNS``) where it lists areas
or periods, else from the chart's context (a chart of one area, or of one period).
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.charts.content import ChartContent
from dashboard.charts.exports.metadata import chart_indicators
from dashboard.charts.frame import AREA_CODE, CODE_COLUMNS, PERIOD_CODE, STATUS
from dashboard.present.words import STATUS_WORDS
from lfo.formula_guard import csv_frame
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.indicator import Indicator
from lfo.periods import period as parse_period

METADATA_COLUMNS = [
    "indicator_id",
    "indicator_name",
    "unit",
    "interval_method",
    "definition",
    "data_as_at",
    "definitions_version",
    "source",
    "suppression_threshold",
]
#: The columns that say what each row is, first on every row (the chart's other context items
#: go between ``period_type`` and ``benchmark``).
ROW_COLUMNS = ["area_code", "area_name", "period", "period_type"]
COMPARISON_COLUMNS = ["benchmark", "confidence_level"]
#: After the table's own columns: the comparison and the status, with the status key in words.
STATUS_COLUMNS = ["comparison", STATUS, "status_meaning"]
#: The twin's columns that name each row's area (copied to ``area_name``) and say its
#: comparison (copied to ``comparison``: a name starting "Compared with").
AREA_NAME_COLUMNS = ("Area",)
AREA_CODE_COLUMNS = (AREA_CODE, "Area code")
COMPARED = "Compared with"
#: The table columns that name each row's indicator (else the chart's one indicator, if one).
ID_COLUMNS = ("Indicator id", "indicator")


def _threshold(content: ChartContent) -> str:
    return "" if content.threshold is None else str(content.threshold)


def _row_indicators(content: ChartContent, n: int) -> list[Indicator | None]:
    inds = chart_indicators(content)
    table = content.table
    column = next((c for c in ID_COLUMNS if c in table), None)
    if column is not None:
        catalogue = indicators()
        return [catalogue.get(str(v)) for v in table[column]]
    if len(inds) == 1:
        return [inds[0]] * n
    return [None] * n


def _joined(content: ChartContent, attr: str) -> str:
    return "; ".join(str(getattr(i, attr)) for i in chart_indicators(content))


def period_type(code: str) -> str:
    """``quarter`` or ``financial_year`` for a period code; "" for no code."""
    try:
        return "quarter" if parse_period(code).is_quarter else "financial_year"
    except ValueError:
        return ""


def _text(values: pd.Series) -> list[str]:
    return ["" if v is None or (isinstance(v, float) and v != v) else str(v) for v in values]


def _first(table: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    return next((c for c in names if c in table), None)


def row_context(content: ChartContent, table: pd.DataFrame) -> pd.DataFrame:
    """What each row is (``ROW_COLUMNS``, the context's filters, ``COMPARISON_COLUMNS``): the
    table's own codes where it has them, else the chart's context."""
    n, ctx = len(table), content.context
    code_column = _first(table, AREA_CODE_COLUMNS)
    name_column = _first(table, AREA_NAME_COLUMNS)
    one_area = "area_code" in ctx  # a chart of one area: its rows are the area's
    out: dict[str, list[str]] = {}
    out["area_code"] = (
        _text(table[code_column])
        if code_column and not one_area
        else [ctx.get("area_code", "")] * n
    )
    out["area_name"] = (
        _text(table[name_column])
        if name_column and not one_area
        else [ctx.get("area_name", "")] * n
    )
    out["period"] = (
        _text(table[PERIOD_CODE]) if PERIOD_CODE in table else [ctx.get("period", "")] * n
    )
    out["period_type"] = [period_type(p) if p else "" for p in out["period"]]
    skip = {*ROW_COLUMNS, *COMPARISON_COLUMNS}
    for key, value in ctx.items():
        if key not in skip:
            out[key] = [value] * n
    for key in COMPARISON_COLUMNS:
        out[key] = [ctx.get(key, "")] * n
    return pd.DataFrame(out)


def _status_columns(table: pd.DataFrame) -> pd.DataFrame:
    compared = next((c for c in table.columns if str(c).startswith(COMPARED)), None)
    status = _text(table[STATUS]) if STATUS in table else [""] * len(table)
    return pd.DataFrame(
        {
            "comparison": _text(table[compared]) if compared else [""] * len(table),
            STATUS: status,
            "status_meaning": [STATUS_WORDS.get(s, "") for s in status],
        }
    )


def to_csv(content: ChartContent) -> bytes:
    """UTF-8 with a byte-order mark: a row per table row, saying what it is (area, period,
    filters, benchmark, confidence level), the table's numbers (unrounded; suppressed cells
    empty), its comparison and status with the status in words, and the metadata columns (see
    the module docstring); text that a spreadsheet would read as a formula gets a leading
    apostrophe (``lfo.formula_guard``)."""
    table = content.table.reset_index(drop=True).copy()
    per_row = _row_indicators(content, len(table))
    meta: dict[str, list[Any]] = {c: [] for c in METADATA_COLUMNS}
    for ind in per_row:
        meta["indicator_id"].append(ind.id if ind else _joined(content, "id"))
        meta["indicator_name"].append(ind.name if ind else _joined(content, "name"))
        meta["unit"].append(ind.unit if ind else _joined(content, "unit"))
        meta["interval_method"].append(
            ind.interval_method if ind else _joined(content, "interval_method")
        )
        meta["definition"].append(ind.definition if ind else _joined(content, "definition"))
    n = len(table)
    meta["data_as_at"] = [content.data_as_at or ""] * n
    meta["definitions_version"] = [DEFINITIONS_VERSION] * n
    meta["source"] = [content.source] * n
    meta["suppression_threshold"] = [_threshold(content)] * n
    # the twin's own columns as they are (the rows' codes and the status move to their places)
    values = table[[c for c in table.columns if c not in (*CODE_COLUMNS, STATUS)]]
    out = pd.concat(
        [
            row_context(content, table),
            values,
            _status_columns(table),
            pd.DataFrame(meta, columns=METADATA_COLUMNS),
        ],
        axis=1,
    )
    # area names and every other text come from the database: never a live formula
    text: str = csv_frame(out).to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")
