"""Issue 10's attacks on the chart downloads, made as an attacker made them, against the app's
Flask test client on a real database, with a real HTTP listener on loopback:

- the old download request (the whole chart sent from the browser) asking the server to draw a
  layout image from ``http://127.0.0.1:<port>/`` (server-side request forgery), to embed a local
  file (``file:///…``), or to stamp made-up figures with the official title and copyright line;
- the same things sent as the new download's view key;
- the image renderer itself given such a figure (defence in depth);
- an area name ``=HYPERLINK(…)`` written into the chart CSV and XLSX.

Before issue 10 the listener was called, the local image was embedded and the made-up figures
came back as an official file; now every one is refused with a clear answer, and nothing is
fetched or written.
"""

from __future__ import annotations

import base64
import csv
import http.server
import io
import json
import sqlite3
import threading
import time

import pytest
from openpyxl import load_workbook
from support.dash_client import component_key, opened_twin, output_key, post_callback, prop_key
from support.page_dbs import BLACKPOOL, build_overview_db
from support.text import texts

from dashboard import ids
from dashboard.app import create_app
from dashboard.callbacks import overview as home_cb
from dashboard.charts import exports, twin
from dashboard.charts.card import FORMATS
from dashboard.charts.content import ChartContent, to_payload
from dashboard.charts.exports.images import self_contained
from dashboard.settings import DashboardSettings
from dashboard.web.limits import REFUSED

HOME = ids.HOME_CHART
FORMULA_NAME = '=HYPERLINK("http://x","y")'
# the smallest valid PNG (1 x 1, grey), what the listener serves
PNG_1X1 = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAAAAAA6fptVAAAACklEQVR4nGNgAAAAAgABSK+kcQAAAABJRU5ErkJggg=="
)


class Listener:
    """A real HTTP server on loopback that records every request it gets."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        paths = self.paths

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                paths.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(PNG_1X1)))
                self.end_headers()
                self.wfile.write(PNG_1X1)

            def log_message(self, *_args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def listener():
    server = Listener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    url = build_overview_db(tmp_path_factory.mktemp("attacks") / "lfo.db")
    # ``etl areas`` refuses such a name now: it is written straight into the database, as an
    # older load or a hand edit would have left it
    with sqlite3.connect(url.removeprefix("sqlite:///")) as con:
        con.execute("UPDATE areas SET name = ? WHERE gss_code = ?", (FORMULA_NAME, BLACKPOOL))
    return url


@pytest.fixture(scope="module")
def client(db_url):
    return create_app(DashboardSettings(database_url=db_url)).server.test_client()


def made_up(image_source: str | None = None) -> ChartContent:
    """A chart the attacker wrote: made-up figures under the official title, with an image."""
    import pandas as pd

    layout: dict = {}
    if image_source:
        layout["images"] = [
            {"source": image_source, "xref": "paper", "yref": "paper", "x": 0, "y": 1}
            | {"sizex": 1, "sizey": 1}
        ]
    return ChartContent(
        figure={"data": [{"type": "bar", "x": ["Made-up area"], "y": [99.9]}], "layout": layout},
        title="Areas ranked, with intervals",
        subtitle="Official statistics",
        summary="Made-up area is best.",
        table=pd.DataFrame({"area_name": ["Made-up area"], "Value (%)": [99.9]}),
        indicator_ids=["uptake.completion"],
        data_as_at="2019-04-15T09:30:00",
    )


def old_download_body(chart: str, fmt: str, payload: object) -> dict:
    """The request the card's button sent before issue 10: the whole chart from the browser."""
    buttons = [
        {
            "id": ids.chart_download_button(chart, f),
            "property": "n_clicks",
            "value": 1 if f == fmt else 0,
        }
        for f, _, _ in FORMATS
    ]
    match = ["MATCH"]
    return {
        "output": output_key(
            [
                ({"chart": match, "type": "chart-download"}, "data"),
                ({"chart": match, "type": "chart-status"}, "children"),
            ]
        ),
        "outputs": [
            {"id": {"chart": chart, "type": "chart-download"}, "property": "data"},
            {"id": {"chart": chart, "type": "chart-status"}, "property": "children"},
        ],
        "inputs": buttons,
        "state": [
            {"id": {"chart": chart, "type": "chart-payload"}, "property": "data", "value": payload}
        ],
        "changedPropIds": [prop_key(ids.chart_download_button(chart, fmt), "n_clicks")],
    }


