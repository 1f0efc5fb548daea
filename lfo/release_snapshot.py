"""A release's frozen file: the indicator engine's inputs as they were when it was published.

A release (service.md § 7) must answer byte for byte the same after any later load, rollback or
change of the suppression threshold. Its figures are made by the same engine as the live ones,
from a SQLite file that holds what the engine reads, cut at the release's quarter:

- the reference tables and the areas (with their regions and deprivation ranks: the benchmark
  groups and their members are made from these, so they are frozen too);
- each area's current return, its period and end capped at the release's quarter (so the engine
  offers no later period, even one already loaded);
- the summary tables' rows of periods that end by the quarter's end;
- the data quality the pages show (load log, findings, held-back rows, completeness), as at
  publishing and cut at the quarter (``lfo.release_quality``);
- the release's own disclosure plan (``release_hidden``): worked out at publishing over this
  file's complete published set, with the programme cells the release before obliges it to hide
  (``lfo.release_compare``); a release never makes its plan again;
- its revisions against the release before (``release_revisions``) and a few facts
  (``release_facts``: threshold, definitions version).

The file is stored gzip-compressed in ``releases.snapshot``; ``open_snapshot`` writes it out once
per host (checked against its SHA-256) for a read-only engine.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
from sqlalchemy import (
    Column,
    Connection,
    Engine,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    select,
)

from lfo import schema
from lfo.db import reader_engine
from lfo.indicators.hidden_rows import HiddenRows
from lfo.indicators.protection import Plan
from lfo.periods import Quarter, period
from lfo.release_quality import QUALITY_TABLES, write_quality

#: The live tables a release copies (what the indicator engine reads), besides the summaries.
REFERENCE_TABLES = ("areas", "interventions", "measures", "swemwbs_conversion")

extra = MetaData()
release_hidden = Table(
    "release_hidden",
    extra,
    Column("indicator", String(60), nullable=False),
    Column("grp", String(40), nullable=False),
    Column("area_code", String(9), nullable=False),
    Column("period", String(10), nullable=False),
    Column("category", Text, nullable=False),
)
release_revisions = Table(
    "release_revisions",
    extra,
    Column("indicator", String(60), nullable=False),
    Column("grp", String(40), nullable=False),
    Column("area_code", String(9), nullable=False),
    Column("period", String(10), nullable=False),
    Column("category", Text),
    Column("old_value", Text),  # the figure as published, or its status code (c, x, z)
    Column("new_value", Text),
    Column("returns", Text, nullable=False),  # the LA returns that changed it (area: period)
)
release_facts = Table(
    "release_facts",
    extra,
    Column("name", String(40), primary_key=True),
    Column("value", Text, nullable=False),
)
#: How many revision rows a release keeps (the most that changed; the count beside them says
#: how many there were).
MAX_REVISIONS = 100_000


def _copy(dst: Connection, table: Table, rows: Iterable[Any]) -> int:
    names = [c.name for c in table.columns]
    batch: list[dict[str, Any]] = []
    n = 0
    for row in rows:
        batch.append(dict(zip(names, row, strict=True)))
        if len(batch) == 20_000:
            dst.execute(table.insert(), batch)
            n += len(batch)
            batch = []
    if batch:
        dst.execute(table.insert(), batch)
        n += len(batch)
    return n


def _ends_by(code: str, quarter: Quarter) -> bool:
    return period(code).end <= quarter.end


def write_inputs(live: Connection, path: Path, quarter: Quarter) -> dict[str, int]:
    """Write the engine's inputs from ``live`` (one read snapshot) into a new SQLite file at
    ``path``, cut at ``quarter``; rows copied per table."""
    engine = create_engine(f"sqlite:///{path}")
    copied: dict[str, int] = {}
    try:
        tables = [schema.metadata.tables[n] for n in (*REFERENCE_TABLES, "returns")]
        summaries = [
            schema.metadata.tables[n]
            for n in schema.SUMMARY_TABLES
            if "period" in schema.metadata.tables[n].c  # not data quality (sum_completeness)
        ]
        with engine.begin() as out:
            # data quality, cut at the quarter (``lfo.release_quality``); the releases table
            # stays empty (a release's file holds no release)
            quality = [schema.metadata.tables[n] for n in (*QUALITY_TABLES, "releases")]
            schema.metadata.create_all(out, tables=[*tables, *summaries, *quality])
            extra.create_all(out)
            for table in tables:
                rows: Iterable[Any] = live.execute(select(table))
                if table.name == "returns":
                    rows = (_capped(r, quarter) for r in rows)
                copied[table.name] = _copy(out, table, rows)
            for table in summaries:
                keep = [p for (p,) in live.execute(select(table.c.period).distinct())]
                keep = [p for p in keep if _ends_by(p, quarter)]
                result = live.execute(select(table).where(table.c.period.in_(keep)))
                copied[table.name] = _copy(out, table, result)
            copied.update(write_quality(live, out, quarter))
    finally:
        engine.dispose()
    return copied


def _capped(row: Any, quarter: Quarter) -> tuple[Any, ...]:
    """A ``returns`` row with its period and end no later than the release's quarter."""
    values = dict(row._mapping)
    if values["period_end"] > quarter.end:
        values["period"], values["period_end"] = quarter.label, quarter.end
    return tuple(values[c.name] for c in schema.returns.columns)


