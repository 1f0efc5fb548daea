"""Properties that hold for any return: one line per (row, column, code), one cell code per cell,
no crash, and the error rows are exactly the rows the quarantine plan holds back for themselves."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from support.returns import valid_tables, write_return

from etl.checks.file import check_file
from etl.checks.quarantine import quarantine_plan

TODAY = dt.date(2018, 6, 1)
CELL_CODES = {"E201", "E210", "E202", "E203", "E204"}
NASTY = [
    "",
    " ",
    "NA",
    "-",
    "=A1",
    "P001",
    "P002",
    "EP1",
    "EP2",
    "0",
    "3",
    "3.5",
    "99",
    "-1",
    "2016-03-31",
    "2018-01-01",
    "31/12/2017",
    "29/02/2017",
    "jo@x.org",
    "9434765919",
    "SW1A 1AA",
    "completed",
    "offered",
    "started",
    "baseline",
    "exit",
    "swemwbs",
    "csi4",
    "FEMALE",
    "2-4",
    "\u00a0",
    "a,b",
    '"',
    "\u00e9",
]

edits = st.lists(
    st.tuples(
        st.sampled_from(["participants", "interventions", "outcomes"]),
        st.integers(0, 5),
        st.integers(0, 9),
        st.sampled_from(NASTY),
    ),
    min_size=1,
    max_size=6,
)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(edits=edits, fmt=st.sampled_from(["zip", "xlsx"]))
def test_any_edited_return_keeps_the_report_rules(edits, fmt):
    tables = valid_tables()
    for sheet, index, col, value in edits:
        records = tables[sheet]
        rec = records[index % len(records)]
        rec[list(rec)[col % len(rec)]] = value
    with tempfile.TemporaryDirectory() as folder:
        checked = check_file(
            write_return(Path(folder), tables, fmt=fmt), known_areas={"E08000021"}, today=TODAY
        )
    lines = [(f.sheet, f.row, f.column, f.code) for f in checked.findings]
    assert len(lines) == len(set(lines))
    per_cell: dict[tuple, int] = {}
    for f in checked.findings:
        if f.code in CELL_CODES:
            key = (f.sheet, f.row, f.column)
            per_cell[key] = per_cell.get(key, 0) + 1
    assert all(n == 1 for n in per_cell.values())
    assert not checked.stopped
    plan = quarantine_plan(checked)
    for sheet, rows in checked.error_rows.items():
        assert rows <= set(plan[sheet]["_row"])
        own = plan[sheet][~plan[sheet]["reason"].str.startswith("depends on")]
        assert set(own["_row"]) == rows
