"""Disclosure control v2 (indicators.md v2 § Disclosure control) on generated tables.

Tables are generated with their true sums: counts per area x quarter x intervention (and per
breakdown category), the levels, "all", the programme and the years added up from them. The
guarantee is checked by exact rational linear algebra written here (``determined``), not by the
code under test: a hidden cell is derivable iff its unit vector lies in the row space of the
margin equations restricted to the hidden cells; and again with each area's cells known.
"""

from __future__ import annotations

from fractions import Fraction
from unittest.mock import patch

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lfo.indicators import cells as cell_module
from lfo.indicators import margins as margin_module
from lfo.indicators import protection
from lfo.indicators.cells import CellTable
from lfo.reference import load_reference
from lfo.terms import PROGRAMME

T = 10
AREAS = ("E06000008", "E06000009", "E08000003", "E09000022")
YEAR = "2017-18"
QUARTERS = tuple(f"{YEAR}_Q{q}" for q in range(1, 5))
LEVEL = "specialist"


def _interventions() -> tuple[str, ...]:
    return tuple(c for c, i in load_reference().interventions.items() if i.level == LEVEL)


def table_from(frame: pd.DataFrame) -> CellTable:
    """A cell table (one row per cell) from generated rows with their true numerators and
    denominators: the plan's own bookkeeping columns filled as ``cells.build`` fills them."""
    c = frame.reset_index(drop=True).copy()
    c["covered"] = True
    c["informative"] = True
    num, den = c["numerator"].to_numpy(float), c["denominator"].to_numpy(float)
    only_num = c["kind"].isin(["count", "target"]).to_numpy()
    c["empty"] = ~only_num & (den == 0)
    small_den = ~only_num & (den < T) & (den > 0)
    c["primary"] = ((num > 0) & (num < T)) | small_den
    c["size"] = num
    c["tie"] = cell_module._tie_rank(c)
    pooled = float(len({a for a in c["area_code"] if a != PROGRAMME}))
    c["areas_pooled"] = np.where(c["area_code"] == PROGRAMME, pooled, np.nan)
    rows = c.assign(cell=np.arange(len(c)), canonical=True)
    return CellTable(rows, c, pd.DataFrame(), sorted(set(c["period"])), T)


def proportion_table(leaf: np.ndarray) -> pd.DataFrame:
    """uptake.completion with numerators and denominators per area x quarter x intervention
    (``leaf[a, q, i] = (numerator, denominator)``), summed into the year, the level, "all" (the
    level's only: other levels are 0 of 0) and the programme."""
    ints = _interventions()
    grps = [*ints, f"level:{LEVEL}", "all"]
    out = []
    areas = [*AREAS[: leaf.shape[0]], PROGRAMME]
    for a, area in enumerate(areas):
        for p, per in enumerate([*QUARTERS, YEAR]):
            for g, grp in enumerate(grps):
                sel_a = slice(None) if area == PROGRAMME else slice(a, a + 1)
                sel_q = slice(None) if per == YEAR else slice(p, p + 1)
                sel_i = slice(None) if g >= len(ints) else slice(g, g + 1)
                num, den = leaf[sel_a, sel_q, sel_i].reshape(-1, 2).sum(axis=0)
                out.append(("uptake.completion", grp, area, per, "", num, den, "proportion"))
    for area in areas:  # the other levels: nothing (0 of 0)
        for per in [*QUARTERS, YEAR]:
            for level in ("universal", "targeted"):
                grp = f"level:{level}"
                out.append(("uptake.completion", grp, area, per, "", 0, 0, "proportion"))
    columns = [*cell_module.ROW_KEYS, "numerator", "denominator", "kind"]
    return pd.DataFrame(out, columns=columns)


def breakdown_table(counts: np.ndarray) -> pd.DataFrame:
    """reach.parents and reach.breakdown's sex categories per area x quarter (``counts[a, q,
    k]``: parents of category k), with the years and the programme."""
    cats = ["sex:female", "sex:male", "sex:other", "sex:not_stated"]
    out = []
    areas = [*AREAS[: counts.shape[0]], PROGRAMME]
    for a, area in enumerate(areas):
        for p, per in enumerate([*QUARTERS, YEAR]):
            sel_a = slice(None) if area == PROGRAMME else slice(a, a + 1)
            sel_q = slice(None) if per == YEAR else slice(p, p + 1)
            by_cat = counts[sel_a, sel_q, :].sum(axis=(0, 1))
            total = int(by_cat.sum())
            out.append(("reach.parents", "all", area, per, "", total, np.nan, "count"))
            for k, cat in enumerate(cats):
                out.append(
                    ("reach.breakdown", "all", area, per, cat, by_cat[k], total, "breakdown")
                )
    columns = [*cell_module.ROW_KEYS, "numerator", "denominator", "kind"]
    return pd.DataFrame(out, columns=columns)


