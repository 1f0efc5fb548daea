"""Helpers for the accounts tests: a new database with the reference areas, a secrets key, and
people invited and enrolled through the real invitation flow (codes made from their secrets)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.engine import Connection, Engine

from lfo.access import invitations, totp, users
from lfo.access.secrets import SecretsKey, load_key
from lfo.db import init_db, writer_engine

NOW = dt.datetime(2026, 12, 4, 9, 0, 0)  # naive UTC, on a 30-second TOTP step boundary
NEWCASTLE, GATESHEAD = "E08000021", "E08000037"
PASSWORD = "correct horse battery staple"


@pytest.fixture
def engine(tmp_path: Path) -> Iterator[Engine]:
    made = writer_engine(f"sqlite:///{tmp_path / 'lfo.db'}")
    init_db(made)
    yield made
    made.dispose()


@pytest.fixture
def conn(engine: Engine) -> Iterator[Connection]:
    with engine.begin() as connection:
        yield connection


@pytest.fixture
def key(tmp_path: Path) -> SecretsKey:
    return load_key(tmp_path / "secrets.key")


def token_of(link: invitations.Link) -> str:
    return link.url.rsplit("/", 1)[1]


@dataclass(frozen=True)
class Person:
    user_id: int
    email: str
    secret: str
    recovery_codes: list[str]


def enrolled(
    conn: Connection,
    key: SecretsKey,
    email: str = "ann@example.org",
    role: str = "la",
    areas: tuple[str, ...] = (NEWCASTLE,),
    *,
    password: str = PASSWORD,
    now: dt.datetime = NOW,
) -> Person:
    """Invite ``email`` and accept the invitation at ``now`` (its TOTP step then used up)."""
    invited = users.add_user(conn, email, role, areas, now=now)
    token = token_of(invited.link)
    opened = invitations.open_invitation(conn, key, token, now=now)
    code = totp.code_at(opened.secret, totp.time_step(now))
    accepted = invitations.accept_invitation(
        conn, key, token, password=password, code=code, now=now
    )
    assert accepted.problem is None, accepted.problem
    return Person(invited.user.user_id, email, opened.secret, accepted.recovery_codes)


def code(person: Person, moment: dt.datetime) -> str:
    return totp.code_at(person.secret, totp.time_step(moment))
