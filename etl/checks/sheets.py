"""The columns of each sheet (spec section 2), the header checks, and typing a sheet's cells.

``map_header`` finds each spec column in a sheet's header (E106, W303); ``type_sheet`` runs the cell
rules of ``etl.checks.values`` on every column and gives the typed table, the missing-cell masks and
the failures; ``optional_missing`` gives the W305 counts.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from etl.checks.values import Issues, check_code, check_date, check_id, check_whole
from etl.raw_sheet import EMPTY, KIND_DTYPE, RawSheet
from lfo import reference as refs
from lfo.findings import Finding

NOT_STATED = "not_stated"


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # id, date, whole, code
    need: str  # required, conditional, optional
    codes: tuple[str, ...] = ()


def sheet_columns(reference: refs.Reference) -> dict[str, list[Column]]:
    """The spec's columns per sheet, in spec order; code lists from the reference tables."""
    return {
        "participants": [
            Column("participant_id", "id", "required"),
            Column("family_id", "id", "required"),
            Column("referral_date", "date", "required"),
            Column("referral_source", "code", "required", refs.REFERRAL_SOURCES),
            Column("sex", "code", "optional", refs.SEX),
            Column("age_band", "code", "optional", refs.AGE_BANDS),
            Column("ethnicity", "code", "optional", refs.ETHNICITY),
            Column("relationship_status", "code", "optional", refs.RELATIONSHIP_STATUS),
            Column("workless_household", "code", "optional", refs.WORKLESS),
            Column("youngest_child_age_band", "code", "optional", refs.CHILD_AGE_BANDS),
        ],
        "interventions": [
            Column("episode_id", "id", "required"),
            Column("participant_id", "id", "required"),
            Column("intervention", "code", "required", tuple(reference.interventions)),
            Column("offered_date", "date", "required"),
            Column("status", "code", "required", refs.STATUSES),
            Column("start_date", "date", "conditional"),
            Column("end_date", "date", "conditional"),
            Column("sessions_planned", "whole", "conditional"),
            Column("sessions_attended", "whole", "conditional"),
            Column("delivery_mode", "code", "optional", refs.DELIVERY_MODES),
        ],
        "outcomes": [
            Column("participant_id", "id", "required"),
            Column("episode_id", "id", "required"),
            Column("measure", "code", "required", tuple(reference.measures)),
            Column("timepoint", "code", "required", refs.TIMEPOINTS),
            Column("measured_date", "date", "required"),
            Column("score", "whole", "required"),
        ],
    }


def map_header(
    file: str, raw: RawSheet, columns: list[Column]
) -> tuple[dict[str, int], list[Finding]]:
    """Position of each spec column in the sheet; E106 for missing or duplicated, W303 unknown."""
    sheet = raw.name
    findings: list[Finding] = []
    wanted = {c.name for c in columns}
    positions: dict[str, int] = {}
    seen: dict[str, int] = {}
    for pos, head in enumerate(raw.header):
        key = head.strip().lower()
        if not key:
            findings.append(
                Finding(
                    file,
                    sheet,
                    None,
                    f"(column {pos + 1})",
                    None,
                    "W303",
                    f"column {pos + 1} has values but no header and was ignored: "
                    "give it a header or delete it",
                )
            )
            continue
        if key in seen:
            if seen[key] == 1:
                findings.append(
                    Finding(
                        file,
                        sheet,
                        None,
                        key,
                        head,
                        "E106",
                        f"the header '{head}' appears more than once: keep one column of that name",
                    )
                )
            seen[key] += 1
            positions.pop(key, None)
            continue
        seen[key] = 1
        if key in wanted:
            positions[key] = pos
        else:
            findings.append(
                Finding(
                    file,
                    sheet,
                    None,
                    head,
                    head,
                    "W303",
                    f"the column '{head}' is not part of the return and was ignored",
                )
            )
    if raw.empty_file:
        findings = []
    for col in columns:
        if col.need != "optional" and col.name not in seen:
            how = f"'{raw.source}' is empty" if raw.empty_file else "the column is missing"
            findings.append(
                Finding(
                    file,
                    sheet,
                    None,
                    col.name,
                    None,
                    "E106",
                    f"{how}: the sheet {sheet} needs a column '{col.name}' "
                    "(a header in row 1), even where its values are empty",
                )
            )
    return positions, findings


def type_sheet(
    raw: RawSheet, columns: list[Column], positions: dict[str, int]
) -> tuple[pd.DataFrame, dict[str, pd.Series], dict[str, Issues]]:
    """Typed table (spec columns + ``_row``), missing masks and cell failures per column."""
    n = len(raw.rows)
    index = pd.RangeIndex(n)
    data: dict[str, pd.Series] = {}
    missing: dict[str, pd.Series] = {}
    issues: dict[str, Issues] = {}
    empty_text = pd.Series([""] * n, index=index, dtype="str")
    empty_kind = pd.Series([EMPTY] * n, index=index, dtype=KIND_DTYPE)
    for col in columns:
        pos = positions.get(col.name)
        text = raw.text[pos] if pos is not None else empty_text
        kind = raw.kind[pos] if pos is not None else empty_kind
        found = issues.setdefault(col.name, Issues())
        required = col.need == "required"
        if col.type == "id":
            values, miss = check_id(col.name, text, kind, found)
        elif col.type == "date":
            values, miss = check_date(col.name, text, kind, found, required=required)
        elif col.type == "whole":
            values, miss = check_whole(col.name, text, kind, found, required=required)
        else:
            values, miss = check_code(
                col.name, text, kind, found, allowed=col.codes, required=required
            )
            if col.need == "optional":
                values = values.mask(miss, NOT_STATED)
        data[col.name] = values
        missing[col.name] = miss
    table = pd.DataFrame(data, index=index)
    table["_row"] = raw.rows.astype(np.int64)
    return table, missing, issues


def optional_missing(
    file: str,
    sheet: str,
    columns: list[Column],
    positions: dict[str, int],
    missing: dict[str, pd.Series],
    rows: np.ndarray,
) -> list[Finding]:
    """W305: one finding per optional column with missing values or absent."""
    findings = []
    for col in columns:
        if col.need != "optional":
            continue
        miss = missing[col.name].to_numpy(dtype=bool)
        count = int(miss.sum())
        if col.name not in positions:
            findings.append(
                Finding(
                    file,
                    sheet,
                    None,
                    col.name,
                    str(len(rows)),
                    "W305",
                    f"the optional column '{col.name}' is absent, so all "
                    f"{len(rows)} rows count as not_stated: add the column if "
                    "you hold this information",
                )
            )
        elif count:
            first = rows[miss][:20]
            listed = ", ".join(str(r) for r in first) + (", ..." if count > 20 else "")
            rows_word = "row" if count == 1 else "rows"
            findings.append(
                Finding(
                    file,
                    sheet,
                    None,
                    col.name,
                    str(count),
                    "W305",
                    f"{col.name} is empty in {count} {rows_word} ({rows_word} "
                    f"{listed}); empty means not_stated: fill them in where you "
                    "know the answer",
                )
            )
    return findings
