"""Whole indicator results shared between a server's processes through a private folder."""

import os
import stat
import threading

import pytest
from support.engine_db import build_db, episode

import dashboard.services.indicator_data as data_module
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData, shared_key
from dashboard.services.result_slices import whole
from dashboard.services.shared_cache import SharedResults, default_directory, directory_for
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import indicators
from lfo.indicators.request import Query

NEWCASTLE = "E08000021"


@pytest.fixture
def db(tmp_path) -> Database:
    url = build_db(
        tmp_path / "s.db",
        {
            NEWCASTLE: [episode("completed", "2017-06-20")] * 12
            + [episode("dropped_out", "2017-06-20")] * 8
        },
    )
    return Database(url)


def _counting(monkeypatch) -> list:
    calls = []
    original = data_module.compute
    monkeypatch.setattr(
        data_module,
        "compute",
        lambda conn, q, plan=None: calls.append(q) or original(conn, q, plan),
    )
    return calls


def test_a_second_process_reads_what_the_first_made(db, tmp_path, monkeypatch):
    calls = _counting(monkeypatch)
    first, second = IndicatorData(db, 10), IndicatorData(db, 10)  # two workers' caches
    first.share(SharedResults(tmp_path / "shared"))
    second.share(SharedResults(tmp_path / "shared"))
    a = first.rows(["uptake.completion"], periods=["2017-18_Q1"])
    b = second.rows(["uptake.completion"], periods=["2017-18_Q1"])
    assert len(calls) == 1  # computed once, by the first
    assert a.rows.equals(b.rows)
    assert b.rows.loc[b.rows["area_code"] == NEWCASTLE, "numerator"].item() == 12


def test_a_new_data_version_never_reads_the_old_files(db, tmp_path, monkeypatch):
    shared = SharedResults(tmp_path / "shared")
    query = whole(Query(indicators=(indicators()["uptake.completion"],), threshold=10))
    shared.store(("old",), shared_key(query), "stale")
    assert shared.load(("old",), shared_key(query)) == "stale"
    assert shared.load(("new",), shared_key(query)) is None


def test_old_versions_are_removed_once_no_process_can_be_reading_them(tmp_path, monkeypatch):
    import dashboard.services.shared_cache as module

    shared = SharedResults(tmp_path / "shared")
    shared.store(("v1",), "k", 1)
    monkeypatch.setattr(module, "KEEP_OLD_SECONDS", 0.0)
    shared.store(("v2",), "k", 2)
    assert shared.load(("v1",), "k") is None
    assert shared.load(("v2",), "k") == 2
    assert len(list((tmp_path / "shared").iterdir())) == 1


def test_a_damaged_file_is_recomputed_not_fatal(db, tmp_path, monkeypatch):
    calls = _counting(monkeypatch)
    shared = SharedResults(tmp_path / "shared")
    data = IndicatorData(db, 10)
    data.share(shared)
    data.rows(["uptake.completion"])
    for path in (tmp_path / "shared").rglob("*.pkl"):
        path.write_bytes(b"not a pickle")
    again = IndicatorData(db, 10)
    again.share(shared)
    rows = again.rows(["uptake.completion"], periods=["2017-18_Q1"]).rows
    assert len(calls) == 2
    assert rows.loc[rows["area_code"] == NEWCASTLE, "numerator"].item() == 12


def test_the_folder_is_private_and_an_open_folder_is_refused(tmp_path):
    SharedResults(tmp_path / "a" / "b")
    assert stat.S_IMODE((tmp_path / "a" / "b").stat().st_mode) == 0o700
    assert stat.S_IMODE((tmp_path / "a").stat().st_mode) == 0o700
    open_folder = tmp_path / "open"
    open_folder.mkdir()
    os.chmod(open_folder, 0o777)
    with pytest.raises(PermissionError, match="open to other users"):
        SharedResults(open_folder)
    assert SharedResults.open(open_folder) is None  # sharing off, with a warning


def test_a_process_waits_for_the_one_computing_a_result(tmp_path):
    shared = SharedResults(tmp_path / "shared")
    order = []
    inside = threading.Event()

    def holder():
        with shared.claim(("v",), "k"):
            inside.set()
            threading.Event().wait(0.3)
            shared.store(("v",), "k", "made")
            order.append("stored")

    t = threading.Thread(target=holder)
    t.start()
    inside.wait(5)
    with shared.claim(("v",), "k"):  # flock locks are per open file: this waits for holder
        order.append("claimed")
        assert shared.load(("v",), "k") == "made"
    t.join(5)
    assert order == ["stored", "claimed"]


def test_the_cache_folder_setting(monkeypatch, tmp_path):
    url = "sqlite:///x.db"
    assert directory_for(DashboardSettings(database_url=url)) == default_directory(url)
    assert directory_for(DashboardSettings(cache_dir="off")) is None
    monkeypatch.setenv("LFO_CACHE_DIR", str(tmp_path))
    assert directory_for(DashboardSettings.from_env()) == tmp_path
    assert str(os.getuid()) in str(default_directory(url))