def new_download(client, chart: str, fmt: str, view: object) -> tuple[int, dict]:
    """A press of the card's ``fmt`` button now: the view key is all it sends."""
    outputs = [
        (ids.chart_pattern(chart, "download"), "data"),
        (ids.chart_pattern(chart, "status"), "children"),
    ]
    buttons = [
        {
            "id": ids.chart_download_button(chart, f),
            "property": "n_clicks",
            "value": 1 if f == fmt else 0,
        }
        for f, _, _ in FORMATS
    ]
    body = {
        "output": output_key(outputs),
        "outputs": [{"id": i, "property": p} for i, p in outputs],
        "inputs": buttons,
        "state": [{"id": ids.chart_pattern(chart, "view"), "property": "data", "value": view}],
        "changedPropIds": [prop_key(ids.chart_download_button(chart, fmt), "n_clicks")],
    }
    r = client.post("/_dash-update-component", json=body)
    response = r.get_json()["response"] if r.status_code == 200 else {}
    return r.status_code, {
        "file": (response.get(component_key(ids.chart_pattern(chart, "download"))) or {}).get(
            "data"
        ),
        "status": (response.get(component_key(ids.chart_pattern(chart, "status"))) or {}).get(
            "children"
        ),
    }


def home_view(client) -> dict:
    """The ranking chart's view key, as the home page's callback writes it."""
    response = post_callback(
        client,
        home_cb.overview_outputs(),
        [
            {"id": ids.HOME_PERIOD, "property": "value", "value": "latest"},
            {"id": ids.HOME_SORT, "property": "value", "value": "area"},
            {"id": ids.HOME_ORDER, "property": "value", "value": "low"},
            {"id": ids.HOME_CI, "property": "value", "value": "95"},
            {"id": ids.HOME_BENCHMARK, "property": "value", "value": "programme"},
            {"id": ids.HOME_ROWS, "property": "data", "value": "first"},
        ],
    )
    return response[component_key(ids.chart_pattern(HOME, "view"))]["data"]


def settle() -> None:
    """Time for a fetch the server might have started to reach the listener."""
    time.sleep(0.3)


# --- the old download request: the whole chart from the browser ----------------------------------


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_old_download_request_with_an_outside_image_is_refused_and_fetches_nothing(
    client, listener, fmt
):
    payload = to_payload(made_up(f"{listener.url}/ssrf.png"))
    r = client.post("/_dash-update-component", json=old_download_body(HOME, fmt, payload))
    settle()
    assert listener.paths == []  # before: the server fetched the attacker's address
    assert r.status_code == 400
    assert r.get_json()["error"]["message"].startswith(REFUSED)


