"""Measuring a workbook sheet before it is read: E110 for too many columns or rows, in seconds.

``scan_sheet`` streams the sheet's XML out of the zip (decompressed bytes counted, expat's
handlers, nothing kept) and stops at the first cell that breaks a limit, so a hostile
workbook (16,384 columns, a million rows) costs what reading its first offending row costs. It
never trusts the sheet's own ``<dimension>``: it reads every cell's reference. It gives the widest
column that holds anything, so the reader (openpyxl) can be told to read no further.

Every cell the sheet's XML has counts against the column limit, one that is only formatted too
(Excel writes a cell for it): otherwise rows of formatted empty cells out to column XFD would cost
openpyxl minutes while holding nothing. A cell "holds something" when it has a value, a formula or
inline text (``v``, ``f``, ``is``): the widest such column is what openpyxl is told to read.
"""

from __future__ import annotations

import zipfile
from xml.parsers import expat

from etl.read_limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    Budget,
    ReadStop,
    e101,
    e110,
    member_chunks,
)

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"  # as openpyxl reads it
_CELL, _ROW = f"{_MAIN}}}c", f"{_MAIN}}}row"
_CONTENT = frozenset(f"{_MAIN}}}{tag}" for tag in ("v", "f", "is"))  # what a cell may hold
_DIGITS = "0123456789"
_HINT = (
    "delete the columns after the last one of the return (even empty ones that were formatted) "
    "and save the file again"
)


def column_number(ref: str | None, previous: int) -> int:
    """The column (1 = A) of a cell reference such as ``CW12``; ``previous + 1`` without one."""
    if not ref:
        return previous + 1
    letters = ref.rstrip(_DIGITS)
    if not letters or len(letters) > 3 or not letters.isalpha() or not letters.isascii():
        return previous + 1
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def column_letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def scan_sheet(zf: zipfile.ZipFile, member: str, title: str, name: str) -> int:
    """The widest column holding anything in the sheet ``title`` (0 when none holds anything).

    Raises ``ReadStop`` (E110) at the first cell past column 100 that holds something, the first
    cell past Excel's last column, or the row past the row limit; E101 when the XML is damaged or
    declares a document type (Excel never writes one; entities are how XML bombs work).
    """
    counter = _Counter(name, title)
    parser = expat.ParserCreate(namespace_separator="}")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = counter.doctype
    parser.StartElementHandler = counter.start
    try:
        for chunk in member_chunks(zf, zf.getinfo(member), Budget(name)):
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
        counter.end_row()
    except expat.ExpatError as exc:
        raise e101(
            name,
            f"the workbook is damaged (the sheet '{title}': {expat.ErrorString(exc.code)}): "
            "open it in Excel and save it again as .xlsx",
        ) from exc
    except KeyError as exc:
        raise e101(name, f"the workbook is damaged (no sheet '{title}'): save it again") from exc
    return counter.widest


class _Counter:
    """Columns and rows of one sheet, element by element (expat's handlers); nothing is kept."""

    def __init__(self, name: str, title: str) -> None:
        self.name, self.title = name, title
        self.widest = self.rows = self.cells = self.column = 0
        self.open_cell = self.row_valued = False
        self.ref: str | None = None

    def doctype(self, *_: object) -> None:
        raise e101(
            self.name,
            f"the sheet '{self.title}' declares a document type, which Excel never writes: "
            "open the file in Excel and save it again as .xlsx",
        )

    def start(self, tag: str, attrs: dict[str, str]) -> None:
        """Only start tags are needed: a cell's first value, formula or inline text says it holds
        something; a row's start ends the row before it (``end_row`` ends the last one)."""
        if tag == _CELL:
            self.open_cell = True
            self.cells += 1
            self.ref = attrs.get("r")
            self.column = column_number(self.ref, self.column)
            if self.column > MAX_COLUMNS or self.cells > MAX_COLUMNS:
                raise _wide(self.name, self.title, max(self.column, self.cells), self.ref)
        elif tag in _CONTENT:
            if self.open_cell:
                self.open_cell = False
                if self.column > self.widest:
                    self.widest = self.column
                self.row_valued = True
        elif tag == _ROW:
            self.end_row()

    def end_row(self) -> None:
        self.rows += self.row_valued
        if self.rows > MAX_ROWS + 1:  # the header is not a row
            raise e110(
                self.name, self.title, f"the sheet '{self.title}' has more than 1,000,000 rows"
            )
        self.cells = self.column = 0
        self.open_cell = self.row_valued = False


def _wide(name: str, title: str, column: int, ref: str | None) -> ReadStop:
    cell = f"cell {ref[:12]}" if ref else f"a cell in column {column_letters(column)}"
    return e110(
        name,
        title,
        f"the sheet '{title}' has more than {MAX_COLUMNS} columns ({cell}, column {column:,}, "
        f"holds a value or formatting): a return has at most 10 columns a sheet; {_HINT}",
    )
