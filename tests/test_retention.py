"""``python -m etl files prune`` (issue 15 § 6; return-spec.md § 6): rejected files are deleted
after the retention period — archive copies of hashes never loaded and upload folders of web
submissions that ended without a load — while loaded files, recent ones and files an unfinished
submission still needs are kept; a dry run deletes nothing; a run is one audit row; and a
submission whose file is gone still shows its page, saying so. SQLite, and once on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import getpass
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select, update
from support.accounts import NEWCASTLE, engine, key
from support.postgres import create_database
from support.returns import valid_tables, write_return
from support.web_auth import make_app, person, sign_in, url_of

from etl.cli import main as etl
from etl.load.loader import load_files
from lfo import jobs, schema, submissions
from lfo.access import audit
from lfo.db import init_db, writer_engine
from lfo.schema_jobs import jobs as jobs_table
from lfo.settings import Settings

__all__ = ["engine", "key"]  # fixtures

GATESHEAD = "E08000037"
OLD = dt.timedelta(days=200)


def faulty(n: int) -> dict[str, list[dict]]:
    """A return with an error (a formula-like value), made distinct by ``n`` extra participants."""
    tables = valid_tables()
    model = tables["participants"][0]
    for i in range(n):
        tables["participants"].append(
            {**model, "participant_id": f"PX{i:03d}", "family_id": f"FX{i:03d}", "sex": "=1+1"}
        )
    return tables


def sha_of(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def age_load_log(settings: Settings, sha: str) -> None:
    """Every load-log row of ``sha`` moved 200 days back."""
    engine = writer_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            log = schema.etl_load_log
            old = audit.now_utc() - OLD
            conn.execute(update(log).where(log.c.sha256 == sha).values(started_at=old))
    finally:
        engine.dispose()


def archived(settings: Settings, sha: str) -> list[Path]:
    return sorted(settings.archive_dir.glob(f"{sha}.*"))


def new_submission(conn, uploads: Path, *, sha: str = "b" * 64, when: dt.datetime) -> int:
    sid = submissions.create(
        conn,
        kind="upload",
        area_code=NEWCASTLE,
        period="2017-18_Q3",
        file_name="LFO_E08000021_2017-18_Q3.zip",
        sha256=sha,
        size_bytes=10,
        user_id=None,
        now=when,
    )
    folder = uploads / str(sid)
    folder.mkdir(parents=True)
    (folder / "LFO_E08000021_2017-18_Q3.zip").write_bytes(b"return")
    return sid


@pytest.fixture
def world(lfo_settings, tmp_path, monkeypatch):
    """Files in every state the job decides on; their hashes, the submissions' ids, the folders."""
    monkeypatch.setattr(getpass, "getuser", lambda: "retention-operator")
    uploads = tmp_path / "uploads"
    monkeypatch.setenv("LFO_UPLOADS_DIR", str(uploads))
    settings = dataclasses.replace(lfo_settings, uploads_dir=uploads)
    files = {
        "q4": write_return(tmp_path / "a", period="2017-18_Q4"),  # loaded
        "q3": write_return(
            tmp_path / "b", period="2017-18_Q3", fmt="xlsx"
        ),  # rejected (E108), then forced
        "old": write_return(tmp_path / "c", faulty(1), area=GATESHEAD, period="2017-18_Q1"),
        "new": write_return(tmp_path / "d", faulty(2), area=GATESHEAD, period="2017-18_Q2"),
        "awaited": write_return(tmp_path / "e", faulty(3), area=GATESHEAD, period="2017-18_Q3"),
    }
    outcomes = [r.outcome for r in load_files(list(files.values()), settings)]
    assert outcomes == ["loaded", "rejected", "rejected", "rejected", "rejected"]
    assert load_files([files["q3"]], settings, force=True)[0].outcome == "forced"
    sha = {name: sha_of(path) for name, path in files.items()}
    assert len(set(sha.values())) == len(sha)  # five files, five archive copies
    for name in ("q4", "q3", "old", "awaited"):
        age_load_log(settings, sha[name])
    old = audit.now_utc() - OLD
    engine = writer_engine(settings.database_url)
    subs: dict[str, int] = {}
    with engine.begin() as conn:
        subs["errors_old"] = new_submission(conn, uploads, when=old)
        submissions.record_check(
            conn, subs["errors_old"], errors=2, warnings=0, summary={}, message="2"
        )
        subs["errors_new"] = new_submission(conn, uploads, when=audit.now_utc())
        submissions.record_check(
            conn, subs["errors_new"], errors=2, warnings=0, summary={}, message="2"
        )
        subs["check_failed"] = new_submission(conn, uploads, when=old)
        submissions.record_failure(conn, subs["check_failed"], message="broken", now=old)
        subs["valid"] = new_submission(conn, uploads, sha=sha["awaited"], when=old)
        submissions.record_check(
            conn, subs["valid"], errors=0, warnings=0, summary={}, message="ok"
        )
        for name in ("submitted", "loaded", "job_failed", "rejected"):
            subs[name] = new_submission(conn, uploads, when=old)
            submissions.record_check(conn, subs[name], errors=0, warnings=0, summary={}, message="")
            job = jobs.enqueue(conn, "load-return", {"submission_id": subs[name]})
            assert submissions.submit(conn, subs[name], user_id=None, job_id=job, now=old)
            if name == "job_failed":  # the worker gave up before the handler could say so
                conn.execute(
                    update(jobs_table).where(jobs_table.c.job_id == job).values(state="failed")
                )
            elif name in ("loaded", "rejected"):
                conn.execute(
                    update(jobs_table).where(jobs_table.c.job_id == job).values(state="done")
                )
                submissions.record_load(
                    conn, subs[name], loaded=name == "loaded", load_id=None, message="", now=old
                )
    engine.dispose()
    for name in sha:
        assert archived(settings, sha[name]), name
    return {"settings": settings, "sha": sha, "subs": subs, "uploads": uploads}


