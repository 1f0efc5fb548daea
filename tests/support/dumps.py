"""Helpers for comparing databases in tests: dumps of tables and of the schema and rows."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from lfo.settings import Settings

#: The date the ETL tests run on (LFO_TODAY): every period up to 2018-19 Q4 has ended.
TODAY = "2019-06-01"


def db_file(settings: Settings) -> Path:
    return Path(settings.database_url.removeprefix("sqlite:///"))


def dump_tables(path: Path, *, etl: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table (data tables only unless ``etl``: the ``etl_`` tables and the
    audit log are bookkeeping), sorted, read with sqlite3."""
    con = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        out = {}
        for name in sorted(names):
            if (name.startswith("etl_") or name == "audit_log") and not etl:
                continue
            rows = con.execute(f'SELECT * FROM "{name}"').fetchall()  # noqa: S608 - names from sqlite_master
            out[name] = sorted(rows, key=repr)
        return out
    finally:
        con.close()


def dump_sql(path: Path) -> list[str]:
    """``iterdump`` lines of the database without the bookkeeping: the ``etl_`` tables and the
    audit log (schema and rows)."""
    con = sqlite3.connect(path)
    try:
        return [
            line
            for line in con.iterdump()
            if '"etl_' not in line and "etl_" not in line[:40] and "audit_log" not in line[:80]
        ]
    finally:
        con.close()
