"""Checking one return file against the return specification, sections 1-3 (not E108/E109).

``check_file`` reads a file (``etl.reading``), checks its name, period and area, its sheets and
columns (``etl.checks.sheets``), every cell (``etl.checks.values``) and the rules across cells and
sheets (``etl.checks.rows``), and gives a ``CheckedReturn``: every finding in report order and the
typed tables.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.checks import rows as check_rows
from etl.checks.id_codes import IdCodes
from etl.checks.sheets import Column, map_header, optional_missing, sheet_columns, type_sheet
from etl.checks.values import Issues
from etl.raw_sheet import RawSheet
from etl.reading import SHEET_NAMES, read_return
from lfo.findings import STOPPING, Finding, mask_personal
from lfo.periods import Quarter
from lfo.reference import load_reference

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^LFO_(E\d{8})_(\d{4})-(\d{2})_Q([1-4])\.(?i:xlsx|zip)$")
WHOLE_COLUMNS = ("sessions_planned", "sessions_attended", "score")


@dataclass
class CheckedReturn:
    path: Path
    file_name: str
    area_code: str | None
    quarter: Quarter | None
    findings: list[Finding]
    stopped: bool
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    participant_ids: set[str] = field(default_factory=set)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def error_rows(self) -> dict[str, set[int]]:
        """Excel row numbers with at least one error, per sheet."""
        out: dict[str, set[int]] = {s: set() for s in SHEET_NAMES}
        for f in self.findings:
            if f.severity == "error" and f.row is not None and f.sheet in out:
                out[f.sheet].add(f.row)
        return out


def parse_file_name(name: str) -> tuple[str, Quarter] | None:
    """(GSS code, quarter) from ``LFO_<gss>_<yyyy-yy>_Q<n>.<ext>``, or None if it does not fit."""
    m = NAME_RE.match(name)
    if not m:
        return None
    fy = int(m.group(2))
    if (fy + 1) % 100 != int(m.group(3)):
        return None
    return m.group(1), Quarter(fy, int(m.group(4)))


def _identity(
    name: str, known_areas: Collection[str], today: dt.date
) -> tuple[str | None, Quarter | None, list[Finding]]:
    parsed = parse_file_name(name)
    if parsed is None:
        return (
            None,
            None,
            [
                Finding(
                    name,
                    None,
                    None,
                    None,
                    name,
                    "E102",
                    f"the file name '{name}' does not follow the pattern LFO_<LA code>_<yyyy-yy>_Q<n>"
                    ".xlsx (or .zip), for example LFO_E08000021_2017-18_Q3.xlsx: rename the file",
                )
            ],
        )
    area, quarter = parsed
    findings = []
    if area not in known_areas:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                area,
                "E103",
                f"the LA code '{area}' is not one of the programme's current areas (unknown, "
                "or retired with `etl areas --retire`): check the code in the file name",
            )
        )
    if quarter.index < 0:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                quarter.display,
                "E104",
                f"the period {quarter.display} is before the programme started "
                "(2016-17 Q1): check the period in the file name",
            )
        )
    elif not today > quarter.end:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                quarter.display,
                "E104",
                f"the quarter {quarter.display} has not ended yet (it ends on "
                f"{quarter.end.isoformat()}): send the return after that day",
            )
        )
    return area, quarter, findings


def check_file(path: Path, *, known_areas: Collection[str], today: dt.date) -> CheckedReturn:
    """Every check of spec sections 1-3 except E108 and E109, on one return file."""
    path = Path(path)
    name = path.name
    area, quarter, findings = _identity(name, known_areas, today)
    result = CheckedReturn(path, name, area, quarter, findings, stopped=True)
    if area is None and path.suffix.lower() not in (".xlsx", ".zip"):
        return _finish(result)  # not a return at all: E102 says it all
    read = read_return(path)
    findings += read.findings
    if read.stopped:
        return _finish(result)
    reference = load_reference()
    columns = sheet_columns(reference)
    positions = {}
    for sheet in SHEET_NAMES:
        positions[sheet], header_findings = map_header(name, read.sheets[sheet], columns[sheet])
        findings += header_findings
    raw_pt = read.sheets["participants"]
    pos = positions["participants"].get("participant_id")
    if pos is not None:
        result.participant_ids = set(raw_pt.text[pos].to_numpy(dtype=object).tolist()) - {""}
    participants_ok = not any(f.code == "E106" and f.sheet == "participants" for f in findings)
    if participants_ok and len(raw_pt.rows) == 0:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                None,
                "E107",
                "the participants sheet has no rows: a return holds every "
                "participant since the programme started",
            )
        )
    if any(f.code in STOPPING for f in findings) or quarter is None:
        return _finish(result)

    tables, missing, issues, text = {}, {}, {}, {}
    for sheet in SHEET_NAMES:
        raw = read.sheets[sheet]
        tables[sheet], missing[sheet], issues[sheet] = type_sheet(
            raw, columns[sheet], positions[sheet]
        )
        text[sheet] = _texts(raw, columns[sheet], positions[sheet])
        findings += optional_missing(
            name, sheet, columns[sheet], positions[sheet], missing[sheet], raw.rows
        )
        findings += _extra_fields(name, raw)
    check_rows.check_ranges(tables, text, issues, reference)
    ids = IdCodes(tables)
    check_rows.check_keys(tables, text, issues, ids)
    check_rows.check_dates(tables, text, issues, quarter, ids)
    check_rows.check_status(tables, missing, text, issues)
    check_rows.check_timing(tables, text, issues, quarter, ids)
    for sheet in SHEET_NAMES:
        findings += _cell_findings(name, sheet, read.sheets[sheet].rows, issues[sheet])
        for col in WHOLE_COLUMNS:
            if col in tables[sheet]:
                values = tables[sheet][col]
                tables[sheet][col] = values.where(values.abs() < 2**31).round().astype("Int64")
    result.tables = tables
    result.stopped = False
    return _finish(result)


def _texts(raw: RawSheet, columns: list[Column], positions: dict[str, int]) -> dict[str, pd.Series]:
    empty = pd.Series([""] * len(raw.rows), dtype="str")
    return {
        c.name: (raw.text[positions[c.name]] if c.name in positions else empty) for c in columns
    }


def _extra_fields(name: str, raw: RawSheet) -> list[Finding]:
    return [
        Finding(
            name,
            raw.name,
            row,
            None,
            extra,
            "E202",
            f"this row has more fields than the header (extra: '{extra}'): remove the "
            "extra commas, or put values that contain commas in double quotes",
        )
        for row, extra in sorted(raw.extra_fields.items())
    ]


def _cell_findings(
    name: str, sheet: str, rows: np.ndarray, issues: dict[str, Issues]
) -> list[Finding]:
    out = []
    for column, found in issues.items():
        for pos, code, values, messages in zip(
            found.pos, found.code, found.value, found.message, strict=True
        ):
            for row, value, message in zip(
                rows[pos].tolist(), values.tolist(), messages, strict=True
            ):
                shown = None if value is None or value != value or value == "" else str(value)
                if code == "E210":
                    shown = mask_personal(shown)
                out.append(Finding(name, sheet, row, column, shown, code, message))
    return out


def _order(checked_columns: dict[str, list[str]]) -> Callable[[Finding], tuple[int, int, int, str]]:
    def key(f: Finding) -> tuple[int, int, int, str]:
        sheet_rank = SHEET_NAMES.index(f.sheet) if f.sheet in SHEET_NAMES else -1
        cols = checked_columns.get(f.sheet or "", [])
        col_rank = cols.index(f.column) if f.column in cols else len(cols)
        return (sheet_rank, f.row or 0, col_rank, f.code)

    return key


def _finish(result: CheckedReturn) -> CheckedReturn:
    columns = {s: [c.name for c in cols] for s, cols in sheet_columns(load_reference()).items()}
    result.findings.sort(key=_order(columns))
    result.stopped = result.stopped or any(f.code in STOPPING for f in result.findings)
    if result.stopped:
        result.tables = {}
    log.info(
        "checked %s: %d findings%s",
        result.file_name,
        len(result.findings),
        " (stopped)" if result.stopped else "",
    )
    return result