def test_old_download_request_with_a_local_file_embeds_nothing(client, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    payload = to_payload(made_up(secret.as_uri()))
    r = client.post("/_dash-update-component", json=old_download_body(HOME, "png", payload))
    assert r.status_code == 400
    assert b"PNG" not in r.data and r.get_json()["error"]["message"].startswith(REFUSED)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_old_download_request_with_made_up_figures_makes_no_official_file(client, fmt):
    payload = to_payload(made_up())
    r = client.post("/_dash-update-component", json=old_download_body(HOME, fmt, payload))
    assert r.status_code == 400
    assert b"Made-up" not in r.data


# --- the same sent as the new download's view key ------------------------------------------------


@pytest.mark.parametrize("fmt", ["png", "csv"])
def test_a_chart_sent_as_the_view_key_is_not_recognised_and_fetches_nothing(
    client, listener, tmp_path, fmt
):
    for source in (f"{listener.url}/ssrf.png", (tmp_path / "secret.png").as_uri()):
        status, answer = new_download(client, HOME, fmt, to_payload(made_up(source)))
        assert status == 200
        assert answer["file"] is None
        assert "not recognised" in answer["status"]
    settle()
    assert listener.paths == []


@pytest.mark.parametrize(
    "view",
    [
        {"period": "latest", "sort": "area", "order": "low", "figure": {"layout": {}}},
        {"period": ["x"] * 5000, "sort": "area", "order": "low"},
        {"period": "x" * 100_000},
        {"k" + str(i): "v" for i in range(1000)},
        "latest",
        None,
    ],
)
def test_a_crafted_view_key_makes_no_file(client, view):
    status, answer = new_download(client, HOME, "csv", view)
    assert status in (200, 204)  # 204: nothing to do (no view)
    assert answer["file"] is None


def test_an_honest_download_is_made_on_the_server_from_its_figures(client):
    view = home_view(client)
    # only codes and choices in the browser: no figure, no table, no text
    # (Home opens at the latest financial year, compared at 95%: issue 11)
    assert view == {
        "period": "2018-19",
        "sort": "area",
        "order": "low",
        "ci": "95",
        "benchmark": "programme",
    }
    status, answer = new_download(client, HOME, "csv", view)
    assert status == 200 and answer["status"].startswith("Your CSV download")
    text = base64.b64decode(answer["file"]["content"]).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert rows and all("Made-up" not in json.dumps(r) for r in rows)
    assert {r["suppression_threshold"] for r in rows} == {"10"}
    # the file stands alone (issue 11 § 10): its name and every row say what it is
    name = answer["file"]["filename"]
    assert name.startswith(f"lfo-{HOME}-uptake.completion-2018-19-all-ci95-")
    assert {(r["period"], r["period_type"], r["confidence_level"]) for r in rows} == {
        ("2018-19", "financial_year", "95")
    }
    assert all(r["area_code"] and r["area_name"] for r in rows)


def test_a_view_key_for_another_period_is_checked_against_the_servers_periods(client):
    view = {"period": "2099-00_Q1", "sort": "area", "order": "low"}
    status, answer = new_download(client, HOME, "csv", view)
    # an unknown period falls back as the page does (to the latest financial year): server
    # figures only
    assert status == 200 and answer["file"]["filename"].endswith(".csv")


# --- the image renderer on its own (defence in depth) --------------------------------------------


def test_self_contained_keeps_only_inline_images_and_drawn_traces():
    figure = {
        "data": [
            {"type": "bar", "x": [1], "y": [2]},
            {"type": "scattermapbox", "lat": [0], "lon": [0]},
            {"type": "image", "source": "http://127.0.0.1:1/x.png"},
        ],
        "layout": {
            "images": [
                {"source": "http://127.0.0.1:1/a.png"},
                {"source": "file:///etc/hostname"},
                {"source": "data:image/png;base64,AAAA"},
            ],
            "mapbox": {"style": "http://127.0.0.1:1/style.json"},
            "geo": {"scope": "europe"},
            "template": {"layout": {"images": [{"source": "https://example.org/x.png"}]}},
        },
    }
    clean = self_contained(figure)
    assert [t["type"] for t in clean["data"]] == ["bar"]
    assert clean["layout"]["images"] == [{"source": "data:image/png;base64,AAAA"}]
    assert "mapbox" not in clean["layout"] and "geo" not in clean["layout"]
    assert clean["layout"]["template"]["layout"]["images"] == []


def test_the_image_renderer_fetches_nothing_and_embeds_no_local_file(listener, tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_1X1)
    plain = exports.to_image(made_up(), "png")
    for source in (f"{listener.url}/ssrf.png", secret.as_uri()):
        drawn = exports.to_image(made_up(source), "png")
        assert drawn == plain  # the image left out: the same picture, byte for byte
    settle()
    assert listener.paths == []  # before: kaleido fetched the attacker's address


# --- formulas in the chart files -----------------------------------------------------------------


def test_chart_csv_writes_a_formula_like_area_name_as_text(client):
    status, answer = new_download(client, HOME, "csv", home_view(client))
    assert status == 200
    text = base64.b64decode(answer["file"]["content"]).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'" + FORMULA_NAME in cells  # before: written raw, a live link in a spreadsheet
    assert not [c for c in cells if c.startswith(("=", "+", "@"))]


def test_chart_xlsx_writes_a_formula_like_area_name_as_a_text_cell(client):
    status, answer = new_download(client, HOME, "xlsx", home_view(client))
    assert status == 200
    book = load_workbook(io.BytesIO(base64.b64decode(answer["file"]["content"])))
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    found.append(sheet.title)
    assert "Table_1" in found  # the area's row


def test_an_area_chart_is_built_for_a_programme_area_only(client):
    chart = ids.AREA_SPINE_CHART
    for view in ({"code": "E99999999", "period": "latest"}, {"code": BLACKPOOL, "compare": 5}):
        status, answer = new_download(client, chart, "csv", view)
        assert status == 200 and answer["file"] is None
        assert "not recognised" in answer["status"]


def test_an_area_chart_names_its_column_after_the_area_and_writes_it_as_text(client):
    # the spine's table has a column named after the area: a header cell in the CSV and XLSX
    view = {"code": BLACKPOOL, "compare": [], "period": "latest"}
    status, answer = new_download(client, ids.AREA_SPINE_CHART, "csv", view)
    assert status == 200 and answer["file"], answer["status"]
    text = base64.b64decode(answer["file"]["content"]).decode("utf-8-sig")
    header = next(csv.reader(io.StringIO(text)))
    assert "'" + FORMULA_NAME in header and FORMULA_NAME not in header
    status, answer = new_download(client, ids.AREA_SPINE_CHART, "xlsx", view)
    book = load_workbook(io.BytesIO(base64.b64decode(answer["file"]["content"])))
    cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
    named = [c for c in cells if c.value == FORMULA_NAME]
    assert named and all(c.quotePrefix and c.data_type == "s" for c in named)
    assert not [c for c in cells if c.data_type == "f"]


# --- the table twins, built on the server from the same view key (dashboard.charts.twin) ------


@pytest.mark.parametrize(
    "view",
    [
        {"period": "latest", "sort": "area", "order": "low", "figure": {"layout": {}}},
        {"period": ["x"] * 5000, "sort": "area", "order": "low"},
        {"period": "x" * 100_000},
        {"k" + str(i): "v" for i in range(1000)},
        "latest",
    ],
)
def test_a_crafted_view_key_builds_no_table(client, view):
    sent = opened_twin(client, HOME, view)
    assert sent["type"] == "P" and sent["props"]["children"] == twin.NOT_RECOGNISED


def test_a_chart_sent_as_a_twins_view_key_is_not_drawn_as_a_table(client):
    sent = opened_twin(client, HOME, to_payload(made_up()))
    assert '"type": "Table"' not in json.dumps(sent)
    assert sent["props"]["children"] == twin.NOT_RECOGNISED


def test_an_area_twin_is_built_for_a_programme_area_only(client):
    for chart in (ids.AREA_SPINE_CHART, ids.AREA_TREND_CHART, ids.AREA_REACH_CHART):
        for view in ({"code": "E99999999", "period": "latest"}, {"code": BLACKPOOL, "compare": 5}):
            sent = opened_twin(client, chart, view)
            assert sent["props"]["children"] == twin.NOT_RECOGNISED, (chart, view)
    # an honest key: the spine's own table, with the area's column written as text
    sent = opened_twin(client, ids.AREA_SPINE_CHART, {"code": BLACKPOOL, "compare": []})
    assert '"type": "Table"' in json.dumps(sent) and FORMULA_NAME in texts(sent)
