"""The data API through Flask's test client, on a small hand-made database."""

import csv
import io
import math

import pytest
from support.engine_db import build_db, episode

from dashboard.app import create_app
from dashboard.settings import DashboardSettings

NEWCASTLE, GATESHEAD, BLACKPOOL = "E08000021", "E08000037", "E06000009"
CROYDON, LAMBETH = "E09000008", "E09000022"
ROW_KEYS = {
    "indicator",
    "area_code",
    "area_name",
    "period",
    "category",
    "value",
    "lower",
    "upper",
    "numerator",
    "denominator",
    "comparison",
    "trend",
    "trend_judgement",
    "status",
}


def completion_episodes() -> dict[str, list[dict]]:
    """Completion in 2017-18 Q2: Newcastle 36 of 40, Gateshead 6 of 20, Blackpool 3 of 3,
    Croydon 10 of 20, Lambeth 12 of 20. The three cells disclosure control v2 hides in the areas'
    table when Blackpool's 3 is suppressed (indicators.md v2) are Blackpool, Gateshead (6) and
    Croydon (10); Newcastle and Lambeth stay published."""
    q2 = "2017-08-15"

    def area(completed: int, dropped: int) -> list[dict]:
        return [episode("completed", q2)] * completed + [episode("dropped_out", q2)] * dropped

    return {
        NEWCASTLE: area(36, 4),
        GATESHEAD: area(6, 14),
        BLACKPOOL: area(3, 0),
        CROYDON: area(10, 10),
        LAMBETH: area(12, 8),
    }


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = build_db(tmp_path_factory.mktemp("api") / "lfo.db", completion_episodes())
    app = create_app(DashboardSettings(database_url=url, suppression_threshold=10))
    return app.server.test_client()


def get(client, path, status=200):
    resp = client.get(path)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp


def test_areas_lists_every_programme_area(client):
    data = get(client, "/api/v1/areas").get_json()["data"]
    assert len(data) == 12
    newcastle = next(a for a in data if a["code"] == NEWCASTLE)
    assert newcastle["name"] == "Newcastle upon Tyne" and newcastle["region"] == "North East"
    assert newcastle["latest_return"] == "2018-19_Q4"


def test_indicators_carry_the_metadata_contract(client):
    body = get(client, "/api/v1/indicators").get_json()
    fields = {
        "id",
        "name",
        "definition",
        "numerator",
        "denominator",
        "unit",
        "polarity",
        "period_basis",
        "interval_method",
        "source_tables",
    }
    assert all(set(i) == fields for i in body["data"])
    ids = {i["id"] for i in body["data"]}
    assert {"reach.parents", "uptake.completion", "outcome.csi4.recovery"} <= ids


def test_data_rows_are_flat_with_meta(client):
    body = get(client, "/api/v1/data?indicator=uptake.completion&period=2017-18_Q2").get_json()
    assert set(body["meta"]) == {"data_as_at", "threshold", "definitions_version", "release"}
    assert body["meta"]["release"] is None  # live figures (a programme lead's default)
    assert (
        body["meta"]["threshold"] == 10 and body["meta"]["definitions_version"] == "2"
    )  # indicators.md v2
    rows = {r["area_code"]: r for r in body["data"]}
    assert all(set(r) == ROW_KEYS for r in body["data"])
    assert [a for a, r in rows.items() if r["status"] == "c"] == [BLACKPOOL, GATESHEAD, CROYDON]
    assert rows[NEWCASTLE]["value"] == pytest.approx(90.0)
    assert rows[NEWCASTLE]["comparison"] == "better"
    assert "programme" in rows and len(rows) == 13  # every area and the programme


def test_the_api_hides_what_the_screen_hides(client):
    rows = get(client, "/api/v1/data?indicator=uptake.completion&period=2017-18_Q2").get_json()[
        "data"
    ]
    black = next(r for r in rows if r["area_code"] == BLACKPOOL)
    assert black["status"] == "c"
    assert all(black[k] is None for k in ("value", "lower", "upper", "numerator", "denominator"))
    for r in rows:  # no count from 1 to 9 anywhere
        for k in ("numerator", "denominator"):
            assert r[k] is None or r[k] == 0 or r[k] >= 10


