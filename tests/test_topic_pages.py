"""The Reach, Uptake and Outcomes pages through Flask's test client: every page answers, the
controls follow the address (bad values give a message, never an error), every callback answers
for representative filters (every measure, a level, an intervention), and the charts show the
figures worked out by hand from the database of ``support.page_dbs.build_topic_db``.
"""

from __future__ import annotations

import base64

import numpy as np
import pytest
from support.dash_client import (
    component_key,
    opened_twin,
    post_callback,
    route,
    topic_control_outputs,
)
from support.page_dbs import BLACKPOOL, NEWCASTLE, Q_ENDED, Q_REFERRED, build_topic_db
from support.text import count_h1, texts

from dashboard import ids
from dashboard.app import create_app
from dashboard.charts.card import card_outputs
from dashboard.layouts import outcomes, reach, uptake
from dashboard.present.topic_filters import Topic, characteristic_label, group_choices
from dashboard.present.topic_rows import EMPTY_MESSAGE
from dashboard.settings import DashboardSettings
from lfo.reference import load_reference

TOPICS = {"reach": reach.TOPIC, "uptake": uptake.TOPIC, "outcomes": outcomes.TOPIC}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = build_topic_db(tmp_path_factory.mktemp("topic") / "topic.db")
    app = create_app(DashboardSettings(database_url=url))
    c = app.server.test_client()
    return c


def get(response: dict, cid: object, prop: str, default: object = "absent") -> object:
    return response.get(component_key(cid), {}).get(prop, default)


def controls(
    client, topic: Topic, search: str = "", ticked: dict[str, list[str]] | None = None
) -> dict:
    p = topic.part
    outputs = topic_control_outputs(topic)
    held = None if ticked is None else [c for codes in ticked.values() for c in codes]
    ticked_inputs = {"id": p("areas"), "property": "data", "value": held}
    return post_callback(
        client,
        outputs,
        [
            {"id": p("state"), "property": "data", "value": {"search": search}},
            {"id": p("nav"), "property": "data", "value": {"search": search}},
        ],
        [{"id": ids.URL, "property": "search", "value": search}, ticked_inputs],
    )


def chart_ids(topic: Topic) -> list[str]:
    extra = {
        "reach": ["breakdown", "groups"],
        "uptake": ["stages"],
        "outcomes": ["change", "mean"],
    }[topic.key]
    return [topic.chart(c) for c in ("trend", "caterpillar", "funnel", *extra)]


def draw(
    client,
    topic: Topic,
    *,
    indicator: str | None = None,
    areas: dict[str, list[str]] | None = None,
    start: str = "2016-17_Q1",
    end: str = "2018-19_Q4",
    period: str = Q_ENDED,
    ci: str = "95",
    group: str = "all",
    measure: str = "csi4",
    char: str = "sex",
    search: str = "",
    trend: str = "quarterly",
    benchmark: str = "programme",
) -> dict:
    """The charts callback for the filters given; ``areas`` maps region -> ticked codes."""
    p = topic.part
    outputs = [
        (ids.URL, "search"),
        (p("written"), "data"),
        (p("links"), "children"),
        (p("summary"), "children"),
        (p("not-shown"), "children"),
    ]
    outputs += [(ids.chart(cid, "section"), "hidden") for cid in chart_ids(topic)]
    for cid in chart_ids(topic):
        outputs += [(o.component_id, o.component_property) for o in card_outputs(cid)]
    area_inputs = {
        "id": p("areas"),
        "property": "data",
        "value": [c for codes in (areas or {}).values() for c in codes],
    }
    inputs = [
        {"id": p("indicator"), "property": "value", "value": indicator or topic.default_indicator},
        area_inputs,
        {"id": p("from"), "property": "value", "value": start},
        {"id": p("to"), "property": "value", "value": end},
        {"id": p("period"), "property": "value", "value": period},
        {"id": p("ci"), "property": "value", "value": ci},
    ]
    values = {"group": group, "measure": measure, "char": char, "benchmark": benchmark}
    for name, on in (
        ("group", topic.by_group),
        ("measure", topic.by_measure),
        ("char", topic.by_characteristic),
        ("benchmark", True),
    ):
        if on:
            inputs.append({"id": p(name), "property": "value", "value": values[name]})
    inputs.append({"id": p("trend-by"), "property": "value", "value": trend})
    return post_callback(
        client, outputs, inputs, [{"id": ids.URL, "property": "search", "value": search}]
    )


