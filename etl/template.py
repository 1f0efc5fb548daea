"""The return template: an empty workbook for LAs, with drop-down lists and a notes sheet.

Every allowed value comes from ``lfo.reference`` (the same values the checks use). Code lists sit on
a hidden ``lists`` sheet and the drop-downs refer to them by name, which avoids Excel's 255-character
limit on lists typed into a validation. ID and band columns are formatted as Text so that Excel keeps
leading zeros and does not turn ``2-4`` into a date.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from lfo import reference as ref
from lfo.formula_guard import guard_workbook

log = logging.getLogger(__name__)

TEXT = "@"
DATE = "yyyy-mm-dd"
LAST_ROW = 1_000_001  # the spec's limit: 1,000,000 rows a sheet, plus the header
ID_RULE = "1-40 characters: letters, digits, _ or -, starting with a letter or digit"
FILE_NAME_RULE = (
    "Name the file LFO_<GSS code>_<yyyy-yy>_Q<n>.xlsx, for example LFO_E08000021_2017-18_Q3.xlsx "
    "(the LA's 9-character GSS code; the financial year, the second year as its last two digits; "
    "the quarter 1-4, Q1 = Apr-Jun ... Q4 = Jan-Mar). Any other name is rejected (E102)."
)
GENERAL_NOTES = (
    FILE_NAME_RULE,
    "A return is a cumulative snapshot: every record from 2016-04-01 to the end of the quarter.",
    "Keep the sheet names and the header row; column order does not matter. Extra sheets (like "
    "this one) and extra columns are ignored with a warning.",
    "Dates: YYYY-MM-DD, D/M/YYYY or DD/MM/YYYY (4-digit year), or a date cell.",
    "Codes: choose from the drop-down list (case does not matter).",
    "Formulas are not evaluated: copy a column and paste values only.",
    "IDs are pseudonymous: never a name, e-mail address, NHS number or postcode (E210).",
)


@dataclass(frozen=True)
class Column:
    sheet: str
    name: str
    required: str  # "required", "conditional: ..." or "optional"
    kind: str  # id, date, code, band, whole
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    note: str = ""


# Over 80 lines on purpose: a table of the spec's columns, one entry each, read top to bottom.
def columns() -> list[Column]:
    """Every column of the three sheets, in the specification's order."""
    r = ref.load_reference()
    interventions = tuple(r.interventions)
    measures = tuple(r.measures)
    score_min = min(m.raw_range[0] for m in r.measures.values())
    score_max = max(m.raw_range[1] for m in r.measures.values())
    score_note = "; ".join(
        f"{m.code} {m.raw_range[0]}-{m.raw_range[1]}"
        + (" (raw total)" if m.code == "swemwbs" else "")
        for m in r.measures.values()
    )
    started = "conditional: required when status is started, completed or dropped_out, else empty"
    return [
        Column(
            "participants",
            "participant_id",
            "required",
            "id",
            note=f"the LA's pseudonymous ID for the parent or carer, unique in the sheet; {ID_RULE}",
        ),
        Column(
            "participants",
            "family_id",
            "required",
            "id",
            note=f"pseudonymous family ID; two parents of one family share it; {ID_RULE}",
        ),
        Column(
            "participants",
            "referral_date",
            "required",
            "date",
            note="from 2016-04-01 to the end of the return's quarter",
        ),
        Column("participants", "referral_source", "required", "code", ref.REFERRAL_SOURCES),
        Column("participants", "sex", "optional", "code", ref.SEX),
        Column("participants", "age_band", "optional", "band", ref.AGE_BANDS),
        Column(
            "participants", "ethnicity", "optional", "code", ref.ETHNICITY, note="ONS five groups"
        ),
        Column("participants", "relationship_status", "optional", "code", ref.RELATIONSHIP_STATUS),
        Column("participants", "workless_household", "optional", "code", ref.WORKLESS),
        Column("participants", "youngest_child_age_band", "optional", "band", ref.CHILD_AGE_BANDS),
        Column(
            "interventions",
            "episode_id",
            "required",
            "id",
            note=f"one row per offer of an intervention, unique in the sheet; {ID_RULE}",
        ),
        Column(
            "interventions",
            "participant_id",
            "required",
            "id",
            note="must be in the participants sheet",
        ),
        Column(
            "interventions",
            "intervention",
            "required",
            "code",
            interventions,
            note="; ".join(f"{i.code} = {i.name}" for i in r.interventions.values()),
        ),
        Column(
            "interventions",
            "offered_date",
            "required",
            "date",
            note="not before the participant's referral_date",
        ),
        Column("interventions", "status", "required", "code", ref.STATUSES),
        Column("interventions", "start_date", started, "date", note="not before offered_date"),
        Column(
            "interventions",
            "end_date",
            "conditional: required when status is completed or dropped_out, else empty",
            "date",
            note="not before start_date",
        ),
        Column("interventions", "sessions_planned", started, "whole", minimum=1, maximum=52),
        Column(
            "interventions",
            "sessions_attended",
            started,
            "whole",
            minimum=0,
            maximum=52,
            note="not more than sessions_planned",
        ),
        Column("interventions", "delivery_mode", "optional", "code", ref.DELIVERY_MODES),
        Column(
            "outcomes", "participant_id", "required", "id", note="must be in the participants sheet"
        ),
        Column(
            "outcomes",
            "episode_id",
            "required",
            "id",
            note="must be in the interventions sheet, for the same participant",
        ),
        Column(
            "outcomes",
            "measure",
            "required",
            "code",
            measures,
            note="; ".join(f"{m.code} = {m.name}" for m in r.measures.values()),
        ),
        Column(
            "outcomes",
            "timepoint",
            "required",
            "code",
            ref.TIMEPOINTS,
            note="participant_id, episode_id, measure and timepoint together are unique",
        ),
        Column(
            "outcomes",
            "measured_date",
            "required",
            "date",
            note="not after the end of the return's quarter",
        ),
        Column(
            "outcomes",
            "score",
            "required",
            "whole",
            minimum=score_min,
            maximum=score_max,
            note=f"within the measure's range: {score_note}; sdq_total is about the youngest "
            "child aged 2-17 at baseline, the same child at every timepoint",
        ),
    ]


