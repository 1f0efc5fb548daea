"""The chart card through Flask's test client: its layout, a page callback filling it, the empty
state, the table twin, and the download callback answering for every format."""

from __future__ import annotations

import base64
import csv
import io
import json

import numpy as np
import pandas as pd
import plotly.utils
import pytest
from dash import html
from dash.exceptions import PreventUpdate
from openpyxl import load_workbook
from support.chart_page import (
    CHART,
    CHART_TEST_PAGE,
    COMPLETION,
    MODE,
    TEST_PATH,
    TITLE,
    engine_rows,
    test_content,
)
from support.dash_client import component_key, opened_twin, output_key, prop_key, send_callback
from support.text import texts

from dashboard import ids, theme
from dashboard.app import PAGES, create_app
from dashboard.charts import about as about_module
from dashboard.charts import twin as twin_module
from dashboard.charts.about import about
from dashboard.charts.card import FORMATS, card_outputs, chart_card
from dashboard.charts.content import from_payload, to_payload
from dashboard.charts.downloads import file_name
from dashboard.charts.frame import plotted_table
from dashboard.charts.table import component_json, table_twin
from dashboard.settings import DashboardSettings
from lfo.db import init_db, writer_engine

# --- fixtures and HTTP helpers -------------------------------------------------------------------


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = f"sqlite:///{tmp_path_factory.mktemp('chart-card') / 'lfo.db'}"
    engine = writer_engine(url)
    init_db(engine)
    engine.dispose()
    settings = DashboardSettings(database_url=url)
    return create_app(settings, pages=(*PAGES, CHART_TEST_PAGE)).server.test_client()


def fill(client, mode: str = "full") -> dict:
    outputs = [(o.component_id, o.component_property) for o in card_outputs(CHART)]
    r = send_callback(client, outputs, [{"id": MODE, "property": "data", "value": mode}])
    assert r.status_code == 200
    return r.get_json()["response"]


def as_tree(component) -> dict:
    """A component as the JSON the browser receives."""
    return json.loads(json.dumps(component, cls=plotly.utils.PlotlyJSONEncoder))


def find(tree: object, type_name: str) -> list[dict]:
    found = []
    if isinstance(tree, dict):
        if tree.get("type") == type_name and "props" in tree:
            found.append(tree)
        for v in tree.values():
            found += find(v, type_name)
    elif isinstance(tree, list):
        for v in tree:
            found += find(v, type_name)
    return found


# --- layout --------------------------------------------------------------------------------------


def test_card_is_a_section_labelled_by_its_heading():
    card = as_tree(chart_card(CHART, TITLE))
    props = card["props"]
    assert card["type"] == "Section"
    assert props["aria-labelledby"] == ids.chart(CHART, "heading")
    heading = find(card, "H2")[0]["props"]
    assert (heading["id"], heading["children"]) == (ids.chart(CHART, "heading"), TITLE)


def test_card_heading_level_can_be_chosen_but_never_h1():
    assert find(as_tree(chart_card(CHART, TITLE, heading_level=3)), "H3")
    with pytest.raises(ValueError):
        chart_card(CHART, TITLE, heading_level=1)


def test_card_graph_is_described_by_the_summary_and_uses_the_app_config():
    card = as_tree(chart_card(CHART, TITLE))
    figure = find(card, "Figure")[0]["props"]
    assert figure["aria-describedby"] == ids.chart(CHART, "summary")
    graph = find(card, "Graph")[0]["props"]
    assert graph["config"] == theme.GRAPH_CONFIG
    assert graph["responsive"] is True


def test_card_has_a_table_twin_in_details_and_four_labelled_download_buttons():
    card = as_tree(chart_card(CHART, TITLE))
    assert find(card, "Summary")[0]["props"]["children"] == "Show the data in a table"
    buttons = find(card, "Button")
    assert [texts(b["props"]["children"]) for b in buttons] == [
        f"Download {TITLE} as  {label}" for _, label, _ in FORMATS
    ]
    assert [b["props"]["id"] for b in buttons] == [
        ids.chart_download_button(CHART, fmt) for fmt, _, _ in FORMATS
    ]
    assert find(card, "Download")[0]["props"]["id"] == ids.chart_pattern(CHART, "download")
    assert find(card, "Store")[0]["props"]["id"] == ids.chart_pattern(CHART, "view")