def card(response: dict, chart_id: str, client=None) -> dict[str, object]:
    """The card's parts as the page's callback sent them; with ``client``, its table twin too
    (``"table"``: the text of the table the server builds when the reader opens it; a chart
    with nothing to draw has no view key, so no table)."""
    c = ids.chart
    view = get(response, ids.chart_pattern(chart_id, "view"), "data")
    opened = {}
    if client is not None:
        opened["table"] = texts(opened_twin(client, chart_id, view)) if view is not None else ""
    return {
        **opened,
        "title": get(response, c(chart_id, "heading"), "children"),
        "subtitle": get(response, c(chart_id, "subtitle"), "children"),
        "figure": get(response, c(chart_id, "graph"), "figure"),
        "summary": get(response, c(chart_id, "summary"), "children"),
        "notes": texts(get(response, c(chart_id, "notes"), "children")),
        "hidden": get(response, c(chart_id, "content"), "hidden"),
        "empty": get(response, c(chart_id, "empty"), "children"),
        "view": get(response, ids.chart_pattern(chart_id, "view"), "data"),
        "section_hidden": get(response, ids.chart(chart_id, "section"), "hidden"),
    }


def arr(value: object) -> list:
    """A figure array as a list (plotly sends numbers as base64 typed arrays)."""
    if isinstance(value, dict) and "bdata" in value:
        return np.frombuffer(base64.b64decode(value["bdata"]), dtype=value["dtype"]).tolist()
    return list(value or [])


def trace_values(figure: dict, axis: str = "x") -> list[float]:
    return [
        v for t in figure["data"] for v in arr(t.get(axis)) if isinstance(v, int | float) and v == v
    ]


def trace(figure: dict, name: str) -> dict:
    return next(t for t in figure["data"] if t.get("name") == name)


# --- every page ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path,title", [("/reach", "Reach"), ("/uptake", "Uptake"), ("/outcomes", "Outcomes")]
)
def test_each_topic_page_routes_with_one_h1_and_its_title(client, path, title):
    assert client.get(path).status_code == 200
    response = route(client, path)
    content = response[ids.PAGE_CONTENT]["children"]
    assert count_h1(content) == 1
    assert response[ids.PAGE_TITLE]["data"].startswith(f"{title} – ")
    assert "Choose what to show" in texts(content)


def _area_codes(client, topic: Topic) -> list[str]:
    """Every programme area's code (the API's list), after checking the picker suggests each
    area by name."""
    codes = [a["code"] for a in client.get("/api/v1/areas").get_json()["data"]]
    options = get(controls(client, topic), topic.part("area-options"), "children")
    assert len(options) == len(codes)
    return codes


@pytest.mark.parametrize("key", TOPICS)
def test_each_page_answers_with_every_area_ticked(client, key):
    topic = TOPICS[key]
    codes = _area_codes(client, topic)
    assert {NEWCASTLE, BLACKPOOL, "E10000012"} <= set(codes)  # Essex: no return, still listed
    drawn = draw(client, topic, areas={"all": codes})
    search = get(drawn, ids.URL, "search")
    assert all(f"area={code}" in search for code in codes)
    trend = card(drawn, topic.chart("trend"))
    assert trend["summary"] or trend["empty"]


def test_the_uptake_page_answers_for_each_area_alone(client):
    for code in _area_codes(client, uptake.TOPIC):
        drawn = draw(client, uptake.TOPIC, areas={"any": [code]})
        assert get(drawn, ids.URL, "search").endswith(f"area={code}&period={Q_ENDED}")
        assert code in str(get(drawn, uptake.TOPIC.part("links"), "children"))


@pytest.mark.parametrize("key", TOPICS)
def test_controls_default_to_every_quarter_and_the_latest(client, key):
    topic = TOPICS[key]
    response = controls(client, topic)
    p = topic.part
    assert get(response, p("from"), "value") == "2016-17_Q1"
    assert get(response, p("to"), "value") == "2018-19_Q4"
    # every page compares areas over the latest financial year the returns cover (issue 11 § 4):
    # every test return reaches 2018-19 Q4
    assert get(response, p("period"), "value") == "2018-19"
    assert get(response, p("indicator"), "value") == topic.default_indicator
    assert all("_Q" in o["value"] for o in get(response, p("from"), "options"))
    assert "2017-18" in [o["value"] for o in get(response, p("period"), "options")]
    assert get(response, p("messages"), "children") is None


def test_the_picker_suggests_every_area_by_name_and_offers_each_region(client):
    response = controls(client, reach.TOPIC)
    options = [
        o["props"]["value"] for o in get(response, reach.TOPIC.part("area-options"), "children")
    ]
    assert "Newcastle upon Tyne (North East)" in options and "Gateshead (North East)" in options
    assert options == sorted(options)
    regions = [o["value"] for o in get(response, reach.TOPIC.part("region"), "options")]
    assert regions == sorted(regions)
    assert {"North East", "North West", "London"} <= set(regions)


