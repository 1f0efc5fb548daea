"""A release's data quality (issue 14): its file carries the load log, findings, held-back rows
and completeness as they were when it was published, cut at its quarter; the data-quality page
and the area profile's quality section read them from the release (never the live ones); a
release whose file carries none (published before files did) says so; the data-quality page
shows the release banner.

One world for the module: Newcastle and Gateshead loaded for 2017-18 Q3 and published
(``2017-18_Q3``); then Newcastle's Q4 return loaded, with more parents, some referred in Q4 with
their ethnicity not stated (live completeness changes); Q3 published again (``2017-18_Q3-r2``:
Newcastle's return is later than the quarter, its completeness counted up to it); and Q4
published by a publisher of before, whose file carries no data quality (``2017-18_Q4``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Connection, func, select
from support.accounts import NEWCASTLE
from support.dash_client import CALLBACK_URL, callback_body, dependencies
from support.release_world import load_two_las, release_settings, use_settings
from support.returns import scaled_tables, write_return
from support.text import texts
from support.web_auth import BASE, SAME_SITE, person, settings_for, sign_in

from dashboard import ids
from dashboard.app import create_app
from dashboard.charts.card import card_outputs
from dashboard.present.quality import NOT_IN_RELEASE
from etl.cli import main as etl
from etl.load.loader import load_files
from lfo import release_snapshot, schema
from lfo.access.secrets import load_key
from lfo.db import writer_engine
from lfo.release_quality import QUALITY_TABLES, has_quality
from lfo.releases import get, snapshot_bytes

Q3, Q4 = "2017-18_Q3", "2017-18_Q4"
R1, R2, OLD = Q3, f"{Q3}-r2", Q4
Q3_END = "2017-12-31"
PER_RETURN = 3  # parents in the builders' valid return (``scaled_tables`` repeats it)
LATE = 4  # Newcastle's Q4 parents referred in Q4, ethnicity not stated


def q4_tables() -> dict[str, list[dict]]:
    tables = scaled_tables(11)
    late = [
        {
            **tables["participants"][0],
            "participant_id": f"LATE{i}",
            "family_id": f"LATEF{i}",
            "referral_date": "2018-01-15",
            "ethnicity": "not_stated",
        }
        for i in range(LATE)
    ]
    return {**tables, "participants": [*tables["participants"], *late]}


def completeness(conn: Connection) -> list[tuple]:
    c = schema.sum_completeness
    return sorted(tuple(r) for r in conn.execute(select(c)).all())


def _publish_without_quality(live: Any, out: Any, quarter: Any) -> dict[str, int]:
    """What a publisher before this change wrote: no data-quality tables, an empty load log."""
    for name in QUALITY_TABLES:
        if name != "etl_load_log":
            out.exec_driver_sql(f'DROP TABLE "{name}"')
    return {}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    where = tmp_path_factory.mktemp("release-quality")
    with pytest.MonkeyPatch.context() as mp:
        settings = release_settings(where)
        use_settings(mp, settings)
        url = settings.database_url
        load_two_las(where, settings, Q3)
        engine = writer_engine(url)
        with engine.connect() as conn:
            at_q3 = completeness(conn)
            q3_loads = {r.load_id for r in conn.execute(select(schema.returns.c.load_id))}
        assert etl(["release", "publish", "--period", Q3, "--db", url]) == 0
        q4 = write_return(where / "newcastle-q4", q4_tables(), area=NEWCASTLE, period=Q4)
        assert [r.outcome for r in load_files([q4], settings)] == ["loaded"]
        assert etl(["release", "publish", "--period", Q3, "--db", url]) == 0
        with pytest.MonkeyPatch.context() as before:
            before.setattr(release_snapshot, "write_quality", _publish_without_quality)
            assert etl(["release", "publish", "--period", Q4, "--db", url]) == 0
        key = load_key(where / "secrets.key")
        lead = person(engine, key, "pat@example.org", "programme", areas=())
        app = create_app(settings_for(engine, where))
        client = app.server.test_client()
        assert sign_in(client, lead).status_code == 303
        yield {
            "settings": settings,
            "engine": engine,
            "client": client,
            "at_q3": at_q3,
            "q3_loads": q3_loads,
        }
        engine.dispose()


def snapshot(world: dict[str, Any], rid: str) -> Any:
    with world["engine"].connect() as conn:
        release = get(conn, rid)
        packed = snapshot_bytes(conn, rid)
    assert release is not None
    return release_snapshot.open_snapshot(
        packed, release.snapshot_sha256, world["settings"].releases_cache_dir
    )


# --- the release's file --------------------------------------------------------------------------


def test_a_release_keeps_the_data_quality_it_was_published_with(world):
    with world["engine"].connect() as live:
        now = completeness(live)
        live_findings = live.execute(
            select(func.count())
            .select_from(schema.etl_findings)
            .where(schema.etl_findings.c.load_id.in_(world["q3_loads"]))
        ).scalar()
    assert now != world["at_q3"]  # the Q4 return changed the live completeness
    with snapshot(world, R1).connect() as frozen:
        assert has_quality(frozen)
        assert completeness(frozen) == world["at_q3"]
        log = schema.etl_load_log
        loads = frozen.execute(select(log.c.load_id, log.c.period)).all()
        assert {load_id for load_id, _ in loads} == world["q3_loads"]
        assert {p for _, p in loads} == {Q3}
        findings = frozen.execute(select(func.count()).select_from(schema.etl_findings)).scalar()
        assert findings == live_findings
        values = frozen.execute(select(schema.etl_findings.c.value).distinct()).scalars().all()
        assert set(values) <= {None}  # counted, never shown: the values stay behind


def test_a_release_of_an_earlier_quarter_counts_completeness_up_to_it(world):
    p = schema.participants
    with world["engine"].connect() as live:
        cut = live.execute(
            select(func.count(), func.count().filter(p.c.ethnicity != "not_stated")).where(
                (p.c.area_code == NEWCASTLE) & (p.c.referral_date <= Q3_END)
            )
        ).one()
        newest = live.execute(
            select(func.max(schema.etl_load_log.c.load_id)).where(
                schema.etl_load_log.c.area_code == NEWCASTLE
            )
        ).scalar()
    c = schema.sum_completeness
    with snapshot(world, R2).connect() as frozen:
        rows, stated = frozen.execute(
            select(c.c.rows, c.c.stated).where(
                (c.c.area_code == NEWCASTLE) & (c.c.column == "ethnicity")
            )
        ).one()
        assert (rows, stated) == tuple(cut) == (11 * PER_RETURN, 11 * PER_RETURN)
        log = schema.etl_load_log
        periods = dict(frozen.execute(select(log.c.load_id, log.c.period)).all())
    assert periods[newest] == Q3  # the Q4 return the release holds, capped as its return is
    assert set(periods.values()) == {Q3}  # no period after the release's own


def test_a_file_published_before_carries_no_data_quality(world):
    with snapshot(world, OLD).connect() as frozen:
        assert not has_quality(frozen)


# --- the pages -----------------------------------------------------------------------------------


def post(world: dict[str, Any], outputs: list, inputs: list, state: list, rid: str | None, **kw):
    """A callback sent from the page showing ``rid`` (None: live figures)."""
    client = world["client"]
    where = f"{BASE}/quality" + ("" if rid is None else f"?release={rid}")
    body = callback_body(client, outputs, inputs, state, **kw)
    answer = client.post(CALLBACK_URL, json=body, headers={**SAME_SITE, "Referer": where})
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer.get_json()["response"]


def area_quality(world: dict[str, Any], rid: str | None) -> str:
    got = post(
        world,
        [(ids.AREA_QUALITY, "children")],
        [
            {"id": ids.AREA_PERIOD, "property": "value", "value": Q3},
            {"id": ids.AREA_SHOWN, "property": "data", "value": {"code": NEWCASTLE}},
        ],
        [],
        rid,
    )
    return texts(got[ids.AREA_QUALITY]["children"])


def quality_page(world: dict[str, Any], rid: str | None) -> dict[str, str]:
    contains = f"{ids.QUALITY_CONTENT}.children"
    key = next(d["output"] for d in dependencies(world["client"]) if contains in d["output"])
    outputs = []
    for part in key.strip(".").split("..."):
        cid, prop = part.rsplit(".", 1)
        outputs.append((json.loads(cid) if cid.startswith("{") else cid, prop))
    inputs = [
        {"id": ids.QUALITY_AREA, "property": "value", "value": NEWCASTLE},
        {"id": ids.QUALITY_MEASURE, "property": "value", "value": "csi4"},
        {"id": ids.QUALITY_PERIOD, "property": "value", "value": None},
    ]
    state = [{"id": ids.URL, "property": "search", "value": ""}]
    got = post(
        world, outputs, inputs, state, rid, changed=[f"{ids.QUALITY_AREA}.value"], output=key
    )
    card = [o.component_id for o in card_outputs(ids.QUALITY_COMPLETENESS_CHART)]
    return {
        "content": texts(got[ids.QUALITY_CONTENT]["children"]),
        "completeness": json.dumps([got[str(c)] for c in card if str(c) in got]),
    }


def counted(n: int, of: int) -> str:
    return f"{n:,} of {of:,}"


def test_the_area_profile_shows_the_releases_data_quality(world):
    q3_rows, q4_rows = 8 * PER_RETURN, 11 * PER_RETURN
    live = area_quality(world, None)
    assert counted(q4_rows, q4_rows + LATE) in live  # ethnicity, Newcastle's Q4 return
    release = area_quality(world, R1)
    assert counted(q3_rows, q3_rows) in release and counted(q4_rows, q4_rows + LATE) not in release
    assert f"LFO_{NEWCASTLE}_{Q4}" not in release and f"LFO_{NEWCASTLE}_{Q4}" in live
    earlier = area_quality(world, R2)
    assert counted(q4_rows, q4_rows) in earlier and counted(q4_rows, q4_rows + LATE) not in earlier


def test_the_quality_page_shows_the_releases_data_quality(world):
    live, release = quality_page(world, None), quality_page(world, R1)
    assert "2017-18 Q4" in live["content"] and "2017-18 Q4" not in release["content"]
    assert f"LFO_{NEWCASTLE}_{Q3}" in release["content"]
    assert live["completeness"] != release["completeness"]
    assert NOT_IN_RELEASE not in release["content"]


def test_a_release_without_data_quality_says_so_and_never_shows_the_live_one(world):
    q4_rows = 11 * PER_RETURN
    profile = area_quality(world, OLD)
    assert NOT_IN_RELEASE in profile and counted(q4_rows, q4_rows + LATE) not in profile
    page = quality_page(world, OLD)
    assert NOT_IN_RELEASE in page["content"] and "2017-18 Q4" not in page["content"]
    assert NOT_IN_RELEASE in page["completeness"]


def routed(world: dict[str, Any], search: str) -> str:
    got = post(
        world,
        [(ids.PAGE_CONTENT, "children"), (ids.PAGE_TITLE, "data")],
        [{"id": ids.URL, "property": "pathname", "value": "/quality"}],
        [{"id": ids.URL, "property": "search", "value": search}],
        search.removeprefix("?release=") or None,
    )
    return json.dumps(got[ids.PAGE_CONTENT]["children"])


def test_the_quality_page_shows_the_release_banner(world):
    assert f"Release {R1}: " in routed(world, f"?release={R1}")
    live = routed(world, "")
    assert "Provisional: " in live and "Release " not in live
