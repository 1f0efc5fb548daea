"""Checking a return file against the return specification, sections 1-3 (not E108/E109).

``check_file`` reads a file (``etl.reading``), checks its name, period and area, its sheets and
columns, every cell (``etl.checks.values``) and the rules across cells and sheets
(``etl.checks.rows``), and gives a ``CheckedReturn``: every finding in report order and the typed
tables. ``quarantine_plan`` says which rows ``--quarantine`` holds back, and why.
"""

from __future__ import annotations

import datetime as dt
import logging
import multiprocessing
import os
import re
import signal
import threading
from collections.abc import Collection, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from etl.checks import rows as check_rows
from etl.checks.sheets import map_header, optional_missing, sheet_columns, type_sheet
from etl.checks.values import Issues
from etl.reading import SHEET_NAMES, RawSheet, read_return
from lfo.findings import CODES, STOPPING, Finding, mask_personal
from lfo.periods import Quarter
from lfo.reference import load_reference

log = logging.getLogger(__name__)

NAME_RE = re.compile(r"^LFO_(E\d{8})_(\d{4})-(\d{2})_Q([1-4])\.(?i:xlsx|zip)$")
ID_COLUMNS = frozenset({"participant_id", "family_id", "episode_id"})
WHOLE_COLUMNS = ("sessions_planned", "sessions_attended", "score")


@dataclass
class CheckedReturn:
    path: Path
    file_name: str
    area_code: str | None
    quarter: Quarter | None
    findings: list[Finding]
    stopped: bool
    tables: dict[str, pd.DataFrame] = field(default_factory=dict)
    participant_ids: set[str] = field(default_factory=set)

    @property
    def has_errors(self) -> bool:
        return any(f.severity == "error" for f in self.findings)

    @property
    def error_rows(self) -> dict[str, set[int]]:
        """Excel row numbers with at least one error, per sheet."""
        out: dict[str, set[int]] = {s: set() for s in SHEET_NAMES}
        for f in self.findings:
            if f.severity == "error" and f.row is not None and f.sheet in out:
                out[f.sheet].add(f.row)
        return out


def parse_file_name(name: str) -> tuple[str, Quarter] | None:
    """(GSS code, quarter) from ``LFO_<gss>_<yyyy-yy>_Q<n>.<ext>``, or None if it does not fit."""
    m = NAME_RE.match(name)
    if not m:
        return None
    fy = int(m.group(2))
    if (fy + 1) % 100 != int(m.group(3)):
        return None
    return m.group(1), Quarter(fy, int(m.group(4)))


def _identity(
    name: str, known_areas: Collection[str], today: dt.date
) -> tuple[str | None, Quarter | None, list[Finding]]:
    parsed = parse_file_name(name)
    if parsed is None:
        return (
            None,
            None,
            [
                Finding(
                    name,
                    None,
                    None,
                    None,
                    name,
                    "E102",
                    f"the file name '{name}' does not follow the pattern LFO_<LA code>_<yyyy-yy>_Q<n>"
                    ".xlsx (or .zip), for example LFO_E08000021_2017-18_Q3.xlsx: rename the file",
                )
            ],
        )
    area, quarter = parsed
    findings = []
    if area not in known_areas:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                area,
                "E103",
                f"the LA code '{area}' is not one of the programme's areas: "
                "check the code in the file name",
            )
        )
    if quarter.index < 0:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                quarter.display,
                "E104",
                f"the period {quarter.display} is before the programme started "
                "(2016-17 Q1): check the period in the file name",
            )
        )
    elif not today > quarter.end:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                quarter.display,
                "E104",
                f"the quarter {quarter.display} has not ended yet (it ends on "
                f"{quarter.end.isoformat()}): send the return after that day",
            )
        )
    return area, quarter, findings


