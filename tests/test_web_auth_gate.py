"""The one gate (docs/spec/service.md § 1): every registered callback mapped to a page, anonymous
visitors sent to sign in (or let through to what the public may see under LFO_PUBLIC), roles
refused with 403 and an audit row, API tokens only under /api/ and only to read."""

from __future__ import annotations

import re
import sqlite3
import time

import pytest
from support.accounts import NEWCASTLE, engine, key
from support.web_auth import SAME_SITE, audit_rows, make_app, person, settings_for, sign_in

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web.gate import PAGE_ACTIONS, callback_need, safe_next
from lfo.access import tokens

__all__ = ["engine", "key"]  # fixtures


@pytest.fixture
def app_client(engine, tmp_path):
    return make_app(engine, tmp_path)


def test_every_registered_callback_is_mapped_by_the_gate():
    app = create_app(DashboardSettings(database_url="sqlite:///unused.db", warm_cache=False))
    unmapped = [output for output in app.callback_map if callback_need(output) is None]
    assert unmapped == []
    # and every page of the app has its own entry
    assert {p.path for p in app.lfo_pages} <= set(PAGE_ACTIONS)


def test_chart_downloads_also_need_export_figures():
    app = create_app(DashboardSettings(database_url="sqlite:///unused.db", warm_cache=False))
    downloads = [o for o in app.callback_map if '"type":"chart-download"' in o]
    assert downloads
    assert all("export_figures" in (callback_need(o) or ()) for o in downloads)


def test_anonymous_visitors_are_sent_to_sign_in_and_programs_get_401(app_client):
    client = app_client()
    page = client.get("/uptake?area=E08000021&by=sex")
    assert page.status_code == 303
    assert page.headers["Location"] == "/sign-in?next=/uptake%3Farea%3DE08000021%26by%3Dsex"
    api = client.get("/api/v1/areas")
    assert api.status_code == 401 and api.get_json()["error"]
    callback = client.post("/_dash-update-component", json={"output": "home-order.options"})
    assert callback.status_code == 401 and callback.get_json()["error"]
    assert client.get("/healthz").status_code in (200, 503)  # open (its own answer)
    assert client.get("/sign-in").status_code == 200


def test_with_lfo_public_anonymous_visitors_see_only_what_the_public_may(app_client):
    client = app_client(public=True)
    assert client.get("/api/v1/areas").status_code == 200
    assert client.get("/definitions").status_code == 200
    assert client.get("/api/v1/data?indicator=reach").status_code == 401  # live figures
    assert client.get("/").status_code == 303  # live figures: sign in


def test_a_signed_in_role_refused_gets_403_and_an_audit_row(app_client, engine, key):
    cy = person(engine, key, "cy@example.org", "researcher", areas=())
    client = app_client()
    sign_in(client, cy)
    page = client.get("/reach")
    assert page.status_code == 403 and "none is published yet" in page.get_data(as_text=True)
    callback = client.post(
        "/_dash-update-component", json={"output": "home-order.options"}, headers=SAME_SITE
    )
    assert callback.status_code == 403 and callback.get_json()["error"]
    refused = [r for r in audit_rows(engine) if r["action"] == "refused"]
    assert refused and refused[0]["user_email"] == "cy@example.org"
    assert refused[0]["role"] == "researcher" and "/reach" in refused[0]["object"]


def test_an_la_lead_sees_live_pages_and_the_quality_page(app_client, engine, key):
    ann = person(engine, key, areas=(NEWCASTLE,))
    client = app_client()
    sign_in(client, ann)
    assert client.get("/reach").status_code == 200
    assert client.get("/quality").status_code == 200


def test_a_callback_with_a_session_from_another_site_is_refused(app_client, engine, key):
    ann = person(engine, key)
    client = app_client()
    sign_in(client, ann)
    body = {"output": "home-order.options"}
    evil = client.post("/_dash-update-component", json=body, headers={"Origin": "https://x.test"})
    none = client.post("/_dash-update-component", json=body)
    assert evil.status_code == 403 and none.status_code == 403