# --- the exact check, written independently --------------------------------------------------


def relations(frame: pd.DataFrame) -> list[tuple[list[int], int]]:
    """Every sum in a generated table as (cells, total) by row position: areas -> programme,
    quarters -> year, interventions -> level, levels -> all, categories -> parents."""
    pos = {tuple(r): i for i, r in enumerate(frame[cell_module.ROW_KEYS].itertuples(index=False))}
    ints = _interventions()
    out = []
    for (ind, grp, area, per, cat), i in pos.items():
        if area == PROGRAMME:
            out.append(
                ([pos[(ind, grp, a, per, cat)] for a in AREAS if (ind, grp, a, per, cat) in pos], i)
            )
        if per == YEAR:
            out.append(([pos[(ind, grp, area, q, cat)] for q in QUARTERS], i))
        if grp == f"level:{LEVEL}":
            out.append(([pos[(ind, g, area, per, cat)] for g in ints], i))
        if grp == "all" and ind == "uptake.completion":
            levels = [f"level:{lv}" for lv in ("universal", "targeted", LEVEL)]
            out.append(([pos[(ind, g, area, per, cat)] for g in levels], i))
        if ind == "reach.parents":
            cats = [k for k in pos if k[0] == "reach.breakdown" and k[2:4] == (area, per)]
            if cats:
                out.append(([pos[k] for k in cats], i))
    return out


def determined(rels: list[tuple[list[int], int]], unknown: set[int]) -> set[int]:
    """Unknowns whose unit vector lies in the row space of the relations restricted to the
    unknowns (Gauss-Jordan elimination over the rationals)."""
    order = sorted(unknown)
    col = {u: j for j, u in enumerate(order)}
    rows = []
    for cells, total in rels:
        row = [Fraction(0)] * len(order)
        for c in cells:
            if c in col:
                row[col[c]] += 1
        if total in col:
            row[col[total]] -= 1
        if any(row):
            rows.append(row)
    pivots: list[tuple[int, int]] = []
    r = 0
    for j in range(len(order)):
        p = next((i for i in range(r, len(rows)) if rows[i][j] != 0), None)
        if p is None:
            continue
        rows[r], rows[p] = rows[p], rows[r]
        lead = rows[r][j]
        rows[r] = [x / lead for x in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][j] != 0:
                f = rows[i][j]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r], strict=True)]
        pivots.append((r, j))
        r += 1
    pivot_cols = {j for _, j in pivots}
    free = [j for j in range(len(order)) if j not in pivot_cols]
    return {order[j] for i, j in pivots if all(rows[i][f] == 0 for f in free)}


def run(frame: pd.DataFrame) -> np.ndarray:
    table = table_from(frame)
    return protection.protect(table, margin_module.build(table), protection.Rule())


def zero_tables(frame: pd.DataFrame) -> list[bool]:
    """For every relation: whether all its cells and its total count 0 (a count of 0; for a
    proportion, 0 of 0). Their total 0 shows each cell is 0 whatever is hidden: exempt by
    decision (docs/decisions.md, "Margins that are all zero")."""
    num = frame["numerator"].to_numpy(dtype=float)
    den = np.nan_to_num(frame["denominator"].to_numpy(dtype=float), nan=0.0)
    alone = frame["kind"].isin(["count", "breakdown"]).to_numpy()
    zero = (num == 0) & (alone | (den == 0))
    return [bool(zero[cells].all() and zero[total]) for cells, total in relations(frame)]


