"""Reading a return file safely: ``.xlsx`` workbooks and ``.zip`` files of CSVs.

``read_return(path)`` opens the file without trusting it (size, zip bombs, row and column counts,
encodings: the limits in ``etl.read_limits``; a workbook sheet measured by ``etl.xlsx_scan`` before
openpyxl reads it, a CSV's header from its first bytes) and gives the three sheets as ``RawSheet`` (``etl.raw_sheet``): every cell as trimmed text plus its
kind (text, number, date, formula, ...), so the checks can tell a typed date from a date cell and a
formula from its text. Problems that stop the return (E101, E105, E106 for an empty CSV, E110) and
the warnings W303 and W306 come back as ``Finding`` objects; nothing is evaluated, nothing is
silently dropped.
"""

from __future__ import annotations

import codecs
import logging
import warnings
import zipfile
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

from etl.csv_sheet import check_header_width, csv_sheet
from etl.raw_sheet import EMPTY, RawSheet, sheet_frame, xlsx_cell
from etl.read_limits import (
    MAX_COLUMNS,
    MAX_FILE_BYTES,
    MAX_ROWS,
    MAX_UNPACKED_BYTES,
    ZIP_ERRORS,
    Budget,
    ReadStop,
    check_declared_sizes,
    e101,
    e110,
    member_chunks,
    too_many_columns,
)
from etl.xlsx_scan import scan_sheet
from lfo.findings import Finding

__all__ = ["MAX_FILE_BYTES", "MAX_UNPACKED_BYTES", "ReadResult", "ReadStop", "read_return"]

log = logging.getLogger(__name__)

SHEET_NAMES = ("participants", "interventions", "outcomes")
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HEADER_SCAN = (MAX_COLUMNS + 1) * 131_072  # bytes that hold any header within the limits


@dataclass
class ReadResult:
    sheets: dict[str, RawSheet]
    findings: list[Finding]
    stopped: bool


# ---------------------------------------------------------------- entry point


def read_return(path: Path) -> ReadResult:
    """Read a return file; return-level problems stop reading and are given as findings."""
    path = Path(path)
    name = path.name
    findings: list[Finding] = []
    try:
        size = path.stat().st_size
    except OSError as exc:
        f = Finding(name, None, None, None, None, "E101", f"the file cannot be opened ({exc})")
        return ReadResult({}, [f], True)
    if size > MAX_FILE_BYTES:
        f = Finding(
            name,
            None,
            None,
            None,
            str(size),
            "E110",
            f"the file is {size / 1024 / 1024:.1f} MB, over the 50 MB limit: remove "
            "other sheets, formatting and images, or send the data as a .zip of CSV files",
        )
        return ReadResult({}, [f], True)
    ext = path.suffix.lower()
    try:
        if ext == ".xlsx":
            sheets = _read_xlsx(path, findings)
        elif ext == ".zip":
            sheets = _read_zip(path, findings)
        else:
            raise ReadStop(
                Finding(
                    name,
                    None,
                    None,
                    None,
                    ext,
                    "E101",
                    f"'{ext}' files cannot be read: send a .xlsx or .zip file",
                )
            )
    except ReadStop as stop:
        return ReadResult({}, [*findings, stop.finding], True)
    missing = [s for s in SHEET_NAMES if s not in sheets]
    for s in missing:
        what = "sheet" if ext == ".xlsx" else "file"
        item = s if ext == ".xlsx" else f"{s}.csv"
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                s,
                "E105",
                f"the {what} '{item}' is missing: add it, with its header row",
            )
        )
    return ReadResult(sheets, findings, bool(missing))


# ---------------------------------------------------------------- xlsx