def pick(client, topic: Topic, trigger: str, *, typed=None, chosen=None, region=None, **filters):
    """The picker's callback, as if ``trigger`` (a part of the page, or a Remove button's id)
    was clicked once."""
    p = topic.part
    remove = filters.pop("remove", [])
    clicks = {
        name: 1 if trigger == p(name) else 0
        for name in ("area-add", "quick-none", "quick-worse", "quick-region", "quick-neighbours")
    }
    remove_inputs = [
        {
            "id": ids.topic_area_remove(topic.key, c),
            "property": "n_clicks",
            "value": 1 if trigger == c else 0,
        }
        for c in remove
    ]
    inputs = [
        {"id": p("area-add"), "property": "n_clicks", "value": clicks["area-add"]},
        {"id": p("area-search"), "property": "n_submit", "value": 0},
        *[
            {"id": p(n), "property": "n_clicks", "value": clicks[n]}
            for n in ("quick-none", "quick-worse", "quick-region", "quick-neighbours")
        ],
        remove_inputs,
    ]
    values = {"group": "all", "measure": "csi4", "char": "sex", "benchmark": "programme", **filters}
    state = [
        {"id": p("area-search"), "property": "value", "value": typed},
        {"id": p("areas"), "property": "data", "value": chosen},
        {"id": p("region"), "property": "value", "value": region},
        {"id": p("indicator"), "property": "value", "value": values.get("indicator")},
        {"id": p("period"), "property": "value", "value": values.get("period")},
        {"id": p("ci"), "property": "value", "value": values.get("ci", "95")},
        *[{"id": p(o), "property": "value", "value": values[o]} for o in topic.optional],
    ]
    changed = (
        component_key(ids.topic_area_remove(topic.key, trigger)) if trigger in remove else trigger
    )
    return post_callback(
        client,
        [(p("areas"), "data"), (p("area-search"), "value"), (p("area-status"), "children")],
        inputs,
        state,
        changed=[f"{changed}.n_clicks"],
    )


def test_the_picker_adds_a_typed_name_and_refuses_one_it_does_not_know(client):
    p = uptake.TOPIC.part
    added = pick(client, uptake.TOPIC, p("area-add"), typed="  newcastle upon tyne ", chosen=[])
    assert get(added, p("areas"), "data") == [NEWCASTLE]
    assert get(added, p("area-search"), "value") == ""
    assert get(added, p("area-status"), "children") == "Added Newcastle upon Tyne."
    listed = pick(
        client, uptake.TOPIC, p("area-add"), typed="Blackpool (North West)", chosen=[NEWCASTLE]
    )
    assert get(listed, p("areas"), "data") == [NEWCASTLE, BLACKPOOL]
    unknown = pick(client, uptake.TOPIC, p("area-add"), typed="Atlantis", chosen=[NEWCASTLE])
    assert get(unknown, p("areas"), "data") == "absent"
    assert "No programme area is called ‘Atlantis’" in get(unknown, p("area-status"), "children")


def test_the_picker_removes_an_area_and_its_quick_picks_use_the_servers_lists(client):
    p = uptake.TOPIC.part
    removed = pick(
        client,
        uptake.TOPIC,
        NEWCASTLE,
        chosen=[NEWCASTLE, BLACKPOOL],
        remove=[NEWCASTLE, BLACKPOOL],
    )
    assert get(removed, p("areas"), "data") == [BLACKPOOL]
    region = pick(client, uptake.TOPIC, p("quick-region"), chosen=[BLACKPOOL], region="North East")
    assert get(region, p("areas"), "data") == [BLACKPOOL, "E08000037", NEWCASTLE]  # Gateshead
    made_up = pick(client, uptake.TOPIC, p("quick-region"), chosen=[], region="Atlantis")
    assert get(made_up, p("areas"), "data") == "absent"
    cleared = pick(client, uptake.TOPIC, p("quick-none"), chosen=[BLACKPOOL, "E99999999"])
    assert get(cleared, p("areas"), "data") == []


def test_the_worse_quick_pick_adds_the_areas_the_engine_calls_worse(client):
    # completion in Q_ENDED: Newcastle 40/50, Blackpool 20/40, Manchester 30/40 against the
    # programme's 90/130 (69%): Blackpool's 50% is below it by more than the 95% intervals allow
    p = uptake.TOPIC.part
    worse = pick(
        client,
        uptake.TOPIC,
        p("quick-worse"),
        chosen=[],
        indicator="uptake.completion",
        period=Q_ENDED,
    )
    assert BLACKPOOL in get(worse, p("areas"), "data")
    assert NEWCASTLE not in get(worse, p("areas"), "data")
    assert "95% intervals" in get(worse, p("area-status"), "children")


