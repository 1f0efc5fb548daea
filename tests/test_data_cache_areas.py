"""One cached result for all areas serves any choice of areas, with the engine's own rows."""

from pandas.testing import assert_frame_equal
from support.engine_db import build_db, episode

from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import compute
from lfo.indicators.request import Query
from lfo.terms import PROGRAMME

NEWCASTLE, GATESHEAD = "E08000021", "E08000037"


def test_rows_for_chosen_areas_equal_the_engine_asked_for_those_areas(tmp_path):
    url = build_db(
        tmp_path / "a.db",
        {
            NEWCASTLE: [episode("completed", "2017-06-20")] * 12
            + [episode("dropped_out", "2017-06-21")] * 3,
            GATESHEAD: [episode("completed", "2017-06-20")] * 4,
        },
    )
    db = Database(url)
    data = IndicatorData(db, 10)
    ids = ["uptake.completion", "uptake.attendance"]
    for areas in ([NEWCASTLE], [GATESHEAD, PROGRAMME], [PROGRAMME]):
        got = data.rows(ids, periods=["2017-18_Q1", "2017-18"], areas=areas)
        with db.engine.connect() as conn:
            want = compute(
                conn,
                Query(
                    indicators=tuple(indicators()[i] for i in ids),
                    areas=tuple(areas),
                    periods=("2017-18_Q1", "2017-18"),
                    threshold=10,
                ),
            )
        assert set(got.rows["area_code"]) == set(areas)
        assert_frame_equal(got.rows, want.rows)
        assert got.meta == want.meta
    db.dispose()


def test_several_indicators_at_once_equal_the_engine_and_one_alone_matches_its_part(tmp_path):
    url = build_db(
        tmp_path / "b.db",
        {
            NEWCASTLE: [episode("completed", "2017-06-20")] * 12
            + [episode("dropped_out", "2017-06-21")] * 3,
        },
    )
    db = Database(url)
    data = IndicatorData(db, 10)
    ids = ["uptake.completion", "uptake.attendance", "reach.parents"]
    got = data.rows(ids, periods=["2017-18_Q1"])
    with db.engine.connect() as conn:
        want = compute(
            conn,
            Query(
                indicators=tuple(indicators()[i] for i in ids),
                periods=("2017-18_Q1",),
                threshold=10,
            ),
        )
    assert_frame_equal(got.rows, want.rows)
    alone = data.rows(["uptake.attendance"], periods=["2017-18_Q1"])
    assert_frame_equal(
        alone.rows, got.rows[got.rows["indicator"] == "uptake.attendance"].reset_index(drop=True)
    )
    db.dispose()


def test_the_area_list_is_read_once_per_data_version_and_follows_a_change(tmp_path):
    """The area profile reads the programme's areas on every request: kept per data version (a
    round trip less on PostgreSQL), and a change to the areas (a new data version) is seen."""
    import datetime as dt

    from sqlalchemy import insert, update

    from dashboard.services import queries
    from lfo import schema
    from lfo.db import writer_engine

    url = build_db(tmp_path / "l.db", {NEWCASTLE: [episode("completed", "2017-06-20")] * 12})
    db = Database(url)
    data = IndicatorData(db, 10)
    first = data.area_list()
    assert_frame_equal(first, queries.areas(db))
    first.loc[:, "area_name"] = "changed by a caller"
    assert data.area_list()["area_name"].tolist() == queries.areas(db)["area_name"].tolist()
    with writer_engine(url).begin() as conn:  # what `python -m etl areas` does
        conn.execute(
            update(schema.areas).where(schema.areas.c.gss_code == NEWCASTLE).values(name="Renamed")
        )
        conn.execute(
            insert(schema.etl_load_log).values(
                file_name="areas.csv",
                sha256="2" * 64,
                size_bytes=1,
                outcome="loaded",
                started_at=dt.datetime(2019, 5, 1),
            )
        )
    names = data.area_list().set_index("area_code")["area_name"]
    assert names[NEWCASTLE] == "Renamed"


def test_benchmark_groups_are_made_once_per_data_version_and_equal_the_definition(
    tmp_path, monkeypatch
):
    """The area profile names each group benchmark's members on every spine, trend and reach
    request: the groups took about 20 ms each to make at national scale, every time."""
    import dashboard.services.indicator_data as module
    from lfo.indicators.benchmarks import groups

    url = build_db(
        tmp_path / "g.db",
        {
            NEWCASTLE: [episode("completed", "2017-06-20")] * 12,
            GATESHEAD: [episode("completed", "2017-06-20")] * 12,
        },
    )
    data = IndicatorData(Database(url), 10)
    made: list[str] = []
    monkeypatch.setattr(
        module, "groups", lambda areas, kind: made.append(kind) or groups(areas, kind)
    )
    for kind in ("neighbours", "region", "neighbours", "region"):
        assert data.benchmark_groups(kind) == groups(data.areas(), kind)
    assert sorted(made) == ["neighbours", "region"]  # once each for this data version
