"""Rate limits (issue 12 § 7, service.md § 3): the API per token (or client address for anonymous
use under LFO_PUBLIC), chart image downloads per user; 429 with Retry-After, JSON under /api/;
the client address from LFO_TRUSTED_PROXIES; the settings checked."""

from __future__ import annotations

import pytest
from support.accounts import NEWCASTLE, engine, key
from support.web_auth import SAME_SITE, make_app, person, sign_in

from dashboard.settings import DashboardSettings, rate_limit
from lfo.access import tokens

__all__ = ["engine", "key"]  # fixtures

IMAGE = '{"chart":"reach-trend","fmt":"%s","type":"chart-download-button"}.n_clicks'


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
    client = app_client(public=True, api_rate_limit="2/minute", trusted_proxies=1)
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


def image_download(client, fmt):
    body = {
        "output": "..x..",  # not a real callback: the limit is checked before the body's shape
        "changedPropIds": [IMAGE % fmt],
        "inputs": [],
    }
    return client.post("/_dash-update-component", json=body, headers=SAME_SITE)


def test_chart_image_downloads_are_limited_per_user(app_client, engine, key):
    ann = person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,))
    bob = person(engine, key, "bob@example.org", "la", areas=(NEWCASTLE,))
    client = app_client(image_rate_limit="2/minute")
    assert sign_in(client, ann).status_code == 303
    assert image_download(client, "png").status_code != 429
    assert image_download(client, "svg").status_code != 429
    over = image_download(client, "png")
    assert (
        over.status_code == 429
        and "Too many chart image downloads" in over.get_json()["error"]["message"]
    )
    assert "Retry-After" in over.headers
    # CSV and Excel are not image renders: not counted
    assert image_download(client, "csv").status_code != 429
    other = app_client(image_rate_limit="2/minute")
    assert sign_in(other, bob).status_code == 303
    assert image_download(other, "png").status_code != 429


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
