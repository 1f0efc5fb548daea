"""Server-side sessions (docs/spec/service.md § 2): the cookie holds only a random id; the
database keeps its SHA-256, the user, when it began and when it was last used.

A session ends after 30 minutes without activity or 12 hours after it began, at sign-out, when
its user signs out everywhere, and when the user's role changes or the user is disabled. The
person a request acts for is read from the database on every request (``principal``), so a
changed role, areas or a disabled account take effect on the next request.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, insert, select, update
from sqlalchemy.engine import Connection

from lfo import schema
from lfo.access.events import Event
from lfo.access.roles import Principal, parse_role
from lfo.access.secrets import naive_utc, new_token, token_hash

IDLE = dt.timedelta(minutes=30)
ABSOLUTE = dt.timedelta(hours=12)
TOUCH_EVERY = dt.timedelta(minutes=1)  # last_seen_at is written at most this often

s = schema.sessions


def principal(conn: Connection, user_id: int, *, via_token: bool = False) -> Principal | None:
    """The person ``user_id`` as they are now (role and areas), or None when disabled or gone."""
    u = schema.users
    row = conn.execute(
        select(u.c.email, u.c.role, u.c.disabled_at).where(u.c.user_id == user_id)
    ).first()
    if row is None or row.disabled_at is not None:
        return None
    areas = conn.execute(
        select(schema.user_areas.c.area_code).where(schema.user_areas.c.user_id == user_id)
    ).scalars()
    return Principal(
        role=parse_role(row.role),
        areas=frozenset(areas),
        user_id=user_id,
        email=row.email,
        via_token=via_token,
    )


def create_session(conn: Connection, user_id: int, *, now: dt.datetime | None = None) -> str:
    """A new session for ``user_id``: the id for the cookie (only its hash is stored)."""
    moment = naive_utc(now)
    session_id = new_token(32)
    conn.execute(
        insert(s).values(
            session_hash=token_hash(session_id),
            user_id=user_id,
            created_at=moment,
            last_seen_at=moment,
        )
    )
    return session_id


def session_principal(
    conn: Connection, session_id: str, *, now: dt.datetime | None = None, activity: bool = True
) -> Principal | None:
    """Who the session ``session_id`` is, or None when it is unknown, idle for more than 30
    minutes, older than 12 hours, or its user is disabled (an expired session is deleted).

    ``activity``: the request is the person's own doing, so it restarts the idle clock; pass
    False for background polling (interval refreshes), which must not keep a session alive. The
    clock is written at most once a minute, so most requests only read (on SQLite a write waits
    for a load in progress to commit)."""
    moment = naive_utc(now)
    key = token_hash(session_id)
    row = conn.execute(select(s).where(s.c.session_hash == key)).first()
    if row is None:
        return None
    if moment - row.last_seen_at > IDLE or moment - row.created_at > ABSOLUTE:
        conn.execute(delete(s).where(s.c.session_hash == key))
        return None
    who = principal(conn, row.user_id)
    if who is None:
        conn.execute(delete(s).where(s.c.session_hash == key))
        return None
    if activity and moment - row.last_seen_at >= TOUCH_EVERY:
        conn.execute(update(s).where(s.c.session_hash == key).values(last_seen_at=moment))
    return who


def end_session(conn: Connection, session_id: str) -> Event | None:
    """Sign out: the session is deleted (None when there was none)."""
    key = token_hash(session_id)
    user_id = conn.execute(select(s.c.user_id).where(s.c.session_hash == key)).scalar()
    if user_id is None:
        return None
    conn.execute(delete(s).where(s.c.session_hash == key))
    return Event("sign-out", _email(conn, user_id), actor_id=user_id, user_id=user_id)


def end_all_sessions(conn: Connection, user_id: int) -> int:
    """Every session of ``user_id`` ended (sign out everywhere; also on a role change or
    disable); how many there were."""
    return conn.execute(delete(s).where(s.c.user_id == user_id)).rowcount or 0


def sign_out_everywhere(conn: Connection, user_id: int) -> Event:
    """The person ends every session of theirs."""
    n = end_all_sessions(conn, user_id)
    return Event(
        "sign-out",
        _email(conn, user_id),
        actor_id=user_id,
        user_id=user_id,
        detail=f"everywhere ({n} session(s))",
    )


def _email(conn: Connection, user_id: int) -> str:
    email = conn.execute(
        select(schema.users.c.email).where(schema.users.c.user_id == user_id)
    ).scalar()
    return str(email)
