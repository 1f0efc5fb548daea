"""Hostile return files of issue 10, built fast (also by ``benchmarks/hostile_files.py``).

- ``wide_csv_zip``: a valid zip return whose participants.csv has thousands of extra columns, in
  its header and in every row (the attack: 200,000 extra columns in a 440 KB zip);
- ``wide_xlsx``: a valid workbook whose participants sheet is written again with thousands of
  columns (the attack: 16,384 columns, 36 MB) and a ``<dimension>`` that lies about its size;
- ``sheet_xml``: the XML of one sheet from a header and rows, for hand-made workbooks.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from pathlib import Path
from xml.sax.saxutils import escape

from openpyxl.utils import get_column_letter

from support.returns import SHEETS, valid_tables, write_return

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _participant_rows(tables: dict[str, list[dict]], repeat: int) -> list[list[str]]:
    header = SHEETS["participants"]
    out = []
    for i in range(repeat):
        for rec in tables["participants"]:
            row = [str(rec.get(c, "")) for c in header]
            if repeat > 1:
                row[0] = f"{row[0]}r{i}"
            out.append(row)
    return out


def wide_csv_zip(
    folder: Path, extra_columns: int = 200_000, repeat: int = 1, name: str | None = None
) -> Path:
    """A zip return whose participants.csv has ``extra_columns`` more columns, each filled."""
    path = write_return(folder, name=name)
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    extra_head = "".join(f",extra_{j}" for j in range(extra_columns))
    extra_cells = ",1" * extra_columns
    buf = io.StringIO()
    buf.write(",".join(SHEETS["participants"]) + extra_head + "\r\n")
    for row in _participant_rows(valid_tables(), repeat):
        buf.write(",".join(row) + extra_cells + "\r\n")
    members["participants.csv"] = buf.getvalue().encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return path


def _cell(ref: str, value: str) -> str:
    if value.isdigit():
        return f'<c r="{ref}"><v>{value}</v></c>'
    return f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>'


def sheet_rows_xml(rows: Iterable[list[str]], start: int = 1) -> Iterable[str]:
    """``<row>`` elements, one per list of cell texts (empty texts written as no cell)."""
    for r, row in enumerate(rows, start=start):
        cells = "".join(
            _cell(f"{get_column_letter(j)}{r}", v) for j, v in enumerate(row, start=1) if v != ""
        )
        yield f'<row r="{r}">{cells}</row>'


def sheet_xml(rows: Iterable[str], dimension: str = "A1:J4") -> Iterable[str]:
    """A worksheet's XML around ``rows`` (``<row>`` elements), with a ``<dimension>`` as given."""
    yield f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{MAIN_NS}">'
    yield f'<dimension ref="{dimension}"/><sheetData>'
    yield from rows
    yield "</sheetData></worksheet>"


def replace_sheet(path: Path, member: str, parts: Iterable[str]) -> None:
    """Rewrite the workbook at ``path`` with ``member`` streamed from ``parts``."""
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist() if n != member}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items.items():
            zf.writestr(name, data)
        with zf.open(member, "w", force_zip64=True) as out:
            for part in parts:
                out.write(part.encode())


def wide_xlsx(
    folder: Path, columns: int = 16_384, repeat: int = 1, name: str | None = None
) -> Path:
    """A workbook return whose participants sheet fills every column up to ``columns`` (the
    ``<dimension>`` still says A1:J4)."""
    path = write_return(folder, fmt="xlsx", name=name)
    header = SHEETS["participants"]
    extra = columns - len(header)
    head = header + [f"extra_{j}" for j in range(extra)]
    body = [row + ["1"] * extra for row in _participant_rows(valid_tables(), repeat)]
    replace_sheet(path, "xl/worksheets/sheet1.xml", sheet_xml(sheet_rows_xml([head, *body])))
    return path