GONE_SUBS = ("errors_old", "check_failed", "job_failed", "rejected")
KEPT_SUBS = ("errors_new", "valid", "submitted", "loaded")


def test_a_dry_run_lists_what_would_go_and_deletes_nothing(world, capsys):
    before = sorted(p for p in world["settings"].archive_dir.rglob("*"))
    folders = sorted(world["uploads"].iterdir())
    assert etl(["files", "prune", "--dry-run"]) == 0
    said = capsys.readouterr().out
    assert sorted(world["settings"].archive_dir.rglob("*")) == before
    assert sorted(world["uploads"].iterdir()) == folders
    assert world["sha"]["old"] in said and world["sha"]["new"] not in said
    assert "would delete 1 rejected file(s) from the archive and 4 upload folder(s)" in said
    assert files_pruned_rows(world["settings"]) == []


def test_old_rejected_files_and_unloaded_uploads_go_the_rest_stay(world, capsys):
    assert etl(["files", "prune"]) == 0
    said = capsys.readouterr().out
    assert "deleted 1 rejected file(s) from the archive and 4 upload folder(s)" in said
    sha, settings = world["sha"], world["settings"]
    assert archived(settings, sha["old"]) == []
    for kept in ("q4", "q3", "new", "awaited"):  # loaded, forced later, recent, awaited
        assert archived(settings, sha[kept]), kept
    for name in GONE_SUBS:
        assert not (world["uploads"] / str(world["subs"][name])).exists(), name
    for name in KEPT_SUBS:
        assert (world["uploads"] / str(world["subs"][name])).is_dir(), name
    [row] = files_pruned_rows(settings)
    assert row["outcome"] == "pruned" and row["os_user"] == "retention-operator"
    assert row["count"] == 5 and "1 archive file(s), 4 upload folder(s)" in row["object"]
    assert etl(["files", "prune"]) == 0  # a second run finds nothing, and says so in the log
    assert "deleted 0 rejected file(s)" in capsys.readouterr().out
    assert [r["outcome"] for r in files_pruned_rows(settings)] == ["pruned", "nothing due"]


