"""What loading must never do: change data on rejection, leak raw IDs, lose files, run twice."""

from __future__ import annotations

import hashlib
import sqlite3
import stat
import subprocess
import sys
import threading

import pytest
from support.dumps import db_file, dump_sql, dump_tables
from support.returns import valid_tables, write_return

from etl.load.loader import load_files
from etl.load.result import LoadError
from etl.lock import load_lock
from etl.pseudonymise import hash_id
from lfo.settings import PROJECT_ROOT

AREA = "E08000021"


def _q(settings, sql, *params):
    con = sqlite3.connect(db_file(settings))
    try:
        return con.execute(sql, params).fetchall()
    finally:
        con.close()


def test_a_rejected_return_changes_no_data_table_and_is_logged(
    tmp_path, lfo_settings, scaled_tables
):
    load_files([write_return(tmp_path / "a", scaled_tables(5))], lfo_settings)
    before = dump_sql(db_file(lfo_settings))
    broken = scaled_tables(6)
    broken["outcomes"][0]["score"] = "99"
    broken["participants"][2]["referral_date"] = "31/02/2017"
    [r] = load_files([write_return(tmp_path / "b", broken, period="2017-18_Q4")], lfo_settings)
    assert r.outcome == "rejected"
    assert dump_sql(db_file(lfo_settings)) == before
    log = _q(
        lfo_settings,
        "SELECT outcome, errors, participants_loaded FROM etl_load_log WHERE load_id = ?",
        r.load_id,
    )
    assert log == [("rejected", 2, 0)]
    codes = _q(
        lfo_settings, "SELECT code FROM etl_findings WHERE load_id = ? ORDER BY code", r.load_id
    )
    assert codes == [("E202",), ("E204",)]


RAW_IDS = (
    "PARTzq71",
    "PARTzq72",
    "PARTzq73",
    "PARTzq74",
    "EPIzq5",
    "FAMzq01",
    "FAMzq02",
    "EPIzq1",
    "EPIzq2",
    "EPIzq3",
    "EPIzq4",
)
EMAIL = "jane.doe.zq@example.org"


def _tables_with_marked_ids():
    """The small return with unmistakable IDs, an e-mail ID (E210), a duplicate and a bad ref."""
    t = valid_tables()
    pmap = {"P001": "PARTzq71", "P002": "PARTzq72", "P003": "PARTzq73"}
    fmap = {"F01": "FAMzq01", "F02": "FAMzq02"}
    emap = {"EP1": "EPIzq1", "EP2": "EPIzq2", "EP3": "EPIzq3", "EP4": "EPIzq4"}
    for sheet in t.values():
        for row in sheet:
            for col, mapping in (
                ("participant_id", pmap),
                ("family_id", fmap),
                ("episode_id", emap),
            ):
                if col in row:
                    row[col] = mapping[row[col]]
    extra = dict(t["participants"][0], participant_id=EMAIL)  # E210
    t["participants"].append(extra)
    t["outcomes"].append(dict(t["outcomes"][0]))  # E205 on the composite key
    t["interventions"].append(
        dict(t["interventions"][2], episode_id="EPIzq9", participant_id="PARTzqGONE")
    )  # E206
    t["participants"].append(dict(t["participants"][2], participant_id="PARTzq74"))
    t["interventions"].append(
        dict(t["interventions"][2], episode_id="EPIzq5", participant_id="PARTzq74", status="paused")
    )  # E203
    t["outcomes"].append(
        dict(t["outcomes"][5], episode_id="EPIzq5", participant_id="PARTzq74")
    )  # depends on EPIzq5
    return t


