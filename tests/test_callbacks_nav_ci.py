"""The confidence level goes from page to page (issue 11 § 3): the navigation links carry the
address's ``ci`` (and nothing else of a page's filters), in the first HTML and after the
address changes; at the default level the links stay the plain paths."""

from __future__ import annotations

import json

import pytest
from support.dash_client import send_callback

from dashboard import ids
from dashboard.app import PAGES, create_app
from dashboard.settings import DashboardSettings
from lfo.db import init_db, writer_engine

PATTERN = '{"path":["ALL"],"type":"nav-link"}'
NAV_PATHS = [p.path for p in PAGES if p.in_nav]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('nav-ci') / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    engine.dispose()
    return create_app(DashboardSettings(database_url=url)).server.test_client()


def hrefs(client, search: str) -> dict[str, str]:
    links = [(ids.nav_link(p), "href") for p in NAV_PATHS]
    r = send_callback(
        client,
        [links],
        [{"id": ids.URL, "property": "search", "value": search}],
        output=f"{PATTERN}.href",
    )
    assert r.status_code == 200, r.data[:300]
    response = r.get_json()["response"]
    return {
        p: response[json.dumps(ids.nav_link(p), separators=(",", ":"), sort_keys=True)]["href"]
        for p in NAV_PATHS
    }


def test_links_carry_the_stricter_level_and_no_other_filter(client):
    got = hrefs(client, "?indicator=uptake.start&ci=99.8&area=E09000008&period=2018-19_Q2")
    assert got["/uptake"] == "/uptake?ci=99.8"
    assert got["/"] == "/?ci=99.8"
    assert all(h.endswith("?ci=99.8") and "area=" not in h for h in got.values())


def test_at_the_default_level_the_links_are_the_plain_paths(client):
    assert hrefs(client, "?indicator=uptake.start") == {p: p for p in NAV_PATHS}
    assert hrefs(client, "?ci=banana") == {p: p for p in NAV_PATHS}


def first_layout(client, address: str) -> str:
    """The layout the renderer of the page at ``address`` asks for (the referrer says which)."""
    r = client.get("/_dash-layout", headers={"Referer": f"http://localhost{address}"})
    return json.dumps(r.get_json())  # the slashes unescaped


def test_the_first_layout_carries_the_level_of_the_address(client):
    assert '"href": "/uptake?ci=99.8"' in first_layout(client, "/reach?ci=99.8")
    plain = first_layout(client, "/reach")
    assert '"href": "/uptake"' in plain and "ci=99.8" not in plain


def test_links_carry_the_benchmark_checked_against_the_servers_list(client):
    got = hrefs(client, "?benchmark=neighbours&ci=99.8&area=E09000008")
    assert got["/uptake"] == "/uptake?ci=99.8&benchmark=neighbours"
    assert hrefs(client, "?benchmark=region")["/"] == "/?benchmark=region"
    assert hrefs(client, "?benchmark=everyone") == {p: p for p in NAV_PATHS}
    assert '"href": "/uptake?benchmark=region"' in first_layout(client, "/reach?benchmark=region")
