"""A new data version is shown once its plan and results are made ahead; until then requests are
answered from the previous version's (dashboard/services/version_cache.py).

At national scale a new version's disclosure plan takes minutes; without holding back, every
figure request after a load waited for it (and gunicorn killed the workers). These tests change
the data as a load does, hold the plan's making on an event, and check what requests get while
it is held and after it is released.
"""

import datetime as dt
import threading

import pytest
from sqlalchemy import insert, update
from support.engine_db import build_db, episode

import dashboard.services.indicator_data as module
from dashboard.api.errors import BEING_MADE_RETRY_AFTER
from dashboard.app import create_app
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.version_cache import BeingMade
from dashboard.services.warming import enable_warming
from dashboard.settings import DashboardSettings
from lfo import schema
from lfo.db import writer_engine

NEWCASTLE = "E08000021"
Q1 = "2017-18_Q1"


def _completed(data: IndicatorData, ci: float = 95.0) -> int:
    result = data.rows(["uptake.completion"], periods=[Q1], areas=[NEWCASTLE], ci=ci)
    return int(result.rows.iloc[0]["numerator"])


def _log(url: str, outcome: str, n: int) -> None:
    """A load-log row (what every load writes, whatever its outcome)."""
    with writer_engine(url).begin() as conn:
        conn.execute(
            insert(schema.etl_load_log).values(
                file_name=f"{n}.zip",
                sha256=f"{n:064d}",
                size_bytes=1,
                outcome=outcome,
                started_at=dt.datetime(2019, 5, 1),
            )
        )


def _load(url: str, completed: int) -> None:
    """What a load does: log it and change the current data (12 completions become ``completed``)."""
    _log(url, "loaded", completed)
    with writer_engine(url).begin() as conn:
        conn.execute(
            update(schema.sum_endings)
            .where(schema.sum_endings.c.area_code == NEWCASTLE)
            .values(completed=completed)
        )


@pytest.fixture
def url(tmp_path):
    return build_db(tmp_path / "h.db", {NEWCASTLE: [episode("completed", "2017-06-20")] * 12})


def test_without_holding_back_a_load_is_shown_at_once(url):
    data = IndicatorData(Database(url), 5)
    assert _completed(data) == 12
    _load(url, 11)
    assert _completed(data) == 11
    assert data.being_made is None


def test_held_back_the_previous_figures_are_shown_until_the_new_ones_are_made(url):
    data = IndicatorData(Database(url), 5)
    data.hold_back = True
    assert _completed(data) == 12
    _load(url, 11)
    assert _completed(data) == 12  # the previous version's, still shown
    assert data.being_made is not None
    made = data.warm(levels=(95.0,))
    assert made > 0 and data.being_made is None
    assert _completed(data) == 11
    assert data.warmed_version == data._version


def _make_the_new_plan(data: IndicatorData) -> None:
    """What the warming thread does first for a new version."""
    data.making_ahead(True)
    try:
        data.per_version(("plan made",), data._plan)
    finally:
        data.making_ahead(False)


def test_a_figure_the_previous_version_never_made_waits_for_the_new_plan(url):
    """Its previous figures are gone with the old data: until the new version's plan is made the
    request is told to come back (not held for minutes); then it is made with the new plan."""
    data = IndicatorData(Database(url), 5)
    data.hold_back = True
    assert _completed(data) == 12
    _load(url, 10)
    with pytest.raises(BeingMade, match="being updated after a new return was loaded"):
        _completed(data, ci=99.8)  # never made before the load
    _make_the_new_plan(data)
    assert _completed(data, ci=99.8) == 10  # made at the new version, not yet shown
    assert _completed(data) == 12  # made before: still the version shown
    assert data.being_made is not None


def test_a_period_outside_the_held_results_is_never_computed_with_the_old_plan(url, monkeypatch):
    """A period the whole result has no rows for is computed by the engine with the version's
    plan: for the held version that plan belongs to data that is gone, so it goes to the new."""
    data = IndicatorData(Database(url), 5)
    data.hold_back = True
    _completed(data)
    _load(url, 11)
    plans = []
    original = module.make_plan
    monkeypatch.setattr(module, "make_plan", lambda conn, t: plans.append(t) or original(conn, t))
    outside = {"periods": ["2030-31_Q1"], "areas": [NEWCASTLE]}
    with pytest.raises(BeingMade):
        data.rows(["uptake.completion"], **outside)
    _make_the_new_plan(data)
    data.rows(["uptake.completion"], **outside)
    assert plans == [5]  # one plan, made from the new data


