"""PostgreSQL timed against SQLite in one process, request by request (``benchmarks.paired``),
and the report judging the 1.5× goal on those pairs (no timing is asserted)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from random import Random

import pytest
from support.postgres import postgres_server

from benchmarks import paired, payloads, report_postgres


class _Response:
    def __init__(self, status_code: int) -> None:
        self.status_code = status_code


def test_each_request_goes_to_every_database_in_turn_the_order_swapped_each_time():
    sent: list[tuple[str, str]] = []

    def call(name: str, status: int):
        def answer(request: str) -> _Response:
            sent.append((name, request))
            return _Response(status)

        return answer

    def timed(make):
        return 0.001, make().status_code

    out = paired.alternate(
        {"sqlite": call("sqlite", 200), "postgresql": call("postgresql", 503)},
        ["r1", "r2", "r3"],
        timed,
    )
    assert sent == [
        ("sqlite", "r1"),
        ("postgresql", "r1"),
        ("postgresql", "r2"),
        ("sqlite", "r2"),
        ("sqlite", "r3"),
        ("postgresql", "r3"),
    ]
    assert out["sqlite"] == ([0.001] * 3, [200] * 3)
    assert out["postgresql"] == ([0.001] * 3, [503] * 3)


def _body(output: str, area: str, period: str) -> str:
    return json.dumps({"output": output, "inputs": [{"id": "x", "value": [area, period]}]})


def test_each_callback_gets_its_recorded_bodies_then_varied_ones_the_same_every_run():
    bodies = [
        _body("b.children", "E06000008", "2018-19_Q4"),
        _body("a.children", "E06000008", "2018-19_Q4"),
        _body("a.children", "E06000008", "2018-19_Q4"),  # recorded twice: once among the bodies
        _body("a.children", "E08000021", "2018-19_Q3"),
    ]
    codes, quarters = ["E06000008", "E08000021"], ["2016-17_Q1", "2018-19_Q4"]
    recorded = payloads.recorded_bodies(bodies)
    made = payloads.callback_variants(
        ["a.children", "b.children", "c.children"], recorded, codes, quarters, 4, Random(7)
    )
    assert list(made) == ["a.children", "b.children"]  # in the keys' order; c: nothing recorded
    assert made["a.children"][:2] == [bodies[1], bodies[3]]
    assert all(len(v) == 4 for v in made.values())
    assert all(json.loads(b)["output"] == key for key, v in made.items() for b in v)
    assert made == payloads.callback_variants(
        ["a.children", "b.children"], recorded, codes, quarters, 4, Random(7)
    )
    assert recorded["a.children"] == [bodies[1], bodies[3]]


def _stats(p95: float) -> dict:
    return {"n": 50, "p50_ms": p95 / 2, "p95_ms": p95, "max_ms": p95, "errors": 0}


def test_the_goal_is_judged_on_the_runs_own_pairs_when_it_has_them():
    separate = {
        "machine": {"date": "2026-12-06 00:26 UTC"},
        "dashboard": {"api": {"/api/v1/areas": {"p95_ms": 10.0}}, "callbacks": {}},
    }
    pg = {
        "dashboard": {"api": {"/api/v1/areas": {"p95_ms": 30.0}}, "callbacks": {}},
        "paired": {
            "n": 50,
            "callbacks": {
                "k": {
                    "callback": "area.update_area_trend → x",
                    "sqlite": _stats(10),
                    "postgresql": _stats(14),
                }
            },
            "api": {"/api/v1/areas": {"sqlite": _stats(20), "postgresql": _stats(31)}},
        },
    }
    text = "\n".join(report_postgres.against_sqlite(pg, separate))
    assert "1 of 2 within, 1 over (worst 1.6×)" in text
    assert "Both measured in this run" in text and "00:26" not in text
    assert "| `/api/v1/areas` | 20.0 | 31.0 | 1.55× | **not met** |" in text
    assert "| area.update_area_trend → x | 10.0 | 14.0 | 1.40× | met |" in text
    # without pairs (no SQLite database beside it): SQLite's own run, named
    alone = {
        **pg,
        "paired": {"note": "no SQLite database at /x/lfo.db: run the SQLite benchmark first"},
    }
    text = "\n".join(report_postgres.against_sqlite(alone, separate))
    assert "0 of 1 within, 1 over (worst 3.0×)" in text
    assert (
        "its own run of 2026-12-06 00:26 UTC" in text and "run the SQLite benchmark first" in text
    )


def test_the_goals_table_has_the_pairs_line_only_for_a_run_with_pairs():
    from benchmarks.report import goals

    pairs = {
        "n": 50,
        "callbacks": {},
        "api": {
            "/api/v1/areas": {"sqlite": _stats(20), "postgresql": _stats(29)},
            "/api/v1/data": {"sqlite": _stats(10), "postgresql": _stats(11)},
        },
    }
    line = [g for g in goals({"database": "postgresql", "paired": pairs}) if "SQLite's" in g[0]]
    assert line == [
        (
            "every callback and API request p95 ≤ 1.5× SQLite's (timed in turn, one process)",
            "0 of 2 over; worst 1.45×",
            "met",
        )
    ]
    pairs["api"]["/api/v1/data"]["postgresql"] = _stats(16)
    line = [g for g in goals({"database": "postgresql", "paired": pairs}) if "SQLite's" in g[0]]
    assert line[0][1:] == ("1 of 2 over; worst 1.60×", "**not met**")
    assert not [g for g in goals({"database": "postgresql"}) if "SQLite's" in g[0]]


@pytest.mark.slow
def test_both_databases_of_the_same_returns_answer_every_api_request_in_turn(tmp_path: Path):
    from benchmarks import etl_load
    from benchmarks.dataset import TINY_AREAS, TINY_QUARTERS, Dataset
    from etl.collect import return_order
    from etl.synthetic.generate import generate

    generate(tmp_path / "returns", only_areas=TINY_AREAS)  # the tiny scale's two areas only
    files = [
        f for f in (tmp_path / "returns" / "zip").glob("*.zip") if f.stem[-10:] in TINY_QUARTERS
    ]
    lite = Dataset("tiny", tmp_path / "tiny", tuple(sorted(files, key=return_order)), None)
    lite.root.mkdir()
    assert len(lite.files) == 4
    etl_load.time_load(lite)
    with postgres_server() as url:
        etl_load.time_load(dataclasses.replace(lite, database_url=url))
        result = paired.run_paired(lite, url, 3, make_ahead=False)  # (made as asked: faster)
    assert set(result["api"]) == {
        "/api/v1/data",
        "/api/v1/areas",
        "/api/v1/indicators",
        "/api/v1/openapi.json",
    }
    for route, both in result["api"].items():
        for database in ("sqlite", "postgresql"):
            assert both[database]["n"] == 3 and both[database]["errors"] == 0, (route, database)
    assert result["callbacks"] == {}  # no bodies recorded for this dataset
    assert set(result["made_ahead_s"]) == {"sqlite", "postgresql"}
    # SQLite's results kept beside its database for the next run
    assert any((lite.root / paired.RESULTS_FOLDER).rglob("*"))