# --- the address ---------------------------------------------------------------------------------


def test_a_shared_link_sets_every_control(client):
    search = (
        f"?indicator=uptake.start&area={NEWCASTLE}&area={BLACKPOOL}&from=2017-18_Q1"
        f"&to=2018-19_Q2&period={Q_ENDED}&ci=99.8&group=level:targeted"
    )
    response = controls(client, uptake.TOPIC, search)
    p = uptake.TOPIC.part
    assert get(response, p("indicator"), "value") == "uptake.start"
    assert get(response, p("from"), "value") == "2017-18_Q1"
    assert get(response, p("to"), "value") == "2018-19_Q2"
    assert get(response, p("period"), "value") == Q_ENDED
    assert get(response, p("ci"), "value") == "99.8"
    assert get(response, p("group"), "value") == "level:targeted"
    assert get(response, p("areas"), "data") == [NEWCASTLE, BLACKPOOL]
    assert get(response, p("messages"), "children") is None


@pytest.mark.parametrize(
    "search,words",
    [
        ("?indicator=nope", "Ignored indicator='nope'"),
        ("?area=E99999999", "There is no programme area E99999999"),
        ("?area=banana", "Ignored area='banana'"),
        ("?period=2030-31_Q1", "There are no figures for 2030-31 Q1 yet"),
        ("?from=2030-31_Q1", "There are no figures for 2030-31 Q1 yet"),
        ("?from=2018-19_Q2&to=2017-18_Q1", "they were swapped"),
        ("?ci=50", "Ignored ci='50'"),
        ("?group=bogus", "Ignored group='bogus'"),
        ("?measure=xyz", "Ignored measure='xyz'"),
        ("?colour=red", "Ignored the unknown setting 'colour'"),
    ],
)
def test_bad_address_values_give_a_message_not_an_error(client, search, words):
    response = controls(client, outcomes.TOPIC, search)
    assert words in texts(get(response, outcomes.TOPIC.part("messages"), "children"))
    routed = route(client, "/outcomes", search)  # the page itself still renders
    assert count_h1(routed[ids.PAGE_CONTENT]["children"]) == 1
    assert client.get(f"/outcomes{search}").status_code == 200


def test_bad_values_in_the_first_html_show_the_banner(client):
    routed = route(client, "/reach", "?char=shoe-size")
    assert "Ignored char='shoe-size'" in texts(routed[ids.PAGE_CONTENT]["children"])


def test_charts_write_the_filters_to_the_address_leaving_out_defaults(client):
    drawn = draw(
        client,
        uptake.TOPIC,
        indicator="uptake.start",
        areas={"x": [NEWCASTLE]},
        group="level:targeted",
        ci="99.8",
    )
    search = get(drawn, ids.URL, "search")
    assert search.startswith("?")
    got = dict(p.split("=") for p in search[1:].split("&"))
    assert got == {
        "indicator": "uptake.start",
        "area": NEWCASTLE,
        "period": Q_ENDED,
        "ci": "99.8",
        "group": "level%3Atargeted",
    }
    again = draw(
        client,
        uptake.TOPIC,
        indicator="uptake.start",
        areas={"x": [NEWCASTLE]},
        group="level:targeted",
        ci="99.8",
        search=search,
    )
    assert get(again, ids.URL, "search") == "absent"  # unchanged: not written again
    assert get(drawn, uptake.TOPIC.part("written"), "data") == search
    assert get(again, uptake.TOPIC.part("written"), "data") == search


def test_back_to_the_same_areas_leaves_the_chosen_areas_alone(client):
    search = f"?area={NEWCASTLE}&period={Q_ENDED}"
    same = controls(client, uptake.TOPIC, search, ticked={"North East": [NEWCASTLE]})
    assert get(same, uptake.TOPIC.part("areas"), "data") == "absent"  # not set again
    assert get(same, uptake.TOPIC.part("period"), "value") == Q_ENDED
    moved = controls(client, uptake.TOPIC, search, ticked={"North West": [BLACKPOOL]})
    assert get(moved, uptake.TOPIC.part("areas"), "data") == [NEWCASTLE]


# --- the charts ----------------------------------------------------------------------------------