def test_raw_ids_and_personal_data_never_reach_the_database_file(tmp_path, lfo_settings):
    tables = _tables_with_marked_ids()
    f = write_return(tmp_path / "in", tables)
    [rejected] = load_files([f], lfo_settings)
    assert rejected.outcome == "rejected"
    assert {"E205", "E206", "E210"} <= set(rejected.findings["code"])
    # the report keeps raw IDs (it goes back to the LA) but masks the e-mail
    assert "PARTzqGONE" in set(rejected.findings["value"])
    assert EMAIL not in "".join(rejected.findings.astype(str).to_numpy().ravel())
    [held] = load_files([f], lfo_settings, quarantine=True)
    assert held.outcome == "loaded with quarantine"
    assert held.rows_held_back > 0
    path = db_file(lfo_settings)
    con = sqlite3.connect(path)
    texts = []
    for (name,) in con.execute("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in con.execute(f'SELECT * FROM "{name}"'):  # noqa: S608 - names from sqlite_master
            texts.append(" ".join(map(str, row)))
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.close()
    everything = "\n".join(texts)
    assert "E210" in everything and "depends on held-back row" in everything  # not vacuous
    raw = b"".join(p.read_bytes() for p in path.parent.iterdir() if p.is_file())
    for secret in (*RAW_IDS, "PARTzqGONE", "EPIzq9", EMAIL, "jane.doe"):
        assert secret not in everything, secret
        assert secret.encode() not in raw, secret


def test_archive_holds_every_file_byte_identical_under_its_sha256(tmp_path, lfo_settings):
    good = write_return(tmp_path / "in")
    xlsx = write_return(tmp_path / "in", fmt="xlsx", period="2017-18_Q4")
    other = valid_tables()
    other["participants"][0]["sex"] = "male"
    badname = write_return(tmp_path / "in", other, name="notes.ZIP")
    results = load_files([good, xlsx, badname], lfo_settings)
    assert [r.outcome for r in results] == ["loaded", "loaded", "rejected"]
    for f in (good, xlsx, badname):
        digest = hashlib.sha256(f.read_bytes()).hexdigest()
        ext = f.suffix.lower()
        copy = lfo_settings.archive_dir / f"{digest}{ext}"
        assert copy.read_bytes() == f.read_bytes()
        assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(lfo_settings.archive_dir.stat().st_mode) == 0o700
    assert len(list(lfo_settings.archive_dir.iterdir())) == 3


def test_key_file_is_created_0600_once_and_reused(tmp_path, lfo_settings):
    assert not lfo_settings.id_key_file.exists()
    [first] = load_files([write_return(tmp_path / "a")], lfo_settings)
    assert first.key_created and "back it up" in first.message
    key = lfo_settings.id_key_file.read_bytes()
    assert len(key) == 32
    assert stat.S_IMODE(lfo_settings.id_key_file.stat().st_mode) == 0o600
    [second] = load_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings)
    assert not second.key_created and "back it up" not in second.message
    assert lfo_settings.id_key_file.read_bytes() == key
    keys = _q(lfo_settings, "SELECT participant_key FROM participants ORDER BY referral_date")
    assert keys[0] == (hash_id(key, AREA, "P001"),)


def test_xlsx_and_zip_of_the_same_content_give_the_same_database(
    tmp_path, lfo_settings, scaled_tables
):
    tables = scaled_tables(3)
    zip_ = write_return(tmp_path / "zip", tables, fmt="zip")
    xlsx = write_return(tmp_path / "xlsx", tables, fmt="xlsx")
    other = type(lfo_settings)(
        database_url=f"sqlite:///{tmp_path / 'other.db'}",
        archive_dir=tmp_path / "archive2",
        id_key_file=lfo_settings.id_key_file,
    )
    assert load_files([zip_], lfo_settings)[0].outcome == "loaded"
    assert load_files([xlsx], other)[0].outcome == "loaded"

    def data(path):
        d = dump_tables(path)
        d.pop("returns")  # names the file and its hash
        d.pop("schema_info")  # holds the creation time
        return d

    a, b = data(db_file(lfo_settings)), data(tmp_path / "other.db")
    assert a["participants"] and a["outcomes"]
    assert a == b


