"""One process makes each data version's results; web processes follow it
(dashboard/services/results_maker.py, ``python -m dashboard make-results``).

At national scale a web process making results ahead in a thread slows the requests it answers
(they share its interpreter). With a maker, a following process computes nothing: it waits for
the maker's marks in the shared store (a folder here; Redis across hosts), reads, and shows.
"""

import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from support.engine_db import build_db, episode
from support.redis_server import redis_server
from test_version_hold_back import NEWCASTLE, _completed, _load

import dashboard.services.indicator_data as module
from dashboard.app import create_app
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.queries import data_version, figures_version
from dashboard.services.redis_cache import RedisResults
from dashboard.services.results_maker import AHEAD, LATER, made_key
from dashboard.services.shared_cache import SharedResults
from dashboard.settings import DashboardSettings

THRESHOLD = 5
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def url(tmp_path):
    return build_db(tmp_path / "m.db", {NEWCASTLE: [episode("completed", "2017-06-20")] * 12})


@pytest.fixture
def made_by_thread(monkeypatch):
    """The thread of every engine computation (results and disclosure plans) in this process."""
    names: list[str] = []
    compute, plan = module.compute, module.make_plan

    def counted_compute(conn, query, p=None):
        names.append(threading.current_thread().name)
        return compute(conn, query, p)

    def counted_plan(conn, threshold):
        names.append(threading.current_thread().name)
        return plan(conn, threshold)

    monkeypatch.setattr(module, "compute", counted_compute)
    monkeypatch.setattr(module, "make_plan", counted_plan)
    return names


def _pair(url: str, folder: Path, maker_wait: float = 600.0) -> tuple[IndicatorData, IndicatorData]:
    """(maker, follower) sharing ``folder``, as two processes of one host would."""
    maker = IndicatorData(Database(url), THRESHOLD)
    maker.share(SharedResults(folder))
    follower = IndicatorData(Database(url), THRESHOLD)
    follower.share(SharedResults(folder))
    follower.follows, follower.maker_wait = True, maker_wait
    return maker, follower


def _until(condition, seconds: float = 60.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def test_a_follower_waits_for_the_maker_then_shows_its_results_computing_nothing(
    url, tmp_path, made_by_thread
):
    maker, follower = _pair(url, tmp_path / "shared")
    follower.start_warming()
    try:
        time.sleep(1.5)
        assert follower.warmed_version is None  # no mark yet: waiting, not making
        assert made_by_thread == []
        maker.warm()  # in this (the test's) thread
        _until(lambda: follower.made_later_version == maker.made_later_version)
        assert follower.warmed_version == maker.warmed_version is not None
        assert "lfo-cache-warmer" not in made_by_thread  # the follower only read
        assert made_by_thread  # the maker did compute (else the check above proves nothing)
        assert _completed(follower) == 12
    finally:
        follower.stop_warming()


def test_after_a_load_the_follower_shows_the_previous_figures_until_the_maker_marks_the_new(
    url, tmp_path, made_by_thread
):
    maker, follower = _pair(url, tmp_path / "shared")
    maker.warm()
    follower.start_warming()
    try:
        _until(lambda: follower.warmed_version == maker.warmed_version)
        _load(url, 11)
        _until(lambda: follower.being_made is not None)
        time.sleep(1.5)
        assert _completed(follower) == 12  # held back: the maker has not made the new version
        maker.warm()
        _until(lambda: follower.being_made is None and _completed(follower) == 11)
        assert "lfo-cache-warmer" not in made_by_thread
    finally:
        follower.stop_warming()


def test_with_no_maker_the_follower_makes_the_results_itself_and_says_so(url, tmp_path, caplog):
    _, follower = _pair(url, tmp_path / "shared", maker_wait=0.5)
    caplog.set_level(logging.WARNING, logger="dashboard.services.results_maker")
    follower.start_warming()
    try:
        _until(lambda: follower.made_later_version is not None)
        assert _completed(follower) == 12
        assert "is lfo-results running?" in caplog.text
    finally:
        follower.stop_warming()


def test_with_redis_down_the_follower_makes_the_results_at_once(url, caplog):
    from support.servers import free_port

    follower = IndicatorData(Database(url), THRESHOLD)
    follower.share(RedisResults(f"redis://127.0.0.1:{free_port()}/0", url))  # nobody listens
    follower.follows, follower.maker_wait = True, 3600.0
    caplog.set_level(logging.WARNING, logger="dashboard.services.results_maker")
    follower.newest_version()  # as the warming thread does first: the version to wait for
    started = time.monotonic()
    assert follower.warm(levels=(95.0,)) > 0
    assert time.monotonic() - started < 600  # not the hour it would wait for a maker
    assert "shared store cannot be reached" in caplog.text
    assert _completed(follower) == 12


def test_the_marks_are_kept_per_figures_version_in_the_folder_and_in_redis(url, tmp_path):
    with Database(url).engine.connect() as conn:
        version = figures_version(data_version(conn))
    key = made_key(AHEAD, THRESHOLD)
    with redis_server() as server:
        stores = [SharedResults(tmp_path / "shared"), RedisResults(server.url, url)]
        for store in stores:
            assert not store.marked(version, key)
            store.mark(version, key)
            assert store.marked(version, key)
            assert not store.marked(version, made_key(LATER, THRESHOLD))
            assert not store.marked(("another",), key)
        value = f"{stores[1]._key(version, 'a result')}".encode()
        stores[1].client.set(value, b"x", ex=10)  # a value last read nearly an hour ago
        stores[1].mark(version, key)  # the maker marks again while the version is current
        assert stores[1].client.ttl(value) > 3000  # kept as long as the mark
        server.stop()
        down = stores[1]
        assert down.marked(version, key) is False  # Redis down: not marked, never raised
        down.mark(version, key)


def _maker(url: str, env: dict[str, str]) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "dashboard", "make-results", "--db", url],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT), **env},
        stderr=subprocess.PIPE,
        text=True,
    )


