"""The benchmark choice's words, address and table columns (dashboard.present.benchmark,
choices, topic_benchmark, area_spine): members and figures derived independently of the code
under test (``lfo.indicators.benchmarks.groups`` and by hand)."""

from __future__ import annotations

import pandas as pd

from dashboard.present import area_spine, choices, topic_benchmark
from dashboard.present import benchmark as bench
from lfo.indicators.benchmarks import KINDS, groups

# four areas placed by hand: A and B alike, C and D alike (rank, families)
AREAS = pd.DataFrame(
    {
        "area_code": ["E1", "E2", "E3", "E4"],
        "area_name": ["Ashby", "Barton", "Carlow", "Dunmore"],
        "region": ["North", "North", "South", "North"],
        "families": [10000, 11000, 90000, 95000],
        "imd_rank": [1, 2, 100, 101],
    }
)


def test_every_value_is_checked_against_the_servers_list():
    assert [bench.checked(k) for k in KINDS] == list(KINDS)
    for forged in ("", None, "everyone", "NEIGHBOURS ", 5, "<script>"):
        assert bench.checked(forged) == "programme"
    assert [o["value"] for o in bench.benchmark_options()] == list(KINDS)


def test_the_address_carries_the_benchmark_from_page_to_page():
    assert choices.benchmark_from_search("?benchmark=neighbours&ci=99.8") == "neighbours"
    assert choices.benchmark_from_search("?benchmark=Region") == "region"
    assert choices.benchmark_from_search("?benchmark=<script>") == "programme"
    assert choices.benchmark_from_search(None) == "programme"
    assert choices.with_ci("/uptake", "95", "programme") == "/uptake"
    assert choices.with_ci("/uptake", "95", "neighbours") == "/uptake?benchmark=neighbours"
    assert choices.with_ci("/area/E1?period=2018-19", "99.8", "region") == (
        "/area/E1?period=2018-19&ci=99.8&benchmark=region"
    )
    assert choices.with_ci("/reach?benchmark=region", "95", "neighbours") == (
        "/reach?benchmark=neighbours"
    )
    assert choices.with_ci("/reach", "95", "forged") == "/reach"


def test_comparisons_say_what_they_compare_with_and_at_what_level():
    assert bench.compared("worse", "95", "neighbours") == (
        "worse than its statistical neighbours (95%)"
    )
    assert bench.compared("similar", "99.8", "region", "London") == (
        "similar to its region, London (99.8%)"
    )
    assert bench.compared("better", "95", "programme") == "better than the programme (95%)"
    assert bench.summary_words("neighbours") == "Statistical neighbours benchmark"
    assert bench.summary_words("forged") == "Programme benchmark"


def test_members_are_named_nearest_first():
    # by hand: B is A's nearest (rank 2 v 1, families 11,000 v 10,000), then C (rank 100,
    # 90,000), then D (rank 101, 95,000: further from A on both axes); the names follow the
    # engine's groups, in their order
    expected = [
        AREAS.set_index("area_code").loc[c, "area_name"] for c in groups(AREAS, "neighbours")["E1"]
    ]
    assert (
        bench.member_names("E1", "neighbours", AREAS) == expected == ["Barton", "Carlow", "Dunmore"]
    )
    assert bench.member_names("E1", "region", AREAS) == ["Barton", "Dunmore"]
    assert bench.member_names("E1", "programme", AREAS) == []
    assert bench.members_line("Ashby", "region", ["Barton", "Dunmore"], "North") == (
        "Ashby's region (North): Barton and Dunmore."
    )
    assert bench.members_line("Carlow", "region", [], "South") == (
        "Carlow's region (South): none, so it has no region benchmark [z]."
    )
    assert bench.members_line("Ashby", "programme", ["Barton"]) == ""


def test_a_suppressed_group_benchmark_shows_c_and_why_never_a_figure():
    assert topic_benchmark.benchmark_cell(52.0, "c", "%").startswith("[c] suppressed")
    assert topic_benchmark.benchmark_cell(None, "z", "%").startswith("[z] not applicable")
    assert topic_benchmark.benchmark_cell(52.04, None, "%") == "52%"
    rows = pd.DataFrame(
        {
            "area_code": ["programme", "E1", "E3"],
            "benchmark": [60.0, 55.0, 99.0],
            "benchmark_status": [None, None, "c"],
        }
    )
    table = pd.DataFrame({"Area": ["Programme", "Ashby", "Carlow"], "status": [None] * 3})
    out = topic_benchmark.group_columns(table, rows, "region", AREAS, "%")
    assert list(out.columns) == ["Area", "Benchmark (region)", "Compared with", "status"]
    assert out["Benchmark (region)"].tolist()[:2] == ["", "55%"]
    assert out["Benchmark (region)"].iloc[2].startswith("[c]")  # 99 never shown
    assert out["Compared with"].tolist() == ["", "Barton and Dunmore", "no group [z]"]


def test_the_chart_names_the_areas_not_compared_because_their_group_has_no_figure():
    """Seen on the pilot's Outcomes page with neighbours: every dot "Not compared" and no word
    why (each area's neighbours include a suppressed area)."""
    rows = pd.DataFrame(
        {
            "area_code": ["programme", "E1", "E2", "E3", "E4"],
            "area_name": ["Programme", "Ashby", "Barton", "Carlow", "Dunmore"],
            "value": [40.0, 35.0, 41.0, None, 30.0],
            "benchmark_status": [None, "c", "c", "c", None],
        }
    )
    line = topic_benchmark.not_compared_line(rows, "neighbours")
    # Carlow has no figure of its own: nothing to compare, so not named
    assert line == (
        "Not compared with their statistical neighbours: Ashby and Barton, the group's figure "
        f"[c] {bench.MISSING['c']}."
    )
    assert topic_benchmark.not_compared_line(rows.assign(benchmark_status=None), "region") is None
    assert topic_benchmark.not_compared_line(rows, "programme") is None


def test_the_spine_takes_each_groups_figure_and_the_chosen_comparison():
    frame = pd.DataFrame(
        {
            "indicator": ["uptake.completion", "reach.parents"],
            "name": ["Completion rate", "Parents referred"],
            "unit": ["%", "count"],
            "kind": ["proportion", "count"],
            "value": [75.0, 366.0],
            "status": [None, None],
            "comparison": ["better", None],
        }
    )
    neighbours = pd.DataFrame(
        {
            "indicator": ["uptake.completion", "reach.parents"],
            "area_code": ["E1", "E1"],
            "benchmark": [50.0, None],
            "benchmark_status": [None, "z"],
            "comparison": ["better", None],
        }
    )
    region = neighbours.assign(benchmark=[None, None], benchmark_status=["c", "z"])
    region["comparison"] = [None, None]
    out = area_spine.with_groups(
        frame, "E1", {"neighbours": neighbours, "region": region}, "region"
    )
    assert out["comparison"].tolist() == [None, None]  # the region's: not published
    rows = [r for _, r in out.iterrows()]
    assert [area_spine.group_cell(r, "neighbours") for r in rows] == ["50%", "[z]"]
    assert [area_spine.group_cell(r, "region") for r in rows] == ["[c]", "[z]"]
    assert area_spine.group_heading("neighbours", 5) == "Statistical neighbours (5 areas)"
    assert area_spine.group_heading("region", 2, "London") == "Region (London)"
    worse = frame.iloc[0].copy()
    worse["comparison"] = "worse"
    assert area_spine.comparison_word(worse, "its statistical neighbours") == (
        "worse than its statistical neighbours"
    )
    assert area_spine.comparison_word(worse) == "worse than the programme"
