"""The blocks of hidden cells that the disclosure check solves one at a time.

A block is a set of hidden cells linked by shared margins (no equation links two blocks). The
first call finds them all (connected components of margins and hidden cells); after that only
the blocks that newly hidden cells touch are joined again, since hiding only ever merges
blocks: a national round adds a handful of cells to 4 million hidden ones. Blocks are visited
in the order the full computation would number them (by their lowest margin), so the plan does
not depend on when a block was found.
"""

from __future__ import annotations

import numpy as np
from scipy import sparse
from scipy.sparse.csgraph import connected_components

from lfo.indicators.margins import Margins


def spans(order: np.ndarray, starts: np.ndarray, items: np.ndarray) -> np.ndarray:
    """``order[starts[i]:starts[i + 1]]`` for every i of ``items``, concatenated."""
    items = np.asarray(items, dtype=np.int64)
    lo, hi = starts[items], starts[items + 1]
    lens = hi - lo
    if lens.sum() == 0:
        return np.zeros(0, np.int64)
    offsets = np.repeat(lo - np.concatenate([[0], np.cumsum(lens)[:-1]]), lens)
    picked: np.ndarray = order[offsets + np.arange(int(lens.sum()))]
    return picked


class Blocks:
    """Each hidden cell's block (``label``; -1: not hidden), each block's signature (``sig``, a
    hash of its cells), its place in the visiting order (``first``) and its memberships."""

    def __init__(self, m: Margins, weight: np.ndarray) -> None:
        self.m, self.weight = m, weight
        n = len(weight)
        self.by_cell = np.argsort(m.cell, kind="stable")
        self.cell_starts = np.searchsorted(m.cell[self.by_cell], np.arange(n + 1))
        self.by_gid = np.argsort(m.gid, kind="stable")
        self.gid_starts = np.searchsorted(m.gid[self.by_gid], np.arange(m.groups + 1))
        self.label = np.full(n, -1, dtype=np.int64)
        self.sig = np.zeros(0, dtype=np.uint64)
        self.first = np.zeros(0, dtype=np.int64)
        self._known: np.ndarray | None = None
        self._at = np.zeros(0, np.int64)  # the first computation's memberships, by block
        self._starts = np.zeros(1, np.int64)
        self._later: dict[int, np.ndarray] = {}  # memberships of blocks joined since

    def update(self, hidden: np.ndarray) -> None:
        """Bring the blocks up to ``hidden`` (which only ever gains cells)."""
        if self._known is None:
            self._everything(hidden)
        else:
            fresh = np.flatnonzero(hidden & ~self._known)
            if len(fresh):
                self._join(hidden, fresh)
        self._known = hidden.copy()

    def rows(self, b: int) -> np.ndarray:
        """Block ``b``'s memberships (its equations over its hidden cells)."""
        if b in self._later:
            return self._later[b]
        if b + 1 >= len(self._starts):  # joined later, of cells in no margin: no equations
            return np.zeros(0, np.int64)
        return self._at[self._starts[b] : self._starts[b + 1]]

    def in_order(self, blocks: np.ndarray) -> list[int]:
        return [int(b) for b in blocks[np.argsort(self.first[blocks], kind="stable")]]

    def _everything(self, hidden: np.ndarray) -> None:
        m, n = self.m, len(hidden)
        sel = hidden[m.cell]
        graph = sparse.coo_matrix(
            (np.ones(int(sel.sum())), (m.gid[sel], m.groups + m.cell[sel])),
            shape=(m.groups + n, m.groups + n),
        )
        count, comp = connected_components(graph, directed=False)
        self.label = np.where(hidden, comp[m.groups :], -1)
        self.sig = self._signatures(self.label[hidden], np.flatnonzero(hidden), count)
        at = np.flatnonzero(sel)
        at = at[np.argsort(self.label[m.cell[at]], kind="stable")]
        self._at = at
        self._starts = np.searchsorted(self.label[m.cell[at]], np.arange(count + 1))
        cells = np.flatnonzero(hidden)
        self.first = self._firsts(
            self.label[m.cell[at]], m.gid[at], cells, self.label[cells], count
        )

    def _join(self, hidden: np.ndarray, fresh: np.ndarray) -> None:
        """Join the fresh cells' margins' blocks again (they may have merged)."""
        m = self.m
        groups = np.unique(m.gid[spans(self.by_cell, self.cell_starts, fresh)])
        touched = spans(self.by_gid, self.gid_starts, groups)
        touched = touched[hidden[m.cell[touched]]]
        old = np.unique(self.label[m.cell[touched]])
        old = old[old >= 0]
        rows = np.unique(np.concatenate([touched, *(self.rows(int(b)) for b in old)]))
        for b in old.tolist():
            self._later.pop(b, None)
        gids, g_idx = np.unique(m.gid[rows], return_inverse=True)
        cells = np.union1d(m.cell[rows], fresh)
        c_idx = np.searchsorted(cells, m.cell[rows])
        size = len(gids) + len(cells)
        graph = sparse.coo_matrix(
            (np.ones(len(rows)), (g_idx, len(gids) + c_idx)), shape=(size, size)
        )
        count, comp = connected_components(graph, directed=False)
        # components are numbered from the group nodes first; cells alone come after
        base = len(self.sig)
        cell_comp = comp[len(gids) :]
        self.label[cells] = base + cell_comp
        self.sig = np.concatenate([self.sig, self._signatures(cell_comp, cells, count)])
        row_comp = cell_comp[c_idx]
        order = np.argsort(row_comp, kind="stable")
        starts = np.searchsorted(row_comp[order], np.arange(count + 1))
        for k in range(count):
            if starts[k + 1] > starts[k]:
                self._later[base + k] = rows[order[starts[k] : starts[k + 1]]]
        self.first = np.concatenate(
            [self.first, self._firsts(row_comp, m.gid[rows], cells, cell_comp, count)]
        )

    def _signatures(self, comp: np.ndarray, cells: np.ndarray, count: int) -> np.ndarray:
        sig = np.zeros(count, dtype=np.uint64)
        np.add.at(sig, comp, self.weight[cells].astype(np.uint64))
        return sig

    def _firsts(
        self,
        row_comp: np.ndarray,
        row_gid: np.ndarray,
        cells: np.ndarray,
        cell_comp: np.ndarray,
        count: int,
    ) -> np.ndarray:
        """Each block's place in the full computation's numbering: its lowest margin, or for a
        cell in no margin, after every margin, by cell."""
        first = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, row_comp, row_gid)
        np.minimum.at(first, cell_comp, self.m.groups + cells)
        return first
