"""The returns pages in a real browser (issue 13 §§ 1–3): the upload form sent by ``upload.js``
(XMLHttpRequest, a progress bar) lands on the submission's page; the pages are accessible (axe,
WCAG 2.2 AA) and within the Content-Security-Policy; a checked return with errors shows its
findings table and no submit form."""

from __future__ import annotations

import re

import pytest
from support.axe import axe_violations, describe
from support.browser import serving
from support.dumps import TODAY
from support.returns import valid_tables, write_return

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo import submissions
from lfo.db import init_db, writer_engine


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """The app in local mode (its local user a programme lead), uploads kept in the test's
    folder."""
    folder = tmp_path_factory.mktemp("browser-returns")
    url = f"sqlite:///{folder / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    settings = DashboardSettings(
        database_url=url, warm_cache=False, secrets_key_file=str(folder / "secrets.key")
    )
    with pytest.MonkeyPatch.context() as env:
        env.setenv("LFO_TODAY", TODAY)
        env.setenv("LFO_UPLOADS_DIR", str(folder / "uploads"))
        env.setenv("LFO_ID_KEY_FILE", str(folder / "lfo-id.key"))
        with serving(create_app(settings)) as base:
            yield base, engine, folder
    engine.dispose()


def test_an_upload_goes_through_the_script_and_its_findings_show(served, browsing):
    base, engine, folder = served
    page = browsing.page
    csp: list[str] = []
    page.on("console", lambda m: csp.append(m.text) if "Content Security" in m.text else None)
    tables = valid_tables()
    tables["participants"][0]["sex"] = "unknown sex"
    sent = write_return(folder / "sent", tables)
    page.goto(f"{base}/returns")
    assert axe_violations(page) == [], describe(axe_violations(page))
    page.get_by_label("Local authority").select_option("E08000021")
    page.get_by_label("Quarter").select_option("2017-18_Q3")
    page.get_by_label("Return file").set_input_files(str(sent))
    seen = []
    page.on("request", lambda r: seen.append(r.resource_type) if "/returns/upload" in r.url else 0)
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(r".*/returns/\d+$"))
    assert seen == ["xhr"]  # sent by upload.js, not the plain form
    submission_id = int(page.url.rsplit("/", 1)[1])
    assert "Checking" in page.inner_text("main")
    with engine.begin() as conn:
        submissions.record_check(
            conn, submission_id, errors=1, warnings=0, summary={"findings": []}, message="done"
        )
    page.goto(f"{base}/returns/{submission_id}")
    main = page.inner_text("main")
    assert "unknown sex" in main and "Submit for loading" not in main
    assert axe_violations(page) == [], describe(axe_violations(page))
    assert csp == []