def test_the_chart_and_its_words_sit_in_one_wrapper_the_stylesheets_can_name():
    # assets/site/app.css orders a phone's card by this class: summary, table, chart, the rest
    card = as_tree(chart_card(CHART, TITLE))
    (wrapper,) = [d for d in find(card, "Div") if d["props"].get("className") == "chart-content"]
    assert wrapper["props"]["id"] == ids.chart(CHART, "content")
    classes = [c["props"].get("className") for c in wrapper["props"]["children"]]
    assert {"chart-figure mb-2", "chart-summary", "chart-table-twin mb-2"} <= set(classes)


@pytest.mark.parametrize("bad", ["Has Space", "UPPER", "", "a/b", "1abc"])
def test_chart_ids_are_lower_case_words_with_hyphens(bad):
    with pytest.raises(ValueError):
        chart_card(bad, TITLE)


# --- the test page over HTTP ------------------------------------------------------------------


def test_test_page_is_served(client):
    assert client.get(TEST_PATH).status_code == 200


def test_page_callback_fills_heading_subtitle_summary_and_notes(client):
    out = fill(client)
    assert out[ids.chart(CHART, "heading")]["children"] == "Completion by area, 2018-19 Q4"
    assert out[ids.chart(CHART, "subtitle")]["children"] == (
        "All interventions; 95% confidence intervals"
    )
    assert (
        "1 was worse than the programme at 95% confidence (Blackpool)"
        in out[ids.chart(CHART, "summary")]["children"]
    )
    assert "Westminster" in texts(out[ids.chart(CHART, "notes")]["children"])
    assert "Data as at 15 April 2019" in out[ids.chart(CHART, "meta")]["children"]
    assert out[ids.chart(CHART, "content")]["hidden"] is False
    assert out[ids.chart(CHART, "empty")]["hidden"] is True


def test_card_has_a_place_for_about_this_indicator_after_the_summary():
    card = as_tree(chart_card(CHART, TITLE))
    content = find(card, "Div")
    order = [d["props"].get("id") for d in content] + [
        p["props"].get("id") for p in find(card, "P")
    ]
    assert ids.chart(CHART, "about") in order
    outputs = [(o.component_id, o.component_property) for o in card_outputs(CHART)]
    assert (ids.chart(CHART, "about"), "children") in outputs


def opened(client, shell: dict, n_clicks: int = 1):
    """The answer of the app's callback to a click on the folded panel's summary."""
    summary = find(shell, "Summary")[0]["props"]["id"]
    body = find(shell, "Div")[0]["props"]["id"]
    return send_callback(
        client,
        [(body, "children")],
        [{"id": summary, "property": "n_clicks", "value": n_clicks}],
        output=prop_key({"key": ["MATCH"], "type": about_module.BODY_TYPE}, "children"),
    )


def opened_about(client, mode: str = "full") -> dict:
    """The panel as the page callback sends it, its body replaced by the one its opening made."""
    shell = fill(client, mode)[ids.chart(CHART, "about")]["children"]
    r = opened(client, shell)
    assert r.status_code == 200, r.data[:500]
    (body,) = r.get_json()["response"].values()
    panel = json.loads(json.dumps(shell))
    find(panel, "Div")[0]["props"]["children"] = body["children"]
    return panel


def test_page_callback_sends_about_this_indicator_folded_and_only_its_shell(client):
    shell = fill(client)[ids.chart(CHART, "about")]["children"]
    assert shell["type"] == "Details"
    assert not shell["props"].get("open")  # folded by default
    assert find(shell, "Summary")[0]["props"]["children"] == "About this indicator"
    # the body is made when the panel is first opened: not sent with every redraw
    assert texts(find(shell, "Div")[0]) == about_module.LOADING
    assert COMPLETION.definition not in texts(shell)


def test_closing_the_panel_or_a_key_not_made_by_the_server_changes_nothing(client):
    shell = fill(client)[ids.chart(CHART, "about")]["children"]
    assert opened(client, shell, n_clicks=2).status_code == 204  # the second click closes it
    forged = json.loads(json.dumps(shell))
    for part in ("Summary", "Div"):
        find(forged, part)[0]["props"]["id"]["key"] = "-|no.such.indicator|x"
    assert opened(client, forged).status_code == 204
    for bad in ("", "x" * 3000, "99999|uptake.completion|x", "1|uptake.completion", 5, None):
        with pytest.raises(ValueError):
            about_module.parse_key(bad)
    assert about_module.parse_key("7|uptake.completion|abc") == (["uptake.completion"], 7)


