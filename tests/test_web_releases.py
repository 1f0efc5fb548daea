"""Releases through the web (issue 14; service.md §§ 1, 7), with real signed-in users of each
role and the public: which figures each reads by default (researchers and the public the latest
release, programme and LA leads the live figures), ``release=`` on the API, pages and Dash
callbacks (from the page's address, its ``Referer``), the ``/releases`` pages and downloads,
publishing from the page through the worker, the navigation links and the banner.

One world for the module: Newcastle and Gateshead loaded for 2017-18 Q3 and published as a
release (the command line), then Newcastle's Q4 return loaded (it revises Q3's live figures, so
live and release differ). ``from_page`` then publishes 2017-18 Q4 from the page (the worker): the
tests that read ask which release is the latest rather than assume it.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections.abc import Iterator
from typing import Any

import pytest
from support.accounts import NEWCASTLE
from support.dash_client import CALLBACK_URL, callback_body
from support.release_world import load_two_las, release_settings, use_settings
from support.returns import scaled_tables, write_return
from support.web_auth import BASE, SAME_SITE, audit_rows, csrf_of, person, settings_for, sign_in

from dashboard import ids
from dashboard.app import create_app
from dashboard.callbacks import overview as home_callbacks
from dashboard.callbacks import update_nav_links
from dashboard.layouts import Page
from etl.cli import main as etl
from etl.load.loader import load_files
from lfo import jobs
from lfo.access.secrets import load_key
from lfo.db import writer_engine
from lfo.periods import period
from lfo.release_snapshot import open_snapshot, read_revisions
from lfo.releases import get, snapshot_bytes

Q3, Q4 = "2017-18_Q3", "2017-18_Q4"
NOTE = "First release: two LAs, Q3"
INDICATOR = "reach.parents"
FIGURES = f"/api/v1/data?indicator={INDICATOR}"
ROLES = ("researcher", "la", "programme")


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    """The module's world (module doc); ``before``: what the API answered each role before the
    first release."""
    where = tmp_path_factory.mktemp("web-releases")
    with pytest.MonkeyPatch.context() as mp:
        settings = release_settings(where)
        use_settings(mp, settings)
        load_two_las(where, settings, Q3)
        engine = writer_engine(settings.database_url)
        key = load_key(where / "secrets.key")
        people = {
            "researcher": person(engine, key, "rae@example.org", "researcher", areas=()),
            "la": person(engine, key, "ann@example.org", "la", areas=(NEWCASTLE,)),
            "programme": person(engine, key, "pat@example.org", "programme", areas=()),
        }
        app = create_app(settings_for(engine, where))
        public = create_app(settings_for(engine, where, public=True))
        clients = {"anonymous": app.server.test_client(), "public": public.server.test_client()}
        for role, who in people.items():
            clients[role] = app.server.test_client()
            assert sign_in(clients[role], who).status_code == 303
        before = {who: clients[who].get(FIGURES) for who in ("researcher", "programme", "public")}
        url = settings.database_url
        assert etl(["release", "publish", "--period", Q3, "--note", NOTE, "--db", url]) == 0
        q4 = write_return(where / "newcastle-q4", scaled_tables(11), area=NEWCASTLE, period=Q4)
        assert [r.outcome for r in load_files([q4], settings)] == ["loaded"]
        yield {
            "settings": settings,
            "engine": engine,
            "people": people,
            "clients": clients,
            "before": before,
        }
        engine.dispose()


def latest_id(world: dict[str, Any]) -> str:
    answer = world["clients"]["programme"].get(f"{FIGURES}&release=latest")
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return str(answer.get_json()["meta"]["release"])


def api(world: dict[str, Any], who: str, query: str = "") -> Any:
    answer = world["clients"][who].get(FIGURES + query)
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return answer


def shown(answer: Any) -> dict[tuple, object]:
    """An API answer's figures by (area, period, category): the value, or why there is none."""
    return {
        (r["area_code"], r["period"], r["category"]): r["status"] or r["value"]
        for r in answer.get_json()["data"]
    }


# --- 1. which figures each role reads ----------------------------------------------------------


def test_before_any_release_a_researcher_is_refused_live_figures(world):
    before = world["before"]
    assert before["researcher"].status_code == 403
    assert "none is published yet" in before["researcher"].get_json()["error"]["message"]
    assert before["programme"].status_code == 200
    assert before["programme"].get_json()["meta"]["release"] is None
    assert before["public"].status_code in (401, 403)


def test_a_researcher_reads_the_latest_release_by_default(world):
    rid = latest_id(world)
    default = api(world, "researcher")
    assert default.get_json()["meta"]["release"] == rid
    assert default.get_data() == api(world, "researcher", "&release=latest").get_data()
    assert default.get_data() == api(world, "researcher", f"&release={rid}").get_data()
    live = api(world, "programme")
    assert live.get_json()["meta"]["release"] is None
    assert shown(default) != shown(live)  # Newcastle's Q4 return revised the live figures


