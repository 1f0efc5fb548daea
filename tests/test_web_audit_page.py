"""The audit page (issue 12 § 6): programme leads only, newest first, paged, filtered by values
from the audit log's closed sets, the chain's check shown, and a formula-guarded CSV download
that is itself audited."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import text
from support.accounts import NEWCASTLE, engine, key
from support.web_auth import audit_rows, make_app, person, sign_in

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web.audit_page import FilterProblem, parse_filters
from dashboard.web.gate import OPEN_PATHS, OPEN_PREFIXES, server_page_need
from dashboard.web.profile_pdf import is_profile_pdf
from lfo.access import audit

__all__ = ["engine", "key"]  # fixtures


@pytest.fixture
def app_client(engine, tmp_path):
    return make_app(engine, tmp_path)


def signed_in(app_client, engine, key, email="pat@example.org", role="programme", areas=()):
    who = person(engine, key, email, role, areas=areas)
    client = app_client()
    assert sign_in(client, who).status_code == 303
    return client


def add_rows(engine, n, *, action="upload", outcome="ok", obj="row", at=None):
    with engine.begin() as conn:
        for i in range(n):
            audit.record(conn, action, outcome, obj=f"{obj} {i}", os_user="etl", at=at)


@pytest.mark.parametrize(
    ("role", "areas"), [("la", (NEWCASTLE,)), ("researcher", ())], ids=["la", "researcher"]
)
def test_only_programme_leads_see_the_audit_page(app_client, engine, key, role, areas):
    client = signed_in(app_client, engine, key, "lee@example.org", role, areas=areas)
    for path in ("/audit", "/audit/csv"):
        assert client.get(path).status_code == 403
    refused = [r for r in audit_rows(engine) if r["action"] == "refused"]
    assert refused and refused[0]["user_email"] == "lee@example.org"
    assert "view_audit /audit" in refused[0]["object"]
    assert not any(r["action"] == "download" for r in audit_rows(engine))


def test_anonymous_visitors_are_sent_to_sign_in(app_client):
    answer = app_client().get("/audit")
    assert answer.status_code == 303 and answer.headers["Location"] == "/sign-in?next=/audit"
    assert app_client(public=True).get("/audit/csv").status_code == 303


def test_newest_first_paged_with_the_chain_verified(app_client, engine, key):
    client = signed_in(app_client, engine, key)
    add_rows(engine, 60, obj="upload")
    first = client.get("/audit").get_data(as_text=True)
    assert "Chain verified" in first
    # newest first, 50 a page: uploads 59 down to 10
    assert first.index("upload 59<") < first.index("upload 10<")
    assert "upload 9<" not in first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    second = client.get("/audit?page=2").get_data(as_text=True)
    # 60 uploads + the sign-in rows: page 2 holds the oldest uploads and the sign-in rows
    assert "upload 9<" in second and "upload 0<" in second and "upload 10<" not in second
    assert "sign-in" in second and 'rel="prev"' in second and 'rel="next"' not in second


def test_a_changed_row_is_named(app_client, engine, key):
    client = signed_in(app_client, engine, key)
    add_rows(engine, 3)
    with engine.begin() as conn:  # behind the triggers' back, as an attacker with the file would
        conn.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
        conn.execute(text("UPDATE audit_log SET object = 'changed' WHERE object = 'row 1'"))
        bad = conn.execute(text("SELECT audit_id FROM audit_log WHERE object = 'changed'")).scalar()
    page = client.get("/audit").get_data(as_text=True)
    assert "Chain verified" not in page and f"row {bad} does not match its hash" in page


def test_filters(app_client, engine, key):
    client = signed_in(app_client, engine, key)
    add_rows(engine, 2, action="load", outcome="failed", obj="old", at=dt.datetime(2026, 1, 5, 9))
    add_rows(engine, 1, action="load", outcome="loaded", obj="new", at=dt.datetime(2026, 2, 1))
    page = client.get("/audit?action=load&outcome=failed").get_data(as_text=True)
    assert "old 0" in page and "old 1" in page and "new 0" not in page
    ranged = client.get("/audit?from=2026-01-05&to=2026-01-05").get_data(as_text=True)
    assert (
        "old 1" in ranged and "new 0" not in ranged and "sign-in" not in ranged.split("<table")[1]
    )
    by_user = client.get("/audit?user=pat@example.org").get_data(as_text=True)
    assert "sign-in" in by_user and "old 0" not in by_user


@pytest.mark.parametrize(
    ("query", "words"),
    [
        ("action=drop-table", "'action' must be one of the list"),
        ("outcome=<script>", "'outcome' must be one of the list"),
        ("from=yesterday", "'from' must be a date"),
        ("from=2026-02-01&to=2026-01-01", "'to' is before 'from'"),
        ("page=0", "'page' must be a whole number"),
        ("page=abc", "'page' must be a whole number"),
    ],
)
def test_bad_filter_values_get_a_clear_message(app_client, engine, key, query, words):
    client = signed_in(app_client, engine, key)
    for path in ("/audit", "/audit/csv"):
        answer = client.get(f"{path}?{query}")
        body = answer.get_data(as_text=True)
        assert answer.status_code == 400 and words in body.replace("&#x27;", "'")
        assert "Traceback" not in body and "<script>" not in body


def test_parse_filters_makes_the_to_day_inclusive():
    found = parse_filters({"from": "2026-01-05", "to": "2026-01-06", "page": "3"})
    assert found.since == dt.datetime(2026, 1, 5) and found.until == dt.datetime(2026, 1, 7)
    assert found.page == 3
    assert found.params() == {"from": "2026-01-05", "to": "2026-01-06", "page": "3"}
    with pytest.raises(FilterProblem):
        parse_filters({"user": "x" * 321})


def test_the_csv_is_guarded_filtered_and_its_download_audited(app_client, engine, key):
    client = signed_in(app_client, engine, key)
    with engine.begin() as conn:
        audit.record(conn, "refused", "refused", obj="=cmd|'/c calc'!A1", os_user="=cmd")
    add_rows(engine, 2, action="upload")
    answer = client.get("/audit/csv?action=refused")
    assert answer.status_code == 200 and answer.mimetype == "text/csv"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [r["action"] for r in rows] == ["refused"]
    assert rows[0]["os_user"] == "'=cmd"  # guarded: a spreadsheet shows it as text
    assert rows[0]["object"].startswith("'=")
    downloads = [r for r in audit_rows(engine) if r["action"] == "download"]
    assert len(downloads) == 1
    assert downloads[0]["user_email"] == "pat@example.org"
    assert downloads[0]["object"] == "audit log CSV, 1 rows (action=refused)"


def test_a_crafted_e_mail_comes_out_guarded(app_client, engine, key):
    client = signed_in(app_client, engine, key)
    evil = person(engine, key, "=cmd@example.org", "researcher", areas=())
    other = app_client()
    sign_in(other, evil)
    other.get("/audit")  # refused: a row with the crafted address
    text_csv = client.get("/audit/csv").get_data(as_text=True)
    assert "'=cmd@example.org" in text_csv
    assert not any(line.startswith("=") or ",=" in line for line in text_csv.splitlines())


def test_every_server_route_is_open_api_dash_or_mapped_by_the_gate():
    app = create_app(DashboardSettings(database_url="sqlite:///unused.db", warm_cache=False))
    unmapped = []
    for rule in app.server.url_map.iter_rules():
        path = rule.rule
        if server_page_need(path) is not None:
            continue
        if path in OPEN_PATHS or path.startswith(OPEN_PREFIXES):
            continue
        if path.startswith(("/api/", "/_dash-")) or path in ("/", "/<path:path>"):
            continue  # the API, Dash's own routes and its pages: mapped by the gate's rules
        if is_profile_pdf(path.replace("<gss>", "E06000009")):
            continue  # the area profile's PDF: the gate maps it as the area profile
        unmapped.append(path)
    assert unmapped == []
    assert server_page_need("/audit") == ("view_audit",)
    assert server_page_need("/audit/csv") == ("view_audit", "export_audit")
    assert server_page_need("/users/7") == ("manage_users",)
    assert server_page_need("/account/tokens") == ("manage_own_tokens",)
    assert server_page_need("/account/invitation/x") is None  # open: the invitation pages