def test_page_callback_sends_about_this_indicator_folded_with_its_definition(client):
    about = opened_about(client)
    assert about["type"] == "Details"
    assert not about["props"].get("open")  # folded by default
    assert find(about, "Summary")[0]["props"]["children"] == "About this indicator"
    words = texts(about)
    for needle in (
        COMPLETION.definition,
        f"Numerator {COMPLETION.numerator}",
        f"Denominator {COMPLETION.denominator}",
        "Wilson score interval",
        "Figures for past periods are revised",
        "not the referral-to-completion funnel",
    ):
        assert needle in words, needle
    links = [a["props"]["href"] for a in find(about, "A")]
    assert links == ["/definitions#uptake.completion"]


def test_about_has_the_key_to_c_x_and_z_with_the_charts_threshold(client):
    about = opened_about(client)
    words = texts(about)
    for symbol in ("[c] Suppressed to protect confidentiality", "[x] Not available", "[z] Not"):
        assert symbol in words, symbol
    assert "fewer than 10 people or episodes" in words


def test_empty_chart_has_no_about_panel(client):
    assert fill(client, "empty")[ids.chart(CHART, "about")]["children"] is None


def test_page_callback_sends_the_table_twin_folded_and_empty_saying_it_is_loading(client):
    out = fill(client)
    sent = out[ids.chart(CHART, "table")]["children"]
    assert texts(sent) == twin_module.LOADING
    assert sent["props"]["aria-busy"] == "true"
    assert "Westminster" not in json.dumps(out[ids.chart(CHART, "table")])


def test_opening_the_twin_builds_the_table_with_c_for_the_suppressed_area(client):
    view = fill(client)[component_key(ids.chart_pattern(CHART, "view"))]["data"]
    table = opened_twin(client, CHART, view)
    assert table["type"] == "Table"
    cells = texts(table)
    assert "Westminster" in cells and "[c]" in cells
    assert "72.25" not in cells and "72%" in cells


@pytest.mark.parametrize("view", [{"mode": "no-such-mode"}, {"mode": "x" * 5000}, "full", 7])
def test_a_twin_for_a_view_key_not_recognised_is_a_line_not_a_table(client, view):
    sent = opened_twin(client, CHART, view)
    assert sent["type"] == "P" and texts(sent) == twin_module.NOT_RECOGNISED


def test_a_twin_of_an_empty_chart_says_there_are_no_figures(client):
    sent = opened_twin(client, CHART, {"mode": "empty"})
    assert texts(sent) == twin_module.NOTHING


def test_a_twin_request_without_a_view_key_changes_nothing(client):
    built = []
    for request in (None, {}, {"opened": 1}, {"view": None}, "full", ["full"]):
        with pytest.raises(PreventUpdate):
            twin_module.update_twin(built.append, request)
    assert built == []  # nothing was built


def test_card_twin_summary_counts_its_clicks_and_the_card_has_the_twins_request_store():
    card = as_tree(chart_card(CHART, TITLE))
    (summary,) = [s for s in find(card, "Summary") if "Show the data" in str(s)]
    assert summary["props"]["id"] == ids.chart(CHART, twin_module.SUMMARY_PART)
    assert summary["props"]["n_clicks"] == 0
    stores = [s["props"]["id"] for s in find(card, "Store")]
    assert ids.chart(CHART, twin_module.REQUEST_PART) in stores
    # the region keeps its name and focus for axe (scrollable-region-focusable)
    (region,) = [d for d in find(card, "Div") if d["props"].get("role") == "region"]
    assert region["props"]["id"] == ids.chart(CHART, "table")
    assert region["props"]["tabIndex"] == "0"
    assert region["props"]["aria-label"] == f"Data table: {TITLE}"


def test_page_callback_keeps_only_the_view_key_for_downloads(client):
    # no figure, table or text of the chart in the browser: only what the page chose
    view = fill(client)[component_key(ids.chart_pattern(CHART, "view"))]["data"]
    assert view == {"mode": "full"}


def test_empty_state_shows_the_message_instead_of_the_chart(client):
    out = fill(client, "empty")
    assert out[ids.chart(CHART, "content")]["hidden"] is True
    assert out[ids.chart(CHART, "empty")]["hidden"] is False
    assert out[ids.chart(CHART, "empty")]["children"] == (
        "No area has a figure for the filters chosen."
    )
    assert out[component_key(ids.chart_pattern(CHART, "view"))]["data"] is None


