"""The personal API-tokens page, /account/tokens (issue 12 § 5), through the web with the Flask
test client over the real accounts layer, gate and audit log: who may use it, a token shown once
and working under /api/, revoked (and then refused), another's token not revocable, the expiry's
bounds, forms refused from another site or without their CSRF token, audit rows written."""

from __future__ import annotations

import datetime as dt
import logging
import re

import pytest
from sqlalchemy import select
from support.accounts import engine, key
from support.web_auth import (
    SAME_SITE,
    audit_rows,
    csrf_of,
    make_app,
    person,
    post_form,
    settings_for,
    sign_in,
)

from dashboard.app import create_app
from lfo import schema
from lfo.access import tokens

__all__ = ["engine", "key"]  # fixtures

PAGE = "/account/tokens"
TOKEN = re.compile(r"lfo_[A-Za-z0-9_-]{43}")


@pytest.fixture
def app_client(engine, tmp_path):
    return make_app(engine, tmp_path)


def signed_in(app_client, engine, key, email="ann@example.org", role="la"):
    areas = ("E08000021",) if role == "la" else ()
    who = person(engine, key, email, role, areas=areas)
    client = app_client()
    assert sign_in(client, who).status_code == 303
    return client, who


def stored_tokens(engine):
    t = schema.api_tokens
    with engine.connect() as conn:
        return conn.execute(select(t).order_by(t.c.token_id)).all()


@pytest.mark.parametrize("role", ["programme", "la", "researcher"])
def test_every_signed_in_role_sees_its_tokens_page_and_the_link_to_it(
    app_client, engine, key, role
):
    client, _ = signed_in(app_client, engine, key, role=role)
    page = client.get(PAGE)
    assert page.status_code == 200
    assert "You have no tokens yet." in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    strip = client.get("/definitions").get_data(as_text=True)
    assert f'href="{PAGE}"' in strip
    # the tokens page itself has the same strip: who is signed in, and the sign-out buttons
    text = page.get_data(as_text=True)
    assert "Signed in as " in text and 'action="/sign-out"' in text
    assert text.index("Signed in as ") < text.index('<main id="main"')


def test_anonymous_visitors_are_sent_to_sign_in_and_the_local_user_refused(
    app_client, engine, tmp_path
):
    anonymous = app_client()
    answer = anonymous.get(PAGE)
    assert answer.status_code == 303 and answer.headers["Location"].startswith("/sign-in?next=")
    assert anonymous.post(PAGE, data={"name": "x"}, headers=SAME_SITE).status_code == 303
    settings = settings_for(engine, tmp_path, sign_in=False, base_url="")
    local = create_app(settings).server.test_client()
    refused = local.get(PAGE)
    assert refused.status_code == 403 and "local user has none" in refused.get_data(as_text=True)
    assert f'href="{PAGE}"' not in local.get("/definitions").get_data(as_text=True)


def test_a_token_is_shown_once_works_under_the_api_and_is_refused_once_revoked(
    app_client, engine, key
):
    client, ann = signed_in(app_client, engine, key)
    made = post_form(client, PAGE, {"name": "my notebook", "days": "30"})
    text = made.get_data(as_text=True)
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    found = TOKEN.findall(text)
    assert len(found) == 1 and "shown only this" in text
    token = found[0]
    (row,) = stored_tokens(engine)
    assert row.user_id == ann.user_id and row.name == "my notebook"
    assert row.expires_at - row.created_at == dt.timedelta(days=30)
    # never shown again: the list shows only the prefix
    again = client.get(PAGE).get_data(as_text=True)
    assert token not in again and token[:12] in again and "my notebook" in again
    bearer = {"Authorization": f"Bearer {token}"}
    api = app_client()
    assert api.get("/api/v1/areas", headers=bearer).status_code == 200
    page = client.get(PAGE).get_data(as_text=True)
    answer = client.post(
        f"{PAGE}/{row.token_id}/revoke", data={"csrf": csrf_of(page)}, headers=SAME_SITE
    )
    assert answer.status_code == 200 and "revoked" in answer.get_data(as_text=True)
    refused = api.get("/api/v1/areas", headers=bearer)
    assert refused.status_code in (401, 403) and refused.get_json()["error"]
    actions = [(r["action"], r["user_email"]) for r in audit_rows(engine)]
    assert ("token-created", "ann@example.org") in actions
    assert ("token-revoked", "ann@example.org") in actions
    assert not any(token in str(r) for r in audit_rows(engine))


