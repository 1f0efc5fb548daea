"""The audit log (service.md § 4), on SQLite and on a throw-away PostgreSQL.

The chain is checked against SHA-256 computed here from the spec's words (the previous hash and
the row's fields), not by the module's own ``row_hash``; a changed or removed row is made as an
attacker with the database owner's rights would (dropping or disabling the triggers first), and
``verify`` must name it. UPDATE and DELETE are refused by the database; the retention job's
delete works and the chain stays verifiable; two writers at once keep one chain.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError
from support.postgres import create_database

from lfo import schema
from lfo.access import audit
from lfo.access.audit_retention import prune
from lfo.access.roles import Principal
from lfo.db import init_db, writer_engine

_names = iter(range(1, 1000))
ALICE = Principal(role="programme", user_id=7, email="alice@dwp.example")
T0 = dt.datetime(2026, 1, 5, 9, 30, 0, 123456)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new database at the code's revision (``init_db``: create_all, triggers, stamp)."""
    if request.param == "sqlite":
        made = f"sqlite:///{tmp_path / 'lfo.db'}"
    else:
        made = create_database(request.getfixturevalue("pg_url"), f"lfo_a{next(_names)}")
    engine = writer_engine(made)
    init_db(engine)
    engine.dispose()
    yield made


@pytest.fixture
def engine(url: str) -> Iterator[Engine]:
    e = writer_engine(url)
    yield e
    e.dispose()


def add(engine: Engine, n: int, start: dt.datetime = T0, **kw) -> list[str]:
    hashes = []
    with engine.begin() as conn:
        for i in range(n):
            hashes.append(
                audit.record(
                    conn,
                    "download",
                    "ok",
                    obj=f"chart {i}",
                    principal=ALICE,
                    client="192.0.2.1",
                    at=start + dt.timedelta(days=i),
                    **kw,
                )
            )
    return hashes


def rows(engine: Engine) -> list[dict]:
    with engine.connect() as conn:
        return audit.query(conn)


def attack(engine: Engine, statement: str, audit_id: int) -> None:
    """Run ``statement`` on row ``audit_id`` as the database owner could: triggers out of the way."""
    with engine.begin() as conn:
        if conn.dialect.name == "sqlite":
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_update")
            conn.exec_driver_sql("DROP TRIGGER audit_log_no_delete")
            conn.execute(text(statement), {"id": audit_id})
        else:
            conn.exec_driver_sql("ALTER TABLE audit_log DISABLE TRIGGER USER")
            conn.execute(text(statement), {"id": audit_id})
            conn.exec_driver_sql("ALTER TABLE audit_log ENABLE TRIGGER USER")


def verified(engine: Engine) -> audit.Verified:
    with engine.connect() as conn:
        return audit.verify(conn)


# --- the chain ------------------------------------------------------------------------------------


def test_each_row_is_sha256_of_the_previous_hash_and_its_fields(engine):
    add(engine, 3)
    got = rows(engine)
    assert [r["object"] for r in got] == ["chart 0", "chart 1", "chart 2"]
    prev = "0" * 64
    for r in got:
        fields = {
            "action": "download",
            "at": r["at"].isoformat(timespec="microseconds"),
            "client": "192.0.2.1",
            "count": 1,
            "object": r["object"],
            "os_user": None,
            "outcome": "ok",
            "role": "programme",
            "user_email": "alice@dwp.example",
            "user_id": 7,
        }
        text_ = prev + "\n" + json.dumps(fields, sort_keys=True, separators=(",", ":"))
        assert r["prev_hash"] == prev
        assert r["hash"] == hashlib.sha256(text_.encode()).hexdigest()
        prev = r["hash"]
    assert got[0]["at"] == T0  # UTC to the microsecond, as given
    v = verified(engine)
    assert (v.ok, v.rows, v.last_hash) == (True, 3, got[-1]["hash"])


