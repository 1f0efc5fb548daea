"""The Excel download: a statistical spreadsheet after the Analysis Function's guidance (Cover,
Contents, Notes, Definitions and the table, each a sheet whose tables start in column A under a
title row, with no merged cells and no blank rows inside a table; numbers stay numbers, unrounded;
suppressed cells are ``[c]``, with the key in the notes).

openpyxl is imported where a spreadsheet is made, not when the app starts (it adds about a second
to the start of every worker, for a file few people download).
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import pandas as pd

from dashboard.charts.content import ChartContent, format_as_at, meta_line
from dashboard.charts.exports.metadata import (
    CONTACT,
    COPYRIGHT,
    chart_indicators,
    context_lines,
    description,
    metadata_lines,
)
from dashboard.charts.frame import CODE_COLUMNS, STATUS, STATUS_KEY, UNITS, numeric_columns
from dashboard.present.words import display_unit
from lfo.formula_guard import guard_workbook
from lfo.indicators.definitions import CAVEATS, DEFINITIONS_VERSION

TABLE_SHEET = "Table_1"
SHEETS = ("Cover", "Contents", "Notes", "Definitions", TABLE_SHEET)


def all_notes(content: ChartContent) -> list[str]:
    """The spreadsheet's notes, numbered in this order."""
    notes = list(content.notes)
    for ind in chart_indicators(content):
        notes.append(
            f"Indicator {ind.id} ({ind.name}): "
            + "; ".join(
                f"{label.lower()}: {text.rstrip('.')}" for label, text in metadata_lines(ind)[2:]
            )
            + "."
        )
    notes += [f"[{k}] means {v.split('] ', 1)[1]}." for k, v in STATUS_KEY.items()]
    if content.threshold is not None:
        notes.append(
            f"Figures resting on fewer than {content.threshold} people or episodes are "
            "suppressed ([c]), with further cells where needed so they cannot be "
            "worked out."
        )
    notes += [f"Caveat: {c}" for c in CAVEATS]
    return notes


def to_xlsx(content: ChartContent) -> bytes:
    """A statistical spreadsheet after the Analysis Function's guidance: Cover, Contents, Notes,
    Definitions and the table, each a sheet whose tables start in column A under a title row,
    with no merged cells and no blank rows inside a table; numbers stay numbers; text that a
    spreadsheet would read as a formula stays text (``lfo.formula_guard``)."""
    from openpyxl import Workbook

    notes = all_notes(content)
    wb = Workbook()
    wb.remove(wb.active)
    _cover_sheet(wb.create_sheet("Cover"), content)
    _contents_sheet(wb.create_sheet("Contents"), content)
    _notes_sheet(wb.create_sheet("Notes"), notes)
    _definitions_sheet(wb.create_sheet("Definitions"), content)
    _table_sheet(wb.create_sheet(TABLE_SHEET), content, len(notes))
    wb.properties.title = content.title
    wb.properties.creator = "Local Family Offer monitoring"
    wb.properties.description = description(content)
    # area names and every other text come from the database: never a live formula
    guard_workbook(wb)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _title(ws: Any, text: str) -> None:
    from openpyxl.styles import Font

    ws["A1"] = text
    ws["A1"].font = Font(bold=True, size=16)


def _bold(cell: Any) -> None:
    from openpyxl.styles import Font

    cell.font = Font(bold=True)


def _add_table(ws: Any, name: str, header_row: int, n_rows: int, n_cols: int) -> None:
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.table import Table, TableStyleInfo

    ref = f"A{header_row}:{get_column_letter(n_cols)}{header_row + max(n_rows, 1)}"
    table = Table(displayName=name, ref=ref)
    table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
    ws.add_table(table)
    for cell in ws[header_row]:
        _bold(cell)


def _widths(ws: Any, widths: Sequence[int]) -> None:
    from openpyxl.utils import get_column_letter

    for k, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(k)].width = w


def _cover_sheet(ws: Any, content: ChartContent) -> None:
    year = (content.data_as_at or "")[:4]
    _title(ws, content.title)
    rows = [
        (content.subtitle, False),
        ("About this data", True),
        (content.summary, False),
        *_context_rows(content),
        ("Source", True),
        (content.source, False),
        ("Data as at", True),
        (format_as_at(content.data_as_at), False),
        ("Indicator definitions version", True),
        (DEFINITIONS_VERSION, False),
        ("Notes", True),
        (
            "Notes, indicator definitions and caveats are in the Notes and Definitions sheets. "
            "Cells marked [c] are suppressed to protect confidentiality, [x] not available, "
            "[z] not applicable.",
            False,
        ),
        ("Contact", True),
        (CONTACT, False),
        ("Copyright", True),
        (
            f"{COPYRIGHT} {year}".strip() + ". You may re-use this information under the terms "
            "of the Open Government Licence v3.0.",
            False,
        ),
    ]
    for k, (text, bold) in enumerate(rows, start=2):
        ws.cell(row=k, column=1, value=text)
        if bold:
            _bold(ws.cell(row=k, column=1))
    _widths(ws, [110])