def test_a_programme_lead_reads_live_figures_unless_they_name_a_release(world):
    live = api(world, "programme")
    assert live.get_json()["meta"]["release"] is None
    assert f'"period":"{Q4}"'.encode() in live.get_data().replace(b" ", b"")  # loaded after
    chosen = api(world, "programme", f"&release={Q3}")
    assert chosen.get_json()["meta"]["release"] == Q3
    assert shown(chosen) == shown(api(world, "researcher", f"&release={Q3}"))
    assert all(period <= Q3 for _, period, _ in shown(chosen))
    la = api(world, "la")
    assert la.get_json()["meta"]["release"] is None and shown(la) == shown(live)


def test_the_public_reads_the_latest_release(world):
    rid = latest_id(world)
    answer = api(world, "public")
    assert answer.get_json()["meta"]["release"] == rid
    assert shown(answer) == shown(api(world, "researcher", f"&release={rid}"))
    assert world["clients"]["anonymous"].get(FIGURES).status_code == 401  # not public: sign in


@pytest.mark.parametrize("asked", ["live", "LIVE", "provisional", "2017-18_Q2"])
@pytest.mark.parametrize("who", ["researcher", "programme", "public"])
def test_release_live_is_not_an_id_and_never_the_live_figures(world, who, asked):
    answer = world["clients"][who].get(f"{FIGURES}&release={asked}")
    assert answer.status_code == 404
    assert "release" in answer.get_json()["error"]["message"]
    page = world["clients"][who].get(f"/reach?release={asked}")
    assert page.status_code == 404
    if who == "programme":  # the data-quality page reads the release too
        assert world["clients"][who].get(f"/quality?release={asked}").status_code == 404


# --- pages and Dash callbacks -------------------------------------------------------------------


def callback(client: Any, outputs: list, inputs: list, state: list | None = None, *, referer=None):
    """A callback POSTed from this site (its Origin) as the page at ``referer`` sends it (None:
    no Referer)."""
    body = callback_body(client, outputs, inputs, state)
    headers = {**SAME_SITE, **({} if referer is None else {"Referer": referer})}
    return client.post(CALLBACK_URL, json=body, headers=headers)


