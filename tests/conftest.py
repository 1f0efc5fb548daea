"""Shared fixtures: a throw-away environment (database, archive, key file) and small helpers.

Every path lives under ``tmp_path``; ``LFO_TODAY`` is fixed so that periods up to 2018-19 Q4 have
ended.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from builders import valid_tables

from etl.settings import Settings

TODAY = "2019-06-01"


@pytest.fixture
def lfo_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a fresh SQLite database, archive and key file in ``tmp_path``; LFO_TODAY set."""
    monkeypatch.setenv("LFO_TODAY", TODAY)
    db = tmp_path / "db" / "lfo.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        archive_dir=tmp_path / "archive",
        id_key_file=tmp_path / "keys" / "lfo-id.key",
    )
    for name, value in (("LFO_DATABASE_URL", settings.database_url),
                        ("LFO_ARCHIVE_DIR", str(settings.archive_dir)),
                        ("LFO_ID_KEY_FILE", str(settings.id_key_file))):
        monkeypatch.setenv(name, value)
    return settings


def db_file(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def dump_tables(path: Path, *, etl: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table (data tables only unless ``etl``), sorted, read with sqlite3."""
    con = sqlite3.connect(path)
    try:
        names = [r[0] for r in con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
        out = {}
        for name in sorted(names):
            if name.startswith("etl_") and not etl:
                continue
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608 - names from sqlite_master
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def dump_sql(path: Path) -> list[str]:
    """``iterdump`` lines of the database without the ``etl_`` tables (schema and rows)."""
    con = sqlite3.connect(path)
    try:
        return [line for line in con.iterdump() if '"etl_' not in line and "etl_" not in line[:40]]
    finally:
        con.close()


@pytest.fixture
def scaled_tables() -> Callable[[int], dict[str, list[dict]]]:
    """A factory: ``scaled_tables(n)`` repeats the builders' valid return n times with fresh IDs."""

    def make(n: int) -> dict[str, list[dict]]:
        base = valid_tables()
        out: dict[str, list[dict]] = {sheet: [] for sheet in base}
        for i in range(n):
            suffix = f"x{i:06d}"
            for sheet, rows in base.items():
                for row in rows:
                    new = dict(row)
                    for col in ("participant_id", "family_id", "episode_id"):
                        if col in new:
                            new[col] = f"{new[col]}{suffix}"
                    out[sheet].append(new)
        return out

    return make
