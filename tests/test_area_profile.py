"""The area profile (/area/<gss_code>) through Flask's test client (its presenter's pure shaping:
``test_present_area.py``)."""

from __future__ import annotations

import json
import re

import pytest
from support.dash_client import (
    card_view,
    component_key,
    dependencies,
    opened_twin,
    post_callback,
    registered_output,
    route,
    send_callback,
)
from support.page_dbs import (
    BLACKPOOL,
    GATESHEAD,
    MANCHESTER,
    NEWCASTLE,
    REFERENCE,
    build_area_db,
    build_topic_db,
)
from support.text import texts

from dashboard import ids, urlstate
from dashboard.app import PAGES, create_app
from dashboard.callbacks import area_frame, match_page
from dashboard.charts.card import card_outputs
from dashboard.layouts import spine_table
from dashboard.present import area_address as address
from dashboard.present.area import SPINE_INDICATORS
from dashboard.settings import DashboardSettings

#: The spine callback's last output: the table shown on phones in place of the chart.
SPINE_PHONE = (spine_table.slot_id(ids.AREA_SPINE_CHART), "children")


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return build_area_db(tmp_path_factory.mktemp("area") / "lfo.db")


@pytest.fixture(scope="module")
def app(db_url):
    return create_app(DashboardSettings(database_url=db_url))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def component(tree: object, component_id: str) -> dict | None:
    """The component ``component_id`` in a layout as JSON."""
    if isinstance(tree, list):
        return next((f for t in tree if (f := component(t, component_id)) is not None), None)
    if isinstance(tree, dict):
        props = tree.get("props", {})
        if props.get("id") == component_id:
            return tree
        return component(props.get("children"), component_id)
    return None


def frame(client, code: str | None, search: str = "") -> dict:
    """The frame of ``code``'s profile as the router fills it into the page it sends
    (``area_frame.prefill``): each frame output's value, by component id and property."""
    path = "/area" if code is None else f"/area/{code}"
    layout = route(client, path, search)[ids.PAGE_CONTENT]["children"]
    out: dict = {}
    for o in area_frame.frame_outputs():
        found = component(layout, o.component_id)
        assert found is not None, o.component_id
        out.setdefault(o.component_id, {})[o.component_property] = found["props"].get(
            o.component_property
        )
    return out


def links(node: object) -> list[str]:
    found = []
    if isinstance(node, list):
        for n in node:
            found += links(n)
    elif isinstance(node, dict):
        props = node.get("props", {})
        if node.get("type") == "Link" and "href" in props:
            found.append(props["href"])
        for v in (node.get("props") or node).values():
            if isinstance(v, (list, dict)):
                found += links(v)
    return found


# --- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("code", sorted(REFERENCE))
def test_every_area_profile_returns_200_with_its_name_as_h1(client, code):
    assert client.get(f"/area/{code}").status_code == 200
    content = route(client, f"/area/{code}")
    # the title names the area at once: the router fills the frame in (no second round)
    assert content[ids.PAGE_TITLE]["data"].startswith(f"{REFERENCE[code]['name']}: area profile")
    out = frame(client, code)
    assert out[ids.AREA_HEADING]["children"] == f"{REFERENCE[code]['name']}: area profile"
    assert out[ids.AREA_PROFILE]["hidden"] is False
    assert REFERENCE[code]["region"] in texts(out[ids.AREA_HEADER]["children"])


def test_area_page_has_its_own_title_before_any_callback(client):
    html = client.get(f"/area/{BLACKPOOL}").get_data(as_text=True)
    assert "<title>Area profile – " in html


def test_unknown_area_code_gives_a_friendly_page_linking_every_area(client):
    out = frame(client, "E99999999")
    assert out[ids.AREA_HEADING]["children"] == "Area not found"
    assert out[ids.AREA_NOT_FOUND]["hidden"] is False
    assert out[ids.AREA_PROFILE]["hidden"] is True
    body = out[ids.AREA_NOT_FOUND]["children"]
    assert "There is no programme area with the code E99999999" in texts(body)
    assert sorted(h for h in links(body) if h.startswith("/area/")) == sorted(
        f"/area/{c}" for c in REFERENCE
    )


