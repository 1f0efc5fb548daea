"""One sheet of a return as read (``RawSheet``): every cell's trimmed text and its kind.

The kinds say what a cell held in the file (text, number, date, formula, ...), so the checks can
tell a typed date from a date cell and a formula from its text. ``xlsx_cell`` reads one workbook
cell; ``sheet_frame`` builds a ``RawSheet`` from the rows a reader collected, ``text_frame`` from
the array of a CSV's trimmed cells (``etl.csv_sheet``).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

# Cell kinds: what the cell held in the file.
EMPTY, TEXT, NUMBER, DATE, FORMULA, BOOL, ERROR = "", "s", "n", "d", "f", "b", "e"
#: The kind columns' dtype: a categorical of the seven kinds (the checks compare each kind column
#: with constants several times; EMPTY and TEXT are codes 0 and 1, a CSV cell's two kinds).
KIND_DTYPE = pd.CategoricalDtype([EMPTY, TEXT, NUMBER, DATE, FORMULA, BOOL, ERROR])


@dataclass
class RawSheet:
    """One sheet as read: ``text`` and ``kind`` have one column per header position (0, 1, ...)."""

    name: str  # canonical sheet name: participants, interventions, outcomes
    source: str  # the sheet or member name as it is in the file
    header: list[str]  # header cells, trimmed, case kept
    text: pd.DataFrame  # trimmed cell text ("" when missing), str dtype
    kind: pd.DataFrame  # cell kinds (EMPTY, TEXT, NUMBER, DATE, FORMULA, BOOL, ERROR), KIND_DTYPE
    rows: np.ndarray  # Excel row number of each data row (header = 1)
    extra_fields: dict[int, str] = field(default_factory=dict)  # CSV row -> fields past the header
    empty_file: bool = False  # a 0-byte CSV (or a sheet with no header at all)


def xlsx_cell(cell: object) -> tuple[str, str]:
    """(text, kind) of an openpyxl cell."""
    value = getattr(cell, "value", None)
    if value is None:
        return "", EMPTY
    dtype = getattr(cell, "data_type", "s")
    if dtype == "f":
        text = getattr(value, "text", None) or str(value)
        if not text.startswith("="):
            text = "=" + text
        return text.strip(), FORMULA
    if isinstance(value, bool):
        return ("TRUE" if value else "FALSE"), BOOL
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat(), DATE
        return value.isoformat(sep=" "), DATE
    if isinstance(value, dt.date):
        return value.isoformat(), DATE
    if isinstance(value, int):
        return str(value), NUMBER
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value)), NUMBER
        return repr(value), NUMBER
    if dtype == "e":
        return str(value).strip(), ERROR
    if isinstance(value, str):
        text = value.strip()
        return text, (TEXT if text else EMPTY)
    return str(value).strip(), TEXT  # times, durations: checked as their text


def sheet_frame(
    key: str,
    source: str,
    header: list[str],
    texts: list[list[str]],
    kinds: list[list[str]],
    rows: list[int],
    *,
    empty_file: bool = False,
) -> RawSheet:
    """The sheet as columns, from its rows of texts and kinds (a workbook sheet, or no rows)."""
    # trailing header cells that are empty and hold no data are dropped
    width = max([len(header), *(len(t) for t in texts)], default=0)
    header = [h.strip() for h in header] + [""] * (width - len(header))
    keep = [i for i in range(width) if header[i] or any(i < len(k) and k[i] for k in kinds)]
    text_cols = {}
    kind_cols = {}
    for pos, i in enumerate(keep):
        text_cols[pos] = pd.array([t[i] if i < len(t) else "" for t in texts], dtype="str")
        kind_cols[pos] = pd.Categorical(
            [k[i] if i < len(k) else "" for k in kinds], dtype=KIND_DTYPE
        )
    return _assemble(
        key, source, [header[i] for i in keep], text_cols, kind_cols, rows, None, empty_file
    )


def text_frame(
    key: str,
    source: str,
    header: list[str],
    cells: np.ndarray,
    filled: np.ndarray,
    rows: np.ndarray,
    extra: dict[int, str],
) -> RawSheet:
    """The sheet of a CSV: ``cells`` its trimmed texts (an object array, a row for each data row,
    a column for each header field), ``filled`` where they are not empty (each is TEXT, code 1 of
    ``KIND_DTYPE``; the others EMPTY, code 0); a column is kept when its header or one of its cells holds something."""
    header = [h.strip() for h in header]
    keep = [i for i in range(len(header)) if header[i] or filled[:, i].any()]
    text_cols = {}
    kind_cols = {}
    for pos, i in enumerate(keep):
        text_cols[pos] = pd.array(cells[:, i], dtype="str")
        kind_cols[pos] = pd.Categorical.from_codes(filled[:, i].astype(np.int8), dtype=KIND_DTYPE)
    return _assemble(
        key, source, [header[i] for i in keep], text_cols, kind_cols, rows, extra, False
    )


def _assemble(
    key: str,
    source: str,
    header: list[str],
    text_cols: dict[int, Any],
    kind_cols: dict[int, Any],
    rows: list[int] | np.ndarray,
    extra: dict[int, str] | None,
    empty_file: bool,
) -> RawSheet:
    """The ``RawSheet`` of the kept columns (their header, texts and kinds, by position)."""
    n = len(rows)
    return RawSheet(
        key,
        source,
        header,
        pd.DataFrame(text_cols, index=pd.RangeIndex(n)),
        pd.DataFrame(kind_cols, index=pd.RangeIndex(n)),
        np.asarray(rows, dtype=np.int64),
        extra or {},
        empty_file,
    )
