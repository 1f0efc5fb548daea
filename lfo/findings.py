"""Finding codes of the return specification (section 3) and the finding record.

Every check reports ``Finding`` rows; the report, the console summary and the ``etl_findings``
table all use these columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

FINDING_COLUMNS = ["file", "sheet", "row", "column", "value", "code", "severity", "message"]

# code -> (severity, short title used in summaries)
CODES: dict[str, tuple[str, str]] = {
    "E101": ("error", "file cannot be read"),
    "E102": ("error", "file name does not follow the pattern"),
    "E103": ("error", "LA code is not a programme area"),
    "E104": ("error", "period not allowed"),
    "E105": ("error", "required sheet missing"),
    "E106": ("error", "required column missing, duplicated or empty CSV"),
    "E107": ("error", "no participants"),
    "E108": ("error", "stale return"),
    "E109": ("error", "return has shrunk"),
    "E110": ("error", "file too large"),
    "E201": ("error", "required value missing"),
    "E202": ("error", "wrong type or format"),
    "E203": ("error", "value not allowed"),
    "E204": ("error", "out of range"),
    "E205": ("error", "duplicate key"),
    "E206": ("error", "reference to a missing record"),
    "E207": ("error", "dates in the wrong order"),
    "E208": ("error", "date outside the return's coverage"),
    "E209": ("error", "status and fields disagree"),
    "E210": ("error", "identifier looks like personal data"),
    "W301": ("warning", "questionnaire late"),
    "W302": ("warning", "completed with no sessions attended"),
    "W303": ("warning", "unknown column, sheet or file ignored"),
    "W304": ("warning", "referral with no episode"),
    "W305": ("warning", "optional values missing"),
    "W306": ("warning", "CSV read as Windows-1252"),
}

# Return-level codes that stop the checks of a return.
STOPPING = frozenset({"E101", "E102", "E103", "E104", "E105", "E106", "E107", "E110"})


@dataclass(frozen=True)
class Finding:
    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    code: str
    message: str

    @property
    def severity(self) -> str:
        return CODES[self.code][0]

    def as_dict(self) -> dict[str, str | int | None]:
        return {
            "file": self.file,
            "sheet": self.sheet,
            "row": self.row,
            "column": self.column,
            "value": self.value,
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
        }


def findings_frame(findings: list[Finding] | None = None) -> pd.DataFrame:
    """Findings as a DataFrame with the report's columns (empty frame keeps them)."""
    rows = [f.as_dict() for f in findings or []]
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def mask_personal(value: str | None) -> str | None:
    """How an E210 value is shown anywhere: its first two characters, then ``***``."""
    if value is None:
        return None
    return value[:2] + "***"
