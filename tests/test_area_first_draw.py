"""The area profile opened at its address comes with its cards drawn (``area_first``), and each
card's callback then answers nothing for the view its card shows (``area_views.unless_drawn``),
so the browser draws the charts with the layout instead of after a round of callbacks."""

from __future__ import annotations

import pytest
from dash import State
from support.dash_client import card_view, component_key, post_callback, route, send_callback
from support.page_dbs import BLACKPOOL, build_area_db

from dashboard import ids
from dashboard.app import create_app
from dashboard.callbacks.area import CARDS
from dashboard.settings import DashboardSettings


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    db_url = build_area_db(tmp_path_factory.mktemp("first") / "lfo.db")
    return create_app(DashboardSettings(database_url=db_url)).server.test_client()


def opened_at(client, address: str) -> object:
    """The first layout of a page opened at ``address`` (what the renderer asks for)."""
    r = client.get("/_dash-layout", headers={"Referer": f"http://localhost{address}"})
    assert r.status_code == 200
    return r.get_json()


def find(tree: object, component_id: object) -> dict | None:
    if isinstance(tree, dict):
        if tree.get("props", {}).get("id") == component_id:
            return tree
        values = tree.values()
    elif isinstance(tree, list):
        values = tree
    else:
        return None
    for value in values:
        found = find(value, component_id)
        if found is not None:
            return found
    return None


def value(tree: object, component_id: object, prop: str) -> object:
    found = find(tree, component_id)
    assert found is not None, component_id
    return found["props"].get(prop)


def view(tree: object, chart_id: str) -> object:
    return value(tree, ids.chart_pattern(chart_id, "view"), "data")


def card_inputs(tree: object, inputs: list) -> tuple[list[dict], list[dict]]:
    """A card callback's inputs and states as the browser sends them for the layout ``tree``."""
    sent = {"inputs": [], "state": []}
    for dep in inputs:
        part = "state" if isinstance(dep, State) else "inputs"
        sent[part].append(
            {
                "id": dep.component_id,
                "property": dep.component_property,
                "value": value(tree, dep.component_id, dep.component_property),
            }
        )
    return sent["inputs"], sent["state"]


def outputs_of(outputs: list) -> list[tuple[object, str]]:
    return [(o.component_id, o.component_property) for o in outputs]


@pytest.fixture(scope="module")
def layout(client) -> object:
    return opened_at(client, f"/area/{BLACKPOOL}?period=2018-19_Q1&ci=99.8")


def test_a_profile_opened_at_its_address_comes_with_every_card_as_its_callback_draws_it(
    client, layout
):
    for outputs, deps, _function in CARDS:
        inputs, state = card_inputs(layout, deps)
        state[0]["value"] = None  # a card not drawn yet
        answer = post_callback(client, outputs_of(outputs), inputs, state)
        for cid, prop in outputs_of(outputs):
            assert value(layout, cid, prop) == answer[component_key(cid)][prop], (cid, prop)
    heading = value(layout, ids.chart(ids.AREA_SPINE_CHART, "heading"), "children")
    assert heading == "Key indicators for Blackpool against the programme, 2018-19 Q1"
    assert view(layout, ids.AREA_SPINE_CHART)["code"] == BLACKPOOL
    assert view(layout, ids.AREA_REACH_CHART)["ci"] == "99.8"


def test_a_card_callback_answers_nothing_for_the_view_its_card_shows(client, layout):
    """(A card with nothing to draw keeps no view key: its callback draws its message again.)"""
    for outputs, deps, _function in CARDS:
        inputs, state = card_inputs(layout, deps)
        chart_id = state[0]["id"]["chart"]
        shown = view(layout, chart_id)
        assert shown is not None, chart_id
        state[0]["value"] = shown
        r = send_callback(client, outputs_of(outputs), inputs, state)
        assert r.status_code == 204, (chart_id, r.status_code)


def test_a_card_callback_draws_any_other_view(client, layout):
    outputs, deps, _function = CARDS[0]  # the spine
    inputs, state = card_inputs(layout, deps)
    state[0]["value"] = view(layout, ids.AREA_SPINE_CHART)
    for i in inputs:
        if i["id"] == ids.AREA_PERIOD:
            i["value"] = "2017-18_Q3"  # another period than the card shows
    answer = post_callback(client, outputs_of(outputs), inputs, state)
    heading = answer[ids.chart(ids.AREA_SPINE_CHART, "heading")]["children"]
    assert heading.endswith("2017-18 Q3")
    forged = {**view(layout, ids.AREA_SPINE_CHART), "code": "E99999999"}  # not the card's view
    inputs, state = card_inputs(layout, deps)
    r = send_callback(
        client, outputs_of(outputs), inputs, [card_view(ids.AREA_SPINE_CHART, forged)]
    )
    assert r.status_code == 200


def test_a_profile_reached_through_the_router_leaves_its_cards_to_the_callbacks(client, layout):
    content = route(client, f"/area/{BLACKPOOL}", "?period=2018-19_Q1&ci=99.8")[ids.PAGE_CONTENT]
    assert "Blackpool" in str(value(layout, ids.chart(ids.AREA_SPINE_CHART, "heading"), "children"))
    for _outputs, deps, _function in CARDS:
        chart_id = deps[-1].component_id["chart"]
        assert view(content, chart_id) is None
        assert "Blackpool" not in str(value(content, ids.chart(chart_id, "heading"), "children"))


def test_an_unknown_area_opened_at_its_address_has_no_card_drawn(client):
    layout = opened_at(client, "/area/E99999999")
    assert "Area not found" in str(value(layout, ids.AREA_HEADING, "children"))
    for _outputs, deps, _function in CARDS:
        assert view(layout, deps[-1].component_id["chart"]) is None
