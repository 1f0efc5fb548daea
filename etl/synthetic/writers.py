"""Snapshots of a simulated history "as known at a quarter's end", written as return files.

A snapshot keeps the records referred or offered by that day, the status each episode had then,
and only the dates and questionnaires that had happened by then. Each area writes its files in its
own house style (ID pattern, date format, BOM, a folder inside the zip), as LAs do.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from etl.synthetic.sim import NEVER, STATUS_COMPLETED, STATUS_DECLINED, AreaHistory
from etl.synthetic.xlsx import sheet_xml, xlsx_package

ZIP_TIME = (2016, 4, 1, 0, 0, 0)
SHEETS = {
    "participants": [
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
    ],
    "interventions": [
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
    ],
    "outcomes": ["participant_id", "episode_id", "measure", "timepoint", "measured_date", "score"],
}
DATE_COLUMNS = {"referral_date", "offered_date", "start_date", "end_date", "measured_date"}
INT_COLUMNS = {"sessions_planned", "sessions_attended", "score"}
OPTIONAL = (
    "sex",
    "age_band",
    "ethnicity",
    "relationship_status",
    "workless_household",
    "youngest_child_age_band",
)
STATUS_NAMES = np.array(
    ["offered", "declined", "started", "completed", "dropped_out"], dtype=object
)


@dataclass(frozen=True)
class AreaStyle:
    """How one LA's system writes IDs and files."""

    participant_prefix: str
    family_prefix: str
    episode_prefix: str
    width: int
    offset: int
    date_style: str  # "iso", "uk" (DD/MM/YYYY) or "iso_time" (YYYY-MM-DD 00:00:00)
    xlsx_dates: bool  # real date cells in the workbook
    bom: bool
    folder: bool  # CSVs inside one top-level folder of the zip


def _ids(prefix: str, width: int, numbers: np.ndarray) -> pd.Series:
    return prefix + pd.Series(numbers, dtype="int64").astype(str).str.zfill(width)


def label_history(history: AreaHistory, style: AreaStyle, missing: np.ndarray) -> None:
    """Give every record its LA ID and blank the optional values the LA left empty (in place).

    ``missing`` is a boolean matrix (participants x OPTIONAL columns) of values left blank.
    """
    p = history.participants
    p["participant_id"] = _ids(
        style.participant_prefix, style.width, style.offset + p["seq"].to_numpy()
    )
    p["family_id"] = _ids(
        style.family_prefix, style.width - 1, style.offset // 3 + p["family"].to_numpy()
    )
    for j, col in enumerate(OPTIONAL):
        values = p[col].to_numpy(dtype=object).copy()
        values[missing[:, j]] = ""
        p[col] = values
    e = history.episodes
    e["episode_id"] = _ids(
        style.episode_prefix, style.width, style.offset * 2 + e["seq"].to_numpy()
    )
    e["participant_id"] = p["participant_id"].to_numpy()[e["person"].to_numpy()]
    o = history.outcomes
    o["participant_id"] = p["participant_id"].to_numpy()[o["person"].to_numpy()]
    o["episode_id"] = e["episode_id"].to_numpy()[o["episode"].to_numpy()]