SHEETS = ("participants", "interventions", "outcomes")
WIDTHS = {"id": 18, "date": 14, "code": 20, "band": 16, "whole": 12}


def write_template(path: Path) -> Path:
    """Write the empty return workbook to ``path`` (an ``.xlsx`` file)."""
    if path.suffix.lower() != ".xlsx":
        raise ValueError(f"--out {path}: the template is an Excel workbook, name it *.xlsx")
    cols = columns()
    wb = Workbook()
    wb.remove(wb.active)
    sheets = {name: wb.create_sheet(name) for name in SHEETS}
    notes = wb.create_sheet("notes")
    lists = wb.create_sheet("lists")
    lists.sheet_state = "hidden"
    list_names = _write_lists(wb, lists, cols)
    for name, ws in sheets.items():
        _write_sheet(ws, [c for c in cols if c.sheet == name], list_names)
    _write_notes(notes, cols)
    guard_workbook(wb)  # reference names are text, never formulas (lfo.formula_guard)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    log.info("wrote the return template to %s", path)
    return path


def _write_lists(wb: Workbook, ws: Worksheet, cols: list[Column]) -> dict[tuple[str, str], str]:
    """One column per code list on the hidden sheet, each a workbook-level defined name."""
    names: dict[tuple[str, str], str] = {}
    by_values: dict[tuple[str, ...], str] = {}
    j = 0
    for col in cols:
        if not col.values:
            continue
        if col.values in by_values:
            names[(col.sheet, col.name)] = by_values[col.values]
            continue
        j += 1
        letter = get_column_letter(j)
        ws.cell(row=1, column=j, value=col.name).font = Font(bold=True)
        for i, value in enumerate(col.values, start=2):
            ws.cell(row=i, column=j, value=value).number_format = TEXT
        name = f"list_{col.name}"
        ref_text = f"{quote_sheetname(ws.title)}!${letter}$2:${letter}${len(col.values) + 1}"
        wb.defined_names.add(DefinedName(name, attr_text=ref_text))
        by_values[col.values] = name
        names[(col.sheet, col.name)] = name
    return names


