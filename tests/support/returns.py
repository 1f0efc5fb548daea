"""Small return files for tests, written exactly as an LA would send them.

``valid_tables()`` gives a tiny valid return as three lists of dicts (text values, as typed in a
spreadsheet); tests change a cell or two and write the file with ``write_return``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from openpyxl import Workbook

PARTICIPANT_COLUMNS = [
    "participant_id",
    "family_id",
    "referral_date",
    "referral_source",
    "sex",
    "age_band",
    "ethnicity",
    "relationship_status",
    "workless_household",
    "youngest_child_age_band",
]
INTERVENTION_COLUMNS = [
    "episode_id",
    "participant_id",
    "intervention",
    "offered_date",
    "status",
    "start_date",
    "end_date",
    "sessions_planned",
    "sessions_attended",
    "delivery_mode",
]
OUTCOME_COLUMNS = ["participant_id", "episode_id", "measure", "timepoint", "measured_date", "score"]
SHEETS = {
    "participants": PARTICIPANT_COLUMNS,
    "interventions": INTERVENTION_COLUMNS,
    "outcomes": OUTCOME_COLUMNS,
}


def file_name(area: str = "E08000021", period: str = "2017-18_Q3", ext: str = "zip") -> str:
    return f"LFO_{area}_{period}.{ext}"


def valid_tables() -> dict[str, list[dict]]:
    """A valid return for 2017-18 Q3: 3 parents in 2 families, 4 episodes, 6 outcomes."""
    participants = [
        dict(
            participant_id="P001",
            family_id="F01",
            referral_date="2017-04-03",
            referral_source="health_visitor",
            sex="female",
            age_band="25-34",
            ethnicity="white",
            relationship_status="together",
            workless_household="no",
            youngest_child_age_band="2-4",
        ),
        dict(
            participant_id="P002",
            family_id="F01",
            referral_date="2017-04-10",
            referral_source="self",
            sex="male",
            age_band="35-44",
            ethnicity="white",
            relationship_status="together",
            workless_household="no",
            youngest_child_age_band="2-4",
        ),
        dict(
            participant_id="P003",
            family_id="F02",
            referral_date="12/06/2017",
            referral_source="gp",
            sex="female",
            age_band="16-24",
            ethnicity="black",
            relationship_status="separated",
            workless_household="yes",
            youngest_child_age_band="0-1",
        ),
    ]
    interventions = [
        dict(
            episode_id="EP1",
            participant_id="P001",
            intervention="tp_enhanced",
            offered_date="2017-04-20",
            status="completed",
            start_date="2017-05-01",
            end_date="2017-07-01",
            sessions_planned="6",
            sessions_attended="5",
            delivery_mode="face_to_face",
        ),
        dict(
            episode_id="EP2",
            participant_id="P002",
            intervention="tp_enhanced",
            offered_date="2017-04-20",
            status="dropped_out",
            start_date="2017-05-01",
            end_date="2017-06-01",
            sessions_planned="6",
            sessions_attended="2",
            delivery_mode="face_to_face",
        ),
        dict(
            episode_id="EP3",
            participant_id="P003",
            intervention="girfc",
            offered_date="2017-06-20",
            status="started",
            start_date="2017-07-01",
            end_date="",
            sessions_planned="3",
            sessions_attended="1",
            delivery_mode="online",
        ),
        dict(
            episode_id="EP4",
            participant_id="P003",
            intervention="pp_pws",
            offered_date="2017-06-20",
            status="declined",
            start_date="",
            end_date="",
            sessions_planned="",
            sessions_attended="",
            delivery_mode="online",
        ),
    ]
    outcomes = [
        dict(
            participant_id="P001",
            episode_id="EP1",
            measure="csi4",
            timepoint="baseline",
            measured_date="2017-05-01",
            score="9",
        ),
        dict(
            participant_id="P001",
            episode_id="EP1",
            measure="csi4",
            timepoint="exit",
            measured_date="2017-07-01",
            score="15",
        ),
        dict(
            participant_id="P001",
            episode_id="EP1",
            measure="swemwbs",
            timepoint="baseline",
            measured_date="2017-05-01",
            score="18",
        ),
        dict(
            participant_id="P001",
            episode_id="EP1",
            measure="swemwbs",
            timepoint="exit",
            measured_date="2017-07-01",
            score="24",
        ),
        dict(
            participant_id="P002",
            episode_id="EP2",
            measure="ops",
            timepoint="baseline",
            measured_date="2017-05-01",
            score="22",
        ),
        dict(
            participant_id="P003",
            episode_id="EP3",
            measure="sdq_total",
            timepoint="baseline",
            measured_date="2017-07-03",
            score="18",
        ),
    ]
    return {"participants": participants, "interventions": interventions, "outcomes": outcomes}


def _rows(sheet: str, records: list[dict]) -> tuple[list[str], list[list]]:
    header = list(SHEETS[sheet])
    for rec in records:
        header += [k for k in rec if k not in header]
    return header, [[rec.get(col, "") for col in header] for rec in records]


def write_return(
    folder: Path,
    tables: dict[str, list[dict]] | None = None,
    *,
    area: str = "E08000021",
    period: str = "2017-18_Q3",
    fmt: str = "zip",
    name: str | None = None,
    encoding: str = "utf-8",
) -> Path:
    """Write a return as ``.zip`` of CSVs or ``.xlsx``; values are written as text cells."""
    tables = valid_tables() if tables is None else tables
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or file_name(area, period, fmt))
    if fmt == "zip":
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
            for sheet, records in tables.items():
                header, rows = _rows(sheet, records)
                buf = io.StringIO()
                writer = csv.writer(buf, lineterminator="\r\n")
                writer.writerow(header)
                writer.writerows(rows)
                zf.writestr(f"{sheet}.csv", buf.getvalue().encode(encoding))
    elif fmt == "xlsx":
        wb = Workbook()
        wb.remove(wb.active)
        for sheet, records in tables.items():
            ws = wb.create_sheet(sheet)
            header, rows = _rows(sheet, records)
            ws.append(header)
            for row in rows:
                ws.append([None if v == "" else v for v in row])
        wb.save(path)
    else:
        raise ValueError(fmt)
    return path
