"""The CSV download: UTF-8 with a byte-order mark, the table's rows (unrounded; suppressed cells
empty, with a ``status`` column, GSS practice) and the metadata columns on every row."""

from __future__ import annotations

from typing import Any

import pandas as pd

from dashboard.charts.content import ChartContent
from dashboard.charts.exports.metadata import chart_indicators
from dashboard.charts.frame import STATUS
from lfo.formula_guard import csv_frame
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.indicator import Indicator

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


def to_csv(content: ChartContent) -> bytes:
    """UTF-8 with a byte-order mark: the table's rows (unrounded; suppressed cells empty; a
    ``status`` column) with the metadata columns on every row; text that a spreadsheet would
    read as a formula gets a leading apostrophe (``lfo.formula_guard``)."""
    table = content.table.reset_index(drop=True).copy()
    if STATUS not in table:
        table[STATUS] = None
    table[STATUS] = table[STATUS].astype(object).where(table[STATUS].notna(), "")
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
    out = pd.concat([table, pd.DataFrame(meta, columns=METADATA_COLUMNS)], axis=1)
    # area names and every other text come from the database: never a live formula
    text: str = csv_frame(out).to_csv(index=False, lineterminator="\r\n")
    return ("\ufeff" + text).encode("utf-8")
