"""deploy/nginx/lfo.conf, as shipped, run by Debian's nginx in front of a real gunicorn serving
the app (issue 15 § 4): TLS, the redirect from http, static files and their cache headers,
compression done once, the body limits on both sides, and the forwarded headers believed only
from the proxy (ProxyFix, ``dashboard.web.proxy``).

gunicorn listens on a unix socket (the proxy's way in, as deploy/systemd/lfo-web.service sets it
up) and on a loopback port (a client that bypasses the proxy)."""

from __future__ import annotations

import gzip
import http.client
import re
import ssl
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

import pytest
from sqlalchemy import select
from support.nginx import NAME, Stack, nginx
from support.servers import GUNICORN, ROOT, Answer, Served, free_port, request, serve_process
from support.web import security_problems, small_db

from dashboard.app import ASSETS_DIR, GRAPH_CHUNK
from dashboard.layouts.definitions import TITLE as DEFINITIONS
from dashboard.web.forms import CSRF_FIELD, FORM_COOKIE
from dashboard.web.limits import MAX_BODY_BYTES, UPLOAD_MAX_BYTES
from lfo import schema
from lfo.access import users
from lfo.db import writer_engine

MB = 1024 * 1024
NGINX_LIMIT = 51 * MB  # client_max_body_size 51m
ONCE = ("Strict-Transport-Security", "Content-Security-Policy", "X-Frame-Options", "X-Request-ID")
FINGERPRINTED = re.compile(r"\.v[\w-]+m[0-9a-f]+\.")


@dataclass
class Site:
    proxy: Stack
    app: Served  # gunicorn; ``app.base``: its loopback port, bypassing the proxy
    db_url: str

    def app_lines(self, text: str, seconds: float = 10) -> list[str]:
        """gunicorn's log lines holding ``text`` (waiting for at least one)."""
        deadline = time.monotonic() + seconds
        while True:
            lines = [x for x in self.app.stderr().splitlines() if text in x]
            if lines or time.monotonic() > deadline:
                return lines
            time.sleep(0.1)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Site:
    folder = tmp_path_factory.mktemp("nginx")
    db_url = small_db(folder / "lfo.db")
    engine = writer_engine(db_url)
    with engine.begin() as conn:
        users.add_user(conn, "lead@example.org", "programme")
    engine.dispose()
    http_port, https_port, direct_port = free_port(), free_port(), free_port()
    socket_path = folder / "web.sock"
    env = {
        "LFO_DATABASE_URL": db_url,
        "LFO_BASE_URL": f"https://{NAME}:{https_port}",
        "LFO_TRUSTED_PROXIES": "1",
        "LFO_COMPRESS": "0",
        "LFO_PUBLIC": "1",
        "LFO_SECRETS_KEY_FILE": str(folder / "secrets.key"),
    }
    command = [
        GUNICORN,
        "-c",
        str(ROOT / "deploy" / "gunicorn.conf.py"),
        "--bind",
        f"unix:{socket_path}",
        "--bind",
        f"127.0.0.1:{direct_port}",
        "--workers",
        "2",
        "dashboard.wsgi:server",
    ]
    with (
        serve_process(command, direct_port, env, folder / "gunicorn") as app,
        nginx(folder / "nginx", socket_path, http_port, https_port) as proxy,
    ):
        yield Site(proxy, app, db_url)


def test_https_answers_pages_and_healthz_with_the_apps_headers_once(site):
    health = site.proxy.https("GET", "/healthz")
    home = site.proxy.https("GET", "/")
    page = site.proxy.https("GET", "/definitions")
    assert health.status == 200 and b'"status"' in health.body
    assert (home.status, home.header("Location")) == (303, "/sign-in?next=/")  # anonymous
    assert page.status == 200 and DEFINITIONS.encode() in page.body
    for answer in (health, home, page):
        assert security_problems(answer.headers, https=True) == []
        assert {n: len(answer.headers.get_all(n)) for n in ONCE} == dict.fromkeys(ONCE, 1)
        assert answer.header("Server") == "nginx"  # no version
    # the id nginx made is the one the app logged and answered with
    rid = page.header("X-Request-ID")
    deadline = time.monotonic() + 10  # nginx writes its line once the answer is sent: a moment
    while f"rid={rid}" not in site.proxy.log("lfo.access.log") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert f"rid={rid}" in site.proxy.log("lfo.access.log")
    assert site.app_lines(f"[{rid}] GET /definitions 200")


def tls_handshake(site: Site, version: ssl.TLSVersion) -> str:
    """The protocol agreed when the client offers only ``version``, or the error."""
    context = site.proxy.tls()
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let this client offer old versions at all
    context.minimum_version = context.maximum_version = version
    try:
        conn = http.client.HTTPSConnection("127.0.0.1", site.proxy.https_port, context=context)
        conn.connect()
        agreed = conn.sock.version()
        conn.close()
        return str(agreed)
    except ssl.SSLError as exc:
        return exc.reason or str(exc)


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_only_tls_1_2_and_1_3_are_spoken(site):
    assert tls_handshake(site, ssl.TLSVersion.TLSv1_3) == "TLSv1.3"
    assert tls_handshake(site, ssl.TLSVersion.TLSv1_2) == "TLSv1.2"
    # refused by nginx (an alert from the server), not by this client
    assert "ALERT_PROTOCOL_VERSION" in tls_handshake(site, ssl.TLSVersion.TLSv1_1)


