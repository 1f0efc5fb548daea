"""What loading or validating one file produced: ``FileResult``, and ``LoadError``."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from sqlalchemy.engine import make_url

from etl.load.changes import Changes
from lfo.findings import findings_frame
from lfo.settings import Settings


class LoadError(Exception):
    """The command could not run (lock held, database unreachable, I/O failure): exit status 2."""


@dataclass
class FileResult:
    """What happened to one file: the CLI prints ``message`` and writes ``findings`` to the report."""

    path: Path
    file_name: str
    sha256: str | None
    size_bytes: int
    area_code: str | None = None
    period: str | None = None
    outcome: str = "failed"
    findings: pd.DataFrame = field(default_factory=findings_frame)
    rows_loaded: dict[str, int] = field(default_factory=dict)  # participants/episodes/outcomes
    rows_held_back: int = 0
    load_id: int | None = None
    message: str = ""
    key_created: bool = False  # this file's load created the ID key file: back it up
    changes: Changes | None = None  # validate with changes: what loading it would change

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum())

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum())


def now_utc() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def db_name(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def summarise(findings: pd.DataFrame) -> str:
    """``3 errors (E202 x2, E206), 1 warning``."""
    parts = []
    for severity in ("error", "warning"):
        codes = findings.loc[findings["severity"] == severity, "code"]
        if codes.empty:
            continue
        counts = ", ".join(f"{c} x{n}" if n > 1 else c for c, n in sorted(Counter(codes).items()))
        parts.append(f"{len(codes)} {severity}{'s' if len(codes) != 1 else ''} ({counts})")
    return ", ".join(parts) or "no findings"


def loaded_text(rows: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {name}" for name, n in rows.items())