def assert_guarantee(frame: pd.DataFrame, hidden: np.ndarray) -> None:
    rels = relations(frame)
    exempt = {
        c
        for (cells, total), z in zip(rels, zero_tables(frame), strict=True)
        if z
        for c in [*cells, total]
    }
    hid = set(np.flatnonzero(hidden).tolist())
    assert not determined(rels, hid) - exempt, "a hidden cell follows from the published ones"
    for area in AREAS:
        own = set(np.flatnonzero((frame["area_code"] == area).to_numpy()).tolist())
        found = determined(rels, hid - own) - exempt
        others = {c for c in found if frame.iloc[c]["area_code"] != PROGRAMME}
        assert not others, f"{area} knowing its own figures finds another area's hidden cell"


def margin_counts(frame: pd.DataFrame, hidden: np.ndarray) -> list[tuple[int, bool, bool]]:
    """For every margin: how many of its cells are hidden, whether its total is, and whether a
    cell is left that could be hidden (published and not 0 of 0, in a table not all zero)."""
    empty = table_from(frame).cells["empty"].to_numpy()
    out = []
    for (cells, total), zero in zip(relations(frame), zero_tables(frame), strict=True):
        room = bool(np.any(~hidden[cells] & ~empty[cells])) or not hidden[total]
        out.append((int(hidden[cells].sum()), bool(hidden[total]), room and not zero))
    return out


small = st.integers(min_value=0, max_value=30)


@st.composite
def leaves(draw: st.DrawFn) -> np.ndarray:
    n_areas = draw(st.integers(min_value=2, max_value=3))
    shape = (n_areas, 4, len(_interventions()))
    dens = np.array(
        draw(st.lists(small, min_size=int(np.prod(shape)), max_size=int(np.prod(shape))))
    )
    fracs = np.array(draw(st.lists(st.floats(0, 1), min_size=dens.size, max_size=dens.size)))
    nums = np.floor(dens * fracs).astype(int)
    return np.stack([nums, dens], axis=-1).reshape(*shape, 2)


@st.composite
def breakdown_counts(draw: st.DrawFn) -> np.ndarray:
    n_areas = draw(st.integers(min_value=2, max_value=3))
    size = n_areas * 4 * 4
    values = draw(st.lists(st.integers(0, 25), min_size=size, max_size=size))
    return np.array(values).reshape(n_areas, 4, 4)


SETTINGS = settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(leaves())
def test_every_margin_of_a_proportion_has_none_or_enough_hidden_cells(leaf):
    frame = proportion_table(leaf)
    hidden = run(frame)
    primary = table_from(frame).cells["primary"].to_numpy()
    assert np.all(hidden[primary])
    for cells, total, room in margin_counts(frame, hidden):
        if (cells or total) and room:
            assert cells >= 3 or (total and cells >= 2), (cells, total)


@SETTINGS
@given(leaves())
def test_no_hidden_proportion_cell_is_derivable_even_by_an_area_knowing_its_own(leaf):
    frame = proportion_table(leaf)
    assert_guarantee(frame, run(frame))


def assert_split_is_the_same(frame: pd.DataFrame) -> None:
    """Every block forced through the split by area: the same hidden cells, the guarantee kept."""
    whole = run(frame)
    with patch.object(protection, "MAX_BLOCK", 0):
        split = run(frame)
    assert split.tolist() == whole.tolist()
    assert_guarantee(frame, split)


@SETTINGS
@given(leaves())
def test_blocks_checked_split_by_area_hide_the_same_cells(leaf):
    """National blocks are too large to reduce whole and are split by area
    (``derivation_split``): forced here for every block, the plan is the same and keeps the
    guarantee (checked by the independent rational algebra above)."""
    assert_split_is_the_same(proportion_table(leaf))


@SETTINGS
@given(breakdown_counts())
def test_breakdown_blocks_checked_split_by_area_hide_the_same_cells(counts):
    assert_split_is_the_same(breakdown_table(counts))


@SETTINGS
@given(breakdown_counts())
def test_no_hidden_breakdown_cell_is_derivable_even_by_an_area_knowing_its_own(counts):
    frame = breakdown_table(counts)
    hidden = run(frame)
    assert_guarantee(frame, hidden)
    parents = (frame["indicator"] == "reach.parents").to_numpy()
    for i in np.flatnonzero(parents & hidden):  # a hidden total hides its categories
        area, per = frame.iloc[i][["area_code", "period"]]
        cats = (frame["area_code"] == area) & (frame["period"] == per) & ~parents
        assert hidden[cats.to_numpy()].all()