def test_plain_http_redirects_to_https_at_the_sites_own_name(site):
    base = f"http://127.0.0.1:{site.proxy.http_port}"
    answer = request(base, "GET", "/healthz?x=1")
    forged = request(base, "GET", "/definitions", headers={"Host": "evil.example"})
    origin = site.proxy.origin
    assert (answer.status, answer.header("Location")) == (301, f"{origin}/healthz?x=1")
    assert (forged.status, forged.header("Location")) == (301, f"{origin}/definitions")
    assert not site.app_lines("GET /healthz?x=1", seconds=0)  # never reached the app


def page_files(site: Site) -> list[str]:
    html = site.proxy.https("GET", "/definitions").body.decode()
    return [unescape(u) for u in re.findall(r'<(?:script|link)[^>]*?(?:src|href)="([^"]+)"', html)]


def test_the_sites_own_files_come_from_disk_compressed_once_and_kept_when_versioned(site):
    versioned = [u for u in page_files(site) if u.startswith("/assets/") and "?m=" in u]
    assert any(u.startswith("/assets/plotly-basic.min.js?m=") for u in versioned)
    for url in versioned:
        answer = site.proxy.https("GET", url, headers={"Accept-Encoding": "gzip"})
        on_disk = (ASSETS_DIR / url.removeprefix("/assets/").split("?")[0]).read_bytes()
        assert answer.status == 200, url
        assert answer.header("Cache-Control") == "public, max-age=31536000, immutable", url
        assert answer.header("X-Content-Type-Options") == "nosniff"
        if len(on_disk) < 1024:  # gzip_min_length: not worth it
            assert answer.header("Content-Encoding") is None and answer.body == on_disk, url
            continue
        assert answer.header("Content-Encoding") == "gzip", url
        assert gzip.decompress(answer.body) == on_disk, url  # compressed once: the file itself
    unversioned = site.proxy.https("GET", "/assets/site/app.css")
    assert unversioned.status == 200 and unversioned.header("Cache-Control") == "no-cache"
    assert not site.app_lines("/assets/", seconds=0)  # nginx answered them all


def test_dash_scripts_come_from_the_app_once_then_from_nginx_compressed_once(site):
    files = [u for u in page_files(site) if u.startswith("/_dash-component-suites/")]
    # dcc.Graph's code, preloaded by the page, is a chunk dcc loads itself by a fixed name: not
    # fingerprinted, so never kept as immutable (a new Dash must not meet an old chunk)
    assert GRAPH_CHUNK in files
    chunk = site.proxy.https("GET", GRAPH_CHUNK)
    assert chunk.status == 200 and "immutable" not in (chunk.header("Cache-Control") or "")
    scripts = [u for u in files if u != GRAPH_CHUNK]
    fingerprinted = [u for u in scripts if FINGERPRINTED.search(u)]
    assert fingerprinted == scripts and len(scripts) > 3  # Dash 4 fingerprints every one
    url = next(u for u in scripts if "dash_renderer" in u)
    first = site.proxy.https("GET", url, headers={"Accept-Encoding": "gzip"})
    again = site.proxy.https("GET", url, headers={"Accept-Encoding": "gzip"})
    plain = request(site.app.base, "GET", url, headers={"Accept-Encoding": "gzip"})
    assert plain.status == 200 and plain.header("Content-Encoding") is None  # LFO_COMPRESS=0
    for answer in (first, again):
        assert answer.header("Cache-Control") == "public, max-age=31536000, immutable"
        assert answer.header("Content-Encoding") == "gzip"
        assert gzip.decompress(answer.body) == plain.body
    # the app answered it twice (once through nginx, once directly): the second was nginx's copy
    assert len(site.app_lines(f"GET {url} 200")) == 2


def test_pages_callbacks_and_the_api_are_compressed_by_nginx_not_the_app(site):
    answer = site.proxy.https("GET", "/api/v1/indicators", headers={"Accept-Encoding": "gzip"})
    direct = request(
        site.app.base, "GET", "/api/v1/indicators", headers={"Accept-Encoding": "gzip"}
    )
    assert answer.header("Content-Encoding") == "gzip" and direct.status == 200
    assert direct.header("Content-Encoding") is None
    assert gzip.decompress(answer.body) == direct.body


def declared_only(site: Site, path: str, length: int) -> Answer:
    """A POST that declares ``length`` bytes and sends none: nginx answers from the headers."""
    conn = http.client.HTTPSConnection(
        "127.0.0.1", site.proxy.https_port, context=site.proxy.tls(), timeout=30
    )
    try:
        conn.putrequest("POST", path, skip_host=True)
        conn.putheader("Host", f"{NAME}:{site.proxy.https_port}")
        conn.putheader("Content-Type", "application/octet-stream")
        conn.putheader("Content-Length", str(length))
        conn.endheaders()
        resp = conn.getresponse()
        return Answer(resp.status, resp.headers, resp.read())
    finally:
        conn.close()


