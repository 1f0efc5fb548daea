"""A hand-made database for the benchmark tests (engine and API): completion in 2017-18 Q2 and
csi4 change in Q3 by area, so that every group's pooled value can be worked out by hand."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from support.engine_db import build_db, episode

NEWCASTLE, GATESHEAD = "E08000021", "E08000037"
CROYDON, LAMBETH, WESTMINSTER = "E09000008", "E09000022", "E09000033"
ESSEX, HERTS, LUTON = "E10000012", "E10000015", "E06000032"
MANCHESTER, BLACKPOOL, BLACKBURN = "E08000003", "E06000009", "E06000008"
DORSET = "E10000009"
Q2, Q3 = "2017-18_Q2", "2017-18_Q3"


def _completion(completed: int, ended: int) -> list[dict]:
    return [episode("completed", "2017-08-15")] * completed + [
        episode("dropped_out", "2017-08-15")
    ] * (ended - completed)


def _changes(changes: list[int]) -> list[dict]:
    return [
        episode("completed", "2017-11-15", scores={"csi4": {"baseline": 10, "exit": 10 + c}})
        for c in changes
    ]


def database(path: Path, blackpool: tuple[int, int]) -> str:
    """Completion in Q2 by area; csi4 change in Q3 for London; Essex's and Hertfordshire's
    returns end in Q1 (not covering Q2)."""
    q1 = ("2017-18_Q1", dt.date(2017, 6, 30))
    return build_db(
        path,
        {
            NEWCASTLE: _completion(36, 40),
            GATESHEAD: _completion(12, 20),
            CROYDON: _completion(10, 20) + _changes([0] * 10),
            LAMBETH: _completion(12, 20) + _changes(list(range(1, 11))),
            WESTMINSTER: _completion(30, 40) + _changes([4] * 12),
            LUTON: _completion(15, 30),
            MANCHESTER: _completion(50, 100),
            BLACKPOOL: _completion(*blackpool),
            BLACKBURN: _completion(18, 30),
            DORSET: _completion(25, 50),
            ESSEX: [episode("completed", "2017-06-15")] * 20,
            HERTS: [episode("completed", "2017-06-15")] * 20,
        },
        return_period={ESSEX: q1, HERTS: q1},
    )
