"""The dashboard under a REAL gunicorn (``deploy/gunicorn.conf.py``, ``dashboard.wsgi:server``) on
loopback, its stderr captured (issue 10: "under gunicorn the INFO log lines that
docs/operations.md promises are dropped (no logging configured)"; "no security headers at all").
"""

from __future__ import annotations

import json
import re
import time

import pytest
from support.servers import gunicorn as served_by_gunicorn
from support.servers import request
from support.web import security_problems, small_db

from lfo.access import users
from lfo.db import writer_engine

REQUEST_ID = re.compile(r"^[0-9a-f]{32}$")


#: The service needs its public address and a user (issue 12); the API's reference lists are
#: public here, so these tests need not sign in.
SERVICE_ENV = {"LFO_BASE_URL": "http://127.0.0.1", "LFO_PUBLIC": "1"}


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = small_db(tmp_path_factory.mktemp("web-gunicorn") / "lfo.db")
    engine = writer_engine(url)
    with engine.begin() as conn:
        users.add_user(conn, "lead@example.org", "programme")
    engine.dispose()
    return url


def gunicorn(db_url: str, log_dir, env=None, workers: int = 1):
    key = {"LFO_SECRETS_KEY_FILE": str(log_dir / "secrets.key")}
    return served_by_gunicorn(db_url, log_dir, {**SERVICE_ENV, **key, **(env or {})}, workers)


def wait_for(served, text: str, seconds: float = 10) -> str:
    """stderr once it holds ``text`` (log lines are written as the request ends)."""
    deadline = time.monotonic() + seconds
    while text not in (out := served.stderr()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return out


def test_under_gunicorn_every_answer_has_the_headers_and_no_server_version(db_url, tmp_path):
    with gunicorn(db_url, tmp_path) as served:
        answers = {
            "page": request(served.base, "GET", "/sign-in"),
            "page 303": request(served.base, "GET", "/"),
            "API": request(served.base, "GET", "/api/v1/indicators"),
            "API 404": request(served.base, "GET", "/api/v1/nope"),
            "callback 400": request(served.base, "POST", "/_dash-update-component", b"[[["),
            "health": request(served.base, "GET", "/healthz"),
        }
    assert {k: a.status for k, a in answers.items()} == {
        "page": 200,
        "page 303": 303,
        "API": 200,
        "API 404": 404,
        "callback 400": 400,
        "health": 200,
    }
    assert {k: security_problems(a.headers) for k, a in answers.items()} == {k: [] for k in answers}
    assert {a.header("Server") for a in answers.values()} == {"gunicorn"}  # no version


def test_under_gunicorn_the_promised_info_lines_appear_with_the_request_id(db_url, tmp_path):
    """docs/operations.md promises an access line per request and the database being opened
    (INFO), each with the id the answer carries in ``X-Request-ID``."""
    with gunicorn(db_url, tmp_path) as served:
        answer = request(served.base, "GET", "/api/v1/areas")
        rid = answer.header("X-Request-ID")
        out = wait_for(served, f"[{rid}] GET /api/v1/areas 200")
    assert answer.status == 200 and rid and REQUEST_ID.match(rid)
    assert re.search(
        rf"INFO dashboard\.services\.database \[{rid}\] opened the database read-only", out
    ), out
    assert re.search(rf"INFO dashboard\.web\.access \[{rid}\] GET /api/v1/areas 200 [\d.]+ ms", out)
    assert "Traceback" not in out


def test_under_gunicorn_json_lines_and_a_trusted_proxy_s_request_id(db_url, tmp_path):
    env = {
        "LFO_LOG_FORMAT": "json",
        "LFO_TRUSTED_PROXIES": "1",
        "LFO_PROXY_ADDRESSES": "127.0.0.1",  # this test stands in for the proxy
        "LFO_WARM_CACHE": "1",
    }
    with gunicorn(db_url, tmp_path, env=env) as served:
        answer = request(
            served.base, "GET", "/api/v1/areas", headers={"X-Request-ID": "proxy-7f3a.1"}
        )
        bad = request(served.base, "GET", "/healthz", headers={"X-Request-ID": "a b <forged>"})
        out = wait_for(served, "indicator results ahead", seconds=60)
        out = wait_for(served, "/healthz")
    assert answer.header("X-Request-ID") == "proxy-7f3a.1"
    assert REQUEST_ID.match(bad.header("X-Request-ID") or "")  # not a plain token: a new id
    ours = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    assert ours and all(
        set(r) >= {"time", "level", "logger", "request_id", "message"} for r in ours
    )
    by_id = {(r["logger"], r["request_id"]) for r in ours}
    assert ("dashboard.web.access", "proxy-7f3a.1") in by_id
    assert ("dashboard.web.access", bad.header("X-Request-ID")) in by_id
    # the background thread that makes figures ahead logs outside any request (docs/operations.md)
    made = [r for r in ours if r["logger"] == "dashboard.services.indicator_data"]
    assert made and made[0]["level"] == "INFO" and made[0]["request_id"] == "-"
    assert "forged" not in out  # an untrusted or malformed id goes nowhere


def exit_and_stderr(db_url: str, log_dir, env=None) -> tuple[int | None, str]:
    """Start gunicorn; its exit status (None: still running after 30 s) and its stderr."""
    try:
        with gunicorn(db_url, log_dir, env=env) as served:
            served.process.wait(timeout=30)
            return served.process.returncode, served.stderr()
    except RuntimeError as exc:  # exited before its port was open
        return -1, str(exc)


def test_gunicorn_refuses_to_start_without_its_public_address_or_any_user(db_url, tmp_path):
    """service.md § 2: gunicorn never runs as the demo; it says what to configure."""
    status, err = exit_and_stderr(db_url, tmp_path, env={"LFO_BASE_URL": ""})
    assert status not in (None, 0)
    assert "error: LFO_BASE_URL is not set: set it to the address users see" in err
    empty = small_db(tmp_path / "nobody.db")
    status, err = exit_and_stderr(empty, tmp_path / "empty")
    assert status not in (None, 0)
    assert "error: there are no users: invite the first programme lead" in err
