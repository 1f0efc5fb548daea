"""How many published cells disclosure control hides under the v1 and the v2 rules, and what the
v2 plan costs (time, memory), on one database.

``python -m benchmarks.disclosure_counts --db PATH [--threshold 10] [--stages rule,exact,own]``

Counts are of published rows (one indicator, filter, area or the programme, period and category;
reach.family_rate's rows are the year's reach.families and are not counted twice):
- **v1**: the v1 rule code, unchanged in ``lfo.indicators.disclosure`` (``kinds.suppress`` ->
  ``suppress_indicator``, as the engine applied it per request at commit d6698c5), run on the
  same rows, one indicator and filter at a time (its margins lie within one period);
- **v2**: ``lfo.indicators.protection`` over the complete set, stage by stage: the rule alone
  (``rule``), with the linear-algebra check (``exact``), with the check once per area knowing
  its own cells (``own``: the published plan).
Primary = the row's own numerator or denominator is small; secondary = hidden for any other
reason. CPU seconds and the process's peak resident memory are printed for each stage.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a loaded machine: no BLAS threads

import numpy as np
import pandas as pd
from sqlalchemy import create_engine

from lfo.indicators import cells, kinds, margins, protection
from lfo.indicators.definitions import indicators


def _peak_mb() -> int:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def v1_hidden(table: cells.CellTable) -> np.ndarray:
    """Rows the v1 rule hides (boolean per row of ``table.rows``)."""
    catalogue = indicators()
    rows = table.rows
    out = np.zeros(len(rows), dtype=bool)
    for (ind_id, _grp), part in rows.groupby(["indicator", "grp"], sort=False):
        ind = catalogue[str(ind_id)]
        df = part[["area_code", "period", "category", "numerator", "denominator", "covered"]]
        df = df.assign(
            category=df["category"].where(df["category"] != cells.NO_CATEGORY, None),
            status=None,
            value=np.nan,
            lower=np.nan,
            upper=np.nan,
            comparison=None,
            trend=None,
            trend_judgement=None,
        )
        done = kinds.suppress(ind, df.reset_index(drop=True), table.threshold)
        out[part.index.to_numpy()] = (done["status"] == "c").to_numpy()
    return out


def counts(label: str, rows: pd.DataFrame, hidden_rows: np.ndarray) -> dict[str, object]:
    primary = rows["primary"].to_numpy(dtype=bool)
    n = len(rows)
    return {
        "rule": label,
        "rows": n,
        "primary": int(primary.sum()),
        "secondary": int((hidden_rows & ~primary).sum()),
        "hidden": int(hidden_rows.sum()),
        "share_hidden": round(float(hidden_rows.mean()), 4) if n else 0.0,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.disclosure_counts")
    parser.add_argument("--db", required=True, help="path of a loaded SQLite database")
    parser.add_argument("--threshold", type=int, default=10)
    parser.add_argument("--stages", default="rule,exact,own")
    args = parser.parse_args(argv)
    engine = create_engine(f"sqlite:///{args.db}")
    report: dict[str, object] = {"db": args.db, "threshold": args.threshold}
    cpu = time.process_time()
    with engine.connect() as conn:
        table = cells.build(conn, args.threshold)
    report["cells_seconds"] = round(time.process_time() - cpu, 1)
    cpu = time.process_time()
    m = margins.build(table)
    report["margins_seconds"] = round(time.process_time() - cpu, 1)
    report["size"] = {"rows": len(table.rows), "cells": len(table.cells), "memberships": len(m.gid)}
    report["peak_mb_after_table"] = _peak_mb()
    print(json.dumps(report), flush=True)
    cpu = time.process_time()
    v1 = counts("v1", table.rows, v1_hidden(table))
    v1["cpu_seconds"] = round(time.process_time() - cpu, 1)
    report["v1"] = v1
    print(json.dumps(v1), flush=True)
    stages = {
        "rule": protection.Rule(exact=False, areas_know_their_own=False),
        "exact": protection.Rule(areas_know_their_own=False),
        "own": protection.Rule(),
    }
    cell_of_row = table.rows["cell"].to_numpy()
    for name in args.stages.split(","):
        cpu = time.process_time()
        hidden = protection.protect(table, m, stages[name])
        result = counts(f"v2 {name}", table.rows, hidden[cell_of_row])
        result["cpu_seconds"] = round(time.process_time() - cpu, 1)
        result["peak_mb"] = _peak_mb()
        report[f"v2_{name}"] = result
        print(json.dumps(result), flush=True)
    print(json.dumps(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