def download(client, fmt: str, view: object) -> tuple[int, dict]:
    inputs = [
        {
            "id": ids.chart_download_button(CHART, f),
            "property": "n_clicks",
            "value": 1 if f == fmt else 0,
        }
        for f, _, _ in FORMATS
    ]
    state = [{"id": ids.chart_pattern(CHART, "view"), "property": "data", "value": view}]
    outputs = [
        (ids.chart_pattern(CHART, "download"), "data"),
        (ids.chart_pattern(CHART, "status"), "children"),
    ]
    changed = [prop_key(i["id"], i["property"]) for i in inputs if i["value"] == 1]
    r = send_callback(client, outputs, inputs, state, changed=changed, output=output_key(outputs))
    return r.status_code, (r.get_json() or {}) if r.status_code == 200 else {}


@pytest.fixture(scope="module")
def payload(client):
    """The card's view key, as the page's callback wrote it."""
    return fill(client)[component_key(ids.chart_pattern(CHART, "view"))]["data"]


def test_csv_download_is_named_for_the_chart_and_date_and_holds_the_numbers(client, payload):
    status, body = download(client, "csv", payload)
    assert status == 200
    sent = body["response"][component_key(ids.chart_pattern(CHART, "download"))]["data"]
    assert sent["filename"] == "lfo-test-chart-2019-04-15.csv"
    data = base64.b64decode(sent["content"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(data)))
    assert [float(r["Value (%)"]) for r in rows if r["Value (%)"]] == [41.0, 52.5, 72.25, 55.5]
    assert rows[0]["suppression_threshold"] == "10"  # the app's setting
    status_line = body["response"][component_key(ids.chart_pattern(CHART, "status"))]["children"]
    assert "CSV download" in status_line


def test_excel_download_is_a_workbook_with_the_table(client, payload):
    _, body = download(client, "xlsx", payload)
    sent = body["response"][component_key(ids.chart_pattern(CHART, "download"))]["data"]
    assert sent["filename"].endswith(".xlsx")
    wb = load_workbook(io.BytesIO(base64.b64decode(sent["content"])))
    assert "Table_1" in wb.sheetnames


def test_png_download_answers_with_a_png(client, payload):
    _, body = download(client, "png", payload)
    sent = body["response"][component_key(ids.chart_pattern(CHART, "download"))]["data"]
    assert sent["filename"] == "lfo-test-chart-2019-04-15.png"
    assert base64.b64decode(sent["content"]).startswith(b"\x89PNG")


@pytest.mark.parametrize(
    "view", [{"mode": "other"}, {"version": 99}, "text", [1, 2], {"mode": "x" * 100_000}]
)
def test_a_view_key_not_recognised_gives_a_message_not_an_error(client, view):
    status, body = download(client, "csv", view)
    assert status == 200
    response = body["response"]
    line = response[component_key(ids.chart_pattern(CHART, "status"))]["children"]
    assert line == "Sorry, this chart's settings were not recognised, so no CSV file was made."
    assert response[component_key(ids.chart_pattern(CHART, "download"))]["data"] is None


def test_an_empty_chart_has_nothing_to_download(client):
    status, body = download(client, "csv", {"mode": "empty"})
    assert status == 200
    line = body["response"][component_key(ids.chart_pattern(CHART, "status"))]["children"]
    assert line == "There are no figures to download for this chart."


def test_payload_round_trips_table_figure_and_metadata():
    content = test_content()
    back = from_payload(json.loads(json.dumps(to_payload(content))))
    pd.testing.assert_frame_equal(back.table, content.table, check_dtype=False)
    assert back.table.attrs == content.table.attrs
    np.testing.assert_allclose(
        np.asarray(back.figure.data[0].x, dtype=float),
        np.asarray(content.figure["data"][0]["x"], dtype=float),
    )
    assert (back.title, back.notes, back.data_as_at) == (
        content.title,
        content.notes,
        content.data_as_at,
    )


@pytest.mark.parametrize(
    ("as_at", "name"),
    [("2019-04-15T09:30:00", "lfo-x-2019-04-15.csv"), (None, "lfo-x-undated.csv")],
)
def test_file_names_carry_the_data_as_at_date(as_at, name):
    assert file_name("x", as_at, "csv") == name


