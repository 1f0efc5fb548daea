"""The exact check of a large block of hidden cells, split by area (national scale).

A block of hidden cells linked by shared totals can hold 18,000 cells at national scale, beyond
a dense reduction (``derivation.null_basis``: memory the square of the block, time the cube).
But almost every equation of a block lies inside one area (its categories, quarters, filters);
only the programme's margins (areas → programme) cross between areas, and there are few of them
(one per indicator, filter, period and category). So the block is solved in two steps, exactly:

1. per area (the programme is one more "area"), a null-space basis ``N`` of its own equations:
   every solution of them is ``y = N w`` for some ``w``;
2. the crossing equations, written in the ``w`` of every area (``C = Σ S N``, a few hundred rows),
   reduced once: the block's solutions are ``y = N w`` with ``C w = 0``.

A hidden cell is determined exactly when every solution leaves it at 0, tested as
``derivation.given_away`` does, with random solutions (Schwartz–Zippel; an error only ever
counts a cell as given away, the safe side). An LA knowing its own cells sets its ``w`` to 0 (its
basis has independent columns): a few more equations on the free part of ``C``'s kernel, reduced
per LA in a moment. The figures are the same as the dense check's; only the work differs.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import sparse

from lfo.indicators.derivation import PRIME, _product, _rref_mod_p, null_basis

#: The largest crossing system (rows × columns of ``C``) reduced; beyond it the plan is refused
#: (``protection.PlanTooLarge``) rather than take hours.
MAX_CROSSING = 40_000_000


class TooLarge(ValueError):
    """The block's crossing system is larger than ``MAX_CROSSING``."""


class SplitBlock:
    """One block's solutions, as per-area bases and the reduced crossing equations."""

    def __init__(self, eq: np.ndarray, var: np.ndarray, coef: np.ndarray, part: np.ndarray):
        """``eq``/``var``/``coef``: one entry per membership of a hidden cell (its equation, its
        cell's index in the block, ±1); ``part``: each cell's area (any labels)."""
        n = len(part)
        self.part, parts = pd.factorize(pd.Series(part))
        self.parts = len(parts)
        e_idx, _ = pd.factorize(pd.Series(eq))
        parts_of_eq = pd.Series(self.part[var]).groupby(e_idx).nunique()
        crossing = parts_of_eq.to_numpy()[e_idx] > 1
        # each part's cells, and each cell's position within its part
        self.cells_of = [np.flatnonzero(self.part == p) for p in range(self.parts)]
        local = np.zeros(n, dtype=np.int64)
        for cells in self.cells_of:
            local[cells] = np.arange(len(cells))
        inside = ~crossing
        self.bases: list[np.ndarray] = []
        offsets = [0]
        for p, cells in enumerate(self.cells_of):
            at = inside & (self.part[var] == p)
            basis = null_basis(e_idx[at], local[var[at]], coef[at], len(cells))
            self.bases.append(basis)
            offsets.append(offsets[-1] + basis.shape[1])
        self.offsets = np.array(offsets, dtype=np.int64)
        self.width = int(self.offsets[-1])
        self._crossing(e_idx[crossing], var[crossing], coef[crossing], local)
        self._n = n
        self._basis_matrix = self._stack_bases(local)

    def _crossing(
        self, eq: np.ndarray, var: np.ndarray, coef: np.ndarray, local: np.ndarray
    ) -> None:
        rows, row_idx = np.unique(eq, return_inverse=True)
        if len(rows) * max(self.width, 1) > MAX_CROSSING:
            raise TooLarge(f"{len(rows):,} crossing equations over {self.width:,} unknowns")
        c = np.zeros((len(rows), self.width), dtype=np.int64)
        for p, basis in enumerate(self.bases):
            at = self.part[var] == p
            if not at.any() or basis.shape[1] == 0:
                continue
            s = sparse.coo_matrix(
                (coef[at].astype(np.int64), (row_idx[at], local[var[at]])),
                shape=(len(rows), len(self.cells_of[p])),
            ).tocsr()
            # entries ±1 times residues below 2^31, summed over at most the part's cells: no
            # overflow of int64
            c[:, self.offsets[p] : self.offsets[p + 1]] = (s @ basis) % PRIME
        self.reduced, pivots = _rref_mod_p(c % PRIME)
        self.pivots = np.array(pivots, dtype=np.int64)
        free = np.ones(self.width, dtype=bool)
        free[self.pivots] = False
        self.free = np.flatnonzero(free)
        # the pivots' rows over the free unknowns: w[pivots] = -R_F @ w[free]
        self.r_free = self.reduced[: len(self.pivots)][:, self.free]
        self.part_of_w = np.repeat(np.arange(self.parts), np.diff(self.offsets))

    def _stack_bases(self, local: np.ndarray) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """The block-diagonal basis ``N`` (cells × w), split at 2^16 for exact products."""
        rows, cols, vals = [], [], []
        for p, basis in enumerate(self.bases):
            r, k = np.nonzero(basis)
            rows.append(self.cells_of[p][r])
            cols.append(k + self.offsets[p])
            vals.append(basis[r, k])
        r_all = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        c_all = np.concatenate(cols) if cols else np.zeros(0, np.int64)
        v_all = np.concatenate(vals) if vals else np.zeros(0, np.int64)
        shape = (self._n, self.width)
        low = sparse.csr_matrix((v_all & 0xFFFF, (r_all, c_all)), shape=shape, dtype=np.int64)
        high = sparse.csr_matrix((v_all >> 16, (r_all, c_all)), shape=shape, dtype=np.int64)
        return low, high

    def _values(self, w: np.ndarray) -> np.ndarray:
        low, high = self._basis_matrix
        out: np.ndarray = ((low @ w) % PRIME + (high @ w) % PRIME * 65536 % PRIME) % PRIME
        return out

    def given_away(self, known: np.ndarray, probes: int = 2) -> np.ndarray:
        """Which cells (boolean per cell; ``known`` ones False) the equations determine once the
        ``known`` cells are known. ``known`` must be whole areas (an LA's own cells) or none."""
        known_parts = np.unique(self.part[known])
        if any(not known[self.cells_of[p]].all() for p in known_parts):
            raise ValueError("only whole areas can be known")
        out = np.zeros(self._n, dtype=bool)
        if self.width == 0:
            out[~known] = True
            return out
        zeroed = np.isin(self.part_of_w, known_parts)
        free_ok = ~zeroed[self.free]  # free unknowns left to choose
        # pivots of known parts must come out 0: R[i, F'] f = 0 for those rows
        must = zeroed[self.pivots]
        extra, extra_piv = _rref_mod_p(self.r_free[must][:, free_ok] % PRIME)
        choose = np.flatnonzero(free_ok)
        settled = np.zeros(len(choose), dtype=bool)
        settled[extra_piv] = True
        rng = np.random.default_rng(self._n + len(known_parts))
        moved = np.zeros(self._n, dtype=bool)
        for _ in range(probes):
            f_sub = np.zeros(len(choose), dtype=np.int64)
            f_sub[~settled] = rng.integers(1, PRIME, size=int((~settled).sum()))
            if extra_piv:
                f_sub[settled] = (
                    -_product(extra[: len(extra_piv)][:, ~settled], f_sub[~settled])
                ) % PRIME
            f = np.zeros(len(self.free), dtype=np.int64)
            f[choose] = f_sub
            w = np.zeros(self.width, dtype=np.int64)
            w[self.free] = f
            if len(self.pivots):
                w[self.pivots] = (-_product(self.r_free, f)) % PRIME
            moved |= self._values(w) != 0
        out[~known] = ~moved[~known]
        return out
