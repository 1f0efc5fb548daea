"""The two journeys of issue 13 end to end in a real browser, over a real worker process:

- the LA lead of Newcastle signs in, flags a figure on her area profile, uploads a faulty return
  for the next quarter, reads its findings and the CSV report, uploads the corrected return,
  submits it, watches it load and sees her area's figures change;
- the programme lead signs in, sees on the tracker Newcastle's return loaded and Gateshead late,
  and answers the LA lead's challenge, whose answer the LA lead then reads.

The app is served in sign-in mode over a database with two LAs' returns loaded by the ETL's
command line (``support.journey``); ``python -m etl worker`` runs beside it with the same LFO_
settings. Every page is checked with axe (WCAG 2.2 AA) and for Content-Security-Policy reports.
With ``LFO_SCREENSHOTS=1`` the key pages are photographed (desktop 1366×768 and phone 390×844)
into docs/screenshots/la-guide/ for docs/la-guide.md; otherwise nothing is written.
"""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from support.accounts import PASSWORD, enrolled
from support.axe import axe_violations, describe
from support.browser import ROOT, serving, wait_for_dash
from support.journey import (
    LOADED,
    NEWCASTLE,
    NEXT,
    TODAY,
    build_journey_db,
    tables_up_to,
    with_late_referrals,
)
from support.returns import write_return

from dashboard import ids
from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.access.secrets import load_key
from lfo.db import writer_engine
from lfo.periods import period

SHOTS = ROOT / "docs" / "screenshots" / "la-guide"
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
WAIT_MS = 60_000  # a check or a load by the worker, on a busy machine
COMMENT = "Newcastle referred more parents than this in the quarter: our own count is higher."
ANSWER = "The figure counts parents by referral date; late referrals arrive in the next return."
BAD_CODE = "tp_deluxe"
LATE_PARENTS = 3  # referred in the quarter already loaded, recorded late


@dataclass
class Person:
    """One signed-in person: their browser page, and every CSP report it logged."""

    page: Page
    csp: list[str] = field(default_factory=list)


@dataclass
class Journey:
    base: str
    folder: Path
    la: Person
    lead: Person


def _sign_in(context: BrowserContext, base: str, email: str, secret: str) -> Person:
    page = context.new_page()
    person = Person(page)
    page.on(
        "console", lambda m: person.csp.append(m.text) if "Content Security" in m.text else None
    )
    page.goto(f"{base}/sign-in?next=/")
    page.get_by_label("E-mail address").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r".*/sign-in/code.*"))
    page.get_by_label("Code").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/")
    wait_for_dash(page)
    return person


def _worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [sys.executable, "-m", "etl", "worker", "--poll", "0.2"]
    with log.open("w") as out:
        return subprocess.Popen(
            command, env={**os.environ, **env}, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT
        )


@pytest.fixture(scope="module")
def journey(tmp_path_factory: pytest.TempPathFactory, browser: Browser) -> Iterator[Journey]:
    folder = tmp_path_factory.mktemp("journeys")
    env = {
        "LFO_DATABASE_URL": f"sqlite:///{folder / 'lfo.db'}",
        "LFO_TODAY": TODAY,
        "LFO_UPLOADS_DIR": str(folder / "uploads"),
        "LFO_ARCHIVE_DIR": str(folder / "archive"),
        "LFO_ID_KEY_FILE": str(folder / "lfo-id.key"),
        "LFO_SECRETS_KEY_FILE": str(folder / "secrets.key"),
        "PYTHONPATH": str(ROOT),
    }
    url = build_journey_db(folder, env)
    engine = writer_engine(url)
    key = load_key(folder / "secrets.key")
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=60)
    with engine.begin() as conn:
        ann = enrolled(conn, key, "ann@newcastle.example", "la", (NEWCASTLE,), now=now)
        pat = enrolled(conn, key, "pat@dwp.example", "programme", (), now=now)
    engine.dispose()
    settings = DashboardSettings(
        database_url=url,
        warm_cache=False,
        sign_in=True,
        secrets_key_file=str(folder / "secrets.key"),
    )
    contexts = [browser.new_context(viewport=DESKTOP, locale="en-GB") for _ in range(2)]
    for context in contexts:
        context.set_default_timeout(20_000)
    worker = None
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)  # the app reads the same settings as the worker
        try:
            worker = _worker(env, folder / "worker.log")
            with serving(create_app(settings)) as base:
                la = _sign_in(contexts[0], base, ann.email, ann.secret)
                lead = _sign_in(contexts[1], base, pat.email, pat.secret)
                yield Journey(base, folder, la, lead)
        finally:
            for context in contexts:
                context.close()
            if worker is not None:
                worker.terminate()
                try:
                    worker.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()


