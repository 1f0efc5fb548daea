"""Every answer under /api/ is JSON (or the CSV asked for), errors included (service.md § 3), and
odd requests get a clear 400 (issue 10: "unknown /api/… paths answer 200 with the HTML page,
405s are HTML; period=0001-02_Q4 is a 500; repeated parameters are silently half-ignored"; an
area name =HYPERLINK(…) written raw to the API CSV)."""

from __future__ import annotations

import csv
import io
import sqlite3

import pytest
from support.web import GATESHEAD, NEWCASTLE, small_db

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.db import sqlite_path

HYPERLINK = '=HYPERLINK("http://x","y")'


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = small_db(tmp_path_factory.mktemp("api-errors") / "lfo.db")
    return create_app(DashboardSettings(database_url=url, warm_cache=False)).server.test_client()


def json_error(resp, status: int) -> dict:
    assert resp.status_code == status, resp.get_data(as_text=True)[:300]
    assert resp.mimetype == "application/json"
    error = resp.get_json()["error"]
    assert set(error) == {"parameter", "message"} and error["message"]
    return error


@pytest.mark.parametrize(
    "path",
    ["/api/v1/nope", "/api/v2/data", "/api/", "/api", "/api/v1", "/api/v1/data/extra"],
)
def test_an_unknown_api_address_is_a_json_404_not_the_html_page(client, path):
    error = json_error(client.get(path), 404)
    assert "openapi.json" in error["message"]


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_a_method_other_than_get_is_a_json_405_saying_get(client, method):
    resp = client.open("/api/v1/data?indicator=reach.parents", method=method)
    assert "use GET" in json_error(resp, 405)["message"]
    assert "GET" in resp.headers["Allow"]


def test_a_post_to_an_unknown_api_address_is_a_json_404(client):
    json_error(client.post("/api/v1/nope"), 404)


def test_a_request_over_the_size_limit_is_a_json_413(client):
    resp = client.get(
        "/api/v1/areas",
        data=b"x",
        environ_overrides={"CONTENT_LENGTH": str(50 * 1024 * 1024 + 1)},
    )
    assert "too large" in json_error(resp, 413)["message"]


@pytest.mark.parametrize(
    "query, parameter, words",
    [
        ("period=0001-02_Q4", "period", "not a financial year"),  # was a 500
        ("from=0001-02_Q4", "from", "not a financial year"),  # was a 500
        ("period=9999-00_Q4", "period", "not a financial year"),  # was a 500
        ("to=9999-00", "to", "not a financial year"),  # was a 500
        ("period=2015-16_Q4", "period", "before the programme began"),  # was zeros
        ("period=1999-00", "period", "before the programme began"),  # was zeros
        ("from=2015-16", "from", "before the programme began"),
        ("period=2017-18_Q3,2015-16", "period", "first period is 2016-17_Q1"),
    ],
)
def test_an_odd_period_is_a_clear_400(client, query, parameter, words):
    error = json_error(client.get(f"/api/v1/data?indicator=reach.parents&{query}"), 400)
    assert error["parameter"] == parameter
    assert words in error["message"]


def test_the_programme_s_first_period_and_a_period_after_the_data_are_answered(client):
    ask = f"/api/v1/data?indicator=reach.parents&area={NEWCASTLE}&period="
    first = client.get(ask + "2016-17_Q1")
    assert first.status_code == 200 and len(first.get_json()["data"]) == 1
    later = client.get(ask + "2030-31")
    assert [r["status"] for r in later.get_json()["data"]] == ["x"]


@pytest.mark.parametrize(
    "query, parameter, says",
    [
        (f"area={NEWCASTLE}&area={GATESHEAD}", "area", "area=A,B"),  # was half-ignored
        ("indicator=reach.parents&indicator=uptake.completion", "indicator", "indicator=A,B"),
        ("period=2017-18_Q2&period=2017-18_Q3", "period", "period=A,B"),
        ("format=json&format=csv", "format", "give it once"),
        ("ci=95&ci=99.8", "ci", "give it once"),
        ("from=2017-18_Q1&from=2017-18_Q2", "from", "give it once"),
    ],
)
def test_a_repeated_parameter_is_a_400_saying_how_to_ask_for_several(
    client, query, parameter, says
):
    base = "" if "indicator=" in query else "indicator=reach.parents&"
    error = json_error(client.get(f"/api/v1/data?{base}{query}"), 400)
    assert error["parameter"] == parameter
    assert "given 2 times" in error["message"] and says in error["message"]


def test_several_values_comma_separated_are_all_answered(client):
    rows = client.get(
        f"/api/v1/data?indicator=reach.parents&area={NEWCASTLE},{GATESHEAD}&period=2017-18_Q2"
    ).get_json()["data"]
    assert {r["area_code"] for r in rows} == {NEWCASTLE, GATESHEAD}


def test_an_area_name_that_is_a_formula_is_text_in_the_api_csv(tmp_path):
    """``etl areas`` is being changed to refuse such names; one already in the database (put
    there by SQL here) must still reach a spreadsheet as text."""
    url = small_db(tmp_path / "lfo.db")
    with sqlite3.connect(sqlite_path(url)) as conn:
        conn.execute("UPDATE areas SET name = ? WHERE gss_code = ?", (HYPERLINK, NEWCASTLE))
    client = create_app(DashboardSettings(database_url=url, warm_cache=False)).server.test_client()
    query = f"indicator=reach.parents&area={NEWCASTLE}&period=2017-18_Q1"  # all 35 referred
    resp = client.get(f"/api/v1/data?{query}&format=csv")
    assert resp.status_code == 200 and resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert [r["area_name"] for r in rows] == ["'" + HYPERLINK]
    assert rows[0]["numerator"] == "35.0"  # numbers stay numbers (no apostrophe)
    # the JSON answer keeps the name as it is (JSON is not a spreadsheet)
    data = client.get(f"/api/v1/data?{query}").get_json()["data"]
    assert [r["area_name"] for r in data] == [HYPERLINK]


def test_the_openapi_document_describes_the_errors_every_endpoint_can_answer(client):
    from jsonschema import validate

    doc = client.get("/api/v1/openapi.json").get_json()
    error_schema = doc["components"]["schemas"]["Error"]
    for path, item in doc["paths"].items():
        responses = item["get"]["responses"]
        assert {"405", "413"} <= set(responses), path
    for resp in (client.post("/api/v1/areas"), client.get("/api/v1/nope")):
        validate(resp.get_json(), error_schema)
