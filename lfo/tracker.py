"""The submissions tracker (service.md § 5): for the latest quarters that have ended, each LA's
status, whether it is late, and who did what and when. Read from ``etl_load_log`` (every load,
from the command line or the web), ``submissions`` (returns sent through the web), ``areas`` and
``users``, in four queries whatever the number of LAs.

Status, the first that holds (docs/decisions.md, "Issue 13 — the submissions tracker"):

1. ``loaded``: a return of the LA for the quarter was loaded (a load-log row "loaded", "loaded
   with quarantine" or "forced"), from the command line or the web;
2. ``submitted``: a web submission of the quarter is submitted and waits for its load;
3. ``received``: a return was uploaded and is being checked, or is valid but not submitted (or
   its check or load could not run: the operator's turn, shown in the events);
4. ``received with errors``: all that came has errors: a web submission with errors, a load
   rejected (command line or web);
5. ``not received``.

``late`` is a flag beside the status: the first load came after the due date (``lfo.due``), or
nothing is loaded and today is past the due date. Times are naive UTC, as stored; the due date
is compared with a load's date in London.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, select

from lfo import due
from lfo.periods import LONDON, Quarter, period
from lfo.schema import areas, etl_load_log, returns
from lfo.schema_access import users
from lfo.schema_submissions import submissions
from lfo.submissions import Submission, list_submissions

LOADED_OUTCOMES = ("loaded", "loaded with quarantine", "forced")
STATUSES = ("loaded", "submitted", "received", "received with errors", "not received")
LATE = "late"
#: What the page's filter may ask for: a status, or the late ones.
FILTERS = (*STATUSES, LATE)
#: Who acted when the submission names no user: the local user of demo and --no-sign-in modes.
LOCAL_USER = "local user"
#: Who acted for a load that came through no submission.
COMMAND_LINE = "command line"
#: The most submissions of the quarters one tracker reads (far more than 153 LAs send).
MAX_SUBMISSIONS = 100_000
_RECEIVED = frozenset({"checking", "valid", "check_failed", "failed"})
_WITH_ERRORS = frozenset({"errors", "rejected"})
_LOAD_WORDS = {
    "loaded": "loaded from the command line",
    "loaded with quarantine": "loaded from the command line, rows held back",
    "forced": "loaded from the command line with force (a rollback)",
    "rejected": "rejected by a command-line load",
    "failed": "command-line load failed",
    "already loaded": "loaded again from the command line: already the current return",
}
_FINISH_WORDS = {"loaded": "loaded", "rejected": "rejected by the load", "failed": "load failed"}


@dataclass(frozen=True)
class Event:
    """Something done to an LA's return: what, by whom (an e-mail, ``LOCAL_USER`` or
    ``COMMAND_LINE``), when, and the submission (its report page) or load it belongs to."""

    at: dt.datetime
    what: str
    who: str
    period: str
    submission_id: int | None = None
    load_id: int | None = None
    note: str = ""


@dataclass(frozen=True)
class Load:
    """One ``etl_load_log`` row of an LA, with the submission that made it (if any)."""

    load_id: int
    area_code: str
    period: str
    outcome: str
    file_name: str
    sha256: str
    at: dt.datetime
    message: str
    submission_id: int | None

    @property
    def loaded(self) -> bool:
        return self.outcome in LOADED_OUTCOMES


@dataclass(frozen=True)
class Cell:
    """One LA's quarter: its status, whether it is late, when it was first loaded, and what was
    done (newest first)."""

    quarter: Quarter
    status: str
    late: bool
    loaded_at: dt.datetime | None
    events: tuple[Event, ...]

    @property
    def flags(self) -> tuple[str, ...]:
        """What the page's filter matches: the status, and ``late`` when late."""
        return (self.status, LATE) if self.late else (self.status,)


@dataclass(frozen=True)
class Column:
    """A quarter of the tracker with its due date; ``overdue``: today is past it."""

    quarter: Quarter
    due: dt.date
    overdue: bool


@dataclass(frozen=True)
class Row:
    """An LA's cells by quarter label (None: the LA had left the programme by then)."""

    area_code: str
    name: str
    cells: dict[str, Cell | None]


@dataclass(frozen=True)
class Summary:
    """A quarter's counts: of ``total`` LAs, how many are in each status and how many late."""

    total: int
    counts: dict[str, int] = field(default_factory=dict)
    late: int = 0


@dataclass(frozen=True)
class Tracker:
    columns: tuple[Column, ...]
    rows: tuple[Row, ...]

    def summary(self, quarter: Quarter) -> Summary:
        cells = [c for r in self.rows if (c := r.cells.get(quarter.label)) is not None]
        counts = {s: sum(c.status == s for c in cells) for s in STATUSES}
        return Summary(len(cells), counts, sum(c.late for c in cells))