def _context_rows(content: ChartContent) -> list[tuple[str, bool]]:
    """The cover's "What the figures are for" rows: each context item as "Label: code"."""
    lines = context_lines(content)
    if not lines:
        return []
    return [("What the figures are for", True), *((f"{k}: {v}", False) for k, v in lines)]


def _contents_sheet(ws: Any, content: ChartContent) -> None:
    from openpyxl.worksheet.hyperlink import Hyperlink

    _title(ws, "Contents")
    ws["A2"] = "This worksheet contains one table."
    ws.append(["Sheet name", "Sheet title"])
    entries = [
        ("Cover", "About this spreadsheet"),
        ("Notes", "Notes, the status key and caveats"),
        ("Definitions", "Indicator definitions (version " + DEFINITIONS_VERSION + ")"),
        (TABLE_SHEET, content.title),
    ]
    for sheet, text in entries:
        ws.append([sheet, text])
        cell = ws.cell(row=ws.max_row, column=1)
        cell.hyperlink = Hyperlink(ref=cell.coordinate, location=f"'{sheet}'!A1", display=sheet)
        cell.style = "Hyperlink"
    _add_table(ws, "Contents_table", 3, len(entries), 2)
    _widths(ws, [16, 90])


def _notes_sheet(ws: Any, notes: Sequence[str]) -> None:
    _title(ws, "Notes")
    ws["A2"] = "This worksheet contains one table."
    ws.append(["Note number", "Note text"])
    for k, note in enumerate(notes, start=1):
        ws.append([f"[note {k}]", note])
    _add_table(ws, "Notes_table", 3, len(notes), 2)
    _widths(ws, [14, 140])


def _definitions_sheet(ws: Any, content: ChartContent) -> None:
    _title(ws, "Indicator definitions")
    ws["A2"] = (
        f"Definitions version {DEFINITIONS_VERSION}. This worksheet contains one table, "
        "one row per indicator in the chart."
    )
    inds = chart_indicators(content)
    labels = [label for label, _ in metadata_lines(inds[0])] if inds else ["Indicator id"]
    ws.append(labels)
    for ind in inds:
        ws.append([text for _, text in metadata_lines(ind)])
    _add_table(ws, "Definitions_table", 3, len(inds), len(labels))
    _widths(ws, [26, 30, 70, 40, 40, 18, 18, 30, 20, 24][: len(labels)])


def _table_sheet(ws: Any, content: ChartContent, n_notes: int) -> None:
    table = content.table.reset_index(drop=True)
    status = table[STATUS].astype(object) if STATUS in table else pd.Series(None, table.index)
    # the rows' codes (``CODE_COLUMNS``) are in the CSV; the sheet shows the names, as the twin
    shown = [c for c in table.columns if c != STATUS and c not in CODE_COLUMNS]
    numeric = set(numeric_columns(table))
    units = _column_formats(content, numeric)
    _title(ws, f"{content.title}")
    ws["A2"] = content.subtitle
    ws["A3"] = meta_line(content)
    ws["A4"] = (
        "This table contains notes: see the Notes sheet [note 1] to "
        f"[note {n_notes}]. Cells marked [c] are suppressed to protect confidentiality, "
        "[x] not available, [z] not applicable."
    )
    header = 5
    ws.append(shown)
    for i in range(len(table)):
        mark = status.iloc[i]
        row: list[str | float] = []
        for column in shown:
            value = table[column].iloc[i]
            if pd.isna(value):
                # no blank cells (Analysis Function guidance): the row's status, else [x]
                row.append(f"[{mark}]" if isinstance(mark, str) and mark else "[x]")
            elif column in numeric:
                row.append(float(value) if not float(value).is_integer() else int(value))
            else:
                row.append(str(value))
        ws.append(row)
        for k, column in enumerate(shown, start=1):
            if column in units:
                ws.cell(row=ws.max_row, column=k).number_format = units[column]
    _add_table(ws, "Table_1", header, len(table), len(shown))
    _widths(ws, [max(12, min(40, len(str(c)) + 4)) for c in shown])


def _column_formats(content: ChartContent, numeric: set[str]) -> dict[str, str]:
    """An Excel number format per numeric column (display only: the values stay unrounded)."""
    units = content.table.attrs.get(UNITS, {})
    out = {}
    for column in numeric:
        unit, dp = (
            display_unit(units[column])
            if column in units
            else (
                ("count", None)
                if pd.api.types.is_integer_dtype(content.table[column])
                else ("rate", None)
            )
        )
        places = dp if dp is not None else {"count": 0, "days": 0}.get(unit, 1)
        out[column] = "#,##0" + ("." + "0" * places if places else "")
    return out