def test_a_second_load_waits_briefly_then_is_refused(tmp_path, lfo_settings):
    f = write_return(tmp_path / "in")
    load_files([f], lfo_settings)  # creates the database
    from lfo.db import writer_engine

    engine = writer_engine(lfo_settings.database_url)
    with load_lock(engine), pytest.raises(LoadError, match="another load is in progress"):
        load_files([write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings, lock_wait=0.3)
    engine.dispose()
    assert _q(lfo_settings, "PRAGMA integrity_check") == [("ok",)]
    assert _q(lfo_settings, "SELECT count(*) FROM etl_load_log") == [(1,)]


def test_two_loads_at_once_one_waits_and_nothing_is_corrupt(tmp_path, lfo_settings, scaled_tables):
    a = write_return(tmp_path / "a", scaled_tables(300), area="E08000021")
    b = write_return(tmp_path / "b", scaled_tables(300), area="E08000037")
    env_code = (
        "import sys, logging\n"
        "from pathlib import Path\n"
        "from etl.load.loader import load_files\n"
        "from etl.load.result import LoadError\n"
        "from lfo.settings import Settings\n"
        "try:\n"
        "    r = load_files([Path(sys.argv[1])], Settings.from_env(), lock_wait=30)\n"
        "    print(r[0].outcome)\n"
        "except LoadError as e:\n"
        "    print('refused', e)\n"
    )
    outputs = {}

    def run(path):
        done = subprocess.run(
            [sys.executable, "-c", env_code, str(path)],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        outputs[path.name] = done.stdout.strip() or done.stderr

    threads = [threading.Thread(target=run, args=(p,)) for p in (a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outputs.values()) == ["loaded", "loaded"], outputs
    assert _q(lfo_settings, "PRAGMA integrity_check") == [("ok",)]
    assert _q(lfo_settings, "SELECT area_code, count(*) FROM participants GROUP BY area_code") == [
        ("E08000021", 900),
        ("E08000037", 900),
    ]


def test_a_file_over_50_mb_is_rejected_not_archived_and_its_hash_logged(tmp_path, lfo_settings):
    big = tmp_path / "in" / "LFO_E08000021_2017-18_Q3.zip"
    big.parent.mkdir()
    with big.open("wb") as fh:
        fh.write(b"PK" + b"\0" * (50 * 1024 * 1024 + 10))
    [r] = load_files([big], lfo_settings)
    assert r.outcome == "rejected"
    assert "E110" in set(r.findings["code"])
    assert not lfo_settings.archive_dir.exists() or not any(lfo_settings.archive_dir.iterdir())
    digest = hashlib.sha256(big.read_bytes()).hexdigest()
    assert _q(lfo_settings, "SELECT sha256, size_bytes, outcome FROM etl_load_log") == [
        (digest, big.stat().st_size, "rejected")
    ]


def test_a_half_written_archive_copy_of_a_killed_load_is_removed(tmp_path, lfo_settings):
    lfo_settings.archive_dir.mkdir(mode=0o700)
    partial = lfo_settings.archive_dir / ".incoming-abc123"
    partial.write_bytes(b"PK\x03\x04 half a file")
    f = write_return(tmp_path / "in")
    [r] = load_files([f], lfo_settings)
    assert r.outcome == "loaded"
    assert not partial.exists()
    assert [p.name for p in lfo_settings.archive_dir.iterdir()] == [f"{r.sha256}.zip"]


def test_a_lost_key_file_is_not_silently_replaced_once_data_exists(tmp_path, lfo_settings):
    load_files([write_return(tmp_path / "a")], lfo_settings)
    lfo_settings.id_key_file.unlink()
    before = dump_sql(db_file(lfo_settings))
    with pytest.raises(LoadError, match="restore the key file"):
        load_files(
            [write_return(tmp_path / "b", period="2017-18_Q4")], lfo_settings, allow_shrink=True
        )
    assert not lfo_settings.id_key_file.exists()
    assert dump_sql(db_file(lfo_settings)) == before