def test_uptake_completion_charts_show_the_hand_worked_figures(client):
    drawn = draw(
        client, uptake.TOPIC, indicator="uptake.completion", areas={"North East": [NEWCASTLE]}
    )
    cat = card(drawn, uptake.TOPIC.chart("caterpillar"), client)
    assert cat["hidden"] is False
    # completion = completed / ended: Newcastle 40/50, Blackpool 20/40, Manchester 30/40
    assert sorted(round(v, 6) for v in trace_values(cat["figure"]))[-3:] == [50.0, 75.0, 80.0]
    assert "80%" in cat["table"] and "50%" in cat["table"] and "[c]" in cat["table"]
    assert "Gateshead" in cat["notes"] and "Dorset" in cat["notes"]  # suppressed, named
    assert "Of 3 areas with a figure" in cat["summary"] or "of 3 areas" in cat["summary"]
    funnel = card(drawn, uptake.TOPIC.chart("funnel"))
    assert funnel["hidden"] is False
    names = " ".join(str(t.get("text")) for t in funnel["figure"]["data"])
    assert "Blackpool" in names and "Gateshead" not in names
    assert "99.8% limits" in [t.get("name") for t in funnel["figure"]["data"]]
    trend = card(drawn, uptake.TOPIC.chart("trend"))
    assert "Newcastle upon Tyne" in trend["summary"] and "80%" in trend["summary"]
    # the card keeps only the codes it was drawn for (its downloads are built from them)
    assert trend["view"]["indicator"] == "uptake.completion"
    assert set(trend["view"]) == {
        "indicator",
        "areas",
        "from",
        "to",
        "trend_by",
        "period",
        "ci",
        "group",
        "measure",
        "char",
        "benchmark",
    }


def test_the_stage_funnel_counts_each_stage(client):
    drawn = draw(client, uptake.TOPIC, areas={"North East": [NEWCASTLE]}, period=Q_REFERRED)
    stages = card(drawn, uptake.TOPIC.chart("stages"))
    assert stages["hidden"] is False
    # Newcastle: 50 referred, offered and started; 40 completed (80% of started)
    assert (
        "Newcastle upon Tyne: 50 referred, 50 offered (100% of referred), 50 started "
        "(100% of offered), 40 completed (80% of started); " in stages["summary"]
    )
    assert arr(trace(stages["figure"], "Newcastle upon Tyne")["x"]) == [50, 50, 50, 40]
    # the programme (pooled over every area) is described, not drawn beside the area
    assert [t["name"] for t in stages["figure"]["data"]] == ["Newcastle upon Tyne"]
    assert "the programme: 153 referred" in stages["summary"]  # 50 + 40 + 40 + 4 + 4 + 15
    alone = card(draw(client, uptake.TOPIC, period=Q_REFERRED), uptake.TOPIC.chart("stages"))
    # completed: 40 + 20 + 30 + 4 + 4 + 12
    assert arr(trace(alone["figure"], "Programme (all areas)")["x"]) == [153, 153, 153, 110]


def test_a_level_filter_keeps_its_interventions_and_empties_the_others(client):
    targeted = draw(client, uptake.TOPIC, group="level:targeted")  # tp_enhanced is targeted
    assert 80.0 in [
        round(v, 6)
        for v in trace_values(card(targeted, uptake.TOPIC.chart("caterpillar"))["figure"])
    ]
    universal = draw(client, uptake.TOPIC, group="level:universal")
    cat = card(universal, uptake.TOPIC.chart("caterpillar"))
    assert cat["hidden"] is True
    assert cat["empty"] == EMPTY_MESSAGE
    # no empty panels: the cards with nothing to draw are not shown, one line each says why
    assert cat["section_hidden"] is True
    assert card(universal, uptake.TOPIC.chart("stages"))["section_hidden"] is True
    lines = texts(get(universal, uptake.TOPIC.part("not-shown"), "children"))
    assert "The areas ranked is not shown: no area has data for these filters" in lines
    assert "Referral to completion is not shown" in lines
    intervention = draw(client, uptake.TOPIC, group="tp_enhanced")
    assert card(intervention, uptake.TOPIC.chart("caterpillar"))["hidden"] is False


def test_an_indicator_not_by_intervention_says_so_under_a_group_filter(client):
    drawn = draw(client, uptake.TOPIC, indicator="uptake.both_parents", group="tp_enhanced")
    assert (
        "not broken down by intervention" in card(drawn, uptake.TOPIC.chart("caterpillar"))["empty"]
    )


def test_no_data_in_the_period_gives_the_friendly_empty_state(client):
    drawn = draw(client, uptake.TOPIC, period="2018-19_Q4")  # nothing ended then
    for name in ("caterpillar", "funnel"):
        c = card(drawn, uptake.TOPIC.chart(name))
        assert c["hidden"] is True and c["empty"] == EMPTY_MESSAGE
        assert c["view"] is None  # nothing to download


