"""The ``areas`` command: add or update programme areas from a CSV file.

The file has the columns of ``data/reference/areas.csv``. It is checked as a whole first (every
problem is reported, by line, and a name or region that a spreadsheet would run as a formula is one),
then written in one transaction: new codes are added, known codes are updated. Areas are never
deleted (their returns would lose their area). A change is logged in the load log (outcome
``areas updated``, with what changed, return-spec v2 § 4) in the same transaction, which changes the
data version: every view, cache and export shows the new names and targets at once.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy import Connection, Engine, insert, select, update

from etl.console import shown
from lfo import schema
from lfo.access import audit
from lfo.db import init_db
from lfo.formula_guard import is_formula_like

log = logging.getLogger(__name__)

GSS_CODE = re.compile(r"^E[0-9]{8}$")
REQUIRED = ("gss_code", "name", "region", "families", "annual_target")
OPTIONAL = ("imd_rank", "families_source", "target_source", "imd_source", "source")
POSITIVE_WHOLE = ("families", "annual_target", "imd_rank")
DEFAULT_SOURCE = "added"
MAX_PROBLEMS = 50  # listed in the message; the count says how many more
NO_FORMULAS = ("name", "region")  # refused when a spreadsheet would read them as a formula
AREAS_UPDATED = "areas updated"  # the load log's outcome of a change to the areas


class AreasFileError(ValueError):
    """The areas file cannot be used; ``problems`` lists every reason, one line each."""

    def __init__(self, path: Path, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        listed = [shown(p) for p in problems[:MAX_PROBLEMS]]  # one line each, whatever they hold
        more = len(problems) - len(listed)
        text = f"{shown(path)}: {len(problems)} problem(s), nothing was changed:\n  " + "\n  ".join(
            listed
        )
        if more:
            text += f"\n  ... and {more} more"
        super().__init__(text)


@dataclass(frozen=True)
class AreasResult:
    added: list[str]
    updated: list[str]
    unchanged: list[str]
    changes: list[str] = field(default_factory=list)  # what changed, one line per area
    load_id: int | None = None  # the load-log row of the change (None when nothing changed)


@dataclass(frozen=True)
class AreasSource:
    """The areas file as the load log records it."""

    file_name: str
    sha256: str
    size_bytes: int

    @classmethod
    def of(cls, path: Path) -> AreasSource:
        data = path.read_bytes()
        return cls(path.name, hashlib.sha256(data).hexdigest(), len(data))


def read_areas_file(path: Path) -> pd.DataFrame:
    """Read and check an areas CSV; return its rows typed for the ``areas`` table."""
    if not path.is_file():
        raise AreasFileError(path, ["the file does not exist (give the path of a .csv file)"])
    try:
        raw = pd.read_csv(
            path, dtype=str, keep_default_na=False, encoding="utf-8-sig", skip_blank_lines=False
        )
    except UnicodeDecodeError:
        raise AreasFileError(path, ["the file is not UTF-8 text: save it as CSV UTF-8"]) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise AreasFileError(path, [f"not a readable CSV file ({exc})"]) from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    problems = _check_columns(list(raw.columns))
    if problems:
        raise AreasFileError(path, problems)
    raw = raw.apply(lambda s: s.str.strip())
    raw = raw[(raw != "").any(axis=1)]
    if raw.empty:
        raise AreasFileError(path, ["the file has a header but no areas"])
    problems = _check_rows(raw)
    if problems:
        raise AreasFileError(path, problems)
    return _typed(raw)


def _check_columns(columns: list[str]) -> list[str]:
    problems = []
    missing = [c for c in REQUIRED if c not in columns]
    if missing:
        problems.append(
            "missing column(s): "
            + ", ".join(missing)
            + f" (the header must name: {', '.join(REQUIRED)})"
        )
    unknown = [c for c in columns if c not in REQUIRED + OPTIONAL]
    if unknown:
        problems.append(
            "unknown column(s): "
            + ", ".join(unknown)
            + f" (allowed: {', '.join(REQUIRED + OPTIONAL)})"
        )
    dup = sorted({c for c in columns if columns.count(c) > 1})
    if dup:
        problems.append("duplicated column(s): " + ", ".join(dup))
    return problems


def _check_rows(df: pd.DataFrame) -> list[str]:
    """Every problem, as ``line N: ...`` (line 1 is the header)."""
    problems: list[tuple[int, str]] = []
    lines = pd.Series(df.index + 2, index=df.index)
    code = df["gss_code"]
    bad = ~code.str.fullmatch(GSS_CODE.pattern)
    for i in df.index[bad]:
        problems.append(
            (
                lines[i],
                f"gss_code '{code[i]}' is not an English GSS code "
                "(E followed by 8 digits, e.g. E06000059)",
            )
        )
    dup = code.duplicated(keep=False) & ~bad
    for i in df.index[dup]:
        problems.append((lines[i], f"gss_code {code[i]} appears more than once in the file"))
    for col in ("name", "region"):
        for i in df.index[df[col] == ""]:
            problems.append((lines[i], f"{col} is empty"))
    for col in NO_FORMULAS:
        for i in df.index[df[col].map(is_formula_like)]:
            problems.append(
                (
                    lines[i],
                    f"{col} {df[col][i]!r} begins with {df[col][i][0]!r}, which a spreadsheet "
                    "would run as a formula: remove that first character",
                )
            )
    for col in POSITIVE_WHOLE:
        if col not in df:
            continue
        values = df[col]
        given = values != ""
        number = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
        whole = number.notna() & (number == number.round()) & (number > 0)
        for i in df.index[~whole & given]:
            problems.append((lines[i], f"{col} '{values[i]}' must be a whole number above 0"))
        if col in REQUIRED:
            for i in df.index[~given]:
                problems.append((lines[i], f"{col} is empty"))
    return [f"line {line}: {text}" for line, text in sorted(problems)]


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """The file's columns (only those it has), typed; empty cells as None."""
    out = pd.DataFrame(index=df.index)
    for col in [c for c in REQUIRED + OPTIONAL if c in df]:
        values = df[col]
        if col in POSITIVE_WHOLE:
            number = pd.to_numeric(values.str.replace(",", "", regex=False), errors="coerce")
            out[col] = [None if pd.isna(v) else int(v) for v in number]
        else:
            out[col] = [v if v != "" else None for v in values]
    return out.astype(object).reset_index(drop=True)