def test_a_row_recorded_in_a_transaction_that_rolls_back_is_not_kept(engine):
    add(engine, 1)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.record(conn, "upload", "ok", obj="E08000021", principal=ALICE)
        raise RuntimeError("the upload failed")
    assert [r["action"] for r in rows(engine)] == ["download"]
    assert verified(engine).ok


def test_a_changed_row_is_found(engine):
    add(engine, 4)
    second = rows(engine)[1]["audit_id"]
    attack(engine, "UPDATE audit_log SET outcome = 'refused' WHERE audit_id = :id", second)
    v = verified(engine)
    assert not v.ok and v.bad_row == second and "changed" in v.reason


def test_a_removed_row_is_found_at_the_row_after_it(engine):
    add(engine, 4)
    ids = [r["audit_id"] for r in rows(engine)]
    attack(engine, "DELETE FROM audit_log WHERE audit_id = :id", ids[1])
    v = verified(engine)
    assert not v.ok and v.bad_row == ids[2] and "removed" in v.reason


def test_removing_the_oldest_rows_is_found(engine):
    add(engine, 3)
    ids = [r["audit_id"] for r in rows(engine)]
    attack(engine, "DELETE FROM audit_log WHERE audit_id = :id", ids[0])
    v = verified(engine)
    assert not v.ok and v.bad_row == ids[1] and "first row" in v.reason


# --- append-only, enforced by the database ---------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'ok'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE 1=1",
    ],
)
def test_update_and_delete_are_refused_by_the_database(engine, statement):
    add(engine, 2)
    with pytest.raises(DBAPIError) as caught, engine.begin() as conn:
        conn.exec_driver_sql(statement)
    assert "append-only" in str(caught.value)
    assert len(rows(engine)) == 2 and verified(engine).ok


def test_postgresql_refuses_truncate_and_a_delete_without_the_prune_setting(pg_url):
    url = create_database(pg_url, f"lfo_a{next(_names)}")
    engine = writer_engine(url)
    try:
        init_db(engine)
        add(engine, 1)
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("TRUNCATE audit_log")
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lfo.audit_prune = 'on'")  # lets a DELETE through
            conn.exec_driver_sql("UPDATE audit_log SET outcome = 'x'")  # but never an UPDATE
        assert len(rows(engine)) == 1 and verified(engine).ok
    finally:
        engine.dispose()


# --- retention -----------------------------------------------------------------------------------


def test_the_retention_job_deletes_the_old_rows_and_the_chain_still_verifies(url, engine):
    hashes = add(engine, 6)  # one a day from T0
    now = T0 + dt.timedelta(days=10, hours=1)
    done = prune(url, 7, now=now, os_user="ops")  # older than T0 + 3 days 1 hour: days 0..3
    assert done.deleted == 4 and done.cut_hash == hashes[3]
    kept = rows(engine)
    assert [r["object"] for r in kept[:2]] == ["chart 4", "chart 5"]
    last = kept[-1]
    assert (last["action"], last["outcome"], last["os_user"]) == ("audit-pruned", "pruned", "ops")
    assert hashes[3] in last["object"] and "4 rows" in last["object"]
    assert kept[0]["prev_hash"] == hashes[3]
    v = verified(engine)
    assert v.ok and v.rows == 3
    # and the triggers are back: an ordinary delete is still refused
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.exec_driver_sql("DELETE FROM audit_log")
    # a second run with nothing due records that, and the chain still holds
    again = prune(url, 7, now=now)
    assert (again.deleted, again.cut_hash) == (0, None)
    assert verified(engine).ok and len(rows(engine)) == 4


def test_a_prune_that_deletes_everything_leaves_a_verifiable_log(url, engine):
    hashes = add(engine, 3)
    prune(url, 1, now=T0 + dt.timedelta(days=30))
    (only,) = rows(engine)
    assert only["prev_hash"] == hashes[-1] and verified(engine).ok


