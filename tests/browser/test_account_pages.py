"""The users page and the API-tokens page in a real browser (issue 12 §§ 4–5): a programme lead
signs in, invites someone, opens their page, makes a token; every page is accessible (axe, WCAG 2.2
AA) and runs under the Content-Security-Policy without a violation."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

import pyotp
import pytest
from support.accounts import enrolled
from support.axe import axe_violations, describe
from support.browser import serving, wait_for_dash

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.access.secrets import load_key
from lfo.db import init_db, writer_engine


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[tuple[str, str, str]]:
    """The dashboard in sign-in mode with one enrolled programme lead: URL, address, secret."""
    folder = tmp_path_factory.mktemp("browser-accounts")
    url = f"sqlite:///{folder / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    key = load_key(folder / "secrets.key")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=60)
    with engine.begin() as conn:
        pat = enrolled(conn, key, "pat@example.org", "programme", areas=(), now=now)
    engine.dispose()
    settings = DashboardSettings(
        database_url=url,
        warm_cache=False,
        sign_in=True,
        secrets_key_file=str(folder / "secrets.key"),
    )
    with serving(create_app(settings)) as base:
        yield base, pat.email, pat.secret


def test_the_users_and_tokens_pages_are_accessible_and_within_the_policy(served, browsing):
    base, email, secret = served
    page = browsing.page
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{base}/sign-in?next=/definitions")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/sign-in/code.*"))
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/definitions")
    wait_for_dash(page)
    page.get_by_role("link", name="Users").click()
    page.wait_for_url(f"{base}/users")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_label("E-mail address").fill("new@example.org")
    page.get_by_label("Role").select_option("la")
    page.get_by_label("Areas (local authority leads only)").select_option("E08000021")
    page.get_by_role("button", name="Invite").click()
    page.wait_for_load_state()
    assert "/account/invitation/" in page.inner_text("main")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_role("link", name="new@example.org").click()
    page.wait_for_url(re.compile(r".*/users/\d+$"))
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.goto(f"{base}/account/tokens")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_label("Name (what it is for)").fill("notebook")
    page.get_by_role("button", name="Make token").click()
    page.wait_for_load_state()
    assert re.search(r"lfo_[A-Za-z0-9_-]{43}", page.inner_text("main"))
    assert axe_violations(page) == [], describe(axe_violations(page))
    assert violations == []
