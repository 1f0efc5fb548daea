"""The audit page in a real browser (issue 12 § 6): accessible (axe, WCAG 2.2 AA), within the
Content-Security-Policy, its filter form usable by label."""

from __future__ import annotations

import pytest
from support.axe import axe_violations, describe
from support.browser import serving

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.access import audit
from lfo.db import init_db, writer_engine


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app in local mode (its local user a programme lead) over a log of a few rows."""
    folder = tmp_path_factory.mktemp("browser-audit")
    url = f"sqlite:///{folder / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    with engine.begin() as conn:
        audit.record(conn, "load", "loaded", obj="E08000021 2026-Q1 return.xlsx", os_user="etl")
        audit.record(conn, "load", "failed", obj="E08000022 2026-Q1 bad.xlsx", os_user="etl")
    engine.dispose()
    settings = DashboardSettings(
        database_url=url, warm_cache=False, secrets_key_file=str(folder / "secrets.key")
    )
    with serving(create_app(settings)) as base:
        yield base


def test_the_audit_page_is_accessible_and_filters(served, browsing):
    page = browsing.page
    violations: list[str] = []
    page.on(
        "console", lambda m: violations.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{served}/audit")
    assert "Chain verified: 2 rows" in page.inner_text("main")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_label("Outcome").select_option("failed")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(f"{served}/audit?from=&to=&user=&action=&outcome=failed")
    table = page.inner_text("table")
    assert "bad.xlsx" in table and "return.xlsx" not in table
    link = page.get_by_role("link", name="Download these rows (CSV)")
    assert link.get_attribute("href") == "/audit/csv?outcome=failed"
    assert axe_violations(page) == [], describe(axe_violations(page))
    assert violations == []