def check_file(path: Path, *, known_areas: Collection[str], today: dt.date) -> CheckedReturn:
    """Every check of spec sections 1-3 except E108 and E109, on one return file."""
    path = Path(path)
    name = path.name
    area, quarter, findings = _identity(name, known_areas, today)
    result = CheckedReturn(path, name, area, quarter, findings, stopped=True)
    if area is None and path.suffix.lower() not in (".xlsx", ".zip"):
        return _finish(result)  # not a return at all: E102 says it all
    read = read_return(path)
    findings += read.findings
    if read.stopped:
        return _finish(result)
    reference = load_reference()
    columns = sheet_columns(reference)
    positions = {}
    for sheet in SHEET_NAMES:
        positions[sheet], header_findings = map_header(name, read.sheets[sheet], columns[sheet])
        findings += header_findings
    raw_pt = read.sheets["participants"]
    pos = positions["participants"].get("participant_id")
    if pos is not None:
        result.participant_ids = set(raw_pt.text[pos][raw_pt.text[pos] != ""])
    participants_ok = not any(f.code == "E106" and f.sheet == "participants" for f in findings)
    if participants_ok and len(raw_pt.rows) == 0:
        findings.append(
            Finding(
                name,
                None,
                None,
                None,
                None,
                "E107",
                "the participants sheet has no rows: a return holds every "
                "participant since the programme started",
            )
        )
    if any(f.code in STOPPING for f in findings) or quarter is None:
        return _finish(result)

    tables, missing, issues, text = {}, {}, {}, {}
    for sheet in SHEET_NAMES:
        raw = read.sheets[sheet]
        tables[sheet], missing[sheet], issues[sheet] = type_sheet(
            raw, columns[sheet], positions[sheet]
        )
        text[sheet] = _texts(raw, columns[sheet], positions[sheet])
        findings += optional_missing(
            name, sheet, columns[sheet], positions[sheet], missing[sheet], raw.rows
        )
        findings += _extra_fields(name, raw)
    check_rows.check_ranges(tables, text, issues, reference)
    check_rows.check_keys(tables, text, issues)
    check_rows.check_dates(tables, text, issues, quarter)
    check_rows.check_status(tables, missing, text, issues)
    check_rows.check_timing(tables, text, issues, quarter)
    for sheet in SHEET_NAMES:
        findings += _cell_findings(name, sheet, read.sheets[sheet].rows, issues[sheet])
        for col in WHOLE_COLUMNS:
            if col in tables[sheet]:
                values = tables[sheet][col]
                tables[sheet][col] = values.where(values.abs() < 2**31).round().astype("Int64")
    result.tables = tables
    result.stopped = False
    return _finish(result)


def _texts(raw: RawSheet, columns: list, positions: dict[str, int]) -> dict[str, pd.Series]:
    empty = pd.Series([""] * len(raw.rows), dtype="str")
    return {
        c.name: (raw.text[positions[c.name]] if c.name in positions else empty) for c in columns
    }


def _extra_fields(name: str, raw: RawSheet) -> list[Finding]:
    return [
        Finding(
            name,
            raw.name,
            row,
            None,
            extra,
            "E202",
            f"this row has more fields than the header (extra: '{extra}'): remove the "
            "extra commas, or put values that contain commas in double quotes",
        )
        for row, extra in sorted(raw.extra_fields.items())
    ]


def _cell_findings(
    name: str, sheet: str, rows: np.ndarray, issues: dict[str, Issues]
) -> list[Finding]:
    out = []
    for column, found in issues.items():
        for pos, code, values, messages in zip(
            found.pos, found.code, found.value, found.message, strict=True
        ):
            for row, value, message in zip(
                rows[pos].tolist(), values.tolist(), messages, strict=True
            ):
                shown = None if value is None or value != value or value == "" else str(value)
                if code == "E210":
                    shown = mask_personal(shown)
                out.append(Finding(name, sheet, row, column, shown, code, message))
    return out


def _order(checked_columns: dict[str, list[str]]):
    def key(f: Finding) -> tuple:
        sheet_rank = SHEET_NAMES.index(f.sheet) if f.sheet in SHEET_NAMES else -1
        cols = checked_columns.get(f.sheet or "", [])
        col_rank = cols.index(f.column) if f.column in cols else len(cols)
        return (sheet_rank, f.row or 0, col_rank, f.code)

    return key


