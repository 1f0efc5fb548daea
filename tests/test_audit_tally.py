"""Refusals per client per minute and API requests per token per hour (service.md § 4), written
as audit rows with a count (lfo.access.audit_tally)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from lfo.access import audit
from lfo.access.audit_tally import Key, api_requests, refusals
from lfo.access.roles import Principal
from lfo.db import init_db, writer_engine

LA = Principal(role="la", areas=frozenset({"E08000021"}), user_id=2, email="l@la.example")
MINUTE = dt.datetime(2026, 3, 1, 14, 7)


def test_repeated_refusals_from_one_client_are_one_row_per_minute(tmp_path: Path):
    engine = writer_engine(f"sqlite:///{tmp_path / 'lfo.db'}")
    init_db(engine)
    tally = refusals()
    key = Key(LA, "192.0.2.9", "/quality/E08000037")
    other = Key(None, "198.51.100.1", "/audit")
    at = [MINUTE + dt.timedelta(seconds=s) for s in (0, 5, 20, 59)]
    firsts = [tally.add(key, t) for t in at]
    assert firsts == [True, False, False, False]  # the first is recorded at once by the caller
    assert tally.add(other, MINUTE) is True
    assert tally.add(key, MINUTE + dt.timedelta(seconds=61)) is True  # a new minute
    assert tally.due(MINUTE + dt.timedelta(seconds=30)) == []  # the minute is not over
    due = tally.due(MINUTE + dt.timedelta(seconds=61))
    assert [(c.key, c.start, c.n) for c in due] == [(key, MINUTE, 3)]  # 'other' had no repeats
    with engine.begin() as conn:
        assert tally.write(conn, due) == 1
    with engine.connect() as conn:
        (row,) = audit.query(conn)
        assert audit.verify(conn).ok
    assert (row["action"], row["outcome"], row["count"]) == ("refused", "repeated", 3)
    assert (row["user_email"], row["client"], row["role"]) == ("l@la.example", "192.0.2.9", "la")
    assert row["object"] == "/quality/E08000037 (2026-03-01T14:07Z to 2026-03-01T14:08Z)"
    assert tally.drain() == []  # the second minute's first refusal was recorded at once
    engine.dispose()


def test_api_requests_are_one_row_per_token_per_hour():
    tally = api_requests()
    token = Key(LA, None, "token 12")
    hour = dt.datetime(2026, 3, 1, 14, 0)
    for minute in (0, 1, 30, 59):
        assert tally.add(token, hour + dt.timedelta(minutes=minute, seconds=59)) is False
    tally.add(Key(LA, None, "token 13"), hour + dt.timedelta(minutes=5))
    tally.add(token, hour + dt.timedelta(hours=1, minutes=2))
    due = sorted(tally.due(hour + dt.timedelta(hours=1, minutes=3)), key=lambda c: c.key.obj)
    assert [(c.key.obj, c.start, c.n) for c in due] == [
        ("token 12", hour, 4),
        ("token 13", hour, 1),
    ]
    rest = tally.drain()  # at shutdown: the hour in progress
    assert [(c.key.obj, c.start, c.n) for c in rest] == [
        ("token 12", hour + dt.timedelta(hours=1), 1)
    ]
    assert tally.drain() == []


def test_refused_records_the_first_at_once_and_the_repeats_when_the_minute_is_over(tmp_path):
    from lfo.access.audit_tally import refused

    engine = writer_engine(f"sqlite:///{tmp_path / 'lfo.db'}")
    init_db(engine)
    tally = refusals()
    key = Key(LA, "192.0.2.9", "/quality/E08000037")
    got = [refused(engine, tally, key, now=MINUTE + dt.timedelta(seconds=s)) for s in (1, 2, 3)]
    assert got == [True, False, False]
    with engine.connect() as conn:
        assert [(r["outcome"], r["count"]) for r in audit.query(conn)] == [("refused", 1)]
    # the next minute's first refusal writes it, and the two repeats of the minute before
    assert refused(engine, tally, key, now=MINUTE + dt.timedelta(seconds=75)) is True
    with engine.connect() as conn:
        rows = audit.query(conn)
        assert audit.verify(conn).ok
    assert [(r["outcome"], r["count"], r["at"]) for r in rows] == [
        ("refused", 1, MINUTE + dt.timedelta(seconds=1)),
        ("repeated", 2, MINUTE + dt.timedelta(minutes=1)),  # the minute's end
        ("refused", 1, MINUTE + dt.timedelta(seconds=75)),
    ]
    assert rows[0]["client"] == "192.0.2.9" and rows[0]["object"] == "/quality/E08000037"
    engine.dispose()
