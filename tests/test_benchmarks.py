"""Benchmarks other than the programme (indicators.md v2, "Benchmarks"): the groups, checked
against the reference table by an independent computation and by hand, and the engine's pooled
group values, checked against sums worked out by hand from the episodes written."""

import csv
import math
import statistics
from pathlib import Path

import pandas as pd
import pytest
from support.benchmark_db import (
    BLACKBURN,
    BLACKPOOL,
    CROYDON,
    DORSET,
    ESSEX,
    GATESHEAD,
    HERTS,
    LAMBETH,
    LUTON,
    MANCHESTER,
    NEWCASTLE,
    Q2,
    Q3,
    WESTMINSTER,
    database,
)

from lfo.db import reader_engine
from lfo.indicators import benchmarks
from lfo.indicators.definitions import indicators
from lfo.indicators.engine import compute
from lfo.indicators.protection import Plan, make_plan
from lfo.indicators.request import Query
from lfo.terms import PROGRAMME

AREAS_CSV = Path(__file__).resolve().parents[1] / "data" / "reference" / "areas.csv"


def reference_areas() -> pd.DataFrame:
    with AREAS_CSV.open(newline="") as f:
        rows = list(csv.DictReader(f))
    return pd.DataFrame(
        {
            "area_code": [r["gss_code"] for r in rows],
            "region": [r["region"] for r in rows],
            "families": [int(r["families"]) for r in rows],
            "imd_rank": [int(r["imd_rank"]) for r in rows],
        }
    )


# --- the groups --------------------------------------------------------------------------------


def test_blackpools_neighbours_are_the_small_deprived_areas_worked_out_by_hand():
    got = benchmarks.groups(reference_areas(), "neighbours")[BLACKPOOL]
    # Ranks of the 12: mean 727/12 = 60.583, population SD 43.953; ln(families): SD 0.75797.
    # Blackpool (rank 1, 16,000) to Blackburn (rank 8, 23,000): rank 7/43.953 = 0.1593 SDs,
    # ln(23000/16000) = 0.3629 = 0.4788 SDs: distance √(0.0254 + 0.2292) = 0.505, the nearest.
    assert got[0] == BLACKBURN
    assert got == (BLACKBURN, GATESHEAD, NEWCASTLE, LUTON, LAMBETH)
    # Manchester is more deprived than all of them but more than four times Blackpool's size
    assert MANCHESTER not in got


def test_every_pilot_areas_neighbours_agree_with_an_independent_computation():
    areas = reference_areas()
    ranks = list(areas["imd_rank"].astype(float))
    logs = [math.log(f) for f in areas["families"]]
    z = {
        code: (
            (r - statistics.mean(ranks)) / statistics.pstdev(ranks),
            (lg - statistics.mean(logs)) / statistics.pstdev(logs),
        )
        for code, r, lg in zip(areas["area_code"], ranks, logs, strict=True)
    }
    got = benchmarks.groups(areas, "neighbours")
    for code in z:
        nearest = sorted((math.dist(z[code], z[o]), o) for o in z if o != code)[:5]
        assert got[code] == tuple(o for _, o in nearest), code
    # and two read from that computation's distances: Croydon's nearest is Luton (0.727),
    # just before Lambeth (0.728); Essex's is Hertfordshire, the other very large county
    assert got[CROYDON][:2] == (LUTON, LAMBETH)
    assert got[ESSEX][0] == HERTS


def test_equal_distances_go_to_the_lower_code_and_fewer_areas_give_all_the_others():
    # B and C lie at the same distance from A (one rank either side, same size)
    areas = pd.DataFrame(
        {
            "area_code": ["E0000000C", "E0000000A", "E0000000B"],
            "region": ["R", "R", "R"],
            "families": [1000, 1000, 1000],
            "imd_rank": [3, 2, 1],
        }
    )
    got = benchmarks.groups(areas, "neighbours")
    assert got["E0000000A"] == ("E0000000B", "E0000000C")  # a tie: lower code first
    assert got["E0000000B"] == ("E0000000A", "E0000000C")  # two others: both, nearest first


def test_an_area_without_a_deprivation_rank_has_no_neighbours_and_is_nobodys():
    areas = reference_areas()
    areas["imd_rank"] = areas["imd_rank"].astype(object)
    areas.loc[areas["area_code"] == BLACKBURN, "imd_rank"] = None
    got = benchmarks.groups(areas, "neighbours")
    assert got[BLACKBURN] == ()
    assert all(BLACKBURN not in members for members in got.values())
    assert got[BLACKPOOL][0] == GATESHEAD


def test_region_groups_are_the_other_areas_of_the_region():
    got = benchmarks.groups(reference_areas(), "region")
    assert got[CROYDON] == (LAMBETH, WESTMINSTER)
    assert got[MANCHESTER] == (BLACKBURN, BLACKPOOL)
    assert got[DORSET] == ()  # the only pilot area in the South West


def test_the_programme_group_is_every_area_and_unknown_kinds_are_refused():
    areas = reference_areas()
    assert set(benchmarks.groups(areas, "programme")[DORSET]) == set(areas["area_code"])
    with pytest.raises(ValueError, match="programme, neighbours, region"):
        benchmarks.groups(areas, "nearest")
    with pytest.raises(ValueError, match="benchmark must be one of"):
        Query(indicators=(), benchmark="county")
    assert Query(indicators=()) == Query(indicators=(), benchmark="programme")


# --- the engine --------------------------------------------------------------------------------


def _with_plan(url: str) -> tuple[str, Plan]:
    with reader_engine(url).connect() as conn:
        return url, make_plan(conn, 10)


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    """No figure small enough to hide."""
    return _with_plan(database(tmp_path_factory.mktemp("bench") / "lfo.db", blackpool=(10, 20)))


