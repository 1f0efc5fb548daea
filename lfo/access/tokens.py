"""Personal API tokens (docs/spec/service.md § 1): read-only, valid only under ``/api/``, sent as
``Authorization: Bearer lfo_…``.

A token is ``lfo_`` and 43 random URL-safe characters (256 bits), shown once when made; the
database keeps its SHA-256 and its first 12 characters (the prefix, to tell tokens apart in a
list). Every token has an expiry: 90 days unless asked otherwise, at most a year. A token acts
for its owner's current role and areas, read on every request, and stops when revoked, expired
or its owner is disabled.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import insert, select, update
from sqlalchemy.engine import Connection

from lfo import schema
from lfo.access.events import Event
from lfo.access.roles import Principal
from lfo.access.secrets import naive_utc, new_token, token_hash
from lfo.access.sessions import principal

PREFIX = "lfo_"
PREFIX_SHOWN = 12
DEFAULT_DAYS = 90
MAX_DAYS = 366  # a year, leap years included
NAME_MAX = 100
LAST_USED_EVERY = dt.timedelta(minutes=1)  # last_used_at is written at most this often

t = schema.api_tokens


class TokenError(ValueError):
    """A token that cannot be made as asked; the message is one sentence."""


@dataclass(frozen=True)
class TokenInfo:
    """A token as its owner's list shows it (never the token itself)."""

    token_id: int
    prefix: str
    name: str
    created_at: dt.datetime
    expires_at: dt.datetime
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None

    def active(self, now: dt.datetime | None = None) -> bool:
        return self.revoked_at is None and naive_utc(now) < self.expires_at


@dataclass(frozen=True)
class Created:
    token: str  # show once
    info: TokenInfo
    event: Event


def create_token(
    conn: Connection,
    user_id: int,
    name: str,
    *,
    days: int = DEFAULT_DAYS,
    now: dt.datetime | None = None,
) -> Created:
    """A new token for ``user_id`` valid ``days`` days (1 to 366)."""
    label = " ".join(name.split())
    if not label:
        raise TokenError("Give the token a name, to tell it apart later.")
    if len(label) > NAME_MAX:
        raise TokenError(f"A token's name has at most {NAME_MAX} characters.")
    if not 1 <= days <= MAX_DAYS:
        raise TokenError(f"A token lasts from 1 to {MAX_DAYS} days, not {days}.")
    moment = naive_utc(now)
    token = PREFIX + new_token(32)
    token_id = conn.execute(
        insert(t)
        .values(
            user_id=user_id,
            token_hash=token_hash(token),
            prefix=token[:PREFIX_SHOWN],
            name=label,
            created_at=moment,
            expires_at=moment + dt.timedelta(days=days),
        )
        .returning(t.c.token_id)
    ).scalar_one()
    info = _infos(conn, t.c.token_id == token_id)[0]
    event = Event(
        "token created",
        info.prefix,
        actor_id=user_id,
        user_id=user_id,
        detail=f"{label!r}, expires {info.expires_at:%Y-%m-%d}",
    )
    return Created(token, info, event)


def token_principal(
    conn: Connection, token: str, *, now: dt.datetime | None = None
) -> Principal | None:
    """Who ``token`` acts for (``via_token``), or None: unknown, revoked, expired, owner disabled."""
    if not token.startswith(PREFIX):
        return None
    moment = naive_utc(now)
    row = conn.execute(select(t).where(t.c.token_hash == token_hash(token))).first()
    if row is None or row.revoked_at is not None or moment >= row.expires_at:
        return None
    who = principal(conn, row.user_id, via_token=True)
    if who is not None and (
        row.last_used_at is None or moment - row.last_used_at >= LAST_USED_EVERY
    ):
        conn.execute(update(t).where(t.c.token_id == row.token_id).values(last_used_at=moment))
    return who


def revoke_token(
    conn: Connection,
    user_id: int,
    token_id: int,
    *,
    by: int | None = None,
    now: dt.datetime | None = None,
) -> Event | None:
    """Revoke ``user_id``'s token ``token_id`` (None when they have no such token)."""
    found = _infos(conn, t.c.token_id == token_id, t.c.user_id == user_id)
    if not found:
        return None
    info = found[0]
    if info.revoked_at is None:
        conn.execute(update(t).where(t.c.token_id == token_id).values(revoked_at=naive_utc(now)))
    actor = user_id if by is None else by
    return Event("token revoked", info.prefix, actor_id=actor, user_id=user_id, detail=info.name)


def list_tokens(conn: Connection, user_id: int) -> list[TokenInfo]:
    """``user_id``'s tokens, newest first."""
    return _infos(conn, t.c.user_id == user_id)


def _infos(conn: Connection, *where: object) -> list[TokenInfo]:
    rows = conn.execute(
        select(t).where(*where).order_by(t.c.created_at.desc(), t.c.token_id.desc())  # type: ignore[arg-type]
    )
    return [
        TokenInfo(
            token_id=r.token_id,
            prefix=r.prefix,
            name=r.name,
            created_at=r.created_at,
            expires_at=r.expires_at,
            revoked_at=r.revoked_at,
            last_used_at=r.last_used_at,
        )
        for r in rows
    ]