def test_an_api_token_works_only_under_api_only_to_read_and_not_once_revoked(
    app_client, engine, key
):
    ann = person(engine, key)
    with engine.begin() as conn:
        made = tokens.create_token(conn, ann.user_id, "notebook")
    bearer = {"Authorization": f"Bearer {made.token}"}
    client = app_client()
    assert client.get("/api/v1/areas", headers=bearer).status_code == 200
    page = client.get("/", headers=bearer)
    assert page.status_code == 403  # a token is no sign-in to the pages
    callback = client.post(
        "/_dash-update-component",
        json={"output": "home-order.options"},
        headers={**bearer, **SAME_SITE},
    )
    assert callback.status_code == 403
    assert client.post("/api/v1/areas", headers=bearer).status_code == 401
    with engine.begin() as conn:
        tokens.revoke_token(conn, ann.user_id, made.info.token_id)
    revoked = client.get("/api/v1/areas", headers=bearer)
    assert revoked.status_code == 401 and revoked.get_json()["error"]
    assert (
        client.get("/api/v1/areas", headers={"Authorization": "Bearer lfo_nope"}).status_code == 401
    )


@pytest.mark.parametrize(
    ("target", "kept"),
    [
        ("/reach?area=E08000021", "/reach?area=E08000021"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_next_is_a_path_of_this_site_only(target, kept):
    assert safe_next(target) == kept


def test_a_page_carries_the_script_that_goes_to_sign_in_when_a_callback_gets_401(
    app_client, engine, key
):
    ann = person(engine, key)
    client = app_client()
    sign_in(client, ann)
    page = client.get("/").get_data(as_text=True)
    found = re.search(r'src="(/assets/site/session\.js[^"]*)"', page)
    assert found
    script = client.get(found.group(1)).get_data(as_text=True)
    assert "status === 401" in script and '"/sign-in?next="' in script


def test_api_requests_are_counted_per_token_per_hour_in_the_audit_log(engine, key, tmp_path):
    ann = person(engine, key)
    with engine.begin() as conn:
        made = tokens.create_token(conn, ann.user_id, "script")
    app = create_app(settings_for(engine, tmp_path))
    client = app.server.test_client()
    bearer = {"Authorization": f"Bearer {made.token}"}
    for _ in range(3):
        assert client.get("/api/v1/areas", headers=bearer).status_code == 200
    gate = app.server.extensions["lfo_gate"]
    gate.write_api_counts(gate.api_requests.drain())  # as at the hour's end or at exit
    counted = [r for r in audit_rows(engine) if r["action"] == "api-requests"]
    assert len(counted) == 1 and counted[0]["count"] == 3
    assert counted[0]["user_email"] == ann.email and made.info.prefix in counted[0]["object"]


def test_an_api_token_is_answered_while_a_load_holds_the_database(app_client, engine, key):
    """The token's last use is written best-effort: SQLite's write lock held (as by a load)
    does not turn a good token into a 401 after the 10-second busy wait."""
    ann = person(engine, key)
    with engine.begin() as conn:
        made = tokens.create_token(conn, ann.user_id, "while loading")
    client = app_client()
    holder = sqlite3.connect(engine.url.database or "", timeout=0)
    try:
        holder.execute("BEGIN IMMEDIATE")
        started = time.monotonic()
        answer = client.get("/api/v1/areas", headers={"Authorization": f"Bearer {made.token}"})
        took = time.monotonic() - started
    finally:
        holder.rollback()
        holder.close()
    assert answer.status_code == 200 and took < 3


def test_refusals_of_many_addresses_in_a_minute_are_one_row_and_one_count(app_client, engine, key):
    """service.md § 4: repeated refusals from one client are one row per minute with a count,
    whatever they asked for (keyed per address, a client cycling addresses wrote a row each)."""
    ann = person(engine, key)
    client = app_client()
    sign_in(client, ann)
    for i in range(40):
        assert client.get(f"/users/{i + 1}").status_code == 403
    first = [r for r in audit_rows(engine) if r["action"] == "refused"]
    assert len(first) <= 2  # one a minute (two if the loop crossed a minute's end)
    assert first[0]["object"].endswith("/users/1")
    gate = client.application.extensions["lfo_gate"]
    with engine.begin() as conn:
        gate.refusals.write(conn, gate.refusals.drain())  # as at the minute's end
    rows = [r for r in audit_rows(engine) if r["action"] == "refused"]
    counted = [r for r in rows if r["outcome"] == "repeated"]
    assert 1 <= len(counted) <= 2 and all("refused requests" in r["object"] for r in counted)
    assert sum(r["count"] for r in rows) == 40 and len(rows) <= 4
