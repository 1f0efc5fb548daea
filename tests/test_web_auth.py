"""Signing in through the web (docs/spec/service.md §§ 2–3), with the Flask test client against
the real accounts layer, policy and audit log: password then TOTP code, wrong password or code, a
code used twice, the throttle's wait, invitations, cross-origin posts, forged and ended sessions."""

from __future__ import annotations

import datetime as dt
import logging
import re
import sqlite3
import time

import pytest
from sqlalchemy import update
from support.accounts import NEWCASTLE, engine, key, token_of
from support.web_auth import (
    BASE,
    SAME_SITE,
    audit_rows,
    csrf_of,
    current_code,
    make_app,
    person,
    post_form,
    sign_in,
)

from lfo import schema
from lfo.access import totp, users

__all__ = ["engine", "key"]  # fixtures


@pytest.fixture
def client(engine, tmp_path):
    return make_app(engine, tmp_path)()


def session_cookie(client) -> str | None:
    cookie = client.get_cookie("lfo_session")
    return cookie.value if cookie else None


def test_sign_in_with_password_and_totp_gives_a_new_session_cookie(client, engine, key):
    ann = person(engine, key)
    assert client.get("/").status_code == 303  # anonymous: to sign-in first
    done = sign_in(client, ann)
    assert done.status_code == 303 and done.headers["Location"] == "/"
    cookie = done.headers.getlist("Set-Cookie")
    ours = next(c for c in cookie if c.startswith("lfo_session="))
    assert "HttpOnly" in ours and "SameSite=Lax" in ours and "Path=/" in ours
    assert "Secure" not in ours  # http here; Secure when LFO_BASE_URL is https
    assert client.get("/").status_code == 200
    actions = [(r["action"], r["outcome"]) for r in audit_rows(engine)]
    assert actions[-2:] == [("sign-in", "ok"), ("sign-in", "ok")]  # password, then the code


def test_the_session_cookie_is_secure_when_the_public_address_is_https(engine, key, tmp_path):
    client = make_app(engine, tmp_path)(base_url="https://localhost")
    ann = person(engine, key)
    first = post_form(
        client,
        "/sign-in",
        {"email": ann.email, "password": "correct horse battery staple"},
        headers={"Origin": "https://localhost"},
    )
    assert first.status_code == 303
    page = client.get(first.headers["Location"])
    done = client.post(
        "/sign-in/code",
        data={"csrf": csrf_of(page.get_data(as_text=True)), "code": current_code(ann)},
        headers={"Origin": "https://localhost"},
    )
    ours = next(c for c in done.headers.getlist("Set-Cookie") if c.startswith("lfo_session="))
    assert "Secure" in ours


def test_a_wrong_password_and_an_unknown_address_get_the_same_message(client, engine, key):
    ann = person(engine, key)
    wrong = sign_in(client, ann, password="not the password at all")
    nobody = post_form(client, "/sign-in", {"email": "nobody@example.org", "password": "x" * 12})
    message = "The e-mail address or password is not right."
    for answer in (wrong, nobody):
        assert answer.status_code == 200 and message in answer.get_data(as_text=True)
    assert session_cookie(client) is None
    assert [r["action"] for r in audit_rows(engine)][-2:] == ["failed-sign-in"] * 2


def test_a_wrong_code_is_refused_and_a_code_cannot_be_used_twice(client, engine, key, tmp_path):
    ann = person(engine, key)
    wrong = str((int(current_code(ann)) + 1) % 1_000_000).zfill(6)
    refused = sign_in(client, ann, code=wrong)
    assert refused.status_code == 200 and "That code is not right" in refused.get_data(as_text=True)
    code = current_code(ann)
    assert sign_in(client, ann, code=code).status_code == 303
    again = make_app(engine, tmp_path)()
    reused = sign_in(again, ann, code=code)
    assert reused.status_code == 200 and "That code is not right" in reused.get_data(as_text=True)
    assert session_cookie(again) is None


