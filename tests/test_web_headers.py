"""Security headers on every answer (service.md § 3; issue 10: "No security headers at all;
``Server: Werkzeug/… Python/…``").

Through the app (Flask's test client) for every kind of answer, and through the real development
server (``python -m dashboard``) for what only the server writes (``Server``). Gunicorn:
tests/test_web_gunicorn.py. That the policy lets the pages run, and stops an injected script, in
Chromium: tests/browser/test_web_csp.py.
"""

from __future__ import annotations

import json
import re
import socket

import pytest
from support.servers import dev_server, request
from support.web import (
    page_scripts,
    router_body,
    security_problems,
    sha256_source,
    small_db,
)

from dashboard.app import create_app
from dashboard.settings import DashboardSettings


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return small_db(tmp_path_factory.mktemp("web-headers") / "lfo.db")


@pytest.fixture(scope="module")
def app(db_url):
    return create_app(DashboardSettings(database_url=db_url, warm_cache=False))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def test_every_kind_of_answer_carries_the_security_headers(app, client):
    page = client.get("/reach")
    _, sources = page_scripts(page.get_data(as_text=True))
    suite = next(s for s in sources if s.startswith("/_dash-component-suites/"))
    asset = next(s for s in sources if s.startswith("/assets/"))
    answers = {
        "page": page,
        "unknown page": client.get("/no-such-page"),
        "component suite": client.get(suite),
        "asset": client.get(asset),
        "layout": client.get("/_dash-layout"),
        "dependencies": client.get("/_dash-dependencies"),
        "callback": client.post("/_dash-update-component", json=router_body(app, "/reach")),
        "refused callback": client.post(
            "/_dash-update-component", data=b"{", content_type="application/json"
        ),
        "API": client.get("/api/v1/areas"),
        "API CSV": client.get("/api/v1/data?indicator=reach.parents&format=csv"),
        "API 400": client.get("/api/v1/data"),
        "API 404": client.get("/api/v1/nope"),
        "API 405": client.post("/api/v1/data"),
        "health": client.get("/healthz"),
        "page 405": client.post("/reach"),
    }
    statuses = {name: a.status_code for name, a in answers.items()}
    assert statuses == {
        "page": 200,
        "unknown page": 200,  # Dash's page says "Page not found"
        "component suite": 200,
        "asset": 200,
        "layout": 200,
        "dependencies": 200,
        "callback": 200,
        "refused callback": 400,
        "API": 200,
        "API CSV": 200,
        "API 400": 400,
        "API 404": 404,
        "API 405": 405,
        "health": 200,
        "page 405": 405,
    }
    problems = {name: security_problems(a.headers) for name, a in answers.items()}
    assert problems == {name: [] for name in answers}


def test_every_inline_script_of_a_page_is_allowed_by_its_hash_and_nothing_else_inline(client):
    for path in ("/", "/reach", "/area/E08000021", "/definitions"):
        resp = client.get(path)
        inline, _ = page_scripts(resp.get_data(as_text=True))
        assert len(inline) >= 2, "Dash's renderer and the project's plotly.js guard are inline"
        allowed = resp.headers["Content-Security-Policy"].split("script-src")[1].split(";")[0]
        for script in inline:
            assert sha256_source(script) in allowed.split(), script[:80]


def test_strict_transport_security_when_the_public_address_is_https(db_url):
    secure = create_app(
        DashboardSettings(database_url=db_url, base_url="https://lfo.example.gov.uk")
    )
    client = secure.server.test_client()
    for path in ("/", "/api/v1/areas", "/api/v1/nope", "/healthz"):
        resp = client.get(path)
        assert security_problems(resp.headers, https=True) == [], path
        assert "includeSubDomains" in resp.headers["Strict-Transport-Security"]
    assert secure.server.config["SESSION_COOKIE_HTTPONLY"] is True
    client.get("/")
    assert secure.server.config["SESSION_COOKIE_SECURE"] is True


