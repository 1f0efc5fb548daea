"""The blocks of hidden cells: joined incrementally, they are the full computation's blocks."""

from __future__ import annotations

import numpy as np

from lfo.indicators.blocks import Blocks
from lfo.indicators.margins import Margins


def margins() -> Margins:
    """Cells 0-5 in two margins {0, 1, 2} and {2, 3, 4}; cell 5 in none."""
    m = Margins()
    m.extend(np.array([0, 0, 0, 1, 1, 1]), np.array([0, 1, 2, 2, 3, 4]), np.zeros(6, bool), "areas")
    return m


def partition(blocks: Blocks, hidden: np.ndarray) -> set[frozenset[int]]:
    labels = blocks.label[hidden]
    return {frozenset(np.flatnonzero(hidden)[labels == b].tolist()) for b in set(labels.tolist())}


def test_joined_blocks_are_the_full_computations_and_a_cell_in_no_margin_has_no_equations():
    m = margins()
    weight = np.arange(1, 7, dtype=np.int64)
    hidden = np.zeros(6, dtype=bool)
    hidden[[0, 1, 3]] = True
    step = Blocks(m, weight)
    step.update(hidden)
    assert partition(step, hidden) == {frozenset({0, 1}), frozenset({3})}
    hidden[[2, 5]] = True  # 2 links both margins; 5 is in none
    step.update(hidden)
    whole = Blocks(m, weight)
    whole.update(hidden)
    assert (
        partition(step, hidden)
        == partition(whole, hidden)
        == {
            frozenset({0, 1, 2, 3}),
            frozenset({5}),
        }
    )
    alone = int(step.label[5])
    assert len(step.rows(alone)) == 0  # joined later, in no margin: no equations, no error
    linked = int(step.label[0])
    assert sorted(m.cell[step.rows(linked)].tolist()) == [0, 1, 2, 2, 3]
    # the visiting order is the full computation's: by lowest margin, cells in none last
    order = step.in_order(np.unique(step.label[hidden]))
    assert [int(step.label[0]), alone] == order
