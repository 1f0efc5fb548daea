"""Single sign-on by OpenID Connect (issue 12 § 3): who the identity provider's ID token names,
among the people invited here.

The provider only says *who* someone is; role and areas always come from their invitation here.

- **First sign-in**: the person is matched by e-mail address, only when the provider says it is
  verified (``email_verified`` true), and only to an account not yet bound to the provider; the
  account is then bound to the token's ``iss`` + ``sub`` (``users.oidc_iss``/``oidc_sub``).
- **Later sign-ins** match ``iss`` + ``sub`` only: an address the provider later gives to someone
  else (a new ``sub``) finds the account already bound, and is refused.
- **Second factor**: when the token's ``amr`` names one (``STRONG_AMR``) the sign-in is complete;
  otherwise the person gives a code of our own TOTP (``lfo.access.signin.check_second_factor``),
  enrolling one first when they have none (``enrol_totp``).
- A disabled account is refused. Every outcome is an ``Event`` for the audit log.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.engine import Connection

from lfo import schema
from lfo.access import throttle, totp
from lfo.access.events import Event
from lfo.access.invitations import store_recovery_codes
from lfo.access.secrets import SecretsKey, naive_utc
from lfo.access.sessions import create_session
from lfo.access.signin import CODE_NOT_RIGHT, wait_message

#: ``amr`` values (RFC 8176) that show the provider checked a second factor.
STRONG_AMR = frozenset({"mfa", "otp", "hwk", "swk", "sc", "fpt", "face", "iris", "retina", "vbm"})

NOT_INVITED = (
    "There is no account here for the address your organisation gave us: ask a programme lead "
    "to invite you, then sign in again."
)
NOT_VERIFIED = (
    "Your organisation has not confirmed your e-mail address, so it cannot be matched to an "
    "account here: ask your organisation's IT team, or a programme lead."
)
BOUND_ELSEWHERE = (
    "The account for this address is already linked to another sign-in at your organisation: "
    "ask a programme lead."
)
DISABLED = "This account is disabled: ask a programme lead."
FAILED = "Single sign-on did not complete: try again."

u = schema.users


@dataclass(frozen=True)
class Matched:
    """Who the ID token names here: ``user_id`` (None: refused, ``message`` says why), whether
    our own TOTP is still needed (``needs_code``) and whether they must enrol one first
    (``needs_enrolment``); ``event`` for the audit log."""

    event: Event
    user_id: int | None = None
    message: str | None = None
    needs_code: bool = False
    needs_enrolment: bool = False


def strong_amr(amr: object) -> bool:
    """Whether the ``amr`` claim (a list of strings) names a second factor."""
    if not isinstance(amr, list | tuple):
        return False
    return any(isinstance(a, str) and a.lower() in STRONG_AMR for a in amr)


def match(conn: Connection, claims: Mapping[str, object]) -> Matched:
    """The account the verified ID token ``claims`` name (module docstring), bound at the first
    sign-in."""
    iss = str(claims.get("iss") or "")
    sub = str(claims.get("sub") or "")
    email = str(claims.get("email") or "").strip().lower()
    target = email or f"sub {sub}"
    if not iss or not sub:
        return _refused(target, None, "no iss or sub", FAILED)
    columns = (u.c.user_id, u.c.email, u.c.disabled_at, u.c.totp_secret, u.c.oidc_sub)
    row = conn.execute(select(*columns).where(u.c.oidc_iss == iss, u.c.oidc_sub == sub)).first()
    how = "SSO"
    if row is None:
        if not email:
            return _refused(target, None, "SSO: no e-mail address", NOT_INVITED)
        if claims.get("email_verified") is not True:
            return _refused(target, None, "SSO: e-mail address not verified", NOT_VERIFIED)
        row = conn.execute(select(*columns).where(u.c.email == email)).first()
        if row is None:
            return _refused(target, None, "SSO: not invited", NOT_INVITED)
        if row.oidc_sub is not None:
            return _refused(
                target, row.user_id, "SSO: address already bound to another sub", BOUND_ELSEWHERE
            )
        if row.disabled_at is not None:
            return _refused(target, row.user_id, "SSO: disabled", DISABLED)
        conn.execute(update(u).where(u.c.user_id == row.user_id).values(oidc_iss=iss, oidc_sub=sub))
        how = "SSO, bound at first sign-in"
    elif row.disabled_at is not None:
        return _refused(row.email, row.user_id, "SSO: disabled", DISABLED)
    strong = strong_amr(claims.get("amr"))
    detail = f"{how}; " + ("provider's second factor" if strong else "our TOTP next")
    return Matched(
        Event("sign-in", row.email, user_id=row.user_id, detail=detail),
        user_id=row.user_id,
        needs_code=not strong,
        needs_enrolment=not strong and row.totp_secret is None,
    )


def _refused(target: str, user_id: int | None, detail: str, message: str) -> Matched:
    return Matched(
        Event("failed sign-in", target, "refused", user_id=user_id, detail=detail), message=message
    )


def start_session(
    conn: Connection, user_id: int, how: str, *, now: dt.datetime | None = None
) -> tuple[str | None, Event]:
    """A new session for ``user_id`` after SSO (None when the account is disabled meanwhile)."""
    moment = naive_utc(now)
    row = conn.execute(select(u.c.email, u.c.disabled_at).where(u.c.user_id == user_id)).first()
    if row is None or row.disabled_at is not None:
        email = row.email if row is not None else ""
        return None, Event("failed sign-in", email, "refused", user_id=user_id, detail="disabled")
    conn.execute(update(u).where(u.c.user_id == user_id).values(last_sign_in_at=moment))
    session_id = create_session(conn, user_id, now=moment)
    return session_id, Event("sign-in", row.email, actor_id=user_id, user_id=user_id, detail=how)


def enrol_totp(
    conn: Connection,
    key: SecretsKey,
    user_id: int,
    secret: str,
    code: str,
    *,
    client: str | None = None,
    now: dt.datetime | None = None,
) -> tuple[str | None, Event, list[str]]:
    """Enrol ``secret`` as the TOTP of an SSO user who has none, once ``code`` from it is right
    (the code's step is then used up), with new recovery codes (any old ones replaced), as an
    invitation does. Throttled as the password sign-in's code step is. Returns None when
    enrolled, else the message for the form; the event; the recovery codes to show once."""
    moment = naive_utc(now)
    row = conn.execute(
        select(u.c.email, u.c.totp_secret, u.c.disabled_at).where(u.c.user_id == user_id)
    ).first()
    if row is None or row.disabled_at is not None or row.totp_secret is not None:
        email = row.email if row is not None else ""
        return (
            FAILED,
            Event("failed sign-in", email, "refused", user_id=user_id, detail="enrol"),
            [],
        )
    wait = throttle.wait_seconds(conn, key, row.email, client, moment)
    if wait:
        event = Event("lock-out", row.email, "refused", user_id=user_id, detail=f"wait {wait} s")
        return wait_message(wait), event, []
    step = totp.accepted_step(secret, code, None, moment)
    if step is None:
        n = throttle.record_failure(conn, key, row.email, client, moment)
        event = Event(
            "failed sign-in", row.email, "refused", user_id=user_id, detail=f"enrol; failure {n}"
        )
        wait = throttle.wait_seconds(conn, key, row.email, client, moment)
        return (wait_message(wait) if wait else CODE_NOT_RIGHT), event, []
    conn.execute(
        update(u)
        .where(u.c.user_id == user_id)
        .values(totp_secret=key.encrypt(secret), totp_last_step=step)
    )
    throttle.clear(conn, key, row.email)
    codes = store_recovery_codes(conn, user_id)
    event = Event("invitation accepted", row.email, user_id=user_id, detail="SSO TOTP enrolled")
    return None, event, codes