def _read_xlsx(path: Path, findings: list[Finding]) -> dict[str, RawSheet]:
    name = path.name
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        raise e101(
            name,
            "the workbook is password-protected or in the old .xls format: "
            "remove the password and save it as .xlsx",
        )
    try:
        with zipfile.ZipFile(path) as zf:
            check_declared_sizes(zf, name)
            budget = Budget(name)
            for info in zf.infolist():  # guard the real sizes before openpyxl unpacks anything
                for _ in member_chunks(zf, info, budget):
                    pass
    except ZIP_ERRORS as exc:
        raise e101(
            name,
            f"the file is not a valid .xlsx workbook ({exc.__class__.__name__}): "
            "open it in Excel and save it again as .xlsx",
        ) from exc
    try:
        with warnings.catch_warnings():  # e.g. "no default style": not the LA's concern
            warnings.simplefilter("ignore", UserWarning)
            wb = openpyxl.load_workbook(path, read_only=True, data_only=False)
    except (
        *ZIP_ERRORS,
        InvalidFileException,
        ParseError,
        TypeError,
        IndexError,
        AttributeError,
    ) as exc:
        raise e101(
            name,
            f"the file is not a valid .xlsx workbook ({exc.__class__.__name__}): "
            "open it in Excel and save it again as .xlsx",
        ) from exc
    sheets: dict[str, RawSheet] = {}
    try:
        scan = zipfile.ZipFile(path)  # each sheet measured before openpyxl reads its rows
    except ZIP_ERRORS as exc:
        wb.close()
        raise e101(name, f"the file is not a valid .xlsx workbook ({exc})") from exc
    try:
        for title in wb.sheetnames:
            key = title.strip().lower()
            ws = wb[title]
            if key not in SHEET_NAMES or key in sheets or not hasattr(ws, "iter_rows"):
                findings.append(
                    Finding(
                        name,
                        None,
                        None,
                        None,
                        title,
                        "W303",
                        f"the sheet '{title}' is not part of the return and was ignored",
                    )
                )
                continue
            member = getattr(ws, "_worksheet_path", None)  # openpyxl's name of the sheet's XML
            width = scan_sheet(scan, member, title, name) if member else None
            ws.reset_dimensions()  # a stale <dimension> tag would hide rows and columns
            sheets[key] = _xlsx_sheet(ws, key, title, name, width or None)
    except (*ZIP_ERRORS, ParseError, TypeError, IndexError, AttributeError) as exc:
        raise e101(
            name,
            f"the workbook is damaged ({exc.__class__.__name__}): open it in Excel "
            "and save it again as .xlsx",
        ) from exc
    finally:
        scan.close()
        wb.close()
    return sheets


def _xlsx_sheet(ws: object, key: str, title: str, name: str, width: int | None) -> RawSheet:
    """The sheet's rows, read no further right than ``width`` (the widest column holding anything,
    as ``scan_sheet`` measured it)."""
    header: list[str] | None = None
    texts: list[list[str]] = []
    kinds: list[list[str]] = []
    rows: list[int] = []
    cells_by_row = ws.iter_rows(max_col=width)  # type: ignore[attr-defined]
    for excel_row, cells in enumerate(cells_by_row, start=1):
        pairs = [xlsx_cell(c) for c in cells]
        if len(pairs) > MAX_COLUMNS and any(k != EMPTY for _, k in pairs[MAX_COLUMNS:]):
            raise too_many_columns(name, title, None, "delete the extra columns")
        if header is None:
            header = [t for t, _ in pairs]
            continue
        if not any(k for _, k in pairs):
            continue
        rows.append(excel_row)
        if len(rows) > MAX_ROWS:
            raise e110(name, title, f"the sheet '{title}' has more than 1,000,000 rows")
        texts.append([t for t, _ in pairs])
        kinds.append([k for _, k in pairs])
    if header is None:
        return sheet_frame(key, title, [], [], [], [], empty_file=True)
    return sheet_frame(key, title, header, texts, kinds, rows)


# ---------------------------------------------------------------- zip of CSVs


