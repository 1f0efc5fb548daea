"""Single sign-on in a real browser (issue 12 § 3): the sign-in page's "Sign in with …" button,
the real provider's authorization page (oidc-provider-mock on loopback), back to this service,
where a person the provider did not check a second factor for adds one, and lands on the page
they asked for, signed in. Our pages are accessible (axe) and hold the Content-Security-Policy."""

from __future__ import annotations

import re
from collections.abc import Iterator

import oidc_provider_mock
import pyotp
import pytest
import requests
from support.accounts import NEWCASTLE
from support.axe import axe_violations, describe
from support.browser import serving, wait_for_dash

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.access import users
from lfo.db import init_db, writer_engine

_KEY = re.compile(r"Key: ([A-Z2-7]+)")


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("browser-sso")
    url = f"sqlite:///{folder / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    with engine.begin() as conn:
        users.add_user(conn, "bea@example.org", "la", (NEWCASTLE,))
    engine.dispose()
    with oidc_provider_mock.run_server_in_thread(port=0) as provider:
        issuer = f"http://localhost:{provider.server_port}"
        claims = {"email": "bea@example.org", "email_verified": True}
        assert requests.put(f"{issuer}/users/sub-bea", json=claims, timeout=10).ok
        settings = DashboardSettings(
            database_url=url,
            warm_cache=False,
            sign_in=True,
            secrets_key_file=str(folder / "secrets.key"),
            oidc_issuer=issuer,
            oidc_client_id="lfo-dashboard",
            oidc_client_secret="browser test secret",
            oidc_name="Example Council",
        )
        with serving(create_app(settings)) as base:
            yield base


def test_signing_in_with_the_organisation_in_a_browser(served, browsing):
    base = served
    page = browsing.page
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{base}/definitions")
    assert page.url == f"{base}/sign-in?next=/definitions"
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_role("button", name="Sign in with Example Council").click()
    page.wait_for_url(re.compile(r"http://localhost:\d+/oauth2/authorize.*"))
    page.fill('input[name="sub"]', "sub-bea")
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(re.compile(r".*/sign-in/sso/enrol\?next=/definitions$"))
    assert axe_violations(page) == [], describe(axe_violations(page))
    found = _KEY.search(page.inner_text("main"))
    assert found, page.inner_text("main")
    page.get_by_label("Code from the app").fill(pyotp.TOTP(found.group(1)).now())
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("heading", name="Your recovery codes").wait_for()  # shown once
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{base}/definitions")
    wait_for_dash(page)
    assert "Signed in as bea@example.org" in page.inner_text("body")
    assert violations == []
