"""Invitations and second-factor resets: single-use links valid 72 hours.

A programme lead (or the command line) invites a person; the link
``LFO_BASE_URL/account/invitation/<token>`` is shown and printed (no mail server is assumed); the
database keeps only the token's SHA-256. Opening the link offers a TOTP secret (kept encrypted
with the invitation, so reloading the page shows the same one); accepting it sets the password
(an invitation; a reset keeps the password unless a new one is given), enrols the TOTP secret
once a code from it is given, and makes ten recovery codes, shown once. A used or expired link,
or one superseded by a newer one for the same person, is refused with a clear message.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from lfo import schema
from lfo.access import totp
from lfo.access.events import Event
from lfo.access.passwords import hash_password, password_problem
from lfo.access.secrets import SecretsKey, naive_utc, new_token, token_hash
from lfo.access.sessions import end_all_sessions

Purpose = Literal["invite", "reset-2fa"]
VALID_FOR = dt.timedelta(hours=72)
DEFAULT_BASE_URL = "http://127.0.0.1:8050"
PATH = "/account/invitation/"

INVALID = (
    "This link is not valid: check you copied all of it, or ask a programme lead for a new one."
)
USED = "This link has already been used: sign in, or ask a programme lead for a new link."
EXPIRED = "This link has expired (links last 72 hours): ask a programme lead for a new one."
DISABLED = "This account is disabled: ask a programme lead."

inv = schema.invitations


@dataclass(frozen=True)
class Link:
    url: str
    expires_at: dt.datetime  # naive UTC


def issue(
    conn: Connection,
    user_id: int,
    purpose: Purpose,
    *,
    by: int | None = None,
    base_url: str = "",
    now: dt.datetime | None = None,
) -> Link:
    """A new single-use link for ``user_id`` (any earlier unused link of theirs stops working)."""
    moment = naive_utc(now)
    conn.execute(delete(inv).where(inv.c.user_id == user_id, inv.c.used_at.is_(None)))
    token = new_token(32)
    expires = moment + VALID_FOR
    conn.execute(
        insert(inv).values(
            user_id=user_id,
            token_hash=token_hash(token),
            purpose=purpose,
            created_by=by,
            created_at=moment,
            expires_at=expires,
        )
    )
    return Link((base_url or DEFAULT_BASE_URL).rstrip("/") + PATH + token, expires)


@dataclass(frozen=True)
class Opened:
    """An open invitation, for the page that accepts it; ``problem`` set when it cannot be used."""

    problem: str | None = None
    email: str = ""
    purpose: Purpose = "invite"
    secret: str = ""  # the TOTP secret offered (for typing into an app)
    uri: str = ""  # its otpauth:// URI (for the QR code)
    needs_password: bool = True


def _find(conn: Connection, token: str, moment: dt.datetime) -> tuple[str | None, Any]:
    row = conn.execute(
        select(inv, schema.users.c.email, schema.users.c.disabled_at, schema.users.c.password_hash)
        .join(schema.users, schema.users.c.user_id == inv.c.user_id)
        .where(inv.c.token_hash == token_hash(token))
    ).first()
    if row is None:
        return INVALID, None
    if row.used_at is not None:
        return USED, row
    if moment >= row.expires_at:
        return EXPIRED, row
    if row.disabled_at is not None:
        return DISABLED, row
    return None, row


def open_invitation(
    conn: Connection, key: SecretsKey, token: str, *, now: dt.datetime | None = None
) -> Opened:
    """What the page of the link ``token`` shows: the TOTP secret to enrol (made on first
    opening), or why the link cannot be used."""
    problem, row = _find(conn, token, naive_utc(now))
    if problem is not None or row is None:
        return Opened(problem=problem)
    stored = row.totp_secret
    if stored is None:
        secret = totp.new_secret()
        conn.execute(
            update(inv)
            .where(inv.c.invitation_id == row.invitation_id)
            .values(totp_secret=key.encrypt(secret))
        )
    else:
        secret = key.decrypt(stored)
    email = str(row.email)
    purpose: Purpose = "reset-2fa" if row.purpose == "reset-2fa" else "invite"
    return Opened(
        email=email,
        purpose=purpose,
        secret=secret,
        uri=totp.provisioning_uri(secret, email),
        needs_password=purpose == "invite" or row.password_hash is None,
    )


@dataclass(frozen=True)
class Accepted:
    """The outcome of accepting a link: ``problem`` (one sentence for the form) or the recovery
    codes to show once; ``event`` for the audit log."""

    event: Event
    problem: str | None = None
    user_id: int | None = None
    recovery_codes: list[str] = field(default_factory=list)


def accept_invitation(
    conn: Connection,
    key: SecretsKey,
    token: str,
    *,
    password: str | None,
    code: str,
    now: dt.datetime | None = None,
) -> Accepted:
    """Accept the link ``token``: set ``password`` (required for an invitation; for a reset
    None keeps the old one), enrol the TOTP secret shown by ``open_invitation`` once ``code``
    from it is right, make new recovery codes, end the person's other sessions, and use up the
    link. Nothing changes when anything is wrong."""
    moment = naive_utc(now)
    problem, row = _find(conn, token, moment)
    if problem is not None or row is None:
        email = str(row.email) if row is not None else ""
        return Accepted(
            Event("invitation accepted", email, "refused", detail=problem or ""), problem
        )
    user_id = int(row.user_id)
    email = str(row.email)

    def refused(why: str) -> Accepted:
        return Accepted(
            Event("invitation accepted", email, "refused", user_id=user_id, detail=why), why
        )

    stored_secret = row.totp_secret
    if stored_secret is None:
        return refused("Open the link again to see the code to add to your authenticator app.")
    new_hash: str | None = None
    if password is not None and password != "":
        why = password_problem(password, email)
        if why is not None:
            return refused(why)
        new_hash = hash_password(password)
    elif row.purpose == "invite" or row.password_hash is None:
        return refused("Choose a password.")
    secret = key.decrypt(stored_secret)
    step = totp.accepted_step(secret, code, None, moment)
    if step is None:
        return refused(
            "That code is not right: enter the 6-digit code your authenticator app shows now."
        )
    u = schema.users
    values: dict[str, object] = {"totp_secret": key.encrypt(secret), "totp_last_step": step}
    if new_hash is not None:
        values["password_hash"] = new_hash
    conn.execute(update(u).where(u.c.user_id == user_id).values(**values))
    codes = store_recovery_codes(conn, user_id)
    conn.execute(
        update(inv)
        .where(inv.c.invitation_id == row.invitation_id)
        .values(used_at=moment, totp_secret=None)
    )
    end_all_sessions(conn, user_id)
    detail = str(row.purpose)
    return Accepted(
        Event("invitation accepted", email, user_id=user_id, actor_id=user_id, detail=detail),
        user_id=user_id,
        recovery_codes=codes,
    )


def store_recovery_codes(conn: Connection, user_id: int) -> list[str]:
    """New recovery codes for ``user_id`` (the old ones stop working): the codes, to show once."""
    rc = schema.recovery_codes
    conn.execute(delete(rc).where(rc.c.user_id == user_id))
    codes = totp.new_recovery_codes()
    conn.execute(
        insert(rc),
        [{"user_id": user_id, "code_hash": totp.recovery_code_hash(c)} for c in codes],
    )
    return codes
