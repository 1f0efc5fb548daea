"""``/healthz`` under a running app (issue 10: "/healthz says ok after the database file was
deleted"): unhealthy (503, JSON) when the database cannot be read or has been replaced.

The app is served on loopback and opens the database on its first health check; the file is then
deleted or replaced underneath it, as an operator's mistake or a restore without a restart would.
"""

from __future__ import annotations

import json
import os
import shutil

from support.browser import serving
from support.postgres import postgres_server
from support.servers import request
from support.web import small_db

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from dashboard.web.health import MISSING, REPLACED, UNREADABLE
from lfo.db import init_db, sqlite_path, writer_engine


def health(base: str) -> tuple[int, dict]:
    answer = request(base, "GET", "/healthz")
    assert answer.header("Content-Type") == "application/json"
    return answer.status, json.loads(answer.body)


def app_for(url: str):
    return create_app(DashboardSettings(database_url=url, warm_cache=False))


def test_deleting_the_database_file_makes_the_service_unhealthy(tmp_path):
    url = small_db(tmp_path / "lfo.db")
    with serving(app_for(url)) as base:
        assert health(base) == (200, {"status": "ok", "warm": False, "all_made": False})
        assert request(base, "GET", "/api/v1/areas").status == 200  # the connection is open
        for leftover in tmp_path.glob("lfo.db*"):
            leftover.unlink()
        status, body = health(base)
    assert status == 503
    assert body == {"status": "unavailable", "warm": False, "reason": MISSING}
    assert str(tmp_path) not in json.dumps(body)


def test_replacing_the_database_file_makes_the_service_unhealthy(tmp_path):
    url = small_db(tmp_path / "lfo.db")
    path = sqlite_path(url)
    with serving(app_for(url)) as base:
        assert health(base)[0] == 200
        copy = tmp_path / "restored.db"
        shutil.copyfile(path, copy)  # the same data, another file: as a restore would
        os.replace(copy, path)
        first = health(base)
        second = health(base)  # and it stays so until the service is restarted
    assert first == second == (503, {"status": "unavailable", "warm": False, "reason": REPLACED})
    with serving(app_for(url)) as base:  # restarted: healthy on the file now in place
        assert health(base)[0] == 200


def test_a_database_that_appears_after_start_is_healthy_once_it_is_there(tmp_path):
    url = f"sqlite:///{tmp_path / 'later.db'}"
    with serving(app_for(url)) as base:
        assert health(base) == (503, {"status": "unavailable", "warm": False, "reason": MISSING})
        small_db(tmp_path / "later.db")
        assert health(base)[0] == 200


def test_a_file_that_is_not_a_database_is_unhealthy(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_text("not a database")
    with serving(app_for(f"sqlite:///{junk}")) as base:
        assert health(base) == (
            503,
            {"status": "unavailable", "warm": False, "reason": UNREADABLE},
        )


def test_postgresql_that_stops_answering_makes_the_service_unhealthy():
    cluster = postgres_server()
    url = cluster.__enter__()
    try:
        engine = writer_engine(url)
        init_db(engine)
        engine.dispose()
        with serving(app_for(url)) as base:
            assert health(base) == (200, {"status": "ok", "warm": False, "all_made": False})
            running, cluster = cluster, None
            running.__exit__(None, None, None)  # the server stops (and its files go)
            stopped = health(base)
    finally:
        if cluster is not None:
            cluster.__exit__(None, None, None)
    assert stopped == (503, {"status": "unavailable", "warm": False, "reason": UNREADABLE})
