"""Disclosure control: primary and secondary suppression, and what a suppressed row shows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lfo.indicators import derivation
from lfo.indicators.derivation import derivable
from lfo.indicators.disclosure import (
    Margin,
    apply,
    membership,
    primary,
    secondary,
    suppress_indicator,
)

AREAS = Margin(keys=("period",), total="is_total", order="area")


def _areas(nums, dens, codes=None) -> pd.DataFrame:
    """Areas plus the programme row (the margin total) for one indicator and period."""
    codes = codes or [f"E{i:02d}" for i in range(1, len(nums) + 1)]
    frame = pd.DataFrame({"area": codes, "numerator": nums, "denominator": dens})
    total = {"area": "programme", "numerator": sum(nums), "denominator": sum(dens)}
    frame = pd.concat([frame, pd.DataFrame([total])], ignore_index=True)
    frame["period"] = "2024-25_Q1"
    frame["is_total"] = frame["area"] == "programme"
    frame["value"] = frame["numerator"] / frame["denominator"] * 100
    frame["lower"], frame["upper"] = frame["value"] - 1, frame["value"] + 1
    frame["comparison"] = "similar"
    frame["trend"] = "no significant change"
    frame["status"] = None
    return frame


def _hidden(frame: pd.DataFrame, threshold: int = 10) -> list[str]:
    mask = secondary(
        frame,
        primary(frame["numerator"], frame["denominator"], threshold),
        [AREAS],
        threshold=threshold,
    )
    return frame.loc[mask, "area"].tolist()


@pytest.mark.parametrize(
    "num,den,expected",
    [
        (0, 100, False),  # a zero is shown
        (1, 100, True),
        (9, 100, True),
        (10, 100, False),
        (0, 9, True),  # denominator below T
        (0, 0, True),
        (12, 10, False),
        (np.nan, 9, True),  # a mean or median: its n is the denominator
        (np.nan, 10, False),
        (np.nan, np.nan, False),  # nothing to show (status x)
    ],
)
def test_primary_suppression_rule(num, den, expected) -> None:
    assert bool(primary(num, den)[0]) is expected


def test_primary_for_counts_and_another_threshold() -> None:
    assert primary([0, 1, 9, 10, None]).tolist() == [False, True, True, False, False]
    assert primary([4, 5], [100, 4], threshold=5).tolist() == [True, True]
    assert primary([5], [5], threshold=5).tolist() == [False]


def test_a_lone_suppressed_area_takes_the_smallest_other_numerator_with_it() -> None:
    frame = _areas([3, 20, 15, 40], [50, 60, 70, 80])
    assert _hidden(frame) == ["E01", "E03"]


def test_a_zero_is_not_used_to_cover_a_small_number() -> None:
    # hiding E02's 0 beside E01's 3 would leave 3 = margin − shown cells, once guessed
    frame = _areas([3, 0, 15, 40], [50, 60, 70, 80])
    assert _hidden(frame) == ["E01", "E03"]


def test_ties_go_to_the_lowest_area_code() -> None:
    frame = _areas([3, 40, 15, 15], [50, 60, 70, 80], codes=["E09", "E01", "E05", "E03"])
    assert _hidden(frame) == ["E09", "E03"]


def test_a_small_denominator_is_covered_by_the_smallest_denominator() -> None:
    # E01 hidden for its denominator: the complement is the smallest denominator (E04: 30),
    # not the smallest numerator (E02: 10)
    frame = _areas([0, 10, 50, 20], [8, 200, 100, 30])
    assert _hidden(frame) == ["E01", "E04"]


def test_two_suppressed_areas_need_no_complement() -> None:
    frame = _areas([3, 4, 15, 40], [50, 60, 70, 80])
    assert _hidden(frame) == ["E01", "E02"]


def test_one_area_alone_hides_the_programme_too() -> None:
    frame = _areas([3], [50])
    assert _hidden(frame) == ["E01", "programme"]


def test_a_suppressed_programme_counts_as_a_hidden_cell_of_its_margin() -> None:
    # programme numerator 5 (primary): E01 is hidden too, the zeros stay shown
    frame = _areas([5, 0, 0], [40, 30, 20])
    assert _hidden(frame) == ["E01", "programme"]
    # programme denominator below T: every area's is too
    frame = _areas([0, 0], [4, 5])
    assert _hidden(frame) == ["E01", "E02", "programme"]


def test_areas_without_figures_are_never_chosen() -> None:
    frame = _areas([3, 20, 15], [50, 60, 70])
    frame.loc[frame["area"] == "E03", ["numerator", "denominator"]] = np.nan  # not covered
    frame.loc[frame["is_total"], ["numerator", "denominator"]] = [23, 110]
    assert _hidden(frame) == ["E01", "E02"]


def test_apply_nulls_every_figure_and_marks_status_c() -> None:
    frame = _areas([3, 20, 15, 40], [50, 60, 70, 80])
    frame.loc[frame["area"] == "E04", "status"] = "x"  # untouched where not suppressed
    frame["n_areas"] = 4
    frame["upper"] = frame["upper"].astype(object)  # a figure column of any dtype is nulled
    out = apply(frame, margins=[AREAS], keep=("n_areas",))
    hidden = out[out["status"] == "c"]
    assert hidden["area"].tolist() == ["E01", "E03"]
    for column in ("value", "lower", "upper", "numerator", "denominator"):
        assert hidden[column].isna().all(), column
    assert hidden["comparison"].isna().all() and hidden["trend"].isna().all()
    assert hidden["n_areas"].tolist() == [4, 4] and hidden["period"].notna().all()
    shown = out[out["status"] != "c"]
    assert shown["status"].tolist() == [None, "x", None]
    assert shown["numerator"].tolist() == [20, 40, 78]
    assert frame["numerator"].tolist() == [3, 20, 15, 40, 78]  # the input is not changed


def test_a_breakdown_table_and_the_area_table_are_suppressed_together() -> None:
    # areas E01, E02 x categories a, b (+ totals). E01:a = 4 is primary; in the area table for
    # category a its complement is E02:a; then E02's breakdown has one hidden cell, so E02:b goes.
    rows = []
    cells = {
        ("E01", "a"): (4, 40),
        ("E01", "b"): (30, 60),
        ("E02", "a"): (12, 50),
        ("E02", "b"): (25, 70),
    }
    for (area, cat), (n, d) in cells.items():
        rows.append((area, cat, n, d))
    for area in ("E01", "E02"):
        rows.append(
            (
                area,
                "all",
                sum(v[0] for k, v in cells.items() if k[0] == area),
                sum(v[1] for k, v in cells.items() if k[0] == area),
            )
        )
    for cat in ("a", "b", "all"):
        part = [r for r in rows if r[1] == cat]
        rows.append(("programme", cat, sum(r[2] for r in part), sum(r[3] for r in part)))
    frame = pd.DataFrame(rows, columns=["area", "category", "numerator", "denominator"])
    frame["is_programme"] = frame["area"] == "programme"
    frame["is_all"] = frame["category"] == "all"
    frame["order"] = frame["category"].map({"a": 0, "b": 1, "all": 9})
    margins = [Margin(("category",), "is_programme", "area"), Margin(("area",), "is_all", "order")]
    mask = secondary(frame, primary(frame["numerator"], frame["denominator"]), margins)
    hidden = set(zip(frame.loc[mask, "area"], frame.loc[mask, "category"], strict=True))
    assert hidden == {("E01", "a"), ("E02", "a"), ("E01", "b"), ("E02", "b")}


def test_breakdowns_split_from_one_shared_total() -> None:
    # one area: sex (female 36, male 4) and age band (a 20, b 20) both add up to the "all" row
    frame = pd.DataFrame(
        {
            "area": "E01",
            "breakdown": ["sex", "sex", "age", "age", None],
            "category": ["female", "male", "a", "b", "all"],
            "numerator": [36, 4, 20, 20, 40],
            "denominator": [90, 10, 50, 50, 100],
            "order": [0, 1, 0, 1, 9],
        }
    )
    frame["is_all"] = frame["category"] == "all"
    margin = Margin(("area",), "is_all", "order", split="breakdown")
    mask = secondary(frame, primary(frame["numerator"], frame["denominator"]), [margin])
    assert frame.loc[mask, "category"].tolist() == ["female", "male"]


def test_suppress_indicator_on_the_engines_breakdown_frame() -> None:
    # one area, one period, sex breakdown: female 30, male 4, other 0, not_stated 6 of 40
    cats = ["sex:female", "sex:male", "sex:other", "sex:not_stated"]
    nums = [30, 4, 0, 6]
    rows = [("E01", c, n, 40) for c, n in zip(cats, nums, strict=True)]
    rows += [("E02", c, n, 100) for c, n in zip(cats, [50, 20, 10, 20], strict=True)]
    rows += [
        ("programme", c, n + m, 140) for c, n, m in zip(cats, nums, [50, 20, 10, 20], strict=True)
    ]
    df = pd.DataFrame(rows, columns=["area_code", "category", "numerator", "denominator"])
    df["period"] = "2024-25"
    df["value"] = df["numerator"] / df["denominator"] * 100
    df["benchmark"] = df["category"].map(
        df[df["area_code"] == "programme"].set_index("category")["value"]
    )
    df["status"] = None
    df["areas_pooled"] = 2
    df["covered"] = True
    out = suppress_indicator(df, "breakdown", 10)
    hidden = out[out["status"] == "c"]
    # E01: male 4 and not_stated 6 are primary; in each category's area table they need a
    # complement: E02's male and not_stated; then E02's breakdown has two hidden: stable
    assert set(zip(hidden["area_code"], hidden["category"], strict=True)) == {
        ("E01", "sex:male"),
        ("E01", "sex:not_stated"),
        ("E02", "sex:male"),
        ("E02", "sex:not_stated"),
    }
    assert hidden["areas_pooled"].tolist() == [2, 2, 2, 2]
    assert out.index.equals(df.index) and list(out.columns) == list(df.columns)


def test_suppress_indicator_counts_use_the_count_and_a_hidden_programme_hides_the_benchmark() -> (
    None
):
    df = pd.DataFrame(
        {
            "area_code": ["E01", "E02", "programme"],
            "period": "2024-25_Q1",
            "category": None,
            "numerator": [5.0, 0.0, 5.0],
            "denominator": np.nan,
            "value": [5.0, 0.0, 5.0],
            "benchmark": 5.0,
            "comparison": None,
            "status": None,
        }
    )
    out = suppress_indicator(df, "count", 10)
    assert out["status"].tolist() == ["c", None, "c"]
    assert out["benchmark"].isna().all()
    assert out.loc[1, "value"] == 0


# --- properties over random tables ---------------------------------------------------------------


def _cells(draw, n_min: int, n_max: int, threshold: int):
    k = draw(st.integers(n_min, n_max))
    nums = draw(st.lists(st.integers(0, 3 * threshold), min_size=k, max_size=k))
    extra = draw(st.lists(st.integers(0, 4 * threshold), min_size=k, max_size=k))
    return nums, [n + e for n, e in zip(nums, extra, strict=True)]


@st.composite
def area_tables(draw):
    threshold = draw(st.sampled_from([5, 10]))
    nums, dens = _cells(draw, 1, 8, threshold)
    return _areas(nums, dens), threshold


def _check_published(out: pd.DataFrame, threshold: int) -> None:
    shown = out[out["status"] != "c"]
    assert not ((shown["numerator"] >= 1) & (shown["numerator"] <= threshold - 1)).any()
    assert not (shown["denominator"] < threshold).any()


def _check_margins(out: pd.DataFrame, groups) -> None:
    for _, group in out.groupby(groups, dropna=False):
        n_hidden = int((group["status"] == "c").sum())
        assert n_hidden != 1, group


def _determined(frame: pd.DataFrame, mask: np.ndarray, groups: list[list[int]]) -> list[int]:
    """Hidden rows whose value follows from the published cells and margins (linear algebra).

    Each group of row positions is one equation: Σ non-total cells − total = 0. A hidden row is
    determined when every solution of the homogeneous system in the hidden unknowns fixes it.
    """
    unknown = np.flatnonzero(mask)
    if len(unknown) == 0:
        return []
    col = {p: i for i, p in enumerate(unknown)}
    rows = []
    for members, total in groups:
        row = np.zeros(len(unknown))
        for p in members:
            if p in col:
                row[col[p]] += 1
        if total in col:
            row[col[total]] -= 1
        if row.any():
            rows.append(row)
    if not rows:
        return list(unknown)
    a = np.array(rows)
    _, s, vt = np.linalg.svd(a)
    rank = int((s > 1e-9).sum())
    null = vt[rank:].T  # columns span the null space
    return [int(unknown[i]) for i in range(len(unknown)) if np.allclose(null[i], 0, atol=1e-9)]


@settings(max_examples=150, deadline=None)
@given(area_tables())
def test_no_small_figure_is_published_and_no_hidden_area_can_be_worked_back(case) -> None:
    frame, threshold = case
    out = apply(frame, threshold, margins=[AREAS])
    _check_published(out, threshold)
    _check_margins(out, ["period"])
    mask = (out["status"] == "c").to_numpy()
    total = int(np.flatnonzero(frame["is_total"])[0])
    cells = [int(p) for p in np.flatnonzero(~frame["is_total"])]
    assert _determined(frame, mask, [(cells, total)]) == []


@st.composite
def grid_tables(draw):
    """Areas × categories, with area totals ("all"), programme rows and the programme total."""
    threshold = draw(st.sampled_from([5, 10]))
    n_areas = draw(st.integers(1, 5))
    n_cats = draw(st.integers(2, 4))
    rows = []
    for a in range(n_areas):
        nums, dens = _cells(draw, n_cats, n_cats, threshold)
        for c in range(n_cats):
            rows.append((f"E{a:02d}", f"c{c}", nums[c], dens[c]))
        rows.append((f"E{a:02d}", "all", sum(nums), sum(dens)))
    frame = pd.DataFrame(rows, columns=["area", "category", "numerator", "denominator"])
    prog = frame.groupby("category", as_index=False)[["numerator", "denominator"]].sum()
    frame = pd.concat([frame, prog.assign(area="programme")], ignore_index=True)
    frame["is_programme"] = frame["area"] == "programme"
    frame["is_all"] = frame["category"] == "all"
    frame["order"] = frame["category"].str.replace("all", "c99").str.slice(1).astype(int)
    frame["status"] = None
    return frame, threshold


GRID_MARGINS = [Margin(("category",), "is_programme", "area"), Margin(("area",), "is_all", "order")]


def _grid_equations(frame: pd.DataFrame) -> list[tuple[list[int], int]]:
    groups = []
    for key, total in (("category", "is_programme"), ("area", "is_all")):
        for _, g in frame.groupby(key):
            totals = g.index[g[total]]
            groups.append(([int(i) for i in g.index[~g[total]]], int(totals[0])))
    return groups


@settings(max_examples=150, deadline=None)
@given(grid_tables())
def test_two_way_tables_have_no_margin_with_a_single_hidden_cell(case) -> None:
    frame, threshold = case
    out = apply(frame, threshold, margins=GRID_MARGINS)
    _check_published(out, threshold)
    _check_margins(out, ["category"])  # each category across areas + programme
    _check_margins(out, ["area"])  # each area (and the programme) across categories + total
    mask = (out["status"] == "c").to_numpy()
    assert _determined(frame, mask, _grid_equations(frame)) == []


def _bridge_grid() -> pd.DataFrame:
    """Two blocks of four hidden cells, joined by E04:c1 (found by the property test above)."""
    nums = {
        "E00": [9, 6, 12, 1],
        "E01": [6, 12, 0, 15],
        "E02": [5, 0, 9, 0],
        "E03": [0, 10, 14, 5],
        "E04": [5, 3, 10, 5],
    }
    dens = {
        "E00": [28, 7, 12, 7],
        "E01": [22, 23, 11, 15],
        "E02": [21, 12, 23, 9],
        "E03": [9, 22, 22, 22],
        "E04": [19, 9, 16, 10],
    }
    rows = []
    for area in nums:
        for c in range(4):
            rows.append((area, f"c{c}", nums[area][c], dens[area][c]))
        rows.append((area, "all", sum(nums[area]), sum(dens[area])))
    frame = pd.DataFrame(rows, columns=["area", "category", "numerator", "denominator"])
    prog = frame.groupby("category", as_index=False)[["numerator", "denominator"]].sum()
    frame = pd.concat([frame, prog.assign(area="programme")], ignore_index=True)
    frame["is_programme"] = frame["area"] == "programme"
    frame["is_all"] = frame["category"] == "all"
    frame["order"] = frame["category"].str.replace("all", "c99").str.slice(1).astype(int)
    return frame


def test_a_bridge_cell_between_two_protected_blocks_gets_a_complement() -> None:
    frame = _bridge_grid()
    first = primary(frame["numerator"], frame["denominator"], 5)
    members = [membership(frame, m) for m in GRID_MARGINS]
    informative = np.ones(len(frame), dtype=bool)
    per_margin = secondary(frame, first, GRID_MARGINS, threshold=5, exact=False)
    bridge = frame.index[(frame["area"] == "E04") & (frame["category"] == "c1")][0]
    # every margin has 0 or >= 2 hidden cells, yet E04:c1 follows from adding margins up
    assert derivable(members, per_margin, informative) == [bridge]
    assert _determined(frame, per_margin, _grid_equations(frame)) == [bridge]
    full = secondary(frame, first, GRID_MARGINS, threshold=5)
    assert full.sum() > per_margin.sum() and (full | ~per_margin).all()
    assert derivable(members, full, informative) == []
    assert _determined(frame, full, _grid_equations(frame)) == []


@settings(max_examples=200, deadline=None)
@given(grid_tables(), st.data())
def test_derivable_by_graph_bridges_agrees_with_the_null_space(case, data) -> None:
    """The two margins of a grid form a graph: its bridges are the rows the null space fixes."""
    frame, _ = case
    hidden = np.array(data.draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame))))
    informative = np.array(
        data.draw(
            st.lists(st.booleans(), min_size=len(frame), max_size=len(frame)).filter(
                lambda x: sum(x) > 0
            )
        )
    )
    members = [membership(frame, m) for m in GRID_MARGINS]
    by_graph = derivable(members, hidden, informative)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derivation, "_fixed_in_graph", lambda *args: None)
        by_null_space = derivable(members, hidden, informative)
        blocks_null = derivation.derivable_blocks(members, hidden, informative)
    assert by_graph == by_null_space
    assert derivation.derivable_blocks(members, hidden, informative) == blocks_null


def test_three_margins_per_row_fall_back_to_the_null_space() -> None:
    frame = _bridge_grid()
    frame["half"] = frame.index % 2
    margins = [*GRID_MARGINS, Margin(("half",), None, "order")]
    members = [membership(frame, m) for m in margins]
    hidden = primary(frame["numerator"], frame["denominator"], 5)
    informative = np.ones(len(frame), dtype=bool)
    assert (
        derivation._fixed_in_graph(
            np.array([0, 1, 2]), np.array([0, 0, 0]), np.ones(3), 3, 1, np.zeros(4, int)
        )
        is None
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(derivation, "_fixed_in_graph", lambda *args: None)
        expected = derivable(members, hidden, informative)
    assert derivable(members, hidden, informative) == expected