def test_the_funnel_plot_is_hidden_with_a_note_for_a_mean(client):
    drawn = draw(client, uptake.TOPIC, indicator="uptake.attendance")
    funnel = card(drawn, uptake.TOPIC.chart("funnel"))
    assert funnel["hidden"] is True
    assert "only for percentages" in funnel["empty"] and "a mean" in funnel["empty"]
    assert card(drawn, uptake.TOPIC.chart("caterpillar"))["hidden"] is False
    assert funnel["section_hidden"] is True  # not an empty grey panel
    assert card(drawn, uptake.TOPIC.chart("caterpillar"))["section_hidden"] is False
    lines = texts(get(drawn, uptake.TOPIC.part("not-shown"), "children"))
    assert lines.startswith("The funnel plot is not shown: a funnel plot is drawn only for")


@pytest.mark.parametrize("measure", list(load_reference().measures))
def test_outcomes_answer_for_every_measure(client, measure):
    drawn = draw(client, outcomes.TOPIC, measure=measure, areas={"x": [NEWCASTLE]})
    change = card(drawn, outcomes.TOPIC.chart("change"), client)
    name = load_reference().measures[measure].name
    assert name in change["title"]
    if measure != "csi4":  # the fixture has csi4 scores only
        assert change["hidden"] is True and change["empty"] == EMPTY_MESSAGE
        return
    # Newcastle: 30 of 40 paired reliably improved (75%), 30 of 40 at caseness recovered,
    # none deteriorated; the programme pools 30+0+30+4+4+12 of 40+20+30+4+4+12 = 80 of 110
    newcastle = arr(trace(change["figure"], "Newcastle upon Tyne")["x"])
    assert [round(v, 6) for v in newcastle] == [75.0, 75.0, 0.0]
    assert "Reliable improvement" in change["table"] and "73%" in change["table"]
    assert "Regression to the mean" in change["notes"]
    mean = card(drawn, outcomes.TOPIC.chart("mean"))
    # mean change: (30 x 6 + 10 x 0) / 40 = 4.5 points
    assert "4.5" in mean["summary"] and "Newcastle upon Tyne" in mean["summary"]
    links = texts(get(drawn, outcomes.TOPIC.part("links"), "children"))
    assert "Reliable deterioration" in links and "area profile" in links


@pytest.mark.parametrize("choice", outcomes.TOPIC.indicators)
def test_outcomes_answer_for_every_indicator(client, choice):
    drawn = draw(client, outcomes.TOPIC, indicator=choice)
    for cid in chart_ids(outcomes.TOPIC):
        c = card(drawn, cid)
        assert c["hidden"] in (True, False)
        assert c["summary"] or c["empty"]


def test_reach_breakdown_and_fathers_come_from_the_engine(client):
    drawn = draw(client, reach.TOPIC, areas={"North East": [NEWCASTLE]}, period=Q_REFERRED)
    groups = card(drawn, reach.TOPIC.chart("groups"))
    # fathers: 15 of Newcastle's 50 parents are male
    assert round(arr(trace(groups["figure"], "Newcastle upon Tyne")["x"])[0], 6) == 30.0
    assert "Newcastle upon Tyne: Fathers reached 30%" in groups["summary"]
    breakdown = card(drawn, reach.TOPIC.chart("breakdown"), client)
    assert "Female" in breakdown["table"] and "Male" in breakdown["table"]
    # Newcastle: 35 of 50 parents female, 15 male; the programme: 15 + 12 (Essex) male of 153,
    # so 126 female (82%)
    assert "Newcastle upon Tyne: Female 70% (lower), Male 30% (higher)" in breakdown["summary"]
    assert "the programme: Female 82%, Male 18%" in breakdown["summary"]
    families = card(
        draw(
            client,
            reach.TOPIC,
            indicator="reach.families",
            areas={"North East": [NEWCASTLE]},
            period=Q_REFERRED,
        ),
        reach.TOPIC.chart("caterpillar"),
    )
    assert 50 in trace_values(families["figure"])  # 50 families referred in Newcastle
    assert not any("Programme" in str(t.get("name")) for t in families["figure"]["data"])
    assert "total of the areas'" in families["notes"]


def test_a_financial_year_only_indicator_asks_for_a_year(client):
    drawn = draw(client, reach.TOPIC, indicator="reach.family_rate", period=Q_REFERRED)
    assert "financial years only" in card(drawn, reach.TOPIC.chart("caterpillar"))["empty"]
    yearly = draw(client, reach.TOPIC, indicator="reach.family_rate", period="2017-18")
    assert card(yearly, reach.TOPIC.chart("caterpillar"))["hidden"] is False


