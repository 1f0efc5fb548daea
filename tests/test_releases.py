"""Releases (issue 14, service.md § 7): publish and list from the command line; a release answers
byte for byte the same after a later load, a rollback and a change of threshold; unknown ids are
404s; publishing a quarter again makes a new revision; a failed publish leaves nothing; the
revisions list exactly the figures that changed; the bulk file is a valid data package."""

from __future__ import annotations

import io
import zipfile

import frictionless
import pandas as pd
import pytest
from sqlalchemy import func, select
from support.returns import write_return

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from etl.cli import main as etl
from etl.load.loader import load_files
from lfo import release_publish, schema
from lfo.db import writer_engine
from lfo.indicators.definitions import indicators
from lfo.release_snapshot import open_snapshot, read_revisions
from lfo.releases import parse_id, snapshot_bytes

GATESHEAD = "E08000037"
NEWCASTLE = "E08000021"
#: Indicators whose figures a later return changes in these tests (with enough people to show).
SHOWN = "reach.parents,reach.families,uptake.start,uptake.completion,uptake.funnel"


@pytest.fixture
def world(lfo_settings, scaled_tables, tmp_path, monkeypatch):
    """Newcastle and Gateshead loaded for 2017-18 Q3 (enough people to publish), the Q4 returns
    (more people) written but not loaded."""
    monkeypatch.setenv("LFO_RELEASES_CACHE_DIR", str(tmp_path / "releases-cache"))
    files = {}
    for area in (NEWCASTLE, GATESHEAD):
        files[(area, "q3")] = write_return(
            tmp_path / f"{area}-q3", scaled_tables(8), area=area, period="2017-18_Q3"
        )
        files[(area, "q4")] = write_return(
            tmp_path / f"{area}-q4", scaled_tables(11), area=area, period="2017-18_Q4"
        )
    q3 = [files[(a, "q3")] for a in (NEWCASTLE, GATESHEAD)]
    assert [r.outcome for r in load_files(q3, lfo_settings)] == ["loaded", "loaded"]
    url = lfo_settings.database_url
    app = create_app(DashboardSettings(database_url=url))
    return {
        "settings": lfo_settings,
        "files": files,
        "url": url,
        "client": app.server.test_client(),
    }


def publish(world, period: str, *extra: str) -> int:
    return etl(["release", "publish", "--period", period, "--db", world["url"], *extra])