def test_the_independent_check_finds_the_issues_attack():
    """The check itself: a year with its three published quarters gives the fourth away."""
    frame = grid({(AREAS[0], q): v for q, v in zip(QUARTERS, (7, 35, 41, 44), strict=True)})
    rels = relations(frame)
    q1 = frame.index[
        (frame["indicator"] == "reach.parents")
        & (frame["area_code"] == AREAS[0])
        & (frame["period"] == QUARTERS[0])
    ][0]
    assert determined(rels, {int(q1)}) == {int(q1)}
    # a rectangle of hidden cells (two areas x two quarters of one year) gives nothing away
    at = {
        (a, p): i for i, (a, p) in enumerate(zip(frame["area_code"], frame["period"], strict=True))
    }
    square = {at[(a, q)] for a in AREAS[:2] for q in QUARTERS[:2]}
    assert determined(rels, square) == set()
    assert determined(rels, square - {at[(AREAS[0], QUARTERS[0])]}) == square - {
        at[(AREAS[0], QUARTERS[0])]
    }


def grid(values: dict[tuple[str, str], int]) -> pd.DataFrame:
    """reach.parents for the given (area, quarter) counts (others 30), years and programme."""
    counts = np.full((len(AREAS), 4, 4), 0)
    counts[:, :, 0] = 30
    for (area, q), v in values.items():
        counts[AREAS.index(area), QUARTERS.index(q), 0] = v
    frame = breakdown_table(counts)
    return frame[frame["indicator"] == "reach.parents"].reset_index(drop=True)


def hidden_keys(frame: pd.DataFrame, hidden: np.ndarray) -> set[tuple[str, str]]:
    return set(map(tuple, frame.loc[hidden, ["area_code", "period"]].to_numpy().tolist()))


# --- the rule's details ----------------------------------------------------------------------


def test_a_lone_hidden_cell_takes_the_two_smallest_others_with_it():
    frame = grid(
        {(AREAS[0], QUARTERS[0]): 5, (AREAS[2], QUARTERS[0]): 12, (AREAS[3], QUARTERS[0]): 11}
    )
    hidden = hidden_keys(frame, run(frame))
    q1 = {a for a, p in hidden if p == QUARTERS[0]}
    assert q1 >= {AREAS[0], AREAS[3], AREAS[2]} and PROGRAMME not in q1


def test_a_hidden_total_needs_only_two_hidden_cells():
    frame = grid({})  # every area 30 a quarter: nothing small
    table = table_from(frame)
    table.cells["primary"] = False
    prog_q1 = (table.cells["area_code"] == PROGRAMME) & (table.cells["period"] == QUARTERS[0])
    table.cells.loc[prog_q1, "primary"] = True
    hidden = protection.protect(
        table, margin_module.build(table), protection.Rule(exact=False, areas_know_their_own=False)
    )
    q1 = {a for a, p in hidden_keys(frame, hidden) if p == QUARTERS[0]}
    assert q1 == {PROGRAMME, AREAS[0], AREAS[1]}  # the two smallest (ties: lowest code)


def test_zeros_are_chosen_last_and_a_hidden_set_summing_to_zero_is_extended():
    values = {(AREAS[0], QUARTERS[0]): 0, (AREAS[1], QUARTERS[0]): 0, (AREAS[2], QUARTERS[0]): 0}
    frame = grid(values)
    table = table_from(frame)
    cell = lambda a, p: int(np.flatnonzero((frame["area_code"] == a) & (frame["period"] == p))[0])  # noqa: E731
    table.cells["primary"] = False
    table.cells.loc[cell(AREAS[0], QUARTERS[0]), "primary"] = True  # a hidden 0
    hidden = protection.protect(
        table, margin_module.build(table), protection.Rule(exact=False, areas_know_their_own=False)
    )
    q1 = {a for a, p in hidden_keys(frame, hidden) if p == QUARTERS[0]}
    # the zeros of Areas 1 and 2 come after the 30 of Area 3, and {0, 0, 0} would total 0
    assert AREAS[3] in q1 and len(q1 - {PROGRAMME}) >= 3


