"""Indicator results are cached per data version: a load makes the next request recompute."""

import datetime as dt

from sqlalchemy import insert, update
from support.engine_db import build_db, episode

from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData
from lfo import schema
from lfo.db import writer_engine

NEWCASTLE = "E08000021"


def test_cache_serves_repeats_and_is_emptied_by_a_load(tmp_path):
    url = build_db(tmp_path / "c.db", {NEWCASTLE: [episode("completed", "2017-06-20")] * 12})
    data = IndicatorData(Database(url), 10)
    first = data.rows(["uptake.completion"], periods=["2017-18_Q1"], areas=[NEWCASTLE])
    again = data.rows(["uptake.completion"], periods=["2017-18_Q1"], areas=[NEWCASTLE])
    assert again is first  # served from the cache

    engine = writer_engine(url)
    with engine.begin() as conn:  # what a load does: log it and change the current data
        conn.execute(
            insert(schema.etl_load_log).values(
                file_name="x.zip",
                sha256="1" * 64,
                size_bytes=1,
                outcome="loaded",
                started_at=dt.datetime(2019, 5, 1),
            )
        )
        conn.execute(
            update(schema.sum_endings)
            .where(schema.sum_endings.c.area_code == NEWCASTLE)
            .values(completed=11)
        )
    after = data.rows(["uptake.completion"], periods=["2017-18_Q1"], areas=[NEWCASTLE])
    assert after is not first
    assert after.rows.iloc[0]["numerator"] == 11


def test_one_request_reads_the_data_version_once_for_its_cached_figures(tmp_path, monkeypatch):
    import flask

    import dashboard.services.version_cache as module

    url = build_db(tmp_path / "v.db", {NEWCASTLE: [episode("completed", "2017-06-20")] * 12})
    data = IndicatorData(Database(url), 10)
    data.rows(["uptake.completion"], periods=["2017-18_Q1"])  # made before the requests
    reads = []
    original = module.data_version
    monkeypatch.setattr(module, "data_version", lambda conn: reads.append(1) or original(conn))
    app = flask.Flask(__name__)
    with app.test_request_context("/"):
        for _ in range(5):
            data.rows(["uptake.completion"], periods=["2017-18_Q1"], areas=[NEWCASTLE])
    assert len(reads) == 1
    with app.test_request_context("/"):  # the next request reads it again (a load may have come)
        data.rows(["uptake.completion"], periods=["2017-18_Q1"])
    assert len(reads) == 2