def test_malformed_area_code_is_a_message_not_an_error(client):
    content = route(client, "/area/not-a-code")
    assert "not an area code" in json.dumps(content)
    out = frame(client, "not-a-code")
    assert out[ids.AREA_HEADING]["children"] == "Area not found"
    assert "not an area code" in texts(out[ids.AREA_MESSAGES]["children"])


def test_area_without_a_code_lists_areas_to_choose_from(client):
    out = frame(client, None)
    assert out[ids.AREA_HEADING]["children"] == "Choose an area"
    assert f"/area/{BLACKPOOL}" in links(out[ids.AREA_NOT_FOUND]["children"])


def test_bad_and_stale_query_values_give_messages(client):
    search = "?compare=E99999999,junk&period=2099-00&indicator=nope&colour=red"
    content = route(client, f"/area/{BLACKPOOL}", search)
    words = json.dumps(content)
    for expected in ("compare", "indicator", "colour"):
        assert expected in words
    out = frame(client, BLACKPOOL, "?compare=E99999999,E08000037")
    assert "E99999999" in texts(out[ids.AREA_MESSAGES]["children"])
    assert out[ids.AREA_COMPARE]["data"] == [GATESHEAD]


def test_the_area_picker_suggests_every_area_and_opens_its_regions_at_the_areas_own(client):
    out = frame(client, BLACKPOOL, f"?compare={MANCHESTER},{BLACKPOOL}")
    suggested = [
        o["props"]["value"]
        for o in out[ids.topic_part(ids.AREA_PICKER, "area-options")]["children"]
    ]
    by_name = sorted(REFERENCE.values(), key=lambda a: a["name"])
    assert suggested == [f"{a['name']} ({a['region']})" for a in by_name]
    region = out[ids.topic_part(ids.AREA_PICKER, "region")]
    assert [o["value"] for o in region["options"]] == sorted(
        {a["region"] for a in REFERENCE.values()}
    )
    assert region["value"] == REFERENCE[BLACKPOOL]["region"]
    # the area shown is never one it is compared with, even when the address says so
    assert out[ids.AREA_COMPARE]["data"] == [MANCHESTER]


def test_navigation_marks_area_profile_current_on_an_area_page(client):
    links_ = [ids.nav_link("/"), ids.nav_link("/area")]
    pattern = '{"path":["ALL"],"type":"nav-link"}'
    r = send_callback(
        client,
        [[(link, "className") for link in links_], [(link, "children") for link in links_]],
        [{"id": ids.URL, "property": "pathname", "value": f"/area/{BLACKPOOL}"}],
        output=f"..{pattern}.className...{pattern}.children..",
    )
    assert r.status_code == 200, r.data[:300]
    response = r.get_json()["response"]
    home, area = (json.dumps(link, separators=(",", ":"), sort_keys=True) for link in links_)
    assert "lfo-nav__link--current" in response[area]["className"]
    assert "lfo-nav__link--current" not in response[home]["className"]


# --- callbacks -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(client) -> dict:
    return frame(client, BLACKPOOL)[ids.AREA_SHOWN]["data"]


def _view(out: dict, chart_id: str) -> object:
    """The card's view key, as the page's callback wrote it."""
    return out[component_key(ids.chart_pattern(chart_id, "view"))]["data"]


def _compare_input(store: dict, chosen: list[str]) -> dict:
    """The picker's chosen areas as the page holds them (``store``: the area shown's)."""
    assert store["code"] not in chosen
    return {"id": ids.AREA_COMPARE, "property": "data", "value": chosen}


