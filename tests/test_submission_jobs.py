"""The background jobs behind a return submitted through the web (issue 13), on SQLite and on
PostgreSQL: ``check-return`` records the CLI validate's findings as counts only and what a load
would change; ``load-return`` records the load's outcome on the submission and audits it as the
submitter's, from the web; a rejected load changes no data table; two LAs load at once; a worker
killed mid-load or too often leaves the database whole and the submission saying so."""

from __future__ import annotations

import dataclasses
import getpass
import itertools
import json
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, insert, select, text
from support.postgres import create_database
from support.returns import valid_tables, write_return
from test_worker import LEASE, _worker

from etl.archive import sha256_of
from etl.load.loader import load_files
from etl.load.validate import validate_files
from etl.pseudonymise import ensure_key
from etl.worker import run_worker
from lfo import jobs, schema, submissions
from lfo.db import init_db
from lfo.findings import CODES
from lfo.settings import Settings

AREA, OTHER = "E08000021", "E06000009"
DISTINCT = "Zebediah-Quux-77"  # a cell value that must never reach the submissions table
DATA_TABLES = ("participants", "episodes", "outcomes", "returns", "sum_reach", "sum_outcomes")
_names = itertools.count()


@dataclasses.dataclass
class Env:
    settings: Settings
    engine: Engine
    tmp: Path


@pytest.fixture(params=["sqlite", "postgresql"])
def env(request, lfo_settings, tmp_path, monkeypatch) -> Iterator[Env]:
    uploads = tmp_path / "uploads"
    monkeypatch.setenv("LFO_UPLOADS_DIR", str(uploads))  # the worker processes' settings too
    url = lfo_settings.database_url
    if request.param == "postgresql":
        url = create_database(request.getfixturevalue("pg_url"), f"lfo_sub{next(_names)}")
        monkeypatch.setenv("LFO_DATABASE_URL", url)
    settings = dataclasses.replace(lfo_settings, database_url=url, uploads_dir=uploads)
    engine = jobs.engine(url)
    init_db(engine)
    yield Env(settings, engine, tmp_path)
    engine.dispose()


def _upload(env: Env, tables=None, *, area=AREA, period="2017-18_Q3", kind="upload") -> int:
    """A return stored as the upload page stores it, with its check job queued (a rollback:
    ``submitted`` straight away)."""
    src = write_return(env.tmp / f"src{next(_names)}", tables, area=area, period=period)
    with env.engine.begin() as conn:
        sid = submissions.create(
            conn,
            kind=kind,
            area_code=area,
            period=period,
            file_name=src.name,
            sha256=sha256_of(src),
            size_bytes=src.stat().st_size,
            user_id=None,
            now=jobs.now_utc(),
            state="checking" if kind == "upload" else "submitted",
        )
        if kind == "upload":
            job = jobs.enqueue(conn, "check-return", {"submission_id": sid}, dedupe_key=f"c{sid}")
            submissions.set_jobs(conn, sid, check=job)
    folder = env.settings.uploads_dir / str(sid)
    folder.mkdir(parents=True)
    shutil.copy(src, folder / src.name)
    return sid


def _path(env: Env, sid: int) -> Path:
    found = _get(env, sid)
    return env.settings.uploads_dir / str(sid) / found.file_name


def _submit(env: Env, sid: int, user_id: int | None = None, *, force: bool = False) -> int:
    """As the submit button (or the tracker's rollback) does: the load job, one per submission."""
    payload = {
        "path": str(_path(env, sid)),
        "submission_id": sid,
        "force": force,
        "submitted_by": user_id,
    }
    with env.engine.begin() as conn:
        job = jobs.enqueue(conn, "load-return", payload, dedupe_key=f"l{sid}")
        if force:
            submissions.set_jobs(conn, sid, load=job)
        else:
            assert submissions.submit(conn, sid, user_id=user_id, job_id=job, now=jobs.now_utc())
    return job


def _run(env: Env) -> None:
    run_worker(env.settings, once=True, poll=0.1)


def _get(env: Env, sid: int) -> submissions.Submission:
    with env.engine.connect() as conn:
        found = submissions.get(conn, sid)
    assert found is not None
    return found


def _job(env: Env, job_id: int) -> jobs.Job:
    with env.engine.connect() as conn:
        found = jobs.get(conn, job_id)
    assert found is not None
    return found


def _dump(env: Env) -> dict[str, list]:
    """Every row of the data tables and their summaries, in a stable order."""
    with env.engine.connect() as conn:
        return {
            name: sorted(
                (tuple(r) for r in conn.execute(select(schema.metadata.tables[name]))), key=repr
            )
            for name in DATA_TABLES
        }


