"""Exports that stand alone (issue 11 § 10): a CSV made from a real presenter's chart on the
hand-worked topic database says on every row the area code and name, the period and its type,
the filters, the benchmark, the confidence level, the comparison and the status with its meaning;
two downloads of one chart for different periods or filters get different file names."""

from __future__ import annotations

import csv
import io
import re

import pytest
from support.page_dbs import BLACKPOOL, MANCHESTER, NEWCASTLE, Q_ENDED, build_topic_db

from dashboard.charts import exports
from dashboard.charts.content import exported
from dashboard.charts.downloads import PARTS_LENGTH, file_name, name_part
from dashboard.charts.table import table_twin
from dashboard.present import outcomes as present_outcomes
from dashboard.present import reach as present_reach
from dashboard.present import topic as shared
from dashboard.present.export_context import chart_export
from dashboard.present.topic_filters import Filters
from dashboard.services.database import Database
from dashboard.services.indicator_data import IndicatorData, indicator
from lfo.terms import PROGRAMME, PROGRAMME_LABEL

CATERPILLAR = "topic-uptake-caterpillar"


@pytest.fixture(scope="module")
def data(tmp_path_factory) -> IndicatorData:
    url = build_topic_db(tmp_path_factory.mktemp("export-context") / "topic.db")
    return IndicatorData(Database(url), threshold=10)


def read_csv(data: bytes) -> list[dict]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def caterpillar(data: IndicatorData, **filters):
    f = Filters(indicator="uptake.completion", **{"period": Q_ENDED, **filters})
    return shared.caterpillar_chart(shared.CrossSection.of(data, f, indicator(f.indicator)))


def test_a_presenters_csv_says_on_every_row_what_the_row_is(data):
    chart = exported(caterpillar(data, ci="99.8"))
    rows = read_csv(exports.to_csv(chart))
    by_code = {r["area_code"]: r for r in rows}
    # completion = completed / ended: Newcastle 40/50, Blackpool 20/40, Manchester 30/40
    assert by_code[NEWCASTLE]["area_name"] == "Newcastle upon Tyne"
    assert float(by_code[NEWCASTLE]["Value (%)"]) == 80.0
    assert float(by_code[BLACKPOOL]["Value (%)"]) == 50.0
    assert float(by_code[MANCHESTER]["Value (%)"]) == 75.0
    assert by_code[PROGRAMME]["area_name"] == PROGRAMME_LABEL
    for r in rows:
        assert r["area_code"] and r["area_name"]
        assert (r["period"], r["period_type"]) == (Q_ENDED, "quarter")
        assert r["intervention_group"] == "all"
        assert (r["benchmark"], r["confidence_level"]) == ("programme", "99.8")
        assert r["indicator_id"] == "uptake.completion"
        if r["area_code"] != PROGRAMME and r["status"] == "":
            assert r["comparison"] in ("better", "similar", "worse")
        assert (
            r["status_meaning"]
            == {
                "": "",
                "c": "suppressed to protect confidentiality",
                "x": "not available",
                "z": "not applicable",
            }[r["status"]]
        )
    # Gateshead and Dorset (4 episodes each) are suppressed: the file says what [c] is
    assert sum(r["status"] == "c" for r in rows) >= 2


def test_the_twin_on_screen_shows_names_not_the_rows_codes(data):
    chart = caterpillar(data)
    assert list(chart.table["area_code"]).count(NEWCASTLE) == 1
    headers = str(table_twin(chart.table, "t").children[1])
    assert "area_code" not in headers and "Area" in headers


def test_a_trends_rows_each_carry_their_own_period(data):
    f = Filters(
        indicator="uptake.completion",
        areas=(NEWCASTLE,),
        period_from="2017-18_Q4",
        period_to="2018-19_Q2",
        period=Q_ENDED,
    )
    trend = exported(shared.trend_chart(data, f, indicator("uptake.completion")))
    rows = read_csv(exports.to_csv(trend))
    assert {r["period"] for r in rows} <= {"2017-18_Q4", "2018-19_Q1", "2018-19_Q2"}
    assert Q_ENDED in {r["period"] for r in rows}
    assert {r["period_type"] for r in rows} == {"quarter"}
    assert {r["area_code"] for r in rows} <= {NEWCASTLE, PROGRAMME}
    name = file_name("topic-uptake-trend", trend.data_as_at, "csv", trend.file_parts)
    assert "2017-18_Q4_to_2018-19_Q2" in name and NEWCASTLE in name
    assert {r["trend_by"] for r in rows} == {"quarterly"} and "quarterly" in name


def test_an_annual_trend_says_so_in_its_rows_and_its_file_name(data):
    f = Filters(
        indicator="uptake.completion",
        areas=(NEWCASTLE,),
        period_from="2017-18_Q4",
        period_to="2018-19_Q2",
        trend_by="annual",
        period=Q_ENDED,
    )
    trend = exported(shared.trend_chart(data, f, indicator("uptake.completion")))
    rows = read_csv(exports.to_csv(trend))
    # the range touches two financial years: each row is one, of type financial_year
    assert {r["period"] for r in rows} == {"2017-18", "2018-19"}
    assert {r["period_type"] for r in rows} == {"financial_year"}
    assert {r["trend_by"] for r in rows} == {"annual"}
    name = file_name("topic-uptake-trend", trend.data_as_at, "csv", trend.file_parts)
    assert "2017-18_to_2018-19" in name and "annual" in name


