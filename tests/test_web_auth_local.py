"""Local mode (docs/spec/service.md § 2): the demo's banner and role switcher (checked on the
server against the roles and the area list), ``--no-sign-in`` on loopback only with its local
token, and the demo database's mark."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import select
from support.servers import dev_server, free_port, request
from support.web import GATESHEAD, NEWCASTLE, small_db
from support.web_auth import SAME_SITE, csrf_of, post_form

from dashboard.__main__ import is_loopback
from dashboard.app import create_app
from dashboard.demo import demo_database
from dashboard.settings import DashboardSettings
from etl.load import store
from lfo import schema
from lfo.db import clear_demo_mark, demo_ended, is_demo, mark_demo, writer_engine

ROOT = Path(__file__).resolve().parent.parent
BANNER = "Demo with synthetic data: sign-in is switched off"


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return small_db(tmp_path_factory.mktemp("web-local") / "lfo.db")


@pytest.fixture(scope="module")
def key_file(tmp_path_factory) -> str:
    return str(tmp_path_factory.mktemp("web-local-key") / "secrets.key")


def client_for(db_url: str, key_file: str = "", **changes):
    assert key_file, "a secrets key in the test's folder, never data/"
    settings = DashboardSettings(
        database_url=db_url, warm_cache=False, secrets_key_file=key_file, **changes
    )
    return create_app(settings).server.test_client()


def choose(client, role: str, area: str = "") -> None:
    done = post_form(client, "/local/role?next=/reach", {"role": role, "area": area})
    assert done.status_code == 303 and done.headers["Location"] == "/reach"


def test_the_demo_shows_its_banner_and_acts_as_a_programme_lead(db_url, key_file):
    client = client_for(db_url, key_file, demo=True)
    page = client.get("/")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and BANNER in text
    assert "Viewing as: Programme lead (DWP)" in text and 'href="/local/role?next=' in text
    assert client.get("/quality").status_code == 200


def test_the_role_switcher_shows_each_role_s_view_checked_on_the_server(db_url, key_file):
    client = client_for(db_url, key_file, demo=True)
    choose(client, "la", NEWCASTLE)
    text = client.get("/").get_data(as_text=True)
    assert f"Viewing as: Local authority lead of {NEWCASTLE}" in text
    choose(client, "researcher")
    assert client.get("/reach").status_code == 403  # researchers see releases only
    assert client.get("/definitions").status_code == 200
    # a cookie the switcher never set: an unknown area or role is the programme lead
    for forged in (f"la:{GATESHEAD}x", "admin", "la:", "researcher:E08000021"):
        client.set_cookie("lfo_role", forged)
        assert "Viewing as: Programme lead (DWP)" in client.get("/").get_data(as_text=True)
        assert client.get("/reach").status_code == 200


def test_the_role_switcher_refuses_unknown_roles_and_areas_and_other_sites(db_url, key_file):
    client = client_for(db_url, key_file, demo=True)
    page = client.get("/local/role")
    token = csrf_of(page.get_data(as_text=True))
    for data in ({"role": "admin"}, {"role": "la", "area": "E99999999"}):
        answer = client.post("/local/role", data={"csrf": token, **data}, headers=SAME_SITE)
        assert answer.status_code == 403
    evil = client.post(
        "/local/role",
        data={"csrf": token, "role": "researcher"},
        headers={"Origin": "https://evil.example"},
    )
    assert evil.status_code == 403


def test_apps_built_by_default_have_no_banner_and_act_as_a_programme_lead(db_url, key_file):
    client = client_for(db_url, key_file)
    text = client.get("/").get_data(as_text=True)
    assert BANNER not in text and "Viewing as" not in text
    assert client.get("/reach").status_code == 200


def test_no_sign_in_needs_the_local_token_on_every_request(db_url, key_file):
    client = client_for(db_url, key_file, local_token="s3cret-token")
    assert client.get("/").status_code == 403
    assert client.get("/api/v1/areas").status_code == 401
    assert client.get("/api/v1/areas?token=wrong").status_code == 401
    assert client.get("/assets/bootstrap.min.css").status_code == 200  # files need none
    bearer = {"Authorization": "Bearer s3cret-token"}
    assert client.get("/api/v1/areas", headers=bearer).status_code == 200
    first = client.get("/reach?token=s3cret-token&area=E08000021")
    assert first.status_code == 303 and first.headers["Location"] == "/reach?area=E08000021"
    assert "lfo_local=s3cret-token" in first.headers["Set-Cookie"]
    assert "HttpOnly" in first.headers["Set-Cookie"]
    page = client.get("/reach")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Sign-in is switched off" in text


def test_loopback_addresses():
    assert is_loopback("127.0.0.1") and is_loopback("localhost") and is_loopback("::1")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.10")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dashboard", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_no_sign_in_on_a_non_loopback_host_is_refused(db_url, key_file):
    done = run_cli("--db", db_url, "--no-sign-in", "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 2
    assert "--no-sign-in listens on a loopback address only" in done.stderr
    assert "Traceback" not in done.stderr


def test_without_users_the_dashboard_says_how_to_invite_the_first_one(db_url, key_file):
    done = run_cli("--db", db_url, "--port", str(free_port()))
    assert done.returncode == 2
    assert "python -m dashboard users add EMAIL --role programme" in done.stderr


def test_the_demo_mark_is_a_schema_info_row_set_and_cleared(tmp_path):
    url = small_db(tmp_path / "lfo.db")
    assert not demo_database(url)
    engine = writer_engine(url)
    with engine.begin() as conn:
        mark_demo(conn)
    assert demo_database(url)
    with engine.begin() as conn:
        assert is_demo(conn)
        clear_demo_mark(conn)
    assert not demo_database(url)
    engine.dispose()


def test_a_load_clears_the_demo_mark(tmp_path):
    """``etl.load.store.upsert_return``: every load's new current return clears the mark."""
    url = small_db(tmp_path / "lfo.db")
    engine = writer_engine(url)
    with engine.begin() as conn:
        mark_demo(conn)
        row = conn.execute(select(schema.returns).limit(1)).mappings().first()
        assert row is not None
        store.upsert_return(conn, dict(row))
    assert not demo_database(url)
    engine.dispose()