# --- helpers ------------------------------------------------------------------------------------


def checked(person: Person) -> None:
    """The page has no axe violation (WCAG 2.2 AA) and no CSP report so far."""
    violations = axe_violations(person.page)
    assert violations == [], describe(violations)
    assert person.csp == []


def fits_a_phone(person: Person) -> None:
    """At phone width the page does not scroll sideways (a wide table scrolls in its own box)
    and is still accessible."""
    page = person.page
    page.set_viewport_size(PHONE)
    try:
        width = page.evaluate("() => document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{page.url} is {width}px wide on a phone"
        checked(person)
    finally:
        page.set_viewport_size(DESKTOP)


def shoot(page: Page, name: str) -> None:
    """With LFO_SCREENSHOTS=1: the whole page at desktop and at phone width."""
    if os.environ.get("LFO_SCREENSHOTS") != "1":
        return
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
    page.set_viewport_size(PHONE)
    try:
        page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
    finally:
        page.set_viewport_size(DESKTOP)


def reach(page: Page, base: str, when: str) -> int | None:
    """Newcastle's parents referred in ``when``, as the API gives it to this person."""
    got = page.request.get(
        f"{base}/api/v1/data?indicator=reach.parents&area={NEWCASTLE}&period={when}"
    )
    assert got.ok, got.text()
    [row] = got.json()["data"]
    return row["value"]


def trend_value(page: Page, base: str) -> str:
    """Newcastle's parents referred in the loaded quarter, as the area profile's trend table
    reads it."""
    page.goto(f"{base}/area/{NEWCASTLE}?indicator=reach.parents&period={LOADED}")
    wait_for_dash(page)
    page.click(f"#{ids.chart(ids.AREA_TREND_CHART, 'table-summary')}")
    table = page.locator(f"#{ids.chart(ids.AREA_TREND_CHART, 'table')} table")
    row = table.locator("tr", has_text=period(LOADED).display).filter(has_text="Newcastle")
    return row.locator("th, td").nth(2).inner_text()


def status_of(page: Page, words: str) -> None:
    """Wait (through the page's own refreshes) until its status line says ``words``."""
    expect(page.locator(".lfo-status")).to_contain_text(words, timeout=WAIT_MS)


def upload(person: Person, base: str, path: Path) -> int:
    page = person.page
    page.get_by_label("Quarter").select_option(NEXT)
    page.get_by_label("Return file").set_input_files(str(path))
    page.get_by_role("button", name="Upload and check").click()
    page.wait_for_url(re.compile(rf"{re.escape(base)}/returns/\d+$"))
    return int(page.url.rsplit("/", 1)[1])


def tracker_cell(page: Page, area_name: str, quarter: str) -> str:
    """The text of ``area_name``'s cell for ``quarter`` in the tracker's table."""
    table = page.locator("table.lfo-tracker")
    heads = table.locator("thead th").all_inner_texts()
    column = next(i for i, h in enumerate(heads) if h.startswith(quarter))
    row = table.locator("tbody tr", has=page.get_by_role("rowheader", name=re.compile(area_name)))
    return row.locator("th, td").nth(column).inner_text()


# --- the journeys -------------------------------------------------------------------------------


def test_the_la_lead_flags_a_figure_on_her_area_profile(journey: Journey):
    page = journey.la.page
    page.goto(f"{journey.base}/area/{NEWCASTLE}?period={LOADED}")
    wait_for_dash(page)
    panel = page.get_by_role("region", name="Data challenges")
    panel.locator("summary").click()
    flag = panel.locator("li", has_text="Parents referred").get_by_role("link", name="Flag")
    flag.click()
    page.wait_for_url(re.compile(rf".*/challenges/new\?.*indicator=reach\.parents.*{LOADED}.*"))
    checked(journey.la)
    page.get_by_label("What looks wrong").fill(COMMENT)
    page.get_by_role("button", name="Flag this figure").click()
    page.wait_for_load_state()
    assert COMMENT in page.inner_text("main")
    checked(journey.la)


def test_the_la_lead_uploads_fixes_submits_and_sees_her_figures_change(journey: Journey):
    la, base, page = journey.la, journey.base, journey.la.page
    before = reach(page, base, LOADED)
    shown_before = trend_value(page, base)
    page.goto(f"{base}/")
    wait_for_dash(page)
    page.get_by_role("link", name="Returns", exact=True).click()
    page.wait_for_url(f"{base}/returns")
    checked(la)
    offered = page.get_by_label("Local authority").locator("option")
    assert offered.evaluate_all("os => os.map(o => o.value)") == [NEWCASTLE]

    fixed = with_late_referrals(tables_up_to(NEXT), LOADED, LATE_PARENTS)
    faulty = copy.deepcopy(fixed)
    faulty["interventions"][1]["intervention"] = BAD_CODE  # Excel row 3 of "interventions"
    first = upload(
        la, base, write_return(journey.folder / "faulty", faulty, period=NEXT, fmt="xlsx")
    )
    status_of(page, "Has errors")
    finding = page.locator("#findings ~ * tr", has_text=BAD_CODE)
    expect(finding).to_have_count(1)
    cells = finding.locator("th, td").all_inner_texts()
    assert "interventions" in cells and "3" in cells and "E203" in cells, cells
    assert page.get_by_role("button", name="Submit for loading").count() == 0
    checked(la)
    fits_a_phone(la)
    shoot(page, "02-findings")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    report = download.value.path().read_text(encoding="utf-8-sig")
    lines = [line for line in csv.reader(io.StringIO(report)) if BAD_CODE in line]
    assert len(lines) == 1 and "E203" in lines[0] and "3" in lines[0], report

    page.get_by_role("link", name="All returns").click()
    page.wait_for_url(f"{base}/returns")
    assert "Has errors" in page.locator("table").inner_text()
    checked(la)
    shoot(page, "01-returns")
    second = upload(
        la, base, write_return(journey.folder / "fixed", fixed, period=NEXT, fmt="xlsx")
    )
    assert second != first
    status_of(page, "ready to submit")
    checked(la)
    shoot(page, "03-ready")
    page.get_by_label("I confirm this return is complete and correct").check()
    page.get_by_role("button", name="Submit for loading").click()
    status_of(page, "Loaded")
    checked(la)
    shoot(page, "04-loaded")

    page.get_by_role("link", name="See the figures of this local authority").click()
    page.wait_for_url(re.compile(rf".*/area/{NEWCASTLE}.*"))
    wait_for_dash(page)
    checked(la)
    after = reach(page, base, LOADED)
    assert before is not None and after == before + LATE_PARENTS, (before, after)
    shown = trend_value(page, base)  # and the area profile's table says so
    assert (shown_before, shown) == (f"{before:.0f}", f"{after:.0f}")


def test_the_programme_lead_sees_the_tracker_with_a_late_la(journey: Journey):
    lead, page = journey.lead, journey.lead.page
    page.get_by_role("link", name="Submissions tracker").click()
    page.wait_for_url(f"{journey.base}/tracker")
    quarter = period(NEXT).display
    loaded = tracker_cell(page, "Newcastle", quarter)
    assert "✓ Loaded" in loaded and "Not received" not in loaded, loaded
    late = tracker_cell(page, "Gateshead", quarter)
    assert "○ Not received" in late and "! Late" in late, late
    checked(lead)
    fits_a_phone(lead)
    shoot(page, "05-tracker")


def test_the_programme_lead_answers_the_challenge_and_the_la_lead_reads_it(journey: Journey):
    lead, page = journey.lead, journey.lead.page
    page.goto(f"{journey.base}/")
    wait_for_dash(page)
    page.get_by_role("link", name="Data challenges").click()
    page.wait_for_url(f"{journey.base}/challenges")
    checked(lead)
    row = page.locator("tbody tr", has_text="Newcastle")
    expect(row).to_have_count(1)
    row.get_by_role("link", name="Parents referred").click()
    page.wait_for_url(re.compile(r".*/challenges/\d+$"))
    assert COMMENT in page.inner_text("main")
    checked(lead)
    page.get_by_label("Explained").check()
    page.get_by_label("Answer", exact=True).fill(ANSWER)
    shoot(page, "06-challenge")
    page.get_by_role("button", name="Send the answer").click()
    page.wait_for_load_state()
    assert ANSWER in page.inner_text("main")
    checked(lead)

    la = journey.la
    la.page.goto(f"{journey.base}/challenges")
    answered = la.page.locator("tbody tr", has_text="Parents referred")
    expect(answered).to_contain_text(ANSWER)
    expect(answered).to_contain_text("Explained")
    checked(la)