def _finish(result: CheckedReturn) -> CheckedReturn:
    columns = {s: [c.name for c in cols] for s, cols in sheet_columns(load_reference()).items()}
    result.findings.sort(key=_order(columns))
    result.stopped = result.stopped or any(f.code in STOPPING for f in result.findings)
    if result.stopped:
        result.tables = {}
    log.info(
        "checked %s: %d findings%s",
        result.file_name,
        len(result.findings),
        " (stopped)" if result.stopped else "",
    )
    return result


def quarantine_plan(checked: CheckedReturn) -> dict[str, pd.DataFrame]:
    """Rows ``--quarantine`` holds back, per sheet: ``_row`` and ``reason``.

    Rows with errors (every row of a duplicated key carries E205), episodes of a held-back
    participant, outcomes of a held-back episode or participant.
    """
    reasons: dict[str, dict[int, list[str]]] = {s: {} for s in SHEET_NAMES}
    for f in checked.findings:
        if f.severity == "error" and f.row is not None and f.sheet in reasons:
            column = f" {f.column}" if f.column else ""
            reasons[f.sheet].setdefault(f.row, []).append(f"{f.code}{column}: {f.message}")
    tables = checked.tables
    if tables:
        pt, iv, oc = tables["participants"], tables["interventions"], tables["outcomes"]
        held_people = _first_rows(pt, "participant_id", reasons["participants"])
        _depend(iv, "participant_id", held_people, "participants", reasons["interventions"])
        held_episodes = _first_rows(iv, "episode_id", reasons["interventions"])
        _depend(oc, "episode_id", held_episodes, "interventions", reasons["outcomes"])
        _depend(oc, "participant_id", held_people, "participants", reasons["outcomes"])
    return {
        sheet: pd.DataFrame(
            {
                "_row": pd.array(sorted(rows), dtype="int64"),
                "reason": pd.array(["; ".join(rows[r]) for r in sorted(rows)], dtype="str"),
            }
        )
        for sheet, rows in reasons.items()
    }


def _first_rows(table: pd.DataFrame, column: str, held: dict[int, list[str]]) -> pd.Series:
    """First held-back Excel row of each ID among the held-back rows of a sheet."""
    sub = table[table["_row"].isin(held) & table[column].notna()]
    return sub.drop_duplicates(column).set_index(column)["_row"]


def _depend(
    table: pd.DataFrame, column: str, held: pd.Series, sheet: str, reasons: dict[int, list[str]]
) -> None:
    source = table[column].map(held)
    for row, src in zip(
        table["_row"][source.notna()].tolist(), source.dropna().astype(int).tolist(), strict=True
    ):
        reasons.setdefault(row, []).append(f"depends on held-back row {src} of sheet {sheet}")


# --- checking ahead in a worker process --------------------------------------------------------


