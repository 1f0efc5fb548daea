"""check_file on a national-scale return (~7,000 participants, 10,000 episodes, 25,000 outcomes)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import time
import zipfile
from pathlib import Path

import numpy as np
import pytest
from builders import write_return

from etl.checks.file import check_file

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021"})
log = logging.getLogger(__name__)


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


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return national_tables()


@pytest.mark.slow
@pytest.mark.parametrize("fmt, limit", [("zip", 15), ("xlsx", 60), ("xlsx-shared", 60)])
def test_a_national_scale_return_is_checked_in_seconds(tmp_path, national, fmt, limit):
    path = write_return(tmp_path, national, fmt=fmt.split("-")[0])
    if fmt == "xlsx-shared":
        to_shared_strings(path)  # as Excel saves text; openpyxl writes inline strings
    start, cpu = time.perf_counter(), time.process_time()
    result = check_file(path, known_areas=AREAS, today=TODAY)
    seconds = time.perf_counter() - start
    log.warning(
        "check_file on a national-scale %s return: %.2f s (%.2f s CPU)",
        fmt,
        seconds,
        time.process_time() - cpu,
    )
    assert not result.stopped
    assert [(f.sheet, f.code) for f in result.findings if f.severity == "error"] == [
        ("participants", "E203"),
        ("interventions", "E202"),
        ("outcomes", "E204"),
    ]
    assert len(result.tables["outcomes"]) == 25000
    assert seconds < limit
