"""The area profile (/area/<gss_code>) through Flask's test client, and its pure shaping."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest
from support.dash_client import post_callback, registered_output, route, send_callback
from support.page_dbs import BLACKPOOL, GATESHEAD, MANCHESTER, REFERENCE, build_area_db
from support.text import texts

from dashboard import area_data as ad
from dashboard import ids, urlstate
from dashboard.app import PAGES, create_app
from dashboard.callbacks import area as cb
from dashboard.callbacks import match_page
from dashboard.layouts import area as page
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import LOWER


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return build_area_db(tmp_path_factory.mktemp("area") / "lfo.db")


@pytest.fixture(scope="module")
def app(db_url):
    return create_app(DashboardSettings(database_url=db_url))


@pytest.fixture(scope="module")
def client(app):
    return app.server.test_client()


def frame(client, code: str | None, search: str = "") -> dict:
    return post_callback(
        client,
        cb.frame_outputs(),
        [{"id": ids.AREA_STATE, "property": "data", "value": {"code": code, "search": search}}],
    )


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
    assert "Area profile" in content[ids.PAGE_TITLE]["data"]
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
    ticked = [
        c
        for g in out[ids.AREA_COMPARE_GROUPS]["children"]
        for c in g["props"]["children"][1]["props"]["value"]
    ]
    assert ticked == [GATESHEAD]


def test_comparison_checkboxes_are_grouped_by_region_without_the_area_itself(client):
    out = frame(client, BLACKPOOL)
    groups = out[ids.AREA_COMPARE_GROUPS]["children"]
    regions = [g["props"]["children"][0]["props"]["children"] for g in groups]
    assert regions == sorted({r["region"] for r in REFERENCE.values()})
    codes = [o["value"] for g in groups for o in g["props"]["children"][1]["props"]["options"]]
    assert BLACKPOOL not in codes and len(codes) == len(REFERENCE) - 1


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
    return frame(client, BLACKPOOL)[ids.AREA_AREAS]["data"]


def _compare_input(store: dict, ticked: list[str]) -> list[dict]:
    regions = list(
        dict.fromkeys(a["region"] for a in store["areas"] if a["area_code"] != store["code"])
    )
    return [
        {
            "id": ids.area_compare(r),
            "property": "value",
            "value": [
                a["area_code"]
                for a in store["areas"]
                if a["region"] == r and a["area_code"] in ticked
            ],
        }
        for r in regions
    ]


def test_spine_callback_answers_with_title_summary_and_every_indicator(client, store):
    out = post_callback(
        client,
        [(ids.AREA_DATA_MESSAGES, "children"), *cb.card_and_height(ids.AREA_SPINE_CHART)],
        [
            _compare_input(store, [GATESHEAD]),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q1"},
            {"id": ids.AREA_AREAS, "property": "data", "value": store},
        ],
    )
    heading = out[ids.chart(ids.AREA_SPINE_CHART, "heading")]["children"]
    assert heading == "Key indicators for Blackpool against the programme, 2018-19 Q1"
    summary = out[ids.chart(ids.AREA_SPINE_CHART, "summary")]["children"]
    assert summary.startswith("Of 19 indicators for Blackpool in 2018-19 Q1")
    table = out[ids.chart(ids.AREA_SPINE_CHART, "table")]["children"]
    hrefs = links(table)
    assert hrefs == [f"/definitions#{i}" for i in ad.SPINE_INDICATORS]
    assert "Gateshead" in texts(table)


def test_trend_callback_draws_area_comparison_and_programme(client, store):
    out = post_callback(
        client,
        cb.card_and_height(ids.AREA_TREND_CHART),
        [
            _compare_input(store, [GATESHEAD]),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "latest"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.completion"},
            {"id": ids.AREA_AREAS, "property": "data", "value": store},
        ],
    )
    figure = out[ids.chart(ids.AREA_TREND_CHART, "graph")]["figure"]
    assert [t["name"] for t in figure["data"]] == [
        "Blackpool",
        "Gateshead",
        "Programme (all areas)",
    ]
    summary = out[ids.chart(ids.AREA_TREND_CHART, "summary")]["children"]
    # completion in 2018-19 Q1: Blackpool 30 of 40 (75%), programme 62 of 100 (62%)
    assert "Completion in Blackpool in 2018-19 Q1 was 75%" in summary
    assert "the programme's 62%" in summary


def test_funnel_reach_and_quality_callbacks_answer(client, store):
    period = {"id": ids.AREA_PERIOD, "property": "value", "value": "2017-18"}
    areas = {"id": ids.AREA_AREAS, "property": "data", "value": store}
    funnel = post_callback(client, cb.card_and_height(ids.AREA_FUNNEL_CHART), [period, areas])
    assert (
        "Referral to completion in Blackpool"
        in funnel[ids.chart(ids.AREA_FUNNEL_CHART, "heading")]["children"]
    )
    reach = post_callback(
        client,
        cb.card_and_height(ids.AREA_REACH_CHART),
        [period, {"id": ids.AREA_BREAKDOWN, "property": "value", "value": "sex"}, areas],
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
        [(ids.AREA_DATA_MESSAGES, "children"), *cb.card_and_height(ids.AREA_SPINE_CHART)],
        [
            _compare_input(store, []),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2030-31_Q1"},
            {"id": ids.AREA_AREAS, "property": "data", "value": store},
        ],
    )
    assert "There are no figures for 2030-31 Q1" in texts(out[ids.AREA_DATA_MESSAGES]["children"])


def test_choices_are_written_to_the_address(app, client, store):
    key = registered_output(client, "url.search", listening_to=ids.AREA_INDICATOR)
    out = post_callback(
        client,
        [(ids.URL, "search")],
        [
            _compare_input(store, [GATESHEAD, MANCHESTER]),
            {"id": ids.AREA_PERIOD, "property": "value", "value": "2018-19_Q4"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.start"},
            {"id": ids.AREA_BREAKDOWN, "property": "value", "value": "sex"},
        ],
        [
            {"id": ids.URL, "property": "search", "value": ""},
            {"id": ids.AREA_AREAS, "property": "data", "value": store},
        ],
        output=key,
    )
    assert out[ids.URL]["search"] == (
        f"?compare={GATESHEAD},{MANCHESTER}&period=2018-19_Q4&indicator=uptake.start"
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
                "value": f"?compare={GATESHEAD},{MANCHESTER}&indicator=uptake.start",
            },
            {"id": ids.AREA_AREAS, "property": "data", "value": store},
        ],
        output=key,
    )
    assert out[ids.URL]["pathname"] == f"/area/{GATESHEAD}"
    assert out[ids.URL]["search"] == f"?compare={MANCHESTER}&indicator=uptake.start"


# --- routing and pure shaping --------------------------------------------------------------------


def test_router_passes_the_code_only_to_pages_that_take_one():
    area_page, code = match_page(f"/area/{BLACKPOOL}", PAGES)
    assert area_page is not None and area_page.path == "/area" and code == BLACKPOOL
    assert match_page("/area", PAGES)[0].path == "/area"
    assert match_page("/reach/E06000009", PAGES) == (None, None)
    assert match_page("/area/a/b", PAGES) == (None, None)


def test_address_round_trips_and_keeps_commas_readable():
    query = page.query_for([GATESHEAD, BLACKPOOL], "2018-19", "uptake.start", "ethnicity")
    assert query == (
        f"?compare={GATESHEAD},{BLACKPOOL}&period=2018-19&indicator=uptake.start"
        "&breakdown=ethnicity"
    )
    state = urlstate.parse_query(query, page.PARAMS)
    assert state.ok
    assert page.control_values(state) == (
        (GATESHEAD, BLACKPOOL),
        "2018-19",
        "uptake.start",
        "ethnicity",
    )
    assert page.query_for([], "latest", "uptake.completion", "sex") == ""


def _areas() -> pd.DataFrame:
    return pd.DataFrame(
        [
            {
                "area_code": c,
                "area_name": r["name"],
                "region": r["region"],
                "imd_rank": int(r["imd_rank"]),
            }
            for c, r in REFERENCE.items()
        ]
    )


def test_quick_picks_find_the_same_region_and_similar_deprivation():
    areas = _areas()
    # North West: Manchester, Blackpool, Blackburn with Darwen; IMD ranks 6, 1, 8
    assert sorted(ad.same_region(areas, BLACKPOOL)) == ["E06000008", MANCHESTER]
    assert sorted(ad.similar_deprivation(areas, BLACKPOOL)) == ["E06000008", MANCHESTER]
    # Luton (54): Gateshead 36 and Lambeth 62 are within 20; Newcastle 32 and Croydon 75 not
    assert sorted(ad.similar_deprivation(areas, "E06000032")) == [GATESHEAD, "E09000022"]


def _rows(
    values: dict[str, float | None], indicator: str = "uptake.completion", programme: float = 50.0
) -> pd.DataFrame:
    rows = [
        {
            "indicator": indicator,
            "area_code": c,
            "area_name": c,
            "period": "2018-19_Q4",
            "value": v,
            "lower": None if v is None else v - 5,
            "upper": None if v is None else v + 5,
            "status": "c" if v is None else None,
            "comparison": None,
            "trend": None,
            "trend_judgement": None,
        }
        for c, v in values.items()
    ]
    rows.append(
        {
            "indicator": indicator,
            "area_code": "programme",
            "area_name": "Programme",
            "period": "2018-19_Q4",
            "value": programme,
            "status": None,
        }
    )
    return pd.DataFrame(rows)


def test_spine_range_leaves_out_suppressed_areas_and_the_programme():
    rows = _rows({"A": 10.0, "B": 20.0, "C": 30.0, "D": 40.0, "E": 50.0, "S": None})
    frame = ad.spine_frame(rows, "B", ["S"])
    row = frame.iloc[0]
    assert (row["min"], row["q25"], row["q75"], row["max"]) == (10.0, 20.0, 40.0, 50.0)
    assert row["n_areas"] == 5 and row["programme"] == 50.0 and row["value"] == 20.0
    assert row["status:S"] == "c" and row["value:S"] is None


def test_spine_puts_the_programme_at_the_centre_and_better_to_the_right():
    rows = _rows({"A": 10.0, "B": 30.0, "C": 40.0}, programme=30.0)
    frame = ad.spine_frame(rows, "B")  # B's interval is 25 to 35, inside the range 10 to 40
    pos = ad.spine_positions(frame, ["min", "max", "programme", "value"]).iloc[0]
    assert (pos["programme"], pos["min"], pos["max"]) == (0.0, -1.0, 0.5)
    alone = ad.spine_frame(_rows({"A": 28.0, "S": None}, programme=30.0), "A")
    # the only figure is A's (23 to 33): the scale is set by its interval, not the range
    assert ad.spine_positions(alone, ["value"])["value"].iloc[0] == pytest.approx(-2 / 7)
    lower = _rows(
        {"A": 10.0, "B": 30.0, "C": 40.0}, indicator="uptake.days_to_start", programme=30.0
    )
    frame = ad.spine_frame(lower, "A")
    assert frame["polarity"].iloc[0] == LOWER
    # A is 10 (5 to 15) against 30: the farthest end is 25 away, and lower is better
    assert ad.spine_positions(frame, ["value"])["value"].iloc[0] == pytest.approx(0.8)


def test_spine_figure_marks_the_area_by_its_comparison_in_words():
    rows = _rows({"A": 10.0, "B": 30.0, "C": 40.0}, programme=30.0)
    rows["comparison"] = rows["comparison"].astype(object)
    rows.loc[rows["area_code"] == "A", "comparison"] = "worse"
    frame = ad.spine_frame(rows, "A", ["C"])
    fig = go.Figure(ad.spine_figure(frame, "Area A", {"C": "Area C"}))  # validates the dict
    names = [t.name for t in fig.data]
    assert "Area A: worse" in names and "Area C" in names
    assert "Programme (centre)" in names
    texts = [a.text for a in fig.layout.annotations]
    assert "10%" in texts and "30%" in texts


def test_funnel_groups_keep_the_most_offered_interventions_and_name_the_rest():
    def funnel(offered: float | None, status: str | None = None) -> pd.DataFrame:
        return pd.DataFrame(
            [
                {"area_code": "A", "category": "referred", "numerator": 100.0, "status": None},
                {"area_code": "A", "category": "offered", "numerator": offered, "status": status},
            ]
        )

    groups = {
        "all": funnel(90.0),
        "mybt": funnel(40.0),
        "fcu": funnel(30.0),
        "wmr": funnel(20.0),
        "pap": funnel(15.0),
        "tp_ft": funnel(12.0),
        "girfc": funnel(None, "c"),
        "tp_enhanced": funnel(0.0),
    }
    rows, left_out = ad.funnel_groups(groups, "A", most=4)
    assert list(dict.fromkeys(rows["area_code"])) == ["all", "mybt", "fcu", "wmr", "pap"]
    assert rows["area_name"].iloc[0] == "All interventions"
    assert left_out == ["Getting it Right for Children", "Triple P Family Transitions"]


def test_description_counts_comparisons_and_suppressed_indicators():
    frame = pd.DataFrame(
        [
            {
                "indicator": "a",
                "name": "Completion",
                "status": None,
                "value": 40.0,
                "comparison": "worse",
                "kind": "proportion",
                "trend_judgement": "getting worse",
            },
            {
                "indicator": "b",
                "name": "Offers taken up",
                "status": None,
                "value": 80.0,
                "comparison": "similar",
                "kind": "proportion",
                "trend_judgement": None,
            },
            {
                "indicator": "c",
                "name": "Recovery",
                "status": "c",
                "value": None,
                "comparison": None,
                "kind": "proportion",
                "trend_judgement": None,
            },
        ]
    )
    text = ad.describe_spine(frame, "Blackpool", "2018-19_Q4")
    assert text.startswith(
        "Of 3 indicators for Blackpool in 2018-19 Q4, 1 was worse than the "
        "programme (Completion), 1 similar (Offers taken up)."
    )
    assert "1 figure is suppressed ([c]): Recovery." in text
    assert "Getting worse over the last five quarters: Completion." in text


def test_trend_choices_are_the_spine_indicators_defined_for_quarters():
    assert "reach.family_rate" not in ad.TREND_INDICATORS
    assert set(ad.TREND_INDICATORS) < set(ad.SPINE_INDICATORS)
    assert np.all([i in ad.SHORT_NAMES for i in ad.SPINE_INDICATORS])


def test_quick_pick_ticks_the_areas_of_similar_deprivation(app, client, store):
    key = next(k for k in app.callback_map if "area-compare" in k and "area-period.value" in k)
    regions = list(
        dict.fromkeys(a["region"] for a in store["areas"] if a["area_code"] != BLACKPOOL)
    )
    group_ids = [ids.area_compare(r) for r in regions]
    r = send_callback(
        client,
        [
            [(g, "value") for g in group_ids],
            (ids.AREA_PERIOD, "value"),
            (ids.AREA_INDICATOR, "value"),
            (ids.AREA_BREAKDOWN, "value"),
            (ids.AREA_MESSAGES, "children"),
        ],
        [
            {"id": ids.URL, "property": "search", "value": ""},
            {"id": ids.AREA_PICK_REGION, "property": "n_clicks", "value": 0},
            {"id": ids.AREA_PICK_IMD, "property": "n_clicks", "value": 1},
            {"id": ids.AREA_PICK_CLEAR, "property": "n_clicks", "value": 0},
        ],
        [
            [{"id": g, "property": "value", "value": []} for g in group_ids],
            {"id": ids.AREA_PERIOD, "property": "value", "value": "latest"},
            {"id": ids.AREA_INDICATOR, "property": "value", "value": "uptake.completion"},
            {"id": ids.AREA_BREAKDOWN, "property": "value", "value": "sex"},
            {"id": ids.AREA_AREAS, "property": "data", "value": store},
        ],
        changed=[f"{ids.AREA_PICK_IMD}.n_clicks"],
        output=key,
    )
    assert r.status_code == 200, r.data[:500]
    response = r.get_json()["response"]
    ticked = {json.loads(k)["region"]: v["value"] for k, v in response.items() if k.startswith("{")}
    # Blackpool's IMD rank is 1: Manchester (6) and Blackburn with Darwen (8) are within 20
    assert ticked["North West"] == ["E06000008", MANCHESTER]
    assert all(v == [] for r, v in ticked.items() if r != "North West")
