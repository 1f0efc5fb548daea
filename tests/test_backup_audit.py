"""The audit rows of ``etl backup`` and ``etl restore`` (issue 15 § 6, spec § 4): a backup leaves a
``backup-made`` row in the backed-up database after the set is complete (so the set never holds
its own row, and its manifest still describes it), a failed one a ``failed`` row; a restore leaves
a ``restored`` row in the restored database, chained to the rows the set brought back. The rows
go through ``lfo.access.audit.record`` (the log is append-only), so the chain still verifies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from support.postgres import create_database
from test_backup import build, layout, run, the_set, use

from etl import backup as backup_module
from etl.backup_audit import backup_object
from etl.backup_files import damaged, read_manifest
from etl.lock import load_lock
from lfo.access import audit
from lfo.db import writer_engine


def rows(url: str) -> list[dict[str, Any]]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert audit.verify(conn).ok
            return audit.query(conn)
    finally:
        engine.dispose()


def of(url: str, action: str) -> list[dict[str, Any]]:
    return [r for r in rows(url) if r["action"] == action]


def test_a_backup_records_its_set_after_the_dump_and_the_set_holds_no_row_of_its_own(
    tmp_path, monkeypatch, capsys
):
    original = layout(tmp_path / "a")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")
    url = original.database_url

    status, _out, err = run(capsys, "backup", "--to", str(tmp_path / "one"))
    assert status == 0, err
    first = the_set(tmp_path / "one")
    [made] = of(url, "backup-made")
    assert (made["outcome"], made["os_user"]) == ("ok", audit.os_user())
    assert made["object"].startswith(f"{first.name}: sqlite database")
    assert "keys included" in made["object"] and "1 archive file(s)" in made["object"]
    assert of(f"sqlite:///{first / 'lfo.db'}", "backup-made") == []
    _manifest, entries = read_manifest(first)
    assert damaged(first, entries) == []  # the row written afterwards changed nothing in the set

    status, _out, err = run(capsys, "backup", "--to", str(tmp_path / "two"), "--without-keys")
    assert status == 0, err
    second = the_set(tmp_path / "two")
    made_rows = of(url, "backup-made")
    assert [r["object"].split(":")[0] for r in made_rows] == [first.name, second.name]
    assert "keys left out" in made_rows[1]["object"]
    in_second = of(f"sqlite:///{second / 'lfo.db'}", "backup-made")
    assert [r["hash"] for r in in_second] == [made_rows[0]["hash"]]  # the earlier one, not its own


def test_a_restore_records_which_set_it_put_back_in_the_restored_database(
    tmp_path, monkeypatch, capsys
):
    original, restored = layout(tmp_path / "a"), layout(tmp_path / "b")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")
    assert run(capsys, "backup", "--to", str(tmp_path / "bk"))[0] == 0
    made = the_set(tmp_path / "bk")
    in_set = rows(f"sqlite:///{made / 'lfo.db'}")

    use(restored, monkeypatch)
    status, _out, err = run(capsys, "restore", "--from", str(made))
    assert status == 0, err
    after = rows(restored.database_url)
    assert [r["hash"] for r in after[:-1]] == [r["hash"] for r in in_set]
    last = after[-1]
    assert (last["action"], last["outcome"], last["os_user"]) == ("restored", "ok", audit.os_user())
    made_at = json.loads((made / "manifest.json").read_text())["made_at"]
    assert last["object"].startswith(f"{made.resolve()}: the backup made {made_at}")
    assert last["prev_hash"] == in_set[-1]["hash"]
    assert of(original.database_url, "restored") == []  # the source knows nothing of it


def test_a_failed_backup_records_its_failure_and_leaves_no_set(tmp_path, monkeypatch, capsys):
    original = layout(tmp_path / "a")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")

    def disk_full(source: Path, target: Path) -> tuple[int, str]:
        raise OSError(28, "No space left on device", str(target))

    monkeypatch.setattr(backup_module, "copy_private", disk_full)
    status, _out, err = run(capsys, "backup", "--to", str(tmp_path / "bk"))
    assert status == 2 and "No space left on device" in err and "Traceback" not in err
    assert list((tmp_path / "bk").iterdir()) == []
    [failed] = of(original.database_url, "backup-made")
    assert failed["outcome"] == "failed"
    assert (
        failed["object"].startswith("lfo-backup-") and "No space left on device" in failed["object"]
    )


def test_a_backup_of_a_missing_database_makes_no_database_to_record_in(
    tmp_path, monkeypatch, capsys
):
    nowhere = layout(tmp_path / "a")
    use(nowhere, monkeypatch)
    status, _out, err = run(capsys, "backup", "--to", str(tmp_path / "bk"))
    assert status == 2 and "does not exist" in err
    assert not (tmp_path / "a" / "db" / "lfo.db").exists()


def test_on_postgresql_backup_and_restore_leave_their_rows(pg_url, tmp_path, monkeypatch, capsys):
    source = create_database(pg_url, "lfo_audit_src")
    target = create_database(pg_url, "lfo_audit_dst")
    original, restored = layout(tmp_path / "a", source), layout(tmp_path / "b", target)
    use(original, monkeypatch)
    build(original, tmp_path / "returns")

    status, _out, err = run(capsys, "backup", "--to", str(tmp_path / "bk"))
    assert status == 0, err
    made = the_set(tmp_path / "bk")
    [row] = of(source, "backup-made")
    assert row["outcome"] == "ok" and row["object"].startswith(f"{made.name}: postgresql database")

    use(restored, monkeypatch)
    status, _out, err = run(capsys, "restore", "--from", str(made))
    assert status == 0, err
    after = rows(target)
    assert "backup-made" not in {r["action"] for r in after}  # the dump held no row of its own
    assert after[-1]["action"] == "restored" and str(made.resolve()) in after[-1]["object"]
    assert [r["hash"] for r in after[:-1]] == [r["hash"] for r in rows(source)[:-1]]


def test_a_backup_during_a_load_on_sqlite_is_complete_and_says_its_row_is_missing(
    tmp_path, monkeypatch, capsys
):
    """SQLite has one writer: a load holding it until it commits keeps the row out (the backup
    does not wait for a load); the operator is told, and the set is still complete."""
    original = layout(tmp_path / "a")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")
    engine = writer_engine(original.database_url)
    try:
        with load_lock(engine), engine.connect() as conn:
            conn.execute(text("DELETE FROM participants"))  # a load's first step, uncommitted
            status, _out, err = run(capsys, "backup", "--to", str(tmp_path / "bk"))
            conn.rollback()
    finally:
        engine.dispose()
    assert status == 0
    made = the_set(tmp_path / "bk")
    assert f"warning: the backup set {made.name} is complete, but its audit row" in err
    assert "database is locked" in err
    assert of(original.database_url, "backup-made") == []


@pytest.mark.parametrize("with_keys", [True, False])
def test_the_backup_row_names_the_set_the_kind_and_the_keys(with_keys):
    manifest = {
        "database": {"kind": "sqlite", "schema_revision": "0009", "latest_load": {"load_id": 4}},
        "keys_included": with_keys,
        "archive_files": 3,
    }
    text = backup_object("lfo-backup-20261204T100000Z", manifest)
    assert text.startswith("lfo-backup-20261204T100000Z: sqlite database (revision 0009")
    assert "latest load 4" in text and "3 archive file(s)" in text
    assert ("keys included" in text) is with_keys and ("keys left out" in text) is not with_keys
