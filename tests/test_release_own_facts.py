"""A release shows only its own facts, and never changes silently (issue 14).

1. Under ``release=``, the home page's returns loaded, the area profile's heading, facts and data
   as at, the area the profile's parts draw, the footer's data as at and the profile PDF's areas
   come from the release's file, never the live database; live pages show the new facts.
2. A release published under other indicator definitions than the code computes under is
   refused (409: JSON for the API and callbacks, a page naming both versions otherwise), never
   computed again under the new definitions; its bulk zip and its pages still answer.

One world for the module: Newcastle and Gateshead loaded for 2017-18 Q3 and published; then
Newcastle's Q4 return loaded (its load time set later, so the live data as at moves) and
Gateshead renamed in the live areas table.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import flask
import pytest
from sqlalchemy import update
from support.accounts import GATESHEAD, NEWCASTLE
from support.dash_client import CALLBACK_URL, callback_body
from support.release_world import load_two_las, release_settings, use_settings
from support.returns import scaled_tables, write_return
from support.text import texts
from support.web_auth import BASE, SAME_SITE, person, settings_for, sign_in

from dashboard import ids
from dashboard.app import create_app
from dashboard.callbacks import area_views
from dashboard.present.area import when_text
from dashboard.present.home import data_as_at
from dashboard.services import RELEASE_KEY, Services
from dashboard.services.releases import DefinitionsChanged
from etl.cli import main as etl
from etl.load.loader import load_files
from lfo import schema
from lfo.access.secrets import load_key
from lfo.db import writer_engine
from lfo.indicators import definitions
from lfo.releases import bulk_bytes, get

Q3, Q4 = "2017-18_Q3", "2017-18_Q4"
RENAMED = "Gateshead Metropolitan Borough"
LATER = dt.datetime(2031, 3, 1, 9, 30)  # Newcastle's Q4 return, as if loaded years later
FIGURES = "/api/v1/data?indicator=reach.parents"


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[dict[str, Any]]:
    where = tmp_path_factory.mktemp("release-own-facts")
    with pytest.MonkeyPatch.context() as mp:
        settings = release_settings(where)
        use_settings(mp, settings)
        url = settings.database_url
        load_two_las(where, settings, Q3)
        assert etl(["release", "publish", "--period", Q3, "--db", url]) == 0
        q4 = write_return(where / "newcastle-q4", scaled_tables(11), area=NEWCASTLE, period=Q4)
        assert [r.outcome for r in load_files([q4], settings)] == ["loaded"]
        engine = writer_engine(url)
        with engine.begin() as conn:
            r, a = schema.returns, schema.areas
            conn.execute(update(r).where(r.c.area_code == NEWCASTLE).values(loaded_at=LATER))
            conn.execute(update(a).where(a.c.gss_code == GATESHEAD).values(name=RENAMED))
            release = get(conn, Q3)
            stored_zip = bulk_bytes(conn, Q3)
        assert release is not None
        key = load_key(where / "secrets.key")
        lead = person(engine, key, "pat@example.org", "programme", areas=())
        researcher = person(engine, key, "rae@example.org", "researcher", areas=())
        dash_settings = settings_for(engine, where)
        app = create_app(dash_settings)
        clients = {"programme": app.server.test_client(), "researcher": app.server.test_client()}
        assert sign_in(clients["programme"], lead).status_code == 303
        assert sign_in(clients["researcher"], researcher).status_code == 303
        yield {
            "url": url,
            "app": app,
            "clients": clients,
            "release": release,
            "zip": stored_zip,
            "services": Services.create(dash_settings),
        }
        engine.dispose()


def post(world: dict[str, Any], outputs: list, inputs: list, state: list, page: str, **kw) -> Any:
    """A callback sent by a programme lead from ``page`` (its address: the release it shows)."""
    client = world["clients"]["programme"]
    body = callback_body(client, outputs, inputs, state, **kw)
    return client.post(CALLBACK_URL, json=body, headers={**SAME_SITE, "Referer": BASE + page})


def answered(world: dict[str, Any], *args: Any, **kw: Any) -> dict[str, Any]:
    got = post(world, *args, **kw)
    assert got.status_code == 200, got.get_data(as_text=True)[:500]
    response: dict[str, Any] = got.get_json()["response"]
    return response


def home_loaded(world: dict[str, Any], search: str) -> str:
    got = answered(
        world,
        [(ids.HOME_LOADED, "children")],
        [{"id": ids.HOME_STATE, "property": "data", "value": {"search": search}}],
        [],
        "/" + search,
    )
    return texts(got[ids.HOME_LOADED]["children"])


def area_page(world: dict[str, Any], code: str, search: str) -> str:
    """The area profile as the router draws it (its frame filled in on the server)."""
    got = answered(
        world,
        [(ids.PAGE_CONTENT, "children"), (ids.PAGE_TITLE, "data")],
        [{"id": ids.URL, "property": "pathname", "value": f"/area/{code}"}],
        [{"id": ids.URL, "property": "search", "value": search}],
        f"/area/{code}{search}",
    )
    return json.dumps(got[ids.PAGE_CONTENT]["children"])


def footer(world: dict[str, Any], search: str) -> str:
    got = answered(
        world,
        [(ids.DATA_AS_AT, "children")],
        [{"id": ids.URL, "property": "pathname", "value": "/"}],
        [],
        "/" + search,
    )
    return str(got[ids.DATA_AS_AT]["children"])


# --- 1. a release shows its own facts -------------------------------------------------------------


def test_home_lists_the_returns_the_release_froze(world):
    release, live = home_loaded(world, f"?release={Q3}"), home_loaded(world, "")
    assert "2017-18 Q4" in live and "2017-18 Q4" not in release
    assert "2017-18 Q3" in release
    assert RENAMED in live and RENAMED not in release and "Gateshead" in release


def test_the_area_profile_shows_the_releases_name_and_data_as_at(world):
    frozen = world["release"].data_as_at
    assert frozen is not None
    release = area_page(world, GATESHEAD, f"?release={Q3}")
    live = area_page(world, GATESHEAD, "")
    assert RENAMED in live and RENAMED not in release and "Gateshead" in release
    newcastle_release = area_page(world, NEWCASTLE, f"?release={Q3}")
    newcastle_live = area_page(world, NEWCASTLE, "")
    assert when_text(frozen) in newcastle_release and when_text(LATER) not in newcastle_release
    assert when_text(LATER) in newcastle_live


def test_the_footer_gives_the_releases_data_as_at(world):
    frozen = world["release"].data_as_at
    assert footer(world, f"?release={Q3}") == data_as_at(frozen)
    assert footer(world, "") != data_as_at(frozen)


def test_the_profiles_parts_draw_the_releases_area(world):
    services, app = world["services"], world["app"]
    with app.server.test_request_context("/"):
        live = area_views.shown_area(services, {"code": GATESHEAD})
        setattr(flask.g, RELEASE_KEY, world["release"])
        release = area_views.shown_area(services, {"code": GATESHEAD})
    assert live["name"] == RENAMED and release["name"] != RENAMED


# --- 2. a definitions change never alters a release silently ------------------------------------


@pytest.fixture
def new_definitions(monkeypatch) -> str:
    """The code now computes under a later definitions version than the release's."""
    later = str(int(definitions.DEFINITIONS_VERSION) + 1)
    monkeypatch.setattr(definitions, "DEFINITIONS_VERSION", later)
    return later