@pytest.mark.parametrize("char", ["age_band", "ethnicity", "workless_household"])
def test_reach_answers_for_other_characteristics(client, char):
    drawn = draw(client, reach.TOPIC, char=char, period=Q_REFERRED)
    breakdown = card(drawn, reach.TOPIC.chart("breakdown"))
    assert characteristic_label(char).lower() in breakdown["title"]
    assert f"char={char}" in get(drawn, ids.URL, "search")


def test_the_stricter_interval_widens_the_limits(client):
    wide = card(draw(client, uptake.TOPIC, ci="99.8"), uptake.TOPIC.chart("caterpillar"))
    narrow = card(draw(client, uptake.TOPIC, ci="95"), uptake.TOPIC.chart("caterpillar"))
    assert "99.8% confidence" in wide["subtitle"] and "95% confidence" in narrow["subtitle"]

    def spans(fig):
        return sorted(
            a
            for t in fig["data"]
            if t.get("error_x")
            for a in arr(t["error_x"].get("array"))
            if a == a
        )

    assert sum(spans(wide["figure"])) > sum(spans(narrow["figure"]))


def test_a_missing_database_gives_messages_not_errors(tmp_path):
    app = create_app(DashboardSettings(database_url=f"sqlite:///{tmp_path / 'none.db'}"))
    c = app.server.test_client()
    response = controls(c, reach.TOPIC)
    assert "could not be read" in texts(get(response, reach.TOPIC.part("messages"), "children"))
    drawn = draw(c, reach.TOPIC)
    assert "could not be read" in str(get(drawn, reach.TOPIC.part("links"), "children"))


def test_a_count_trend_leaves_out_the_programme_total_beside_areas(client):
    drawn = draw(client, reach.TOPIC, indicator="reach.families", areas={"x": [NEWCASTLE]})
    trend = card(drawn, reach.TOPIC.chart("trend"))
    assert [t["name"] for t in trend["figure"]["data"]] == ["Newcastle upon Tyne"]
    assert "untick every area" in trend["notes"]
    alone = card(draw(client, reach.TOPIC, indicator="reach.families"), reach.TOPIC.chart("trend"))
    # 153 families referred in 2017-18 Q1 across the programme (one per participant)
    assert 153 in trace_values(alone["figure"], "y")


def test_the_summary_line_says_what_is_selected_with_the_level(client):
    drawn = draw(client, uptake.TOPIC, areas={"x": [NEWCASTLE]}, ci="99.8", group="tp_enhanced")
    summary = get(drawn, uptake.TOPIC.part("summary"), "children")
    group = dict(group_choices())["tp_enhanced"]
    assert summary == (
        f"Completion · {Q_ENDED[:7]} {Q_ENDED[-2:]} · {group} · 1 area chosen · "
        "99.8% intervals · Programme benchmark · Trend by quarter"
    )
    cat = card(drawn, uptake.TOPIC.chart("caterpillar"))
    assert "the programme at 99.8% confidence" in cat["summary"]


def test_similar_areas_adds_the_first_chosen_areas_statistical_neighbours(client):
    """Blackpool's five nearest areas on deprivation rank and log families (worked out by hand
    in tests/test_benchmarks.py): Blackburn with Darwen, Gateshead, Newcastle, Luton, Lambeth."""
    p = uptake.TOPIC.part
    similar = pick(client, uptake.TOPIC, p("quick-neighbours"), chosen=[BLACKPOOL])
    assert get(similar, p("areas"), "data") == [
        BLACKPOOL,
        "E06000008",  # Blackburn with Darwen
        "E08000037",  # Gateshead
        NEWCASTLE,
        "E06000032",  # Luton
        "E09000022",  # Lambeth
    ]
    assert get(similar, p("area-status"), "children") == "Added areas similar to Blackpool."
    none = pick(client, uptake.TOPIC, p("quick-neighbours"), chosen=[])
    assert get(none, p("areas"), "data") == "absent"
    assert "Choose an area first" in get(none, p("area-status"), "children")