def _user(env: Env, email: str = "lead@la.example") -> int:
    with env.engine.begin() as conn:
        key = conn.execute(
            insert(schema.users).values(email=email, role="la", created_at=jobs.now_utc())
        ).inserted_primary_key
        assert key is not None
        conn.execute(insert(schema.user_areas).values(user_id=key[0], area_code=AREA))
        return int(key[0])


def _audit(env: Env) -> list[dict]:
    with env.engine.connect() as conn:
        rows = conn.execute(select(schema.audit_log).order_by(schema.audit_log.c.audit_id))
        return [dict(r._mapping) for r in rows]


def _raw_row(env: Env, table: str, key: str, value: int) -> str:
    t = schema.metadata.tables[table]
    with env.engine.connect() as conn:
        row = conn.execute(select(t).where(t.c[key] == value)).one()
    return repr(tuple(row))


# --- check-return ------------------------------------------------------------------------------


def test_a_faulty_return_is_errors_with_the_cli_findings_as_counts_and_no_value(env):
    tables = valid_tables()
    tables["participants"][1]["referral_source"] = DISTINCT  # E203
    tables["outcomes"][0]["score"] = "999"  # E204
    tables["interventions"][2]["offered_date"] = "2017-02-30"  # E202
    sid = _upload(env, tables)
    _run(env)
    found = _get(env, sid)
    assert found.state == found.shown == "errors"
    [cli] = validate_files([_path(env, sid)], env.settings)  # what `python -m etl validate` says
    assert (found.errors, found.warnings, found.message) == (cli.errors, cli.warnings, cli.message)
    expected = Counter(
        (s if isinstance(s, str) else None, c, v)
        for s, c, v in zip(
            cli.findings["sheet"], cli.findings["code"], cli.findings["severity"], strict=True
        )
    )
    got = {(f["sheet"], f["code"], f["severity"]): f["count"] for f in found.summary["findings"]}
    assert got == dict(expected) and cli.errors >= 3
    assert all(f["title"] == CODES[f["code"]][1] for f in found.summary["findings"])
    assert "rows" not in found.summary and "changes" not in found.summary
    assert found.summary["current_period"] is None
    for stored in (_raw_row(env, "submissions", "submission_id", sid), json.dumps(found.summary)):
        assert DISTINCT not in stored and "P002" not in stored and "2017-02-30" not in stored
    job = _job(env, found.check_job_id)
    assert job.state == "done" and DISTINCT not in json.dumps(job.result)
    assert (env.settings.archive_dir / f"{found.sha256}.zip").exists()  # archived like any other


def test_a_valid_return_for_an_la_without_data_would_add_everything(env):
    ensure_key(env.settings.id_key_file)
    tables = valid_tables()
    sid = _upload(env, tables)
    _run(env)
    found = _get(env, sid)
    assert (found.state, found.errors) == ("valid", 0)
    sizes = {
        "participants": len(tables["participants"]),
        "episodes": len(tables["interventions"]),
        "outcomes": len(tables["outcomes"]),
    }
    assert found.summary["rows"] == sizes
    assert found.summary["changes"] == {
        name: {"added": n, "changed": 0, "removed": 0, "unchanged": 0} for name, n in sizes.items()
    }
    assert (found.summary["current_period"], found.summary["key_missing"]) == (None, False)


def test_without_the_key_file_the_summary_says_so(env):
    sid = _upload(env)
    _run(env)
    summary = _get(env, sid).summary
    assert summary["key_missing"] is True
    assert summary["changes"]["participants"]["added"] == summary["rows"]["participants"]