def api(world, query: str) -> bytes:
    answer = world["client"].get(f"/api/v1/data?{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data()


def test_a_release_answers_byte_for_byte_after_a_later_load_and_a_rollback(world, capsys):
    assert publish(world, "2017-18_Q3", "--note", "first release") == 0
    assert "published release 2017-18_Q3" in capsys.readouterr().out
    query = f"indicator={SHOWN}&release=2017-18_Q3"
    frozen = api(world, query)
    frozen_csv = api(world, query + "&format=csv")
    assert b'"release":"2017-18_Q3"' in frozen.replace(b" ", b"")
    live_before = api(world, f"indicator={SHOWN}&period=2017-18_Q3")
    later = [world["files"][(a, "q4")] for a in (NEWCASTLE, GATESHEAD)]
    assert [r.outcome for r in load_files(later, world["settings"])] == ["loaded", "loaded"]
    live_after = api(world, f"indicator={SHOWN}&period=2017-18_Q3")
    assert live_after != live_before  # the later returns revised Q3's live figures
    assert api(world, query) == frozen and api(world, query + "&format=csv") == frozen_csv
    assert b"2017-18_Q4" not in frozen  # no period after the release's own, though loaded
    q3 = [world["files"][(NEWCASTLE, "q3")]]
    rollback = load_files(q3, world["settings"], force=True, allow_shrink=True)
    assert rollback[0].outcome == "forced", rollback[0].message
    assert api(world, query) == frozen


def test_a_later_change_of_threshold_does_not_alter_a_release(world, monkeypatch):
    assert publish(world, "2017-18_Q3") == 0
    query = f"indicator={SHOWN}&release=latest"
    before = api(world, query)
    strict = create_app(DashboardSettings(database_url=world["url"], suppression_threshold=60))
    answer = strict.server.test_client().get(f"/api/v1/data?{query}")
    assert answer.get_data() == before
    live = strict.server.test_client().get(f"/api/v1/data?indicator={SHOWN}").get_json()["data"]
    frozen = strict.server.test_client().get(f"/api/v1/data?{query}").get_json()["data"]
    hidden = [sum(r["status"] == "c" for r in rows) for rows in (live, frozen)]
    assert hidden[0] > hidden[1]  # the new threshold hides more live; the release keeps its own


@pytest.mark.parametrize(
    "asked", ["2017-18_Q2", "2017-18_Q3-r7", "2017-18_Q3-r1", "Q3", "x" * 300, "2017-18"]
)
def test_an_unknown_or_malformed_release_is_a_404_never_the_live_figures(world, asked):
    answer = world["client"].get(f"/api/v1/data?indicator=reach.parents&release={asked}")
    assert answer.status_code == 404
    assert answer.is_json and "release" in answer.get_json()["error"]["message"].lower()
    page = world["client"].get(f"/reach?release={asked}")
    assert page.status_code == 404


def test_publishing_again_makes_a_new_revision_and_never_changes_the_first(world, capsys):
    assert publish(world, "2017-18_Q3") == 0
    engine = writer_engine(world["url"])
    with engine.connect() as conn:
        first = snapshot_bytes(conn, "2017-18_Q3")
    later = [world["files"][(a, "q4")] for a in (NEWCASTLE, GATESHEAD)]
    load_files(later, world["settings"])
    assert publish(world, "2017-18_Q3", "--note", "corrected") == 0
    with engine.connect() as conn:
        assert snapshot_bytes(conn, "2017-18_Q3") == first
        ids = [r for (r,) in conn.execute(select(schema.releases.c.release_id))]
    assert sorted(ids) == ["2017-18_Q3", "2017-18_Q3-r2"]
    assert parse_id("2017-18_Q3-r2") == ("2017-18_Q3", 2)
    capsys.readouterr()
    assert etl(["release", "list", "--db", world["url"]]) == 0
    listed = capsys.readouterr().out
    assert "2017-18_Q3-r2" in listed and "corrected" in listed
    latest = api(world, "indicator=reach.parents&release=latest")
    assert latest == api(world, "indicator=reach.parents&release=2017-18_Q3-r2")


def test_a_publish_that_fails_midway_leaves_no_release(world, monkeypatch, capsys):
    def broken(rows, meta):
        raise OSError("disk full")

    monkeypatch.setattr(release_publish, "bulk_zip", broken)
    assert publish(world, "2017-18_Q3") == 2
    assert "disk full" in capsys.readouterr().err
    with writer_engine(world["url"]).connect() as conn:
        assert conn.execute(select(func.count()).select_from(schema.releases)).scalar() == 0
        audit = schema.audit_log
        published = select(func.count()).where(audit.c.action == "release-published")
        assert conn.execute(published.select_from(audit)).scalar() == 0


def test_a_quarter_no_return_covers_is_refused_with_what_to_do(world, capsys):
    assert publish(world, "2018-19_Q1") == 2
    assert "no area's return covers 2018-19_Q1" in capsys.readouterr().err
    assert publish(world, "2017-18") == 2
    assert "give its last quarter" in capsys.readouterr().err


def test_the_revisions_list_exactly_the_figures_that_changed(world):
    assert publish(world, "2017-18_Q3") == 0
    later = [world["files"][(a, "q4")] for a in (NEWCASTLE, GATESHEAD)]
    load_files(later, world["settings"])
    assert publish(world, "2017-18_Q4") == 0
    every = "indicator=" + ",".join(indicators())
    old = world["client"].get(f"/api/v1/data?{every}&release=2017-18_Q3").get_json()["data"]
    new = world["client"].get(f"/api/v1/data?{every}&release=2017-18_Q4&to=2017-18_Q3")
    new = new.get_json()["data"]

    def shown(rows):
        return {
            (r["indicator"], r["area_code"], r["period"], r["category"]): r["status"]
            or repr(r["value"])
            for r in rows
        }

    before, after = shown(old), shown(new)
    changed = {k for k in before.keys() & after.keys() if before[k] != after[k]}
    changed = {k for k in changed if not (before[k] == "c" and after[k] == "c")}
    engine = writer_engine(world["url"])
    with engine.connect() as conn:
        packed = snapshot_bytes(conn, "2017-18_Q4")
        sha = conn.execute(
            select(schema.releases.c.snapshot_sha256).where(
                schema.releases.c.release_id == "2017-18_Q4"
            )
        ).scalar_one()
    with open_snapshot(packed, sha, world["settings"].releases_cache_dir).connect() as conn:
        revisions = read_revisions(conn)
    listed = revisions[revisions["grp"] == "all"]
    keys = {
        (r.indicator, r.area_code, r.period, None if pd.isna(r.category) else r.category)
        for r in listed.itertuples()
    }
    assert changed and keys == changed
    assert all("return for 2017-18_Q4" in text for text in listed["returns"])


def test_the_bulk_file_is_a_valid_data_package(world, tmp_path):
    assert publish(world, "2017-18_Q3") == 0
    answer = world["client"].get("/releases/2017-18_Q3/bulk.zip")
    assert answer.status_code == 200
    folder = tmp_path / "bulk"
    zipfile.ZipFile(io.BytesIO(answer.get_data())).extractall(folder)
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
