"""check_file on a national-scale return (~7,000 participants, 10,000 episodes, 25,000 outcomes):
the findings, in every format. How long it takes is measured by ``python -m benchmarks.checks_speed``
(never asserted here)."""

from __future__ import annotations

import datetime as dt

import pytest
from support.returns import national_tables, to_shared_strings, write_return

from etl.checks.file import check_file

TODAY = dt.date(2018, 6, 1)
AREAS = frozenset({"E08000021"})


@pytest.fixture(scope="module")
def national(tmp_path_factory):
    return national_tables()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["zip", "xlsx", "xlsx-shared"])
def test_a_national_scale_return_is_checked_with_its_findings(tmp_path, national, fmt):
    path = write_return(tmp_path, national, fmt=fmt.split("-")[0])
    if fmt == "xlsx-shared":
        to_shared_strings(path)  # as Excel saves text; openpyxl writes inline strings
    result = check_file(path, known_areas=AREAS, today=TODAY)
    assert not result.stopped
    assert [(f.sheet, f.code) for f in result.findings if f.severity == "error"] == [
        ("participants", "E203"),
        ("interventions", "E202"),
        ("outcomes", "E204"),
    ]
    assert len(result.tables["outcomes"]) == 25000
