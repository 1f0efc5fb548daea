"""The small databases the dashboard's page tests run on, through Flask's test client and in the
browser, with the areas they hold. The tests work their expected figures out by hand from these.
"""

from __future__ import annotations

import csv
from pathlib import Path

from support.engine_db import build_db, episode

ROOT = Path(__file__).resolve().parents[2]
with open(ROOT / "data/reference/areas.csv", encoding="utf-8") as f:
    REFERENCE = {r["gss_code"]: r for r in csv.DictReader(f)}
NEWCASTLE, BLACKPOOL, MANCHESTER = "E08000021", "E06000009", "E08000003"
GATESHEAD, ESSEX, DORSET = "E08000037", "E10000012", "E10000009"


# --- the area profile (tests/test_area_profile.py and its browser test) -------------------------


def _area_episodes(completed: int, dropped: int) -> list[dict]:
    done = [episode("completed", "2018-06-10") for _ in range(completed)]
    later = [episode("offered", referred="2018-10-01", offered="2018-10-05")]
    return done + [episode("dropped_out", "2018-06-10") for _ in range(dropped)] + later


def build_area_db(path: Path) -> str:
    """Three areas with returns for 2018-19 Q4: completion 30/40, 20/40 and 12/20 in
    2018-19 Q1 (also used by the browser tests)."""
    return build_db(
        path,
        {
            BLACKPOOL: _area_episodes(30, 10),
            GATESHEAD: _area_episodes(20, 20),
            MANCHESTER: _area_episodes(12, 8),
        },
    )


# --- the overview (tests/test_overview.py and its browser test) ---------------------------------

QUARTER_ENDS = {  # a day in each quarter, for end dates
    "2017-18_Q4": "2018-02-15",
    "2018-19_Q1": "2018-05-15",
    "2018-19_Q2": "2018-08-15",
    "2018-19_Q3": "2018-11-15",
    "2018-19_Q4": "2019-02-15",
}
BLACKPOOL_COMPLETED = (54, 45, 36, 24, 12)
STEADY_COMPLETED = 48
PER_QUARTER = 60


def _overview_episodes(completed_by_quarter: tuple[int, ...]) -> list[dict]:
    out = []
    for day, done in zip(QUARTER_ENDS.values(), completed_by_quarter, strict=True):
        fy = int(day[:4]) - (1 if day[5:7] < "04" else 0)  # referred early in the same year
        dates = dict(referred=f"{fy}-04-03", offered=f"{fy}-04-20", start=f"{fy}-05-01")
        out += [episode("completed", day, **dates) for _ in range(done)]
        out += [episode("dropped_out", day, attended=2, **dates) for _ in range(PER_QUARTER - done)]
    return out


def build_overview_db(path: Path) -> str:
    """Blackpool, Newcastle and Essex, 60 episodes ending in each of five quarters (2017-18 Q4 to
    2018-19 Q4): Newcastle and Essex complete 48 of 60 every quarter, Blackpool 54, 45, 36, 24
    and then 12 (its drop-outs attend 2 of 6 sessions)."""
    steady = (STEADY_COMPLETED,) * 5
    return build_db(
        path,
        {
            BLACKPOOL: _overview_episodes(BLACKPOOL_COMPLETED),
            NEWCASTLE: _overview_episodes(steady),
            ESSEX: _overview_episodes(steady),
        },
    )


# --- the Reach, Uptake and Outcomes pages (tests/test_topic_pages.py and its browser test) -----

ENDED = "2018-06-10"  # 2018-19 Q1
Q_ENDED = "2018-19_Q1"
Q_REFERRED = (
    "2017-18_Q1"  # every participant of the topic pages' database is referred on 2017-04-03
)


def _topic_episodes(
    n: int,
    status: str,
    *,
    baseline: int | None = None,
    exit_: int | None = None,
    sex: str = "female",
) -> list[dict]:
    scores = {}
    if baseline is not None:
        scores = {"csi4": {"baseline": baseline} | ({"exit": exit_} if exit_ is not None else {})}
    return [episode(status, ENDED, scores=scores, sex=sex) for _ in range(n)]


def build_topic_db(path: Path) -> str:
    """Newcastle: 40 completed (15 by fathers) and 10 dropped out; of the completed, 30 moved on
    csi4 from 10 to 16 (reliably improved, recovered) and 10 stayed at 10. Blackpool: 20
    completed (10 to 11: no reliable change) and 20 dropped out. Manchester: 30 completed (10 to
    15) and 10 dropped out. Gateshead and Dorset: 4 completed each (suppressed). Every episode
    ended in 2018-19 Q1; every return is 2018-19 Q4. Essex: 12 completed (fathers, 10 to 15) and
    3 dropped out: the smallest published figures, so the cells disclosure control v2 hides beside
    Gateshead's and Dorset's (three in a table, indicators.md v2) are Essex's."""
    newcastle = (
        _topic_episodes(15, "completed", baseline=10, exit_=16, sex="male")
        + _topic_episodes(15, "completed", baseline=10, exit_=16)
        + _topic_episodes(10, "completed", baseline=10, exit_=10)
        + _topic_episodes(10, "dropped_out")
    )
    return build_db(
        path,
        {
            NEWCASTLE: newcastle,
            BLACKPOOL: _topic_episodes(20, "completed", baseline=10, exit_=11)
            + _topic_episodes(20, "dropped_out"),
            MANCHESTER: _topic_episodes(30, "completed", baseline=10, exit_=15)
            + _topic_episodes(10, "dropped_out"),
            GATESHEAD: _topic_episodes(4, "completed", baseline=10, exit_=15),
            DORSET: _topic_episodes(4, "completed", baseline=10, exit_=15),
            ESSEX: _topic_episodes(12, "completed", baseline=10, exit_=15, sex="male")
            + _topic_episodes(3, "dropped_out"),
        },
    )


# --- more areas than the overview grid draws at first (tests/browser/test_overview_rows.py) ------

MANY_AREAS = 60


def build_many_areas_db(path: Path, n: int = MANY_AREAS) -> str:
    """The twelve pilot areas and ``n - 12`` synthetic ones named as the generator names them
    ("Synthetic area 001", ``etl.synthetic.generate.national_areas``): every area ends 60
    episodes in 2018-19 Q1, area i completing ``12 + 2 * (i % 17)`` of them (none suppressed)."""
    from sqlalchemy import insert

    from etl.synthetic.generate import REGIONS
    from lfo import schema
    from lfo.db import init_db, writer_engine

    url = f"sqlite:///{path}"
    engine = writer_engine(url)
    init_db(engine)  # the pilot areas
    extra = [
        dict(
            gss_code=f"E9999{j:04d}",
            name=f"Synthetic area {j:03d}",
            region=REGIONS[j % len(REGIONS)],
            families=20_000,
            annual_target=80,
            source="synthetic",
        )
        for j in range(1, n - len(REFERENCE) + 1)
    ]
    with engine.begin() as conn:
        conn.execute(insert(schema.areas), extra)
    engine.dispose()
    codes = [*REFERENCE, *(a["gss_code"] for a in extra)]
    return build_db(
        None,
        {
            code: [episode("completed", ENDED)] * (12 + 2 * (i % 17))
            + [episode("dropped_out", ENDED)] * (48 - 2 * (i % 17))
            for i, code in enumerate(codes)
        },
        url=url,
    )