def test_the_trend_by_financial_year_draws_the_engines_year_figures(client):
    """Every episode ended in 2018-19 Q1, so the year 2018-19 is that quarter: Newcastle 40
    completed of 50 ended (80%); the programme 110 of 153 (40 + 20 + 30 + 4 + 4 + 12 completed;
    10 + 20 + 10 + 3 more dropped out). 2016-17 and 2017-18 have no episode ended: 0 of 0."""
    drawn = draw(client, uptake.TOPIC, areas={"x": [NEWCASTLE]}, trend="annual")
    trend = card(drawn, uptake.TOPIC.chart("trend"))
    assert trend["title"] == "Completion by financial year"
    assert "financial years 2016-17 to 2018-19" in trend["subtitle"]
    lines = {t["name"]: t for t in trend["figure"]["data"]}
    assert list(lines["Newcastle upon Tyne"]["x"]) == ["2016-17", "2017-18", "2018-19"]
    newcastle = trace_values({"data": [lines["Newcastle upon Tyne"]]}, "y")
    programme = trace_values({"data": [lines["Programme (all areas)"]]}, "y")
    assert round(newcastle[-1], 6) == 80.0
    assert round(programme[-1], 6) == round(110 / 153 * 100, 6)
    assert trend["summary"].startswith("Completion by financial year, 2016-17 to 2018-19.")
    assert trend["view"]["trend_by"] == "annual"
    assert "Trend by financial year" in get(drawn, uptake.TOPIC.part("summary"), "children")


BLACKPOOL_NEIGHBOURS = "Blackburn with Darwen, Gateshead, Newcastle upon Tyne, Luton and Lambeth"


def test_the_neighbours_benchmark_is_chosen_named_and_suppressed_as_the_spec_says(client):
    """Blackpool's neighbours (worked out by hand in tests/test_benchmarks.py) include Gateshead,
    whose completion in Q_ENDED is suppressed: the group's total would reveal it, so the
    benchmark is [c] with the reason, never a figure."""
    drawn = draw(client, uptake.TOPIC, areas={"x": [BLACKPOOL]}, benchmark="neighbours")
    p = uptake.TOPIC.part
    assert "95% intervals · Statistical neighbours benchmark" in get(
        drawn, p("summary"), "children"
    )
    assert "benchmark=neighbours" in get(drawn, ids.URL, "search")
    cat = card(drawn, uptake.TOPIC.chart("caterpillar"), client)
    assert "compared with their statistical neighbours" in cat["subtitle"]
    assert "their statistical neighbours at 95% confidence" in cat["summary"]
    assert f"Blackpool's statistical neighbours: {BLACKPOOL_NEIGHBOURS}." in cat["notes"]
    assert "Compared with" in cat["table"] and BLACKPOOL_NEIGHBOURS in cat["table"]
    assert "[c] suppressed: a member's figure is suppressed" in cat["table"]
    assert cat["view"]["benchmark"] == "neighbours"
    # the funnel plot's limits stay the programme's: its words compare with the programme
    funnel = card(drawn, uptake.TOPIC.chart("funnel"))
    assert "than the programme" in funnel["summary"] or "to the programme" in funnel["summary"]


def test_the_region_benchmark_pools_the_other_areas_of_the_region(client):
    """Blackpool's region (North West): Blackburn with Darwen (no completion in Q_ENDED) and
    Manchester (30 of 40): 75%. Blackpool's 20 of 40 (50%, 95% interval about 35% to 65%) lies
    wholly below it: worse."""
    drawn = draw(client, uptake.TOPIC, areas={"x": [BLACKPOOL]}, benchmark="region")
    cat = card(drawn, uptake.TOPIC.chart("caterpillar"), client)
    assert "Blackpool's region (North West): Blackburn with Darwen and Manchester." in cat["notes"]
    assert "75%" in cat["table"]
    assert "1 was worse than their regions at 95% confidence (Blackpool)" in cat["summary"]


def test_a_forged_benchmark_falls_back_to_the_programme(client):
    drawn = draw(client, uptake.TOPIC, areas={"x": [BLACKPOOL]}, benchmark="everyone")
    assert "· Programme benchmark" in get(drawn, uptake.TOPIC.part("summary"), "children")
    assert "benchmark=" not in str(get(drawn, ids.URL, "search"))
    shared = controls(client, uptake.TOPIC, "?benchmark=neighbours")
    assert get(shared, uptake.TOPIC.part("benchmark"), "value") == "neighbours"
    forged = controls(client, uptake.TOPIC, "?benchmark=<script>")
    assert get(forged, uptake.TOPIC.part("benchmark"), "value") == "programme"


def test_the_not_shown_lines_are_the_card_kits_words_one_per_empty_chart():
    from dashboard.callbacks.topic import not_shown_lines
    from dashboard.charts.content import empty_content

    drawn = empty_content("")
    assert drawn.empty_message == ""  # a chart that draws: no line
    lines = not_shown_lines(
        ["funnel", "trend", "no-such-chart"],
        [empty_content("Only for percentages."), drawn, empty_content("No data.")],
    )
    assert lines == [
        "The funnel plot is not shown: only for percentages.",
        "A chart is not shown: no data.",
    ]