def _write_sheet(ws: Worksheet, cols: list[Column], list_names: dict[tuple[str, str], str]) -> None:
    for j, col in enumerate(cols, start=1):
        cell = ws.cell(row=1, column=j, value=col.name)
        cell.font = Font(bold=True)
        cell.number_format = TEXT
        letter = get_column_letter(j)
        dim = ws.column_dimensions[letter]
        dim.width = max(WIDTHS[col.kind], len(col.name) + 3)
        if col.kind in ("id", "band", "code"):
            dim.number_format = TEXT
        elif col.kind == "date":
            dim.number_format = DATE
        dv = _validation(col, list_names.get((col.sheet, col.name)))
        if dv is not None:
            dv.add(f"{letter}2:{letter}{LAST_ROW}")
            ws.add_data_validation(dv)
    ws.freeze_panes = "A2"


def _validation(col: Column, list_name: str | None) -> DataValidation | None:
    common = {
        "allow_blank": True,
        "showErrorMessage": True,
        "errorStyle": "stop",
        "errorTitle": f"{col.name}: value not allowed",
    }
    if col.kind in ("code", "band"):
        return DataValidation(
            type="list",
            formula1=list_name,
            error="Choose a value from the drop-down list (see the notes sheet).",
            **common,
        )
    if col.kind == "date":
        return DataValidation(
            type="date",
            operator="between",
            formula1="DATE(2016,4,1)",
            formula2="DATE(2099,12,31)",
            error="Enter a date from 2016-04-01, as YYYY-MM-DD or DD/MM/YYYY.",
            **common,
        )
    if col.kind == "whole":
        return DataValidation(
            type="whole",
            operator="between",
            formula1=str(col.minimum),
            formula2=str(col.maximum),
            error=f"Enter a whole number from {col.minimum} to {col.maximum}.",
            **common,
        )
    if col.kind == "id":
        return DataValidation(
            type="textLength",
            operator="between",
            formula1="1",
            formula2="40",
            error=f"IDs are {ID_RULE}.",
            **common,
        )
    return None


def _describe(col: Column) -> str:
    if col.kind in ("code", "band"):
        return "one of: " + ", ".join(col.values)
    if col.kind == "date":
        return "date"
    if col.kind == "whole":
        return f"whole number {col.minimum}-{col.maximum}"
    return "text ID"


def _format(col: Column) -> str:
    return {
        "id": "Text (keeps leading zeros)",
        "band": "Text (so Excel does not turn the band into a date)",
        "code": "Text",
        "date": "Date (YYYY-MM-DD)",
        "whole": "Whole number",
    }[col.kind]


def _write_notes(ws: Worksheet, cols: list[Column]) -> None:
    ws.append(["How to fill in the Local Family Offer return"])
    ws["A1"].font = Font(bold=True, size=14)
    for line in GENERAL_NOTES:
        ws.append([line])
    ws.append([])
    header = ["sheet", "column", "required", "allowed values", "format", "notes"]
    ws.append(header)
    header_row = ws.max_row
    for cell in ws[header_row]:
        cell.font = Font(bold=True)
    for col in cols:
        ws.append([col.sheet, col.name, col.required, _describe(col), _format(col), col.note])
    for row in ws.iter_rows(min_row=header_row + 1):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    for letter, width in zip("ABCDEF", (14, 26, 34, 50, 26, 70), strict=True):
        ws.column_dimensions[letter].width = width
    ws.freeze_panes = ws.cell(row=header_row + 1, column=1)