def says_both(text: str, world: dict[str, Any], later: str) -> bool:
    made = world["release"].definitions_version
    return f"version {made}" in text and f"version {later}" in text and "publish" in text


def test_the_api_refuses_a_release_of_other_definitions_with_a_409(world, new_definitions):
    client = world["clients"]["programme"]
    answer = client.get(f"{FIGURES}&release={Q3}")
    assert answer.status_code == 409
    error = answer.get_json()["error"]
    assert error["parameter"] == "release" and says_both(error["message"], world, new_definitions)
    assert client.get(FIGURES).status_code == 200  # live figures: today's definitions
    # a researcher reads the latest release by default: refused too, never live or recomputed
    assert world["clients"]["researcher"].get(FIGURES).status_code == 409


def test_pages_callbacks_and_the_pdf_refuse_it_saying_what_to_do(world, new_definitions):
    client = world["clients"]["programme"]
    for path in (f"/area/{NEWCASTLE}", "/", f"/area/{NEWCASTLE}/profile.pdf", "/quality"):
        page = client.get(f"{path}?release={Q3}")
        text = page.get_data(as_text=True)
        assert page.status_code == 409, path
        assert says_both(text, world, new_definitions) and "Traceback" not in text
    got = post(
        world,
        [(ids.HOME_LOADED, "children")],
        [{"id": ids.HOME_STATE, "property": "data", "value": {"search": ""}}],
        [],
        f"/?release={Q3}",
    )
    assert got.status_code == 409
    assert says_both(got.get_json()["error"]["message"], world, new_definitions)
    assert client.get(f"/area/{NEWCASTLE}").status_code == 200  # live pages still open


def test_its_bulk_zip_and_pages_still_answer(world, new_definitions):
    client = world["clients"]["researcher"]
    bulk = client.get(f"/releases/{Q3}/bulk.zip")
    assert bulk.status_code == 200 and bulk.data == world["zip"]
    assert client.get("/releases").status_code == 200
    page = client.get(f"/releases/{Q3}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert f"definitions version {new_definitions}" in text and "Open its figures" not in text


def test_the_figures_are_never_computed_under_the_new_definitions(world, new_definitions):
    """Defence in depth: whatever reaches ``Services.data`` for the release is refused."""
    services, app = world["services"], world["app"]
    with app.server.test_request_context("/"):
        setattr(flask.g, RELEASE_KEY, world["release"])
        with pytest.raises(DefinitionsChanged) as refused:
            _ = services.data
    assert refused.value.code == 409


def test_release_list_marks_a_release_of_other_definitions(world, new_definitions, capsys):
    made = world["release"].definitions_version
    capsys.readouterr()
    assert etl(["release", "list", "--db", world["url"]]) == 0
    listed = capsys.readouterr().out
    assert f"definitions {made} (now {new_definitions}: figures refused" in listed