def test_a_corrected_return_counts_what_it_adds_changes_and_removes(env, scaled_tables):
    base = scaled_tables(10)  # 30 participants: dropping one is under E109's 5%
    first = write_return(env.tmp / "first", base, period="2017-18_Q3")
    assert load_files([first], env.settings)[0].outcome == "loaded"
    new = json.loads(json.dumps(base))
    new["participants"][0]["sex"] = "male"  # one participant changed
    new["interventions"][4]["sessions_attended"] = "4"  # one episode changed (was 5)
    new["outcomes"][6]["score"] = "10"  # one outcome changed (was 9)
    gone = new["participants"].pop(5)["participant_id"]  # one participant removed ...
    gone_eps = [e for e in new["interventions"] if e["participant_id"] == gone]
    gone_out = [o for o in new["outcomes"] if o["participant_id"] == gone]
    new["interventions"] = [e for e in new["interventions"] if e["participant_id"] != gone]
    new["outcomes"] = [o for o in new["outcomes"] if o["participant_id"] != gone]
    added = dict(new["participants"][0], participant_id="PNEW", family_id="FNEW")
    new["participants"].append(added)  # ... and one added, with an episode and an outcome
    episode = dict(new["interventions"][0], episode_id="EPNEW", participant_id="PNEW")
    new["interventions"].append(episode)
    new["outcomes"].append(dict(new["outcomes"][0], participant_id="PNEW", episode_id="EPNEW"))
    assert base["interventions"][4]["sessions_attended"] == "5"
    assert base["outcomes"][6]["score"] == "9" and base["participants"][0]["sex"] == "female"
    sid = _upload(env, new, period="2017-18_Q4")
    _run(env)
    found = _get(env, sid)
    assert found.state == "valid", found.message

    def counts(total: int, removed: int) -> dict[str, int]:
        unchanged = total - removed - 1
        return {"added": 1, "changed": 1, "removed": removed, "unchanged": unchanged}

    assert found.summary["changes"] == {
        "participants": counts(len(base["participants"]), 1),
        "episodes": counts(len(base["interventions"]), len(gone_eps)),
        "outcomes": counts(len(base["outcomes"]), len(gone_out)),
    }
    assert found.summary["current_period"] == "2017-18_Q3" and len(gone_eps) == 2
    _submit(env, sid)
    _run(env)
    assert _get(env, sid).state == "loaded"
    assert len(_dump(env)["participants"]) == len(new["participants"])


def test_a_check_that_cannot_run_fails_the_job_and_the_submission_with_the_reason(env):
    missing = _upload(env)
    _path(env, missing).unlink()
    altered = _upload(env, area=OTHER)
    _path(env, altered).write_bytes(b"not the file that was uploaded")
    _run(env)
    for sid, words in ((missing, "cannot read"), (altered, "not the one uploaded")):
        found = _get(env, sid)
        assert found.state == found.shown == "check_failed"
        assert words in found.message and found.message == found.reason
        job = _job(env, found.check_job_id)
        assert job.state == "failed" and words in job.error


# --- load-return -------------------------------------------------------------------------------


def test_a_submitted_return_loads_and_its_audit_row_names_the_submitter_from_the_web(env):
    user = _user(env)
    sid = _upload(env)
    _run(env)
    job_id = _submit(env, sid, user)
    _run(env)
    found = _get(env, sid)
    assert (found.state, found.shown, found.submitted_by) == ("loaded", "loaded", user)
    with env.engine.connect() as conn:
        log = conn.execute(text("SELECT load_id, outcome FROM etl_load_log")).all()
    assert [tuple(r) for r in log] == [(found.load_id, "loaded")]
    assert _job(env, job_id).result["load_id"] == found.load_id
    [row] = [r for r in _audit(env) if r["action"] == "load"]
    assert (row["outcome"], row["user_id"], row["user_email"]) == (
        "loaded",
        user,
        "lead@la.example",
    )
    assert (row["role"], row["os_user"]) == ("la", None)
    assert row["object"].endswith(f"from the web, submission {sid}")
    assert row["object"].startswith(f"{AREA} 2017-18_Q3 ")


def test_the_local_users_load_is_the_system_users_from_the_web(env, monkeypatch):
    monkeypatch.setattr(getpass, "getuser", lambda: "dashboard-account")
    sid = _upload(env)
    _run(env)
    _submit(env, sid, None)
    _run(env)
    assert _get(env, sid).state == "loaded"
    [row] = [r for r in _audit(env) if r["action"] == "load"]
    assert (row["user_id"], row["os_user"]) == (None, "dashboard-account")
    assert row["object"].endswith(f"from the web, submission {sid}")


def test_a_rollback_from_the_tracker_is_audited_as_a_rollback_by_its_programme_lead(env):
    q3 = write_return(env.tmp / "q3", period="2017-18_Q3")
    q4 = write_return(env.tmp / "q4", period="2017-18_Q4")
    assert [r.outcome for r in load_files([q3, q4], env.settings)] == ["loaded", "loaded"]
    lead = _user(env, "programme@dwp.example")
    sid = _upload(env, period="2017-18_Q3", kind="rollback")
    _submit(env, sid, lead, force=True)
    _run(env)
    assert _get(env, sid).state == "loaded"
    rows = [r for r in _audit(env) if r["action"] == "rollback"]
    assert [(r["outcome"], r["user_id"]) for r in rows] == [("loaded", lead)]
    with env.engine.connect() as conn:
        assert conn.execute(text("SELECT period FROM returns")).scalar() == "2017-18_Q3"


