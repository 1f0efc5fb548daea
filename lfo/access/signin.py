"""Signing in with a local account: password, then second factor, then a new session
(docs/spec/service.md § 2).

``check_password`` is the first step, ``check_second_factor`` the second (a TOTP code, or one
of the recovery codes); it starts the session. Both are throttled (``lfo.access.throttle``):
while a wait is due they refuse at once with the wait, for an address with or without an
account alike. A wrong password, an address with no account, an account not yet enrolled and a
disabled account all get the same message after the same work (an Argon2id verification, against
a dummy hash when there is no password to check), so nothing tells whether an address has an
account. Each returns a ``SignIn`` with the ``Event`` to audit.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from lfo import schema
from lfo.access import throttle, totp
from lfo.access.events import Event
from lfo.access.passwords import verify_password
from lfo.access.secrets import SecretsKey, naive_utc
from lfo.access.sessions import create_session

NOT_RIGHT = "The e-mail address or password is not right."
CODE_NOT_RIGHT = "That code is not right: enter the code your authenticator app shows now."


def wait_message(seconds: int) -> str:
    return f"Too many attempts: try again in {seconds} second{'s' if seconds != 1 else ''}."


@dataclass(frozen=True)
class SignIn:
    """One step's outcome. ``ok``: go on (``user_id`` set; after the second factor also
    ``session_id``, for the cookie). Otherwise ``message`` for the form, and ``wait_seconds``
    (> 0 when throttled). ``event``: for the audit log."""

    ok: bool
    event: Event
    message: str | None = None
    wait_seconds: int = 0
    user_id: int | None = None
    session_id: str | None = None


u = schema.users


def check_password(
    conn: Connection,
    key: SecretsKey,
    email: str,
    password: str,
    *,
    client: str | None = None,
    now: dt.datetime | None = None,
) -> SignIn:
    """The first step: is ``password`` right for ``email`` (an enrolled, enabled account)?"""
    moment = naive_utc(now)
    address = email.strip().lower()
    wait = throttle.wait_seconds(conn, key, address, client, moment)
    if wait:
        return SignIn(
            False,
            Event("lock-out", address, "refused", detail=f"wait {wait} s"),
            wait_message(wait),
            wait,
        )
    row = conn.execute(
        select(u.c.user_id, u.c.password_hash, u.c.totp_secret, u.c.disabled_at).where(
            u.c.email == address
        )
    ).first()
    stored = row.password_hash if row is not None else None
    matches, rehashed = verify_password(stored, password)
    usable = row is not None and row.disabled_at is None and row.totp_secret is not None
    if not (matches and usable) or row is None:
        n = throttle.record_failure(conn, key, address, client, moment)
        why = "disabled" if row is not None and row.disabled_at is not None and matches else ""
        event = Event(
            "failed sign-in",
            address,
            "refused",
            user_id=row.user_id if row is not None else None,
            detail=f"password; failure {n}" + (f"; {why}" if why else ""),
        )
        return SignIn(
            False, event, NOT_RIGHT, throttle.wait_seconds(conn, key, address, client, moment)
        )
    if rehashed is not None:
        conn.execute(update(u).where(u.c.user_id == row.user_id).values(password_hash=rehashed))
    event = Event("sign-in", address, user_id=row.user_id, detail="password accepted")
    return SignIn(True, event, user_id=row.user_id)


def check_second_factor(
    conn: Connection,
    key: SecretsKey,
    user_id: int,
    code: str,
    *,
    client: str | None = None,
    now: dt.datetime | None = None,
) -> SignIn:
    """The second step, for the user whose password was right: a TOTP code (of this time step
    or one either side, never one used before) or an unused recovery code. Right: the failures
    of the address are forgotten, and a new session begins (``session_id``)."""
    moment = naive_utc(now)
    row = conn.execute(
        select(u.c.email, u.c.totp_secret, u.c.totp_last_step, u.c.disabled_at).where(
            u.c.user_id == user_id
        )
    ).first()
    if row is None or row.disabled_at is not None or row.totp_secret is None:
        return SignIn(False, Event("failed sign-in", "", "refused", user_id=user_id), NOT_RIGHT)
    address = row.email
    wait = throttle.wait_seconds(conn, key, address, client, moment)
    if wait:
        event = Event("lock-out", address, "refused", user_id=user_id, detail=f"wait {wait} s")
        return SignIn(False, event, wait_message(wait), wait)
    how = ""
    step = totp.accepted_step(key.decrypt(row.totp_secret), code, row.totp_last_step, moment)
    if step is not None:
        conn.execute(update(u).where(u.c.user_id == user_id).values(totp_last_step=step))
        how = "TOTP"
    elif _use_recovery_code(conn, user_id, code, moment):
        how = "recovery code"
    if not how:
        n = throttle.record_failure(conn, key, address, client, moment)
        event = Event(
            "failed sign-in", address, "refused", user_id=user_id, detail=f"code; failure {n}"
        )
        wait = throttle.wait_seconds(conn, key, address, client, moment)
        return SignIn(False, event, CODE_NOT_RIGHT, wait, user_id=user_id)
    throttle.clear(conn, key, address)
    conn.execute(update(u).where(u.c.user_id == user_id).values(last_sign_in_at=moment))
    session_id = create_session(conn, user_id, now=moment)
    event = Event("sign-in", address, actor_id=user_id, user_id=user_id, detail=how)
    return SignIn(True, event, user_id=user_id, session_id=session_id)


def _use_recovery_code(conn: Connection, user_id: int, code: str, moment: dt.datetime) -> bool:
    rc = schema.recovery_codes
    if sum(c.isalnum() for c in code) != 16:
        return False
    found = conn.execute(
        select(rc.c.code_id).where(
            rc.c.user_id == user_id,
            rc.c.code_hash == totp.recovery_code_hash(code),
            rc.c.used_at.is_(None),
        )
    ).scalar()
    if found is None:
        return False
    conn.execute(update(rc).where(rc.c.code_id == found).values(used_at=moment))
    return True


def recovery_codes_left(conn: Connection, user_id: int) -> int:
    rc = schema.recovery_codes
    rows = conn.execute(select(rc.c.code_id).where(rc.c.user_id == user_id, rc.c.used_at.is_(None)))
    return len(rows.all())