def test_a_recovery_code_works_once(client, engine, key, tmp_path):
    ann = person(engine, key)
    assert sign_in(client, ann, code=ann.recovery_codes[0]).status_code == 303
    other = make_app(engine, tmp_path)()
    assert sign_in(other, ann, code=ann.recovery_codes[0]).status_code == 200


def test_repeated_failures_are_throttled_with_the_wait_shown(client, engine, key):
    ann = person(engine, key)
    for _ in range(5):
        sign_in(client, ann, password="wrong password again")
    throttled = sign_in(client, ann)  # even the right password waits now
    text = throttled.get_data(as_text=True)
    assert throttled.status_code == 429
    assert re.search(r"Too many attempts: try again in \d+ seconds?\.", text)
    assert "lock-out" in [r["action"] for r in audit_rows(engine)]


def test_the_code_step_needs_the_password_step_first(client):
    assert client.get("/sign-in/code").headers["Location"] == "/sign-in"
    assert (
        client.post("/sign-in/code", data={"code": "123456"}, headers=SAME_SITE).status_code == 303
    )


def test_a_post_from_another_site_or_without_origin_or_token_is_refused(client, engine, key):
    ann = person(engine, key)
    data = {"email": ann.email, "password": "correct horse battery staple"}
    evil = post_form(client, "/sign-in", data, headers={"Origin": "https://evil.example"})
    neither = post_form(client, "/sign-in", data, headers={})
    by_referer = post_form(client, "/sign-in", data, headers={"Referer": f"{BASE}/sign-in"})
    no_token = client.post("/sign-in", data=data, headers=SAME_SITE)
    assert (evil.status_code, neither.status_code, no_token.status_code) == (403, 403, 403)
    assert by_referer.status_code == 303  # the Referer's origin stands in for Origin


def test_next_is_kept_and_never_leaves_the_site(client, engine, key):
    ann = person(engine, key)
    to_sign_in = client.get("/reach")
    assert to_sign_in.status_code == 303
    assert to_sign_in.headers["Location"] == "/sign-in?next=/reach"
    password = {"email": ann.email, "password": "correct horse battery staple"}
    first = post_form(client, "/sign-in?next=/reach%3Farea%3DE08000021%26by%3Dsex", password)
    done = post_form(client, first.headers["Location"], {"code": current_code(ann)})
    assert done.headers["Location"] == "/reach?area=E08000021&by=sex"
    page = client.get("/sign-in?next=https://evil.example/")
    assert 'name="next" value="/"' in page.get_data(as_text=True)
    page = client.get("/sign-in?next=//evil.example/")
    assert 'name="next" value="/"' in page.get_data(as_text=True)


def test_a_forged_session_cookie_is_anonymous(client, engine, key):
    client.set_cookie("lfo_session", "forged-value-that-no-session-has")
    assert client.get("/").status_code == 303
    assert client.post("/_dash-update-component", json={}, headers=SAME_SITE).status_code == 401


def test_a_disabled_user_is_refused_on_the_next_request(client, engine, key):
    ann = person(engine, key)
    sign_in(client, ann)
    assert client.get("/").status_code == 200
    with engine.begin() as conn:
        users.set_disabled(conn, ann.email, True)
    assert client.get("/").status_code == 303


def test_sign_out_ends_the_session_and_everywhere_ends_them_all(client, engine, key, tmp_path):
    ann = person(engine, key)
    sign_in(client, ann)
    old = session_cookie(client)
    page = client.get("/sign-in")
    done = client.post(
        "/sign-out", data={"csrf": csrf_of(page.get_data(as_text=True))}, headers=SAME_SITE
    )
    assert done.status_code == 200 and "You are signed out" in done.get_data(as_text=True)
    assert "Signed in as" not in done.get_data(as_text=True)
    assert "Signed in as ann@example.org" not in client.get("/sign-in").get_data(as_text=True)
    client.set_cookie("lfo_session", old or "")
    assert client.get("/").status_code == 303  # the old id no longer works
    # everywhere: two browsers, one signs out everywhere
    first, second = make_app(engine, tmp_path)(), make_app(engine, tmp_path)()
    later = dt.datetime.now(dt.UTC).replace(tzinfo=None) + dt.timedelta(seconds=30)
    sign_in(first, ann, code=ann.recovery_codes[0])
    sign_in(second, ann, code=totp.code_at(ann.secret, totp.time_step(later)))
    assert first.get("/").status_code == 200 and second.get("/").status_code == 200
    page = first.get("/sign-in")
    first.post(
        "/sign-out/everywhere",
        data={"csrf": csrf_of(page.get_data(as_text=True))},
        headers=SAME_SITE,
    )
    assert second.get("/").status_code == 303