# --- the table twin ----------------------------------------------------------------------------


def test_table_twin_has_caption_column_and_row_headers_and_right_aligned_numbers():
    tree = as_tree(table_twin(plotted_table(engine_rows(), COMPLETION), "Completion by area"))
    assert find(tree, "Caption")[0]["props"]["children"] == "Completion by area"
    header = find(find(tree, "Thead")[0], "Th")
    assert all(th["props"]["scope"] == "col" for th in header)
    assert [th["props"]["children"] for th in header][:3] == ["Area", "Period", "Value (%)"]
    body_rows = find(find(tree, "Tbody")[0], "Tr")
    first = body_rows[0]["props"]["children"]
    assert first[0]["type"] == "Th" and first[0]["props"]["scope"] == "row"
    assert first[2]["props"]["children"] == "41%"
    assert first[2]["props"]["className"] == "text-end text-nowrap"


def test_table_twin_shows_c_in_every_number_of_a_suppressed_row_and_keys_it():
    tree = as_tree(table_twin(plotted_table(engine_rows(), COMPLETION), "t"))
    westminster = find(find(tree, "Tbody")[0], "Tr")[3]["props"]["children"]
    assert [td["props"]["children"] for td in westminster][2:7] == ["[c]"] * 5
    assert "[c] confidential" in texts(find(tree, "Tfoot"))


@pytest.mark.parametrize(
    ("cls", "props"),
    [
        (html.Td, {"children": "41%", "className": "text-end text-nowrap"}),
        (html.Th, {"className": None, "scope": "row", "children": "Blackpool"}),
        (html.Tr, {"children": [html.Td("a"), "b"]}),
        (html.Td, {"colSpan": 3, "children": None}),
        (html.Br, {}),
        (html.Td, {"className": "x"}),
    ],
)
def test_component_json_is_what_the_component_sends(cls, props):
    assert as_tree(component_json(cls, **props)) == as_tree(cls(**props))
    assert json.dumps(
        component_json(cls, **props), cls=plotly.utils.PlotlyJSONEncoder
    ) == json.dumps(cls(**props), cls=plotly.utils.PlotlyJSONEncoder)


def test_component_json_refuses_an_unknown_prop():
    with pytest.raises(TypeError):
        component_json(html.Td, colour="red")


def _twin_with_components(df: pd.DataFrame, caption: str) -> html.Table:
    """The table twin as it was first written: a Dash component per cell (the reference)."""
    from dashboard.charts.frame import STATUS, STATUS_KEY, display_cells, numeric_columns

    cells = display_cells(df)
    numeric = set(numeric_columns(df))
    head = html.Thead(
        html.Tr(
            [
                html.Th(c, scope="col", className="text-end" if c in numeric else None)
                for c in cells.columns
            ]
        )
    )
    body_rows = []
    for values in cells.itertuples(index=False, name=None):
        tds = []
        for k, (column, value) in enumerate(zip(cells.columns, values, strict=True)):
            align = "text-end" if column in numeric else None
            if k == 0:
                tds.append(html.Th(value, scope="row", className=align))
            else:
                tds.append(html.Td(value, className=f"{align or ''} text-nowrap".strip()))
        body_rows.append(html.Tr(tds))
    used = sorted(set(df[STATUS].dropna().astype(str)) if STATUS in df else set())
    children = [html.Caption(caption, style={"captionSide": "top"}), head, html.Tbody(body_rows)]
    if not used:
        return html.Table(children, className="table table-sm chart-table")
    key = "; ".join(STATUS_KEY[s] for s in used if s in STATUS_KEY)
    return html.Table(
        [*children, html.Tfoot(html.Tr(html.Td(key, colSpan=len(cells.columns))))],
        className="table table-sm chart-table",
    )


@pytest.mark.parametrize("columns", [None, ("area_name",), ("value", "area_name", "lower")])
def test_table_twin_sends_what_components_would(columns):
    """The twin written as JSON is the same text as the twin built from Dash components."""
    df = plotted_table(engine_rows(), COMPLETION, **({"columns": columns} if columns else {}))
    fast = json.dumps(table_twin(df, "t"), cls=plotly.utils.PlotlyJSONEncoder)
    slow = json.dumps(_twin_with_components(df, "t"), cls=plotly.utils.PlotlyJSONEncoder)
    assert fast == slow