def test_no_strict_transport_security_over_http(db_url):
    plain = create_app(DashboardSettings(database_url=db_url, base_url="http://127.0.0.1:8050"))
    resp = plain.server.test_client().get("/")
    assert "Strict-Transport-Security" not in resp.headers
    assert plain.server.config.get("SESSION_COOKIE_SECURE") is not True


@pytest.mark.parametrize(
    "bad",
    ["lfo.example.gov.uk", "ftp://lfo.example", "https://", "https://x/?a=1", "https://u@x"],
)
def test_a_base_url_that_is_not_an_address_is_refused_by_name(monkeypatch, bad):
    monkeypatch.setenv("LFO_BASE_URL", bad)
    with pytest.raises(ValueError, match="LFO_BASE_URL"):
        DashboardSettings.from_env()


def test_web_settings_are_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LFO_BASE_URL", "https://lfo.example.gov.uk/")
    monkeypatch.setenv("LFO_TRUSTED_PROXIES", "1")
    monkeypatch.setenv("LFO_LOG_FORMAT", "JSON")
    s = DashboardSettings.from_env()
    assert (s.base_url, s.https, s.trusted_proxies, s.log_format) == (
        "https://lfo.example.gov.uk",
        True,
        1,
        "json",
    )
    monkeypatch.setenv("LFO_LOG_FORMAT", "xml")
    with pytest.raises(ValueError, match="LFO_LOG_FORMAT"):
        DashboardSettings.from_env()
    monkeypatch.setenv("LFO_LOG_FORMAT", "plain")
    assert (s.proxy_addresses, s.compress) == ((), True)  # the defaults
    monkeypatch.setenv("LFO_PROXY_ADDRESSES", " 10.0.0.5, 10.0.1.0/24 ,::1")
    monkeypatch.setenv("LFO_COMPRESS", "0")
    s = DashboardSettings.from_env()
    assert (s.proxy_addresses, s.compress) == (("10.0.0.5/32", "10.0.1.0/24", "::1/128"), False)
    monkeypatch.setenv("LFO_PROXY_ADDRESSES", "nginx.local")
    with pytest.raises(ValueError, match="LFO_PROXY_ADDRESSES must be the proxy's IP addresses"):
        DashboardSettings.from_env()
    monkeypatch.setenv("LFO_LOG_FORMAT", "plain")
    monkeypatch.setenv("LFO_TRUSTED_PROXIES", "-1")
    with pytest.raises(ValueError, match="LFO_TRUSTED_PROXIES"):
        DashboardSettings.from_env()


VERSION = re.compile(r"\d|werkzeug|python", re.IGNORECASE)


def test_the_development_server_names_no_version_and_logs_request_ids(db_url, tmp_path):
    """``python -m dashboard`` said ``Server: Werkzeug/3.1.9 Python/3.11.7``: now ``lfo``, on
    the app's answers and on the error page werkzeug writes itself for a broken request."""
    token = {"Authorization": "Bearer local-test-token"}
    env = {"LFO_LOCAL_TOKEN": "local-test-token"}
    with dev_server(db_url, tmp_path, env, ["--no-sign-in"]) as served:
        page = request(served.base, "GET", "/", headers=token)
        api = request(served.base, "GET", "/api/v1/nope", headers=token)
        port = int(served.base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
            raw.sendall(b"GET / too many words HTTP/1.1\r\n\r\n")
            broken = raw.recv(65536).decode("latin-1")
        log = served.stderr()
    assert page.status == 200 and security_problems(page.headers) == []
    assert api.status == 404 and json.loads(api.body)["error"]["message"]
    for server in (page.header("Server"), api.header("Server")):
        assert server == "lfo"
    broken_server = re.search(r"^Server: (.*)$", broken, re.MULTILINE | re.IGNORECASE)
    assert broken.startswith("HTTP/1.") and " 400 " in broken.splitlines()[0]
    assert broken_server and not VERSION.search(broken_server.group(1))
    # its log: the app's access line with the request id, not werkzeug's own
    rid = api.header("X-Request-ID")
    assert f"INFO dashboard.web.access [{rid}] GET /api/v1/nope 404 " in log
    assert '"GET /api/v1/nope HTTP/1.1" 404' not in log
