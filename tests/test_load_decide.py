"""The load's pure decision step (``etl.load.decide``): every branch, without a database."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest

from etl.checks.file import CheckedReturn
from etl.load.decide import (
    ALREADY_LOADED,
    FORCED,
    LOADED,
    QUARANTINED,
    REJECTED,
    CurrentData,
    Options,
    already_loaded,
    decide,
    needs_current_data,
)
from lfo.findings import Finding
from lfo.periods import Quarter

NAME = "LFO_E08000021_2017-18_Q3.xlsx"
QUARTER = Quarter(2017, 3)


def tables(people: int = 4) -> dict[str, pd.DataFrame]:
    """A small typed return: each participant has one episode with one outcome (rows from 2)."""
    ids = [f"P{i}" for i in range(people)]
    rows = list(range(2, people + 2))
    return {
        "participants": pd.DataFrame({"_row": rows, "participant_id": ids, "family_id": ids}),
        "interventions": pd.DataFrame(
            {"_row": rows, "participant_id": ids, "episode_id": [f"EP{i}" for i in range(people)]}
        ),
        "outcomes": pd.DataFrame(
            {"_row": rows, "participant_id": ids, "episode_id": [f"EP{i}" for i in range(people)]}
        ),
    }


def finding(code: str, sheet: str | None = None, row: int | None = None) -> Finding:
    return Finding(NAME, sheet, row, "x" if sheet else None, None, code, f"{code} message")


def checked(
    findings: list[Finding] | None = None, *, stopped: bool = False, people: int = 4
) -> CheckedReturn:
    return CheckedReturn(
        path=Path(NAME),
        file_name=NAME,
        area_code="E08000021",
        quarter=QUARTER,
        findings=list(findings or []),
        stopped=stopped,
        tables={} if stopped else tables(people),
        participant_ids=set() if stopped else {f"P{i}" for i in range(people)},
    )


def current(period: str | None = "2017-18_Q2", missing: int = 0, people: int = 4) -> CurrentData:
    keys = {f"k{i}" for i in range(people)}
    return CurrentData(period, keys, {f"k{i}" for i in range(missing, people)})


def codes(decision) -> list[str]:
    return list(decision.findings["code"])


def test_a_clean_return_is_loaded_whole():
    d = decide(checked([finding("W301", "participants", 3)]), current(), Options())
    assert d.outcome == LOADED and d.loads
    assert (d.area_code, d.period) == ("E08000021", "2017-18_Q3")
    assert codes(d) == ["W301"]  # a warning never stops a load
    assert {s: len(t) for s, t in d.tables.items()} == {
        "participants": 4,
        "interventions": 4,
        "outcomes": 4,
    }
    assert d.rows_held_back == 0 and d.held_back == {} and d.notes == ()
    rows = {"participants": 4, "episodes": 4, "outcomes": 4}
    assert (
        d.load_message(rows) == "loaded: 4 participants, 4 episodes, 4 outcomes; 1 warning (W301)"
    )


def test_the_first_return_of_an_la_has_no_current_data_to_compare():
    d = decide(checked(), current(period=None, people=0), Options())
    assert d.outcome == LOADED and codes(d) == []


def test_a_return_whose_checks_stopped_is_rejected_and_not_compared():
    c = checked([finding("E105")], stopped=True)
    assert not needs_current_data(c)
    d = decide(c, None, Options(quarantine=True, force=True, allow_shrink=True))
    assert d.outcome == REJECTED and not d.loads
    assert codes(d) == ["E105"] and d.tables == {}
    assert d.message == "rejected: 1 error (E105); the LA's current data is unchanged"


def test_a_return_without_area_or_period_needs_no_current_data():
    c = checked()
    assert needs_current_data(c)
    c.quarter = None
    assert not needs_current_data(c)


def test_errors_reject_the_return_without_quarantine():
    d = decide(checked([finding("E202", "participants", 3)] * 2), current(), Options())
    assert d.outcome == REJECTED and codes(d) == ["E202", "E202"]
    assert d.message == "rejected: 2 errors (E202 x2); the LA's current data is unchanged"


def test_quarantine_holds_back_rows_with_errors_and_the_rows_that_depend_on_them():
    d = decide(checked([finding("E202", "participants", 3)]), current(), Options(quarantine=True))
    assert d.outcome == QUARANTINED and d.loads
    # participant row 3 (P1), its episode (interventions row 3) and outcome (outcomes row 3)
    assert {s: list(p["_row"]) for s, p in d.held_back.items()} == {
        "participants": [3],
        "interventions": [3],
        "outcomes": [3],
    }
    assert d.rows_held_back == 3
    assert list(d.tables["participants"]["participant_id"]) == ["P0", "P2", "P3"]
    assert list(d.tables["outcomes"]["_row"]) == [2, 4, 5]
    rows = {"participants": 3, "episodes": 3, "outcomes": 3}
    assert d.load_message(rows) == (
        "loaded with quarantine: 3 participants, 3 episodes, 3 outcomes; 3 rows held back; "
        "1 error (E202)"
    )


def test_quarantine_that_would_hold_back_every_participant_rejects_with_e107():
    errors = [finding("E202", "participants", r) for r in (2, 3)]
    d = decide(checked(errors, people=2), current(), Options(quarantine=True))
    assert d.outcome == REJECTED and d.tables == {}
    assert codes(d) == ["E202", "E202", "E107"]
    assert "every participant of this return is held back" in d.findings["message"].iloc[-1]


def test_a_stale_return_is_rejected_with_e108():
    d = decide(checked(), current(period="2017-18_Q4"), Options(quarantine=True))
    assert d.outcome == REJECTED and codes(d) == ["E108"]


def test_force_loads_a_stale_return_and_notes_the_rollback():
    d = decide(checked(), current(period="2017-18_Q4"), Options(force=True))
    assert d.outcome == FORCED and codes(d) == []
    assert d.notes == ("forced: replaces the current 2017-18 Q4 data",)
    message = d.load_message({"participants": 4, "episodes": 4, "outcomes": 4})
    assert message.endswith("; forced: replaces the current 2017-18 Q4 data")


def test_a_forced_load_with_held_back_rows_is_still_forced():
    d = decide(
        checked([finding("E202", "participants", 3)]),
        current(period="2017-18_Q4"),
        Options(quarantine=True, force=True),
    )
    assert d.outcome == FORCED and d.rows_held_back == 3


def test_force_is_not_needed_for_the_same_or_a_later_period():
    for period in ("2017-18_Q3", "2016-17_Q1"):
        assert decide(checked(), current(period=period), Options()).outcome == LOADED


def test_a_shrunk_return_is_rejected_with_e109():
    d = decide(checked(), current(missing=1, people=20), Options())
    assert d.outcome == LOADED  # 1 of 20 (5%) is not more than 5%
    d = decide(checked(), current(missing=2, people=20), Options())
    assert d.outcome == REJECTED and codes(d) == ["E109"]
    assert list(d.findings["value"]) == ["2 of 20"]


def test_allow_shrink_loads_a_shrunk_return_and_notes_it():
    d = decide(checked(), current(missing=2, people=20), Options(allow_shrink=True))
    assert d.outcome == LOADED and codes(d) == []
    assert d.notes == ("2 of 20 current participants missing, allowed by --allow-shrink",)


def test_stale_and_shrunk_are_both_reported_and_each_flag_overrides_its_own():
    both = decide(checked(), current(period="2017-18_Q4", missing=2, people=20), Options())
    assert codes(both) == ["E108", "E109"]
    forced = decide(
        checked(), current(period="2017-18_Q4", missing=2, people=20), Options(force=True)
    )
    assert forced.outcome == REJECTED and codes(forced) == ["E109"]
    assert forced.message == "rejected: 1 error (E109); the LA's current data is unchanged"


def test_the_las_current_return_sent_again_is_skipped():
    current_row = {
        "load_id": 7,
        "area_code": "E08000021",
        "period": "2017-18_Q3",
        "loaded_at": dt.datetime(2018, 1, 15, 9, 30, 12),
    }
    d = already_loaded(current_row)
    assert d.outcome == ALREADY_LOADED and not d.loads
    assert (d.area_code, d.period) == ("E08000021", "2017-18_Q3")
    assert d.message == (
        "already loaded: it is this LA's current return (load 7, 2018-01-15 09:30 UTC); "
        "nothing was changed"
    )
    assert d.findings.empty


def test_under_force_e109_leaves_out_participants_referred_after_the_returns_quarter():
    # 4 current participants, 2 of them referred after the return's quarter and missing from it
    later = CurrentData("2017-18_Q4", {"k0", "k1", "k2", "k3"}, {"k0", "k1"}, {"k2", "k3"})
    assert decide(checked(), later, Options(force=True)).outcome == FORCED
    # without --force the same return is stale, and the missing ones count
    assert codes(decide(checked(), later, Options())) == ["E108", "E109"]
    # under --force, one missing of those referred by the quarter's end is still E109 (1 of 2)
    gap = CurrentData("2017-18_Q4", {"k0", "k1", "k2", "k3"}, {"k0"}, {"k2", "k3"})
    forced = decide(checked(), gap, Options(force=True))
    assert codes(forced) == ["E109"] and forced.findings["value"].iloc[0] == "1 of 2"


@pytest.mark.parametrize(
    ("options", "flags"),
    [
        (Options(), None),
        (Options(quarantine=True), "--quarantine"),
        (Options(force=True, allow_shrink=True), "--force --allow-shrink"),
        (Options(True, True, True), "--quarantine --force --allow-shrink"),
    ],
)
def test_the_load_log_records_the_flags_as_typed(options, flags):
    assert options.flags == flags


def test_deciding_changes_nothing_it_is_given():
    c = checked([finding("E202", "participants", 3)])
    before = {s: t.copy() for s, t in c.tables.items()}
    findings = list(c.findings)
    decide(c, current(period="2017-18_Q4"), Options(quarantine=True, force=True))
    assert c.findings == findings
    for sheet, table in before.items():
        pd.testing.assert_frame_equal(c.tables[sheet], table)
