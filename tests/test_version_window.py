"""A web request soon after a server process last read the data version answers from what the
process holds for that version without reading it again (``LFO_VERSION_CHECK_MS``,
dashboard/services/version_cache.py).

On PostgreSQL reading the version is a round trip, most of a light request's time. These tests
change the data as a load does and check what requests answer inside the window and after it,
and that nothing read from the database is answered at a version not just read.
"""

import time

import flask
import pytest
from sqlalchemy import event
from support.engine_db import build_db, episode
from test_version_hold_back import NEWCASTLE, Q1, _load

from dashboard.services import Services
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.settings import VERSION_CHECK_MS, DashboardSettings

WINDOW = 0.2  # seconds: a window to wait out


@pytest.fixture
def url(tmp_path):
    return build_db(tmp_path / "w.db", {NEWCASTLE: [episode("completed", "2017-06-20")] * 12})


def _data(url: str, seconds: float) -> IndicatorData:
    data = IndicatorData(Database(url), 5)
    data.version_seconds = seconds
    return data


def _in_request(data: IndicatorData, indicator: str = "uptake.completion") -> tuple[int, int]:
    """One web request asking for ``indicator``'s Newcastle row: its numerator and how many SQL
    statements the request ran."""
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(data.db.engine, "before_cursor_execute", count)
    try:
        with flask.Flask(__name__).test_request_context("/"):
            result = data.rows([indicator], periods=[Q1], areas=[NEWCASTLE], ci=95.0)
    finally:
        event.remove(data.db.engine, "before_cursor_execute", count)
    return int(result.rows.iloc[0]["numerator"]), len(statements)


def test_within_the_window_a_held_value_is_answered_without_reading_the_database(url):
    data = _data(url, 60.0)
    assert _in_request(data)[0] == 12
    _load(url, 11)
    assert _in_request(data) == (12, 0)  # the version read last, as before the load
    data.version_seconds = WINDOW  # the same read, now older than the window
    time.sleep(WINDOW)
    answer, statements = _in_request(data)
    assert answer == 11  # the version is read again: the load is seen
    assert statements >= 1


def test_with_no_window_the_next_request_sees_a_load(url):
    data = _data(url, 0.0)
    assert _in_request(data)[0] == 12
    answer, statements = _in_request(data)
    assert (answer, statements) == (12, 1)  # a held value, but the version read on every request
    _load(url, 11)
    assert _in_request(data)[0] == 11


def test_a_value_that_needs_the_database_reads_the_version_again_and_the_window_follows(url):
    data = _data(url, 60.0)
    assert _in_request(data)[0] == 12
    _load(url, 11)
    # not held: made from the database, so at the version read now (the new one), never at
    # the version the window holds
    _, statements = _in_request(data, "reach.parents")
    assert statements >= 1
    # within the window again, at the version that last read answered at: the new data
    assert _in_request(data)[0] == 11


def test_served_processes_share_a_read_for_a_second_unless_told_otherwise(monkeypatch, tmp_path):
    target = f"sqlite:///{tmp_path / 'x.db'}"
    monkeypatch.delenv("LFO_VERSION_CHECK_MS", raising=False)
    settings = DashboardSettings.from_env(database_url=target)
    assert settings.version_check_ms == VERSION_CHECK_MS == 1000
    assert Services.create(settings).live.version_seconds == 1.0
    monkeypatch.setenv("LFO_VERSION_CHECK_MS", "0")
    assert (
        Services.create(DashboardSettings.from_env(database_url=target)).live.version_seconds == 0
    )
    assert DashboardSettings(database_url=target).version_check_ms == 0  # tests, local mode
    monkeypatch.setenv("LFO_VERSION_CHECK_MS", "a second")
    with pytest.raises(ValueError, match="LFO_VERSION_CHECK_MS must be a whole number"):
        DashboardSettings.from_env()
