"""Loading returns: what ends up in the data tables and the load log (spec section 4)."""

from __future__ import annotations

import csv
import sqlite3

import pytest
from support.dumps import db_file, dump_sql, dump_tables
from support.returns import valid_tables, write_return

from etl.load.loader import load_files
from etl.pseudonymise import hash_id
from lfo.settings import REFERENCE_DIR

AREA = "E08000021"


def _q(settings, sql, *params):
    con = sqlite3.connect(db_file(settings))
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def _key(settings) -> bytes:
    return settings.id_key_file.read_bytes()


def _drop_participant(tables, pid):
    return {
        "participants": [r for r in tables["participants"] if r["participant_id"] != pid],
        "interventions": [r for r in tables["interventions"] if r["participant_id"] != pid],
        "outcomes": [r for r in tables["outcomes"] if r["participant_id"] != pid],
    }


def test_valid_return_is_loaded_with_hashed_ids_iso_dates_and_swemwbs_metric(
    tmp_path, lfo_settings
):
    f = write_return(tmp_path / "in")
    [r] = load_files([f], lfo_settings)
    assert r.outcome == "loaded"
    assert r.rows_loaded == {"participants": 3, "episodes": 4, "outcomes": 6}
    key = _key(lfo_settings)
    rows = _q(
        lfo_settings,
        "SELECT participant_key, family_key, referral_date, sex FROM "
        "participants WHERE area_code = ? ORDER BY referral_date",
        AREA,
    )
    assert rows[0] == (
        hash_id(key, AREA, "P001"),
        hash_id(key, AREA, "F01"),
        "2017-04-03",
        "female",
    )
    assert rows[2][2] == "2017-06-12"  # written as 12/06/2017 (UK order)
    with (REFERENCE_DIR / "swemwbs_conversion.csv").open() as fh:
        metric = {int(r["raw_total"]): float(r["metric_score"]) for r in csv.DictReader(fh)}
    sw = _q(
        lfo_settings,
        "SELECT timepoint, score_raw, score FROM outcomes "
        "WHERE measure = 'swemwbs' ORDER BY timepoint",
    )
    assert sw == [("baseline", 18, metric[18]), ("exit", 24, metric[24])]
    csi = _q(
        lfo_settings,
        "SELECT score_raw, score FROM outcomes WHERE measure = 'csi4' AND timepoint = 'exit'",
    )
    assert csi == [(15, 15.0)]
    ep = _q(
        lfo_settings,
        "SELECT status, start_date, end_date, sessions_planned, "
        "sessions_attended FROM episodes WHERE episode_key = ?",
        hash_id(key, AREA, "EP4"),
    )
    assert ep == [("declined", None, None, None, None)]
    ret = _q(lfo_settings, "SELECT area_code, period, period_end, sha256, load_id FROM returns")
    assert ret == [(AREA, "2017-18_Q3", "2017-12-31", r.sha256, r.load_id)]
    log = _q(
        lfo_settings,
        "SELECT outcome, participants_loaded, episodes_loaded, "
        "outcomes_loaded, errors FROM etl_load_log",
    )
    assert log == [("loaded", 3, 4, 6, 0)]


def test_missing_optional_values_are_stored_as_not_stated(tmp_path, lfo_settings):
    tables = valid_tables()
    tables["participants"][0]["ethnicity"] = ""
    tables["interventions"][0]["delivery_mode"] = ""
    [r] = load_files([write_return(tmp_path / "in", tables)], lfo_settings)
    assert r.outcome == "loaded"
    assert r.warnings >= 1
    key = _key(lfo_settings)
    assert _q(
        lfo_settings,
        "SELECT ethnicity FROM participants WHERE participant_key = ?",
        hash_id(key, AREA, "P001"),
    ) == [("not_stated",)]
    assert _q(
        lfo_settings,
        "SELECT delivery_mode FROM episodes WHERE episode_key = ?",
        hash_id(key, AREA, "EP1"),
    ) == [("not_stated",)]