def test_a_second_load_while_one_is_being_made_shows_the_newest(url):
    data = IndicatorData(Database(url), 5)
    data.hold_back = True
    _completed(data)
    _load(url, 11)
    assert _completed(data) == 12
    first = data.being_made
    _load(url, 9)
    assert _completed(data) == 12
    assert data.being_made not in (None, first)
    data.warm(levels=(95.0,))
    assert _completed(data) == 9


def test_stopping_the_making_shows_the_newest_version(url):
    data = IndicatorData(Database(url), 5)
    data.hold_back = True
    _completed(data)
    _load(url, 11)
    assert _completed(data) == 12
    data.stop_warming()
    assert data.being_made is None and _completed(data) == 11


def test_a_served_app_answers_the_previous_figures_while_the_plan_is_made(url, monkeypatch):
    """Through the API and /healthz, with the warming thread making the new plan (held)."""
    app = create_app(DashboardSettings(database_url=url, suppression_threshold=5))
    data = app.services.data
    client = app.server.test_client()
    path = f"/api/v1/data?indicator=uptake.completion&area={NEWCASTLE}&period={Q1}"
    release, started = threading.Event(), threading.Event()
    original = module.make_plan

    def held_plan(conn, threshold):
        if data.warmed_version is not None:  # the first version's plan is made freely
            started.set()
            assert release.wait(300)
        return original(conn, threshold)

    monkeypatch.setattr(module, "make_plan", held_plan)
    data.start_warming(poll=0.05)  # (enable_warming's own start is then a no-op)
    enable_warming(data, app.server)
    try:
        for _ in range(6000):
            if data.warmed_version is not None:
                break
            threading.Event().wait(0.05)
        assert client.get(path).get_json()["data"][0]["numerator"] == 12
        _load(url, 11)
        assert started.wait(300)  # the thread is making the new version's plan
        for _ in range(3):
            assert client.get(path).get_json()["data"][0]["numerator"] == 12
        # needs the new plan: come back (uptake.start by intervention is never made ahead)
        never_made = client.get(
            path.replace("uptake.completion", "uptake.start") + "&intervention=mybt"
        )
        assert never_made.status_code == 503  # with the wait it chose, not the rate limit's
        assert never_made.headers["Retry-After"] == BEING_MADE_RETRY_AFTER
        assert "being updated" in never_made.get_json()["error"]["message"]
        health = client.get("/healthz").get_json()
        assert health["warm"] is False and health["new_data"] == "being made"
        release.set()
        for _ in range(6000):
            if client.get("/healthz").get_json()["warm"]:
                break
            threading.Event().wait(0.05)
        assert client.get(path).get_json()["data"][0]["numerator"] == 11
        assert "new_data" not in client.get("/healthz").get_json()
    finally:
        release.set()
        data.stop_warming()


@pytest.mark.parametrize("outcome", ["rejected", "failed", "already loaded"])
def test_a_load_that_changed_no_data_keeps_the_figures_made(url, monkeypatch, outcome):
    """A rejected load is a new data version (the quality page lists it) but the same figures:
    before, it made every process remake the plan and results (8 minutes at national scale)."""
    data = IndicatorData(Database(url), 5)
    data.hold_back = True
    assert _completed(data) == 12
    made = []
    original = module.compute
    monkeypatch.setattr(module, "compute", lambda c, q, p=None: made.append(q) or original(c, q, p))
    before = data._version
    _log(url, outcome, 77)
    assert _completed(data) == 12
    assert data._version != before and data.being_made is None  # shown at once
    assert made == []  # nothing computed again


def test_a_process_started_after_a_rejected_load_reads_the_plan_already_shared(url, tmp_path):
    from dashboard.services.shared_cache import SharedResults

    first = IndicatorData(Database(url), 5)
    first.share(SharedResults(tmp_path / "shared"))
    _completed(first)
    _log(url, "rejected", 78)
    second = IndicatorData(Database(url), 5)  # a worker started after the load
    second.share(SharedResults(tmp_path / "shared"))
    plans = []
    original = module.make_plan
    second._make_plan = lambda conn: plans.append(1) or original(conn, 5)  # type: ignore[method-assign]
    assert _completed(second) == 12
    assert plans == []


def test_a_load_that_changed_data_after_a_rejected_one_is_made_again(url):
    data = IndicatorData(Database(url), 5)
    _completed(data)
    _log(url, "rejected", 79)
    assert _completed(data) == 12
    _load(url, 8)
    assert _completed(data) == 8