def ended_quarters(today: dt.date, n: int = 4) -> list[Quarter]:
    """The latest ``n`` quarters that have ended by ``today``, newest first."""
    last = Quarter.containing(today) - 1
    return [last - i for i in range(n)]


def london_date(moment: dt.datetime) -> dt.date:
    """The date in London of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=dt.UTC).astimezone(LONDON).date()


def tracker(
    conn: Connection,
    *,
    today: dt.date,
    working_days: int = due.DEFAULT_WORKING_DAYS,
    quarters: int = 4,
    only: Collection[str] | None = None,
    until: Quarter | None = None,
) -> Tracker:
    """The tracker of the latest ``quarters`` ended quarters (or those up to ``until``) for every
    LA (``only``: these GSS codes), sorted by LA name."""
    shown = [until - i for i in range(quarters)] if until else ended_quarters(today, quarters)
    labels = [q.label for q in shown]
    columns = tuple(Column(q, d, today > d) for q in shown for d in [due.due_date(q, working_days)])
    loads = _by_cell(read_loads(conn, areas=only, periods=labels))
    subs = list_submissions(conn, areas=_codes(only), periods=labels, limit=MAX_SUBMISSIONS)
    emails = user_emails(conn, _user_ids(subs))
    sent = _by_cell(subs)
    rows = []
    for area in read_areas(conn, only):
        cells: dict[str, Cell | None] = {}
        for column in columns:
            key = (area["gss_code"], column.quarter.label)
            retired = area["retired_at"]
            if retired is not None and london_date(retired) <= column.quarter.end:
                cells[column.quarter.label] = None
                continue
            cells[column.quarter.label] = cell(
                column, loads.get(key, []), sent.get(key, []), emails, today
            )
        rows.append(Row(area["gss_code"], area["name"], cells))
    return Tracker(columns, tuple(rows))


def cell(
    column: Column,
    loads: list[Load],
    sent: list[Submission],
    emails: dict[int, str],
    today: dt.date,
) -> Cell:
    """One LA's quarter from its loads and submissions (module docstring)."""
    status = status_of(loads, sent)
    loaded = [load.at for load in loads if load.loaded]
    first = min(loaded) if loaded else None
    late = london_date(first) > column.due if first is not None else today > column.due
    return Cell(column.quarter, status, late, first, tuple(events(loads, sent, emails)))


def status_of(loads: Iterable[Load], sent: Iterable[Submission]) -> str:
    """The first status that holds (module docstring)."""
    loads, sent = list(loads), list(sent)
    if any(load.loaded for load in loads):
        return "loaded"
    shown = {s.shown for s in sent}
    if "submitted" in shown:
        return "submitted"
    if shown & _RECEIVED or any(load.outcome == "failed" for load in loads):
        return "received"
    if shown & _WITH_ERRORS or any(load.outcome == "rejected" for load in loads):
        return "received with errors"
    return "not received"


def events(
    loads: Iterable[Load], sent: Iterable[Submission], emails: dict[int, str]
) -> list[Event]:
    """What was done, newest first: each submission's upload (or rollback asked for), submit and
    outcome, and each load that came through no submission (the command line)."""
    found: list[Event] = []
    for s in sent:
        found.extend(submission_events(s, emails))
    for load in loads:
        if load.submission_id is None:
            what = _LOAD_WORDS.get(load.outcome, f"command-line load: {load.outcome}")
            found.append(
                Event(load.at, what, COMMAND_LINE, load.period, None, load.load_id, load.file_name)
            )
    return sorted(found, key=lambda e: (e.at, e.submission_id or 0, e.load_id or 0), reverse=True)


def submission_events(s: Submission, emails: dict[int, str]) -> list[Event]:
    """A submission's events: uploaded (or a rollback asked for), submitted, and how it ended."""

    def who(user_id: int | None) -> str:
        return LOCAL_USER if user_id is None else emails.get(user_id, f"user {user_id}")

    sid, p = s.submission_id, s.period
    if s.kind == "rollback":
        note = f"to {s.original_name or s.file_name}"
        found = [Event(s.uploaded_at, "rollback asked for", who(s.uploaded_by), p, sid, None, note)]
    else:
        note = s.original_name or s.file_name
        found = [Event(s.uploaded_at, "uploaded", who(s.uploaded_by), p, sid, None, note)]
    if s.submitted_at is not None:
        found.append(Event(s.submitted_at, "submitted", who(s.submitted_by), p, sid))
    shown = s.shown
    if shown in _FINISH_WORDS:
        at = s.finished_at or s.submitted_at or s.uploaded_at
        what = _FINISH_WORDS[shown]
        # the worker did it, for whoever submitted it (or asked for the rollback)
        by = who(s.submitted_by if s.submitted_at is not None else s.uploaded_by)
        found.append(Event(at, what, by, p, sid, s.load_id, s.reason or ""))
    return found


