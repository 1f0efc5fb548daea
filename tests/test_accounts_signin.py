"""Invitations (single use, 72 hours, only hashed), enrolment, reset-2fa, and signing in with a
password and a second factor, throttled by growing delays; an address with no account behaves
exactly as one with an account."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from sqlalchemy import select, text
from support.accounts import NEWCASTLE, NOW, PASSWORD, code, conn, engine, enrolled, key, token_of

from lfo import schema
from lfo.access import invitations, passwords, signin, throttle, totp, users

__all__ = ["conn", "engine", "key"]  # fixtures

S = dt.timedelta(seconds=1)


# --- invitations -------------------------------------------------------------------------------


def test_an_invitation_link_is_single_use_valid_72_hours_and_stored_only_hashed(conn, key):
    invited = users.add_user(
        conn, "Ann@Example.org", "la", [NEWCASTLE], base_url="https://lfo.example.gov.uk/", now=NOW
    )
    assert invited.user.email == "ann@example.org" and not invited.user.enrolled
    assert invited.link.url.startswith("https://lfo.example.gov.uk/account/invitation/")
    assert invited.link.expires_at == NOW + dt.timedelta(hours=72)
    token = token_of(invited.link)
    assert len(token) >= 43
    stored = conn.execute(select(schema.invitations.c.token_hash)).scalars().all()
    assert stored == [hashlib.sha256(token.encode()).hexdigest()]
    assert token not in str(conn.execute(text("SELECT * FROM invitations")).all())
    assert (invited.event.action, invited.event.target, invited.event.outcome) == (
        "invitation",
        "ann@example.org",
        "ok",
    )

    opened = invitations.open_invitation(conn, key, token, now=NOW + dt.timedelta(hours=71))
    assert opened.problem is None and opened.email == "ann@example.org"
    assert opened.uri.startswith("otpauth://totp/") and opened.needs_password
    again = invitations.open_invitation(conn, key, token, now=NOW + dt.timedelta(hours=71))
    assert again.secret == opened.secret  # a reload shows the same secret
    stored_secret = conn.execute(select(schema.invitations.c.totp_secret)).scalar()
    assert opened.secret not in stored_secret  # encrypted

    later = NOW + dt.timedelta(hours=71, minutes=59)
    accepted = invitations.accept_invitation(
        conn,
        key,
        token,
        password=PASSWORD,
        code=totp.code_at(opened.secret, totp.time_step(later)),
        now=later,
    )
    assert accepted.problem is None and len(accepted.recovery_codes) == 10
    assert accepted.event.action == "invitation accepted" and accepted.event.outcome == "ok"
    user = users.find_user(conn, "ann@example.org")
    assert user is not None and user.enrolled
    row = conn.execute(select(schema.users.c.password_hash, schema.users.c.totp_secret)).first()
    assert row.password_hash.startswith("$argon2id$") and opened.secret not in row.totp_secret
    codes = conn.execute(select(schema.recovery_codes.c.code_hash)).scalars().all()
    assert sorted(codes) == sorted(totp.recovery_code_hash(c) for c in accepted.recovery_codes)

    used = invitations.accept_invitation(
        conn, key, token, password=PASSWORD, code="000000", now=later
    )
    assert used.problem == invitations.USED and used.event.outcome == "refused"
    assert invitations.open_invitation(conn, key, token, now=later).problem == invitations.USED


def test_an_expired_or_unknown_link_is_refused_clearly(conn, key):
    token = token_of(users.add_user(conn, "ann@example.org", "researcher", now=NOW).link)
    expired = NOW + dt.timedelta(hours=72)
    assert invitations.open_invitation(conn, key, token, now=expired).problem == invitations.EXPIRED
    refused = invitations.accept_invitation(
        conn, key, token, password=PASSWORD, code="123456", now=expired
    )
    assert refused.problem == invitations.EXPIRED and "72 hours" in refused.problem
    assert (
        invitations.open_invitation(conn, key, token + "x", now=NOW).problem == invitations.INVALID
    )
    assert users.find_user(conn, "ann@example.org").enrolled is False


def test_accepting_needs_a_good_password_and_a_right_code_and_changes_nothing_otherwise(conn, key):
    token = token_of(users.add_user(conn, "ann@example.org", "researcher", now=NOW).link)
    opened = invitations.open_invitation(conn, key, token, now=NOW)
    right = totp.code_at(opened.secret, totp.time_step(NOW))
    for password, the_code, why in [
        ("too short", right, "at least 12"),
        ("unbelievable", right, "common passwords"),
        ("ann@example.org", right, "e-mail address"),
        (None, right, "Choose a password"),
        (PASSWORD, "000000" if right != "000000" else "111111", "code is not right"),
    ]:
        result = invitations.accept_invitation(
            conn, key, token, password=password, code=the_code, now=NOW
        )
        assert result.problem is not None and why in result.problem
        assert result.event.outcome == "refused"
    assert users.find_user(conn, "ann@example.org").enrolled is False
    assert invitations.open_invitation(conn, key, token, now=NOW).problem is None  # still usable


def test_a_new_link_for_the_same_person_replaces_the_old_one(conn, key):
    first = token_of(users.add_user(conn, "ann@example.org", "researcher", now=NOW).link)
    second = token_of(users.reset_2fa(conn, "ann@example.org", now=NOW).link)
    assert invitations.open_invitation(conn, key, first, now=NOW).problem == invitations.INVALID
    assert invitations.open_invitation(conn, key, second, now=NOW).problem is None


def test_reset_2fa_clears_the_second_factor_and_a_new_link_enrols_again(conn, key):
    ann = enrolled(conn, key)
    later = NOW + dt.timedelta(minutes=5)
    reset = users.reset_2fa(conn, ann.email, now=later)
    assert reset.event.action == "2FA reset" and reset.link.expires_at == later + dt.timedelta(
        hours=72
    )
    assert not users.find_user(conn, ann.email).enrolled
    assert conn.execute(select(schema.recovery_codes)).all() == []
    # the old factor no longer signs in
    first = signin.check_password(conn, key, ann.email, PASSWORD, now=later)
    assert not first.ok and first.message == signin.NOT_RIGHT
    token = token_of(reset.link)
    opened = invitations.open_invitation(conn, key, token, now=later)
    assert opened.purpose == "reset-2fa" and not opened.needs_password
    assert opened.secret != ann.secret
    done = invitations.accept_invitation(
        conn,
        key,
        token,
        password=None,
        code=totp.code_at(opened.secret, totp.time_step(later)),
        now=later,
    )
    assert done.problem is None and len(done.recovery_codes) == 10
    assert signin.check_password(conn, key, ann.email, PASSWORD, now=later).ok  # password kept


# --- signing in --------------------------------------------------------------------------------


def test_password_then_totp_signs_in_with_a_new_session(conn, key):
    ann = enrolled(conn, key)
    at = NOW + dt.timedelta(minutes=2)
    first = signin.check_password(
        conn, key, " ANN@example.org ", PASSWORD, client="10.0.0.1", now=at
    )
    assert first.ok and first.user_id == ann.user_id and first.session_id is None
    second = signin.check_second_factor(
        conn, key, ann.user_id, code(ann, at), client="10.0.0.1", now=at
    )
    assert second.ok and second.session_id
    assert second.event.action == "sign-in" and second.event.detail == "TOTP"
    assert users.get_user(conn, ann.user_id).last_sign_in_at == at
    # the same code again (a replay) is refused, even with a right password first
    replay = signin.check_second_factor(conn, key, ann.user_id, code(ann, at), now=at + 10 * S)
    assert not replay.ok and replay.message == signin.CODE_NOT_RIGHT
    assert replay.event.action == "failed sign-in"


def test_a_recovery_code_signs_in_once(conn, key):
    ann = enrolled(conn, key)
    at = NOW + dt.timedelta(minutes=2)
    recovery = ann.recovery_codes[3]
    done = signin.check_second_factor(conn, key, ann.user_id, recovery.upper(), now=at)
    assert done.ok and done.event.detail == "recovery code"
    assert signin.recovery_codes_left(conn, ann.user_id) == 9
    again = signin.check_second_factor(conn, key, ann.user_id, recovery, now=at + S)
    assert not again.ok


def test_wrong_password_unknown_address_unenrolled_and_disabled_accounts_look_the_same(
    conn, key, monkeypatch
):
    enrolled(conn, key, "ann@example.org")
    enrolled(conn, key, "dan@example.org")
    users.set_disabled(conn, "dan@example.org", True, now=NOW)
    users.add_user(conn, "ian@example.org", "researcher", now=NOW)  # invited, not enrolled
    verified = []
    real = passwords.verify_password

    def counting(stored, password):
        verified.append(stored is None)
        return real(stored, password)

    monkeypatch.setattr(signin, "verify_password", counting)
    at = NOW + dt.timedelta(minutes=2)
    answers = []
    for email, password in [
        ("ann@example.org", "not the password"),
        ("nobody@example.org", PASSWORD),
        ("ian@example.org", PASSWORD),
        ("dan@example.org", PASSWORD),  # right password, disabled account
    ]:
        result = signin.check_password(conn, key, email, password, client="10.0.0.9", now=at)
        answers.append((result.ok, result.message, result.wait_seconds, result.user_id))
        assert result.event.action == "failed sign-in"
    assert set(answers) == {(False, signin.NOT_RIGHT, 0, None)}
    assert verified == [
        False,
        True,
        True,
        False,
    ]  # one Argon2 verification each; dummy when no hash


@pytest.mark.parametrize("email", ["ann@example.org", "nobody@example.org"])
def test_failures_slow_further_attempts_from_the_fifth_doubling_to_fifteen_minutes(
    conn, key, email
):
    enrolled(conn, key, "ann@example.org")
    at = NOW + dt.timedelta(minutes=1)
    waits = []
    for _ in range(4):
        result = signin.check_password(conn, key, email, "not the password", now=at)
        waits.append(result.wait_seconds)
    assert waits == [0, 0, 0, 0]
    expected = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900]
    for want in expected:
        result = signin.check_password(conn, key, email, "not the password", now=at)
        assert (result.ok, result.message, result.wait_seconds) == (False, signin.NOT_RIGHT, want)
        # asked again before the wait is over: refused at once, with the time left
        early = signin.check_password(
            conn, key, email, PASSWORD, now=at + dt.timedelta(seconds=want) - S / 2
        )
        assert (early.ok, early.wait_seconds, early.message) == (False, 1, signin.wait_message(1))
        assert early.event.action == "lock-out"
        at += dt.timedelta(seconds=want)
    # the right password, once the wait is over, goes on (for the account that exists)
    last = signin.check_password(conn, key, email, PASSWORD, now=at)
    assert last.ok == (email == "ann@example.org")


def test_a_right_sign_in_forgets_the_failures_and_a_day_forgets_them_too(conn, key):
    ann = enrolled(conn, key)
    at = NOW + dt.timedelta(minutes=1)
    for _ in range(5):
        signin.check_password(conn, key, ann.email, "not the password", now=at)
    at += 2 * S
    assert signin.check_password(conn, key, ann.email, PASSWORD, now=at).ok
    assert signin.check_second_factor(conn, key, ann.user_id, code(ann, at), now=at).ok
    assert signin.check_password(conn, key, ann.email, "not the password", now=at).wait_seconds == 0
    assert throttle.wait_seconds(conn, key, "bob@example.org", None, at) == 0
    for _ in range(6):  # the sixth comes during the wait: refused, and not counted
        signin.check_password(conn, key, "bob@example.org", "nope nope nope", now=at)
    assert throttle.wait_seconds(conn, key, "bob@example.org", None, at) == 1
    assert throttle.wait_seconds(conn, key, "bob@example.org", None, at + dt.timedelta(days=1)) == 0


def test_a_client_address_is_slowed_from_its_twentieth_failure_across_addresses(conn, key):
    at = NOW
    for i in range(19):
        result = signin.check_password(
            conn, key, f"guess{i}@example.org", "nope nope nope", client="192.0.2.7", now=at
        )
        assert result.wait_seconds == 0
    result = signin.check_password(
        conn, key, "guess19@example.org", "nope nope nope", client="192.0.2.7", now=at
    )
    assert result.wait_seconds == 1
    other = signin.check_password(
        conn, key, "guess20@example.org", "nope nope nope", client="192.0.2.8", now=at
    )
    assert other.wait_seconds == 0
    # the addresses are kept only as keyed hashes
    stored = str(conn.execute(text("SELECT * FROM sign_in_failures")).all())
    assert "guess" not in stored and "192.0.2" not in stored


def test_wrong_codes_count_as_failures_and_are_throttled(conn, key):
    ann = enrolled(conn, key)
    at = NOW + dt.timedelta(minutes=1)
    right = code(ann, at)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(4):
        assert signin.check_second_factor(conn, key, ann.user_id, wrong, now=at).wait_seconds == 0
    fifth = signin.check_second_factor(conn, key, ann.user_id, wrong, now=at)
    assert (fifth.ok, fifth.wait_seconds) == (False, 1)
    blocked = signin.check_second_factor(conn, key, ann.user_id, right, now=at)
    assert not blocked.ok and blocked.wait_seconds == 1
    assert signin.check_second_factor(conn, key, ann.user_id, right, now=at + S).ok


def test_the_throttle_delays_by_hand():
    assert [throttle.delay("address", n).total_seconds() for n in range(1, 9)] == [
        0,
        0,
        0,
        0,
        1,
        2,
        4,
        8,
    ]
    assert throttle.delay("address", 14).total_seconds() == 512
    assert throttle.delay("address", 15).total_seconds() == 900
    assert throttle.delay("address", 400).total_seconds() == 900
    assert throttle.delay("client", 19).total_seconds() == 0
    assert throttle.delay("client", 20).total_seconds() == 1


def test_a_first_failure_recorded_twice_at_once_counts_both(conn, key, monkeypatch):
    at = NOW
    signin.check_password(conn, key, "ann@example.org", "nope nope nope", now=at)
    key_hash = throttle._keys(key, "ann@example.org", None)[0][1]
    # another request inserted the row between this one's read and its insert
    assert throttle._inserted(conn, "address", key_hash, at) is False
    real_execute = conn.execute
    reads = []

    def first_read_misses(statement, *args, **kwargs):
        result = real_execute(statement, *args, **kwargs)
        if str(statement).startswith("SELECT sign_in_failures.failures") and not reads:
            reads.append(1)
            result.first = lambda: None  # this request's first read saw no row
        return result

    monkeypatch.setattr(conn, "execute", first_read_misses)
    assert throttle.record_failure(conn, key, "ann@example.org", None, at) == 2
    monkeypatch.undo()
    assert conn.execute(select(schema.sign_in_failures.c.failures)).scalars().all() == [2]


def test_a_password_hash_with_old_parameters_is_remade_at_sign_in(conn, key):
    from argon2 import PasswordHasher

    ann = enrolled(conn, key)
    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    conn.execute(schema.users.update().values(password_hash=old))
    assert signin.check_password(conn, key, ann.email, PASSWORD, now=NOW).ok
    stored = conn.execute(select(schema.users.c.password_hash)).scalar()
    assert stored != old and stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert signin.check_password(conn, key, ann.email, PASSWORD, now=NOW).ok
