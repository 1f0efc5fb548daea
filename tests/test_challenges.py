"""Data challenges in the core (issue 13; service.md § 6): raised with the figure kept, answered
once by a programme lead, listed open first, and the open ones of an area found for the profile;
on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from support.accounts import GATESHEAD, NEWCASTLE, engine, enrolled, key
from support.postgres import create_database

from lfo import challenges
from lfo.db import init_db, writer_engine

__all__ = ["engine", "key"]  # fixtures

T0 = dt.datetime(2026, 12, 1, 9, 0)


def raise_one(conn, area=NEWCASTLE, *, comment="Too low", at=T0, user_id=None, **kw):
    values = dict(
        indicator="uptake.completion",
        area_code=area,
        period="2017-18_Q2",
        filters={},
        value="83%",
    )
    values.update(kw)
    return challenges.raise_challenge(conn, comment=comment, user_id=user_id, now=at, **values)


def test_raised_keeps_the_figure_and_is_open(engine):
    with engine.begin() as conn:
        made = raise_one(conn, filters={"level": "targeted"}, value="[c]", comment="  Odd  ")
        got = challenges.get(conn, made)
    assert got is not None and got.is_open and got.state == "open"
    assert (got.indicator, got.area_code, got.period) == (
        "uptake.completion",
        NEWCASTLE,
        "2017-18_Q2",
    )
    assert got.filters == {"level": "targeted"} and got.value == "[c]"
    assert got.comment == "Odd" and got.raised_at == T0 and got.answer is None


def test_filters_are_kept_as_canonical_json():
    assert challenges.canonical_filters({"level": "x"}) == '{"level":"x"}'
    assert challenges.canonical_filters({"b": "2", "a": "1"}) == '{"a":"1","b":"2"}'


@pytest.mark.parametrize("comment", ["", "   ", "x" * (challenges.MAX_TEXT + 1)])
def test_a_comment_is_required_and_bounded(engine, comment):
    with engine.begin() as conn, pytest.raises(challenges.ChallengeError):
        raise_one(conn, comment=comment)
    with engine.begin() as conn:
        assert challenges.list_challenges(conn) == []


def test_a_comment_of_the_longest_length_is_kept(engine):
    with engine.begin() as conn:
        made = raise_one(conn, comment="y" * challenges.MAX_TEXT)
        assert len(challenges.get(conn, made).comment) == challenges.MAX_TEXT


def test_answered_once(engine):
    later = T0 + dt.timedelta(days=1)
    with engine.begin() as conn:
        made = raise_one(conn)
        assert challenges.answer(
            conn, made, state="accepted", text="Resubmit", user_id=None, now=later
        )
        assert not challenges.answer(
            conn, made, state="rejected", text="No", user_id=None, now=later
        )
        got = challenges.get(conn, made)
    assert got.state == "accepted" and got.answer == "Resubmit" and got.answered_at == later
    assert not got.is_open


@pytest.mark.parametrize(
    ("state", "text"), [("open", "x"), ("done", "x"), ("accepted", " "), ("explained", "z" * 2001)]
)
def test_a_bad_answer_is_refused_and_leaves_it_open(engine, state, text):
    with engine.begin() as conn:
        made = raise_one(conn)
        with pytest.raises(challenges.ChallengeError):
            challenges.answer(conn, made, state=state, text=text, user_id=None, now=T0)
        assert challenges.get(conn, made).is_open


def test_listed_open_first_then_newest_and_filtered(engine):
    with engine.begin() as conn:
        old = raise_one(conn, at=T0)
        answered = raise_one(conn, at=T0 + dt.timedelta(hours=1))
        new = raise_one(conn, at=T0 + dt.timedelta(hours=2))
        other = raise_one(conn, GATESHEAD, at=T0 + dt.timedelta(hours=3))
        challenges.answer(conn, answered, state="explained", text="Fine", user_id=None, now=T0)
        every = [c.challenge_id for c in challenges.list_challenges(conn)]
        mine = [c.challenge_id for c in challenges.list_challenges(conn, areas=[NEWCASTLE])]
        done = [c.challenge_id for c in challenges.list_challenges(conn, state="explained")]
        opened = [c.challenge_id for c in challenges.open_for_area(conn, NEWCASTLE)]
    assert every == [other, new, old, answered]
    assert mine == [new, old, answered]
    assert done == [answered]
    assert opened == [new, old]


def test_listed_by_who_raised_it(engine, key):
    with engine.begin() as conn:
        ann = enrolled(conn, key, "ann@example.org", "la", (NEWCASTLE,))
        theirs = raise_one(conn, user_id=ann.user_id)
        raise_one(conn)
        found = challenges.list_challenges(conn, raised_by=ann.user_id)
    assert [c.challenge_id for c in found] == [theirs]


def test_on_postgresql(pg_url):
    made_engine = writer_engine(create_database(pg_url, f"lfo_c{uuid.uuid4().hex[:8]}"))
    try:
        init_db(made_engine)
        with made_engine.begin() as conn:
            made = raise_one(conn, filters={"intervention": "mybt"})
            assert challenges.answer(
                conn, made, state="rejected", text="It is right", user_id=None, now=T0
            )
            assert not challenges.answer(
                conn, made, state="accepted", text="x", user_id=None, now=T0
            )
            got = challenges.get(conn, made)
            assert got.filters == {"intervention": "mybt"} and got.state == "rejected"
            assert challenges.open_for_area(conn, NEWCASTLE) == []
            still_open = raise_one(conn)
        # the dashboard's read: one statement on its read-only engine, outside a transaction
        from dashboard.services import queries
        from dashboard.services.database import Database

        dashboard_db = Database(made_engine.url.render_as_string(hide_password=False))
        try:
            found = queries.open_challenges(dashboard_db, NEWCASTLE)
        finally:
            dashboard_db.dispose()
        assert [c.challenge_id for c in found] == [still_open]
    finally:
        made_engine.dispose()
