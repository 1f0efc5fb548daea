"""Faulty returns for the documentation and the tests: ``OUT/faulty/<code>/``, one folder per check
code, each holding small variants of one valid return (Blackpool, 2017-18 Q1) with one problem.
"""

from __future__ import annotations

import logging
import struct
import zlib
from collections.abc import Callable
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from etl.synthetic.sim import AreaHistory, day
from etl.synthetic.writers import (
    ZIP_TIME,
    AreaStyle,
    as_text,
    csv_bytes,
    snapshot,
    write_zip,
    xlsx_bytes,
    zip_members,
)
from lfo.periods import Quarter

log = logging.getLogger(__name__)

QUARTER = Quarter(2017, 1)
BOMB_BYTES = 520 * 2**20  # unpacks to more than the 500 MB limit
Sheets = dict[str, pd.DataFrame]


def nhs_number(stem: str = "401023213") -> str:
    """A 10-digit number that passes the NHS number check digit (modulus 11), with spaces."""
    for k in range(100):
        digits = str(int(stem) + k).zfill(9)
        total = sum(int(d) * (10 - i) for i, d in enumerate(digits))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            n = digits + str(check)
            return f"{n[:3]} {n[3:6]} {n[6:]}"
    raise AssertionError("unreachable")


def _name(area: str, q: Quarter, ext: str = "zip") -> str:
    return f"LFO_{area}_{q.year_label}_Q{q.q}.{ext}"


def _write(
    folder: Path,
    name: str,
    texts: Sheets,
    *,
    encoding: str = "utf-8",
    extra: dict[str, bytes] | None = None,
    drop: tuple[str, ...] = (),
) -> Path:
    members = {
        f"{s}.csv": csv_bytes(df, encoding=encoding) for s, df in texts.items() if s not in drop
    }
    members.update(extra or {})
    return write_zip(folder / name, members)


def _first(mask: pd.Series | np.ndarray) -> int:
    idx = np.flatnonzero(np.asarray(mask))
    if len(idx) == 0:
        raise ValueError("the base return has no row suitable for this faulty variant")
    return int(idx[0])


