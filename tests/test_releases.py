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
from support.dumps import TODAY
from support.release_world import release_settings, use_settings
from support.returns import scaled_tables, write_return

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


def make_world(where) -> dict:
    """Newcastle and Gateshead loaded for 2017-18 Q3 (enough people to publish), the Q4 returns
    (more people) written but not loaded. The environment is set by the caller."""
    settings = release_settings(where)
    files = {}
    for area in (NEWCASTLE, GATESHEAD):
        files[(area, "q3")] = write_return(
            where / f"{area}-q3", scaled_tables(8), area=area, period="2017-18_Q3"
        )
        files[(area, "q4")] = write_return(
            where / f"{area}-q4", scaled_tables(11), area=area, period="2017-18_Q4"
        )
    q3 = [files[(a, "q3")] for a in (NEWCASTLE, GATESHEAD)]
    assert [r.outcome for r in load_files(q3, settings)] == ["loaded", "loaded"]
    url = settings.database_url
    app = create_app(DashboardSettings(database_url=url))
    return {"settings": settings, "files": files, "url": url, "client": app.server.test_client()}


def environment(mp: pytest.MonkeyPatch, world: dict) -> None:
    use_settings(mp, world["settings"])


@pytest.fixture
def world(tmp_path, monkeypatch):
    """A fresh world for a test that publishes on its own (the failures)."""
    monkeypatch.setenv("LFO_TODAY", TODAY)
    made = make_world(tmp_path)
    environment(monkeypatch, made)
    return made


@pytest.fixture(scope="module")
def story(tmp_path_factory):
    """One history, told once (publishing takes seconds each time), its answers kept at each
    step: 2017-18 Q3 published; the Q4 returns loaded; Q4 published; Newcastle rolled back to its
    Q3 return; Q3 published again (its second revision)."""
    where = tmp_path_factory.mktemp("releases")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LFO_TODAY", TODAY)
        world = make_world(where)
        environment(mp, world)
        told: dict = {"world": world}
        query = f"indicator={SHOWN}&release=2017-18_Q3"
        told["publish_q3"] = publish(world, "2017-18_Q3", "--note", "first release")
        told["frozen"] = api(world, query)
        told["frozen_csv"] = api(world, query + "&format=csv")
        told["live_before"] = api(world, f"indicator={SHOWN}&period=2017-18_Q3")
        strict = create_app(DashboardSettings(database_url=world["url"], suppression_threshold=60))
        told["strict_client"] = strict.server.test_client()
        told["strict_release"] = told["strict_client"].get(f"/api/v1/data?{query}").get_data()
        with writer_engine(world["url"]).connect() as conn:
            told["first_file"] = snapshot_bytes(conn, "2017-18_Q3")
        later = [world["files"][(a, "q4")] for a in (NEWCASTLE, GATESHEAD)]
        told["later_loads"] = [r.outcome for r in load_files(later, world["settings"])]
        told["live_after"] = api(world, f"indicator={SHOWN}&period=2017-18_Q3")
        told["after_load"] = (api(world, query), api(world, query + "&format=csv"))
        told["publish_q4"] = publish(world, "2017-18_Q4")
        q3 = [world["files"][(NEWCASTLE, "q3")]]
        told["rollback"] = load_files(q3, world["settings"], force=True, allow_shrink=True)
        told["after_rollback"] = api(world, query)
        told["publish_q3_again"] = publish(world, "2017-18_Q3", "--note", "corrected")
        yield told


def publish(world, period: str, *extra: str) -> int:
    return etl(["release", "publish", "--period", period, "--db", world["url"], *extra])


def api(world, query: str) -> bytes:
    answer = world["client"].get(f"/api/v1/data?{query}")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_data()


def test_a_release_answers_byte_for_byte_after_a_later_load_and_a_rollback(story):
    assert story["publish_q3"] == 0
    frozen = story["frozen"]
    assert b'"release":"2017-18_Q3"' in frozen.replace(b" ", b"")
    assert story["later_loads"] == ["loaded", "loaded"]
    assert story["live_after"] != story["live_before"]  # the later returns revised Q3 live
    assert story["after_load"] == (frozen, story["frozen_csv"])
    assert b"2017-18_Q4" not in frozen  # no period after the release's own, though loaded
    assert story["rollback"][0].outcome == "forced", story["rollback"][0].message
    assert story["after_rollback"] == frozen


def test_a_later_change_of_threshold_does_not_alter_a_release(story):
    assert story["strict_release"] == story["frozen"]
    client = story["strict_client"]
    live = client.get(f"/api/v1/data?indicator={SHOWN}").get_json()["data"]
    frozen = client.get(f"/api/v1/data?indicator={SHOWN}&release=2017-18_Q3").get_json()["data"]
    hidden = [sum(r["status"] == "c" for r in rows) for rows in (live, frozen)]
    assert hidden[0] > hidden[1]  # the new threshold hides more live; the release keeps its own


@pytest.mark.parametrize(
    "asked",
    ["2017-18_Q2", "2017-18_Q3-r7", "2017-18_Q3-r1", "Q3", "x" * 300, "2017-18", "live"],
)
def test_an_unknown_or_malformed_release_is_a_404_never_the_live_figures(story, asked):
    world = story["world"]
    answer = world["client"].get(f"/api/v1/data?indicator=reach.parents&release={asked}")
    assert answer.status_code == 404
    assert answer.is_json and "release" in answer.get_json()["error"]["message"].lower()
    page = world["client"].get(f"/reach?release={asked}")
    assert page.status_code == 404


def test_publishing_again_makes_a_new_revision_and_never_changes_the_first(story, capsys):
    world = story["world"]
    assert story["publish_q3_again"] == 0
    with writer_engine(world["url"]).connect() as conn:
        assert snapshot_bytes(conn, "2017-18_Q3") == story["first_file"]
        ids = [r for (r,) in conn.execute(select(schema.releases.c.release_id))]
    assert sorted(ids) == ["2017-18_Q3", "2017-18_Q3-r2", "2017-18_Q4"]
    assert parse_id("2017-18_Q3-r2") == ("2017-18_Q3", 2)
    capsys.readouterr()
    assert etl(["release", "list", "--db", world["url"]]) == 0
    listed = capsys.readouterr().out
    assert "2017-18_Q3-r2" in listed and "corrected" in listed
    latest = api(world, "indicator=reach.parents&release=latest")
    assert latest == api(world, "indicator=reach.parents&release=2017-18_Q3-r2")


def test_a_publish_that_fails_midway_leaves_no_release(world, monkeypatch, capsys):
    def broken(*args, **kwargs):
        raise OSError("disk full")

    # after the file is written and its plan made: the rows for the bulk file fail
    monkeypatch.setattr(release_publish, "base_rows", broken)
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


def test_the_revisions_list_exactly_the_figures_that_changed(story):
    world = story["world"]
    assert story["publish_q4"] == 0
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


def test_the_bulk_file_is_a_valid_data_package(story, tmp_path):
    answer = story["world"]["client"].get("/releases/2017-18_Q3/bulk.zip")
    assert answer.status_code == 200
    folder = tmp_path / "bulk"
    zipfile.ZipFile(io.BytesIO(answer.get_data())).extractall(folder)
    report = frictionless.validate(folder / "datapackage.json")
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])[:5]