def test_the_default_expiry_is_90_days_and_bounds_are_1_to_366(app_client, engine, key):
    client, _ = signed_in(app_client, engine, key)
    for days in ("0", "367", "-5", "ninety"):
        answer = post_form(client, PAGE, {"name": "x", "days": days})
        assert answer.status_code == 200
        assert "from 1 to 366 days" in answer.get_data(as_text=True)
        assert not TOKEN.search(answer.get_data(as_text=True))
    assert stored_tokens(engine) == []
    assert 'value="90"' in client.get(PAGE).get_data(as_text=True)
    post_form(client, PAGE, {"name": "year", "days": "366"})
    post_form(client, PAGE, {"name": "default", "days": ""})
    lengths = {r.name: (r.expires_at - r.created_at).days for r in stored_tokens(engine)}
    assert lengths == {"year": 366, "default": 90}


def test_another_users_token_cannot_be_revoked(app_client, engine, key):
    client, _ = signed_in(app_client, engine, key)
    bob = person(engine, key, "bob@example.org", "researcher", areas=())
    with engine.begin() as conn:
        bobs = tokens.create_token(conn, bob.user_id, "bob's")
    page = client.get(PAGE).get_data(as_text=True)
    answer = client.post(
        f"{PAGE}/{bobs.info.token_id}/revoke", data={"csrf": csrf_of(page)}, headers=SAME_SITE
    )
    assert answer.status_code == 404
    assert "bob's" not in page
    bearer = {"Authorization": f"Bearer {bobs.token}"}
    assert app_client().get("/api/v1/areas", headers=bearer).status_code == 200
    assert "token-revoked" not in [r["action"] for r in audit_rows(engine)]


def test_forms_from_another_site_or_without_their_token_are_refused(app_client, engine, key):
    client, _ = signed_in(app_client, engine, key)
    data = {"name": "evil", "days": "30"}
    evil = post_form(client, PAGE, data, headers={"Origin": "https://evil.example"})
    neither = post_form(client, PAGE, data, headers={})
    no_token = client.post(PAGE, data=data, headers=SAME_SITE)
    assert (evil.status_code, neither.status_code, no_token.status_code) == (403, 403, 403)
    assert stored_tokens(engine) == []


def test_a_token_cannot_use_the_tokens_page(app_client, engine, key):
    ann = person(engine, key)
    with engine.begin() as conn:
        made = tokens.create_token(conn, ann.user_id, "notebook")
    bearer = {"Authorization": f"Bearer {made.token}"}
    assert app_client().get(PAGE, headers=bearer).status_code in (401, 403)


def test_the_new_token_is_never_written_to_the_logs(app_client, engine, key, caplog):
    client, _ = signed_in(app_client, engine, key)
    with caplog.at_level(logging.DEBUG):
        made = post_form(client, PAGE, {"name": "quiet", "days": "7"})
    token = TOKEN.findall(made.get_data(as_text=True))[0]
    assert caplog.records  # the access lines were captured
    assert all(token not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("role", "shown"),
    [
        ("programme", {"/returns", "/tracker", "/challenges", "/users"}),
        ("la", {"/returns", "/tracker", "/challenges"}),
        ("researcher", set()),
    ],
)
def test_the_strip_links_to_the_pages_of_returns_each_role_may_use(
    app_client, engine, key, role, shown
):
    client, _ = signed_in(app_client, engine, key, role=role)
    strip = client.get("/definitions").get_data(as_text=True)
    links = {"/returns", "/tracker", "/challenges", "/users"}
    assert {p for p in links if f'href="{p}"' in strip} == shown
    assert "(Local authority lead)" not in strip and "(Programme lead (DWP))" not in strip
