"""``python -m etl backup`` and ``restore`` (issue 15 § 6): a backup set taken while the service
runs, restored into an empty machine's layout (other paths, empty folders), gives back the same
figures, the same pseudonymised IDs (the LA's next return lines up: no E109), the archive byte
for byte, and a secrets key with which the users still sign in. A damaged set is refused before
anything is written; an existing database or key is not overwritten without --force; a backup
taken while a load holds the lock holds the committed data. On SQLite, and on PostgreSQL."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import stat
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import Engine, create_engine, select, text
from support.accounts import PASSWORD, Person, code, enrolled
from support.dumps import TODAY
from support.migrations import GOOD_NEXT, figures, with_revisions
from support.postgres import create_database
from support.returns import write_return

from etl import backup_pg
from etl.cli import main as etl
from etl.load.loader import load_files
from etl.lock import load_lock
from lfo import db, schema
from lfo.access import signin
from lfo.access.secrets import load_key
from lfo.db import writer_engine
from lfo.settings import Settings

LATER = dt.datetime(2026, 12, 4, 9, 5, 0)  # five minutes after support.accounts.NOW


def layout(root: Path, url: str | None = None) -> Settings:
    """A machine's layout under ``root``: each path in its own folder, none of them made."""
    return Settings(
        database_url=url or f"sqlite:///{root / 'db' / 'lfo.db'}",
        archive_dir=root / "archive",
        id_key_file=root / "keys" / "id" / "lfo-id.key",
        secrets_key_file=root / "keys" / "secrets" / "lfo-secrets.key",
    )


