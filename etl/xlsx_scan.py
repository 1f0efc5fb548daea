"""Measuring a workbook sheet before it is read: E110 for too many columns or rows, in seconds.

``scan_sheet`` streams the sheet's XML out of the zip (decompressed bytes counted, a pull parser,
each row forgotten once seen) and stops at the first cell that breaks a limit, so a hostile
workbook (16,384 columns, a million rows) costs what reading its first offending row costs. It
never trusts the sheet's own ``<dimension>``: it reads every cell's reference. It gives the widest
column that holds anything, so the reader (openpyxl) can be told to read no further.

A cell "holds something" when it has a value, a formula or inline text (a child element); a cell
that is only formatted holds nothing and never counts against the column limit, but no cell may lie
past Excel's own last column (XFD, 16,384), and no row may have more cells than that.
"""

from __future__ import annotations

import zipfile
from typing import cast
from xml.etree.ElementTree import Element, ParseError, XMLPullParser

from etl.read_limits import (
    MAX_COLUMNS,
    MAX_ROWS,
    Budget,
    ReadStop,
    e101,
    e110,
    member_chunks,
    too_many_columns,
)

EXCEL_COLUMNS = 16_384  # XFD: no cell of a real workbook lies further right
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
    cell past Excel's last column, or the row past the row limit; E101 when the XML is damaged.
    """
    parser: XMLPullParser[Element] = XMLPullParser(events=("start", "end"))
    counter = _Counter(name, title)
    try:
        for chunk in member_chunks(zf, zf.getinfo(member), Budget(name)):
            parser.feed(chunk)
            for item in parser.read_events():
                event, elem = cast(tuple[str, Element], item)
                counter.see(event, elem)
        parser.close()
    except ParseError as exc:
        raise e101(
            name,
            f"the workbook is damaged (the sheet '{title}': {exc}): open it in Excel and save "
            "it again as .xlsx",
        ) from exc
    except KeyError as exc:
        raise e101(name, f"the workbook is damaged (no sheet '{title}'): save it again") from exc
    return counter.widest


class _Counter:
    """Columns and rows of one sheet, element by element; each row forgotten once counted."""

    def __init__(self, name: str, title: str) -> None:
        self.name, self.title = name, title
        self.widest = self.rows = self.cells = self.column = 0
        self.valued = False
        self.sheet_data: Element | None = None

    def see(self, event: str, elem: Element) -> None:
        tag = elem.tag
        if event == "start":
            if tag.endswith("sheetData"):
                self.sheet_data = elem
        elif tag.endswith("}c") or tag == "c":
            self.cell(elem)
        elif tag.endswith("}row") or tag == "row":
            self.rows += self.valued
            if self.rows > MAX_ROWS + 1:  # the header is not a row
                raise e110(
                    self.name, self.title, f"the sheet '{self.title}' has more than 1,000,000 rows"
                )
            self.cells = self.column = 0
            self.valued = False
            elem.clear()
            if self.sheet_data is not None:
                self.sheet_data.clear()

    def cell(self, elem: Element) -> None:
        self.cells += 1
        ref = elem.get("r")
        self.column = column_number(ref, self.column)
        if self.column > EXCEL_COLUMNS or self.cells > EXCEL_COLUMNS:
            raise too_many_columns(self.name, f"the sheet '{self.title}'", None, _HINT)
        if len(elem):  # a value, a formula or inline text
            if self.column > MAX_COLUMNS:
                raise _wide(self.name, self.title, self.column, ref)
            self.widest = max(self.widest, self.column)
            self.valued = True


def _wide(name: str, title: str, column: int, ref: str | None) -> ReadStop:
    cell = f"cell {ref[:12]}" if ref else f"column {column_letters(column)}"
    return e110(
        name,
        title,
        f"the sheet '{title}' has more than {MAX_COLUMNS} columns (a value in {cell}, column {column:,}): "
        f"a return has at most 10 columns a sheet; {_HINT}",
    )
