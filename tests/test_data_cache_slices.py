"""The cache keeps each indicator's rows for every area and period and serves slices of them.

A slice must be exactly what the engine gives when asked for those periods, areas and breakdown
categories alone: every table that disclosure control protects lies within one period (and one
characteristic), and a trend looks back at earlier quarters whatever is shown. Checked here
against the engine itself, for every indicator, on a database with several areas, quarters,
interventions and outcome measures.
"""

import datetime as dt
import random
import threading

import pandas as pd
import pytest
from support.engine_db import build_db, episode

from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.result_slices import slice_rows, whole
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import compute
from lfo.indicators.protection import Plan, make_plan
from lfo.indicators.request import Query

AREAS = ["E08000021", "E08000037", "E06000009", "E09000008"]
MEASURES = {"csi4": (0, 21), "swemwbs": (7, 35), "sdq_total": (0, 40), "ops": (0, 24)}
INTERVENTIONS = ["tp_enhanced", "mybt", "arguing_better"]
THRESHOLD = 5


def _random_episode(rng: random.Random) -> dict:
    referred = dt.date(2016, 4, 1) + dt.timedelta(days=rng.randrange(0, 1000))
    offered = referred + dt.timedelta(days=rng.randrange(1, 30))
    start = offered + dt.timedelta(days=rng.randrange(1, 60))
    end = start + dt.timedelta(days=rng.randrange(20, 120))
    status = rng.choice(["completed"] * 4 + ["dropped_out", "started", "offered", "declined"])
    scores = {}
    if status in ("completed", "dropped_out"):
        for measure, (low, high) in MEASURES.items():
            if rng.random() < 0.7:
                points = {"baseline": rng.randint(low, high)}
                for tp in ("exit", "followup_6m", "followup_12m"):
                    if rng.random() < 0.6:
                        points[tp] = rng.randint(low, high)
                scores[measure] = points
    return episode(
        status,
        end.isoformat() if status in ("completed", "dropped_out") else None,
        intervention=rng.choice(INTERVENTIONS),
        offered=offered.isoformat(),
        start=start.isoformat(),
        referred=referred.isoformat(),
        sex=rng.choice(["female", "male"]),
        workless=rng.choice(["yes", "no"]),
        family=f"f{rng.randrange(0, 400)}",
        scores=scores,
    )


@pytest.fixture(scope="module")
def db(tmp_path_factory) -> Database:
    rng = random.Random(7)
    sizes = {AREAS[0]: 260, AREAS[1]: 120, AREAS[2]: 40, AREAS[3]: 15}
    episodes = {a: [_random_episode(rng) for _ in range(n)] for a, n in sizes.items()}
    url = build_db(tmp_path_factory.mktemp("slices") / "lfo.db", episodes)
    return Database(url)


@pytest.fixture(scope="module")
def plan(db: Database) -> Plan:
    """The disclosure plan of the module's database (made once: it does not change)."""
    with db.engine.connect() as conn:
        return make_plan(conn, THRESHOLD)


@pytest.fixture(scope="module")
def data(db: Database) -> IndicatorData:
    """One cache for the slice tests (the data does not change between them)."""
    return IndicatorData(db, THRESHOLD)


def _direct(db: Database, query: Query, plan: Plan | None = None) -> pd.DataFrame:
    with db.engine.connect() as conn:
        return compute(conn, query, plan).rows


