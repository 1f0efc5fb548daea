"""The split check (per area, then the crossing equations) finds exactly the cells the dense
check finds, with nothing known and with each area's cells known."""

from __future__ import annotations

import numpy as np
import pytest

from lfo.indicators.derivation import given_away, null_basis
from lfo.indicators.derivation_split import SplitBlock


def area_tables(seed: int, areas: int = 5, rows: int = 3, cols: int = 4):
    """Hidden cells of ``areas`` small two-way tables (rows × cols, with row and column totals,
    each cell hidden at random) and the programme's table (each cell the sum over areas):
    equations as ``protection`` gives them (one per margin, total -1, members +1), over the
    hidden cells only (published ones are known numbers)."""
    rng = np.random.default_rng(seed)
    cells: dict[tuple, int] = {}
    part: list[str] = []

    def cell(key: tuple, owner: str) -> int | None:
        if key not in cells:
            if rng.random() > 0.7:  # published
                cells[key] = -1
            else:
                cells[key] = len(part)
                part.append(owner)
        return None if cells[key] < 0 else cells[key]

    eq, var, coef = [], [], []
    margin = 0

    def add(members: list[tuple], total: tuple, owner_of) -> None:
        nonlocal margin
        for key, sign in [*((k, 1) for k in members), (total, -1)]:
            at = cell(key, owner_of(key))
            if at is not None:
                eq.append(margin)
                var.append(at)
                coef.append(sign)
        margin += 1

    owners = [f"A{a}" for a in range(areas)] + ["P"]
    for a in owners:
        mine = lambda key: key[0]  # noqa: E731
        for r in range(rows):  # each row adds up to its total
            add([(a, r, c) for c in range(cols)], (a, r, "T"), mine)
        for c in [*range(cols), "T"]:  # each column (and the totals) adds up
            add([(a, r, c) for r in range(rows)], (a, "T", c), mine)
    for r in [*range(rows), "T"]:  # the programme is the sum of the areas
        for c in [*range(cols), "T"]:
            add([(f"A{a}", r, c) for a in range(areas)], ("P", r, c), lambda key: key[0])
    return np.array(eq), np.array(var), np.array(coef), np.array(part, dtype=object)


@pytest.mark.parametrize("seed", range(40))
def test_the_split_check_finds_what_the_dense_check_finds(seed):
    eq, var, coef, part = area_tables(seed)
    n = len(part)
    if n == 0 or len(eq) == 0:
        pytest.fail("the generator made no hidden cells")
    basis = null_basis(eq, var, coef, n)
    split = SplitBlock(eq, var, coef, part)
    nothing = np.zeros(n, dtype=bool)
    assert split.given_away(nothing).tolist() == given_away(basis, nothing).tolist()
    for area in sorted(set(part) - {"P"}):
        own = part == area
        assert split.given_away(own).tolist() == given_away(basis, own).tolist(), area


def test_some_cells_are_given_away_and_some_are_not():
    """The generator makes both kinds, so the comparison above can fail."""
    found = [0, 0]
    for seed in range(40):
        eq, var, coef, part = area_tables(seed)
        away = SplitBlock(eq, var, coef, part).given_away(np.zeros(len(part), dtype=bool))
        found[0] += int(away.sum())
        found[1] += int((~away).sum())
    assert found[0] > 10 and found[1] > 10


def test_only_whole_areas_can_be_known():
    eq, var, coef, part = area_tables(3)
    known = np.zeros(len(part), dtype=bool)
    known[np.flatnonzero(part == part[0])[0]] = True
    if (part == part[0]).sum() < 2:
        pytest.fail("the first area needs two hidden cells for this test")
    with pytest.raises(ValueError, match="whole areas"):
        SplitBlock(eq, var, coef, part).given_away(known)
