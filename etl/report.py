"""Finding reports for the LAs: a CSV or XLSX file of every finding, and the summary by code.

The report goes back to the LA, so it shows the values as they sent them, except personal data
(E210 values), which it masks. Any text cell that a spreadsheet would run as a formula (it begins
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return) goes through ``lfo.formula_guard``:
written with a leading ``'`` in a CSV, stored as quote-prefixed text in an XLSX.
"""

from __future__ import annotations

import csv
import logging
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from lfo.findings import CODES, FINDING_COLUMNS, mask_personal
from lfo.formula_guard import csv_frame, guard_workbook

log = logging.getLogger(__name__)

REPORT_FORMATS = (".csv", ".xlsx")
XLSX_MAX_ROWS = 1_048_575  # Excel's row limit, less the header
FIRST_ROWS = 5  # rows listed per code in the summary
SUMMARY_COLUMNS = ["code", "severity", "title", "count", "files", "first_rows"]


class ReportError(ValueError):
    """The report cannot be written as asked (for example an unknown file extension)."""


def check_report_path(path: Path, checked: Sequence[Path] = ()) -> None:
    """Raise ReportError unless ``path`` names a report this module can write, and is neither one
    of the files being ``checked`` nor inside a folder being checked (return-spec v2 § 5)."""
    if path.suffix.lower() not in REPORT_FORMATS:
        raise ReportError(
            f"--report {path}: the report must be a .csv or .xlsx file, not "
            f"'{path.suffix or 'no extension'}'"
        )
    if path.exists() and path.is_dir():
        raise ReportError(f"--report {path} is a folder: give a file name ending .csv or .xlsx")
    folder = path.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir() or not os.access(folder, os.W_OK):
        raise ReportError(f"--report {path}: cannot write in {folder}; choose another place")
    target = path.resolve()
    for given in checked:
        source = given.resolve()
        if target == source:
            raise ReportError(
                f"--report {path} is a file being checked: the report would replace it; "
                "write the report somewhere else"
            )
        if source.is_dir() and source in target.parents:
            raise ReportError(
                f"--report {path} is inside {given}, a folder being checked: write the report "
                "somewhere else"
            )


def report_rows(findings: pd.DataFrame) -> pd.DataFrame:
    """The report's rows: the finding columns, E210 values masked (not yet guarded: each format
    guards its own way)."""
    df = findings.reindex(columns=FINDING_COLUMNS).copy()
    df = df.astype(object).where(df.notna(), None)
    e210 = df["code"] == "E210"
    if e210.any():
        df.loc[e210, "value"] = df.loc[e210, "value"].map(mask_personal)
    rows = pd.to_numeric(df["row"], errors="coerce").round().astype("Int64").astype(object)
    df["row"] = rows.where(rows.notna(), None)
    return df


def summarise(findings: pd.DataFrame, first_rows: int = FIRST_ROWS) -> pd.DataFrame:
    """Counts by code, in code order, with severity, title, files and the first rows of each."""
    if findings.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    out = []
    for code, group in findings.groupby("code", sort=True):
        severity, title = CODES.get(str(code), (str(group["severity"].iloc[0]), ""))
        out.append(
            {
                "code": code,
                "severity": severity,
                "title": title,
                "count": len(group),
                "files": group["file"].nunique(),
                "first_rows": "; ".join(_where(r) for r in group.head(first_rows).itertuples()),
            }
        )
    return pd.DataFrame(out, columns=SUMMARY_COLUMNS)


def _where(finding: Any) -> str:  # a row of ``itertuples`` over the findings frame
    """Where a finding is, for a person: ``file sheet row N column``."""
    parts = [str(finding.file)]
    if finding.sheet is not None and not pd.isna(finding.sheet) and finding.sheet != "":
        parts.append(str(finding.sheet))
    if finding.row is not None and not pd.isna(finding.row):
        parts.append(f"row {int(finding.row)}")
    if finding.column is not None and not pd.isna(finding.column) and finding.column != "":
        parts.append(str(finding.column))
    return " ".join(parts)


def write_report(findings: pd.DataFrame, path: Path) -> Path:
    """Write every finding to ``path`` (.csv or .xlsx, chosen by the extension)."""
    check_report_path(path)
    rows = report_rows(findings)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".csv":
        _write_csv(rows, path)
    else:
        _write_xlsx(rows, summarise(findings), path)
    log.info("wrote %d findings to %s", len(rows), path)
    return path


def _write_csv(rows: pd.DataFrame, path: Path) -> None:
    csv_frame(rows).to_csv(
        path, index=False, encoding="utf-8-sig", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL
    )


def _write_xlsx(rows: pd.DataFrame, summary: pd.DataFrame, path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "findings"
    if len(rows) > XLSX_MAX_ROWS:
        log.warning(
            "the xlsx report holds the first %d of %d findings (Excel's limit); "
            "ask for a .csv report to see them all",
            XLSX_MAX_ROWS,
            len(rows),
        )
        rows = rows.head(XLSX_MAX_ROWS)
    _fill(
        ws,
        FINDING_COLUMNS,
        rows.itertuples(index=False),
        widths={
            "file": 34,
            "sheet": 14,
            "row": 7,
            "column": 24,
            "value": 24,
            "code": 7,
            "severity": 9,
            "message": 90,
        },
    )
    sheet = wb.create_sheet("summary")
    _fill(
        sheet,
        SUMMARY_COLUMNS,
        summary.itertuples(index=False),
        widths={"code": 7, "severity": 9, "title": 45, "count": 8, "files": 7, "first_rows": 100},
    )
    guard_workbook(wb)  # formula-like text stays text (quote-prefixed), never a live formula
    wb.save(path)


def _fill(
    ws: Worksheet, header: list[str], records: Iterable[tuple[Any, ...]], widths: dict[str, int]
) -> None:
    """Header in bold, frozen, with an autofilter; the caller guards formula-like text."""
    ws.append(header)
    for cell in ws[1]:
        cell.font = Font(bold=True)
    n = 1
    for rec in records:
        n += 1
        for j, value in enumerate(rec, start=1):
            if isinstance(value, str):
                value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            ws.cell(row=n, column=j, value=value)
    for j, name in enumerate(header, start=1):
        ws.column_dimensions[get_column_letter(j)].width = widths.get(name, 15)
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(header))}{n}"
