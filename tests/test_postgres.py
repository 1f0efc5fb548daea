"""The system on PostgreSQL, for real: a throw-away server (tests/support/postgres.py), the ETL's
command line loading pilot returns into it, and the same rows, summaries and API answers as on
SQLite.

Columns left out of the comparison, because they legitimately differ between two loads:
``returns.loaded_at`` (the clock) and ``schema_info`` ``created_at`` (the clock). Floating-point
summary columns are compared to 12 significant digits: the summaries add up rows in the order the
database hands them back, which differs between the two (the last binary digit can differ).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import create_engine, delete, func, insert, select
from sqlalchemy.exc import DBAPIError
from support.dumps import TODAY
from support.postgres import create_database
from support.returns import valid_tables, write_return

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from etl.synthetic.generate import generate
from lfo import schema
from lfo.db import init_db, reader_engine, writer_engine

PROJECT = Path(__file__).resolve().parent.parent
AREAS = ("E08000021", "E06000009")  # Newcastle, Blackpool
PERIODS = ("2018-19_Q3", "2018-19_Q4")
#: Columns whose values come from the clock, not from the returns.
CLOCK_COLUMNS = {"returns": {"loaded_at"}}
#: Rows whose values come from the clock.
CLOCK_ROWS = {"schema_info": {("created_at",)}}


_databases = iter(range(1, 1000))


@pytest.fixture
def fresh_pg(pg_url: str) -> str:
    """A new empty database on the session's server."""
    return create_database(pg_url, f"lfo_t{next(_databases)}")


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Pilot returns of two areas for two quarters in ``in/``, and one shared ID key file."""
    root = tmp_path_factory.mktemp("pg")
    generate(root / "gen", only_areas=AREAS)
    (root / "in").mkdir()
    for area in AREAS:
        for period in PERIODS:
            name = f"LFO_{area}_{period}.zip"
            shutil.copy(root / "gen" / "zip" / name, root / "in" / name)
    return root


def etl(work: Path, url: str, *args: str, archive: str = "archive") -> subprocess.CompletedProcess:
    """``python -m etl ARGS --db URL`` in its own process, with archive and key under ``work``."""
    env = {
        **os.environ,
        "LFO_TODAY": TODAY,
        "LFO_ARCHIVE_DIR": str(work / archive),
        "LFO_ID_KEY_FILE": str(work / "lfo-id.key"),
        "LFO_DATABASE_URL": url,
        "COLUMNS": "200",
    }
    return subprocess.run(
        [sys.executable, "-m", "etl", *args, "--db", url],
        cwd=PROJECT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def dump(url: str, *, etl_tables: bool = False) -> dict[str, list[tuple]]:
    """Every row of every table but the bookkeeping (the ``etl_`` ones and the audit log), clock
    columns left out, sorted."""
    engine = create_engine(url)
    out: dict[str, list[tuple]] = {}
    try:
        with engine.connect() as conn:
            for name, table in sorted(schema.metadata.tables.items()):
                if (name.startswith("etl_") or name == "audit_log") and not etl_tables:
                    continue
                cols = [c for c in table.columns if c.name not in CLOCK_COLUMNS.get(name, ())]
                rows = [tuple(_rounded(v) for v in r) for r in conn.execute(select(*cols))]
                skip = CLOCK_ROWS.get(name, set())
                out[name] = sorted((r for r in rows if r[:1] not in skip), key=repr)
    finally:
        engine.dispose()
    return out


def _rounded(value: object) -> object:
    return float(f"{value:.12g}") if isinstance(value, float) else value


@pytest.fixture(scope="module")
def loaded(work: Path, pg_url: str) -> dict[str, str]:
    """The same four returns loaded through the command line into PostgreSQL and into SQLite."""
    pg = create_database(pg_url, "lfo_loaded")
    lite = f"sqlite:///{work / 'lfo.db'}"
    results = {}
    for name, url in (("postgresql", pg), ("sqlite", lite)):
        results[name] = etl(work, url, "load", str(work / "in"), archive=f"archive-{name}")
    for name, proc in results.items():
        assert proc.returncode == 0, (name, proc.stdout, proc.stderr)
    return {"postgresql": pg, "sqlite": lite, "stdout": results["postgresql"].stdout}


def bad_tables() -> dict:
    tables = valid_tables()
    tables["participants"][0]["referral_source"] = '=HYPERLINK("x")'
    return tables


# --- the command line on PostgreSQL ------------------------------------------------------------


def test_load_into_postgresql_loads_every_return(loaded):
    out = loaded["stdout"]
    assert "4 file(s): 4 loaded" in out
    dumped = dump(loaded["postgresql"])
    assert {r[0] for r in dumped["returns"]} == set(AREAS)
    assert {r[1] for r in dumped["returns"]} == {"2018-19_Q4"}
    assert len(dumped["participants"]) > 100 and len(dumped["outcomes"]) > 100


def test_status_on_postgresql_lists_the_loaded_areas(work, loaded):
    proc = etl(work, loaded["postgresql"], "status")
    assert proc.returncode == 0, proc.stderr
    lines = {
        line.split("│")[1].strip(): line
        for line in proc.stdout.splitlines()
        if line.startswith("│")
    }
    assert "2018-19_Q4" in lines["E08000021"] and "2018-19_Q4" in lines["E06000009"]
    assert "2018-19_Q4" not in lines["E08000037"]  # Gateshead sent nothing
    assert len(lines) == 12


def test_validate_on_postgresql_checks_against_the_loaded_data(work, loaded, tmp_path):
    new = write_return(tmp_path / "new", area="E08000037")  # Gateshead: nothing loaded yet
    proc = etl(work, loaded["postgresql"], "validate", str(new))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "valid" in proc.stdout
    older = work / "gen" / "zip" / "LFO_E08000021_2018-19_Q2.zip"  # older than the one loaded
    proc = etl(work, loaded["postgresql"], "validate", str(older))
    assert proc.returncode == 1
    assert "E108" in proc.stdout


def test_a_rejected_return_leaves_the_postgresql_data_unchanged(work, fresh_pg, tmp_path):
    assert etl(work, fresh_pg, "load", str(write_return(tmp_path / "a"))).returncode == 0
    before = dump(fresh_pg)
    bad = write_return(tmp_path / "b", bad_tables(), period="2017-18_Q4")
    proc = etl(work, fresh_pg, "load", str(bad))
    assert proc.returncode == 1
    assert "rejected" in proc.stdout and "E203" in proc.stdout
    assert dump(fresh_pg) == before
    rejected = [
        r
        for r in dump(fresh_pg, etl_tables=True)["etl_load_log"]
        if "E203" in repr(r) or "rejected" in repr(r)
    ]
    assert rejected  # the attempt itself is logged
    audited = [r[6:9:2] for r in dump(fresh_pg, etl_tables=True)["audit_log"]]
    assert sorted(audited) == [("load", "loaded"), ("load", "refused")]  # action, outcome


def test_a_second_load_while_one_holds_the_advisory_lock_is_refused(work, fresh_pg, tmp_path):
    holder = (
        "import sys, time\n"
        "from lfo.db import writer_engine\n"
        "from etl.lock import load_lock\n"
        f"e = writer_engine({fresh_pg!r})\n"
        "with load_lock(e):\n"
        "    print('held', flush=True)\n"
        "    time.sleep(60)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder], stdout=subprocess.PIPE, text=True, cwd=PROJECT
    )
    path = write_return(tmp_path / "in")
    engine = writer_engine(fresh_pg)
    init_db(engine)  # the tables exist, as after the first load
    engine.dispose()
    try:
        assert proc.stdout.readline().strip() == "held"
        refused = etl(work, fresh_pg, "load", str(path))
        assert refused.returncode == 2
        assert "another load is in progress" in refused.stderr
        assert dump(fresh_pg)["participants"] == []
    finally:
        proc.kill()
        proc.wait(timeout=10)
    # The server frees a session's advisory lock when its connection dies.
    again = etl(work, fresh_pg, "load", str(path))
    assert again.returncode == 0, again.stdout + again.stderr
    assert len(dump(fresh_pg)["participants"]) == 3


def test_areas_and_a_quarantined_load_work_on_postgresql(work, fresh_pg, tmp_path):
    areas = tmp_path / "areas.csv"
    areas.write_text(
        "gss_code,name,region,families,annual_target\n"
        "E06000059,Dorset Council,South West,36000,140\n",
        encoding="utf-8",
    )
    proc = etl(work, fresh_pg, "areas", str(areas))
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "1 area(s) added: E06000059" in proc.stdout
    dorset = [r for r in dump(fresh_pg)["areas"] if r[0] == "E06000059"]
    assert [r[1:5] for r in dorset] == [("Dorset Council", "South West", 36000, 140)]
    proc = etl(
        work, fresh_pg, "load", str(write_return(tmp_path / "q", bad_tables())), "--quarantine"
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    held = dump(fresh_pg, etl_tables=True)["etl_held_back"]
    assert len(dump(fresh_pg)["participants"]) == 2 and held


# --- the same results as SQLite ------------------------------------------------------------------


def test_postgresql_holds_the_same_rows_and_summaries_as_sqlite(loaded):
    pg, lite = dump(loaded["postgresql"]), dump(loaded["sqlite"])
    assert pg.keys() == lite.keys()
    for name in ("participants", "episodes", "outcomes", "returns", "sum_reach", "sum_outcomes"):
        assert pg[name], name  # not equal merely by being empty
    for name in pg:
        assert pg[name] == lite[name], name


API_QUERIES = (
    "/api/v1/data?indicator=uptake.completion&period=2018-19_Q3",
    "/api/v1/data?indicator=reach.parents",
    "/api/v1/data?indicator=outcome.csi4.recovery,uptake.start&area=E08000021,programme",
    "/api/v1/areas",
)


@pytest.mark.parametrize("path", API_QUERIES)
def test_the_data_api_answers_the_same_on_postgresql_as_on_sqlite(loaded, path):
    answers = {}
    for name in ("postgresql", "sqlite"):
        app = create_app(DashboardSettings(database_url=loaded[name]))
        resp = app.server.test_client().get(path)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        answers[name] = resp.get_json()
    pg, lite = answers["postgresql"], answers["sqlite"]
    assert pg["data"], path
    assert pg["data"] == lite["data"]
    if "meta" in pg:
        pg["meta"].pop("data_as_at", None)
        lite["meta"].pop("data_as_at", None)
        assert pg["meta"] == lite["meta"]


# --- the read-only engine -------------------------------------------------------------------


def test_a_postgresql_reader_sees_one_snapshot_and_cannot_write(fresh_pg):
    writer = writer_engine(fresh_pg)
    init_db(writer)
    reader = reader_engine(fresh_pg)
    areas = schema.areas
    count = select(func.count()).select_from(areas)
    try:
        with reader.connect() as conn:
            before = conn.execute(count).scalar_one()
            with writer.begin() as w:
                w.execute(delete(schema.returns))
                w.execute(delete(areas).where(areas.c.gss_code == "E08000021"))
            assert conn.execute(count).scalar_one() == before  # same snapshot mid-request
        with reader.connect() as conn:
            assert conn.execute(count).scalar_one() == before - 1  # a new request sees the load
            with pytest.raises(DBAPIError, match="read-only"):
                conn.execute(insert(schema.schema_info).values(key="x", value="y"))
    finally:
        reader.dispose()
        writer.dispose()


def test_the_api_on_postgresql_answers_with_a_load_made_while_the_app_runs(
    work, fresh_pg, tmp_path
):
    assert etl(work, fresh_pg, "load", str(write_return(tmp_path / "a"))).returncode == 0
    client = create_app(
        DashboardSettings(database_url=fresh_pg, suppression_threshold=1)
    ).server.test_client()
    path = "/api/v1/data?indicator=reach.parents&period=2017-18_Q1&area=E08000021,E08000037"

    def parents() -> dict:
        resp = client.get(path)
        assert resp.status_code == 200, resp.get_data(as_text=True)
        return {r["area_code"]: r["value"] for r in resp.get_json()["data"]}

    before = parents()
    assert before["E08000021"] == 3  # the builders' return: 3 parents referred in 2017-18 Q1
    assert not before.get("E08000037")
    gateshead = write_return(tmp_path / "b", area="E08000037")
    assert etl(work, fresh_pg, "load", str(gateshead)).returncode == 0
    assert parents() == {"E08000021": 3, "E08000037": 3}