def routed(client: Any, path: str, search: str = "", *, referer: str | None = None) -> str:
    """The page's content (as JSON text) the router sends for ``path`` + ``search``."""
    answer = callback(
        client,
        [(ids.PAGE_CONTENT, "children"), (ids.PAGE_TITLE, "data")],
        [{"id": ids.URL, "property": "pathname", "value": path}],
        [{"id": ids.URL, "property": "search", "value": search}],
        referer=referer,
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    return json.dumps(answer.get_json()["response"][ids.PAGE_CONTENT]["children"])


def test_a_researchers_reach_page_opens_with_the_release_banner(world):
    client, rid = world["clients"]["researcher"], latest_id(world)
    assert client.get("/reach").status_code == 200
    content = routed(client, "/reach", referer=f"{BASE}/reach")
    assert f"Release {rid}: " in content and f"/releases/{rid}" in content
    assert "Provisional" not in content


def test_a_programme_leads_page_says_its_figures_are_provisional_or_which_release(world):
    client = world["clients"]["programme"]
    assert "Provisional: " in routed(client, "/reach", referer=f"{BASE}/reach")
    named = routed(client, "/reach", f"?release={Q3}", referer=f"{BASE}/reach?release={Q3}")
    assert f"Release {Q3}: " in named and "Provisional" not in named


TARGET = "reach.target"  # Newcastle's Q3 figure: revised by its Q4 return


def overview(world: dict[str, Any], who: str, *, referer: str | None) -> Any:
    """The home page's callback ranking areas on ``TARGET`` at 2017-18 Q3, sent from the page
    at ``referer``."""
    outputs = [(o.component_id, o.component_property) for o in home_callbacks.overview_outputs()]
    values = {
        ids.HOME_PERIOD: Q3,
        ids.HOME_SORT: TARGET,
        ids.HOME_ORDER: "high",
        ids.HOME_CI: "95",
        ids.HOME_BENCHMARK: "programme",
    }
    inputs = [{"id": k, "property": "value", "value": v} for k, v in values.items()]
    inputs.append({"id": ids.HOME_ROWS, "property": "data", "value": "first"})
    return callback(world["clients"][who], outputs, inputs, referer=referer)


def figures(answer: Any) -> str:
    """The home page's figures as the callback sent them (summary, headlines and grid)."""
    assert answer.status_code == 200, answer.get_data(as_text=True)[:500]
    got = answer.get_json()["response"]
    return json.dumps(
        [got[k]["children"] for k in (ids.HOME_SUMMARY, ids.HOME_HEADLINES, ids.HOME_GRID)]
    )


def test_a_callback_computes_from_the_release_its_pages_address_names(world):
    named = figures(overview(world, "programme", referer=f"{BASE}/?release={Q3}"))
    unnamed = figures(overview(world, "programme", referer=f"{BASE}/"))
    assert named != unnamed  # Newcastle's Q4 return revised the live Q3 figures
    researcher = figures(overview(world, "researcher", referer=f"{BASE}/?release={Q3}"))
    assert named == researcher
    assert figures(overview(world, "programme", referer=None)) == unnamed
    elsewhere = overview(world, "programme", referer=f"http://elsewhere.example/?release={Q3}")
    assert figures(elsewhere) == unnamed  # another site's address names nothing here
    bad = overview(world, "programme", referer=f"{BASE}/?release=2017-18_Q2")
    assert bad.status_code == 404


def test_a_researchers_callbacks_never_compute_from_live_figures(world):
    rid = latest_id(world)
    release = figures(overview(world, "programme", referer=f"{BASE}/?release={rid}"))
    for referer in (None, f"{BASE}/", f"http://elsewhere.example/?release={rid}"):
        assert figures(overview(world, "researcher", referer=referer)) == release
    assert overview(world, "researcher", referer=f"{BASE}/?release=live").status_code == 404


# --- 3. the releases pages ---------------------------------------------------------------------


@pytest.mark.parametrize("who", [*ROLES, "public"])
def test_the_releases_page_lists_each_release_for_everyone(world, who):
    with world["engine"].connect() as conn:
        first = get(conn, Q3)
    assert first is not None and first.data_as_at is not None
    page = world["clients"][who].get("/releases")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f'href="/releases/{Q3}"' in text and NOTE in text
    assert f"{first.data_as_at:%d %B %Y %H:%M}" in text
    assert ("Publish a release" in text) == (who == "programme")


def test_one_releases_page_shows_its_citation_and_returns(world):
    page = world["clients"]["researcher"].get(f"/releases/{Q3}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Cite as: Department for Work and Pensions" in text and f"?release={Q3}" in text
    shown = period(Q3).display  # the page says periods in words
    assert f"Newcastle upon Tyne: return for {shown}" in text
    assert f"Gateshead: return for {shown}" in text
    assert "this is the first release" in text


@pytest.mark.parametrize("rid", ["2017-18_Q2", "2017-18_Q3-r5", "nonsense", "live"])
def test_an_unknown_release_is_a_404_page(world, rid):
    for path in (f"/releases/{rid}", f"/releases/{rid}/bulk.zip", f"/releases/{rid}/revisions.csv"):
        answer = world["clients"]["researcher"].get(path)
        assert answer.status_code == 404
        assert "Traceback" not in answer.get_data(as_text=True)


def downloads_audited(world: dict[str, Any], email: str) -> list[str]:
    return [
        r["object"]
        for r in audit_rows(world["engine"])
        if r["action"] == "download" and r["user_email"] == email
    ]


def test_the_bulk_zip_downloads_and_is_audited_for_a_signed_in_user(world):
    answer = world["clients"]["researcher"].get(f"/releases/{Q3}/bulk.zip")
    assert answer.status_code == 200 and answer.mimetype == "application/zip"
    assert "datapackage.json" in zipfile.ZipFile(io.BytesIO(answer.get_data())).namelist()
    assert f"release {Q3} bulk data" in downloads_audited(world, "rae@example.org")
    public = world["clients"]["public"].get(f"/releases/{Q3}/bulk.zip")
    assert public.status_code == 200 and public.get_data() == answer.get_data()


# --- 4. publishing from the page ---------------------------------------------------------------


@pytest.fixture(scope="module")
def from_page(world) -> dict[str, Any]:
    """A programme lead publishes 2017-18 Q4 from the page; the worker runs the job once."""
    pat = world["clients"]["programme"]
    checked = pat.get(f"/releases?quarter={Q4}")
    form = {"csrf": csrf_of(checked.get_data(as_text=True)), "quarter": Q4, "note": "From the page"}
    posted = pat.post("/releases/publish", data=form, headers=SAME_SITE)
    with world["engine"].connect() as conn:
        queued = jobs.list_jobs(conn)
    assert etl(["worker", "--once", "--poll", "0.1"]) == 0
    with world["engine"].connect() as conn:
        done = [jobs.get(conn, j.job_id) for j in queued]
    return {"checked": checked, "posted": posted, "queued": queued, "done": done}


def test_a_programme_lead_publishes_from_the_page_through_the_worker(world, from_page):
    checked = from_page["checked"].get_data(as_text=True)
    assert from_page["checked"].status_code == 200
    not_covered = checked.split("do not cover")[1].split("</ul>")[0]
    assert "Gateshead" in not_covered and "Newcastle" not in not_covered
    assert from_page["posted"].status_code == 202, from_page["posted"].get_data(as_text=True)
    [job] = [j for j in from_page["queued"] if j.kind == "publish-release"]
    assert job.payload["quarter"] == Q4 and job.payload["email"] == "pat@example.org"
    assert latest_id(world) == Q4
    published = [r for r in audit_rows(world["engine"]) if r["action"] == "release-published"]
    assert published[-1]["object"] == f"release {Q4}"
    assert published[-1]["user_email"] == "pat@example.org"


@pytest.mark.parametrize("who", ["la", "researcher"])
def test_only_a_programme_lead_may_publish(world, who):
    client = world["clients"][who]
    csrf = csrf_of(client.get("/account/tokens").get_data(as_text=True))
    answer = client.post("/releases/publish", data={"csrf": csrf, "quarter": Q3}, headers=SAME_SITE)
    assert answer.status_code == 403


@pytest.mark.parametrize(
    ("quarter", "says"),
    [
        ("2017-18", "give its last quarter"),
        ("nonsense", "nonsense"),
        ("2018-19_Q1", "return covers 2018-19_Q1 yet"),
    ],
)
def test_a_bad_quarter_is_a_400_with_what_to_do(world, quarter, says):
    pat = world["clients"]["programme"]
    csrf = csrf_of(pat.get("/releases?quarter=2017-18_Q3").get_data(as_text=True))
    with world["engine"].connect() as conn:
        before = len(jobs.list_jobs(conn))
    answer = pat.post(
        "/releases/publish", data={"csrf": csrf, "quarter": quarter}, headers=SAME_SITE
    )
    assert answer.status_code == 400
    assert says in answer.get_data(as_text=True)
    with world["engine"].connect() as conn:
        assert len(jobs.list_jobs(conn)) == before  # nothing queued


def test_the_revisions_csv_holds_the_revisions_in_the_releases_file(world, from_page):
    answer = world["clients"]["researcher"].get(f"/releases/{Q4}/revisions.csv")
    assert answer.status_code == 200
    rows = list(csv.reader(io.StringIO(answer.get_data(as_text=True))))
    assert rows[0] == [
        "indicator",
        "grp",
        "area_code",
        "period",
        "category",
        "old_value",
        "new_value",
        "returns",
    ]
    with world["engine"].connect() as conn:
        release = get(conn, Q4)
        packed = snapshot_bytes(conn, Q4)
    assert release is not None
    with open_snapshot(
        packed, release.snapshot_sha256, world["settings"].releases_cache_dir
    ).connect() as conn:
        stored = read_revisions(conn)
    expected = [
        ["" if v is None or v != v else str(v) for v in row]
        for row in stored[rows[0]].itertuples(index=False)
    ]
    assert len(expected) > 0 and rows[1:] == expected
    page = world["clients"]["researcher"].get(f"/releases/{Q4}").get_data(as_text=True)
    assert "Figures of earlier periods revised" in page and NEWCASTLE in page


# --- 5. navigation and 6. the banner ------------------------------------------------------------


def test_navigation_links_carry_the_release(monkeypatch):
    pages = [Page(p, p, p, layout=lambda **_: None) for p in ("/reach", "/uptake")]
    links = [{"id": {"type": "nav-link", "path": p.path}} for p in pages]
    monkeypatch.setattr(
        "dashboard.callbacks.callback_context", type("C", (), {"outputs_list": links})()
    )
    # the release is the gate's choice (checked against the releases table), not the address's
    monkeypatch.setattr("dashboard.callbacks.chosen_release_id", lambda: Q3)
    assert update_nav_links(pages, "?ci=99.8") == [
        f"/reach?ci=99.8&release={Q3}",
        f"/uptake?ci=99.8&release={Q3}",
    ]
    monkeypatch.setattr("dashboard.callbacks.chosen_release_id", lambda: None)
    assert update_nav_links(pages, "?release=bogus") == ["/reach", "/uptake"]


def test_a_page_showing_an_older_release_links_to_the_later_one(world, from_page):
    client = world["clients"]["researcher"]
    old = routed(client, "/reach", f"?release={Q3}", referer=f"{BASE}/reach?release={Q3}")
    assert f"Release {Q3}: " in old
    assert f"A later release, {Q4}, was published" in old and f"?release={Q4}" in old
    new = routed(client, "/reach", referer=f"{BASE}/reach")
    assert f"Release {Q4}: " in new and "A later release" not in new


def test_a_pages_address_parser_leaves_release_to_the_gate():
    from dashboard.urlstate import Param, parse_query

    state = parse_query("?release=2017-18_Q3&colour=red&ci=95", [Param("ci")])
    assert state.messages == ("Ignored the unknown setting 'colour' in the address.",)
    assert state.values == {"ci": "95"}
