"""Shared fixtures: a throw-away environment (database, archive, key file) and small helpers.

Every path lives under ``tmp_path``; ``LFO_TODAY`` is fixed so that periods up to 2018-19 Q4 have
ended.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from support.dumps import TODAY
from support.pilot_db import build_pilot_db
from support.postgres import pg_bin, postgres_server
from support.returns import scaled_tables as make_scaled_tables

from lfo.settings import Settings


def pytest_configure(config: pytest.Config) -> None:
    """Releases read by a test's app are written out under a temporary folder, never under the
    project's ``data/`` (a test that names its own folder keeps it)."""
    os.environ.setdefault(
        "LFO_RELEASES_CACHE_DIR", tempfile.mkdtemp(prefix="lfo-test-releases-cache-")
    )


@pytest.fixture
def lfo_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings for a fresh SQLite database, archive and key file in ``tmp_path``; LFO_TODAY set."""
    monkeypatch.setenv("LFO_TODAY", TODAY)
    db = tmp_path / "db" / "lfo.db"
    settings = Settings(
        database_url=f"sqlite:///{db}",
        archive_dir=tmp_path / "archive",
        id_key_file=tmp_path / "keys" / "lfo-id.key",
    )
    for name, value in (
        ("LFO_DATABASE_URL", settings.database_url),
        ("LFO_ARCHIVE_DIR", str(settings.archive_dir)),
        ("LFO_ID_KEY_FILE", str(settings.id_key_file)),
    ):
        monkeypatch.setenv(name, value)
    return settings


@pytest.fixture
def scaled_tables() -> Callable[[int], dict[str, list[dict]]]:
    """A factory: ``scaled_tables(n)`` repeats the builders' valid return n times with fresh IDs."""

    return make_scaled_tables


@pytest.fixture(scope="session")
def pilot_db_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The pilot demo data loaded once per test run (``support.pilot_db``), for tests that only
    read it: the disclosure attacks through the API and the browser's layout checks share it (and,
    through the results folder, its disclosure plan)."""
    return build_pilot_db(tmp_path_factory.mktemp("pilot-demo"))


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """The URL of a database on a throw-away PostgreSQL server (fails if PostgreSQL is missing)."""
    try:
        pg_bin()
    except RuntimeError as exc:
        pytest.fail(str(exc))  # never a skip: the PostgreSQL proof must run everywhere
    with postgres_server() as url:
        yield url


# --- the overview page's small database and app (tests/test_overview.py, test_overview_rows.py) --


@pytest.fixture(scope="module")
def overview_db(tmp_path_factory: pytest.TempPathFactory) -> str:
    """Blackpool, Newcastle and Essex over five quarters (``support.page_dbs.build_overview_db``),
    built once per test module."""
    from support.page_dbs import build_overview_db

    return build_overview_db(tmp_path_factory.mktemp("overview") / "lfo.db")


@pytest.fixture(scope="module")
def overview_app(overview_db: str):
    """The dashboard on ``overview_db`` (imported here: most tests never load the dashboard)."""
    from dashboard.app import create_app
    from dashboard.settings import DashboardSettings

    return create_app(DashboardSettings(database_url=overview_db))


@pytest.fixture(scope="module")
def overview_client(overview_app):
    return overview_app.server.test_client()


@pytest.fixture(scope="module")
def overview_data(overview_app, overview_db: str):
    """The figures the app reads, asked directly (suppression threshold 10, as the app's)."""
    from dashboard.services.database import Database
    from dashboard.services.indicator_data import IndicatorData

    return IndicatorData(Database(overview_db), 10)