def use(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line's settings (its environment) are ``settings``."""
    monkeypatch.setenv("LFO_TODAY", TODAY)
    for name, value in (
        ("LFO_DATABASE_URL", settings.database_url),
        ("LFO_ARCHIVE_DIR", settings.archive_dir),
        ("LFO_ID_KEY_FILE", settings.id_key_file),
        ("LFO_SECRETS_KEY_FILE", settings.secrets_key_file),
    ):
        monkeypatch.setenv(name, str(value))


def build(settings: Settings, returns: Path) -> Person:
    """A database with a loaded return and an enrolled user (the secrets key made by it)."""
    [done] = load_files([write_return(returns, period="2017-18_Q3")], settings)
    assert done.outcome == "loaded", done.message
    engine = writer_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            return enrolled(conn, load_key(settings.secrets_key_file))
    finally:
        engine.dispose()


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    status = etl(list(args))
    out, err = capsys.readouterr()
    return status, " ".join(out.split()), " ".join(err.split())


def the_set(folder: Path) -> Path:
    [made] = [p for p in folder.iterdir() if p.name.startswith("lfo-backup-")]
    return made


def participant_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return sorted(conn.execute(select(schema.participants.c.participant_key)).scalars())
    finally:
        engine.dispose()


def signs_in(settings: Settings, person: Person) -> bool:
    """The password and a TOTP code (its secret decrypted with the secrets key) accepted."""
    engine = writer_engine(settings.database_url)
    try:
        with engine.begin() as conn:
            key = load_key(settings.secrets_key_file)
            first = signin.check_password(conn, key, person.email, PASSWORD, now=LATER)
            assert first.ok, first.message
            second = signin.check_second_factor(
                conn, key, person.user_id, code(person, LATER), now=LATER
            )
            return second.ok
    finally:
        engine.dispose()


def next_return_lines_up(settings: Settings, folder: Path) -> tuple[str, list[str]]:
    """The LA's next quarter loaded: its outcome and finding codes."""
    [done] = load_files([write_return(folder, period="2017-18_Q4")], settings)
    codes = [] if done.findings is None else sorted(set(done.findings["code"]))
    return done.outcome, codes


def private(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def assert_restored_like(
    original: Settings, restored: Settings, person: Person, kept: frozenset[str] = frozenset()
) -> None:
    """``kept``: archive files the target already had (a restore adds the set's files and
    leaves others in place: the archive is named by content)."""
    pd.testing.assert_frame_equal(figures(restored.database_url), figures(original.database_url))
    assert participant_ids(restored.database_url) == participant_ids(original.database_url)
    archived = sorted(p.name for p in original.archive_dir.iterdir())
    there = {p.name for p in restored.archive_dir.iterdir()}
    assert archived and set(archived) <= there and there - set(archived) <= kept
    for name in archived:
        copy = restored.archive_dir / name
        assert copy.read_bytes() == (original.archive_dir / name).read_bytes()
        assert private(copy) == 0o600
    for key in ("id_key_file", "secrets_key_file"):
        path = getattr(restored, key)
        assert path.read_bytes() == getattr(original, key).read_bytes()
        assert private(path) == 0o600
    assert signs_in(restored, person)


# --- SQLite ---------------------------------------------------------------------------------------


def test_a_restore_into_an_empty_layout_gives_back_figures_ids_archive_and_sign_in(
    tmp_path, monkeypatch, capsys
):
    original, restored = layout(tmp_path / "machine-a"), layout(tmp_path / "machine-b")
    use(original, monkeypatch)
    person = build(original, tmp_path / "returns")

    status, out, err = run(capsys, "backup", "--to", str(tmp_path / "backups"))
    assert status == 0, err
    made = the_set(tmp_path / "backups")
    assert f"backed up to {made}" in out and "revision" in out and "1 archive file(s)" in out
    assert private(made) == 0o700
    manifest = json.loads((made / "manifest.json").read_text())
    listed = {f["path"] for f in manifest["files"]}
    on_disk = {p.relative_to(made).as_posix() for p in made.rglob("*") if p.is_file()}
    assert on_disk == listed | {"manifest.json"}  # no -wal or -journal left beside the copy
    assert all(private(made / p) == 0o600 for p in on_disk)
    assert manifest["database"]["schema_revision"] == db.head_revision()
    assert manifest["database"]["latest_load"]["file_name"].startswith("LFO_E08000021")

    use(restored, monkeypatch)
    status, out, err = run(capsys, "restore", "--from", str(made))
    assert status == 0, err
    assert "ready to serve" in out and str(restored.id_key_file) in out
    assert_restored_like(original, restored, person)

    # the LA's next return lines up with the restored key; under a new key it would not (E109)
    stranger = dataclasses.replace(
        restored,
        database_url=f"sqlite:///{tmp_path / 'stranger.db'}",
        id_key_file=tmp_path / "new.key",
    )
    (tmp_path / "stranger.db").write_bytes((made / "lfo.db").read_bytes())
    (tmp_path / "new.key").write_bytes(bytes(range(32)))
    assert next_return_lines_up(stranger, tmp_path / "q4-a") == ("rejected", ["E109"])
    assert next_return_lines_up(restored, tmp_path / "q4-b") == ("loaded", [])


def test_a_damaged_backup_is_refused_before_anything_is_written(tmp_path, monkeypatch, capsys):
    original, restored = layout(tmp_path / "a"), layout(tmp_path / "b")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")
    assert etl(["backup", "--to", str(tmp_path / "backups")]) == 0
    made = the_set(tmp_path / "backups")
    [archived] = (made / "archive").iterdir()
    data = bytearray(archived.read_bytes())
    data[len(data) // 2] ^= 0x01
    archived.write_bytes(bytes(data))
    capsys.readouterr()

    use(restored, monkeypatch)
    status, _out, err = run(capsys, "restore", "--from", str(made))
    assert status == 1
    assert "is damaged, so nothing was restored" in err and archived.name in err
    assert "Traceback" not in err
    assert not (tmp_path / "b").exists()


def test_an_existing_database_or_key_is_not_overwritten_without_force(
    tmp_path, monkeypatch, capsys
):
    first, second = layout(tmp_path / "a"), layout(tmp_path / "b")
    use(first, monkeypatch)
    person = build(first, tmp_path / "returns")
    assert etl(["backup", "--to", str(tmp_path / "backups")]) == 0
    made = the_set(tmp_path / "backups")
    use(second, monkeypatch)
    build(second, tmp_path / "returns-b")  # another machine's own data and keys
    before = participant_ids(second.database_url), second.id_key_file.read_bytes()
    its_own = frozenset(p.name for p in second.archive_dir.iterdir())
    capsys.readouterr()

    status, _out, err = run(capsys, "restore", "--from", str(made))
    assert status == 2
    assert "refuses to overwrite" in err and "is not empty" in err and "--force" in err
    assert "holds another key" in err
    assert (participant_ids(second.database_url), second.id_key_file.read_bytes()) == before

    status, out, err = run(capsys, "restore", "--from", str(made), "--force")
    assert status == 0, err
    assert "ready to serve" in out
    assert_restored_like(first, second, person, kept=its_own)


def test_a_backup_taken_while_a_load_holds_the_lock_holds_the_committed_data(
    tmp_path, monkeypatch, capsys
):
    """The backup does not wait: the online backup is one snapshot of committed data, so a load
    part way through (its lock held, the LA's rows deleted but not committed) is not in it."""
    original, restored = layout(tmp_path / "a"), layout(tmp_path / "b")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")
    ids = participant_ids(original.database_url)
    engine = writer_engine(original.database_url)
    try:
        with load_lock(engine), engine.connect() as conn:
            conn.execute(text("DELETE FROM participants"))  # a load's first step, uncommitted
            status, out, err = run(capsys, "backup", "--to", str(tmp_path / "backups"))
            conn.rollback()
    finally:
        engine.dispose()
    assert status == 0, err
    assert "a load was in progress" in out
    made = the_set(tmp_path / "backups")
    assert json.loads((made / "manifest.json").read_text())["load_in_progress"] is True
    use(restored, monkeypatch)
    assert etl(["restore", "--from", str(made)]) == 0
    assert participant_ids(restored.database_url) == ids


def test_without_keys_the_restore_checks_the_keys_put_back_from_the_secret_store(
    tmp_path, monkeypatch, capsys
):
    original, restored = layout(tmp_path / "a"), layout(tmp_path / "b")
    use(original, monkeypatch)
    person = build(original, tmp_path / "returns")
    status, out, _err = run(capsys, "backup", "--to", str(tmp_path / "bk"), "--without-keys")
    assert status == 0 and "left out" in out
    made = the_set(tmp_path / "bk")
    assert not (made / "keys").exists()

    use(restored, monkeypatch)
    restored.id_key_file.parent.mkdir(parents=True)
    restored.id_key_file.write_bytes(b"w" * 32)  # the wrong key, put back by mistake
    status, _out, err = run(capsys, "restore", "--from", str(made))
    assert status == 2 and "is not the one this backup was made with" in err
    assert not Path(restored.database_url.removeprefix("sqlite:///")).exists()

    for key in ("id_key_file", "secrets_key_file"):  # the right ones, from the secret store
        path = getattr(restored, key)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(getattr(original, key).read_bytes())
    status, out, err = run(capsys, "restore", "--from", str(made))
    assert status == 0, err
    assert "already in place and the right one" in out
    assert_restored_like(original, restored, person)


def test_a_restored_database_behind_the_program_says_to_upgrade(tmp_path, monkeypatch, capsys):
    original, restored = layout(tmp_path / "a"), layout(tmp_path / "b")
    use(original, monkeypatch)
    build(original, tmp_path / "returns")
    assert etl(["backup", "--to", str(tmp_path / "bk")]) == 0
    monkeypatch.setattr(db, "MIGRATIONS_DIR", with_revisions(tmp_path, GOOD_NEXT))
    db.script_directory.cache_clear()
    try:
        use(restored, monkeypatch)
        capsys.readouterr()
        status, out, err = run(capsys, "restore", "--from", str(the_set(tmp_path / "bk")))
    finally:
        db.script_directory.cache_clear()
    assert status == 0, err
    assert "before serving" in out and "python -m etl db upgrade" in out


# --- PostgreSQL -----------------------------------------------------------------------------------


def with_password(url: str, password: str) -> str:
    """``url`` with a password (the test server trusts loopback, so any password is accepted)."""
    return url.replace("@", f":{password}@", 1)


def test_on_postgresql_backup_and_restore_round_trip(pg_url, tmp_path, monkeypatch, capsys):
    password = "s3cret:pass\\word"
    source = with_password(create_database(pg_url, "lfo_backup_src"), password)
    target = create_database(pg_url, "lfo_backup_dst")
    original, restored = layout(tmp_path / "a", source), layout(tmp_path / "b", target)
    use(original, monkeypatch)
    person = build(original, tmp_path / "returns")
    ids = participant_ids(source)
    commands: list[list[str]] = []
    real_run = backup_pg._run
    monkeypatch.setattr(
        backup_pg, "_run", lambda cmd, env, name: (commands.append(cmd), real_run(cmd, env, name))
    )

    engine: Engine = create_engine(source)
    try:  # a load part way through: the lock held, the LA's rows deleted, not committed
        with load_lock(engine), engine.connect() as conn:
            conn.execute(text("DELETE FROM participants"))
            status, out, err = run(capsys, "backup", "--to", str(tmp_path / "backups"))
            conn.rollback()
    finally:
        engine.dispose()
    assert status == 0, err
    assert "a load was in progress" in out and "PostgreSQL database" in out
    made = the_set(tmp_path / "backups")
    assert (made / "lfo.dump").is_file() and private(made / "lfo.dump") == 0o600
    assert commands and not any(password in arg or "s3cret" in arg for c in commands for arg in c)

    use(restored, monkeypatch)
    status, out, err = run(capsys, "restore", "--from", str(made))
    assert status == 0, err
    assert "ready to serve" in out
    assert participant_ids(target) == ids
    assert_restored_like(original, restored, person)
    assert next_return_lines_up(restored, tmp_path / "q4") == ("loaded", [])

    status, _out, err = run(capsys, "restore", "--from", str(made))  # now it is not empty
    assert status == 2 and "is not empty" in err

    dump = made / "lfo.dump"
    data = bytearray(dump.read_bytes())
    data[-10] ^= 0x01
    dump.write_bytes(bytes(data))
    use(layout(tmp_path / "c", create_database(pg_url, "lfo_backup_empty")), monkeypatch)
    status, _out, err = run(capsys, "restore", "--from", str(made))
    assert status == 1 and "lfo.dump" in err and "nothing was restored" in err
    assert not (tmp_path / "c").exists()


def test_the_password_goes_to_a_passfile_that_is_removed_afterwards():
    url = "postgresql+psycopg://lfo:a:b\\c@db.example:5433/lfo?sslmode=require"
    with backup_pg.libpq_env(url) as env:
        passfile = Path(env["PGPASSFILE"])
        assert passfile.read_text() == "*:*:*:*:a\\:b\\\\c\n"
        assert private(passfile) == 0o600 and private(passfile.parent) == 0o700
        assert "PGPASSWORD" not in env
        assert (env["PGHOST"], env["PGPORT"], env["PGUSER"], env["PGDATABASE"]) == (
            "db.example",
            "5433",
            "lfo",
            "lfo",
        )
        assert env["PGSSLMODE"] == "require"
    assert not passfile.exists()
