"""Small return files for tests, written exactly as an LA would send them.

``valid_tables()`` gives a tiny valid return as three lists of dicts (text values, as typed in a
spreadsheet); tests change a cell or two and write the file with ``write_return``.
``national_tables()`` gives a valid return of national size with three known errors,
``to_shared_strings`` rewrites a workbook as Excel saves it and ``lying_zip`` writes a zip bomb.
"""

from __future__ import annotations

import csv
import io
import re
import struct
import zipfile
import zlib
from pathlib import Path

import numpy as np
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


def scaled_tables(n: int) -> dict[str, list[dict]]:
    """The builders' valid return n times, with fresh participant, family and episode IDs."""
    base = valid_tables()
    out: dict[str, list[dict]] = {sheet: [] for sheet in base}
    for i in range(n):
        suffix = f"x{i:06d}"
        for sheet, rows in base.items():
            for row in rows:
                new = dict(row)
                for col in ("participant_id", "family_id", "episode_id"):
                    if col in new:
                        new[col] = f"{new[col]}{suffix}"
                out[sheet].append(new)
    return out


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


# --- large and hostile returns (also built by benchmarks/checks_speed.py) ----------------------


def with_participants_csv(folder: Path, participants: bytes) -> Path:
    """A valid return (.zip of CSVs) in ``folder`` whose participants.csv is ``participants``,
    named as ``file_name()``'s."""
    path = write_return(folder / "src")
    with zipfile.ZipFile(path) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members["participants.csv"] = participants
    out = folder / file_name()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for member, data in members.items():
            zf.writestr(member, data)
    return out


def national_tables(
    participants: int = 7000, episodes: int = 10000, outcomes: int = 25000, seed: int = 1
) -> dict[str, list[dict]]:
    """A valid 2017-18 Q3 return of national size, with a few known errors mixed in."""
    rng = np.random.default_rng(seed)
    base = np.datetime64("2016-04-01")
    pt = []
    referral = base + rng.integers(0, 500, participants)
    for i in range(participants):
        pt.append(
            dict(
                participant_id=f"P{i:06d}",
                family_id=f"F{i // 2:06d}",
                referral_date=str(referral[i]),
                referral_source="gp",
                sex=["female", "male", ""][i % 3],
                age_band="25-34",
                ethnicity="white",
                relationship_status="together",
                workless_household="no",
                youngest_child_age_band="2-4",
            )
        )
    iv = []
    owner = np.concatenate(
        [np.arange(participants), rng.integers(0, participants, episodes - participants)]
    )
    for e in range(episodes):
        p = int(owner[e])
        offered = referral[p] + 5
        iv.append(
            dict(
                episode_id=f"E{e:06d}",
                participant_id=f"P{p:06d}",
                intervention="tp_enhanced",
                offered_date=str(offered),
                status="completed",
                start_date=str(offered + 5),
                end_date=str(offered + 60),
                sessions_planned="6",
                sessions_attended="5",
                delivery_mode="group",
            )
        )
    oc = []
    measures = ["csi4", "ops", "swemwbs", "sdq_total"]
    for k in range(outcomes):
        e = k % episodes
        rep = k // episodes
        ep = iv[e]
        timepoint = ["baseline", "exit", "followup_6m"][rep]
        date = ep["start_date"] if timepoint != "exit" else ep["end_date"]
        oc.append(
            dict(
                participant_id=ep["participant_id"],
                episode_id=ep["episode_id"],
                measure=measures[(e + rep) % 4 if timepoint != "exit" else e % 4],
                timepoint=timepoint,
                measured_date=date,
                score="12",
            )
        )
    pt[10]["sex"] = "M"
    iv[20]["end_date"] = "2017-02-30"
    oc[30]["score"] = "99"
    return {"participants": pt, "interventions": iv, "outcomes": oc}


CELL = re.compile(
    r'<c r="([A-Z]+\d+)"( s="\d+")? t="inlineStr"><is><t(?: xml:space="preserve")?>'
    r"(.*?)</t></is></c>",
    re.S,
)
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
SST_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
SST_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"


def to_shared_strings(path: Path) -> None:
    """Rewrite an openpyxl workbook's inline strings as shared strings, as Excel saves them."""
    with zipfile.ZipFile(path) as zf:
        items = {n: zf.read(n) for n in zf.namelist()}
    strings: dict[str, int] = {}

    def shared(m: re.Match) -> str:
        idx = strings.setdefault(m.group(3), len(strings))
        return f'<c r="{m.group(1)}"{m.group(2) or ""} t="s"><v>{idx}</v></c>'

    for name in list(items):
        if name.startswith("xl/worksheets/sheet"):
            items[name] = CELL.sub(shared, items[name].decode()).encode()
    items["xl/sharedStrings.xml"] = (
        f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN_NS}" count="{len(strings)}" '
        f'uniqueCount="{len(strings)}">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "</sst>"
    ).encode()
    items["[Content_Types].xml"] = items["[Content_Types].xml"].replace(
        b"</Types>",
        f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SST_TYPE}"/></Types>'.encode(),
    )
    items["xl/_rels/workbook.xml.rels"] = items["xl/_rels/workbook.xml.rels"].replace(
        b"</Relationships>",
        f'<Relationship Id="rIdSST" Type="{SST_REL}" '
        'Target="sharedStrings.xml"/></Relationships>'.encode(),
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in items.items():
            zf.writestr(name, data)


def lying_zip(path, actual: int, declared: int, crc: int) -> None:
    """A zip whose one member unpacks to ``actual`` bytes but declares ``declared``."""
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    segment = comp.compress(b"0" * (1 << 20)) + comp.flush(zlib.Z_FULL_FLUSH)
    body = segment * (actual >> 20) + comp.flush()
    fname = b"participants.csv"
    local = (
        struct.pack(
            "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(body), declared, len(fname), 0
        )
        + fname
    )
    central = (
        struct.pack(
            "<4s6H3L5H2L",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0,
            crc,
            len(body),
            declared,
            len(fname),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + fname
    )
    end = struct.pack(
        "<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(body), 0
    )
    path.write_bytes(local + body + central + end)