def test_a_table_of_zeros_hides_no_further_zeros():
    """Categories nobody falls in: the areas' and the programme's 0s stay published beside an
    area whose categories are hidden for its small total (applied literally, "a hidden set
    totalling 0 is extended" hid every 0 of the table, then the programme's, and from there the
    areas' whole breakdowns)."""
    counts = np.zeros((3, 4, 4), dtype=int)
    counts[:, :, 0], counts[:, :, 1] = 20, 15  # female, male; other and not stated: nobody
    counts[0, 0] = (3, 2, 0, 0)  # Area 0, Q1: 5 parents, hidden with its categories
    frame = breakdown_table(counts)
    hidden = run(frame)
    keys = frame[["area_code", "period", "category"]].itertuples(index=False)
    shown = {tuple(k) for k, h in zip(keys, hidden, strict=True) if not h}
    for cat in ("sex:other", "sex:not_stated"):
        assert (PROGRAMME, QUARTERS[0], cat) in shown
        assert (AREAS[0], QUARTERS[0], cat) not in shown  # its total (5) is hidden
    assert_guarantee(frame, hidden)


def test_a_zero_sum_is_not_extended_where_every_numerator_is_zero():
    """Nobody deteriorated anywhere: Area 0's 0 of 4 is hidden (small denominator) with the two
    next (0 of 20, 0 of 30); extending {0, 0, 0} is futile when every numerator is 0, so Area 3's
    0 of 40 and the programme stay published (the three hidden keep the denominators apart)."""
    leaf = np.zeros((4, 4, len(_interventions()), 2), dtype=int)
    leaf[:, 0, 0, 1] = (4, 20, 30, 40)
    frame = proportion_table(leaf)
    hidden = run(frame)
    q1 = (frame["period"] == QUARTERS[0]) & (frame["grp"] == _interventions()[0])
    shown = set(frame.loc[q1 & ~hidden, "area_code"])
    assert shown == {AREAS[3], PROGRAMME}
    assert_guarantee(frame, hidden)


def test_zero_of_zero_is_published_and_never_a_complement():
    leaf = np.zeros((2, 4, len(_interventions()), 2), dtype=int)
    leaf[0, 0, 0] = (3, 20)  # small: primary
    leaf[1, 0, 0] = (15, 20)
    frame = proportion_table(leaf)
    hidden = run(frame)
    empty = table_from(frame).cells["empty"].to_numpy()
    assert empty.any() and not hidden[empty].any()


def test_ties_go_to_the_lowest_area_code():
    frame = grid({(AREAS[1], QUARTERS[0]): 5})
    table = table_from(frame)
    hidden = protection.protect(
        table, margin_module.build(table), protection.Rule(exact=False, areas_know_their_own=False)
    )
    q1 = {a for a, p in hidden_keys(frame, hidden) if p == QUARTERS[0]}
    assert q1 == {AREAS[1], AREAS[0], AREAS[2]}  # all others 30: the two lowest codes


def test_progress_to_target_for_a_quarter_is_hidden_unless_every_quarter_to_it_is_published():
    rows = []
    fam = {AREAS[0]: [12, 4, 20, 15], AREAS[1]: [30, 30, 30, 30], AREAS[2]: [25, 22, 21, 20]}
    for area, qs in [*fam.items(), (PROGRAMME, list(np.sum(list(fam.values()), axis=0)))]:
        for i, q in enumerate(QUARTERS):
            rows.append(("reach.families", "all", area, q, "", qs[i], np.nan, "count"))
            if i in (1, 2):
                rows.append(
                    ("reach.target", "all", area, q, "", sum(qs[: i + 1]), np.nan, "target")
                )
        rows.append(("reach.families", "all", area, YEAR, "", sum(qs), np.nan, "count"))
    frame = pd.DataFrame(rows, columns=[*cell_module.ROW_KEYS, "numerator", "denominator", "kind"])
    hidden = run(frame)
    target = (frame["indicator"] == "reach.target").to_numpy()
    got = set(map(tuple, frame.loc[hidden & target, ["area_code", "period"]].to_numpy().tolist()))
    # Area 0's Q2 (4) is hidden: its year-to-date totals for Q2 and Q3 are too
    assert {(AREAS[0], QUARTERS[1]), (AREAS[0], QUARTERS[2])} <= got
    fam_hidden = hidden & ~target
    for area, q in got:
        upto = QUARTERS[: QUARTERS.index(q) + 1]
        sel = (frame["area_code"] == area) & frame["period"].isin(upto) & ~target
        assert fam_hidden[sel.to_numpy()].any(), (area, q)