def test_an_invitation_sets_a_password_enrols_totp_and_shows_recovery_codes_once(client, engine):
    with engine.begin() as conn:
        invited = users.add_user(conn, "bob@example.org", "la", [NEWCASTLE], base_url=BASE)
    path = f"/account/invitation/{token_of(invited.link)}"
    page = client.get(path)
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "bob@example.org" in text
    secret = re.search(r'<code class="lfo-secret">([A-Z2-7]+)</code>', text)
    assert secret and "otpauth://totp/" in text
    code = totp.code_at(secret.group(1), totp.time_step(dt.datetime.now(dt.UTC)))
    done = client.post(
        path,
        data={"csrf": csrf_of(text), "password": "a long enough passphrase 7", "code": code},
        headers=SAME_SITE,
    )
    shown = done.get_data(as_text=True)
    assert done.status_code == 200 and "Your recovery codes" in shown
    assert len(re.findall(r"<li><code>", shown)) >= 8
    reused = client.get(path)
    assert reused.status_code == 410 and "Your recovery codes" not in reused.get_data(as_text=True)
    actions = [(r["action"], r["object"]) for r in audit_rows(engine)]
    assert ("invitation", "invitation accepted: bob@example.org (invite)") in actions
    assert [a for a in actions if a[0] == "refused" and "invitation link" in a[1]]  # the reuse


def test_an_expired_invitation_cannot_be_used(client, engine):
    long_ago = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(hours=73)
    with engine.begin() as conn:
        invited = users.add_user(conn, "cy@example.org", "researcher", base_url=BASE, now=long_ago)
    token = token_of(invited.link)
    page = client.get(f"/account/invitation/{token}")
    assert page.status_code == 410
    assert 'name="password"' not in page.get_data(as_text=True)
    refused = [r for r in audit_rows(engine) if r["action"] == "refused"]
    assert len(refused) == 1 and "invitation link" in refused[0]["object"]
    assert "expired" in refused[0]["object"] and token not in str(refused[0])


def test_an_invitation_link_s_token_is_not_written_to_the_access_log(client, engine, caplog):
    with engine.begin() as conn:
        invited = users.add_user(conn, "dee@example.org", "researcher", base_url=BASE)
    token = token_of(invited.link)
    with caplog.at_level(logging.INFO, logger="dashboard.web.access"):
        assert client.get(f"/account/invitation/{token}").status_code == 200
    lines = [r.getMessage() for r in caplog.records if r.name == "dashboard.web.access"]
    assert lines and lines[-1].startswith("GET /account/invitation/… 200")
    assert all(token not in line for line in lines)


def test_a_page_never_stalls_on_the_idle_clock_while_a_load_holds_the_database(client, engine, key):
    """The idle clock's write is best-effort: with SQLite's write lock held (as by a load), a
    request whose clock is due waits at most a moment, is answered, and the session stays."""
    ann = person(engine, key)
    sign_in(client, ann)
    with engine.begin() as conn:
        conn.execute(
            update(schema.sessions).values(
                last_seen_at=dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(minutes=5)
            )
        )
    path = engine.url.database
    assert path
    holder = sqlite3.connect(path, timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")  # the write lock, as a load's transaction holds it
        started = time.monotonic()
        answer = client.get("/")
        took = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert answer.status_code == 200 and took < 3  # the busy timeout would be 10 s
    assert client.get("/").status_code == 200  # and once free, the clock is written
