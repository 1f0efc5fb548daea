"""Browser-test fixtures: a small real database, the app on a live local server, headless Chromium.

Chromium is Debian's (``apt-get install -y chromium``), never one downloaded by Playwright. If it
is missing the tests FAIL saying how to install it: they never skip.
The helpers the tests call (``serving``, ``wait_for_dash``, axe) are in ``tests/support/``.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright
from support.browser import (
    CHROMIUM_ARGS,
    ROOT,
    Browsing,
    chromium_path,
    etl_cli_exists,
    serving,
)
from support.returns import write_return

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.db import init_db, writer_engine

#: Areas and periods of the returns loaded into the browser tests' database.
RETURNS = [("E08000021", "2017-18_Q3")]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test in this folder is a browser test (``-m "not browser"`` leaves them out)."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def loaded_returns() -> list[tuple[str, str]]:
    """The (area, period) of each return in the browser tests' database."""
    return list(RETURNS) if etl_cli_exists() else []


@pytest.fixture(scope="session")
def browser_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A small database: the builders' returns loaded through the ETL's CLI (an empty database
    with the reference tables until the ETL CLI exists)."""
    folder = tmp_path_factory.mktemp("browser-db")
    url = f"sqlite:///{folder / 'lfo.db'}"
    if not etl_cli_exists():
        engine = writer_engine(url)
        init_db(engine)
        engine.dispose()
        return url
    returns_dir = folder / "returns"
    for area, period in RETURNS:
        write_return(returns_dir, area=area, period=period)
    env = dict(os.environ)
    env.update(
        LFO_DATABASE_URL=url,
        LFO_ARCHIVE_DIR=str(folder / "archive"),
        LFO_ID_KEY_FILE=str(folder / "lfo-id.key"),
        PYTHONPATH=os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p),
    )
    done = subprocess.run(
        [sys.executable, "-m", "etl", "load", str(returns_dir), "--db", url],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(
            f"loading the browser tests' returns failed (exit {done.returncode}):\n"
            f"{done.stdout}\n{done.stderr}",
            pytrace=False,
        )
    return url


@pytest.fixture(scope="session")
def live_server(browser_db_url: str) -> Iterator[str]:
    """The dashboard on the browser tests' database, served locally; yields its base URL."""
    with serving(create_app(DashboardSettings(database_url=browser_db_url))) as url:
        yield url


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    path = chromium_path()
    if not Path(path).exists():
        pytest.fail(
            f"Chromium is not installed at {path}: run `apt-get install -y chromium` "
            "(or set LFO_CHROMIUM to its path). Browser tests never skip.",
            pytrace=False,
        )
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=path, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def browsing(browser: Browser) -> Iterator[Browsing]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-GB")
    context.set_default_timeout(30_000)  # (a busy machine: the first draw computes the plan)
    page = context.new_page()
    seen = Browsing(context, page)
    context.on("request", lambda request: seen.requests.append(request.url))
    page.on(
        "console", lambda msg: seen.console_errors.append(msg.text) if msg.type == "error" else None
    )
    try:
        yield seen
    finally:
        context.close()


@pytest.fixture
def page(browsing: Browsing) -> Page:
    return browsing.page


@pytest.fixture(autouse=True)
def no_server_errors(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fail a browser test if the app logged an error while it ran (a callback that raised gives
    the browser a 500 that the page may hide behind an unchanged view)."""
    yield
    errors = [
        r
        for when in ("setup", "call")
        for r in caplog.get_records(when)
        if r.levelno >= logging.ERROR and r.name.startswith("dashboard")
    ]
    assert not errors, "the app logged errors:\n" + "\n".join(
        f"{r.name}: {r.getMessage()}" for r in errors
    )
