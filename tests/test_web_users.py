"""The users page, /users (issue 12 § 4), through the web with the Flask test client over the real
accounts layer, gate and audit log: programme leads only (others 403 with an audit row, anonymous
visitors sent to sign in), invitations (the link shown once; an LA lead needs known areas), role
and area changes and disabling taking effect on the person's next request, 2FA resets, forms
refused from another site or without their CSRF token."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select
from support.accounts import GATESHEAD, NEWCASTLE, engine, key
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
from lfo.access import tokens, users

__all__ = ["engine", "key"]  # fixtures

LINK = re.compile(r"http://localhost/account/invitation/[A-Za-z0-9_-]+")


@pytest.fixture
def app_client(engine, tmp_path):
    return make_app(engine, tmp_path)


def lead(app_client, engine, key):
    """A programme lead, signed in."""
    pat = person(engine, key, "pat@example.org", "programme", areas=())
    client = app_client()
    assert sign_in(client, pat).status_code == 303
    return client, pat


def user(engine, email):
    with engine.connect() as conn:
        return users.find_user(conn, email)


def post_on(client, page, action, data):
    """Post ``data`` to ``action`` with the CSRF token of the form on ``page``."""
    csrf = csrf_of(client.get(page).get_data(as_text=True))
    return client.post(action, data={"csrf": csrf, **data}, headers=SAME_SITE)


def test_programme_leads_see_every_user_with_their_areas_by_name(app_client, engine, key):
    client, _ = lead(app_client, engine, key)
    person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE, GATESHEAD))
    with engine.begin() as conn:
        users.add_user(conn, "new@example.org", "researcher")
    page = client.get("/users")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    ann_row = re.search(r"<tr><td><a[^>]*>ann@example.org</a>.*?</tr>", text).group(0)
    assert "Newcastle" in ann_row and "Gateshead" in ann_row and NEWCASTLE not in ann_row
    assert "Local authority lead" in ann_row and "Enrolled" in ann_row and "Active" in ann_row
    new_row = re.search(r"<tr><td><a[^>]*>new@example.org</a>.*?</tr>", text).group(0)
    assert "Not enrolled" in new_row and "Invited" in new_row and "Never" in new_row
    pat_row = re.search(r"<tr><td><a[^>]*>pat@example.org</a>.*?</tr>", text).group(0)
    assert "UTC" in pat_row  # signed in just now: the last sign-in is shown
    strip = client.get("/definitions").get_data(as_text=True)
    assert 'href="/users"' in strip


@pytest.mark.parametrize("role", ["la", "researcher"])
def test_other_roles_are_refused_with_403_and_an_audit_row(app_client, engine, key, role):
    who = person(engine, key, "ann@example.org", role, areas=(NEWCASTLE,) if role == "la" else ())
    client = app_client()
    sign_in(client, who)
    assert client.get("/users").status_code == 403
    assert client.get(f"/users/{who.user_id}").status_code == 403
    posted = client.post(
        "/users", data={"email": "x@example.org", "role": "programme"}, headers=SAME_SITE
    )
    assert posted.status_code == 403
    assert client.post(f"/users/{who.user_id}/role", data={"role": "programme"}).status_code == 403
    assert user(engine, "x@example.org") is None and user(engine, who.email).role == role
    refused = [r for r in audit_rows(engine) if r["action"] == "refused"]
    assert refused and refused[0]["user_email"] == "ann@example.org"
    assert "manage_users /users" in refused[0]["object"]
    assert 'href="/users"' not in client.get("/definitions").get_data(as_text=True)


def test_anonymous_visitors_are_sent_to_sign_in_and_the_local_user_refused(
    app_client, engine, tmp_path
):
    answer = app_client().get("/users")
    assert answer.status_code == 303 and answer.headers["Location"] == "/sign-in?next=/users"
    settings = settings_for(engine, tmp_path, sign_in=False, base_url="")
    local = create_app(settings).server.test_client()
    assert local.get("/users").status_code == 403


def test_an_invitation_shows_its_link_once_and_the_link_works(app_client, engine, key):
    client, pat = lead(app_client, engine, key)
    answer = post_form(
        client, "/users", {"email": "New@Example.org", "role": "la", "area": NEWCASTLE}
    )
    text = answer.get_data(as_text=True)
    assert answer.status_code == 200 and answer.headers["Cache-Control"] == "no-store"
    links = LINK.findall(text)
    assert len(links) == 1 and "UTC" in text
    made = user(engine, "new@example.org")
    assert made.role == "la" and made.areas == (NEWCASTLE,) and not made.enrolled
    assert links[0] not in client.get("/users").get_data(as_text=True)
    opened = app_client().get(links[0].removeprefix("http://localhost"))
    assert opened.status_code == 200 and "new@example.org" in opened.get_data(as_text=True)
    (row,) = [r for r in audit_rows(engine) if r["action"] == "invitation"][-1:]
    assert row["user_email"] == pat.email and "new@example.org" in row["object"]


@pytest.mark.parametrize(
    ("areas", "message"),
    [([], "needs one or more areas"), (["E99999999"], "unknown area code(s) e99999999")],
)
def test_an_la_lead_needs_known_areas(app_client, engine, key, areas, message):
    client, _ = lead(app_client, engine, key)
    csrf = csrf_of(client.get("/users").get_data(as_text=True))
    answer = client.post(
        "/users",
        data={"csrf": csrf, "email": "new@example.org", "role": "la", "area": areas},
        headers=SAME_SITE,
    )
    assert answer.status_code == 200 and message in answer.get_data(as_text=True).lower()
    assert not LINK.search(answer.get_data(as_text=True))
    assert user(engine, "new@example.org") is None


def test_a_role_change_takes_effect_on_the_persons_next_request(app_client, engine, key):
    client, pat = lead(app_client, engine, key)
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    ann_client = app_client()
    sign_in(ann_client, ann)
    assert ann_client.get("/reach").status_code == 200
    page = f"/users/{ann.user_id}"
    answer = post_on(client, page, f"{page}/role", {"role": "la", "area": [GATESHEAD, NEWCASTLE]})
    assert answer.status_code == 200 and "changed" in answer.get_data(as_text=True)
    assert user(engine, ann.email).areas == tuple(sorted((GATESHEAD, NEWCASTLE)))
    assert ann_client.get("/reach").status_code == 303  # signed out: sign in again
    answer = post_on(client, page, f"{page}/role", {"role": "researcher"})
    assert answer.status_code == 200 and user(engine, ann.email).role == "researcher"
    changes = [r for r in audit_rows(engine) if r["action"] == "role-change"]
    assert len(changes) == 2 and changes[-1]["user_email"] == pat.email
    assert "la E08000021 E08000037 -> researcher" in changes[-1]["object"]


def test_areas_are_kept_for_la_leads_only(app_client, engine, key):
    client, _ = lead(app_client, engine, key)
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    page = f"/users/{ann.user_id}"
    # the area list still has her area selected: not kept for a researcher
    answer = post_on(client, page, f"{page}/role", {"role": "researcher", "area": NEWCASTLE})
    assert answer.status_code == 200
    changed = user(engine, ann.email)
    assert changed.role == "researcher" and changed.areas == ()
    invited = post_form(
        client, "/users", {"email": "cy@example.org", "role": "researcher", "area": GATESHEAD}
    )
    assert invited.status_code == 200 and user(engine, "cy@example.org").areas == ()
    refused = post_on(client, page, f"{page}/role", {"role": "la"})  # an LA lead needs one
    assert refused.status_code == 400
    assert "needs one or more areas" in refused.get_data(as_text=True)
    assert user(engine, ann.email).role == "researcher"


def test_disabling_ends_sessions_and_tokens_at_once_and_enabling_lets_them_back(
    app_client, engine, key
):
    client, _ = lead(app_client, engine, key)
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    with engine.begin() as conn:
        made = tokens.create_token(conn, ann.user_id, "notebook")
    bearer = {"Authorization": f"Bearer {made.token}"}
    ann_client = app_client()
    sign_in(ann_client, ann)
    assert ann_client.get("/reach").status_code == 200
    page = f"/users/{ann.user_id}"
    answer = post_on(client, page, f"{page}/status", {"disabled": "1"})
    assert answer.status_code == 200 and "disabled." in answer.get_data(as_text=True)
    assert user(engine, ann.email).disabled
    assert ann_client.get("/reach").status_code == 303
    assert app_client().get("/api/v1/areas", headers=bearer).status_code == 401
    post_on(client, page, f"{page}/status", {"disabled": "0"})
    assert not user(engine, ann.email).disabled
    assert app_client().get("/api/v1/areas", headers=bearer).status_code == 200
    actions = [r["action"] for r in audit_rows(engine)]
    assert "disable" in actions and "enable" in actions


def test_a_lead_cannot_disable_themselves_or_change_their_own_role(app_client, engine, key):
    client, pat = lead(app_client, engine, key)
    page = f"/users/{pat.user_id}"
    assert post_on(client, page, f"{page}/status", {"disabled": "1"}).status_code == 400
    assert post_on(client, page, f"{page}/role", {"role": "researcher"}).status_code == 400
    me = user(engine, pat.email)
    assert me.role == "programme" and not me.disabled


def test_a_2fa_reset_shows_a_new_link_and_signs_the_person_out(app_client, engine, key):
    client, _ = lead(app_client, engine, key)
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    ann_client = app_client()
    sign_in(ann_client, ann)
    page = f"/users/{ann.user_id}"
    answer = post_on(client, page, f"{page}/reset-2fa", {})
    assert answer.status_code == 200 and len(LINK.findall(answer.get_data(as_text=True))) == 1
    assert not user(engine, ann.email).enrolled
    assert ann_client.get("/reach").status_code == 303
    assert "2fa-reset" in [r["action"] for r in audit_rows(engine)]


def test_forms_from_another_site_or_without_their_token_are_refused(app_client, engine, key):
    client, _ = lead(app_client, engine, key)
    data = {"email": "evil@example.org", "role": "programme"}
    evil = post_form(client, "/users", data, headers={"Origin": "https://evil.example"})
    neither = post_form(client, "/users", data, headers={})
    no_token = client.post("/users", data=data, headers=SAME_SITE)
    assert (evil.status_code, neither.status_code, no_token.status_code) == (403, 403, 403)
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    cross = client.post(
        f"/users/{ann.user_id}/status",
        data={"csrf": csrf_of(client.get("/users").get_data(as_text=True)), "disabled": "1"},
        headers={"Origin": "https://evil.example"},
    )
    assert cross.status_code == 403 and not user(engine, ann.email).disabled
    assert user(engine, "evil@example.org") is None


def test_an_unknown_user_is_404(app_client, engine, key):
    client, _ = lead(app_client, engine, key)
    assert client.get("/users/9999").status_code == 404
    u = schema.users
    with engine.connect() as conn:
        assert conn.execute(select(u.c.user_id).where(u.c.user_id == 9999)).first() is None