@pytest.fixture(scope="module")
def one_small(tmp_path_factory):
    """Blackpool's 3 of 3 is suppressed (and, by the rule, two more cells of its table)."""
    return _with_plan(database(tmp_path_factory.mktemp("bench_c") / "lfo.db", blackpool=(3, 3)))


def run(db, indicator, benchmark, period=Q2):
    url, plan = db
    q = Query(indicators=(indicators()[indicator],), periods=(period,), benchmark=benchmark)
    with reader_engine(url).connect() as conn:
        return compute(conn, q, plan).rows.set_index("area_code")


def test_a_region_benchmark_pools_the_other_areas_numerators_and_denominators(published):
    rows = run(published, "uptake.completion", "region")
    # nothing hidden: the pools below are all published (Essex and Hertfordshire: no return)
    assert (rows["status"] != "c").all()
    assert set(rows.index[rows["status"] == "x"]) == {ESSEX, HERTS}
    newcastle = rows.loc[NEWCASTLE]
    assert newcastle["benchmark"] == pytest.approx(12 / 20 * 100)  # Gateshead alone
    assert newcastle["comparison"] == "better"  # 36 of 40: 95% Wilson lower limit 77%
    assert newcastle["benchmark_kind"] == "region" and newcastle["benchmark_status"] is None
    croydon = rows.loc[CROYDON]
    assert croydon["benchmark"] == pytest.approx((12 + 30) / (20 + 40) * 100)  # 70%
    assert croydon["comparison"] == "similar"  # 10 of 20: 95% interval 30% to 70.1%
    assert croydon["benchmark_areas"] == 2
    # Manchester (50 of 100) against Blackpool and Blackburn: 28 of 50, 56%
    assert rows.loc[MANCHESTER, "benchmark"] == pytest.approx(28 / 50 * 100)


def test_neighbours_pool_the_covered_members_and_say_how_many(published):
    rows = run(published, "uptake.completion", "neighbours")
    # Blackburn 18/30, Gateshead 12/20, Newcastle 36/40, Luton 15/30, Lambeth 12/20
    assert rows.loc[BLACKPOOL, "benchmark"] == pytest.approx(93 / 140 * 100)
    assert rows.loc[BLACKPOOL, "benchmark_areas"] == 5
    # Dorset's neighbours: Croydon 10/20, Westminster 30/40, Lambeth 12/20, Luton 15/30 and
    # Hertfordshire, whose return does not cover the quarter
    assert rows.loc[DORSET, "benchmark"] == pytest.approx(67 / 110 * 100)
    assert rows.loc[DORSET, "benchmark_areas"] == 4


def test_a_region_without_other_areas_is_z_and_one_without_data_is_x(published):
    rows = run(published, "uptake.completion", "region")
    dorset = rows.loc[DORSET]
    assert pd.isna(dorset["benchmark"]) and dorset["comparison"] is None
    assert dorset["benchmark_status"] == "z"
    luton = rows.loc[LUTON]  # Essex and Hertfordshire: no return for the quarter
    assert pd.isna(luton["benchmark"]) and luton["comparison"] is None
    assert luton["benchmark_status"] == "x"


def test_the_programme_row_keeps_the_programme(published):
    rows = run(published, "uptake.completion", "neighbours")
    prog = rows.loc[PROGRAMME]
    assert prog["benchmark"] == pytest.approx(prog["value"])
    assert prog["benchmark_kind"] == "programme" and prog["comparison"] is None
    default = run(published, "uptake.completion", "programme")
    assert "benchmark_kind" not in default  # the default rows are as before
    assert (default["benchmark"] == default.loc[PROGRAMME, "value"]).all()


def test_a_mean_is_pooled_over_the_members_units_not_averaged(published):
    rows = run(published, "outcome.csi4.change", "region", period=Q3)
    # Lambeth: changes 1..10 (sum 55); Westminster: 12 changes of 4 (sum 48)
    assert rows.loc[CROYDON, "benchmark"] == pytest.approx((55 + 48) / 22)
    assert rows.loc[CROYDON, "comparison"] == "worse"  # all 0 (csi4: higher is better)
    assert rows.loc[LAMBETH, "benchmark"] == pytest.approx((0 + 48) / 22)


def test_counts_have_no_group_benchmark(published):
    rows = run(published, "reach.parents", "neighbours", period="2017-18_Q1")
    areas = rows.drop(index=PROGRAMME)
    assert areas["benchmark"].isna().all() and (areas["benchmark_status"] == "z").all()


def test_a_group_with_a_suppressed_member_is_c(one_small):
    rows = run(one_small, "uptake.completion", "region")
    hidden = set(rows.index[rows["status"] == "c"])
    assert BLACKPOOL in hidden and len(hidden - {PROGRAMME}) >= 3  # the rule: three at least
    region = benchmarks.groups(reference_areas(), "region")
    for area in region:
        row = rows.loc[area]
        if row["benchmark_status"] == "z":
            assert region[area] == () or row["status"] == "z"
            continue
        assert (row["benchmark_status"] == "c") == bool(hidden & set(region[area])), area
        if row["benchmark_status"] == "c":
            assert pd.isna(row["benchmark"]) and row["comparison"] is None
    manchester = rows.loc[MANCHESTER]  # Blackpool is in its region
    assert manchester["benchmark_status"] == "c" and pd.isna(manchester["benchmark"])
    # Blackpool's own group (Manchester, Blackburn) is published, but its own cell is hidden:
    # no benchmark on its row, as with the programme, while its status says the group's
    blackpool = rows.loc[BLACKPOOL]
    assert blackpool["status"] == "c" and blackpool["benchmark_status"] is None
    assert pd.isna(blackpool["benchmark"]) and blackpool["comparison"] is None