def test_outcomes_over_a_year_carry_the_measure_and_the_years_type(data):
    f = Filters(indicator="reliable_improvement", period="2018-19", measure="csi4")
    rows = read_csv(exports.to_csv(exported(present_outcomes.mean_chart(f, data))))
    assert {(r["period"], r["period_type"], r["measure"]) for r in rows} == {
        ("2018-19", "financial_year", "csi4")
    }


def test_the_reach_breakdown_carries_its_characteristic(data):
    f = Filters(indicator="reach.families", areas=(NEWCASTLE,), period="2017-18_Q1", char="sex")
    rows = read_csv(exports.to_csv(exported(present_reach.breakdown_chart(f, data))))
    assert {r["characteristic"] for r in rows} == {"sex"}
    assert {r["area_code"] for r in rows} == {NEWCASTLE, PROGRAMME}


def test_two_downloads_of_one_chart_for_other_periods_or_filters_get_other_names(data):
    def name(**filters) -> str:
        chart = exported(caterpillar(data, **filters))
        return file_name(CATERPILLAR, chart.data_as_at, "csv", chart.file_parts)

    quarter, year = name(), name(period="2018-19")
    wider, targeted = name(ci="99.8"), name(group="level:targeted")
    assert len({quarter, year, wider, targeted}) == 4
    assert quarter.startswith(f"{'lfo-'}{CATERPILLAR}-uptake.completion-{Q_ENDED}-all-ci95-")
    assert year.startswith(f"lfo-{CATERPILLAR}-uptake.completion-2018-19-all-ci95-")
    assert "-level-targeted-" in targeted and "-ci99.8-" in wider


def test_file_names_are_sanitised_and_bounded():
    parts = ["../../etc/passwd", 'a"b<c>d|e', "\u00e9t\u00e9 \u2013 x", "", "-_-", "y" * 500]
    name = file_name("x", "2019-04-15T09:30:00", "csv", parts * 5)
    assert re.fullmatch(r"lfo-x(-[0-9A-Za-z._-]+)*-2019-04-15\.csv", name)
    assert "/" not in name and ".." not in name
    assert len(name) <= len("lfo-x--2019-04-15.csv") + PARTS_LENGTH
    assert name_part("level:targeted") == "level-targeted"
    assert file_name("x", None, "csv") == "lfo-x-undated.csv"  # no parts: as before


def test_chart_export_orders_the_context_and_names_only_codes():
    got = chart_export(
        ["outcome.csi4.reliable_improvement", "outcome.csi4.recovery"],
        period="2018-19",
        area=(NEWCASTLE, "Newcastle upon Tyne"),
        filters={"intervention_group": "all", "measure": "csi4", "char": None},
        ci=99.8,
    )
    assert list(got["context"].items()) == [
        ("area_code", NEWCASTLE),
        ("area_name", "Newcastle upon Tyne"),
        ("period", "2018-19"),
        ("intervention_group", "all"),
        ("measure", "csi4"),
        ("benchmark", "programme"),
        ("confidence_level", "99.8"),
    ]
    # the measure is in the indicators' shared id already; the area by code, never its name
    assert got["file_parts"] == ["outcome.csi4", NEWCASTLE, "2018-19", "all", "ci99.8"]


# --- the area profile: charts of one area name it on every row ------------------------------------


@pytest.fixture(scope="module")
def area_parts(tmp_path_factory):
    """The area profile's parts for Blackpool, made as its callbacks make them (no app)."""
    from types import SimpleNamespace

    from support.page_dbs import GATESHEAD, build_area_db

    from dashboard.callbacks import area_views
    from dashboard.present import area as present_area
    from dashboard.services import queries

    db = Database(build_area_db(tmp_path_factory.mktemp("export-area") / "area.db"))
    data = IndicatorData(db, threshold=10)
    services = SimpleNamespace(data=data, db=db)
    area = present_area.area_store(
        BLACKPOOL, queries.areas(db), data.areas(), data.periods(), data.latest_quarter()
    )
    compare = [[GATESHEAD]]
    return {
        "spine": area_views.spine_chart(services, area, compare, "2018-19_Q1").content,
        "funnel": area_views.funnel_chart(services, area, "2018-19_Q1"),
        "trend": area_views.trend_chart(services, area, compare, "2018-19_Q1", None),
        "gateshead": GATESHEAD,
    }


@pytest.mark.parametrize("part", ["spine", "funnel"])
def test_a_chart_of_one_area_names_it_on_every_row(area_parts, part):
    chart = exported(area_parts[part])
    rows = read_csv(exports.to_csv(chart))
    assert rows and {(r["area_code"], r["area_name"]) for r in rows} == {(BLACKPOOL, "Blackpool")}
    assert {(r["period"], r["period_type"]) for r in rows} == {("2018-19_Q1", "quarter")}
    assert BLACKPOOL in file_name(f"area-{part}", chart.data_as_at, "csv", chart.file_parts)


def test_the_area_trend_names_each_rows_area_and_quarter(area_parts):
    rows = read_csv(exports.to_csv(exported(area_parts["trend"])))
    assert {r["area_code"] for r in rows} == {BLACKPOOL, area_parts["gateshead"], PROGRAMME}
    assert all(r["period_type"] == "quarter" and r["period"] for r in rows)
    assert {r["confidence_level"] for r in rows} == {"95"}