def write_plan(path: Path, plan: Plan, facts: dict[str, str]) -> None:
    """Store the release's disclosure plan and its facts in its file."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as out:
            rows = [
                {"indicator": i, "grp": g, "area_code": a, "period": p, "category": c}
                for (i, g), keys in sorted(plan.hidden.items())
                for a, p, c in sorted(keys)
            ]
            if rows:
                out.execute(release_hidden.insert(), rows)
            out.execute(release_facts.insert(), [{"name": k, "value": v} for k, v in facts.items()])
    finally:
        engine.dispose()


def write_revisions(path: Path, revisions: pd.DataFrame) -> None:
    """Store the release's revisions (columns of ``release_revisions``) in its file."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as out:
            if not revisions.empty:
                records = revisions.head(MAX_REVISIONS).to_dict("records")
                out.execute(release_revisions.insert(), records)
    finally:
        engine.dispose()


#: Frames a release keeps for the release after it: its cells (numerators, denominators and
#: whether its plan hides them) and its published rows at 95% (value and status).
CELLS, SHOWN = "release_cells", "release_shown"
CELL_COLUMNS = [
    "indicator",
    "grp",
    "area_code",
    "period",
    "category",
    "numerator",
    "denominator",
    "kind",
    "hidden",
]
SHOWN_COLUMNS = [
    "indicator",
    "grp",
    "area_code",
    "period",
    "category",
    "value",
    "numerator",
    "denominator",
    "status",
]


def write_frames(path: Path, frames: dict[str, pd.DataFrame]) -> None:
    """Store frames (``CELLS``, ``SHOWN``) in the release's file, as tables of those names."""
    engine = create_engine(f"sqlite:///{path}")
    try:
        with engine.begin() as out:
            for name, frame in frames.items():
                frame.to_sql(name, out, index=False, chunksize=20_000)
    finally:
        engine.dispose()


def read_frame(conn: Connection, name: str, columns: list[str]) -> pd.DataFrame:
    """A frame ``write_frames`` stored (empty with ``columns`` when the file has none)."""
    if not conn.dialect.has_table(conn, name):
        return pd.DataFrame(columns=columns)
    return pd.read_sql_table(name, conn)


def read_plan(conn: Connection) -> Plan:
    """The plan stored in a release's file."""
    hidden: dict[tuple[str, str], set[tuple[str, str, str]]] = {}
    for ind, grp, area, per, cat in conn.execute(select(release_hidden)):
        hidden.setdefault((ind, grp), set()).add((area, per, cat))
    facts = read_facts(conn)
    rows = HiddenRows.of_triples(hidden)
    return Plan(int(facts["threshold"]), rows, {"rows_hidden": len(rows)})


def read_facts(conn: Connection) -> dict[str, str]:
    return {
        str(n): str(v)
        for n, v in conn.execute(select(release_facts.c.name, release_facts.c.value)).all()
    }


def read_revisions(conn: Connection) -> pd.DataFrame:
    rows = conn.execute(select(release_revisions)).mappings().all()
    return pd.DataFrame(rows, columns=[c.name for c in release_revisions.columns])


def pack(path: Path) -> tuple[bytes, str, int]:
    """The file gzip-compressed (fixed header time, so the same file packs the same), its
    SHA-256 and size."""
    raw = path.read_bytes()
    return gzip.compress(raw, compresslevel=6, mtime=0), hashlib.sha256(raw).hexdigest(), len(raw)


def snapshot_file(packed: bytes, sha256: str, folder: Path) -> Path:
    """A release's file written out under ``folder`` once (named by its SHA-256: a file that is
    there and whole is used again; one that is not is written anew, atomically)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / f"{sha256}.db"
    if not path.exists() or _digest(path) != sha256:
        raw = gzip.decompress(packed)
        if hashlib.sha256(raw).hexdigest() != sha256:
            raise ValueError("the release's stored file is damaged (its SHA-256 does not match)")
        fd, tmp = tempfile.mkstemp(dir=folder, suffix=".part")
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
    return path


def open_snapshot(packed: bytes, sha256: str, folder: Path) -> Engine:
    """A read-only engine on a release's file (``snapshot_file``)."""
    return reader_engine(f"sqlite:///{snapshot_file(packed, sha256, folder)}")


def _digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
