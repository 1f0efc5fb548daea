"""ETL loads in the audit log with the operating-system user, and ``python -m etl audit
verify|prune`` (issue 12; service.md § 4)."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import sqlite3

import pytest
from support.dumps import db_file
from support.returns import write_return

from etl.cli import main as etl
from etl.load import write
from etl.load.loader import load_files
from lfo.access import audit
from lfo.db import writer_engine


def audit_rows(settings) -> list[tuple]:
    con = sqlite3.connect(db_file(settings))
    try:
        return con.execute(
            "SELECT action, outcome, os_user, object, user_id, role FROM audit_log ORDER BY audit_id"
        ).fetchall()
    finally:
        con.close()


def test_each_load_records_who_ran_it_what_and_the_outcome(tmp_path, lfo_settings, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "etl-operator")
    q4 = write_return(tmp_path / "a", period="2017-18_Q4")
    q3 = write_return(tmp_path / "b", period="2017-18_Q3")
    sha = {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in (q4, q3)}
    assert [r.outcome for r in load_files([q4, q3], lfo_settings)] == ["loaded", "rejected"]
    assert load_files([q3], lfo_settings, force=True)[0].outcome == "forced"
    assert load_files([q3], lfo_settings)[0].outcome == "already loaded"  # changes nothing
    area = "E08000021"
    assert audit_rows(lfo_settings) == [
        (
            "load",
            "loaded",
            "etl-operator",
            f"{area} 2017-18_Q4 {q4.name} sha256:{sha[q4]}",
            None,
            None,
        ),
        (
            "load",
            "refused",
            "etl-operator",
            f"{area} 2017-18_Q3 {q3.name} sha256:{sha[q3]}",
            None,
            None,
        ),
        (
            "rollback",
            "loaded",
            "etl-operator",
            f"{area} 2017-18_Q3 {q3.name} sha256:{sha[q3]}",
            None,
            None,
        ),
    ]
    engine = writer_engine(lfo_settings.database_url)
    with engine.connect() as conn:
        assert audit.verify(conn).ok
    engine.dispose()


def test_a_load_that_fails_leaves_no_loaded_row_but_a_failed_one(
    tmp_path, lfo_settings, monkeypatch
):
    monkeypatch.setattr(getpass, "getuser", lambda: "etl-operator")

    def broken(*_args, **_kw):
        raise RuntimeError("disk full while writing summaries")

    monkeypatch.setattr(write, "write_area", broken)  # inside the load's transaction
    path = write_return(tmp_path / "a", period="2017-18_Q4")
    [result] = load_files([path], lfo_settings)
    assert result.outcome == "failed"
    [(action, outcome, who, obj, _uid, _role)] = audit_rows(lfo_settings)
    assert (action, outcome, who) == ("load", "failed", "etl-operator")
    assert obj.startswith(f"E08000021 2017-18_Q4 {path.name} sha256:")


def run(capsys, *args: str) -> tuple[int, str]:
    status = etl(list(args))
    out, err = capsys.readouterr()
    return status, " ".join((out + err).split())


def test_audit_verify_and_prune_from_the_command_line(tmp_path, lfo_settings, capsys, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "ops")
    load_files([write_return(tmp_path / "a", period="2017-18_Q4")], lfo_settings)
    status, out = run(capsys, "audit", "verify")
    assert status == 0 and "1 row(s) chain" in out
    # nothing is 7 years old: the prune deletes nothing, and records that it ran
    status, out = run(capsys, "audit", "prune")
    assert status == 0 and "nothing deleted" in out and "2,557 days" in out
    # with a retention of 1 day, a month from now, both rows go and the chain still holds
    monkeypatch.setenv("LFO_AUDIT_RETENTION_DAYS", "1")
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(days=30)
    monkeypatch.setattr(audit, "now_utc", lambda: later)
    status, out = run(capsys, "audit", "prune")
    assert status == 0 and "deleted 2 audit row(s)" in out
    rows = audit_rows(lfo_settings)
    assert [(r[0], r[1], r[2]) for r in rows] == [("audit-pruned", "pruned", "ops")]
    status, out = run(capsys, "audit", "verify")
    assert status == 0
    # a row changed behind the triggers' back is named
    con = sqlite3.connect(db_file(lfo_settings))
    con.execute("DROP TRIGGER audit_log_no_update")
    con.execute("UPDATE audit_log SET os_user = 'someone else'")
    con.commit()
    con.close()
    status, out = run(capsys, "audit", "verify")
    assert status == 1 and "broken at row" in out and "changed" in out


def test_audit_commands_refuse_a_bad_setting_and_a_missing_database(tmp_path, capsys, monkeypatch):
    status, out = run(capsys, "audit", "verify", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert status == 2 and "does not exist" in out
    monkeypatch.setenv("LFO_AUDIT_RETENTION_DAYS", "0")
    status, out = run(capsys, "audit", "prune", "--db", f"sqlite:///{tmp_path / 'none.db'}")
    assert status == 2 and "LFO_AUDIT_RETENTION_DAYS must be at least 1" in out


@pytest.mark.parametrize("action", ["verify", "prune"])
def test_audit_commands_are_in_the_help(capsys, action):
    status, out = run(capsys, "audit", "--help")
    assert status == 0 and action in out


def test_a_change_to_the_areas_is_audited_with_who_made_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "areas-admin")
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    header = "gss_code,name,region,families,annual_target"
    path = tmp_path / "areas.csv"
    path.write_text(f"{header}\nE06000059,Dorset Council,South West,36000,140\n", encoding="utf-8")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    assert run(capsys, "areas", str(path), "--db", url)[0] == 0
    assert run(capsys, "areas", str(path), "--db", url)[0] == 0  # unchanged: nothing recorded
    con = sqlite3.connect(tmp_path / "lfo.db")
    try:
        got = con.execute("SELECT action, outcome, os_user, object FROM audit_log").fetchall()
    finally:
        con.close()
    assert got == [
        (
            "areas-updated",
            "updated",
            "areas-admin",
            f"areas.csv sha256:{sha}: 1 added (E06000059), 0 updated (none)",
        )
    ]
