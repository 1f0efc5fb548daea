"""Single sign-on by OpenID Connect (issue 12 § 3) against a real provider on loopback
(oidc-provider-mock: discovery, authorization page, token endpoint, signed ID tokens): our app
through the Flask test client, the provider's authorization page driven with requests.

The provider is told each person's claims (``PUT /users/<sub>``); its page is submitted with
that ``sub``, as a person choosing their account would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit, urlunsplit

import oidc_provider_mock
import pyotp
import pytest
import requests
from sqlalchemy import select
from support.accounts import NEWCASTLE, engine, key
from support.web_auth import SAME_SITE, audit_rows, csrf_of, current_code, make_app, person

from dashboard.settings import DashboardSettings
from dashboard.web.accounts import service_problem
from lfo import schema
from lfo.access import oidc, sessions, users

__all__ = ["engine", "key"]  # fixtures

CLIENT_ID, CLIENT_SECRET = "lfo-dashboard", "client secret of the test"
_KEY = re.compile(r'Key: <code class="lfo-secret">([A-Z2-7]+)</code>')


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider_mock.run_server_in_thread(port=0) as server:
        yield f"http://localhost:{server.server_port}"


def provider_user(issuer: str, sub: str, **claims: Any) -> None:
    """Tell the provider who ``sub`` is (the claims its ID tokens carry)."""
    answer = requests.put(f"{issuer}/users/{sub}", json=claims, timeout=10)
    assert answer.status_code == 204, answer.text


@pytest.fixture
def client(engine, tmp_path, issuer):
    return make_app(engine, tmp_path)(
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Example Council",
    )


def invite(engine, email: str, role: str = "la", areas: tuple[str, ...] = (NEWCASTLE,)) -> int:
    with engine.begin() as conn:
        return users.add_user(conn, email, role, areas).user.user_id


def sso(client, sub: str, *, state: str | None = None, nonce: str | None = None) -> Any:
    """Click "Sign in with …", choose ``sub`` on the provider's page, follow the redirect back
    (with ``state`` or ``nonce`` replaced, to tamper); the answer of our callback."""
    page = client.get("/sign-in").get_data(as_text=True)
    assert "Sign in with Example Council" in page
    start = client.post(
        "/sign-in/sso", data={"csrf": csrf_of(page), "next": "/reach"}, headers=SAME_SITE
    )
    assert start.status_code == 303, start.get_data(as_text=True)
    authorize = start.headers["Location"]
    query = parse_qs(urlsplit(authorize).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["redirect_uri"] == ["http://localhost/sign-in/sso/callback"]
    if nonce is not None:
        authorize = _replace(authorize, "nonce", nonce)
    back = requests.post(authorize, data={"sub": sub}, allow_redirects=False, timeout=10)
    assert back.status_code in (302, 303), back.text
    location = back.headers["Location"]
    if state is not None:
        location = _replace(location, "state", state)
    parts = urlsplit(location)
    assert parts.path == "/sign-in/sso/callback"
    return client.get(f"{parts.path}?{parts.query}")


def _replace(url: str, name: str, value: str) -> str:
    parts = urlsplit(url)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    query[name] = value
    return urlunsplit(parts._replace(query=urlencode(query)))


def bound(engine, user_id: int) -> tuple[str | None, str | None]:
    u = schema.users
    with engine.connect() as conn:
        row = conn.execute(select(u.c.oidc_iss, u.c.oidc_sub).where(u.c.user_id == user_id)).one()
    return row.oidc_iss, row.oidc_sub


def who_is_signed_in(client, engine) -> Any:
    cookie = client.get_cookie("lfo_session")
    assert cookie is not None
    with engine.begin() as conn:
        return sessions.session_principal(conn, cookie.value)


def last_audit(engine) -> tuple[str, str, str]:
    row = audit_rows(engine)[-1]
    return row["action"], row["outcome"], row["object"]


def test_sign_in_with_a_second_factor_in_amr_binds_the_account_and_keeps_its_role(
    client, engine, issuer
):
    user_id = invite(engine, "amr@example.org")
    provider_user(
        issuer,
        "sub-amr",
        email="AMR@example.org",
        email_verified=True,
        amr=["pwd", "mfa"],
        role="programme",
    )
    done = sso(client, "sub-amr")
    assert done.status_code == 303 and done.headers["Location"] == "/reach"
    assert bound(engine, user_id) == (issuer, "sub-amr")
    who = who_is_signed_in(client, engine)
    assert who.user_id == user_id and who.role == "la" and who.areas == {NEWCASTLE}
    assert client.get("/reach").status_code == 200
    action, outcome, obj = last_audit(engine)
    assert (action, outcome) == ("sign-in", "ok") and "provider's second factor" in obj


def test_without_amr_our_totp_is_asked(client, engine, key, issuer):
    ann = person(engine, key, "totp@example.org")
    provider_user(issuer, "sub-totp", email="totp@example.org", email_verified=True)
    asked = sso(client, "sub-totp")
    assert asked.status_code == 303 and asked.headers["Location"].startswith("/sign-in/code")
    assert client.get_cookie("lfo_session") is None
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    wrong = client.post(
        "/sign-in/code", data={"csrf": csrf_of(page), "code": "000000"}, headers=SAME_SITE
    )
    assert "That code is not right" in wrong.get_data(as_text=True)
    done = client.post(
        "/sign-in/code",
        data={"csrf": csrf_of(page), "code": current_code(ann), "next": "/reach"},
        headers=SAME_SITE,
    )
    assert done.status_code == 303 and done.headers["Location"] == "/reach"
    assert who_is_signed_in(client, engine).user_id == ann.user_id
    assert bound(engine, ann.user_id) == (issuer, "sub-totp")


def test_without_amr_and_without_a_totp_the_person_enrols_one(client, engine, issuer):
    user_id = invite(engine, "enrol@example.org", "programme", ())
    provider_user(issuer, "sub-enrol", email="enrol@example.org", email_verified=True)
    asked = sso(client, "sub-enrol")
    assert asked.status_code == 303 and asked.headers["Location"].startswith("/sign-in/sso/enrol")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    found = _KEY.search(page)
    assert found, page
    secret = found.group(1)
    wrong = client.post(
        "/sign-in/sso/enrol", data={"csrf": csrf_of(page), "code": "123456"}, headers=SAME_SITE
    )
    assert wrong.status_code == 200 and client.get_cookie("lfo_session") is None
    assert "That code is not right" in wrong.get_data(as_text=True)
    done = client.post(
        "/sign-in/sso/enrol",
        data={"csrf": csrf_of(page), "code": pyotp.TOTP(secret).now(), "next": "/"},
        headers=SAME_SITE,
    )
    shown = done.get_data(as_text=True)
    assert done.status_code == 200 and "Your recovery codes" in shown  # shown once, then on
    assert done.headers["Cache-Control"] == "no-store" and 'href="/"' in shown
    codes = re.findall(r"<li><code>([^<]+)</code></li>", shown)
    assert len(codes) >= 8
    assert who_is_signed_in(client, engine).role == "programme"
    with engine.connect() as conn:
        stored = conn.execute(
            select(schema.users.c.totp_secret).where(schema.users.c.user_id == user_id)
        ).scalar()
        kept = conn.execute(
            select(schema.recovery_codes.c.code_hash).where(
                schema.recovery_codes.c.user_id == user_id
            )
        ).scalars()
        hashes = set(kept)
    assert stored is not None and secret not in stored  # kept encrypted
    assert len(hashes) == len(codes) and not set(codes) & hashes  # stored hashed


def test_someone_not_invited_is_refused_with_a_clear_message(client, engine, issuer):
    provider_user(issuer, "sub-stranger", email="stranger@example.org", email_verified=True)
    refused = sso(client, "sub-stranger")
    assert refused.status_code == 403
    assert oidc.NOT_INVITED in refused.get_data(as_text=True).replace("&#x27;", "'")
    assert client.get_cookie("lfo_session") is None
    action, outcome, obj = last_audit(engine)
    assert (action, outcome) == ("failed-sign-in", "refused") and "not invited" in obj


def test_an_unverified_address_is_refused_and_not_bound(client, engine, issuer):
    user_id = invite(engine, "unverified@example.org")
    provider_user(issuer, "sub-unverified", email="unverified@example.org", email_verified=False)
    refused = sso(client, "sub-unverified")
    assert refused.status_code == 403
    assert "has not confirmed your e-mail address" in refused.get_data(as_text=True)
    assert bound(engine, user_id) == (None, None)
    assert last_audit(engine)[:2] == ("failed-sign-in", "refused")


def test_a_tampered_state_is_refused(client, engine, issuer):
    user_id = invite(engine, "state@example.org")
    provider_user(issuer, "sub-state", email="state@example.org", email_verified=True, amr=["mfa"])
    refused = sso(client, "sub-state", state="forged-state")
    assert refused.status_code == 403 and client.get_cookie("lfo_session") is None
    assert bound(engine, user_id) == (None, None)
    action, outcome, obj = last_audit(engine)
    assert (action, outcome) == ("failed-sign-in", "refused") and "state" in obj


def test_a_tampered_nonce_is_refused(client, engine, issuer):
    user_id = invite(engine, "nonce@example.org")
    provider_user(issuer, "sub-nonce", email="nonce@example.org", email_verified=True, amr=["mfa"])
    refused = sso(client, "sub-nonce", nonce="a-nonce-we-never-sent")
    assert refused.status_code == 403 and client.get_cookie("lfo_session") is None
    assert bound(engine, user_id) == (None, None)
    action, outcome, obj = last_audit(engine)
    assert (
        (action, outcome) == ("failed-sign-in", "refused")
        and "token refused" in obj
        and "nonce" in obj
    )


def test_a_reassigned_address_cannot_take_the_account_over(client, engine, issuer, tmp_path):
    user_id = invite(engine, "moved@example.org")
    provider_user(issuer, "sub-first", email="moved@example.org", email_verified=True, amr=["mfa"])
    assert sso(client, "sub-first").status_code == 303
    # the organisation gives the address to someone else (a new sub)
    provider_user(issuer, "sub-second", email="moved@example.org", email_verified=True, amr=["mfa"])
    other = make_app(engine, tmp_path)(
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Example Council",
    )
    refused = sso(other, "sub-second")
    assert refused.status_code == 403 and other.get_cookie("lfo_session") is None
    assert "already linked to another sign-in" in refused.get_data(as_text=True)
    assert bound(engine, user_id) == (issuer, "sub-first")
    # the first person, whose address changed at the provider, still signs in by iss + sub
    provider_user(
        issuer, "sub-first", email="renamed@example.org", email_verified=True, amr=["mfa"]
    )
    again = make_app(engine, tmp_path)(
        oidc_issuer=issuer,
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
        oidc_name="Example Council",
    )
    assert sso(again, "sub-first").status_code == 303
    assert who_is_signed_in(again, engine).user_id == user_id


def test_a_disabled_user_is_refused(client, engine, issuer):
    user_id = invite(engine, "off@example.org")
    provider_user(issuer, "sub-off", email="off@example.org", email_verified=True, amr=["mfa"])
    assert sso(client, "sub-off").status_code == 303
    with engine.begin() as conn:
        users.set_disabled(conn, "off@example.org", True)
    client.delete_cookie("lfo_session")
    refused = sso(client, "sub-off")
    assert refused.status_code == 403 and "disabled" in refused.get_data(as_text=True)
    assert client.get_cookie("lfo_session") is None
    assert bound(engine, user_id) == (issuer, "sub-off")
    assert last_audit(engine)[:2] == ("failed-sign-in", "refused")


def test_without_sso_settings_there_is_no_button_and_no_route(engine, tmp_path):
    plain = make_app(engine, tmp_path)()
    assert "Sign in with" not in plain.get("/sign-in").get_data(as_text=True)
    assert plain.post("/sign-in/sso", headers=SAME_SITE).status_code == 405  # no such route
    assert "form-action 'self';" in plain.get("/sign-in").headers["Content-Security-Policy"]


def test_forms_may_lead_to_the_provider_and_nowhere_else(client, issuer):
    policy = client.get("/sign-in").headers["Content-Security-Policy"]
    assert f"form-action 'self' {issuer};" in policy


def test_the_service_starts_with_sso_settings_in_place_of_users(engine, tmp_path):
    from support.web_auth import settings_for

    without = settings_for(engine, tmp_path)
    assert "there are no users" in (service_problem(without) or "")
    with_sso = settings_for(
        engine,
        tmp_path,
        oidc_issuer="https://login.example.org",
        oidc_client_id=CLIENT_ID,
        oidc_client_secret=CLIENT_SECRET,
    )
    assert service_problem(with_sso) is None


def test_the_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LFO_OIDC_ISSUER", "https://login.example.org/")
    monkeypatch.setenv("LFO_OIDC_CLIENT_ID", "lfo")
    monkeypatch.setenv("LFO_OIDC_CLIENT_SECRET", "s3cret")
    settings = DashboardSettings.from_env()
    assert settings.sso and settings.oidc_issuer == "https://login.example.org"
    monkeypatch.delenv("LFO_OIDC_CLIENT_SECRET")
    assert not DashboardSettings.from_env().sso


@pytest.mark.parametrize(
    ("amr", "strong"),
    [
        (["pwd", "mfa"], True),
        (["OTP"], True),
        (["hwk"], True),
        (["pwd"], False),
        ([], False),
        ("mfa", False),  # not a list: amr is an array of strings (RFC 8176)
        (None, False),
    ],
)
def test_which_amr_values_count_as_a_second_factor(amr, strong):
    assert oidc.strong_amr(amr) is strong


def test_wrong_enrolment_codes_are_throttled(client, engine, issuer):
    invite(engine, "guess@example.org")
    provider_user(issuer, "sub-guess", email="guess@example.org", email_verified=True)
    asked = sso(client, "sub-guess")
    page = client.get(asked.headers["Location"]).get_data(as_text=True)
    answers = [
        client.post(
            "/sign-in/sso/enrol", data={"csrf": csrf_of(page), "code": "000000"}, headers=SAME_SITE
        ).get_data(as_text=True)
        for _ in range(6)
    ]
    assert "Too many attempts" not in answers[0]
    assert "Too many attempts: try again in" in answers[-1]
    assert client.get_cookie("lfo_session") is None
    assert last_audit(engine)[0] in ("lock-out", "failed-sign-in")
