"""The API's benchmarks: ``benchmark=programme|neighbours|region`` on /api/v1/data, the groups'
members on /api/v1/areas, through Flask's test client on the benchmark tests' database (values
worked out by hand from the episodes written: tests/support/benchmark_db.py)."""

import csv
import io

import pytest
from support.benchmark_db import (
    BLACKBURN,
    BLACKPOOL,
    CROYDON,
    DORSET,
    GATESHEAD,
    LAMBETH,
    LUTON,
    NEWCASTLE,
    WESTMINSTER,
    database,
)

from dashboard.app import create_app
from dashboard.services.indicator_data import shared_key
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import indicators
from lfo.indicators.request import ROW_COLUMNS, Query

DATA = "/api/v1/data?indicator=uptake.completion&period=2017-18_Q2"


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    url = database(tmp_path_factory.mktemp("api_bench") / "lfo.db", blackpool=(10, 20))
    app = create_app(DashboardSettings(database_url=url, suppression_threshold=10))
    return app.server.test_client()


def get(client, path, status=200):
    resp = client.get(path)
    assert resp.status_code == status, resp.get_data(as_text=True)
    return resp


def by_area(client, query):
    return {r["area_code"]: r for r in get(client, DATA + query).get_json()["data"]}


def test_region_benchmark_rows_carry_the_pooled_value_its_kind_and_status(client):
    rows = by_area(client, "&benchmark=region")
    assert set(rows[NEWCASTLE]) == {*ROW_COLUMNS, "benchmark", "benchmark_kind", "benchmark_status"}
    croydon = rows[CROYDON]  # Lambeth 12 of 20 and Westminster 30 of 40
    assert croydon["benchmark"] == pytest.approx(42 / 60 * 100)
    assert croydon["benchmark_kind"] == "region" and croydon["benchmark_status"] is None
    newcastle = rows[NEWCASTLE]  # 36 of 40 against Gateshead's 12 of 20
    assert newcastle["benchmark"] == pytest.approx(60.0) and newcastle["comparison"] == "better"
    dorset = rows[DORSET]
    assert dorset["benchmark"] is None and dorset["benchmark_status"] == "z"
    assert dorset["comparison"] is None
    assert rows["programme"]["benchmark_kind"] == "programme"


def test_neighbours_in_csv_name_the_benchmark_columns(client):
    resp = get(client, DATA + "&benchmark=neighbours&area=" + BLACKPOOL + "&format=csv")
    (row,) = list(csv.DictReader(io.StringIO(resp.get_data(as_text=True))))
    assert list(row)[-3:] == ["benchmark", "benchmark_kind", "benchmark_status"]
    # Blackburn 18/30, Gateshead 12/20, Newcastle 36/40, Luton 15/30, Lambeth 12/20
    assert float(row["benchmark"]) == pytest.approx(93 / 140 * 100)
    assert row["benchmark_kind"] == "neighbours" and row["benchmark_status"] == ""


def test_an_explicit_programme_benchmark_says_so_and_the_default_rows_are_unchanged(client):
    plain = by_area(client, "")
    assert set(plain[NEWCASTLE]) == set(ROW_COLUMNS)
    rows = by_area(client, "&benchmark=programme&area=" + NEWCASTLE)
    (row,) = rows.values()
    programme = plain["programme"]  # 218 of 370 pooled over the ten covered areas
    assert programme["numerator"] == 218 and programme["denominator"] == 370
    assert row["benchmark"] == pytest.approx(218 / 370 * 100)
    assert row["benchmark_kind"] == "programme" and row["benchmark_status"] is None
    assert {k: row[k] for k in ROW_COLUMNS} == plain[NEWCASTLE]


@pytest.mark.parametrize("value", ["nearest", "", "Region2"])
def test_an_unknown_benchmark_is_a_400_naming_the_allowed_ones(client, value):
    body = get(client, DATA + f"&benchmark={value}", 400).get_json()
    assert body["error"]["parameter"] == "benchmark"
    assert "programme, neighbours, region" in body["error"]["message"]


def test_an_unknown_ci_is_a_400_and_the_benchmark_follows_the_chosen_level(client):
    assert get(client, DATA + "&ci=90", 400).get_json()["error"]["parameter"] == "ci"
    at_95 = by_area(client, "&benchmark=region&ci=95")
    at_998 = by_area(client, "&benchmark=region&ci=99.8")
    assert at_95[NEWCASTLE]["benchmark"] == at_998[NEWCASTLE]["benchmark"]
    assert at_998[NEWCASTLE]["lower"] < at_95[NEWCASTLE]["lower"]


def test_areas_list_their_neighbours_and_region_peers_by_name(client):
    areas = {a["code"]: a for a in get(client, "/api/v1/areas").get_json()["data"]}
    blackpool = areas[BLACKPOOL]
    assert [n["code"] for n in blackpool["neighbours"]] == [
        BLACKBURN,
        GATESHEAD,
        NEWCASTLE,
        LUTON,
        LAMBETH,
    ]
    assert blackpool["neighbours"][0]["name"] == "Blackburn with Darwen"
    assert [p["name"] for p in areas[CROYDON]["region_peers"]] == ["Lambeth", "Westminster"]
    assert areas[DORSET]["region_peers"] == []
    assert areas[WESTMINSTER]["imd_rank"] == 88


def test_openapi_describes_the_benchmark_parameter_and_fields(client):
    from openapi_spec_validator import validate

    doc = get(client, "/api/v1/openapi.json").get_json()
    validate(doc)
    params = {p["name"]: p for p in doc["paths"]["/api/v1/data"]["get"]["parameters"]}
    assert params["benchmark"]["schema"]["enum"] == ["programme", "neighbours", "region"]
    assert params["ci"]["schema"] == {"enum": ["95", "99.8"], "default": "95"}
    row = doc["components"]["schemas"]["Row"]["properties"]
    assert {"benchmark", "benchmark_kind", "benchmark_status"} <= set(row)
    area = doc["components"]["schemas"]["Area"]["properties"]
    assert {"neighbours", "region_peers"} <= set(area)


def test_results_shared_between_processes_are_kept_apart_by_benchmark():
    ind = indicators()["uptake.completion"]
    keys = {shared_key(Query(indicators=(ind,), benchmark=b)) for b in ("programme", "region")}
    assert len(keys) == 2