def test_same_file_twice_is_already_loaded_and_changes_nothing(tmp_path, lfo_settings):
    f = write_return(tmp_path / "in")
    load_files([f], lfo_settings)
    before = dump_tables(db_file(lfo_settings))
    [again] = load_files([f], lfo_settings)
    assert again.outcome == "already loaded"
    assert "already loaded" in again.message
    assert dump_tables(db_file(lfo_settings)) == before
    assert _q(lfo_settings, "SELECT outcome FROM etl_load_log ORDER BY load_id") == [
        ("loaded",),
        ("already loaded",),
    ]


def test_correction_for_the_same_period_replaces_the_current_data(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a")], lfo_settings)
    tables = _drop_participant(valid_tables(), "P003")  # 1 of 3 gone: needs --allow-shrink
    tables["participants"][0]["sex"] = "other"
    [r] = load_files([write_return(tmp_path / "b", tables)], lfo_settings, allow_shrink=True)
    assert r.outcome == "loaded"
    key = _key(lfo_settings)
    assert _q(lfo_settings, "SELECT count(*) FROM participants") == [(2,)]
    assert _q(lfo_settings, "SELECT count(*) FROM episodes") == [(2,)]
    assert _q(
        lfo_settings,
        "SELECT sex FROM participants WHERE participant_key = ?",
        hash_id(key, AREA, "P001"),
    ) == [("other",)]
    assert _q(lfo_settings, "SELECT load_id, sha256 FROM returns") == [(r.load_id, r.sha256)]


def test_other_areas_are_left_alone(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a", area="E08000037")], lfo_settings)
    load_files([write_return(tmp_path / "b")], lfo_settings)
    tables = valid_tables()
    tables["participants"][0]["sex"] = "other"
    load_files([write_return(tmp_path / "c", tables)], lfo_settings)
    assert _q(lfo_settings, "SELECT area_code, count(*) FROM participants GROUP BY area_code") == [
        ("E08000021", 3),
        ("E08000037", 3),
    ]
    # equal raw IDs in two areas are distinct rows
    assert _q(lfo_settings, "SELECT count(DISTINCT participant_key) FROM participants") == [(6,)]


def test_stale_return_is_e108_and_force_rolls_back_to_it(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a", period="2017-18_Q4")], lfo_settings)
    before = dump_sql(db_file(lfo_settings))
    older = write_return(tmp_path / "b", period="2017-18_Q3")
    [r] = load_files([older], lfo_settings)
    assert r.outcome == "rejected"
    e108 = r.findings[r.findings["code"] == "E108"]
    assert len(e108) == 1
    assert e108[["sheet", "row", "column"]].isna().all(axis=None)
    assert "--force" in e108["message"].iloc[0]
    assert dump_sql(db_file(lfo_settings)) == before
    # a file rejected before is checked again, and --force accepts it
    [forced] = load_files([older], lfo_settings, force=True)
    assert forced.outcome == "forced"
    assert _q(lfo_settings, "SELECT period FROM returns") == [("2017-18_Q3",)]
    assert _q(lfo_settings, "SELECT outcome, flags FROM etl_load_log ORDER BY load_id") == [
        ("loaded", None),
        ("rejected", None),
        ("forced", "--force"),
    ]
    # the forced file is now the LA's current return: loading it again is "already loaded"
    assert load_files([older], lfo_settings)[0].outcome == "already loaded"


def _with_q4_referrals(n: int) -> dict[str, list[dict]]:
    """The small return plus ``n`` participants referred in 2017-18 Q4 (so only in a Q4 return)."""
    tables = valid_tables()
    for i in range(n):
        new = dict(tables["participants"][2])
        new.update(participant_id=f"Q4P{i}", family_id=f"Q4F{i}", referral_date="2018-01-10")
        tables["participants"].append(new)
    return tables


def _data_version(settings):
    from sqlalchemy import create_engine

    from dashboard.services.queries import data_version

    engine = create_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            return data_version(conn)
    finally:
        engine.dispose()


def test_force_of_an_earlier_return_loaded_before_is_a_rollback(tmp_path, lfo_settings):
    """Issue 10: ``load EARLIER --force`` for a return loaded before said "already loaded", exited
    0 and left the later return current. Now it is checked and loaded again (outcome forced)."""
    q3 = write_return(tmp_path / "a", period="2017-18_Q3")
    q4 = write_return(tmp_path / "b", _with_q4_referrals(2), period="2017-18_Q4")
    assert [r.outcome for r in load_files([q3, q4], lfo_settings)] == ["loaded", "loaded"]
    assert _q(lfo_settings, "SELECT period FROM returns") == [("2017-18_Q4",)]
    version = _data_version(lfo_settings)
    # without --force the earlier return is stale (E108), not "already loaded"; nothing changes
    before = dump_sql(db_file(lfo_settings))
    [stale] = load_files([q3], lfo_settings)
    assert stale.outcome == "rejected"
    assert "E108" in set(stale.findings["code"])
    assert dump_sql(db_file(lfo_settings)) == before
    # with --force: a rollback. The 2 of 5 current participants referred in Q4 are expected to be
    # missing (40%, far over E109's 5%), so E109 does not count them.
    [forced] = load_files([q3], lfo_settings, force=True)
    assert forced.outcome == "forced", forced.message
    assert "replaces the current 2017-18 Q4 data" in forced.message
    assert _q(lfo_settings, "SELECT period, sha256, load_id FROM returns") == [
        ("2017-18_Q3", forced.sha256, forced.load_id)
    ]
    assert _q(lfo_settings, "SELECT count(*) FROM participants") == [(3,)]
    assert _q(lfo_settings, "SELECT outcome, flags FROM etl_load_log ORDER BY load_id") == [
        ("loaded", None),
        ("loaded", None),
        ("rejected", None),
        ("forced", "--force"),
    ]
    assert _data_version(lfo_settings) != version
    # the rolled-back-to file is current now; the Q4 file is stale until forced
    assert load_files([q3], lfo_settings)[0].outcome == "already loaded"
    [again] = load_files([q4], lfo_settings)
    assert again.outcome == "loaded"  # a later period: a plain load, not "already loaded"
    assert load_files([q4], lfo_settings)[0].outcome == "already loaded"


def test_a_forced_rollback_still_finds_earlier_participants_missing(tmp_path, lfo_settings):
    """E109 under --force counts the current participants referred up to the forced quarter."""
    q4 = write_return(tmp_path / "b", _with_q4_referrals(1), period="2017-18_Q4")
    load_files([q4], lfo_settings)
    tables = _drop_participant(valid_tables(), "P003")  # 1 of the 3 referred by Q3 is missing
    [r] = load_files(
        [write_return(tmp_path / "a", tables, period="2017-18_Q3")], lfo_settings, force=True
    )
    assert r.outcome == "rejected"
    assert list(r.findings["code"]) == ["E109"]
    assert r.findings["value"].iloc[0] == "1 of 3"


def test_force_on_a_later_period_is_a_plain_load(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a", period="2017-18_Q3")], lfo_settings)
    [r] = load_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings, force=True)
    assert r.outcome == "loaded"


def test_e108_is_reported_together_with_row_findings(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a", period="2017-18_Q4")], lfo_settings)
    tables = valid_tables()
    tables["participants"][0]["referral_source"] = "postman"
    [r] = load_files([write_return(tmp_path / "b", tables, period="2017-18_Q3")], lfo_settings)
    assert r.outcome == "rejected"
    assert {"E108", "E203"} <= set(r.findings["code"])


@pytest.fixture
def twenty(scaled_tables):
    """20 copies of the small return: 60 participants."""
    return scaled_tables(20)


def test_shrink_over_5_percent_is_e109_and_allow_shrink_accepts_it(tmp_path, lfo_settings, twenty):
    load_files([write_return(tmp_path / "a", twenty)], lfo_settings)
    before = dump_sql(db_file(lfo_settings))
    smaller = twenty
    for pid in ("P001x000000", "P002x000001", "P003x000002", "P001x000003"):  # 4 of 60 = 6.7%
        smaller = _drop_participant(smaller, pid)
    f = write_return(tmp_path / "b", smaller, period="2017-18_Q4")
    [r] = load_files([f], lfo_settings)
    assert r.outcome == "rejected"
    assert list(r.findings["code"]) == ["E109"]
    assert r.findings["value"].iloc[0] == "4 of 60"
    assert dump_sql(db_file(lfo_settings)) == before
    [ok] = load_files([f], lfo_settings, allow_shrink=True)
    assert ok.outcome == "loaded"
    assert _q(lfo_settings, "SELECT count(*) FROM participants") == [(56,)]


def test_shrink_of_exactly_5_percent_is_accepted(tmp_path, lfo_settings, twenty):
    load_files([write_return(tmp_path / "a", twenty)], lfo_settings)
    smaller = twenty
    for pid in ("P001x000000", "P002x000001", "P003x000002"):  # 3 of 60 = 5%
        smaller = _drop_participant(smaller, pid)
    [r] = load_files([write_return(tmp_path / "b", smaller, period="2017-18_Q4")], lfo_settings)
    assert r.outcome == "loaded"


def test_held_back_participants_count_as_present_for_e109(tmp_path, lfo_settings, twenty):
    load_files([write_return(tmp_path / "a", twenty)], lfo_settings)
    broken = {k: [dict(r) for r in v] for k, v in twenty.items()}
    for row in broken["participants"][:6]:  # 6 of 60 participants get an error
        row["referral_source"] = "postman"
    f = write_return(tmp_path / "b", broken, period="2017-18_Q4")
    [r] = load_files([f], lfo_settings, quarantine=True)
    assert r.outcome == "loaded with quarantine"
    assert "E109" not in set(r.findings["code"])
    assert _q(lfo_settings, "SELECT count(*) FROM participants") == [(54,)]


def test_row_errors_reject_the_return_without_quarantine(tmp_path, lfo_settings):
    tables = valid_tables()
    tables["interventions"][0]["status"] = "finished"
    [r] = load_files([write_return(tmp_path / "in", tables)], lfo_settings)
    assert r.outcome == "rejected"
    assert r.errors == 1
    assert _q(lfo_settings, "SELECT count(*) FROM participants") == [(0,)]
    assert _q(lfo_settings, "SELECT outcome, errors FROM etl_load_log") == [("rejected", 1)]
    assert _q(lfo_settings, "SELECT sheet, row, code FROM etl_findings") == [
        ("interventions", 2, "E203")
    ]


def test_quarantine_holds_back_error_rows_and_their_dependents(tmp_path, lfo_settings):
    tables = valid_tables()
    tables["interventions"][0]["status"] = "finished"  # EP1, Excel row 2
    [r] = load_files([write_return(tmp_path / "in", tables)], lfo_settings, quarantine=True)
    assert r.outcome == "loaded with quarantine"
    # EP1 and its 4 outcomes (Excel rows 2-5 of outcomes) are held back
    assert r.rows_held_back == 5
    assert r.rows_loaded == {"participants": 3, "episodes": 3, "outcomes": 2}
    key = _key(lfo_settings)
    assert _q(
        lfo_settings,
        "SELECT count(*) FROM episodes WHERE episode_key = ?",
        hash_id(key, AREA, "EP1"),
    ) == [(0,)]
    assert _q(
        lfo_settings,
        "SELECT count(*) FROM outcomes WHERE episode_key = ?",
        hash_id(key, AREA, "EP1"),
    ) == [(0,)]
    held = _q(
        lfo_settings,
        "SELECT load_id, sheet, row, reason, data, resolved FROM etl_held_back ORDER BY sheet, row",
    )
    assert [(h[1], h[2]) for h in held] == [
        ("interventions", 2),
        ("outcomes", 2),
        ("outcomes", 3),
        ("outcomes", 4),
        ("outcomes", 5),
    ]
    assert {h[0] for h in held} == {r.load_id}
    assert "E203" in held[0][3]
    assert "depends on held-back row 2 of sheet interventions" in held[1][3]
    import json

    data = json.loads(held[0][4])
    assert data["status"] == "finished"  # the value as typed, kept for correction
    assert data["episode_id"] == hash_id(key, AREA, "EP1")
    assert data["offered_date"] == "2017-04-20"
    assert _q(lfo_settings, "SELECT rows_held_back FROM returns") == [(5,)]


def test_held_back_rows_of_a_superseded_return_stay_linked_to_their_load(tmp_path, lfo_settings):
    tables = valid_tables()
    tables["interventions"][0]["status"] = "finished"
    [first] = load_files([write_return(tmp_path / "a", tables)], lfo_settings, quarantine=True)
    [second] = load_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings)
    assert second.outcome == "loaded"
    held = _q(lfo_settings, "SELECT DISTINCT load_id, resolved FROM etl_held_back")
    assert held == [(first.load_id, 1)]
    assert _q(lfo_settings, "SELECT count(*) FROM episodes") == [(4,)]


def test_quarantine_of_every_participant_is_e107(tmp_path, lfo_settings):
    tables = valid_tables()
    for row in tables["participants"]:
        row["referral_source"] = "postman"
    [r] = load_files([write_return(tmp_path / "in", tables)], lfo_settings, quarantine=True)
    assert r.outcome == "rejected"
    assert "E107" in set(r.findings["code"])
    assert _q(lfo_settings, "SELECT count(*) FROM participants") == [(0,)]
    assert _q(lfo_settings, "SELECT count(*) FROM etl_held_back") == [(0,)]


def test_return_level_error_is_rejected_and_logged(tmp_path, lfo_settings):
    f = write_return(tmp_path / "in", name="returns_Q3.zip")
    [r] = load_files([f], lfo_settings)
    assert r.outcome == "rejected"
    assert list(r.findings["code"]) == ["E102"]
    assert r.area_code is None
    assert _q(lfo_settings, "SELECT area_code, outcome, errors FROM etl_load_log") == [
        (None, "rejected", 1)
    ]


def test_a_rejected_file_does_not_stop_the_next(tmp_path, lfo_settings):
    bad = write_return(tmp_path / "a", name="LFO_E08000021_2017-18_Q3.csv")
    good = write_return(tmp_path / "b")
    seen = []
    results = load_files([bad, good], lfo_settings, on_file=seen.append)
    assert [r.outcome for r in results] == ["rejected", "loaded"]
    assert seen == results


def test_failure_inside_the_transaction_rolls_back_and_is_logged_as_failed(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a")], lfo_settings)
    con = sqlite3.connect(db_file(lfo_settings))
    con.execute(
        "CREATE TRIGGER boom BEFORE INSERT ON outcomes "
        "BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
    )
    con.commit()
    con.close()
    before = dump_sql(db_file(lfo_settings))
    [r] = load_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings)
    assert r.outcome == "failed"
    assert "disk on fire" in r.message
    assert "\n" not in r.message and "[SQL" not in r.message
    assert dump_sql(db_file(lfo_settings)) == before
    assert _q(lfo_settings, "SELECT outcome FROM etl_load_log ORDER BY load_id") == [
        ("loaded",),
        ("failed",),
    ]


def test_same_bytes_under_another_period_name_are_a_new_return(tmp_path, lfo_settings):
    q3 = write_return(tmp_path / "a", period="2017-18_Q3")
    q4 = tmp_path / "b" / "LFO_E08000021_2017-18_Q4.zip"
    q4.parent.mkdir()
    q4.write_bytes(q3.read_bytes())
    load_files([q3], lfo_settings)
    [r] = load_files([q4], lfo_settings)
    assert r.outcome == "loaded"
    assert _q(lfo_settings, "SELECT period FROM returns") == [("2017-18_Q4",)]
