"""Users: invite, list, change role and areas, disable and enable, reset the second factor
(docs/spec/service.md §§ 1–2). Used by ``python -m dashboard users`` and the users page.

E-mail addresses are stored lower-case. An ``la`` user has one or more areas (GSS codes of the
``areas`` table); the other roles have none. Disabling a user, or changing their role or areas,
ends their sessions at once; their API tokens stop because every token check reads the owner's
current state. Each change returns an ``Event`` for the audit log; a request that cannot be met
raises ``AccountError`` with one sentence saying why.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from lfo import schema
from lfo.access import invitations
from lfo.access.events import Action, Event
from lfo.access.roles import Role, parse_role
from lfo.access.secrets import naive_utc
from lfo.access.sessions import end_all_sessions

u = schema.users
ua = schema.user_areas


class AccountError(ValueError):
    """A user change that cannot be made; the message is one sentence for the person asking."""


@dataclass(frozen=True)
class User:
    user_id: int
    email: str
    role: Role
    areas: tuple[str, ...]
    created_at: dt.datetime
    disabled_at: dt.datetime | None
    last_sign_in_at: dt.datetime | None
    enrolled: bool  # has a password and a second factor (an accepted invitation)

    @property
    def disabled(self) -> bool:
        return self.disabled_at is not None


@dataclass(frozen=True)
class Invited:
    """A user invited (or sent a reset link): the link to pass on, and the audit event."""

    user: User
    link: invitations.Link
    event: Event


@dataclass(frozen=True)
class Changed:
    user: User
    event: Event
    sessions_ended: int = 0


def normalise_email(text: str) -> str:
    """``text`` as a stored address (trimmed, lower-case); AccountError unless it looks like one."""
    email = text.strip().lower()
    local, _, domain = email.partition("@")
    if not local or "." not in domain or " " in email or "@" in domain or len(email) > 254:
        raise AccountError(f"{text!r} is not an e-mail address")
    return email


def _users(conn: Connection, *where: object) -> list[User]:
    rows = conn.execute(select(u).where(*where).order_by(u.c.email)).all()  # type: ignore[arg-type]
    ids = [r.user_id for r in rows]
    areas: dict[int, list[str]] = {i: [] for i in ids}
    if ids:
        for user_id, code in conn.execute(
            select(ua.c.user_id, ua.c.area_code)
            .where(ua.c.user_id.in_(ids))
            .order_by(ua.c.area_code)
        ):
            areas[user_id].append(code)
    return [
        User(
            user_id=r.user_id,
            email=r.email,
            role=parse_role(r.role),
            areas=tuple(areas[r.user_id]),
            created_at=r.created_at,
            disabled_at=r.disabled_at,
            last_sign_in_at=r.last_sign_in_at,
            enrolled=r.password_hash is not None and r.totp_secret is not None,
        )
        for r in rows
    ]


def list_users(conn: Connection) -> list[User]:
    """Every user, by e-mail address."""
    return _users(conn)


def find_user(conn: Connection, email: str) -> User | None:
    found = _users(conn, u.c.email == email.strip().lower())
    return found[0] if found else None


def get_user(conn: Connection, user_id: int) -> User | None:
    found = _users(conn, u.c.user_id == user_id)
    return found[0] if found else None


def _existing(conn: Connection, email: str) -> User:
    user = find_user(conn, email)
    if user is None:
        raise AccountError(f"there is no user {email.strip().lower()!r}")
    return user


def checked_areas(conn: Connection, role: Role, areas: Iterable[str]) -> tuple[str, ...]:
    """``areas`` checked for ``role``: an ``la`` user needs one or more known GSS codes; the other
    roles take none."""
    codes = tuple(sorted({a.strip().upper() for a in areas}))
    if role != "la":
        if codes:
            raise AccountError(f"only la users have areas, not {role} users: leave out --area")
        return codes
    if not codes:
        raise AccountError("an la user needs one or more areas: add --area GSS")
    known = set(
        conn.execute(
            select(schema.areas.c.gss_code).where(schema.areas.c.gss_code.in_(codes))
        ).scalars()
    )
    unknown = [c for c in codes if c not in known]
    if unknown:
        raise AccountError(
            f"unknown area code(s) {', '.join(unknown)}: use the GSS code of a programme area"
        )
    return codes


def _set_areas(conn: Connection, user_id: int, codes: Sequence[str]) -> None:
    conn.execute(delete(ua).where(ua.c.user_id == user_id))
    if codes:
        conn.execute(insert(ua), [{"user_id": user_id, "area_code": c} for c in codes])


def add_user(
    conn: Connection,
    email: str,
    role: Role | str,
    areas: Iterable[str] = (),
    *,
    by: int | None = None,
    base_url: str = "",
    now: dt.datetime | None = None,
) -> Invited:
    """Invite a new user: the account (no password yet) and a single-use link valid 72 hours."""
    address = normalise_email(email)
    the_role = _role(role)
    codes = checked_areas(conn, the_role, areas)
    if find_user(conn, address) is not None:
        raise AccountError(f"there is already a user {address!r}")
    moment = naive_utc(now)
    user_id = conn.execute(
        insert(u).values(email=address, role=the_role, created_at=moment).returning(u.c.user_id)
    ).scalar_one()
    _set_areas(conn, user_id, codes)
    link = invitations.issue(conn, user_id, "invite", by=by, base_url=base_url, now=moment)
    user = get_user(conn, user_id)
    assert user is not None
    detail = f"role {the_role}" + (f", areas {' '.join(codes)}" if codes else "")
    return Invited(
        user, link, Event("invitation", address, actor_id=by, user_id=user_id, detail=detail)
    )


def set_disabled(
    conn: Connection,
    email: str,
    disabled: bool,
    *,
    by: int | None = None,
    now: dt.datetime | None = None,
) -> Changed:
    """Disable (every session ended; tokens refused from now on) or enable a user."""
    user = _existing(conn, email)
    action: Action = "disable" if disabled else "enable"
    if user.disabled == disabled:
        return Changed(
            user, Event(action, user.email, actor_id=by, user_id=user.user_id, detail="no change")
        )
    conn.execute(
        update(u)
        .where(u.c.user_id == user.user_id)
        .values(disabled_at=naive_utc(now) if disabled else None)
    )
    ended = end_all_sessions(conn, user.user_id) if disabled else 0
    changed = get_user(conn, user.user_id)
    assert changed is not None
    return Changed(changed, Event(action, user.email, actor_id=by, user_id=user.user_id), ended)


def set_role(
    conn: Connection,
    email: str,
    role: Role | str,
    areas: Iterable[str] = (),
    *,
    by: int | None = None,
) -> Changed:
    """Change a user's role and areas; their sessions end (they sign in again as the new role)."""
    user = _existing(conn, email)
    the_role = _role(role)
    codes = checked_areas(conn, the_role, areas)
    conn.execute(update(u).where(u.c.user_id == user.user_id).values(role=the_role))
    _set_areas(conn, user.user_id, codes)
    ended = end_all_sessions(conn, user.user_id)
    before = user.role + (f" {' '.join(user.areas)}" if user.areas else "")
    after = the_role + (f" {' '.join(codes)}" if codes else "")
    changed = get_user(conn, user.user_id)
    assert changed is not None
    event = Event(
        "role change", user.email, actor_id=by, user_id=user.user_id, detail=f"{before} -> {after}"
    )
    return Changed(changed, event, ended)


