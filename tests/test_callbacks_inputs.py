"""Issue 10: every callback input is checked against the server's own lists and within size.

Crafted POSTs to ``/_dash-update-component``, as an attacker sends them: thousands of made-up
areas in the area page's store and in the checklists, oversized texts, unknown codes, quick picks
with made-up options, bodies that do not match a callback, and odd periods (``0001-02_Q4``) in
page addresses.
Before issue 10 these cost seconds of work and answers of many megabytes, put made-up names on
the page, or were a 500. Now each is refused at its size (204: nothing to do; 400: not a
callback), or answered from the server's own lists, never a 500.
"""

from __future__ import annotations

import pytest
from support.dash_client import (
    card_view,
    component_key,
    post_callback,
    route,
    send_callback,
    topic_control_outputs,
)
from support.page_dbs import BLACKPOOL, NEWCASTLE, Q_ENDED, REFERENCE, build_topic_db
from support.text import texts

from dashboard import ids
from dashboard.app import create_app
from dashboard.callbacks.overview import overview_outputs
from dashboard.charts.card import card_outputs
from dashboard.layouts import quality as quality_page
from dashboard.layouts import reach, spine_table
from dashboard.settings import DashboardSettings
from dashboard.web.limits import REFUSED

FAKE = 50_000  # made-up codes in a list (650 kB of JSON)
#: made-up areas in the area page's store, and made-up options: as many as stay within the 1 MB
#: a callback body may have at the Flask layer (the attack sent 50,000: see
#: benchmarks/hostile_callbacks.py)
FAKE_RECORDS = 5_000
FAKE_OPTIONS = 20_000
TOPIC = reach.TOPIC
#: An answer to a request that costs the server little (every good one here is under 100 kB).
SMALL = 300_000

#: The spine callback's last output: the table shown on phones in place of the chart.
SPINE_PHONE = (spine_table.slot_id(ids.AREA_SPINE_CHART), "children")


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = build_topic_db(tmp_path_factory.mktemp("inputs") / "lfo.db")
    return create_app(DashboardSettings(database_url=url)).server.test_client()


def fake_codes(n: int = FAKE) -> list[str]:
    return [f"E{i:08d}" for i in range(n)]


def fake_store(code: str = BLACKPOOL) -> dict:
    """The area page's store as an attacker writes it: thousands of made-up areas."""
    areas = [
        {"area_code": c, "area_name": f"Fake area {c}", "region": "North West", "imd_rank": 1}
        for c in fake_codes(FAKE_RECORDS)
    ]
    return {"code": code, "name": "Fake name", "areas": areas, "default_period": Q_ENDED}


# --- the area profile ------------------------------------------------------------------------


