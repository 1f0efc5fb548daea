"""The database and the return files of the browser journeys (``tests/browser/test_journeys.py``):
an LA whose returns add parents quarter by quarter, loaded through the ETL's command line, so the
dashboard has figures before the LA lead uploads through the web.

Each parent has one completed episode; enough parents are referred in each quarter that the
dashboard shows their count rather than suppressing it (``LFO_SUPPRESSION_THRESHOLD``, 10).
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from pathlib import Path

from support.browser import ROOT
from support.returns import write_return

NEWCASTLE, GATESHEAD = "E08000021", "E08000037"
#: The journeys' day (LFO_TODAY): 2017-18 Q4 has ended and is past its due date.
TODAY = "2018-06-01"
LOADED, NEXT = "2017-18_Q3", "2017-18_Q4"
#: The first day of each quarter of 2017-18 whose parents a return holds.
QUARTER_STARTS = {
    "2017-18_Q1": dt.date(2017, 4, 3),
    "2017-18_Q2": dt.date(2017, 7, 3),
    "2017-18_Q3": dt.date(2017, 10, 2),
    "2017-18_Q4": dt.date(2018, 1, 8),
}
PER_QUARTER = 12


def _parent(n: int, referred: dt.date) -> tuple[dict[str, str], dict[str, str]]:
    pid = f"P{n:04d}"
    offered, start, end = (referred + dt.timedelta(days=d) for d in (7, 14, 42))
    participant = dict(
        participant_id=pid,
        family_id=f"F{n:04d}",
        referral_date=referred.isoformat(),
        referral_source="health_visitor",
        sex=("female", "male")[n % 2],
        age_band="25-34",
        ethnicity="white",
        relationship_status="together",
        workless_household="no",
        youngest_child_age_band="2-4",
    )
    episode = dict(
        episode_id=f"EP{n:04d}",
        participant_id=pid,
        intervention="tp_enhanced",
        offered_date=offered.isoformat(),
        status="completed",
        start_date=start.isoformat(),
        end_date=end.isoformat(),
        sessions_planned="6",
        sessions_attended="5",
        delivery_mode="face_to_face",
    )
    return participant, episode


def tables_up_to(last: str) -> dict[str, list[dict[str, str]]]:
    """A valid cumulative return to the end of quarter ``last`` of 2017-18: ``PER_QUARTER``
    parents referred in each quarter, each with one completed episode."""
    participants, episodes = [], []
    for quarter, first in QUARTER_STARTS.items():
        for i in range(PER_QUARTER):
            n = len(participants) + 1
            person, episode = _parent(n, first + dt.timedelta(days=i))
            participants.append(person)
            episodes.append(episode)
        if quarter == last:
            break
    return {"participants": participants, "interventions": episodes, "outcomes": []}


def build_journey_db(folder: Path, env: dict[str, str]) -> str:
    """A new SQLite database under ``folder`` with Newcastle's and Gateshead's 2017-18 Q3 returns
    loaded by ``python -m etl load`` with ``env`` (the LFO_ settings the app and worker use); its
    URL."""
    url = env["LFO_DATABASE_URL"]
    returns = folder / "cli-returns"
    for area in (NEWCASTLE, GATESHEAD):
        write_return(returns, tables_up_to(LOADED), area=area, period=LOADED)
    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(returns), "--db", url],
        cwd=folder,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"etl load failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    return url


def with_late_referrals(
    tables: dict[str, list[dict[str, str]]], quarter: str, n: int
) -> dict[str, list[dict[str, str]]]:
    """``tables`` with ``n`` more parents referred in ``quarter`` (recorded late, as happens):
    the new return changes a figure the dashboard already shows."""
    participants = list(tables["participants"])
    episodes = list(tables["interventions"])
    for i in range(n):
        person, episode = _parent(9000 + i, QUARTER_STARTS[quarter] + dt.timedelta(days=30 + i))
        participants.append(person)
        episodes.append(episode)
    return {**tables, "participants": participants, "interventions": episodes}