def test_the_make_results_command_makes_and_marks_until_stopped(url, tmp_path, made_by_thread):
    folder = tmp_path / "shared"
    proc = _maker(url, {"LFO_CACHE_DIR": str(folder), "LFO_SUPPRESSION_THRESHOLD": "5"})
    try:
        with Database(url).engine.connect() as conn:
            version = figures_version(data_version(conn))
        _until(
            lambda: folder.exists() and SharedResults(folder).marked(version, made_key(LATER, 5))
        )
        settings = DashboardSettings(database_url=url, suppression_threshold=THRESHOLD)
        follower = create_app(settings).services.live  # a web process: the pages' ahead too
        assert follower.ahead
        follower.share(SharedResults(folder))
        follower.follows = True
        assert follower.warm() > 0
        follower._make_later()
        assert made_by_thread == []  # everything it showed, the maker had made
        assert _completed(follower) == 12
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"LFO_CACHE_DIR": "off"}, "needs a shared store"),
        ({"LFO_CACHE_DIR": ""}, "set LFO_CACHE_DIR to a folder both can write"),
        ({"LFO_RESULTS_MAKER": "maybe"}, "LFO_RESULTS_MAKER must be 1 or 0"),
    ],
)
def test_the_make_results_command_refuses_what_it_cannot_do_in_one_line(url, env, says):
    proc = _maker(url, env)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert says in err and "Traceback" not in err


def test_the_make_results_command_says_when_the_database_cannot_be_read(tmp_path):
    proc = _maker(f"sqlite:///{tmp_path / 'none.db'}", {"LFO_CACHE_DIR": str(tmp_path / "s")})
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "does not exist" in err and "Traceback" not in err


def test_the_make_results_command_builds_no_app():
    """The maker takes the list of results made ahead from ``dashboard.ahead_list``, as the app
    factory does, without importing the app factory and every page with it."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, dashboard.results_cli; print('dashboard.app' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


def test_lfo_results_maker_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("LFO_RESULTS_MAKER", "1")
    assert DashboardSettings.from_env().results_maker is True
    monkeypatch.delenv("LFO_RESULTS_MAKER")
    assert DashboardSettings.from_env().results_maker is False
