"""The sign-in pages in a real browser (service.md § 2): a person signs in with password and TOTP
code, lands on the page they asked for with who they are shown, signs out; every page is
accessible (axe, WCAG 2.2 AA) and runs under the Content-Security-Policy without a violation."""

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
    """The dashboard in sign-in mode on a new database with one enrolled LA lead: its URL, the
    person's address and TOTP secret."""
    folder = tmp_path_factory.mktemp("browser-sign-in")
    url = f"sqlite:///{folder / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    key = load_key(folder / "secrets.key")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=60)
    with engine.begin() as conn:
        ann = enrolled(conn, key, "ann@example.org", "la", now=now)
    engine.dispose()
    settings = DashboardSettings(
        database_url=url,
        warm_cache=False,
        sign_in=True,
        secrets_key_file=str(folder / "secrets.key"),
    )
    with serving(create_app(settings)) as base:
        yield base, ann.email, ann.secret


def test_signing_in_and_out_in_a_browser_is_accessible_and_within_the_policy(served, browsing):
    base, email, secret = served
    page = browsing.page
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{base}/definitions")
    assert page.url == f"{base}/sign-in?next=/definitions"
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/sign-in/code\?next=/definitions$"))
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/definitions")
    wait_for_dash(page)
    assert "Signed in as ann@example.org" in page.inner_text("body")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.wait_for_url(f"{base}/sign-out")
    assert "You are signed out" in page.inner_text("main")
    page.goto(f"{base}/definitions")
    assert page.url.startswith(f"{base}/sign-in")
    assert violations == []


def test_the_demo_banner_and_role_switcher_are_accessible(tmp_path, browsing):
    url = f"sqlite:///{tmp_path / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    engine.dispose()
    settings = DashboardSettings(
        database_url=url, warm_cache=False, demo=True, secrets_key_file=str(tmp_path / "k")
    )
    page = browsing.page
    with serving(create_app(settings)) as base:
        page.goto(f"{base}/definitions")
        wait_for_dash(page)
        assert "Demo with synthetic data: sign-in is switched off" in page.inner_text("body")
        assert axe_violations(page) == [], describe(axe_violations(page))
        page.get_by_role("link", name="Change role").click()
        page.wait_for_url(re.compile(r".*/local/role\?next=.*"))
        assert axe_violations(page) == [], describe(axe_violations(page))
        page.get_by_label("Role").select_option("la")
        page.get_by_label("Area (for a local authority lead)").select_option("E08000021")
        page.get_by_role("button", name="Show this view").click()
        page.wait_for_url(f"{base}/definitions")
        wait_for_dash(page)
        assert "Viewing as: Local authority lead of E08000021" in page.inner_text("body")
