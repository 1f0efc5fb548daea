"""Reference outputs of the indicator engine, and a check that the engine still produces them.

    PYTHONPATH=. .venv/bin/python -m benchmarks.engine_reference save /tmp/engine_ref
    PYTHONPATH=. .venv/bin/python -m benchmarks.engine_reference compare /tmp/engine_ref [--rtol 0]
    PYTHONPATH=. .venv/bin/python -m benchmarks.engine_reference time [--grp all] [--ci 95]

``save`` pickles ``compute(...).rows`` for every indicator, for grp all / a level / an
intervention, 95 and 99.8% intervals, every period and a few single periods, on the national and
pilot databases. ``compare`` recomputes each and checks the rows are identical
(``assert_frame_equal``, exact unless ``--rtol`` is given). ``time`` prints CPU seconds per
indicator for every period (the cache's case). Not a test: the reference comes from older code.
"""

from __future__ import annotations

import argparse
import pickle
import sys
import time
from pathlib import Path

import pandas as pd

from dashboard.services.database import Database
from lfo.indicators.definitions import indicators
from lfo.indicators.disclosure import THRESHOLD
from lfo.indicators.engine import compute
from lfo.indicators.protection import make_plan
from lfo.indicators.request import Query

DATABASES = {
    "national": "benchmarks/out/national/lfo.db",
    "pilot": "benchmarks/out/pilot/lfo.db",
}
FILTERS = {"all": {}, "level": {"level": "targeted"}, "intervention": {"intervention": "fcu"}}
CIS = (95.0, 99.8)
SINGLE_PERIODS = {
    "national": ("2019-20_Q2", "2023-24", "2024-25_Q4"),
    "pilot": ("2017-18_Q3", "2017-18", "2018-19_Q4"),
}


def cases(db_names=tuple(DATABASES)):
    for db_name in db_names:
        for grp, kwargs in FILTERS.items():
            for ci in CIS:
                for periods in (None, *((p,) for p in SINGLE_PERIODS[db_name])):
                    name = f"{db_name}-{grp}-{ci}-{'all' if periods is None else periods[0]}"
                    yield db_name, name, dict(kwargs, ci=ci, periods=periods)


def _run(db_names, action, skip=lambda key: False, only=None) -> int:
    failures = 0
    for db_name in db_names:
        db = Database(f"sqlite:///{DATABASES[db_name]}")
        with db.engine.connect() as conn:
            plan = make_plan(conn, THRESHOLD)  # one disclosure plan per database, as the app makes
            for _, name, kwargs in cases((db_name,)):
                for ind_id, ind in indicators().items():
                    if skip(f"{name}-{ind_id}") or (
                        only and not any(o in f"{name}-{ind_id}" for o in only)
                    ):
                        continue
                    rows = compute(conn, Query(indicators=(ind,), **kwargs), plan).rows
                    failures += action(f"{name}-{ind_id}", rows)
                conn.rollback()
        db.dispose()
    return failures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("action", choices=["save", "compare", "time"])
    parser.add_argument("directory", nargs="?", default="/tmp/engine_ref")
    parser.add_argument("--db", action="append", choices=list(DATABASES))
    parser.add_argument("--only", action="append", help="compare keys containing this text")
    parser.add_argument("--overwrite", action="store_true")
    parser.add_argument("--rtol", type=float, default=0.0)
    parser.add_argument("--grp", default="all", choices=list(FILTERS))
    parser.add_argument("--ci", type=float, default=95.0)
    parser.add_argument("--periods", nargs="*", default=None)
    args = parser.parse_args(argv)
    db_names = args.db or list(DATABASES)
    out = Path(args.directory)

    if args.action == "time":
        db = Database(f"sqlite:///{DATABASES[db_names[0]]}")
        total = 0.0
        with db.engine.connect() as conn:
            plan = make_plan(conn, THRESHOLD)
            for ind_id, ind in indicators().items():
                q = Query(
                    indicators=(ind,),
                    ci=args.ci,
                    periods=tuple(args.periods) if args.periods else None,
                    **FILTERS[args.grp],
                )
                t0 = time.process_time()
                compute(conn, q, plan)
                spent = time.process_time() - t0
                total += spent
                print(f"{ind_id:45s} {spent:7.3f}")
        print(f"{'TOTAL':45s} {total:7.3f}")
        return 0

    if args.action == "save":
        out.mkdir(parents=True, exist_ok=True)

        def save(key, rows):
            with open(out / f"{key}.pkl", "wb") as f:
                pickle.dump(rows, f)
            return 0

        _run(db_names, save, skip=lambda key: (out / f"{key}.pkl").exists() and not args.overwrite)
        print(f"saved to {out}")
        return 0

    seen = [0]

    def check(key, rows):
        seen[0] += 1
        with open(out / f"{key}.pkl", "rb") as f:
            ref = pickle.load(f)
        try:
            if args.rtol:
                pd.testing.assert_frame_equal(rows, ref, check_exact=False, rtol=args.rtol, atol=0)
            else:
                pd.testing.assert_frame_equal(rows, ref, check_exact=True)
        except AssertionError as exc:
            print(f"DIFFERS {key}: {str(exc)[:600]}")
            return 1
        return 0

    failures = _run(db_names, check, only=args.only)
    print(f"{seen[0]} outputs compared, {failures} differ")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