# --- concurrent writers ---------------------------------------------------------------------------


def test_two_writers_at_once_keep_one_chain(url):
    per_thread, errors = 40, []

    def write(name: str) -> None:
        engine = writer_engine(url)
        try:
            for i in range(per_thread):
                if name == "a":  # in a transaction of the caller's
                    with engine.begin() as conn:
                        audit.record(conn, "download", "ok", obj=f"{name} {i}", principal=ALICE)
                else:  # in one of its own
                    audit.record_apart(engine, "refused", "403", obj=f"{name} {i}", client="::1")
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            engine.dispose()

    threads = [threading.Thread(target=write, args=(n,)) for n in ("a", "b")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    engine = writer_engine(url)
    try:
        got = rows(engine)
        assert len(got) == 2 * per_thread
        assert len({r["prev_hash"] for r in got}) == len(got)  # nobody chained to the same row
        objects = {r["object"] for r in got}
        assert objects == {f"{n} {i}" for n in "ab" for i in range(per_thread)}
        v = verified(engine)
        assert v.ok, v.reason
    finally:
        engine.dispose()


# --- export and filters ---------------------------------------------------------------------------


def test_the_csv_export_guards_every_text_cell_and_filters(engine):
    evil = Principal(role="la", user_id=9, email='=HYPERLINK("http://x")@la.example')
    with engine.begin() as conn:
        audit.record(conn, "refused", "403", obj="+cmd|' /C calc'!A0", principal=evil, at=T0)
        audit.record(
            conn, "download", "ok", obj="-2", principal=ALICE, at=T0 + dt.timedelta(hours=2)
        )
        audit.record(
            conn, "load", "loaded", obj="@SUM(1)", os_user="etl", at=T0 + dt.timedelta(days=1)
        )
    with engine.connect() as conn:
        every = audit.query(conn)
        assert [r["action"] for r in audit.query(conn, action="refused")] == ["refused"]
        assert [r["action"] for r in audit.query(conn, user="etl")] == ["load"]
        assert [r["action"] for r in audit.query(conn, user="alice@dwp.example")] == ["download"]
        assert [r["outcome"] for r in audit.query(conn, outcome="loaded")] == ["loaded"]
        window = audit.query(
            conn, since=T0 + dt.timedelta(hours=1), until=T0 + dt.timedelta(hours=3)
        )
        assert [r["action"] for r in window] == ["download"]
        aware = dt.datetime(2026, 1, 5, 11, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
        assert [r["action"] for r in audit.query(conn, until=aware)] == ["refused"]  # 10:00 UTC
    table = list(csv.reader(io.StringIO(audit.to_csv(every))))
    assert table[0][:4] == ["audit_id", "at", "user_id", "user_email"]
    header = table[0]
    first, second, third = (dict(zip(header, row, strict=True)) for row in table[1:])
    assert first["user_email"] == '\'=HYPERLINK("http://x")@la.example'
    assert first["object"] == "'+cmd|' /C calc'!A0"
    assert second["object"] == "'-2"  # text that looks like a number is still text
    assert third["object"] == "'@SUM(1)" and third["os_user"] == "etl"
    assert first["at"] == "2026-01-05T09:30:00Z" and first["count"] == "1"
    assert first["user_id"] == "9" and third["user_id"] == ""


def test_unknown_actions_and_counts_are_refused(engine):
    with engine.begin() as conn:
        with pytest.raises(ValueError, match="unknown audit action"):
            audit.record(conn, "delete-everything", "ok")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="at least 1"):
            audit.record(conn, "refused", "403", count=0)
    assert rows(engine) == []


def test_the_migration_and_create_all_make_the_same_triggers(url):
    engine = writer_engine(url)
    try:
        with engine.connect() as conn:
            if conn.dialect.name == "sqlite":
                names = conn.execute(
                    text("SELECT name FROM sqlite_master WHERE type = 'trigger' ORDER BY name")
                ).scalars()
            else:
                names = conn.execute(
                    text(
                        "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal "
                        "AND tgrelid = 'audit_log'::regclass ORDER BY tgname"
                    )
                ).scalars()
            got = list(names)
    finally:
        engine.dispose()
    want = [
        s.split()[2]
        for s in schema.AUDIT_TRIGGERS[engine.dialect.name]
        if "TRIGGER" in s.split()[1]
    ]
    assert got == sorted(want)


def test_a_database_upgraded_by_revision_0003_refuses_update_and_delete_too(url, engine):
    from support import migrations as m

    from lfo import migrations

    engine.dispose()
    m.make_pre_migration(url)  # revision 0001's tables, no audit_log
    upgrader = migrations.migration_engine(url)
    try:
        migrations.upgrade(upgrader)
    finally:
        upgrader.dispose()
    again = writer_engine(url)
    try:
        add(again, 2)
        for statement in ("UPDATE audit_log SET outcome = 'ok'", "DELETE FROM audit_log"):
            with pytest.raises(DBAPIError, match="append-only"), again.begin() as conn:
                conn.exec_driver_sql(statement)
        assert len(rows(again)) == 2 and verified(again).ok
        # the retention job's way through the revision's triggers works
        assert prune(url, 1, now=T0 + dt.timedelta(days=30)).deleted == 2
        assert verified(again).ok
    finally:
        again.dispose()


def _grants(app: str, job: str) -> list[str]:
    """The GRANT block of docs/operations.md § The audit log, for roles ``app`` and ``job``."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "operations.md").read_text()
    section = doc[doc.index("## The audit log") :]
    block = section[
        section.index("```sql") + len("```sql") : section.index("```", section.index("```sql") + 6)
    ]
    text_ = block.replace("lfo_app", app).replace("lfo_retention", job)
    return [s.strip() for s in text_.split(";") if s.strip()]


def test_postgresql_the_documented_grants_let_the_app_append_and_only_the_job_delete(pg_url):
    url = create_database(pg_url, f"lfo_a{next(_names)}")
    n = next(_names)
    app, job = f"lfo_app_{n}", f"lfo_job_{n}"
    owner = writer_engine(url)
    try:
        init_db(owner)
        with owner.begin() as conn:
            conn.exec_driver_sql(f"CREATE ROLE {app} LOGIN")
            conn.exec_driver_sql(f"CREATE ROLE {job} LOGIN")
            for statement in _grants(app, job):
                conn.exec_driver_sql(statement)
    finally:
        owner.dispose()
    user = url.split("://", 1)[1].split("@", 1)[0]
    app_url, job_url = (url.replace(f"://{user}@", f"://{r}@") for r in (app, job))
    as_app = writer_engine(app_url)
    try:
        add(as_app, 3)  # the advisory lock, the insert and the sequence are enough
        assert verified(as_app).ok
        for statement in ("DELETE FROM audit_log", "UPDATE audit_log SET count = 2"):
            with pytest.raises(DBAPIError, match="permission denied"), as_app.begin() as conn:
                conn.exec_driver_sql("SET LOCAL lfo.audit_prune = 'on'")
                conn.exec_driver_sql(statement)
        with pytest.raises(DBAPIError, match="permission denied"):
            prune(app_url, 1, now=T0 + dt.timedelta(days=30))
        assert len(rows(as_app)) == 3
    finally:
        as_app.dispose()
    done = prune(job_url, 1, now=T0 + dt.timedelta(days=2, hours=1))  # days 0 and 1 are due
    assert done.deleted == 2
    as_job = writer_engine(job_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), as_job.begin() as conn:
            conn.exec_driver_sql("DELETE FROM audit_log")  # the job's user, outside the job
        assert verified(as_job).ok and len(rows(as_job)) == 2
    finally:
        as_job.dispose()