def snapshot(history: AreaHistory, asat: int) -> dict[str, pd.DataFrame]:
    """The three sheets as known on day ``asat`` (dates as day numbers, NEVER for empty)."""
    p = history.participants
    p = p.loc[p["referral_day"] <= asat]
    e = history.episodes
    e = e.loc[e["offered_day"] <= asat]
    start = e["start_day"].to_numpy()
    end = e["end_day"].to_numpy()
    final = e["final_status"].to_numpy()
    began = start <= asat
    ended = end <= asat
    status = np.where(
        final == STATUS_DECLINED,
        np.where(e["decided_day"].to_numpy() <= asat, 1, 0),
        np.where(ended, final, np.where(began, 2, 0)),
    )
    attended = e["sessions_attended"].to_numpy()
    planned = e["sessions_planned"].to_numpy()
    running = status == 2
    frac = np.clip((asat - start) / np.maximum(end - start, 1), 0, 1)
    so_far = np.minimum(
        np.floor(planned * frac * np.where(final == STATUS_COMPLETED, 0.9, 0.6)), attended
    ).astype(np.int64)
    attended = np.where(running, so_far, attended)
    has_sessions = status >= 2
    interventions = pd.DataFrame(
        {
            "episode_id": e["episode_id"].to_numpy(),
            "participant_id": e["participant_id"].to_numpy(),
            "intervention": e["intervention"].to_numpy(),
            "offered_date": e["offered_day"].to_numpy(),
            "status": STATUS_NAMES[status],
            "start_date": np.where(has_sessions, start, NEVER),
            "end_date": np.where(status >= 3, end, NEVER),
            "sessions_planned": np.where(has_sessions, planned, -1),
            "sessions_attended": np.where(has_sessions, attended, -1),
            "delivery_mode": e["delivery_mode"].to_numpy(),
        }
    )
    o = history.outcomes
    o = o.loc[o["measured_day"] <= asat]
    outcomes = pd.DataFrame(
        {
            "participant_id": o["participant_id"].to_numpy(),
            "episode_id": o["episode_id"].to_numpy(),
            "measure": o["measure"].to_numpy(),
            "timepoint": o["timepoint"].to_numpy(),
            "measured_date": o["measured_day"].to_numpy(),
            "score": o["score"].to_numpy(),
        }
    )
    participants = p[
        ["participant_id", "family_id", "referral_day", "referral_source", *OPTIONAL]
    ].rename(columns={"referral_day": "referral_date"})
    sheets = {
        "participants": participants.reset_index(drop=True),
        "interventions": interventions,
        "outcomes": outcomes,
    }
    return {name: sheets[name][columns] for name, columns in SHEETS.items()}


def _date_text(days: np.ndarray, style: str) -> np.ndarray:
    iso = np.datetime_as_string(np.where(days >= NEVER, 0, days).astype("datetime64[D]"))
    s = pd.Series(iso, dtype=object)
    if style == "uk":
        s = s.str[8:10] + "/" + s.str[5:7] + "/" + s.str[0:4]
    elif style == "iso_time":
        s = s + " 00:00:00"
    out = np.array(s.to_numpy(dtype=object), dtype=object)
    out[days >= NEVER] = ""
    return out


def as_text(sheet: pd.DataFrame, style: AreaStyle) -> pd.DataFrame:
    """Every cell as the text an LA's CSV export holds ('' for an empty cell)."""
    out = {}
    for col in sheet.columns:
        v = sheet[col].to_numpy()
        if col in DATE_COLUMNS:
            out[col] = _date_text(v, style.date_style)
        elif col in INT_COLUMNS:
            t = v.astype(str).astype(object)
            t[v < 0] = ""
            out[col] = t
        else:
            out[col] = v.astype(object)
    return pd.DataFrame(out, dtype=object)


def csv_bytes(text: pd.DataFrame, *, bom: bool = False, encoding: str = "utf-8") -> bytes:
    buf = io.StringIO()
    text.to_csv(buf, index=False, lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    data = buf.getvalue().encode(encoding)
    return (b"\xef\xbb\xbf" + data) if bom else data


def write_zip(path: Path, members: dict[str, bytes]) -> Path:
    """A zip with fixed timestamps, so the same content gives the same bytes."""
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, data)
    return path


def zip_members(sheets: dict[str, pd.DataFrame], style: AreaStyle, folder: str) -> dict[str, bytes]:
    prefix = f"{folder}/" if style.folder else ""
    return {
        f"{prefix}{name}.csv": csv_bytes(as_text(df, style), bom=style.bom)
        for name, df in sheets.items()
    }


def xlsx_bytes(sheets: dict[str, pd.DataFrame], style: AreaStyle) -> bytes:
    """The workbook of a return: text cells, whole numbers, and dates as the LA's system writes
    them (real date cells, or text in its date style)."""
    parts = {}
    for name, df in sheets.items():
        columns = []
        for col in df.columns:
            v = df[col].to_numpy()
            if col in DATE_COLUMNS:
                blank = v >= NEVER
                if style.xlsx_dates:
                    columns.append(("date", v, blank))
                else:
                    columns.append(("text", _date_text(v, style.date_style), blank))
            elif col in INT_COLUMNS:
                columns.append(("int", v, v < 0))
            else:
                text = v.astype(object)
                columns.append(("text", text, text == ""))
        parts[name] = sheet_xml(list(df.columns), columns)
    return xlsx_package(parts, ZIP_TIME)
