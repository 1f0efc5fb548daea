"""The audit log (docs/spec/service.md § 4): append-only, hash-chained, filtered and exported.

Each row of ``audit_log`` holds who (user id and e-mail as text, or the operating-system user of
a command-line action), their role, the action (``AuditAction``, a closed set), the object, the
outcome, the client's address and a count, and ``hash`` = SHA-256 over the previous row's hash
and the row's canonical fields (``row_hash``). A changed row no longer matches its hash; a removed
row breaks the next row's link; ``verify`` walks the chain and names the first bad row.

- **Append-only.** Triggers refuse UPDATE and DELETE (on SQLite and PostgreSQL alike, created with
  the table: ``lfo.schema.AUDIT_TRIGGERS`` and revision 0003). Only the retention job
  (``lfo.access.audit_retention``) deletes, and records the hash it cut at.
- **One chain under concurrency.** ``record`` appends inside the caller's transaction after taking
  the audit log's write lock: on SQLite a write statement that matches no row (it takes the
  database's write lock, which the transaction then holds until it ends, as ``BEGIN IMMEDIATE``
  would; ``sqlite3`` begins a transaction only at its first write, so no earlier read of the
  caller's holds an older snapshot); on PostgreSQL a transaction-level advisory lock (``LOCK TABLE ... EXCLUSIVE`` would need
  UPDATE or DELETE rights, which the application's database user must not have). Two writers
  therefore never read the same last row; and ``prev_hash`` is unique, so the database itself
  refuses a fork.
- **Counted rows** (refusals per client per minute, API requests per token per hour) are kept in
  memory and written as one row with a count: ``lfo.access.audit_tally``.
- **Export**: ``query`` filters by time range, user, action and outcome; ``to_csv`` writes every
  text cell through ``lfo.formula_guard``.
"""

from __future__ import annotations

import csv
import datetime as dt
import getpass
import hashlib
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, get_args

from sqlalchemy import Connection, Engine, insert, select, text

from lfo import schema
from lfo.access.roles import Principal
from lfo.formula_guard import csv_row

AuditAction = Literal[
    "sign-in",
    "failed-sign-in",
    "lock-out",
    "sign-out",
    "invitation",
    "role-change",
    "disable",
    "enable",
    "2fa-reset",
    "sso-reset",
    "token-created",
    "token-revoked",
    "upload",
    "submit",
    "load",
    "rollback",
    "areas-updated",
    "release-published",
    "challenge-raised",
    "challenge-answered",
    "download",
    "refused",
    "api-requests",
    "audit-pruned",  # the retention job's own row: how many rows it deleted, the hash it cut at
    "files-pruned",  # the rejected files' retention job (etl files prune): what it deleted
    "backup-made",  # etl backup: the set's folder, what it holds, the keys (etl.backup_audit)
    "restored",  # etl restore: written in the restored database, which set it came from
]
AUDIT_ACTIONS: tuple[AuditAction, ...] = get_args(AuditAction)
#: Every outcome the writers of the log use (the audit page's filter offers these and no other).
AUDIT_OUTCOMES: tuple[str, ...] = (
    "ok",
    "refused",
    "repeated",  # refusals of one client counted over a minute
    "counted",  # API requests of one token counted over an hour
    "updated",
    "loaded",
    "failed",
    "pruned",
    "nothing due",
    "requested",  # a rollback asked for from the tracker (the worker's load writes its own row)
)

#: The previous hash of the very first row.
GENESIS = "0" * 64
#: The fields ``row_hash`` covers, in the CSV's order (``audit_id`` is not hashed: the chain
#: itself orders the rows).
FIELDS = (
    "at",
    "user_id",
    "user_email",
    "os_user",
    "role",
    "action",
    "object",
    "outcome",
    "client",
    "count",
)
CSV_COLUMNS = ("audit_id", *FIELDS, "prev_hash", "hash")
#: The advisory lock key of the audit log on PostgreSQL ("LFOAUDIT").
PG_AUDIT_LOCK = 0x4C464F4155444954
_CUT = re.compile(r"cut at ([0-9a-f]{64})")