def test_spine_callback_answers_with_title_summary_and_every_indicator(client, store):
    out = post_callback(
        client,
        [(ids.AREA_DATA_MESSAGES, "children"), *card_outputs(ids.AREA_SPINE_CHART), SPINE_PHONE],
        [
            _compare_input(store, [GATESHEAD]),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q1"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        state=[card_view(ids.AREA_SPINE_CHART)],
    )
    heading = out[ids.chart(ids.AREA_SPINE_CHART, "heading")]["children"]
    assert heading == "Key indicators for Blackpool against the programme, 2018-19 Q1"
    summary = out[ids.chart(ids.AREA_SPINE_CHART, "summary")]["children"]
    assert summary.startswith("Of 19 indicators for Blackpool in 2018-19 Q1")
    # the table twin is sent folded, saying it is loading; opening it builds it on the server
    sent = out[ids.chart(ids.AREA_SPINE_CHART, "table")]["children"]
    assert texts(sent) == "Loading the table…" and "Gateshead" not in str(sent)
    table = opened_twin(client, ids.AREA_SPINE_CHART, _view(out, ids.AREA_SPINE_CHART))
    hrefs = links(table)
    assert hrefs == [f"/definitions#{i}" for i in SPINE_INDICATORS]
    assert "Gateshead" in texts(table)
    # the table shown on phones in place of the chart: every indicator, linking to its entry
    phone = out[SPINE_PHONE[0]]["children"]
    assert links(phone) == [f"/definitions#{i}" for i in SPINE_INDICATORS]
    assert "Compared with the programme" in texts(phone)


def _trend(client, store, trend: str = "quarterly") -> dict:
    return post_callback(
        client,
        card_outputs(ids.AREA_TREND_CHART),
        [
            _compare_input(store, [GATESHEAD]),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "latest"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.completion"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
            {"id": ids.AREA_TREND_BY, "property": "value", "value": trend},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        state=[card_view(ids.AREA_TREND_CHART)],
    )


def test_trend_callback_draws_area_comparison_and_programme(client, store):
    out = _trend(client, store)
    figure = out[ids.chart(ids.AREA_TREND_CHART, "graph")]["figure"]
    assert [t["name"] for t in figure["data"]] == [
        "Blackpool",
        "Gateshead",
        "Programme (all areas)",
    ]
    summary = out[ids.chart(ids.AREA_TREND_CHART, "summary")]["children"]
    # completion in 2018-19 Q1: Blackpool 30 of 40 (75%), programme 62 of 100 (62%)
    assert "Blackpool: 75% in 2018-19 Q1" in summary
    assert "the programme: 62% in 2018-19 Q1" in summary


def test_the_trend_by_financial_year_draws_the_engines_year_figures(client, store):
    out = _trend(client, store, "annual")
    heading = out[ids.chart(ids.AREA_TREND_CHART, "heading")]["children"]
    assert heading == "Completion rate in Blackpool by financial year, 2016-17 to 2018-19"
    figure = out[ids.chart(ids.AREA_TREND_CHART, "graph")]["figure"]
    assert list(figure["data"][0]["x"]) == ["2016-17", "2017-18", "2018-19"]
    summary = out[ids.chart(ids.AREA_TREND_CHART, "summary")]["children"]
    # every episode ended in 2018-19 Q1, so the year is that quarter: Blackpool 30 of 40,
    # Gateshead 20 of 40, the programme 62 of 100 (with Manchester's 12 of 20)
    assert summary.startswith("Completion by financial year, 2016-17 to 2018-19.")
    assert "Blackpool: 75% in 2018-19" in summary and "Gateshead: 50% in 2018-19" in summary
    assert "the programme: 62% in 2018-19" in summary
    assert figure["layout"]["legend"]["title"]["text"] == "Bars: 95% confidence intervals"


def test_funnel_reach_and_quality_callbacks_answer(client, store):
    period = {"id": ids.AREA_PERIOD, "property": "value", "value": "2017-18"}
    areas = {"id": ids.AREA_SHOWN, "property": "data", "value": store}
    funnel = post_callback(
        client,
        card_outputs(ids.AREA_FUNNEL_CHART),
        [period, areas],
        state=[card_view(ids.AREA_FUNNEL_CHART)],
    )
    assert (
        "Referral-to-completion funnel in Blackpool"
        in funnel[ids.chart(ids.AREA_FUNNEL_CHART, "heading")]["children"]
    )
    reach = post_callback(
        client,
        card_outputs(ids.AREA_REACH_CHART),
        [
            period,
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_BREAKDOWN, "property": "value", "value": "sex"},
            areas,
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        state=[card_view(ids.AREA_REACH_CHART)],
    )
    summary = reach[ids.chart(ids.AREA_REACH_CHART, "summary")]["children"]
    # every fixture parent is female and was referred on 2017-04-03
    assert "Female 100%" in summary
    quality = post_callback(client, [(ids.AREA_QUALITY, "children")], [period, areas])
    words = texts(quality[ids.AREA_QUALITY]["children"])
    assert "LFO_E06000009_2018-19_Q4.zip" in words and "Rows held back" in words


def test_a_period_without_figures_falls_back_with_a_message(client, store):
    out = post_callback(
        client,
        [(ids.AREA_DATA_MESSAGES, "children"), *card_outputs(ids.AREA_SPINE_CHART), SPINE_PHONE],
        [
            _compare_input(store, []),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2030-31_Q1"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        state=[card_view(ids.AREA_SPINE_CHART)],
    )
    assert "There are no figures for 2030-31 Q1" in texts(out[ids.AREA_DATA_MESSAGES]["children"])


def test_a_database_that_cannot_be_read_gives_messages_not_errors(tmp_path, store):
    missing = create_app(
        DashboardSettings(database_url=f"sqlite:///{tmp_path / 'missing.db'}")
    ).server.test_client()
    out = frame(missing, BLACKPOOL)
    assert "cannot be shown just now" in texts(out[ids.AREA_HEADER]["children"])
    period = {"id": ids.AREA_PERIOD, "property": "value", "value": "latest"}
    areas = {"id": ids.AREA_SHOWN, "property": "data", "value": store}
    spine = post_callback(
        missing,
        [(ids.AREA_DATA_MESSAGES, "children"), *card_outputs(ids.AREA_SPINE_CHART), SPINE_PHONE],
        [
            _compare_input(store, []),
            period,
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            areas,
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        state=[card_view(ids.AREA_SPINE_CHART)],
    )
    assert "cannot be shown just now" in texts(spine[ids.AREA_DATA_MESSAGES]["children"])
    empty = spine[ids.chart(ids.AREA_SPINE_CHART, "empty")]
    assert empty["hidden"] is False and "cannot be shown just now" in empty["children"]
    quality = post_callback(missing, [(ids.AREA_QUALITY, "children")], [period, areas])
    assert "cannot be shown just now" in texts(quality[ids.AREA_QUALITY]["children"])


@pytest.mark.parametrize(
    ("trend", "written"),
    [("quarterly", ""), ("annual", "&trend=annual"), ("weekly", ""), (None, "")],
)
def test_choices_are_written_to_the_address(app, client, store, trend, written):
    # the trend's step too (quarterly, the default, left out; a value not offered: the default)
    key = registered_output(client, "url.search", listening_to=ids.AREA_INDICATOR)
    out = post_callback(
        client,
        [(ids.URL, "search")],
        [
            _compare_input(store, [GATESHEAD, MANCHESTER]),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q4"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.start"},
            {"id": ids.AREA_BREAKDOWN, "property": "value", "value": "sex"},
            {"id": ids.AREA_CI, "property": "value", "value": "99.8"},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
            {"id": ids.AREA_TREND_BY, "property": "value", "value": trend},
        ],
        [
            {"id": ids.URL, "property": "search", "value": ""},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
        ],
        output=key,
    )
    assert out[ids.URL]["search"] == (
        f"?compare={GATESHEAD},{MANCHESTER}&period=2018-19_Q4&indicator=uptake.start&ci=99.8"
        + written
    )


def test_switching_area_keeps_the_other_choices(app, client, store):
    key = next(k for k in app.callback_map if k.startswith("..url.pathname@"))
    out = post_callback(
        client,
        [(ids.URL, "pathname"), (ids.URL, "search")],
        [{"id": ids.AREA_SWITCH_GO, "property": "n_clicks", "value": 1}],
        [
            {"id": ids.AREA_SWITCH, "property": "value", "value": GATESHEAD},
            {
                "id": ids.URL,
                "property": "search",
                "value": f"?compare={GATESHEAD},{MANCHESTER}&indicator=uptake.start&trend=annual",
            },
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
        ],
        output=key,
    )
    assert out[ids.URL]["pathname"] == f"/area/{GATESHEAD}"
    assert out[ids.URL]["search"] == f"?compare={MANCHESTER}&indicator=uptake.start&trend=annual"


# --- routing and pure shaping --------------------------------------------------------------------


def test_router_passes_the_code_only_to_pages_that_take_one():
    area_page, code = match_page(f"/area/{BLACKPOOL}", PAGES)
    assert area_page is not None and area_page.path == "/area" and code == BLACKPOOL
    assert match_page("/area", PAGES)[0].path == "/area"
    assert match_page("/reach/E06000009", PAGES) == (None, None)
    assert match_page("/area/a/b", PAGES) == (None, None)


def test_address_round_trips_and_keeps_commas_readable():
    query = address.query_for([GATESHEAD, BLACKPOOL], "2018-19", "uptake.start", "ethnicity")
    assert query == (
        f"?compare={GATESHEAD},{BLACKPOOL}&period=2018-19&indicator=uptake.start"
        "&breakdown=ethnicity"
    )
    state = urlstate.parse_query(query, address.PARAMS)
    assert state.ok
    assert address.control_values(state) == (
        (GATESHEAD, BLACKPOOL),
        "2018-19",
        "uptake.start",
        "ethnicity",
    )
    assert address.query_for([], "latest", "uptake.completion", "sex") == ""


def test_the_trend_step_round_trips_in_the_address():
    query = address.query_for([], None, None, None, None, None, "annual")
    assert query == "?trend=annual"
    state = urlstate.parse_query(query, address.PARAMS)
    assert state.ok and address.trend_value(state) == "annual"
    assert address.query_for([], None, None, None, None, None, "quarterly") == ""
    assert address.query_for([], None, None, None, None, None, "weekly") == ""
    bad = urlstate.parse_query("?trend=weekly", address.PARAMS)
    assert not bad.ok and bad.messages  # said, and the default kept
    assert address.trend_value(bad) == "quarterly"
    assert address.trend_value(urlstate.parse_query("", address.PARAMS)) == "quarterly"


def _radio_value(layout: object, component_id: str) -> object:
    """The ``value`` of the component ``component_id`` in a page's layout (its JSON)."""
    if isinstance(layout, dict):
        props = layout.get("props", {})
        if props.get("id") == component_id:
            return props.get("value")
        children = [v for v in layout.values() if isinstance(v, (dict, list))]
        for v in [*children, *props.values()]:
            found = _radio_value(v, component_id)
            if found is not None:
                return found
    elif isinstance(layout, list):
        for v in layout:
            found = _radio_value(v, component_id)
            if found is not None:
                return found
    return None


@pytest.mark.parametrize(
    ("search", "step"),
    [("?trend=annual", "annual"), ("", "quarterly"), ("?trend=weekly", "quarterly")],
)
def test_a_reload_or_a_shared_link_keeps_the_trend_step(client, search, step):
    page = route(client, f"/area/{BLACKPOOL}", search)[ids.PAGE_CONTENT]["children"]
    assert _radio_value(page, ids.AREA_TREND_BY) == step


def _follow(client, store: dict, search: str, *, step: str = "quarterly", held=None) -> dict:
    """The controls callback for the address ``search`` (back, forward), the page holding the
    areas ``held`` and showing the trend step ``step``."""
    key = next(
        k
        for k in (d["output"] for d in dependencies(client))
        if f"{ids.AREA_COMPARE}.data" in k and "area-period.value" in k
    )
    return post_callback(
        client,
        [
            (ids.AREA_COMPARE, "data"),
            (ids.AREA_PERIOD, "value"),
            (ids.AREA_INDICATOR, "value"),
            (ids.AREA_BREAKDOWN, "value"),
            (ids.AREA_CI, "value"),
            (ids.AREA_MESSAGES, "children"),
            (ids.AREA_BENCHMARK, "value"),
            (ids.AREA_TREND_BY, "value"),
        ],
        [{"id": ids.URL, "property": "search", "value": search}],
        [
            _compare_input(store, held or []),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "latest"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.completion"},
            {"id": ids.AREA_BREAKDOWN, "property": "value", "value": "sex"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
            {"id": ids.AREA_TREND_BY, "property": "value", "value": step},
        ],
        changed=["url.search"],
        output=key,
    )


def test_back_and_forward_set_the_trend_step_from_the_address(client, store):
    def follow(search: str, shown_step: str) -> object:
        out = _follow(client, store, search, step=shown_step)
        return out.get(ids.AREA_TREND_BY, {}).get("value")

    assert follow("?trend=annual", "quarterly") == "annual"
    assert follow("", "annual") == "quarterly"
    assert follow("?trend=annual", "annual") is None  # already shown: not set again


def test_back_and_forward_set_the_chosen_areas_from_the_address(client, store):
    search = f"?compare={MANCHESTER},E99999999,{BLACKPOOL},{GATESHEAD}"
    out = _follow(client, store, search)
    # only programme areas, never the area shown, in the address's order (the order chosen)
    assert out[ids.AREA_COMPARE]["data"] == [MANCHESTER, GATESHEAD]
    same = _follow(client, store, search, held=[MANCHESTER, GATESHEAD])
    assert ids.AREA_COMPARE not in same  # the page holds them already: not set again
    other = _follow(client, store, search, held=[GATESHEAD, MANCHESTER])
    assert other[ids.AREA_COMPARE]["data"] == [MANCHESTER, GATESHEAD]  # the address's order
    assert _follow(client, store, "", held=[GATESHEAD])[ids.AREA_COMPARE]["data"] == []


def test_the_spine_at_the_stricter_level_says_so(client, store):
    out = post_callback(
        client,
        [(ids.AREA_DATA_MESSAGES, "children"), *card_outputs(ids.AREA_SPINE_CHART), SPINE_PHONE],
        [
            _compare_input(store, []),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q1"},
            {"id": ids.AREA_CI, "property": "value", "value": "99.8"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": "programme"},
        ],
        state=[card_view(ids.AREA_SPINE_CHART)],
    )
    subtitle = out[ids.chart(ids.AREA_SPINE_CHART, "subtitle")]["children"]
    assert "99.8% confidence intervals" in subtitle and "95%" not in subtitle
    view = out[component_key(ids.chart_pattern(ids.AREA_SPINE_CHART, "view"))]["data"]
    assert view["ci"] == "99.8"


def _spine_at(client, store, benchmark: str) -> dict:
    return post_callback(
        client,
        [(ids.AREA_DATA_MESSAGES, "children"), *card_outputs(ids.AREA_SPINE_CHART), SPINE_PHONE],
        [
            _compare_input(store, []),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q1"},
            {"id": ids.AREA_CI, "property": "value", "value": "95"},
            {"id": ids.AREA_SHOWN, "property": "data", "value": store},
            {"id": ids.AREA_BENCHMARK, "property": "value", "value": benchmark},
        ],
        state=[card_view(ids.AREA_SPINE_CHART)],
    )


def test_the_spine_compares_with_the_benchmark_chosen_and_names_its_members(client, store):
    """Blackpool's region (North West) in the reference areas: Blackburn with Darwen and
    Manchester; its statistical neighbours: lfo.indicators.benchmarks.groups (worked out by
    hand in tests/test_benchmarks.py)."""
    out = _spine_at(client, store, "region")
    c = ids.chart
    assert out[c(ids.AREA_SPINE_CHART, "heading")]["children"] == (
        "Key indicators for Blackpool against its region, North West, 2018-19 Q1"
    )
    # completion in 2018-19 Q1 (build_area_db): Blackpool 30/40 = 75%; the programme 62/100;
    # the neighbours: only Gateshead has figures, 20/40 = 50%; the region: only Manchester,
    # 12/20 = 60%, within Blackpool's 95% interval (about 60% to 86%): similar
    summary = out[c(ids.AREA_SPINE_CHART, "summary")]["children"]
    assert "similar to its region, North West at 95% confidence (Completion rate" in summary
    notes = texts(out[c(ids.AREA_SPINE_CHART, "notes")]["children"])
    assert "Blackpool's region (North West): Blackburn with Darwen and Manchester." in notes
    table = texts(opened_twin(client, ids.AREA_SPINE_CHART, _view(out, ids.AREA_SPINE_CHART)))
    for heading in (
        "Programme",
        "Statistical neighbours (5 areas)",
        "Region (North West)",
        "Compared with its region, North West (95%)",
    ):
        assert heading in table
    assert re.search(r"Completion rate 75%\s+(\S+ to \S+\s+)?62% 50% 60%", table)
    phone = texts(out[SPINE_PHONE[0]]["children"])
    assert "Region (North West)" in phone
    # on a phone the region's figure is under the comparison (a fifth column would not fit)
    assert re.search(r"Completion rate\s+75% 62% ● similar\s+\(Region \(North West\): 60%\)", phone)
    assert "Compared with its region, North West (95%)" in phone
    # the small bars mark the region's figure, and the key under them says so
    assert "the upright line its region, North West (the benchmark)" in phone
    assert "lfo-spine-bar__programme" in json.dumps(out[SPINE_PHONE[0]]["children"])
    view = out[component_key(ids.chart_pattern(ids.AREA_SPINE_CHART, "view"))]["data"]
    assert view["benchmark"] == "region"
    # the chart's centre is the region's figure, named so
    figure = out[c(ids.AREA_SPINE_CHART, "graph")]["figure"]
    assert "Region (centre)" in [t.get("name") for t in figure["data"]]


def test_a_forged_benchmark_on_the_profile_falls_back_to_the_programme(client, store):
    out = _spine_at(client, store, "<script>")
    heading = out[ids.chart(ids.AREA_SPINE_CHART, "heading")]["children"]
    assert heading == "Key indicators for Blackpool against the programme, 2018-19 Q1"
    assert address.query_for([], "latest", "uptake.completion", "sex", "95", "forged") == ""
    assert address.query_for([], "latest", "uptake.completion", "sex", "95", "neighbours") == (
        "?benchmark=neighbours"
    )


# --- the areas to compare with: the shared area picker (issue 11 § 8) --------------------------

PICKS = ("area-add", "quick-none", "quick-worse", "quick-region", "quick-neighbours")


def _pick(client, store, trigger: str, *, typed=None, chosen=None, region=None, remove=()):
    """The area picker's callback on ``store``'s profile, as if ``trigger`` (a part of the
    picker, or a chosen area's code for its Remove button) was clicked once."""
    p = lambda name: ids.topic_part(ids.AREA_PICKER, name)  # noqa: E731
    remove_ids = {c: ids.topic_area_remove(ids.AREA_PICKER, c) for c in remove}
    inputs = [
        {"id": p("area-add"), "property": "n_clicks", "value": int(trigger == "area-add")},
        {"id": p("area-search"), "property": "n_submit", "value": 0},
        *[{"id": p(n), "property": "n_clicks", "value": int(trigger == n)} for n in PICKS[1:]],
        [
            {"id": i, "property": "n_clicks", "value": int(trigger == c)}
            for c, i in remove_ids.items()
        ],
    ]
    state = [
        {"id": p("area-search"), "property": "value", "value": typed},
        {"id": ids.AREA_COMPARE, "property": "data", "value": chosen},
        {"id": p("region"), "property": "value", "value": region},
        {"id": ids.AREA_SHOWN, "property": "data", "value": store},
        {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q1"},
        {"id": ids.AREA_CI, "property": "value", "value": "95"},
        {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.completion"},
    ]
    changed = component_key(remove_ids[trigger]) if trigger in remove_ids else p(trigger)
    r = send_callback(
        client,
        [(ids.AREA_COMPARE, "data"), (p("area-search"), "value"), (p("area-status"), "children")],
        inputs,
        state,
        changed=[f"{changed}.n_clicks"],
    )
    if r.status_code == 204:  # PreventUpdate: nothing changed, nothing said
        return "refused", None
    assert r.status_code == 200, r.data[:500]
    out = r.get_json()["response"]
    return (
        out.get(ids.AREA_COMPARE, {}).get("data", "unchanged"),
        out[p("area-status")]["children"],
    )


def test_typing_an_areas_name_adds_it_and_a_name_not_known_is_refused(client, store):
    chosen, said = _pick(client, store, "area-add", typed=" gateshead ", chosen=[MANCHESTER])
    assert (chosen, said) == ([MANCHESTER, GATESHEAD], "Added Gateshead.")
    listed = f"{REFERENCE[MANCHESTER]['name']} ({REFERENCE[MANCHESTER]['region']})"
    assert _pick(client, store, "area-add", typed=listed, chosen=[])[0] == [MANCHESTER]
    chosen, said = _pick(client, store, "area-add", typed="Atlantis", chosen=[GATESHEAD])
    assert chosen == "unchanged" and "No programme area is called ‘Atlantis’" in said
    chosen, said = _pick(client, store, "area-add", typed="Blackpool", chosen=[])
    assert chosen == "unchanged"
    assert said == "Blackpool is the area shown: the others are compared with it."


def test_similar_areas_are_the_shown_areas_statistical_neighbours(client, store):
    # Blackpool's five statistical neighbours, nearest first (worked out by hand in
    # tests/test_benchmarks.py); Manchester, of its region but four times its size, is not one
    chosen, said = _pick(client, store, "quick-neighbours", chosen=[])
    assert chosen == ["E06000008", GATESHEAD, "E08000021", "E06000032", "E09000022"]
    assert said == "Added areas similar to Blackpool."


def test_region_clear_remove_and_forged_codes_go_through_the_servers_lists(client, store):
    north_west = REFERENCE[BLACKPOOL]["region"]
    chosen, _ = _pick(client, store, "quick-region", chosen=[GATESHEAD], region=north_west)
    expected = [c for c, a in REFERENCE.items() if a["region"] == north_west and c != BLACKPOOL]
    assert chosen[0] == GATESHEAD and sorted(chosen[1:]) == sorted(expected)
    assert _pick(client, store, "quick-region", chosen=[], region="Atlantis")[0] == "unchanged"
    forged = [GATESHEAD, "E99999999", "<script>"]
    assert _pick(client, store, "quick-none", chosen=forged)[0] == []
    removed = _pick(client, store, GATESHEAD, chosen=forged, remove=[GATESHEAD, MANCHESTER])
    assert removed == ([], "Removed Gateshead.")
    too_many = _pick(client, store, "quick-none", chosen=["E08000037"] * 50_000)
    assert too_many[0] == "refused"  # refused at its size, not looked at


def test_the_worse_quick_pick_says_so_when_no_area_is_worse(client, store):
    # completion in 2018-19 Q1 (Blackpool 30/40, Gateshead 20/40, Manchester 12/20): every
    # area's interval overlaps the programme's 62/100
    chosen, said = _pick(client, store, "quick-worse", chosen=[GATESHEAD])
    assert chosen == "unchanged"
    assert (
        said == "No area is worse than the programme on Completion rate, 2018-19 Q1, 95% intervals."
    )


def test_the_worse_quick_pick_adds_the_areas_the_engine_calls_worse(tmp_path_factory):
    """On the topic pages' database (completion in 2018-19 Q1: Newcastle 40/50, Blackpool 20/40,
    Manchester 30/40 against the programme's 90/130), Blackpool's 50% is below the programme's
    69% by more than the 95% intervals allow; Newcastle's profile adds it."""
    url = build_topic_db(tmp_path_factory.mktemp("worse") / "topic.db")
    topic_client = create_app(DashboardSettings(database_url=url)).server.test_client()
    chosen, said = _pick(topic_client, {"code": NEWCASTLE}, "quick-worse", chosen=[MANCHESTER])
    assert chosen == [MANCHESTER, BLACKPOOL]
    assert said.startswith("Added the 1 areas worse than the programme on Completion rate")