# --- reads --------------------------------------------------------------------------------------


def read_areas(conn: Connection, only: Collection[str] | None = None) -> list[dict[str, Any]]:
    """The LAs (code, name, when retired), by name."""
    a = areas
    query = select(a.c.gss_code, a.c.name, a.c.retired_at).order_by(a.c.name, a.c.gss_code)
    if only is not None:
        query = query.where(a.c.gss_code.in_(tuple(only)))
    return [dict(r._mapping) for r in conn.execute(query)]


def latest_loaded(conn: Connection, only: Collection[str] | None = None) -> Quarter | None:
    """The latest quarter any LA (of ``only``) has a loaded return for; None before any load."""
    log = etl_load_log
    query = select(log.c.period).where(
        log.c.outcome.in_(LOADED_OUTCOMES), log.c.period.is_not(None)
    )
    if only is not None:
        query = query.where(log.c.area_code.in_(tuple(only)))
    found = [q for code in conn.execute(query.distinct()).scalars() if (q := quarter_of(code))]
    return max(found, default=None)


def read_loads(
    conn: Connection,
    *,
    areas: Collection[str] | None = None,
    periods: Collection[str] | None = None,
) -> list[Load]:
    """Load-log rows of LAs (``areas``; None: all) and ``periods`` (None: all), newest first,
    each with the submission that made it."""
    log, s = etl_load_log, submissions
    query = (
        select(
            log.c.load_id,
            log.c.area_code,
            log.c.period,
            log.c.outcome,
            log.c.file_name,
            log.c.sha256,
            log.c.started_at,
            log.c.finished_at,
            log.c.message,
            s.c.submission_id,
        )
        .outerjoin(s, s.c.load_id == log.c.load_id)
        .where(log.c.area_code.is_not(None), log.c.period.is_not(None))
        .order_by(log.c.load_id.desc())
    )
    if areas is not None:
        query = query.where(log.c.area_code.in_(tuple(areas)))
    if periods is not None:
        query = query.where(log.c.period.in_(tuple(periods)))
    found: dict[int, Load] = {}
    for r in conn.execute(query):
        if r.load_id not in found:  # a load made by two submissions is listed once
            found[r.load_id] = Load(
                r.load_id,
                r.area_code,
                r.period,
                r.outcome,
                r.file_name,
                r.sha256,
                r.finished_at or r.started_at,
                r.message or "",
                r.submission_id,
            )
    return list(found.values())


def user_emails(conn: Connection, user_ids: Collection[int]) -> dict[int, str]:
    if not user_ids:
        return {}
    u = users
    rows = conn.execute(select(u.c.user_id, u.c.email).where(u.c.user_id.in_(tuple(user_ids))))
    return {r.user_id: r.email for r in rows}


def current_return(conn: Connection, area_code: str) -> dict[str, Any] | None:
    """The LA's current return (``returns``: period, load id, file, when loaded), or None."""
    row = conn.execute(select(returns).where(returns.c.area_code == area_code)).first()
    return None if row is None else dict(row._mapping)


def history(conn: Connection, area_code: str) -> list[Event]:
    """Every submission and load of one LA, newest first (the tracker's detail page)."""
    loads = read_loads(conn, areas=[area_code])
    sent = list_submissions(conn, areas=[area_code], limit=MAX_SUBMISSIONS)
    return events(loads, sent, user_emails(conn, _user_ids(sent)))


def quarter_of(code: str) -> Quarter | None:
    """The quarter a stored period code names (None for a year or a code that is none)."""
    try:
        value = period(code)
    except ValueError:
        return None
    return value if isinstance(value, Quarter) else None


def _by_cell(items: Iterable[Any]) -> dict[tuple[str, str], list[Any]]:
    grouped: dict[tuple[str, str], list[Any]] = defaultdict(list)
    for item in items:
        grouped[(item.area_code, item.period)].append(item)
    return grouped


def _user_ids(sent: Iterable[Submission]) -> set[int]:
    ids = {s.uploaded_by for s in sent} | {s.submitted_by for s in sent}
    return {i for i in ids if i is not None}


def _codes(only: Collection[str] | None) -> list[str] | None:
    return None if only is None else list(only)