# Over 80 lines on purpose: a catalogue with one entry per check code, in code order, sharing the
# small helpers defined at its top; split up, the list of codes would no longer read as one.
def write_faulty(
    root: Path, history: AreaHistory, style: AreaStyle, area: str
) -> dict[str, list[Path]]:
    """Write every faulty folder; returns code -> its files in the order they are to be loaded."""
    base = snapshot(history, day(QUARTER.end))
    later = snapshot(history, day((QUARTER + 1).end))
    qend = day(QUARTER.end)
    name = _name(area, QUARTER)
    out: dict[str, list[Path]] = {}

    def text(sheets: Sheets) -> Sheets:
        return {k: as_text(v, style) for k, v in sheets.items()}

    def folder(code: str) -> Path:
        f = root / code
        f.mkdir(parents=True, exist_ok=True)
        return f

    def typed(change: Callable[[Sheets], None]) -> Sheets:
        sheets = {k: v.copy() for k, v in base.items()}
        change(sheets)
        return text(sheets)

    def edit(change: Callable[[Sheets], None]) -> Sheets:
        texts = text(base)
        change(texts)
        return texts

    p, e, o = base["participants"], base["interventions"], base["outcomes"]
    completed = _first(e["status"] == "completed")

    # E101: a truncated workbook, and a zip whose CSV is UTF-16.
    f = folder("E101")
    whole = xlsx_bytes(base, style)
    (f / _name(area, QUARTER, "xlsx")).write_bytes(whole[: len(whole) // 3])
    t = text(base)
    members = {f"{s}.csv": csv_bytes(df) for s, df in t.items()}
    members["participants.csv"] = csv_bytes(t["participants"], encoding="utf-16")
    out["E101"] = [f / _name(area, QUARTER, "xlsx"), write_zip(f / name, members)]
    out["E102"] = [_write(folder("E102"), name.replace(".zip", " (1).zip"), text(base))]
    out["E103"] = [_write(folder("E103"), _name("E06000001", QUARTER), text(base))]
    out["E104"] = [_write(folder("E104"), _name(area, Quarter(2015, 4)), text(base))]
    out["E105"] = [_write(folder("E105"), name, text(base), drop=("outcomes",))]
    out["E106"] = [
        _write(
            folder("E106"),
            name,
            edit(
                lambda t: t.__setitem__("participants", t["participants"].drop(columns="family_id"))
            ),
        )
    ]
    out["E107"] = [_write(folder("E107"), name, {k: v.iloc[:0] for k, v in text(base).items()})]

    f = folder("E108")
    first = write_zip(
        f / _name(area, QUARTER + 1), zip_members(later, style, _name(area, QUARTER + 1)[:-4])
    )
    out["E108"] = [first, _write(f, name, text(base))]
    _readme(
        f,
        "E108",
        out["E108"],
        "the second is for an earlier period than the LA's current "
        "data, so it is stale (E108) unless loaded with `--force`.",
    )

    f = folder("E109")
    known = later["participants"]["participant_id"].isin(p["participant_id"])
    gone = set(later["participants"]["participant_id"][known].iloc[::8])  # 12.5% of them
    shrunk = {
        "participants": later["participants"][~later["participants"]["participant_id"].isin(gone)],
        "interventions": later["interventions"][
            ~later["interventions"]["participant_id"].isin(gone)
        ],
        "outcomes": later["outcomes"][~later["outcomes"]["participant_id"].isin(gone)],
    }
    out["E109"] = [_write(f, name, text(base)), _write(f, _name(area, QUARTER + 1), text(shrunk))]
    _readme(
        f,
        "E109",
        out["E109"],
        f"the second leaves out {len(gone)} of the first's "
        f"{len(p)} participants (more than 5%), so it has shrunk (E109) unless loaded with "
        "`--allow-shrink`.",
    )

    f = folder("E110")
    out["E110"] = [_bomb(f / name, text(base))]
    (f / "README.md").write_text(
        "# E110: a zip that would unpack to more than 500 MB\n\n"
        f"`{name}` is small on disk, but its `participants.csv` ends with "
        f"{BOMB_BYTES // 2**20} MiB of empty lines (a zip bomb), so it would unpack to more than "
        "the 500 MB limit. The generator does not write a real 50 MB file: the unpacked-size "
        "rule is the one this folder exercises. Never unpack it to disk.\n"
    )

    def set_cell(sheet: str, row: int, col: str, value: object) -> Callable[[Sheets], None]:
        def change(s: Sheets) -> None:
            s[sheet].iloc[row, s[sheet].columns.get_loc(col)] = value

        return change

    out["E201"] = [
        _write(folder("E201"), name, edit(set_cell("participants", 3, "referral_source", "")))
    ]
    short = p["referral_date"].iloc[2]
    d = np.datetime64(int(short), "D").astype(object)
    out["E202"] = [
        _write(
            folder("E202"),
            name,
            edit(
                set_cell(
                    "participants", 2, "referral_date", f"{d.day}/{d.month}/{d.year % 100:02d}"
                )
            ),
        )
    ]
    out["E203"] = [
        _write(
            folder("E203"),
            name,
            edit(set_cell("participants", 4, "referral_source", "Health Visitor")),
        )
    ]
    planned = int(e["sessions_planned"].iloc[completed])
    out["E204"] = [
        _write(
            folder("E204"),
            name,
            edit(set_cell("interventions", completed, "sessions_attended", str(planned + 2))),
        )
    ]
    out["E205"] = [
        _write(
            folder("E205"),
            name,
            edit(
                lambda t: t.__setitem__(
                    "participants",
                    pd.concat([t["participants"], t["participants"].iloc[[5]]], ignore_index=True),
                )
            ),
        )
    ]
    out["E206"] = [
        _write(folder("E206"), name, edit(set_cell("outcomes", 0, "episode_id", "EPX0000099")))
    ]
    early = _first((e["status"] == "completed") & (e["offered_date"] > day(QUARTER.start) - 300))
    out["E207"] = [
        _write(
            folder("E207"),
            name,
            typed(
                set_cell(
                    "interventions", early, "start_date", int(e["offered_date"].iloc[early]) - 7
                )
            ),
        )
    ]
    late = (
        _first(o["timepoint"] == "followup_6m")
        if (o["timepoint"] == "followup_6m").any()
        else _first(o["timepoint"] == "exit")
    )
    out["E208"] = [
        _write(folder("E208"), name, typed(set_cell("outcomes", late, "measured_date", qend + 14)))
    ]
    out["E209"] = [
        _write(folder("E209"), name, edit(set_cell("interventions", completed, "end_date", "")))
    ]
    out["E210"] = [_write(folder("E210"), name, edit(_personal_ids))]

    starts = e.set_index("episode_id")["start_date"]
    base_rows = (o["timepoint"] == "baseline") & (
        o["episode_id"].map(starts).to_numpy() + 45 <= qend
    )
    w301 = _first(base_rows)
    out["W301"] = [
        _write(
            folder("W301"),
            name,
            typed(
                set_cell(
                    "outcomes", w301, "measured_date", int(starts[o["episode_id"].iloc[w301]]) + 45
                )
            ),
        )
    ]
    out["W302"] = [
        _write(
            folder("W302"),
            name,
            edit(set_cell("interventions", completed, "sessions_attended", "0")),
        )
    ]
    out["W303"] = [
        _write(
            folder("W303"),
            name,
            edit(
                lambda t: t["interventions"].insert(
                    len(t["interventions"].columns), "keyworker_team", "Team A"
                )
            ),
            extra={"notes.txt": b"Blackpool LFO return, sent by the data team.\r\n"},
        )
    ]
    with_episode = p["participant_id"].isin(e["participant_id"]) & (
        p["referral_date"] <= qend - 120
    )
    who = p["participant_id"].iloc[_first(with_episode)]
    out["W304"] = [_write(folder("W304"), name, typed(lambda s: _drop_person(s, who)))]
    out["W305"] = [
        _write(
            folder("W305"),
            name,
            edit(
                lambda t: t.__setitem__(
                    "interventions", t["interventions"].drop(columns="delivery_mode")
                )
            ),
        )
    ]
    out["W306"] = [_write(folder("W306"), name, edit(_nbsp), encoding="cp1252")]
    _index(root, out)
    return out


def _personal_ids(t: Sheets) -> None:
    """Three participants whose ID is an e-mail address, an NHS number and a postcode."""
    ids = t["participants"]["participant_id"].iloc[[1, 3, 6]].tolist()
    bad = ["kim.jones@example.org", nhs_number(), "FY14HU"]
    for sheet in ("participants", "interventions", "outcomes"):
        t[sheet]["participant_id"] = t[sheet]["participant_id"].replace(
            dict(zip(ids, bad, strict=True))
        )


def _drop_person(s: Sheets, who: str) -> None:
    for sheet in ("interventions", "outcomes"):
        s[sheet] = s[sheet][s[sheet]["participant_id"] != who]


def _nbsp(t: Sheets) -> None:
    """Values pasted from a web page keep a trailing non-breaking space (0xA0 in Windows-1252)."""
    eth = t["participants"]["ethnicity"]
    stated = eth != ""
    t["participants"].loc[stated, "ethnicity"] = eth[stated] + "\u00a0"


@cache
def _blank_lines() -> bytes:
    """BOMB_BYTES of empty CSV lines, deflated once per process (the slow part)."""
    chunk = b"\r\n" * 2**19
    deflate = zlib.compressobj(9, zlib.DEFLATED, -15)
    parts = [deflate.compress(chunk) for _ in range(BOMB_BYTES // len(chunk))]
    parts.append(deflate.flush())
    return b"".join(parts)


def _bomb(path: Path, texts: Sheets) -> Path:
    """A valid return whose participants.csv ends with BOMB_BYTES of empty lines.

    Written by hand (deflate streams joined after a full flush) so the half-gigabyte tail is
    compressed only once per process.
    """
    tail = _blank_lines()
    members = []
    for sheet, df in texts.items():
        data = csv_bytes(df)
        head = zlib.compressobj(9, zlib.DEFLATED, -15)
        if sheet == "participants":
            body = head.compress(data) + head.flush(zlib.Z_FULL_FLUSH) + tail
            crc = _crc_of_tail(data)
            size = len(data) + BOMB_BYTES
        else:
            body = head.compress(data) + head.flush()
            crc, size = zlib.crc32(data), len(data)
        members.append((f"{sheet}.csv".encode(), body, crc, size))
    dos_date = (ZIP_TIME[0] - 1980) << 9 | ZIP_TIME[1] << 5 | ZIP_TIME[2]
    out, central = bytearray(), bytearray()
    for name, body, crc, size in members:
        fields = (20, 0, 8, 0, dos_date, crc, len(body), size, len(name))
        central += (
            struct.pack(
                "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, 0, 0, 0, 0, 0o644 << 16, len(out)
            )
            + name
        )
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, 0) + name + body
    end = struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), len(out), 0
    )
    path.write_bytes(bytes(out + central + end))
    return path


def _crc_of_tail(data: bytes) -> int:
    crc = zlib.crc32(data)
    chunk = b"\r\n" * 2**19
    for _ in range(BOMB_BYTES // len(chunk)):
        crc = zlib.crc32(chunk, crc)
    return crc


def _readme(folder: Path, code: str, files: list[Path], why: str) -> None:
    (folder / "README.md").write_text(
        f"# {code}: a sequence of two returns\n\n"
        "Load them one at a time, in this order (each its own command, not the folder, which\n"
        "would be taken in period order):\n\n"
        f"1. `{files[0].name}` (valid: it loads)\n"
        f"2. `{files[1].name}`\n\n"
        f"Into a database holding the first, {why}\n"
    )


def _index(root: Path, out: dict[str, list[Path]]) -> None:
    lines = [
        "# Faulty returns",
        "",
        "Each folder holds small variants of one valid return, each aimed at the check code",
        "that names the folder (other findings may come with it). Synthetic data only.",
        "",
    ]
    lines += [
        f"- `{code}/`: " + ", ".join(f"`{p.name}`" for p in files)
        for code, files in sorted(out.items())
    ]
    (root / "README.md").write_text("\n".join(lines) + "\n")
