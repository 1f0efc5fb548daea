"""``etl.load.changes``: what a load of a checked return would change in its LA's current data,
rows matched by their table's key and compared column by column (issue 13)."""

from __future__ import annotations

import datetime as dt

from support.returns import valid_tables, write_return

from etl.checks.file import check_file
from etl.load.changes import IDENTITY, compare, compare_with_current
from etl.load.loader import load_files
from etl.pseudonymise import read_key
from lfo import periods
from lfo.db import writer_engine
from lfo.reference import load_reference

COLUMNS = ("episode_key", "measure", "timepoint", "area_code", "score")


def test_rows_are_matched_by_their_key_and_changed_when_any_other_column_differs():
    current = [
        ("e1", "csi4", "baseline", "A", 9.0),  # unchanged
        ("e1", "csi4", "exit", "A", 15.0),  # changed score
        ("e2", "ops", "baseline", "A", 22.0),  # removed
    ]
    returned = [
        ("e1", "csi4", "baseline", "A", 9.0),
        ("e1", "csi4", "exit", "A", 16.0),
        ("e3", "ops", "baseline", "A", 22.0),  # added (another episode: another row)
        ("e1", "ops", "exit", "A", 22.0),  # added (another measure and timepoint)
    ]
    counts = compare(COLUMNS, IDENTITY["outcomes"], returned, current)
    assert counts == {"added": 2, "changed": 1, "removed": 1, "unchanged": 1}


def test_dates_read_back_from_the_database_equal_the_loaders_iso_text():
    columns = ("participant_key", "referral_date", "sessions")
    current = [("p1", dt.date(2017, 4, 3), None), ("p2", dt.date(2017, 4, 3), 3)]
    returned = [("p1", "2017-04-03", None), ("p2", "2017-04-04", 3)]
    counts = compare(columns, ("participant_key",), returned, current)
    assert counts == {"added": 0, "changed": 1, "removed": 0, "unchanged": 1}


def _checked(path):
    return check_file(path, known_areas=set(load_reference().pilot_areas), today=periods.today())


def test_the_same_return_again_is_all_unchanged_and_without_the_key_all_replaced(
    lfo_settings, tmp_path
):
    tables = valid_tables()
    path = write_return(tmp_path / "in", tables)
    assert load_files([path], lfo_settings)[0].outcome == "loaded"
    checked = _checked(path)
    sizes = {
        "participants": len(tables["participants"]),
        "episodes": len(tables["interventions"]),
        "outcomes": len(tables["outcomes"]),
    }
    key = read_key(lfo_settings.id_key_file)
    engine = writer_engine(lfo_settings.database_url)
    try:
        with engine.connect() as conn:
            same = compare_with_current(conn, checked.tables, "E08000021", key)
            keyless = compare_with_current(conn, checked.tables, "E08000021", None)
            other_la = compare_with_current(conn, checked.tables, "E06000009", key)
    finally:
        engine.dispose()
    assert same.rows == sizes and same.current_period == "2017-18_Q3" and not same.key_missing
    for name, n in sizes.items():
        assert same.changes[name] == {"added": 0, "changed": 0, "removed": 0, "unchanged": n}
        assert keyless.changes[name] == {"added": n, "changed": 0, "removed": n, "unchanged": 0}
        assert other_la.changes[name] == {"added": n, "changed": 0, "removed": 0, "unchanged": 0}
    assert keyless.key_missing and keyless.rows == sizes
    assert other_la.current_period is None


def test_without_a_database_everything_is_added(tmp_path):
    tables = valid_tables()
    checked = _checked(write_return(tmp_path / "in", tables))
    found = compare_with_current(None, checked.tables, "E08000021", b"k" * 32)
    assert found.changes["outcomes"]["added"] == len(tables["outcomes"])
    assert found.current_period is None