class CheckAhead:
    """``check_file`` of the next file of a list in one worker process, while the caller works on
    the current one (loads and validates of more than one file).

    ``check_file`` is a pure function of the file, the known areas and today's date, so checking a
    file early gives the same ``CheckedReturn``. The caller calls ``begin(i)`` before working on
    ``files[i]`` (which submits ``files[i + 1]``: one file ahead, so at most two checked returns
    are held at a time) and ``check(files[i])`` when it needs the result. The first file, and any
    file whose check in the worker failed in any way (an exception, a crashed or broken worker, a
    result that could not be sent back) or that changed since it was submitted, is checked here,
    in this process, so the outcome is exactly that of checking the files one after another. The
    worker is started with "spawn" (it inherits no file descriptor, so not the load lock), only
    when a second file is submitted, and ends with its parent, however the parent ends. Log
    records of the check are sent back and handled here.
    """

    def __init__(
        self, files: Sequence[Path], *, known_areas: Collection[str], today: dt.date
    ) -> None:
        self.files = [Path(f) for f in files]
        self.known_areas = frozenset(known_areas)
        self.today = today
        self._pool: ProcessPoolExecutor | None = None
        self._broken = False
        self._index = -1
        self._pending: dict[int, tuple[Future, tuple[int, int] | None]] = {}

    def __enter__(self) -> CheckAhead:
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        self.close(wait=exc_type is None)

    def close(self, *, wait: bool = True) -> None:
        self._pending.clear()
        if self._pool is not None:
            self._pool.shutdown(wait=wait, cancel_futures=True)
            self._pool = None

    def begin(self, index: int) -> None:
        """The caller starts on ``files[index]``: submit the next file."""
        self._index = index
        for old in [i for i in self._pending if i < index]:
            del self._pending[old]  # a file that needed no check (already loaded, unreadable)
        following = index + 1
        if following < len(self.files) and following not in self._pending and not self._broken:
            self._submit(following)

    def check(self, path: Path) -> CheckedReturn:
        """The ``CheckedReturn`` of ``path``, the current file: the worker's, or checked here."""
        pending = self._pending.pop(self._index, None)
        if (
            pending is not None
            and 0 <= self._index < len(self.files)
            and Path(path) == self.files[self._index]
        ):
            checked = self._received(path, *pending)
            if checked is not None:
                return checked
        return check_file(path, known_areas=self.known_areas, today=self.today)

    def _submit(self, index: int) -> None:
        path = self.files[index]
        try:
            if self._pool is None:
                self._pool = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_worker_start,
                    initargs=(os.getpid(), logging.getLogger("etl").getEffectiveLevel()),
                )
            future = self._pool.submit(_check_in_worker, path, self.known_areas, self.today)
        except (BrokenProcessPool, RuntimeError, OSError) as exc:
            log.debug("cannot check %s in a worker process: %s", path.name, exc)
            self._broken = True
            return
        self._pending[index] = (future, _stamp(path))

    def _received(
        self, path: Path, future: Future, stamp: tuple[int, int] | None
    ) -> CheckedReturn | None:
        try:
            checked, records = future.result()
        except BrokenProcessPool as exc:
            log.debug("the checking process failed (%s): checking here from now on", exc)
            self._broken = True
            return None
        except Exception as exc:  # noqa: BLE001 - checked again here, which gives the real outcome
            log.debug("checking %s in the worker failed (%s): checking it here", path.name, exc)
            return None
        if not isinstance(checked, CheckedReturn) or stamp is None or _stamp(path) != stamp:
            return None
        for record in records:
            logger = logging.getLogger(record.name)
            if logger.isEnabledFor(record.levelno):
                logger.handle(record)
        return checked


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_size, st.st_mtime_ns


class _Collect(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        record.msg, record.args = record.getMessage(), None  # sendable whatever the arguments
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        self.records.append(record)


_collector: _Collect | None = None


def _worker_start(parent_pid: int, level: int) -> None:
    """In the worker: collect the ``etl`` log records, and end when the parent process ends.

    Ctrl-C is the parent's to handle (it stops the worker through the pool), not a traceback here.
    """
    global _collector
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _collector = _Collect()
    logger = logging.getLogger("etl")
    logger.setLevel(level)
    logger.addHandler(_collector)
    logger.propagate = False

    def watch() -> None:
        while os.getppid() == parent_pid:
            threading.Event().wait(0.5)
        os._exit(1)  # the parent was killed: nobody wants the result

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _check_in_worker(
    path: Path, known_areas: frozenset[str], today: dt.date
) -> tuple[CheckedReturn, list[logging.LogRecord]]:
    collector = _collector
    if collector is not None:
        collector.records = []
    checked = check_file(path, known_areas=known_areas, today=today)
    return checked, (collector.records if collector is not None else [])


__all__ = [
    "CODES",
    "CheckAhead",
    "CheckedReturn",
    "check_file",
    "parse_file_name",
    "quarantine_plan",
]