def test_bodies_over_51_mb_are_refused_by_nginx_and_smaller_ones_as_the_app_says(site):
    assert MAX_BODY_BYTES < UPLOAD_MAX_BYTES < NGINX_LIMIT  # the two limits, in this order
    too_big = declared_only(site, "/returns/upload", NGINX_LIMIT + 1)
    assert too_big.status == 413 and b"at most 50 MB" in too_big.body
    assert not site.app_lines("POST /returns/upload 413", seconds=0)  # the app never saw it
    # over the app's limits, under nginx's: the app's own answers come through, whole
    body = b"x" * (MAX_BODY_BYTES + MB // 2)
    api = site.proxy.https("POST", "/api/v1/areas", body=body)
    form = site.proxy.https("POST", "/sign-in", body=body)
    assert api.status == 413 and "50 MB" in api.body.decode()  # JSON under /api/
    assert form.status == 413 and b"larger than this address accepts (50 MB)" in form.body
    # refused before its body was read (anonymous): the app's redirect, not nginx's 502
    upload = site.proxy.https("POST", "/returns/upload", body=body)
    assert (upload.status, upload.header("Location")) == (303, "/sign-in?next=/returns/upload")


def failed_sign_in(ask, origin: str, forged: str) -> None:
    """A wrong password for a real account, sent with a forged X-Forwarded-For by ``ask``
    (``ask(method, path, body, headers)``)."""
    form = ask("GET", "/sign-in", None, {})
    cookie = re.search(rf"{FORM_COOKIE}=([^;]+)", form.header("Set-Cookie") or "")
    token = re.search(rf'name="{CSRF_FIELD}" value="([^"]+)"', form.body.decode())
    assert cookie and token
    fields = {"email": "lead@example.org", "password": "not the password", "next": "/"}
    answer = ask(
        "POST",
        "/sign-in",
        urlencode({**fields, CSRF_FIELD: unescape(token.group(1))}).encode(),
        {
            "Cookie": f"{FORM_COOKIE}={cookie.group(1)}",
            "Origin": origin,
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Forwarded-For": forged,
            "X-Request-ID": "forged-id",
        },
    )
    assert answer.status == 200 and "forged-id" not in (answer.header("X-Request-ID") or "")


def audited_clients(db_url: str) -> list[str | None]:
    engine = writer_engine(db_url)
    t = schema.audit_log
    with engine.connect() as conn:
        rows = conn.execute(select(t.c.client).order_by(t.c.audit_id)).scalars().all()
    engine.dispose()
    return list(rows)


def test_a_forged_forwarded_for_never_becomes_the_audited_client_address(site):
    before = len(audited_clients(site.db_url))

    def via_nginx(method, path, body, headers):  # from 127.0.0.2: nginx's $remote_addr
        return site.proxy.https(method, path, body, headers, source="127.0.0.2")

    def direct(method, path, body, headers):  # to gunicorn's port, bypassing the proxy
        return request(site.app.base, method, path, body, headers)

    failed_sign_in(via_nginx, site.proxy.origin, forged="203.0.113.66")
    failed_sign_in(direct, site.proxy.origin, forged="203.0.113.77")
    assert audited_clients(site.db_url)[before:] == ["127.0.0.2", "127.0.0.1"]


def test_the_app_sees_the_scheme_and_host_the_user_sees_only_through_the_proxy(site):
    """The first layout comes with the page it was opened at only for a Referer of the same
    origin (``dashboard.app.opened_at``): https and the public host and port, from ProxyFix."""
    referrer = {"Referer": f"{site.proxy.origin}/definitions"}
    proxied = site.proxy.https("GET", "/_dash-layout", headers=referrer)
    forged = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": f"{NAME}:{site.proxy.https_port}"}
    direct = request(site.app.base, "GET", "/_dash-layout", headers={**referrer, **forged})
    assert proxied.status == direct.status == 200
    assert DEFINITIONS.encode() in proxied.body  # the page, drawn in the first answer
    assert DEFINITIONS.encode() not in direct.body  # the bare shell: forged headers ignored


def test_the_shipped_file_still_names_the_production_paths():
    """What the operator changes is marked, and the test replaced exactly those lines."""
    text = (ROOT / "deploy" / "nginx" / "lfo.conf").read_text(encoding="utf-8")
    changes = [line for line in text.splitlines() if "# CHANGE" in line]
    assert len(changes) == 6, changes
    assert "unix:/run/lfo/web.sock" in text and "/srv/lfo/dashboard/assets/" in text
    unit = (ROOT / "deploy" / "systemd" / "lfo-web.service").read_text(encoding="utf-8")
    assert "--bind unix:/run/lfo/web.sock" in unit  # gunicorn listens where nginx looks
    assert Path("/usr/sbin/nginx").exists()