def _same(got: pd.DataFrame, want: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(
        got.reset_index(drop=True),
        want.reset_index(drop=True),
        check_dtype=False,
        check_index_type=False,
    )


QUERIES = [
    dict(periods=("2017-18_Q2",)),
    dict(periods=("2016-17_Q1",)),  # no quarters before it: trend windows fall off the start
    dict(periods=("2017-18", "2018-19_Q3")),
    dict(period_from="2017-18_Q3", period_to="2018-19_Q2"),
    dict(periods=("2030-31_Q1",)),  # nothing: no such period with data
    dict(periods=("2018-19_Q1",), ci=99.8),
    dict(periods=("2017-18_Q4",), intervention="mybt"),
    dict(periods=("2018-19",), level="targeted"),
]


@pytest.mark.parametrize("ind_id", sorted(indicators()))
def test_a_slice_of_the_whole_result_is_what_the_engine_gives(db, plan, data, ind_id):
    ind = indicators()[ind_id]
    for i, extra in enumerate(QUERIES):
        query = Query(indicators=(ind,), threshold=THRESHOLD, **extra)
        areas = [None, (AREAS[1], "programme"), (AREAS[3],)][i % 3]
        want = _direct(db, Query(**{**query.__dict__, "areas": areas}), plan)
        _same(data.result(query, areas).rows, want)


def test_breakdown_categories_are_a_slice_too(db, plan, data):
    ind = indicators()["reach.breakdown"]
    for chosen in (("sex",), ("workless_household", "age_band")):
        query = Query(
            indicators=(ind,),
            periods=("2017-18_Q3", "2017-18"),
            breakdowns=chosen,
            threshold=THRESHOLD,
        )
        _same(data.result(query).rows, _direct(db, query, plan))


def test_several_indicators_are_their_slices_in_order(db, plan, data):
    cat = indicators()
    query = Query(
        indicators=(cat["uptake.completion"], cat["reach.families"], cat["outcome.csi4.change"]),
        periods=("2017-18_Q3",),
        threshold=THRESHOLD,
    )
    _same(data.result(query).rows, _direct(db, query, plan))


def test_the_cache_holds_one_whole_result_per_indicator_and_filter(db):
    ind = indicators()["uptake.completion"]
    data = IndicatorData(db, THRESHOLD)
    for period in ("2017-18_Q1", "2017-18_Q2", "2018-19"):
        data.result(Query(indicators=(ind,), periods=(period,), threshold=THRESHOLD))
    wholes = [k for k in data._cache if k[0] == "whole"]
    assert wholes == [("whole", whole(Query(indicators=(ind,), threshold=THRESHOLD)))]


def test_slice_rows_keeps_the_whole_frame_when_nothing_is_cut(db):
    ind = indicators()["uptake.completion"]
    rows = IndicatorData(db, THRESHOLD).result(Query(indicators=(ind,), threshold=THRESHOLD)).rows
    assert slice_rows(rows, Query(indicators=(ind,)), None) is rows
    some = slice_rows(rows, Query(indicators=(ind,), periods=("2017-18_Q1",)), [AREAS[0]])
    assert set(some["period"]) == {"2017-18_Q1"} and set(some["area_code"]) == {AREAS[0]}


def test_warming_makes_every_indicator_ahead(db):
    data = IndicatorData(db, THRESHOLD)
    made = data.warm(levels=(95.0,))
    assert made == len(indicators())
    assert data.warmed_version == data._version
    wholes = {k[1].indicators[0].id for k in data._cache if k[0] == "whole"}
    assert wholes == set(indicators())
    # a request after warming computes nothing: the engine is not called
    import dashboard.services.indicator_data as module

    calls = []
    original = module.compute
    module.compute = lambda *a, **k: calls.append(a) or original(*a, **k)
    try:
        data.rows(["uptake.start"], periods=["2018-19_Q2"], areas=[AREAS[0]])
    finally:
        module.compute = original
    assert calls == []


def test_results_made_ahead_that_do_not_fit_are_said_in_the_log(db, caplog):
    """At national scale the results made ahead (4.8 million rows) outgrew the cache's 3 million:
    the benchmark's requests made dropped ones again (the API's p50 from 7 to 91 ms, the area
    profile's first draw 18 s) and nothing said why. Now LFO_CACHE_ROWS sets it, and a process
    whose made-ahead results do not fit says so."""
    import logging

    fits = IndicatorData(db, THRESHOLD)
    with caplog.at_level(logging.WARNING):
        fits.warm(levels=(95.0,))
    assert "do not fit" not in caplog.text
    small = IndicatorData(db, THRESHOLD)
    small.limit = fits._rows // 2
    with caplog.at_level(logging.WARNING):
        small.warm(levels=(95.0,))
    assert small._rows <= small.limit
    assert "raise LFO_CACHE_ROWS" in caplog.text


def test_lfo_cache_rows_sets_each_process_limit(monkeypatch, tmp_path):
    from dashboard.services import Services
    from dashboard.settings import DashboardSettings

    monkeypatch.setenv("LFO_CACHE_ROWS", "1234567")
    settings = DashboardSettings.from_env(database_url=f"sqlite:///{tmp_path / 'x.db'}")
    assert Services.create(settings).live.limit == 1_234_567
    monkeypatch.setenv("LFO_CACHE_ROWS", "lots")
    with pytest.raises(ValueError, match="LFO_CACHE_ROWS"):
        DashboardSettings.from_env()


def test_the_warming_thread_warms_and_stops(db):
    data = IndicatorData(db, THRESHOLD)
    thread = data.start_warming(poll=0.05)
    assert data.start_warming() is thread  # one thread per cache
    for _ in range(600):
        if data.warmed_version is not None:
            break
        threading.Event().wait(0.1)
    data.stop_warming()
    assert data.warmed_version is not None
    assert not thread.is_alive()


def test_concurrent_requests_for_one_result_compute_it_once(db, monkeypatch):
    import dashboard.services.indicator_data as module

    calls = []
    gate = threading.Event()
    original = module.compute

    def slow(conn, query, plan=None):
        calls.append(query)
        gate.wait(5)
        return original(conn, query, plan)

    monkeypatch.setattr(module, "compute", slow)
    data = IndicatorData(db, THRESHOLD)
    data.per_version(("plan made",), data._plan)  # the disclosure plan first: not timed here
    out = []
    threads = [
        threading.Thread(
            target=lambda p=p: out.append(data.rows(["uptake.completion"], periods=[p]))
        )
        for p in ("2017-18_Q1", "2017-18_Q2")
    ]
    for t in threads:
        t.start()
    threading.Event().wait(0.3)
    gate.set()
    for t in threads:
        t.join(10)
    assert len(out) == 2
    assert len(calls) == 1


def test_the_cache_is_bounded_by_the_rows_it_holds(db, monkeypatch):
    data = IndicatorData(db, THRESHOLD)
    one = data.rows(["uptake.completion"]).rows
    monkeypatch.setattr(data, "limit", int(len(one) * 2.5))
    for ind in ("uptake.start", "reach.parents", "reach.families"):
        data.rows([ind])
    assert data._rows <= data.limit
    held = {k[1].indicators[0].id for k in data._cache if k[0] == "whole"}
    assert "uptake.completion" not in held and "reach.families" in held  # oldest out first
    data.clear()
    assert data._rows == 0 and not data._cache


def test_a_slice_by_the_period_index_is_the_slice_by_testing_every_row(db):
    """The index (made once per whole result) gives the same rows, in the same order, as masks
    over the whole result, for periods, areas and breakdown categories; and says which periods
    it has no rows for."""
    from dashboard.services.result_slices import PeriodIndex

    ind = indicators()["reach.breakdown"]
    rows = IndicatorData(db, THRESHOLD).result(Query(indicators=(ind,), threshold=THRESHOLD)).rows
    index = PeriodIndex.of(rows)
    assert list(index.periods) == rows["period"].unique().tolist()
    for periods, areas, breakdowns in [
        (("2017-18_Q1",), [AREAS[0]], None),
        (("2017-18", "2016-17_Q3"), None, ("sex",)),
        (("2017-18_Q2",), [AREAS[1], AREAS[3]], ("sex", "age_band")),
    ]:
        query = Query(indicators=(ind,), periods=periods, breakdowns=breakdowns)
        keep = rows["period"].isin(periods)
        if areas is not None:
            keep &= rows["area_code"].isin(areas)
        if breakdowns:
            keep &= rows["category"].astype(str).str.startswith(tuple(f"{b}:" for b in breakdowns))
        expected = rows[keep].reset_index(drop=True)
        assert not expected.empty
        pd.testing.assert_frame_equal(slice_rows(rows, query, areas, index), expected)
    assert index.covers(Query(indicators=(ind,), periods=("2017-18_Q1",)))
    assert not index.covers(Query(indicators=(ind,), periods=("2017-18_Q1", "2030-31_Q1")))
