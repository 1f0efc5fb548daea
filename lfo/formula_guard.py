"""The one formula guard for every CSV and XLSX the project writes (service.md § 3).

A spreadsheet program treats a text cell that begins with ``=``, ``+``, ``-`` or ``@`` (or a tab or
carriage return, which some strip before looking) as a formula: an area name ``=HYPERLINK(…)``
would become a live link in the LA's or the researcher's spreadsheet. So:

- in a CSV, such a text cell is written with a leading apostrophe (``'=HYPERLINK(…)``), which
  spreadsheet programs show as text and which a reader of the raw file can still see;
- in an XLSX, such a cell is stored as a text cell with Excel's "quote prefix" style, so Excel and
  LibreOffice show exactly the text and never evaluate it (openpyxl would otherwise store any
  string beginning with ``=`` as a formula).

Numbers stay numbers: only text (``str``) is ever guarded, so ``-3`` the number is written as is.
Column headers are text like any other cell.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

#: The first characters that make a spreadsheet program read a text cell as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """True for text that a spreadsheet program could read as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def csv_text(value: Any) -> Any:
    """``value`` as it may go into a CSV cell: formula-like text gets a leading apostrophe."""
    return "'" + value if is_formula_like(value) else value


def csv_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to write as CSV: text cells and column names guarded."""
    out = frame.copy()
    for column in out.columns:
        series = out[column]
        if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
            continue
        if series.map(is_formula_like).any():
            out[column] = series.map(csv_text).astype(series.dtype)
    out.columns = [csv_text(c) for c in out.columns]
    return out


def csv_row(values: Any) -> list[Any]:
    """One row of a CSV (for ``csv.writer``), every text cell guarded."""
    return [csv_text(v) for v in values]


def guard_sheet(sheet: Any) -> int:
    """Turn every formula-like text cell of an openpyxl worksheet into a quote-prefixed text cell.

    Call it after the sheet is filled and before the workbook is saved. The project writes no
    formulas of its own, so every cell openpyxl marked as a formula came from text. Returns how
    many cells were guarded.
    """
    guarded = 0
    for row in sheet.iter_rows():
        for cell in row:
            if is_formula_like(cell.value):
                cell.data_type = "s"
                cell.quotePrefix = True
                guarded += 1
    return guarded


def guard_workbook(workbook: Any) -> int:
    """``guard_sheet`` over every worksheet of an openpyxl workbook; how many cells were guarded."""
    return sum(guard_sheet(sheet) for sheet in workbook.worksheets)
