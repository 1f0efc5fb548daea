"""Server-side sessions (idle 30 minutes, absolute 12 hours, role and disable effective on the
next request, sign out, sign out everywhere), API tokens (shown once, hashed, expiry, revoke,
owner's current role), and user changes (role, areas, disable, an area leaving)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from sqlalchemy import select, text
from support.accounts import GATESHEAD, NEWCASTLE, NOW, conn, engine, enrolled, key

from lfo import schema
from lfo.access import sessions, tokens, users
from lfo.access.roles import Principal

__all__ = ["conn", "engine", "key"]  # fixtures

MIN = dt.timedelta(minutes=1)


# --- sessions ----------------------------------------------------------------------------------


def test_a_session_id_is_random_stored_only_hashed_and_gives_the_current_principal(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)
    other = sessions.create_session(conn, ann.user_id, now=NOW)
    assert sid != other and len(sid) >= 43
    stored = conn.execute(select(schema.sessions.c.session_hash)).scalars().all()
    assert hashlib.sha256(sid.encode()).hexdigest() in stored
    assert sid not in str(conn.execute(text("SELECT * FROM sessions")).all())
    who = sessions.session_principal(conn, sid, now=NOW + MIN)
    assert who == Principal(
        role="la", areas=frozenset({NEWCASTLE}), user_id=ann.user_id, email=ann.email
    )
    assert sessions.session_principal(conn, sid + "x", now=NOW) is None
    assert sessions.session_principal(conn, "", now=NOW) is None


def test_a_session_ends_after_30_idle_minutes_and_polling_does_not_keep_it(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)
    at = NOW
    for _ in range(3):  # the person's own requests keep it going
        at += 29 * MIN
        assert sessions.session_principal(conn, sid, now=at) is not None
    # background polling (activity=False) does not count as activity
    assert sessions.session_principal(conn, sid, now=at + 20 * MIN, activity=False) is not None
    assert sessions.session_principal(conn, sid, now=at + 30 * MIN, activity=False) is not None
    assert (
        sessions.session_principal(conn, sid, now=at + 30 * MIN + dt.timedelta(seconds=1)) is None
    )
    assert sessions.session_principal(conn, sid, now=at) is None  # deleted, not only refused


def test_a_session_ends_12_hours_after_it_began_however_active(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)
    at = NOW
    while at + 20 * MIN <= NOW + dt.timedelta(hours=12):
        at += 20 * MIN
        assert sessions.session_principal(conn, sid, now=at) is not None
    assert at == NOW + dt.timedelta(hours=12)
    assert sessions.session_principal(conn, sid, now=at + dt.timedelta(seconds=1)) is None


def test_disabling_a_user_ends_their_sessions_at_once(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)
    changed = users.set_disabled(conn, ann.email, True, now=NOW + MIN)
    assert changed.sessions_ended == 1 and changed.event.action == "disable"
    assert sessions.session_principal(conn, sid, now=NOW + MIN) is None
    users.set_disabled(conn, ann.email, False)
    assert sessions.session_principal(conn, sid, now=NOW + MIN) is None  # gone for good


def test_a_disabled_user_mid_session_is_refused_on_the_next_request(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)
    conn.execute(schema.users.update().values(disabled_at=NOW))  # even without ending sessions
    assert sessions.session_principal(conn, sid, now=NOW + MIN) is None


def test_a_role_change_ends_the_sessions_and_the_next_principal_has_the_new_role(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)
    changed = users.set_role(conn, ann.email, "la", [NEWCASTLE, GATESHEAD])
    assert changed.sessions_ended == 1
    assert changed.event.detail == f"la {NEWCASTLE} -> la {NEWCASTLE} {GATESHEAD}"
    assert sessions.session_principal(conn, sid, now=NOW + MIN) is None
    fresh = sessions.create_session(conn, ann.user_id, now=NOW + MIN)
    who = sessions.session_principal(conn, fresh, now=NOW + MIN)
    assert who.role == "la" and who.areas == {NEWCASTLE, GATESHEAD}
    # areas are read on every request: a change made behind the session shows at once
    conn.execute(schema.user_areas.delete().where(schema.user_areas.c.area_code == GATESHEAD))
    assert sessions.session_principal(conn, fresh, now=NOW + MIN).areas == {NEWCASTLE}


def test_sign_out_and_sign_out_everywhere(conn, key):
    ann = enrolled(conn, key)
    bob = enrolled(conn, key, "bob@example.org", "researcher", ())
    one, two = (sessions.create_session(conn, ann.user_id, now=NOW) for _ in range(2))
    bobs = sessions.create_session(conn, bob.user_id, now=NOW)
    event = sessions.end_session(conn, one)
    assert event.action == "sign-out" and event.target == ann.email
    assert sessions.session_principal(conn, one, now=NOW) is None
    assert sessions.end_session(conn, one) is None
    assert sessions.session_principal(conn, two, now=NOW) is not None
    everywhere = sessions.sign_out_everywhere(conn, ann.user_id)
    assert everywhere.detail == "everywhere (1 session(s))"
    assert sessions.session_principal(conn, two, now=NOW) is None
    assert sessions.session_principal(conn, bobs, now=NOW).email == bob.email  # others untouched


# --- API tokens --------------------------------------------------------------------------------


def test_a_token_is_shown_once_stored_hashed_and_acts_for_its_owner(conn, key):
    ann = enrolled(conn, key)
    made = tokens.create_token(conn, ann.user_id, "  my   notebook ", now=NOW)
    assert made.token.startswith("lfo_") and len(made.token) == 4 + 43
    assert made.info.prefix == made.token[:12] and made.info.name == "my notebook"
    assert made.info.expires_at == NOW + dt.timedelta(days=90)
    assert made.event.action == "token created" and made.token not in repr(made.event)
    row = conn.execute(text("SELECT * FROM api_tokens")).one()
    assert made.token not in str(row)
    assert hashlib.sha256(made.token.encode()).hexdigest() in row
    who = tokens.token_principal(conn, made.token, now=NOW + MIN)
    assert who == Principal(
        role="la",
        areas=frozenset({NEWCASTLE}),
        user_id=ann.user_id,
        email=ann.email,
        via_token=True,
    )
    listed = tokens.list_tokens(conn, ann.user_id)
    assert [t.prefix for t in listed] == [made.info.prefix]
    assert listed[0].last_used_at == NOW + MIN
    assert made.token not in repr(listed)


def test_a_token_stops_when_revoked_expired_or_its_owner_is_disabled(conn, key):
    ann = enrolled(conn, key)
    revoked = tokens.create_token(conn, ann.user_id, "revoked", now=NOW)
    short = tokens.create_token(conn, ann.user_id, "one day", days=1, now=NOW)
    kept = tokens.create_token(conn, ann.user_id, "kept", days=366, now=NOW)
    event = tokens.revoke_token(conn, ann.user_id, revoked.info.token_id, now=NOW + MIN)
    assert event.action == "token revoked" and event.target == revoked.info.prefix
    assert tokens.token_principal(conn, revoked.token, now=NOW + MIN) is None
    day = dt.timedelta(days=1)
    assert tokens.token_principal(conn, short.token, now=NOW + day - MIN) is not None
    assert tokens.token_principal(conn, short.token, now=NOW + day) is None
    assert tokens.token_principal(conn, kept.token, now=NOW + day) is not None
    users.set_disabled(conn, ann.email, True)
    assert tokens.token_principal(conn, kept.token, now=NOW + day) is None
    users.set_disabled(conn, ann.email, False)
    assert tokens.token_principal(conn, kept.token, now=NOW + day) is not None
    assert tokens.token_principal(conn, "lfo_" + "x" * 43, now=NOW) is None
    assert tokens.token_principal(conn, kept.token[4:], now=NOW) is None
    active = [t.name for t in tokens.list_tokens(conn, ann.user_id) if t.active(NOW + day)]
    assert active == ["kept"]


def test_a_token_acts_for_its_owners_current_role(conn, key):
    ann = enrolled(conn, key)
    made = tokens.create_token(conn, ann.user_id, "t", now=NOW)
    users.set_role(conn, ann.email, "researcher")
    assert tokens.token_principal(conn, made.token, now=NOW).role == "researcher"
    assert tokens.token_principal(conn, made.token, now=NOW).areas == frozenset()


def test_only_the_owner_revokes_a_token(conn, key):
    ann = enrolled(conn, key)
    bob = enrolled(conn, key, "bob@example.org", "researcher", ())
    made = tokens.create_token(conn, ann.user_id, "t", now=NOW)
    assert tokens.revoke_token(conn, bob.user_id, made.info.token_id) is None
    assert tokens.token_principal(conn, made.token, now=NOW) is not None


@pytest.mark.parametrize(
    ("name", "days", "problem"),
    [
        ("", 90, "Give the token a name"),
        ("t", 0, "from 1 to 366 days"),
        ("t", 367, "from 1 to 366"),
        ("x" * 101, 9, "at most 100"),
    ],
)
def test_a_token_needs_a_name_and_an_expiry_within_a_year(conn, key, name, days, problem):
    ann = enrolled(conn, key)
    with pytest.raises(tokens.TokenError, match=problem):
        tokens.create_token(conn, ann.user_id, name, days=days, now=NOW)


# --- users -------------------------------------------------------------------------------------


def test_user_changes_refuse_bad_requests_in_one_sentence(conn, key):
    enrolled(conn, key)
    for call, problem in [
        (lambda: users.add_user(conn, "ann@example.org", "researcher"), "already a user"),
        (lambda: users.add_user(conn, "not-an-address", "researcher"), "not an e-mail address"),
        (lambda: users.add_user(conn, "x@example.org", "boss"), "unknown role 'boss'"),
        (lambda: users.add_user(conn, "x@example.org", "la"), "needs one or more areas"),
        (lambda: users.add_user(conn, "x@example.org", "la", ["E99999999"]), "unknown area code"),
        (lambda: users.add_user(conn, "x@example.org", "programme", [NEWCASTLE]), "only la users"),
        (lambda: users.set_role(conn, "nobody@example.org", "programme"), "no user"),
        (lambda: users.set_disabled(conn, "nobody@example.org", True), "no user"),
        (lambda: users.reset_2fa(conn, "nobody@example.org"), "no user"),
    ]:
        with pytest.raises(users.AccountError, match=problem):
            call()
    assert [u.email for u in users.list_users(conn)] == ["ann@example.org"]


def test_an_area_leaving_disables_the_la_users_who_have_no_other_area(conn, key):
    only = enrolled(conn, key, "only@example.org", "la", (GATESHEAD,))
    both = enrolled(conn, key, "both@example.org", "la", (NEWCASTLE, GATESHEAD))
    lead = enrolled(conn, key, "lead@example.org", "programme", ())
    made = tokens.create_token(conn, only.user_id, "t", now=NOW)
    changed = users.disable_users_of_area(conn, GATESHEAD, now=NOW)
    assert [c.user.email for c in changed] == ["only@example.org"]
    assert [c.event.action for c in changed] == ["disable"]
    assert tokens.token_principal(conn, made.token, now=NOW) is None
    assert not users.get_user(conn, both.user_id).disabled
    assert not users.get_user(conn, lead.user_id).disabled


def test_the_database_refuses_a_role_that_is_not_one_of_roles(conn):
    from sqlalchemy.exc import IntegrityError

    from lfo.access.roles import ROLES
    from lfo.migrations.versions import v0002_accounts

    with pytest.raises(IntegrityError, match="ck_users_role"), conn.begin_nested():
        conn.execute(
            schema.users.insert().values(email="x@example.org", role="boss", created_at=NOW)
        )
    # the revision writes the same check out (it must not read lfo.schema)
    source = Path(v0002_accounts.__file__).read_text()
    assert f"role IN ({', '.join(repr(r) for r in ROLES)})" in source


def test_the_idle_clock_is_written_at_most_once_a_minute(conn, key):
    ann = enrolled(conn, key)
    sid = sessions.create_session(conn, ann.user_id, now=NOW)

    def last_seen():
        return conn.execute(select(schema.sessions.c.last_seen_at)).scalar()

    sessions.session_principal(conn, sid, now=NOW + dt.timedelta(seconds=59))
    assert last_seen() == NOW
    sessions.session_principal(conn, sid, now=NOW + MIN)
    assert last_seen() == NOW + MIN