def now_utc() -> dt.datetime:
    """The current time in UTC, naive (as every time the database holds), to the microsecond."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def os_user() -> str | None:
    """The operating-system user running this process (a command-line action's "who"); None
    when the system has no name for it (a container without a passwd entry)."""
    try:
        return getpass.getuser()
    except (OSError, KeyError):
        return None


def _utc(moment: dt.datetime) -> dt.datetime:
    """``moment`` as naive UTC (a naive time is taken to be UTC already)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.replace(tzinfo=None)


def canonical(fields: Mapping[str, Any]) -> str:
    """The row's hashed text: JSON of ``FIELDS`` (time as ISO text to the microsecond)."""
    values: dict[str, Any] = {}
    for name in FIELDS:
        value = fields.get(name)
        if isinstance(value, dt.datetime):
            value = value.replace(tzinfo=None).isoformat(timespec="microseconds")
        values[name] = value
    return json.dumps(values, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def row_hash(prev_hash: str, fields: Mapping[str, Any]) -> str:
    """SHA-256 (hex) over the previous row's hash and this row's canonical fields."""
    return hashlib.sha256(f"{prev_hash}\n{canonical(fields)}".encode()).hexdigest()


def record(
    conn: Connection,
    action: AuditAction,
    outcome: str,
    *,
    obj: str | None = None,
    principal: Principal | None = None,
    os_user: str | None = None,
    client: str | None = None,
    count: int = 1,
    at: dt.datetime | None = None,
) -> str:
    """Append one row in the caller's transaction (it is kept or undone with the caller's work);
    returns its hash. ``principal`` gives the user id, e-mail and role (None: nobody signed in,
    e.g. a command-line action, which gives ``os_user`` instead)."""
    fields = entry(
        action,
        outcome,
        obj=obj,
        principal=principal,
        os_user=os_user,
        client=client,
        count=count,
        at=at,
    )
    _lock(conn)
    return append(conn, fields, last_hash(conn))


def entry(
    action: AuditAction,
    outcome: str,
    *,
    obj: str | None = None,
    principal: Principal | None = None,
    os_user: str | None = None,
    client: str | None = None,
    count: int = 1,
    at: dt.datetime | None = None,
) -> dict[str, Any]:
    """The ``FIELDS`` of a row (``record``'s arguments checked)."""
    if action not in AUDIT_ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if count < 1:
        raise ValueError(f"an audit row counts at least 1 event, not {count}")
    return {
        "at": _utc(at) if at is not None else now_utc(),
        "user_id": principal.user_id if principal else None,
        "user_email": principal.email if principal else None,
        "os_user": os_user,
        "role": principal.role if principal else None,
        "action": action,
        "object": obj,
        "outcome": outcome,
        "client": client,
        "count": count,
    }


def append(conn: Connection, fields: Mapping[str, Any], prev: str) -> str:
    """Insert a row of ``FIELDS`` chained to ``prev`` (the caller holds the lock); its hash.
    ``record`` chains to the newest row; the retention job to the hash it cut at."""
    digest = row_hash(prev, fields)
    conn.execute(insert(schema.audit_log).values(**fields, prev_hash=prev, hash=digest))
    return digest


def _lock(conn: Connection) -> None:
    """Hold the audit log's write lock until the caller's transaction ends (module docstring)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": PG_AUDIT_LOCK})
    elif conn.dialect.name == "sqlite":
        # matches no row, so the triggers never fire; it starts the write transaction
        conn.execute(text("UPDATE audit_log SET count = count WHERE 0"))


def last_hash(conn: Connection) -> str:
    """The hash of the newest row (``GENESIS`` for an empty log)."""
    a = schema.audit_log
    newest = conn.execute(select(a.c.hash).order_by(a.c.audit_id.desc()).limit(1)).scalar()
    return GENESIS if newest is None else str(newest)


def record_apart(engine: Engine, action: AuditAction, outcome: str, **details: Any) -> str:
    """``record`` in a transaction of its own (a refusal, a sign-in: nothing else to commit with
    it); returns the row's hash. ``details`` are ``record``'s keyword arguments."""
    with engine.begin() as conn:
        return record(conn, action, outcome, **details)


# --- verifying the chain -----------------------------------------------------------------------


@dataclass(frozen=True)
class Verified:
    """What ``verify`` found: how many rows it checked, the first bad row (None: none) and why,
    and the newest row's hash (keep it outside the database to detect a rewrite of the whole
    chain)."""

    rows: int
    bad_row: int | None
    reason: str
    last_hash: str

    @property
    def ok(self) -> bool:
        return self.bad_row is None


def cut_hashes(conn: Connection) -> set[str]:
    """The hashes the retention job cut at (from its ``audit-pruned`` rows)."""
    a = schema.audit_log
    objects = conn.execute(select(a.c.object).where(a.c.action == "audit-pruned")).scalars()
    return {m.group(1) for o in objects if o and (m := _CUT.search(o))}


def verify(conn: Connection) -> Verified:
    """Walk the chain in order; name the first row whose hash or link does not hold.

    The first row must chain to ``GENESIS`` or to a hash the retention job recorded cutting at.
    """
    a = schema.audit_log
    anchors = {GENESIS} | cut_hashes(conn)
    previous: str | None = None
    previous_id: int | None = None
    count = 0
    # streamed, a thousand rows at a time: seven years of a busy service's rows need not fit
    rows = conn.execute(select(a).order_by(a.c.audit_id).execution_options(yield_per=1000))
    for row in rows.mappings():
        count += 1
        audit_id = int(row["audit_id"])
        if previous is None:
            if row["prev_hash"] not in anchors:
                return Verified(
                    count,
                    audit_id,
                    f"row {audit_id} is the first row but chains to neither the start of the log "
                    "nor a hash the retention job cut at: rows before it were removed",
                    row["hash"],
                )
        elif row["prev_hash"] != previous:
            return Verified(
                count,
                audit_id,
                f"row {audit_id} does not chain to row {previous_id}: a row between them was "
                f"removed, or row {previous_id} was changed",
                row["hash"],
            )
        if row_hash(row["prev_hash"], dict(row)) != row["hash"]:
            return Verified(
                count,
                audit_id,
                f"row {audit_id} does not match its hash: it was changed",
                row["hash"],
            )
        previous, previous_id = str(row["hash"]), audit_id
    return Verified(
        count, None, "every row matches its hash and chains to the one before", previous or GENESIS
    )


# --- reading and exporting -----------------------------------------------------------------------


def query(
    conn: Connection,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    user: str | None = None,
    action: AuditAction | Sequence[AuditAction] | None = None,
    outcome: str | None = None,
    limit: int | None = None,
    offset: int = 0,
    newest_first: bool = False,
) -> list[dict[str, Any]]:
    """Rows in order (``newest_first``: the other way), filtered: ``since`` <= time < ``until``
    (UTC), ``user`` an e-mail or an operating-system user (exact), ``action`` one or several,
    ``outcome`` exact; ``offset`` rows skipped, at most ``limit`` returned."""
    a = schema.audit_log
    stmt = select(a).order_by(a.c.audit_id.desc() if newest_first else a.c.audit_id)
    if since is not None:
        stmt = stmt.where(a.c.at >= _utc(since))
    if until is not None:
        stmt = stmt.where(a.c.at < _utc(until))
    if user is not None:
        stmt = stmt.where((a.c.user_email == user) | (a.c.os_user == user))
    if action is not None:
        actions = [action] if isinstance(action, str) else list(action)
        stmt = stmt.where(a.c.action.in_(actions))
    if outcome is not None:
        stmt = stmt.where(a.c.outcome == outcome)
    if offset:
        stmt = stmt.offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [dict(r) for r in conn.execute(stmt).mappings()]


def to_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    """The rows as CSV text (``CSV_COLUMNS``), every text cell through the formula guard (an
    e-mail, an object or a client string beginning ``=`` cannot become a formula)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(csv_row(CSV_COLUMNS))
    for row in rows:
        values = []
        for name in CSV_COLUMNS:
            value = row.get(name)
            if isinstance(value, dt.datetime):
                value = value.isoformat(timespec="seconds") + "Z"
            values.append("" if value is None else value)
        writer.writerow(csv_row(values))
    return out.getvalue()