def test_a_rejected_load_changes_no_data_table_and_the_submission_says_rejected(env):
    user = _user(env)
    sid = _upload(env, period="2017-18_Q3")
    _run(env)
    assert _get(env, sid).state == "valid"  # checked before a later return arrived
    later = write_return(env.tmp / "later", period="2017-18_Q4")
    assert load_files([later], env.settings)[0].outcome == "loaded"
    before = _dump(env)
    _submit(env, sid, user)
    _run(env)
    found = _get(env, sid)
    assert (found.state, found.shown) == ("rejected", "rejected")
    assert found.message.startswith("rejected") and "E108" in found.message
    assert found.load_id is not None
    assert _dump(env) == before
    refused = [r for r in _audit(env) if (r["action"], r["outcome"]) == ("load", "refused")]
    assert [r["user_id"] for r in refused] == [user]


def test_a_load_that_cannot_run_fails_the_submission_with_its_reason(env):
    sid = _upload(env)
    _run(env)
    job_id = _submit(env, sid)
    _path(env, sid).unlink()
    _run(env)
    found = _get(env, sid)
    assert found.state == found.shown == "failed"
    assert "cannot read the file" in found.message
    assert _job(env, job_id).state == "failed"


def test_two_las_submitting_at_once_both_load_by_two_workers(env):
    sids = [_upload(env, area=AREA), _upload(env, area=OTHER)]
    _run(env)
    for sid in sids:
        _submit(env, sid)
    workers = [_worker(), _worker()]
    for w in workers:
        assert w.wait(timeout=300) == 0, w.stderr.read() if w.stderr else ""
    assert [_get(env, sid).state for sid in sids] == ["loaded", "loaded"]
    assert sorted(r[0] for r in _dump(env)["returns"]) == sorted([AREA, OTHER])


# --- workers that die --------------------------------------------------------------------------


def _wait_running(env: Env, job_id: int) -> None:
    deadline = time.monotonic() + 60
    while _job(env, job_id).state != "running":
        assert time.monotonic() < deadline
        time.sleep(0.02)


@pytest.mark.slow
def test_a_worker_killed_mid_load_leaves_before_or_after_and_the_submission_loads(
    env, scaled_tables
):
    sid = _upload(env, scaled_tables(1500))
    _run(env)
    assert _get(env, sid).state == "valid"
    before = _dump(env)
    job_id = _submit(env, sid)
    proc = _worker()
    _wait_running(env, job_id)
    time.sleep(0.3)  # into the load
    proc.send_signal(signal.SIGKILL)
    proc.communicate(timeout=60)
    assert _job(env, job_id).state == "running"  # killed mid-job
    assert _get(env, sid).shown == "submitted"
    mid = _dump(env)
    time.sleep(float(LEASE) + 0.5)
    assert _worker().wait(timeout=300) == 0
    job = _job(env, job_id)
    assert (job.state, job.attempts) == ("done", 2)
    found = _get(env, sid)
    assert found.state == "loaded" and found.load_id is not None
    after = _dump(env)
    assert len(after["participants"]) == 4500
    assert mid in (before, after), "a mixed state after the kill"


def test_a_job_whose_worker_died_too_often_shows_its_submission_failed(env):
    check_sid = _upload(env)
    load_sid = _upload(env, area=OTHER)
    with env.engine.begin() as conn:  # the check of one, then the load of the other, kill
        die_check = jobs.enqueue(conn, "die", {}, max_attempts=1)
        submissions.set_jobs(conn, check_sid, check=die_check)
        conn.execute(text("UPDATE jobs SET state = 'done' WHERE kind = 'check-return'"))
        conn.execute(
            text("UPDATE submissions SET state = 'valid' WHERE submission_id = :s"),
            {"s": load_sid},
        )
        die_load = jobs.enqueue(conn, "die", {}, max_attempts=1)
        assert submissions.submit(conn, load_sid, user_id=None, job_id=die_load, now=jobs.now_utc())
    for _ in range(2):
        proc = _worker()
        proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL
    time.sleep(float(LEASE) + 0.5)
    assert _worker().wait(timeout=120) == 0
    reason = "the worker stopped 1 times while running it"
    checked, loaded = _get(env, check_sid), _get(env, load_sid)
    assert (checked.state, checked.shown, checked.reason) == ("checking", "check_failed", reason)
    assert (loaded.state, loaded.shown, loaded.reason) == ("submitted", "failed", reason)