def reset_2fa(
    conn: Connection,
    email: str,
    *,
    by: int | None = None,
    base_url: str = "",
    now: dt.datetime | None = None,
) -> Invited:
    """Clear the user's second factor and recovery codes, end their sessions, and issue a new
    single-use link to enrol again (the password is kept)."""
    user = _existing(conn, email)
    if user.disabled:
        raise AccountError(f"{user.email} is disabled: enable the user first")
    conn.execute(
        update(u).where(u.c.user_id == user.user_id).values(totp_secret=None, totp_last_step=None)
    )
    rc = schema.recovery_codes
    conn.execute(delete(rc).where(rc.c.user_id == user.user_id))
    end_all_sessions(conn, user.user_id)
    link = invitations.issue(conn, user.user_id, "reset-2fa", by=by, base_url=base_url, now=now)
    changed = get_user(conn, user.user_id)
    assert changed is not None
    return Invited(changed, link, Event("2FA reset", user.email, actor_id=by, user_id=user.user_id))


def reset_sso(conn: Connection, email: str, *, by: int | None = None) -> Changed:
    """Clear the user's single sign-on binding (the provider's ``iss`` and ``sub``, set at their
    first SSO sign-in) and end their sessions: their next SSO sign-in is matched by verified
    e-mail address again and binds the account anew (for a person whose account at the
    provider was made again, or a provider that changed its issuer)."""
    user = _existing(conn, email)
    bound = conn.execute(
        select(u.c.oidc_iss, u.c.oidc_sub).where(u.c.user_id == user.user_id)
    ).first()
    if bound is None or bound.oidc_sub is None:
        event = Event(
            "SSO reset", user.email, actor_id=by, user_id=user.user_id, detail="no change"
        )
        return Changed(user, event)
    conn.execute(update(u).where(u.c.user_id == user.user_id).values(oidc_iss=None, oidc_sub=None))
    ended = end_all_sessions(conn, user.user_id)
    detail = f"was bound to {bound.oidc_iss}"
    event = Event("SSO reset", user.email, actor_id=by, user_id=user.user_id, detail=detail)
    return Changed(user, event, ended)


def disable_users_of_area(
    conn: Connection, gss_code: str, *, by: int | None = None, now: dt.datetime | None = None
) -> list[Changed]:
    """Disable the ``la`` users whose only area is ``gss_code`` (an area leaving the programme,
    ``etl areas --retire``); users with other areas keep those."""
    disabled = []
    for user in _users(conn, u.c.role == "la", u.c.disabled_at.is_(None)):
        if user.areas == (gss_code,):
            disabled.append(set_disabled(conn, user.email, True, by=by, now=now))
    return disabled


def _role(role: Role | str) -> Role:
    try:
        return parse_role(role)
    except ValueError as exc:
        raise AccountError(str(exc)) from None
