"""What the ETL's commands show on screen: a progress bar and summary tables (rich).

The progress bar goes to stderr and only when stderr is a terminal, and it disappears when done, so
captured output (tests, cron logs) holds only the summary tables, which go to stdout.

Text that came from outside (file names, sheet names, headers, values, area names) may hold
control characters: an ESC sequence in a file name would recolour or rewrite the terminal, a
newline would forge a line, a bidi override would reverse what is read. ``shown`` is the one
helper that escapes them (``\x1b``, ``\n``, ``\u202e``); every console here prints through it,
and the command line writes its errors and reports through it.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from typing import Any

import pandas as pd
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    TaskProgressColumn,
    TextColumn,
    TimeElapsedColumn,
)
from rich.progress import Progress as RichProgress
from rich.table import Table

from etl.report import summarise

#: Control characters (C0, DEL, C1) and the bidi controls, as printable escapes.
_ESCAPES: dict[int, str] = {c: f"\\x{c:02x}" for c in (*range(0x20), 0x7F, *range(0x80, 0xA0))}
_ESCAPES.update({0x09: "\\t", 0x0A: "\\n", 0x0D: "\\r"})
_ESCAPES.update(
    {
        c: f"\\u{c:04x}"
        for c in (0x061C, 0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A))
    }
)


def shown(text: object) -> str:
    """``text`` safe to show on a terminal or in a report: control characters escaped."""
    return str(text).translate(_ESCAPES)


def shown_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are ``shown`` (other cells as they are)."""
    return frame.map(lambda v: shown(v) if isinstance(v, str) else v)


class SafeConsole(Console):
    """A rich console whose printed strings are ``shown`` (tables escape their own cells)."""

    def print(self, *objects: Any, **kwargs: Any) -> None:
        super().print(*(shown(o) if isinstance(o, str) else o for o in objects), **kwargs)


WIDE = 240  # columns used when stdout is not a terminal, so tables do not wrap in logs
ROUTINE = frozenset({"loaded", "already loaded", "valid"})  # the table says it all
OK_OUTCOMES = frozenset({"loaded", "loaded with quarantine", "already loaded", "forced", "valid"})


def stdout_console() -> Console:
    """A console on the current ``sys.stdout`` (made per call, so redirections are honoured)."""
    console = SafeConsole(file=sys.stdout, highlight=False, markup=False)
    if not console.is_terminal:
        console = SafeConsole(
            file=sys.stdout, highlight=False, markup=False, width=WIDE, no_color=True
        )
    return console


def stderr_console() -> Console:
    return SafeConsole(file=sys.stderr, highlight=False, markup=False)


class Progress:
    """A transient progress bar on stderr, shown only when stderr is a terminal.

    Use ``advance()`` once per unit done, or pass ``update`` as a ``progress(desc, done, total)``
    callback (the generator's form).
    """

    def __init__(self, description: str, total: int | None = None) -> None:
        console = stderr_console()
        self._bar = RichProgress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TaskProgressColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        )
        self._task = self._bar.add_task(description, total=total)

    def __enter__(self) -> Progress:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def advance(self, n: int = 1, description: str | None = None) -> None:
        kwargs: dict[str, Any] = {"advance": n}
        if description is not None:
            kwargs["description"] = shown(description)
        self._bar.update(self._task, **kwargs)

    def update(self, description: str, done: int, total: int | None) -> None:
        self._bar.update(self._task, description=shown(description), completed=done, total=total)


# --- tables ---------------------------------------------------------------------------------


def severity_counts(findings: pd.DataFrame) -> tuple[int, int]:
    """(errors, warnings) in a findings frame."""
    if findings is None or findings.empty:
        return 0, 0
    sev = findings["severity"]
    return int((sev == "error").sum()), int((sev == "warning").sum())


def print_file_results(results: Iterable[Any], console: Console, *, loading: bool) -> None:
    """One line per file (outcome, rows loaded, held back, findings) and a totals line."""
    results = list(results)
    table = Table(title="Files loaded" if loading else "Files checked", title_justify="left")
    table.add_column("file")
    table.add_column("outcome")
    if loading:
        for name in ("participants", "episodes", "outcomes", "held back"):
            table.add_column(name, justify="right")
    table.add_column("errors", justify="right")
    table.add_column("warnings", justify="right")
    totals = {"participants": 0, "episodes": 0, "outcomes": 0, "held": 0, "err": 0, "warn": 0}
    for r in results:
        errors, warnings = severity_counts(r.findings)
        totals["err"] += errors
        totals["warn"] += warnings
        cells = [shown(r.file_name), r.outcome]
        if loading:
            rows = r.rows_loaded or {}
            for name in ("participants", "episodes", "outcomes"):
                totals[name] += int(rows.get(name, 0))
                cells.append(f"{int(rows.get(name, 0)):,}")
            totals["held"] += int(r.rows_held_back or 0)
            cells.append(f"{int(r.rows_held_back or 0):,}")
        cells += [f"{errors:,}", f"{warnings:,}"]
        table.add_row(*cells)
    console.print(table)
    for r in results:
        if r.message and (r.outcome not in ROUTINE or "--allow-shrink" in r.message):
            console.print(f"{r.file_name}: {r.message}")  # shown by the console
    ok = sum(1 for r in results if r.outcome in OK_OUTCOMES)
    verb = "loaded or already loaded" if loading else "valid"
    line = f"{len(results)} file(s): {ok} {verb}, {len(results) - ok} not"
    if loading:
        line += (
            f"; rows loaded: {totals['participants']:,} participants, {totals['episodes']:,} "
            f"episodes, {totals['outcomes']:,} outcomes; {totals['held']:,} row(s) held back"
        )
    line += f"; findings: {totals['err']:,} error(s), {totals['warn']:,} warning(s)"
    console.print(line)


