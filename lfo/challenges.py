"""Data challenges (issue 13; service.md § 6): the ``challenges`` table's one home. Pure database
functions over a connection the caller holds (its transaction), like ``lfo.submissions``.

A challenge keeps the figure as the server showed it when it was raised (indicator, area,
period, filter as canonical JSON, the value's text: a suppressed figure keeps its symbol, never
the hidden number): the caller computes that value; nothing here trusts a browser. It is
``open`` until a programme lead answers it once: ``accepted`` (a corrected return is expected),
``explained`` or ``rejected``, with an answer in words.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, case, select, update

from lfo.schema_submissions import CHALLENGE_STATES, challenges

OPEN = "open"
ANSWERS = tuple(s for s in CHALLENGE_STATES if s != OPEN)
#: What each state is called on the pages (one home for the words).
STATE_NAMES = {
    "open": "Open",
    "accepted": "Accepted: a corrected return is expected",
    "explained": "Explained",
    "rejected": "Rejected",
}
MAX_TEXT = 2000  # a comment or an answer, in characters


class ChallengeError(ValueError):
    """What is wrong with a comment or an answer, as a sentence for the form."""


@dataclass(frozen=True)
class Challenge:
    """One row of ``challenges``; ``filters`` read back from its JSON."""

    challenge_id: int
    indicator: str
    area_code: str
    period: str
    filters: dict[str, str]
    value: str
    comment: str
    state: str
    raised_by: int | None
    raised_at: dt.datetime
    answer: str | None
    answered_by: int | None
    answered_at: dt.datetime | None

    @property
    def is_open(self) -> bool:
        return self.state == OPEN


def canonical_filters(filters: Mapping[str, str]) -> str:
    """The filter as it is kept: JSON with sorted keys and no spaces (one text per filter)."""
    return json.dumps(dict(filters), sort_keys=True, separators=(",", ":"))


def checked_text(text: str, what: str) -> str:
    """``text`` stripped, if it is given and at most ``MAX_TEXT`` characters; else
    ``ChallengeError`` saying what to do."""
    text = text.strip()
    if not text:
        raise ChallengeError(f"Enter {what}.")
    if len(text) > MAX_TEXT:
        raise ChallengeError(
            f"{what[:1].upper()}{what[1:]} must be {MAX_TEXT:,} characters or fewer "
            f"(it has {len(text):,})."
        )
    return text


def raise_challenge(
    conn: Connection,
    *,
    indicator: str,
    area_code: str,
    period: str,
    filters: Mapping[str, str],
    value: str,
    comment: str,
    user_id: int | None,
    now: dt.datetime,
) -> int:
    """A new open challenge of the figure (its value as the server computed it); its id."""
    key = conn.execute(
        challenges.insert().values(
            indicator=indicator,
            area_code=area_code,
            period=period,
            filters=canonical_filters(filters),
            value=value,
            comment=checked_text(comment, "a comment saying what looks wrong"),
            state=OPEN,
            raised_by=user_id,
            raised_at=now,
        )
    ).inserted_primary_key
    assert key is not None
    return int(key[0])


def answer(
    conn: Connection,
    challenge_id: int,
    *,
    state: str,
    text: str,
    user_id: int | None,
    now: dt.datetime,
) -> bool:
    """Answer an open challenge (``state`` one of ``ANSWERS``, ``text`` required); False if it
    was not open (answered already: one answer a challenge)."""
    if state not in ANSWERS:
        raise ChallengeError("Choose accepted, explained or rejected.")
    words = checked_text(text, "an answer")
    done = conn.execute(
        update(challenges)
        .where(challenges.c.challenge_id == challenge_id, challenges.c.state == OPEN)
        .values(state=state, answer=words, answered_by=user_id, answered_at=now)
    )
    return done.rowcount == 1


def _row(row: Any) -> Challenge:
    values = dict(row._mapping)
    values["filters"] = json.loads(values["filters"]) if values["filters"] else {}
    return Challenge(**values)


def get(conn: Connection, challenge_id: int) -> Challenge | None:
    row = conn.execute(select(challenges).where(challenges.c.challenge_id == challenge_id)).first()
    return None if row is None else _row(row)


def list_challenges(
    conn: Connection,
    *,
    areas: Sequence[str] | None = None,
    state: str | None = None,
    raised_by: int | None = None,
    limit: int = 500,
) -> list[Challenge]:
    """Open ones first, then answered; newest first within each. Only ``areas`` (GSS codes),
    ``state`` and those ``raised_by`` the user when given."""
    c = challenges
    query = select(c).order_by(
        case((c.c.state == OPEN, 0), else_=1), c.c.raised_at.desc(), c.c.challenge_id.desc()
    )
    if areas is not None:
        query = query.where(c.c.area_code.in_(tuple(areas)))
    if state is not None:
        query = query.where(c.c.state == state)
    if raised_by is not None:
        query = query.where(c.c.raised_by == raised_by)
    return [_row(row) for row in conn.execute(query.limit(limit))]


def open_for_area(conn: Connection, area_code: str) -> list[Challenge]:
    """The area's open challenges, newest first: the ones marked beside its figures."""
    return list_challenges(conn, areas=[area_code], state=OPEN)