def test_plain_json_of_a_component_tree_is_the_same_json_as_the_components():
    from dashboard.charts.table import plain_json

    tree = [html.Div([html.P("a", className="x"), "b", (html.Span(1),)], id="d"), None]
    assert json.dumps(plain_json(tree), cls=plotly.utils.PlotlyJSONEncoder) == json.dumps(
        tree, cls=plotly.utils.PlotlyJSONEncoder
    )
    assert "Div" not in repr(type(plain_json(tree)[0]))


def test_component_json_of_a_component_with_a_required_prop():
    from dash import dcc

    link = component_json(
        dcc.Link, children=["a", component_json(html.Span, children="b")], href="/x"
    )
    assert as_tree(link) == as_tree(dcc.Link(["a", html.Span("b")], href="/x"))


def test_json_maker_makes_what_component_json_makes():
    from dash import dcc

    from dashboard.charts.table import json_maker

    span = json_maker(html.Span, "children", "className", "style")
    assert span("a", "b", {"color": "red"}) == component_json(
        html.Span, style={"color": "red"}, children="a", className="b"
    )
    assert as_tree(json_maker(dcc.Link, "children", "href")("x", "/y")) == as_tree(
        dcc.Link("x", href="/y")
    )
    with pytest.raises(ValueError):
        json_maker(html.Span, "className", "children")  # not the component's order
    with pytest.raises(ValueError):
        json_maker(html.Span, "className")  # a Span writes its children (None) too


def test_plain_json_is_the_same_json_dash_sends_and_needs_no_walk():
    """Components, a figure, numpy and pandas values and a JSONList as Dash's encoder writes them;
    the result goes to orjson as it is (no TypeError, so no Python walk of the answer)."""
    import orjson
    import plotly.graph_objects as go
    from plotly.io.json import to_json_plotly

    from dashboard.charts.table import JSONList, plain_json

    figure = go.Figure(go.Scatter(x=np.array([1.0, np.nan]), y=np.array(["a", "b"], dtype=object)))
    value = [
        html.Div([html.P("x", className="y"), None, 3, np.int64(4), 2.5], id="d"),
        figure,
        {"t": (1, "2"), "when": pd.Timestamp("2020-01-02 03:04"), "none": pd.NA},
        html.Tbody(JSONList([component_json(html.Tr, children="r")])),
        [],
        (),
    ]
    plain = plain_json(value)
    assert to_json_plotly(plain) == to_json_plotly(value)
    orjson.dumps(plain, option=orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY)


def test_plotted_table_keeps_only_columns_with_something_in_them():
    table = plotted_table(engine_rows(), COMPLETION)
    assert "Recent trend" not in table.columns
    assert "Latest return used" in table.columns
    assert table["status"].tolist() == [None, None, None, "c", None]


# --- About this indicator, without a server --------------------------------------------------


def test_about_lists_each_indicator_of_a_chart_once_and_skips_unknown_ids():
    panel = as_tree(about(["uptake.completion", "uptake.start", "uptake.completion", "nope"]))
    assert find(panel, "Summary")[0]["props"]["children"] == "About these indicators"
    assert [a["props"]["href"] for a in find(panel, "A")] == [
        "/definitions#uptake.completion",
        "/definitions#uptake.start",
    ]
    assert about(["nope"]) is None and about([]) is None


def test_about_names_the_threshold_the_figures_were_made_with():
    assert "fewer than 7 people" in texts(as_tree(about(["uptake.completion"], 7)))


def test_about_explains_an_interquartile_range_and_a_count_without_comparison():
    days = texts(as_tree(about(["uptake.days_to_start"])))
    assert "interquartile range (25th to 75th percentile), not a confidence interval" in days
    parents = texts(as_tree(about(["reach.parents"])))
    assert "no interval" in parents and "better or worse" not in parents


def test_about_warns_of_regression_to_the_mean_for_recovery():
    words = texts(as_tree(about(["outcome.swemwbs.recovery"])))
    assert "Regression to the mean" in words


def test_a_card_drawn_without_a_view_key_sends_its_twin_with_the_chart():
    # nothing to build the table again from: it goes with the chart, as before
    from dashboard.charts.card import render

    table = dict(zip(card_outputs(CHART), render(test_content()), strict=True))
    (sent,) = [v for o, v in table.items() if o.component_id == ids.chart(CHART, "table")]
    assert as_tree(sent)["type"] == "Table"
    assert "Westminster" in texts(as_tree(sent))