def test_csv_has_the_same_rows_and_columns_as_json(client):
    base = "/api/v1/data?indicator=uptake.completion,uptake.start&area=E08000021,programme"
    js = get(client, base).get_json()["data"]
    resp = get(client, base + "&format=csv")
    assert resp.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert len(rows) == len(js)
    assert list(rows[0]) == [
        "indicator",
        "area_code",
        "area_name",
        "period",
        "category",
        "value",
        "lower",
        "upper",
        "numerator",
        "denominator",
        "comparison",
        "trend",
        "trend_judgement",
        "status",
    ]
    for c, j in zip(rows, js, strict=True):
        for k, v in j.items():
            if v is None:
                assert c[k] == ""
            elif isinstance(v, float):
                assert math.isclose(float(c[k]), v, rel_tol=1e-12)
            else:
                assert c[k] == str(v)


def test_from_and_to_are_inclusive(client):
    rows = get(
        client, "/api/v1/data?indicator=reach.parents&area=programme&from=2017-18_Q1&to=2017-18_Q2"
    ).get_json()["data"]
    assert {r["period"] for r in rows} == {"2017-18_Q1", "2017-18_Q2"}


@pytest.mark.parametrize(
    "query, status, parameter",
    [
        ("", 400, "indicator"),
        ("indicator=nope", 404, "indicator"),
        ("indicator=uptake.completion&area=E99999999", 404, "area"),
        ("indicator=uptake.completion&period=2017_Q3", 400, "period"),
        ("indicator=uptake.completion&period=2017-19", 400, "period"),
        ("indicator=uptake.completion&from=2018-19_Q1&to=2017-18_Q1", 400, "from"),
        ("indicator=uptake.completion&ci=90", 400, "ci"),
        ("indicator=uptake.completion&format=xml", 400, "format"),
        ("indicator=uptake.completion&intervention=yoga", 400, "intervention"),
        ("indicator=uptake.completion&level=universal&intervention=pap", 400, "level"),
        ("indicator=uptake.completion&breakdown=sex", 400, "breakdown"),
        ("indicator=reach.breakdown&breakdown=shoe_size", 400, "breakdown"),
        ("indicator=uptake.completion&areas=E08000021", 400, "areas"),
    ],
)
def test_bad_parameters_get_a_json_error_never_a_500(client, query, status, parameter):
    body = get(client, f"/api/v1/data?{query}", status).get_json()
    assert body["error"]["parameter"] == parameter
    assert body["error"]["message"]
    assert "Traceback" not in body["error"]["message"]


def test_openapi_document_validates_and_describes_every_endpoint(client):
    from openapi_spec_validator import validate

    doc = get(client, "/api/v1/openapi.json").get_json()
    validate(doc)
    assert set(doc["paths"]) == {
        "/api/v1/areas",
        "/api/v1/indicators",
        "/api/v1/data",
        "/api/v1/openapi.json",
    }
    names = {p["name"] for p in doc["paths"]["/api/v1/data"]["get"]["parameters"]}
    assert names == {
        "indicator",
        "area",
        "period",
        "from",
        "to",
        "intervention",
        "level",
        "breakdown",
        "benchmark",
        "ci",
        "format",
        "release",
    }


def test_a_period_no_return_covers_answers_not_available_for_every_indicator(client):
    """Asking for a period after every area's return: each row says not available (x)."""
    for ind in ("reach.target", "reach.families", "uptake.completion", "uptake.days_to_start"):
        rows = get(client, f"/api/v1/data?indicator={ind}&period=2030-31_Q1").get_json()["data"]
        areas = [r for r in rows if r["area_code"] != "programme"]
        assert len(areas) == 12, ind
        assert {r["status"] for r in areas} <= {"x", "z"}, ind
        assert all(r["value"] is None for r in rows), ind


def test_data_too_linked_for_the_exact_check_is_refused_not_published_unprotected(
    tmp_path, monkeypatch
):
    """Where a block of hidden cells is beyond the exact check (its equations crossing between
    areas more than the split check reduces), the API answers 503 with the reason, and
    publishes nothing unprotected."""
    from lfo.indicators import derivation_split, protection

    url = build_db(tmp_path / "lfo.db", completion_episodes())
    monkeypatch.setattr(protection, "MAX_BLOCK", 2)  # larger blocks are split by area
    monkeypatch.setattr(derivation_split, "MAX_CROSSING", 1)  # and none can be reduced
    app = create_app(DashboardSettings(database_url=url, suppression_threshold=10))
    resp = app.server.test_client().get("/api/v1/data?indicator=uptake.completion")
    assert resp.status_code == 503
    message = resp.get_json()["error"]["message"]
    assert "crossing system" in message and "larger than the check can reduce" in message
    assert "not published unprotected" in message