def test_days_decides_what_is_old(world, monkeypatch, capsys):
    monkeypatch.setenv("LFO_REJECTED_RETENTION_DAYS", "365")
    assert etl(["files", "prune"]) == 0
    assert "deleted 0 rejected file(s) from the archive and 0 upload" in capsys.readouterr().out
    assert etl(["files", "prune", "--days", "100"]) == 0
    assert archived(world["settings"], world["sha"]["old"]) == []


def test_bad_days_and_a_missing_database_are_clear_errors(world, tmp_path, capsys):
    assert etl(["files", "prune", "--days", "0"]) == 2
    assert "--days must be at least 1" in capsys.readouterr().err
    missing = f"sqlite:///{tmp_path / 'nowhere.db'}"
    assert etl(["files", "prune", "--db", missing]) == 2
    err = capsys.readouterr().err
    assert "does not exist" in err and "Traceback" not in err


def files_pruned_rows(settings: Settings) -> list[dict]:
    engine = writer_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            a = schema.audit_log
            rows = conn.execute(select(a).where(a.c.action == "files-pruned")).mappings()
            return [dict(r) for r in rows]
    finally:
        engine.dispose()


def test_a_submission_whose_file_was_deleted_still_shows_its_page(
    engine, key, tmp_path, monkeypatch
):
    uploads = tmp_path / "uploads"
    for name, value in (
        ("LFO_UPLOADS_DIR", str(uploads)),
        ("LFO_ARCHIVE_DIR", str(tmp_path / "archive")),
        ("LFO_DATABASE_URL", url_of(engine)),
    ):
        monkeypatch.setenv(name, value)
    with engine.begin() as conn:
        sid = new_submission(conn, uploads, when=audit.now_utc() - OLD)
        submissions.record_check(conn, sid, errors=1, warnings=0, summary={}, message="1 error")
    assert etl(["files", "prune"]) == 0
    assert not (uploads / str(sid)).exists()
    client = make_app(engine, tmp_path)()
    assert (
        sign_in(client, person(engine, key, "pat@example.org", "programme", areas=())).status_code
        == 303
    )
    for path in (f"/returns/{sid}", f"/returns/{sid}/report.csv"):
        answer = client.get(path)
        page = answer.get_data(as_text=True)
        assert answer.status_code in (200, 503), path
        assert "the file was deleted after 90 days (retention); its counts are kept" in page
        assert "Traceback" not in page
    assert client.get(f"/returns/{sid}").status_code == 200


def test_on_postgresql_the_old_rejected_copy_goes_and_the_loaded_stays(
    pg_url, tmp_path, monkeypatch
):
    url = create_database(pg_url, "lfo_retention")
    made = writer_engine(url)
    init_db(made)
    made.dispose()
    settings = Settings(
        database_url=url,
        archive_dir=tmp_path / "archive",
        id_key_file=tmp_path / "keys" / "lfo-id.key",
        uploads_dir=tmp_path / "uploads",
    )
    monkeypatch.setenv("LFO_TODAY", "2026-12-04")
    good = write_return(tmp_path / "a", period="2017-18_Q4")
    bad = write_return(tmp_path / "b", faulty(1), area=GATESHEAD, period="2017-18_Q1")
    assert [r.outcome for r in load_files([good, bad], settings)] == ["loaded", "rejected"]
    for path in (good, bad):
        age_load_log(settings, sha_of(path))
    monkeypatch.setenv("LFO_ARCHIVE_DIR", str(settings.archive_dir))
    monkeypatch.setenv("LFO_UPLOADS_DIR", str(settings.uploads_dir))
    assert etl(["files", "prune", "--db", url]) == 0
    assert archived(settings, sha_of(bad)) == [] and archived(settings, sha_of(good))
    assert [r["count"] for r in files_pruned_rows(settings)] == [1]