def upsert_areas(
    engine: Engine, areas: pd.DataFrame, source: AreasSource | None = None
) -> AreasResult:
    """Add new areas and update known ones, in one transaction (creates the tables if needed).

    A new area gets every column (absent ones empty, ``source`` = ``added`` unless given). A known
    area is updated only in the columns the file has; an empty ``source`` keeps the stored one. Any
    change is logged in the load log (``areas updated``) in the same transaction.
    """
    init_db(engine)
    columns = list(REQUIRED + OPTIONAL)
    present = [c for c in columns if c in areas.columns]
    added: list[str] = []
    updated: list[str] = []
    unchanged: list[str] = []
    changes: list[str] = []
    started = _now()
    load_id = None
    with engine.begin() as conn:
        existing = {
            row.gss_code: row._asdict()
            for row in conn.execute(select(*[schema.areas.c[c] for c in columns]))
        }
        for rec in areas.to_dict("records"):
            code = rec["gss_code"]
            if code not in existing:
                new = {c: rec.get(c) for c in columns}
                new["source"] = new["source"] or DEFAULT_SOURCE
                conn.execute(insert(schema.areas), new)
                added.append(code)
                changes.append(f"{code} added: " + _described(new))
                continue
            values = {c: rec[c] for c in present if c != "gss_code"}
            if values.get("source", "") is None:
                del values["source"]
            changed = {c: v for c, v in values.items() if existing[code][c] != v}
            if changed:
                conn.execute(
                    update(schema.areas).where(schema.areas.c.gss_code == code).values(values)
                )
                updated.append(code)
                changes.append(
                    f"{code} updated: "
                    + ", ".join(f"{c} {existing[code][c]!r} -> {v!r}" for c, v in changed.items())
                )
            else:
                unchanged.append(code)
        if changes:
            load_id = _log_change(conn, source, added, updated, changes, started)
    log.info("areas: %d added, %d updated, %d unchanged", len(added), len(updated), len(unchanged))
    return AreasResult(added, updated, unchanged, changes, load_id)


def _described(values: dict[str, object]) -> str:
    return ", ".join(f"{c} {v!r}" for c, v in values.items() if c != "gss_code" and v is not None)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _log_change(
    conn: Connection,
    source: AreasSource | None,
    added: list[str],
    updated: list[str],
    changes: list[str],
    started: dt.datetime,
) -> int:
    """The load-log row of a change to the areas (it changes the data version)."""
    source = source or AreasSource("(areas)", hashlib.sha256(b"").hexdigest(), 0)
    message = (
        f"{AREAS_UPDATED} from {source.file_name}: {len(added)} added, {len(updated)} updated; "
        + "; ".join(changes)
    )
    result = conn.execute(
        insert(schema.etl_load_log).values(
            file_name=source.file_name,
            sha256=source.sha256,
            size_bytes=source.size_bytes,
            area_code=None,
            period=None,
            outcome=AREAS_UPDATED,
            message=message,
            started_at=started,
            finished_at=_now(),
        )
    )
    key = result.inserted_primary_key
    assert key is not None  # a single-row INSERT always has one
    summary = f"{len(added)} added ({', '.join(added) or 'none'}), {len(updated)} updated"
    summary += f" ({', '.join(updated) or 'none'})"
    what = f"{source.file_name} sha256:{source.sha256}: {summary}"
    audit.record(conn, "areas-updated", "updated", obj=what, os_user=audit.os_user())
    return int(key[0])


def add_areas(path: Path, engine: Engine) -> AreasResult:
    """Check the areas file at ``path`` and write it to the database behind ``engine``."""
    return upsert_areas(engine, read_areas_file(path), AreasSource.of(path))
