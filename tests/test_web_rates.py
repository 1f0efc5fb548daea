"""Rate limits (issue 12 § 7, service.md § 3): the API per token (or client address for anonymous
use under LFO_PUBLIC), 429 with Retry-After as JSON; chart image downloads per user, said in the
card's status line; the client address from LFO_TRUSTED_PROXIES; the settings checked."""

from __future__ import annotations

import time

import pytest
from support.accounts import NEWCASTLE, engine, key
from support.servers import free_port
from support.web_auth import SAME_SITE, make_app, person, sign_in
from test_download_attacks import new_download

from dashboard.api.errors import RETRY_AFTER
from dashboard.app import create_app
from dashboard.settings import DashboardSettings, rate_limit
from lfo.access import tokens

__all__ = ["engine", "key"]  # fixtures

#: A view key with nothing to draw: the download says so without rendering, after the quota is
#: counted (the limit is checked before any work).
UNKNOWN_VIEW = {"not": "a view"}
OVER = "Too many chart image downloads"


@pytest.fixture
def app_client(engine, tmp_path):
    return make_app(engine, tmp_path)


def a_token(engine, key, email):
    who = person(engine, key, email, "la", areas=(NEWCASTLE,))
    with engine.begin() as conn:
        made = tokens.create_token(conn, who.user_id, "test")
    return made.token


def test_the_api_is_limited_per_token(app_client, engine, key):
    client = app_client(api_rate_limit="3/minute")
    first = {"Authorization": f"Bearer {a_token(engine, key, 'ann@example.org')}"}
    second = {"Authorization": f"Bearer {a_token(engine, key, 'bob@example.org')}"}
    for _ in range(3):
        assert client.get("/api/v1/areas", headers=first).status_code == 200
    over = client.get("/api/v1/areas", headers=first)
    assert over.status_code == 429
    assert over.is_json and "Too many API requests" in over.get_json()["error"]["message"]
    assert 0 < int(over.headers["Retry-After"]) <= 60
    # another token has its own count; pages are not API requests
    assert client.get("/api/v1/areas", headers=second).status_code == 200


def test_anonymous_api_use_is_limited_per_client_address(app_client):
    client = app_client(
        public=True, api_rate_limit="2/minute", trusted_proxies=1, proxy_addresses=("127.0.0.1",)
    )
    one = {"X-Forwarded-For": "203.0.113.7"}
    other = {"X-Forwarded-For": "203.0.113.8"}
    assert [client.get("/api/v1/areas", headers=one).status_code for _ in range(3)] == [
        200,
        200,
        429,
    ]
    assert client.get("/api/v1/areas", headers=other).status_code == 200


def test_without_trusted_proxies_the_forwarded_header_is_ignored(app_client):
    client = app_client(public=True, api_rate_limit="2/minute")
    statuses = [
        client.get("/api/v1/areas", headers={"X-Forwarded-For": f"203.0.113.{i}"}).status_code
        for i in range(3)
    ]
    assert statuses == [200, 200, 429]  # one peer address, whatever the header says


def test_a_503_keeps_its_own_retry_after_and_the_limiter_s_429_has_the_limiter_s():
    """The database stopped (nothing listens on the port): each API answer says to come back in
    ``RETRY_AFTER`` seconds, not at the limiter's window reset; over the limit the 429 says when
    the window lets the next request in."""
    url = f"postgresql+psycopg://lfo@127.0.0.1:{free_port()}/lfo"
    app = create_app(DashboardSettings(database_url=url, api_rate_limit="2/minute"))
    client = app.server.test_client()
    for _ in range(2):
        down = client.get("/api/v1/areas")
        assert down.status_code == 503 and down.headers["Retry-After"] == RETRY_AFTER
        assert "X-RateLimit-Remaining" in down.headers  # the limiter counted it all the same
    over = client.get("/api/v1/areas")
    assert over.status_code == 429
    wait = int(over.headers["Retry-After"])
    reset = int(over.headers["X-RateLimit-Reset"])  # the window's reset, in epoch seconds
    assert int(RETRY_AFTER) < wait <= 60 and abs(wait - (reset - time.time())) <= 2


def image_download(client, fmt):
    """The status line of the Reach trend card after pressing its ``fmt`` button."""
    client.environ_base["HTTP_ORIGIN"] = SAME_SITE["Origin"]
    status, got = new_download(client, "reach-trend", fmt, UNKNOWN_VIEW)
    assert status == 200 and got["status"]
    return got["status"]


def test_chart_image_downloads_are_limited_per_user_and_the_card_says_so(app_client, engine, key):
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    bob = person(engine, key, "bob@example.org", "la", areas=(NEWCASTLE,))
    client = app_client(image_rate_limit="2/minute")
    assert sign_in(client, ann).status_code == 303
    assert OVER not in image_download(client, "png")
    assert OVER not in image_download(client, "svg")
    over = image_download(client, "png")
    assert f"{OVER}: the limit is 2/minute" in over
    wait = int(over.split("Try again in ")[1].split(" ")[0])
    assert 1 <= wait <= 60 and "CSV or Excel" in over
    # CSV and Excel are not image renders: not counted
    assert OVER not in image_download(client, "csv")
    other = app_client(image_rate_limit="2/minute")
    assert sign_in(other, bob).status_code == 303
    assert OVER not in image_download(other, "png")


@pytest.mark.parametrize("value", ["600/minute", "10 per second", "100/5 minutes"])
def test_rate_settings_accept_flask_limiter_rates(value):
    assert rate_limit("LFO_API_RATE_LIMIT", value) == value


@pytest.mark.parametrize("value", ["lots", "600", "/minute", "600/fortnight"])
def test_rate_settings_refuse_anything_else(value):
    with pytest.raises(ValueError, match="LFO_API_RATE_LIMIT must be a rate"):
        rate_limit("LFO_API_RATE_LIMIT", value)


def test_rate_settings_from_the_environment(monkeypatch):
    monkeypatch.setenv("LFO_API_RATE_LIMIT", "5/second")
    monkeypatch.delenv("LFO_IMAGE_RATE_LIMIT", raising=False)
    settings = DashboardSettings.from_env()
    assert settings.api_rate_limit == "5/second" and settings.image_rate_limit == "30/minute"
    monkeypatch.setenv("LFO_IMAGE_RATE_LIMIT", "many")
    with pytest.raises(ValueError, match="LFO_IMAGE_RATE_LIMIT"):
        DashboardSettings.from_env()