def spine(client, compare: list, shown: object):
    outputs = [
        (ids.AREA_DATA_MESSAGES, "children"),
        *card_outputs(ids.AREA_SPINE_CHART),
        SPINE_PHONE,
    ]
    return send_callback(
        client,
        outputs,
        [
            compare,
            {"id": ids.AREA_PERIOD, "property": "value", "value": Q_ENDED},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": shown},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        [card_view(ids.AREA_SPINE_CHART)],
    )


def compare_input(groups: dict[str, list[str]]) -> dict:
    """The area picker's chosen areas (``groups``' codes, region by region) as the page holds
    them."""
    codes = [c for group in groups.values() for c in group]
    return {"id": ids.AREA_COMPARE, "property": "data", "value": codes}


def test_a_store_of_fake_areas_is_not_read_the_server_looks_the_area_up(client):
    fake = fake_codes(3)
    r = spine(client, compare_input({"North West": [*fake, NEWCASTLE]}), fake_store())
    assert r.status_code == 200
    body = r.get_data(as_text=True)
    assert len(body) < SMALL
    assert "Fake" not in body  # before: the made-up names were drawn as comparison areas
    heading = r.get_json()["response"][ids.chart(ids.AREA_SPINE_CHART, "heading")]["children"]
    assert REFERENCE[BLACKPOOL]["name"] in heading


def test_fifty_thousand_ticked_areas_are_refused_at_their_size(client):
    r = spine(client, compare_input({"North West": fake_codes()}), {"code": BLACKPOOL})
    assert r.status_code == 204  # nothing done: the page stays as it was
    lists = {"id": ids.AREA_COMPARE, "property": "data", "value": [[NEWCASTLE]] * 1000}
    assert spine(client, lists, {"code": BLACKPOOL}).status_code == 204  # not a list of codes


@pytest.mark.parametrize(
    "shown", [{"code": "E99999999"}, {"code": "x" * 100_000}, {"code": ["E06000009"]}, "E0", None]
)
def test_an_unknown_area_in_the_store_draws_nothing(client, shown):
    assert spine(client, [], shown).status_code == 204


def test_a_huge_area_code_in_the_address_is_not_found_in_a_small_answer(client):
    """The router fills the area's frame in (``area_frame.prefill``) from the address."""
    r = send_callback(
        client,
        [(ids.PAGE_CONTENT, "children"), (ids.PAGE_TITLE, "data")],
        [{"id": ids.URL, "property": "pathname", "value": "/area/" + "E" * 200_000}],
        [{"id": ids.URL, "property": "search", "value": "?search=not-text"}],
    )
    assert r.status_code == 200 and len(r.data) < SMALL
    assert r.get_json()["response"][ids.PAGE_TITLE]["data"].startswith("Area not found")


def test_the_area_pages_quick_picks_use_the_servers_areas(client):
    """The area profile's picker (the shared one) with a forged store of made-up areas: the
    region pick adds the server's North West areas, none of the fake ones, and not the area
    shown."""
    p = lambda name: ids.topic_part(ids.AREA_PICKER, name)  # noqa: E731
    clicks = ("quick-none", "quick-worse", "quick-region", "quick-neighbours")
    r = send_callback(
        client,
        [(ids.AREA_COMPARE, "data"), (p("area-search"), "value"), (p("area-status"), "children")],
        [
            {"id": p("area-add"), "property": "n_clicks", "value": 0},
            {"id": p("area-search"), "property": "n_submit", "value": 0},
            *[
                {"id": p(n), "property": "n_clicks", "value": int(n == "quick-region")}
                for n in clicks
            ],
            [],
        ],
        [
            {"id": p("area-search"), "property": "value", "value": None},
            {"id": ids.AREA_COMPARE, "property": "data", "value": fake_codes(5)},
            {"id": p("region"), "property": "value", "value": "North West"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": fake_store()},
            {"id": ids.AREA_PERIOD, "property": "value", "value": "latest"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": None},
        ],
        changed=[f"{p('quick-region')}.n_clicks"],
    )
    assert r.status_code == 200 and len(r.data) < SMALL
    chosen = r.get_json()["response"][ids.AREA_COMPARE]["data"]
    north_west = {c for c, a in REFERENCE.items() if a["region"] == "North West"}
    assert set(chosen) == north_west - {BLACKPOOL}


# --- the topic pages -------------------------------------------------------------------------


def charts(client, area_lists: list, indicator: object = "reach.parents"):
    p = TOPIC.part
    names = ("trend", "caterpillar", "funnel", "breakdown", "groups")
    outputs = [
        (ids.URL, "search"),
        (p("written"), "data"),
        (p("links"), "children"),
        (p("summary"), "children"),
        (p("not-shown"), "children"),
    ]
    outputs += [(ids.chart(TOPIC.chart(name), "section"), "hidden") for name in names]
    for name in names:
        outputs += [(o.component_id, o.component_property) for o in card_outputs(TOPIC.chart(name))]
    inputs = [
        {"id": p("indicator"), "property": "value", "value": indicator},
        area_lists,
        {"id": p("from"), "property": "value", "value": "2016-17_Q1"},
        {"id": p("to"), "property": "value", "value": "2018-19_Q4"},
        {"id": p("period"), "property": "value", "value": Q_ENDED},
        {"id": p("ci"), "property": "value", "value": "95"},
        {"id": p("char"), "property": "value", "value": "sex"},
        {"id": p("benchmark"), "property": "value", "value": "programme"},
        {"id": p("trend-by"), "property": "value", "value": "quarterly"},
    ]
    return send_callback(
        client, outputs, inputs, [{"id": ids.URL, "property": "search", "value": ""}]
    )


def topic_areas(groups: dict[str, list[str]]) -> dict:
    """The area picker's value (the chosen codes) for codes given by region."""
    codes = [c for group in groups.values() for c in group]
    return {"id": TOPIC.part("areas"), "property": "data", "value": codes}


def test_fifty_thousand_fake_areas_on_a_topic_page_are_refused_at_their_size(client):
    r = charts(client, topic_areas({"North West": fake_codes()}))
    assert r.status_code == 204  # before: every chart computed for them, a huge answer


def test_unknown_areas_and_choices_on_a_topic_page_are_left_out(client):
    r = charts(client, topic_areas({"North West": [BLACKPOOL, "E99999999"]}), "no.such.one")
    assert r.status_code == 200
    response = r.get_json()["response"]
    view = response[component_key(ids.chart_pattern(TOPIC.chart("trend"), "view"))]["data"]
    assert view["areas"] == [BLACKPOOL] and view["indicator"] == TOPIC.default_indicator
    assert "E99999999" not in r.get_data(as_text=True)


@pytest.mark.parametrize("indicator", ["x" * 100_000, ["reach.parents"], {"a": 1}])
def test_an_oversized_or_odd_control_value_on_a_topic_page_is_refused(client, indicator):
    assert charts(client, topic_areas({"North West": [BLACKPOOL]}), indicator).status_code == 204


def region_pick(client, region: object, chosen: object):
    p = TOPIC.part
    clicks = ("area-add", "quick-none", "quick-worse", "quick-region", "quick-neighbours")
    return send_callback(
        client,
        [(p("areas"), "data"), (p("area-search"), "value"), (p("area-status"), "children")],
        [
            *[
                {"id": p(n), "property": "n_clicks", "value": int(n == "quick-region")}
                for n in clicks[:1]
            ],
            {"id": p("area-search"), "property": "n_submit", "value": 0},
            *[
                {"id": p(n), "property": "n_clicks", "value": int(n == "quick-region")}
                for n in clicks[1:]
            ],
            [],
        ],
        [
            {"id": p("area-search"), "property": "value", "value": None},
            {"id": p("areas"), "property": "data", "value": chosen},
            {"id": p("region"), "property": "value", "value": region},
            {"id": p("indicator"), "property": "value", "value": "reach.parents"},
            {"id": p("period"), "property": "value", "value": Q_ENDED},
            {"id": p("ci"), "property": "value", "value": "95"},
            {"id": p("char"), "property": "value", "value": "sex"},
            {"id": p("benchmark"), "property": "value", "value": "programme"},
        ],
        changed=[f"{p('quick-region')}.n_clicks"],
    )


def test_a_region_quick_pick_adds_the_servers_areas_not_the_browsers(client):
    r = region_pick(client, "North West", [NEWCASTLE, "E99999999"])
    assert r.status_code == 200
    chosen = r.get_json()["response"][TOPIC.part("areas")]["data"]
    north_west = {c for c, a in REFERENCE.items() if a["region"] == "North West"}
    assert chosen[0] == NEWCASTLE and set(chosen[1:]) == north_west  # the made-up code dropped
    made_up = region_pick(client, "Made-up region", [])
    assert made_up.status_code == 200
    assert TOPIC.part("areas") not in made_up.get_json()["response"]


def test_fifty_thousand_chosen_areas_in_the_picker_are_refused_at_their_size(client):
    assert region_pick(client, "North West", fake_codes()).status_code == 204


def test_the_old_quick_pick_request_with_made_up_options_is_not_a_callback(client):
    key = component_key(ids.topic_areas(TOPIC.key, ["ALL"]))
    options = [{"label": "x", "value": c} for c in fake_codes(FAKE_OPTIONS)]
    r = send_callback(
        client,
        [[(ids.topic_areas(TOPIC.key, "North West"), "value")]],
        [
            {"id": TOPIC.part("quick-none"), "property": "n_clicks", "value": 0},
            {"id": TOPIC.part("quick-all"), "property": "n_clicks", "value": 1},
        ],
        [
            [
                {
                    "id": ids.topic_areas(TOPIC.key, "North West"),
                    "property": "options",
                    "value": options,
                }
            ]
        ],
        output=f"{key}.value",
        multi=False,
        changed=[f"{TOPIC.part('quick-all')}.n_clicks"],
    )
    assert r.status_code == 400  # before: the made-up codes came back ticked
    assert r.get_json()["error"]["message"].startswith(REFUSED)


# --- the data-quality and home pages -----------------------------------------------------------


def quality(client, area: object, measure: object = "csi4", period: object = Q_ENDED):
    outputs = [
        (ids.URL, "search"),
        (ids.QUALITY_CONTENT, "children"),
        *[
            (o.component_id, o.component_property)
            for o in card_outputs(ids.QUALITY_COMPLETENESS_CHART)
        ],
        *[(o.component_id, o.component_property) for o in card_outputs(ids.QUALITY_PAIRED_CHART)],
        (ids.QUALITY_PAIRED_DEFINITION, "href"),
        (ids.QUALITY_PAIRED_ALL, "children"),
    ]
    return send_callback(
        client,
        outputs,
        [
            {"id": ids.QUALITY_AREA, "property": "value", "value": area},
            {"id": ids.QUALITY_MEASURE, "property": "value", "value": measure},
            {"id": ids.QUALITY_PERIOD, "property": "value", "value": period},
        ],
        [{"id": ids.URL, "property": "search", "value": ""}],
    )


def test_the_quality_page_draws_a_known_area(client):
    assert quality(client, BLACKPOOL).status_code == 200
    assert quality(client, quality_page.ALL_AREAS).status_code == 200


@pytest.mark.parametrize(
    ("area", "measure", "period"),
    [
        ("E99999999", "csi4", Q_ENDED),  # before: cached per made-up code, for ever
        ("x" * 100_000, "csi4", Q_ENDED),
        (BLACKPOOL, "no-such-measure", Q_ENDED),  # before: a 500
        (BLACKPOOL, "csi4", "0001-02_Q4"),
        (BLACKPOOL, ["csi4"], Q_ENDED),
    ],
)
def test_the_quality_page_refuses_what_its_controls_never_send(client, area, measure, period):
    assert quality(client, area, measure, period).status_code == 204


def test_the_home_page_refuses_an_oversized_period(client):
    r = send_callback(
        client,
        overview_outputs(),
        [
            {"id": ids.HOME_PERIOD, "property": "value", "value": "2" * 200_000},
            {"id": ids.HOME_SORT, "property": "value", "value": "area"},
            {"id": ids.HOME_ORDER, "property": "value", "value": "low"},
            {"id": ids.HOME_CI, "property": "value", "value": "95"},
            {"id": ids.HOME_BENCHMARK, "property": "value", "value": "programme"},
            {"id": ids.HOME_ROWS, "property": "data", "value": "first"},
        ],
    )
    assert r.status_code == 204


# --- odd periods in page addresses -------------------------------------------------------------

ODD = "0001-02_Q4"


@pytest.mark.parametrize(
    ("path", "search"),
    [
        ("/", f"?period={ODD}"),
        ("/reach", f"?period={ODD}&from={ODD}&to=9999-00_Q1"),
        ("/uptake", f"?from={ODD}"),
        ("/outcomes", f"?period={ODD}"),
        ("/quality", f"?period={ODD}"),
        (f"/area/{BLACKPOOL}", f"?period={ODD}"),
    ],
)
def test_an_odd_period_in_the_address_is_the_pages_normal_message(client, path, search):
    page = client.get(path + search)
    assert page.status_code == 200  # before: a 500 on some pages
    layout = route(client, path, search)
    assert layout[ids.PAGE_CONTENT]["children"]


@pytest.mark.parametrize("search", [f"?period={ODD}&from={ODD}", "?to=9999-00_Q4"])
def test_a_topic_pages_controls_say_an_odd_period_was_ignored(client, search):
    p = TOPIC.part
    outputs = topic_control_outputs(TOPIC)
    response = post_callback(
        client,
        outputs,
        [
            {"id": p("state"), "property": "data", "value": {"search": search}},
            {"id": p("nav"), "property": "data", "value": {"search": search}},
        ],
        [{"id": ids.URL, "property": "search", "value": search}, []],
    )
    assert "Ignored" in texts(response[p("messages")]["children"])
    # the page shows what it shows for no period at all: the latest quarter
    assert response[p("to")]["value"] == "2018-19_Q4"


# --- the shell -----------------------------------------------------------------------------------


@pytest.mark.parametrize("paths", [["/", "/made-up"], ["/"] * 5000])
def test_the_navigation_draws_only_the_apps_own_links(client, paths):
    pattern = '{"path":["ALL"],"type":"nav-link"}'
    links = [ids.nav_link(p) for p in paths]
    r = send_callback(
        client,
        [[(link, "className") for link in links], [(link, "children") for link in links]],
        [{"id": ids.URL, "property": "pathname", "value": "/"}],
        output=f"..{pattern}.className...{pattern}.children..",
    )
    assert r.status_code == 204  # before: a 500 for a made-up link, work for every one sent