def print_findings_summary(findings: pd.DataFrame, console: Console) -> None:
    """Counts by code with severity, title and the first rows of each (as the report's summary)."""
    summary = summarise(findings)
    if summary.empty:
        console.print("No findings.")
        return
    table = Table(title="Findings by code", title_justify="left")
    for col, justify in (
        ("code", "left"),
        ("severity", "left"),
        ("title", "left"),
        ("count", "right"),
        ("first rows", "left"),
    ):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    for rec in summary.itertuples(index=False):
        table.add_row(
            shown(rec.code), rec.severity, rec.title, f"{rec.count:,}", shown(rec.first_rows)
        )
    console.print(table)


def print_status(status: pd.DataFrame, console: Console) -> None:
    """The ``status`` command's table: one line per LA."""
    table = Table(title="Current data by LA", title_justify="left")
    headers = {
        "area_code": "LA",
        "name": "name",
        "period": "latest period",
        "participants": "participants",
        "episodes": "episodes",
        "outcomes": "outcomes",
        "held_back": "held back",
        "errors": "errors",
        "warnings": "warnings",
        "loaded_at": "loaded at",
        "last_attempt": "latest load attempt",
    }
    for col, title in headers.items():
        numeric = col in {"participants", "episodes", "outcomes", "held_back", "errors", "warnings"}
        table.add_column(title, justify="right" if numeric else "left")
    for rec in status.to_dict("records"):
        cells = []
        for col in headers:
            value = rec.get(col)
            if value is None or (not isinstance(value, str) and pd.isna(value)):
                cells.append("-")
            elif isinstance(value, int | float):
                cells.append(f"{int(value):,}")
            else:
                cells.append(shown(value))
        table.add_row(*cells)
    console.print(table)


# --- logging ---------------------------------------------------------------------------------


class _Formatter(logging.Formatter):
    """One line a record; tracebacks only when verbose."""

    def __init__(self, verbose: bool) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s" if verbose else "%(message)s")
        self.verbose = verbose

    def formatException(
        self,
        ei: tuple[type[BaseException], BaseException, TracebackType | None]
        | tuple[None, None, None],
    ) -> str:
        return super().formatException(ei) if self.verbose else ""

    def formatStack(self, stack_info: str) -> str:
        return super().formatStack(stack_info) if self.verbose else ""

    def format(self, record: logging.LogRecord) -> str:
        fields = {**record.__dict__, "msg": shown(record.getMessage()), "args": None}
        if not self.verbose:
            fields.update(exc_info=None, exc_text=None, stack_info=None)
        return super().format(logging.makeLogRecord(fields))


class LogSetup:
    """Log records to stderr, one line each: WARNING and up, or with ``verbose`` the ETL's DEBUG
    records with tracebacks. ``restore()`` undoes it (in-process runs, such as tests, do not pile up
    handlers)."""

    def __init__(self, verbose: bool) -> None:
        self.handler = logging.StreamHandler(sys.stderr)
        self.handler.setFormatter(_Formatter(verbose))
        self.handler.setLevel(logging.DEBUG if verbose else logging.WARNING)
        self._root = logging.getLogger()
        self._etl = logging.getLogger("etl")
        self._warnings = logging.getLogger("py.warnings")
        self._levels = (self._root.level, self._etl.level, self._warnings.level)
        self._root.addHandler(self.handler)
        self._root.setLevel(logging.WARNING)
        self._etl.setLevel(logging.DEBUG if verbose else logging.WARNING)
        # library warnings (openpyxl, pandas) are noise to an LA analyst: shown only when verbose
        self._warnings.setLevel(logging.DEBUG if verbose else logging.ERROR)
        logging.captureWarnings(True)

    def restore(self) -> None:
        self._root.removeHandler(self.handler)
        self._root.setLevel(self._levels[0])
        self._etl.setLevel(self._levels[1])
        self._warnings.setLevel(self._levels[2])
        logging.captureWarnings(False)


def print_generate_summary(summary: Any, console: Console) -> None:
    """What ``generate`` wrote: files, areas, records, time, and the deliberately faulty files."""
    console.print(
        f"wrote {summary.files:,} {summary.scale} return file(s) for {summary.areas:,} area(s) to "
        f"{summary.out} in {summary.seconds:.1f} s (seed {summary.seed}); latest returns hold "
        f"{summary.participants:,} participants, {summary.episodes:,} episodes, "
        f"{summary.outcomes:,} outcomes"
    )
    faulty = getattr(summary, "faulty", None) or {}
    paths = [Path(p) for files in faulty.values() for p in files]
    if paths:
        where = os.path.commonpath([str(p.parent) for p in paths])
        console.print(
            f"and {len(paths):,} faulty return(s) on purpose, one folder per finding code "
            f"({', '.join(sorted(faulty))}), under {where}"
        )
    if summary.scale == "national":
        console.print(
            f"next: python -m etl areas {summary.out}/areas.csv, "
            f"then python -m etl load {summary.out}"
        )
