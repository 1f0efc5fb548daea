"""Carrying out a load's decision: each in one transaction (the SQL itself is in ``store``).

A skip or a failure writes the load-log row only; a rejection adds the file's findings; a load
replaces the LA's current data, its summaries, findings and held-back rows, all or nothing.

A load, a rejection and a failure are also recorded in the audit log (service.md § 4, ``audit``)
with who asked for it: the operating-system user who ran the command, or (``By``) the person who
submitted the return through the web: a load in its own transaction (a load that fails leaves no
"loaded" row), a rejection with its findings, a failure after the rollback.
"""

from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Engine

from etl.load import store
from etl.load.decide import Decision
from etl.load.result import FileResult, now_utc
from etl.load.stored_rows import Rows, StoredFindings, held_back_rows
from etl.pseudonymise import Hasher
from lfo.access import audit as audit_log
from lfo.access import sessions
from lfo.access.roles import Principal
from lfo.indicators.summaries import build_area, frames_from_rows, write_area
from lfo.periods import Quarter


def log_values(
    result: FileResult, flags: str | None, started: dt.datetime, finished: dt.datetime | None
) -> dict[str, Any]:
    """The ``etl_load_log`` row of a file's result."""
    rows = result.rows_loaded
    return dict(
        file_name=result.file_name,
        sha256=result.sha256,
        size_bytes=result.size_bytes,
        area_code=result.area_code,
        period=result.period,
        outcome=result.outcome,
        participants_loaded=rows.get("participants", 0),
        episodes_loaded=rows.get("episodes", 0),
        outcomes_loaded=rows.get("outcomes", 0),
        rows_held_back=result.rows_held_back,
        errors=result.errors,
        warnings=result.warnings,
        flags=flags,
        message=result.message,
        started_at=started,
        finished_at=finished,
    )


#: The audit row of a load-log outcome: (action, outcome); outcomes not here are not audited (a
#: file skipped as already loaded changes nothing).
AUDITED: dict[str, tuple[audit_log.AuditAction, str]] = {
    "loaded": ("load", "loaded"),
    "loaded with quarantine": ("load", "loaded"),
    "forced": ("rollback", "loaded"),  # --force: an earlier period replaces the current one
    "rejected": ("load", "refused"),
    "failed": ("load", "failed"),
}


@dataclass(frozen=True)
class By:
    """Who asked for a load other than from the command line: ``user_id`` (None: the local user
    of a dashboard without sign-in, recorded as the operating-system user) and how (``via``, the
    end of the audit row's object, e.g. "from the web, submission 12")."""

    user_id: int | None
    via: str


def audit(conn: Connection, log_row: dict[str, Any], by: By | None = None) -> None:
    """The audit row of a load-log row (in ``conn``'s transaction): who asked for it (the
    operating-system user, or ``by``'s person), the LA, period and file hash, and the outcome."""
    action_outcome = AUDITED.get(str(log_row["outcome"]))
    if action_outcome is None:
        return
    action, outcome = action_outcome
    what = " ".join(
        str(part) for part in (log_row.get("area_code"), log_row.get("period")) if part is not None
    )
    sha = log_row.get("sha256")
    obj = f"{what or '(LA not known)'} {log_row['file_name']}" + (f" sha256:{sha}" if sha else "")
    who: Principal | None = None
    if by is not None:
        obj += f" {by.via}"
        if by.user_id is not None:  # a disabled or removed person is still named by id
            who = sessions.principal(conn, by.user_id) or Principal(role=None, user_id=by.user_id)
    os_user = audit_log.os_user() if who is None else None
    audit_log.record(conn, action, outcome, obj=obj, principal=who, os_user=os_user)


def record(engine: Engine, log_row: dict[str, Any], by: By | None = None) -> int:
    """A finished load-log row on its own (a file skipped as already loaded, or one that failed)."""
    with engine.begin() as conn:
        load_id = store.insert_load_log(conn, log_row)
        audit(conn, log_row, by)
        return load_id


def reject(
    engine: Engine,
    log_row: dict[str, Any],
    stored: StoredFindings,
    area: str | None,
    by: By | None = None,
) -> int:
    """A rejected file: its load-log row and its findings; the LA's data is not touched."""
    with engine.begin() as conn:
        load_id = store.insert_load_log(conn, log_row)
        store.insert_findings(conn, stored.rows(load_id, area))
        store.finish_load_log(conn, load_id, now_utc())
        audit(conn, log_row, by)
    return load_id


def load(
    engine: Engine,
    log_row: dict[str, Any],
    decision: Decision,
    *,
    quarter: Quarter,
    rows: dict[str, Rows],
    checked_tables: dict[str, pd.DataFrame],
    stored: StoredFindings,
    hasher: Hasher,
    by: By | None = None,
) -> int:
    """A loaded file: it replaces the LA's current data (``rows``), its ``returns`` row and
    summaries; its findings and held-back rows (from ``checked_tables``) are stored, and the held-
    back rows of the LA's earlier returns resolved."""
    area = decision.area_code
    assert area is not None  # a decision to load always has the return's area
    # the summaries are built from the new rows in a thread while the rows are inserted (pure
    # pandas, no database; SQLite and psycopg release the GIL while they write), then written
    # in the same transaction (an error in either rolls back both)
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix="summaries") as pool,
        engine.begin() as conn,
    ):
        summaries = pool.submit(lambda: build_area(frames_from_rows(rows)))
        load_id = store.insert_load_log(conn, log_row)
        store.replace_area_data(conn, area, rows)
        store.upsert_return(
            conn,
            dict(
                area_code=area,
                period=quarter.label,
                period_end=quarter.end,
                file_name=log_row["file_name"],
                sha256=log_row["sha256"],
                load_id=load_id,
                loaded_at=now_utc(),
                rows_held_back=decision.rows_held_back,
            ),
        )
        write_area(conn, area, summaries.result())
        store.insert_findings(conn, stored.rows(load_id, area))
        for sheet, sheet_plan in decision.held_back.items():
            store.insert_held_back(
                conn,
                held_back_rows(
                    sheet, checked_tables[sheet], sheet_plan, stored, load_id, area, hasher
                ),
            )
        store.supersede_held_back(conn, area, load_id)
        store.finish_load_log(conn, load_id, now_utc())
        audit(conn, log_row, by)
    return load_id