def _read_zip(path: Path, findings: list[Finding]) -> dict[str, RawSheet]:
    name = path.name
    with path.open("rb") as fh:
        head = fh.read(8)
    if head == OLE_MAGIC:
        raise e101(
            name,
            "the file is not a zip file (it looks like an old Excel or a "
            "password-protected file): send a .zip of CSV files",
        )
    try:
        zf = zipfile.ZipFile(path)
    except ZIP_ERRORS as exc:
        raise e101(
            name, f"the file is not a valid zip file ({exc.__class__.__name__}): make the zip again"
        ) from exc
    with zf:
        check_declared_sizes(zf, name)
        members = _pick_members(zf, name, findings)
        if any(info.flag_bits & 0x1 for info in members.values()):
            raise e101(name, "the zip is password-protected: make it again without a password")
        budget = Budget(name)
        sheets: dict[str, RawSheet] = {}
        for key, info in members.items():
            try:
                sheets[key] = _csv_sheet(zf, info, key, name, budget, findings)
            except ReadStop:
                raise
            except ZIP_ERRORS as exc:
                raise e101(
                    name,
                    f"'{info.filename}' in the zip cannot be read "
                    f"({exc.__class__.__name__}): make the zip again",
                ) from exc
    return sheets


def _pick_members(
    zf: zipfile.ZipFile, name: str, findings: list[Finding]
) -> dict[str, zipfile.ZipInfo]:
    """Members named <sheet>.csv at the top level or in one top-level folder; others get W303."""
    files = [
        i
        for i in zf.infolist()
        if not i.is_dir() and not i.filename.replace("\\", "/").lower().startswith("__macosx/")
    ]
    folders = {
        i.filename.replace("\\", "/").split("/")[0]
        for i in files
        if i.filename.replace("\\", "/").count("/") == 1
    }
    picked: dict[str, zipfile.ZipInfo] = {}
    for info in files:
        parts = info.filename.replace("\\", "/").split("/")
        base = parts[-1].strip().lower()
        ok_place = len(parts) == 1 or (len(parts) == 2 and len(folders) == 1)
        key = base[:-4] if base.endswith(".csv") else None
        if ok_place and key in SHEET_NAMES and key not in picked:
            picked[key] = info
        else:
            findings.append(
                Finding(
                    name,
                    None,
                    None,
                    None,
                    info.filename,
                    "W303",
                    f"'{info.filename}' in the zip is not part of the return and was ignored",
                )
            )
    return picked


def _decode_csv(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, budget: Budget
) -> tuple[str, bool]:
    """The member's text and whether it was read as Windows-1252 (its header's width checked as
    soon as its first ``HEADER_SCAN`` bytes are in, before the rest is read)."""
    data = bytearray()
    measured = False
    for chunk in member_chunks(zf, info, budget):
        if b"\x00" in chunk:
            raise e101(
                name,
                f"'{info.filename}' holds NUL bytes (UTF-16 or a binary file): "
                "save it as CSV UTF-8",
            )
        data += chunk
        if not measured and len(data) >= HEADER_SCAN:
            check_header_width(bytes(data[:HEADER_SCAN]), info.filename, name)
            measured = True
    if not measured:
        check_header_width(bytes(data), info.filename, name)
    raw = bytes(data)
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise e101(name, f"'{info.filename}' is in UTF-16: save it as CSV UTF-8")
    if raw.startswith(codecs.BOM_UTF8):
        raw = raw[len(codecs.BOM_UTF8) :]
    try:
        return raw.decode("utf-8"), False
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252"), True
    except UnicodeDecodeError as exc:
        raise e101(
            name, f"'{info.filename}' is neither UTF-8 nor Windows-1252 text: save it as CSV UTF-8"
        ) from exc


def _csv_sheet(
    zf: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    key: str,
    name: str,
    budget: Budget,
    findings: list[Finding],
) -> RawSheet:
    content, cp1252 = _decode_csv(zf, info, name, budget)
    if cp1252:
        findings.append(
            Finding(
                name,
                key,
                None,
                None,
                info.filename,
                "W306",
                f"'{info.filename}' was read as Windows-1252, not UTF-8: check "
                "accented letters and save it as CSV UTF-8 next time",
            )
        )
    if not content:
        return sheet_frame(key, info.filename, [], [], [], [], empty_file=True)
    return csv_sheet(content, key, info.filename, name)