def test_the_start_up_line_prints_the_url_with_the_token(db_url, tmp_path):
    env = {"LFO_LOCAL_TOKEN": "printed-token", "LFO_SECRETS_KEY_FILE": str(tmp_path / "k")}
    with dev_server(db_url, tmp_path, env, ["--no-sign-in"]) as served:
        for _ in range(50):
            if "printed-token" in served.stderr():
                break
            time.sleep(0.1)
        err = served.stderr()
    assert re.search(r"open http://127\.0\.0\.1:\d+/\?token=printed-token", err), err


def test_python_m_dashboard_on_its_demo_database_needs_no_sign_in(tmp_path):
    url = small_db(tmp_path / "demo.db")
    engine = writer_engine(url)
    with engine.begin() as conn:
        mark_demo(conn)
    engine.dispose()
    with dev_server(url, tmp_path, {"LFO_SECRETS_KEY_FILE": str(tmp_path / "k")}) as served:
        page = request(served.base, "GET", "/")
        api = request(served.base, "GET", "/api/v1/areas")
    assert page.status == 200
    assert BANNER in page.body.decode()
    assert api.status == 200
    done = run_cli("--db", url, "--host", "0.0.0.0", "--port", str(free_port()))
    assert done.returncode == 2 and "loopback address only" in done.stderr


def test_local_mode_has_no_sign_in_and_audits_no_role_switcher_refusal(db_url, key_file):
    client = client_for(db_url, key_file, demo=True)
    assert client.get("/sign-in").headers["Location"] == "/"
    client.set_cookie("lfo_role", "researcher")
    assert client.get("/reach").status_code == 403
    engine = writer_engine(db_url)
    with engine.connect() as conn:
        rows = conn.execute(select(schema.audit_log)).all()
    engine.dispose()
    assert rows == []


def test_a_demo_ended_by_a_load_says_why_it_needs_sign_in_and_how_to_get_the_demo_back(tmp_path):
    url = small_db(tmp_path / "lfo.db")
    engine = writer_engine(url)
    with engine.begin() as conn:
        assert demo_ended(conn) is None  # never the demo
        mark_demo(conn)
        row = conn.execute(select(schema.returns).limit(1)).mappings().first()
        assert row is not None
        store.upsert_return(conn, dict(row))  # a load (a return submitted through the demo)
        ended = demo_ended(conn)
        store.upsert_return(conn, dict(row))  # a second load keeps the first moment
        assert demo_ended(conn) == ended
    engine.dispose()
    assert ended is not None and ended.endswith("UTC")
    done = run_cli("--db", url, "--port", str(free_port()))
    assert done.returncode == 2
    assert f"this database was the demo, but a return was loaded into it on {ended}" in done.stderr
    assert "move the database file away" in done.stderr and "--no-sign-in" in done.stderr
    assert "python -m dashboard users add EMAIL --role programme" in done.stderr
