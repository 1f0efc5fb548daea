"""Disclosure control v2 (indicators.md v2 § Disclosure control): which published cells are hidden.

Computed **once** over the complete published set (``lfo.indicators.cells``: every indicator,
filter, period, area and category) and its margins (``lfo.indicators.margins``), whatever a
request selects, so every page, export and API answer hides the same cells. ``make_plan`` gives
a ``Plan``; the engine applies it to its rows.

1. Primary: a numerator (a count) of 1 to T-1 or a denominator below T. 0 of 0 (denominator 0)
   is published (status x) and never a complement.
2. The rule, over every margin: a margin holding a hidden cell has at least three hidden cells,
   or its total hidden and at least two; add the smallest other cells (by numerator for
   proportions, rates and counts, by n for means, medians and effect sizes), zeros last, totals
   last; a hidden set whose sizes total 0 is extended; ties by the cells' ``tie`` rank (lowest
   area code, reference order of category and filter, earliest period). A hidden cell hides the
   rows that show its count (``Margins.src``/``dst``). Repeat until nothing changes.
3. The linear-algebra check (``derivation.null_basis``, ``given_away``): a hidden cell that adding and
   subtracting published numbers still gives away adds the smallest further cell on one of its
   margins; back to 2.
4. The same check once per area with that area's own cells known (an LA knows its own
   figures); a cell it gives away adds the smallest further cell not of that area; back to 2.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from lfo.indicators import cells as cell_table
from lfo.indicators import margins as margin_list
from lfo.indicators.blocks import Blocks, spans
from lfo.indicators.cells import ROW_KEYS, CellTable
from lfo.indicators.derivation import given_away, null_basis
from lfo.indicators.derivation_split import SplitBlock, TooLarge
from lfo.indicators.hidden_rows import HiddenRows
from lfo.indicators.margins import Margins
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

#: The largest block of hidden cells the exact check reduces whole (a dense reduction: its memory
#: grows with the square of the block, its time with the cube). Larger ones (the pilot's reach
#: 1,720 cells, national ones 18,000) are split by area (``derivation_split``): the same answer,
#: faster already at a few hundred cells (docs/decisions.md).
MAX_BLOCK = 300

#: How a ``Plan`` holds its hidden rows (2: ``HiddenRows``' integers). Part of a shared plan's
#: name, so that a results folder written by an older release is not read as this one.
PLAN_FORMAT = 2


class PlanTooLarge(RuntimeError):
    """The disclosure plan cannot be made for this data: a block of hidden cells has more
    crossing equations than the split check can reduce. Nothing is published unprotected:
    figures are refused."""


# kinds whose cells' margins add up counts only: no denominator (counts, targets, rates) or a
# denominator that is another cell (a breakdown's parents, the funnel's previous stage)
COUNTED_ALONE = frozenset({"count", "target", "rate", "breakdown", "funnel"})


@dataclass(frozen=True)
class Rule:
    """The rule's parameters: v2 by default (``min_hidden`` 3; with the total hidden,
    ``with_total`` 2)."""

    min_hidden: int = 3
    with_total: int = 2
    exact: bool = True  # the linear-algebra check
    areas_know_their_own: bool = True


@dataclass
class Plan:
    """The hidden rows of the published set at one data version and threshold."""

    threshold: int
    hidden: HiddenRows  # per (indicator, grp)
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0

    def hidden_mask(self, indicator: str, grp: str, rows: pd.DataFrame) -> np.ndarray:
        """Which of ``rows`` (area_code, period, category) the plan hides."""
        return self.hidden.mask((_cell_indicator(indicator), grp), rows)


def _cell_indicator(indicator: str) -> str:
    # the family reach rate shows the families' count of a year (its quarters: not applicable)
    return "reach.families" if indicator == "reach.family_rate" else indicator


def make_plan(conn: Connection, threshold: int, rule: Rule | None = None) -> Plan:
    """The plan of the data ``conn`` sees: every published cell, its margins, the rule."""
    started = time.perf_counter()
    table = cell_table.build(conn, threshold)
    hidden = protect(table, margin_list.build(table), rule or Rule())
    plan = plan_from(table, hidden)
    plan.seconds = time.perf_counter() - started
    log.info("disclosure plan: %s in %.1f s", plan.counts, plan.seconds)
    return plan


def plan_from(table: CellTable, hidden: np.ndarray) -> Plan:
    """The plan of a cell table and its hidden cells (a row is hidden with its cell)."""
    rows = table.rows
    row_hidden = hidden[rows["cell"].to_numpy()]
    primary = table.cells["primary"].to_numpy(dtype=bool)
    counts = {
        "rows": len(rows),
        "cells": len(table.cells),
        "primary": int(primary.sum()),
        "secondary": int((hidden & ~primary).sum()),
        "hidden": int(hidden.sum()),
        "rows_hidden": int(row_hidden.sum()),
    }
    return Plan(table.threshold, HiddenRows.of_frame(rows.loc[row_hidden, ROW_KEYS]), counts)


def protect(table: CellTable, m: Margins, rule: Rule) -> np.ndarray:
    """Hidden cells (boolean per cell) after primary suppression, the rule and the checks."""
    c = table.cells
    hidden: np.ndarray = c["primary"].to_numpy(dtype=bool).copy()
    state = _State(table, m, rule)
    areas = [a for a in pd.unique(c["area_code"]) if a != PROGRAMME]
    started = time.perf_counter()
    for round_no in range(len(c) + 1):
        state.settle(hidden)
        log.info(
            "disclosure round %d: %d hidden, %.1f s",
            round_no,
            hidden.sum(),
            time.perf_counter() - started,
        )
        if rule.exact and state.check(hidden, None):
            continue
        if rule.areas_know_their_own:
            added = [state.check(hidden, a) for a in areas]  # every area, then the rule again
            if any(added):
                continue
        return hidden
    raise RuntimeError("disclosure control did not settle")  # the mask only grows


class _State:
    """What the rule reads over and over: sizes, ranks, the candidates' order per group."""

    def __init__(self, table: CellTable, m: Margins, rule: Rule) -> None:
        c = table.cells
        self.m, self.rule = m, rule
        self.size = np.nan_to_num(c["size"].to_numpy(dtype=float), nan=0.0)
        self.area = c["area_code"].to_numpy(dtype=object)
        usable = c["informative"].to_numpy(dtype=bool) & ~c["empty"].to_numpy(dtype=bool)
        self.usable = usable
        self.zero = self.size <= 0
        tie = c["tie"].to_numpy(dtype=np.int64)
        # per membership, the order complements are taken in: group, non-total first, zeros
        # last, smallest, tie rank
        cell = m.cell
        order = np.lexsort((tie[cell], self.size[cell], self.zero[cell], m.is_total, m.gid))
        self.rank = np.empty(len(order), dtype=np.int64)
        self.rank[order] = np.arange(len(order))
        self._settled: np.ndarray | None = None  # hidden when the rule last settled
        self.tie = tie
        # margins whose every cell, total included, counts 0: the published total 0 shows
        # each hidden cell is 0 whatever else is hidden, so hiding further zeros protects
        # nothing (docs/decisions.md); they take no complements and their zeros are not
        # "given away" by the check
        # (a cell counts 0 when its count is 0 and, where its denominator adds up in the same
        # margins, that is 0 too: a "0 of 5" is not a zero, its denominator is hidden)
        den = np.nan_to_num(c["denominator"].to_numpy(dtype=float), nan=0.0)
        own_den = c["kind"].isin(COUNTED_ALONE).to_numpy()
        zero_cell = (self.size <= 0) & (own_den | (den <= 0))
        nonzero = np.bincount(m.gid, weights=~zero_cell[m.cell], minlength=m.groups)
        self.all_zero = nonzero == 0
        self.in_zero_margin = np.zeros(len(c), dtype=bool)
        self.in_zero_margin[m.cell[self.all_zero[m.gid]]] = True
        self.rule_group = m.rule & ~self.all_zero
        # extending a hidden set whose numerators total 0 is futile where every numerator of
        # the margin is 0 (a 0 of 40 beside 0 of 4s): no further cell can make the total
        # non-zero, and the three hidden cells already keep the denominators apart
        counted = np.bincount(m.gid, weights=self.size[m.cell] > 0, minlength=m.groups)
        self.can_extend = counted > 0
        self.coef = np.where(m.is_total, -1, 1)
        # blocks found clean, per known area (None: none known), by signature
        self.clean: dict[str | None, set[int]] = {}
        weight = np.random.default_rng(7).integers(1, 2**62, size=len(c), dtype=np.int64)
        self.blocks = Blocks(m, weight)
        self.bases: dict[int, tuple[np.ndarray, np.ndarray | SplitBlock]] = {}  # per signature
        self.by_label: dict[int, tuple[np.ndarray, np.ndarray | SplitBlock]] = {}
        # memberships by cell and by group, for finding a cell's margins and their members
        self.by_cell, self.cell_starts = self.blocks.by_cell, self.blocks.cell_starts
        self.by_gid, self.gid_starts = self.blocks.by_gid, self.blocks.gid_starts
        codes, names = pd.factorize(pd.Series(self.area))
        self.area_id = codes.astype(np.int64)
        self.area_ids = {str(a): i for i, a in enumerate(names)}
        self.by_src = np.argsort(m.src, kind="stable")
        self.src_starts = np.searchsorted(m.src[self.by_src], np.arange(len(c) + 1))

    def settle(self, hidden: np.ndarray) -> None:
        """Apply the rule (and the implications) to every margin until nothing changes.

        Only margins holding a cell hidden since the last pass can change (a margin left wanting
        with no cell to add stays so until one of its cells is hidden), so after the first call
        each pass reads those margins alone: national rounds add a handful of cells to 20
        million memberships."""
        if self._settled is None:
            self.imply(hidden)
            groups = None  # every margin
        else:
            fresh = np.flatnonzero(hidden & ~self._settled)
            groups = self._groups_of(np.concatenate([fresh, self._imply_from(hidden, fresh)]))
        while True:
            added = self._rule_pass(hidden, groups)
            if len(added) == 0:
                break
            groups = self._groups_of(np.concatenate([added, self._imply_from(hidden, added)]))
        self._settled = hidden.copy()

    def _rule_pass(self, hidden: np.ndarray, groups: np.ndarray | None) -> np.ndarray:
        """One pass of the rule over ``groups`` (None: all): the cells it hides."""
        m = self.m
        at = None if groups is None else spans(self.by_gid, self.gid_starts, groups)
        gid = m.gid if at is None else m.gid[at]
        cell = m.cell if at is None else m.cell[at]
        tot = m.is_total if at is None else m.is_total[at]
        if at is None:
            ug, inv = np.arange(m.groups), gid
        else:
            ug, inv = np.unique(gid, return_inverse=True)
        h = hidden[cell]
        n = len(ug)
        cells_h = np.bincount(inv, weights=h & ~tot, minlength=n)
        total_h = np.bincount(inv, weights=h & tot, minlength=n) > 0
        sized = np.bincount(inv, weights=np.where(h & ~tot, self.size[cell], 0), minlength=n)
        any_h = (cells_h > 0) | total_h
        enough = (cells_h >= self.rule.min_hidden) | (total_h & (cells_h >= self.rule.with_total))
        zero_sum = (cells_h > 0) & (sized <= 0) & self.can_extend[ug]
        need = ug[self.rule_group[ug] & any_h & (~enough | zero_sum)]
        if len(need) == 0:
            return np.zeros(0, np.int64)
        cand = spans(self.by_gid, self.gid_starts, need)
        cand = cand[~hidden[m.cell[cand]] & self.usable[m.cell[cand]]]
        # the complements' order: group, non-total first, zeros last, smallest, tie rank
        cand = cand[np.argsort(self.rank[cand], kind="stable")]
        _, first = np.unique(m.gid[cand], return_index=True)
        picked = np.unique(m.cell[cand[first]])
        added: np.ndarray = picked[~hidden[picked]]
        hidden[added] = True
        return added

    def imply(self, hidden: np.ndarray) -> None:
        src, dst = self.m.src, self.m.dst
        while len(src):
            add = hidden[src] & ~hidden[dst]
            if not add.any():
                return
            hidden[dst[add]] = True

    def _imply_from(self, hidden: np.ndarray, cells: np.ndarray) -> np.ndarray:
        """Hide what ``cells`` imply, and what that implies; the cells newly hidden."""
        found = []
        while len(cells):
            dst = self.m.dst[spans(self.by_src, self.src_starts, cells)]
            cells = np.unique(dst[~hidden[dst]])
            hidden[cells] = True
            found.append(cells)
        return np.concatenate(found) if found else np.zeros(0, np.int64)

    def _groups_of(self, cells: np.ndarray) -> np.ndarray:
        """The margins the cells are in."""
        return np.unique(self.m.gid[spans(self.by_cell, self.cell_starts, cells)])

    def check(self, hidden: np.ndarray, known_area: str | None) -> bool:
        """The linear-algebra check (with ``known_area``'s cells known): hide one more cell
        for each block of hidden cells that gives a hidden cell away; whether any was added.

        A block (hidden cells linked by shared margins) is checked on its own: no equation
        links it to another. Its null-space basis is reduced once and serves every area's
        check (``derivation.given_away``); blocks found clean for an area are not checked
        again for it until their hidden cells change."""
        self.blocks.update(hidden)
        label, sig = self.blocks.label, self.blocks.sig
        if known_area is None:
            own = np.zeros(len(hidden), dtype=bool)
            wanted = np.unique(label[hidden])
        else:
            own = hidden & (self.area_id == self.area_ids[known_area])
            wanted = np.unique(label[own])
        clean = self.clean.setdefault(known_area, set())
        added = False
        for b in self.blocks.in_order(wanted):
            if int(sig[b]) in clean:
                continue
            cells, basis = self._basis(b, sig)
            away = (
                basis.given_away(own[cells])
                if isinstance(basis, SplitBlock)
                else given_away(basis, own[cells])
            )
            fixed = away & ~self.in_zero_margin[cells]
            if not fixed.any():
                clean.add(int(sig[b]))
                continue
            extra = self._complement([int(x) for x in cells[fixed]], hidden, known_area)
            if extra is not None:
                hidden[extra] = True
                added = True
        return added

    def _basis(self, b: int, sig: np.ndarray) -> tuple[np.ndarray, np.ndarray | SplitBlock]:
        """Block ``b``'s cells (ascending) and the null-space basis of its equations, one
        reduction per distinct block (kept by signature, cells compared)."""
        kept = self.by_label.get(b)  # a block's number is never reused for other cells
        if kept is not None:
            return kept
        rows = self.blocks.rows(b)
        cells = np.unique(self.m.cell[rows])
        kept = self.bases.get(int(sig[b]))
        if kept is not None and np.array_equal(kept[0], cells):
            self.by_label[b] = kept
            return kept
        var = np.searchsorted(cells, self.m.cell[rows])
        solver: np.ndarray | SplitBlock
        if len(cells) <= MAX_BLOCK:
            solver = null_basis(self.m.gid[rows], var, self.coef[rows], len(cells))
        else:  # split by area: the same answer without a dense reduction of the whole block
            try:
                solver = SplitBlock(self.m.gid[rows], var, self.coef[rows], self.area[cells])
            except TooLarge as why:
                raise PlanTooLarge(
                    f"disclosure control cannot check this data: {len(cells):,} hidden cells "
                    f"are linked by shared totals and their crossing system ({why}) is larger "
                    "than the check can reduce; figures are not published unprotected "
                    "(docs/decisions.md)"
                ) from why
            log.info("block of %d hidden cells checked split by area", len(cells))
        self.bases[int(sig[b])] = self.by_label[b] = (cells, solver)
        return cells, solver

    def _complement(
        self, block: list[int], hidden: np.ndarray, known_area: str | None
    ) -> int | None:
        """The smallest further cell on a margin of the block's first cell given away."""
        for cell in sorted(block, key=lambda x: self.tie[x]):
            found = self._smallest_beside([cell], hidden, known_area)
            if found is None:  # a check-only table (a year-to-date total): its members' tables
                found = self._smallest_beside(
                    list(np.unique(self.m.cell[self._members(self._groups_of(np.array([cell])))])),
                    hidden,
                    known_area,
                )
            if found is not None:
                return found
        if block and known_area is None:
            log.warning("a hidden cell can be derived and no cell is left to hide beside it")
        # with an area's cells known: e.g. a programme made only of that area's figures and
        # published zeros, which the area knows whatever is hidden
        return None

    def _members(self, groups: np.ndarray) -> np.ndarray:
        """Membership positions of the groups."""
        return spans(self.by_gid, self.gid_starts, groups)

    def _smallest_beside(
        self, cells: list[int], hidden: np.ndarray, known_area: str | None
    ) -> int | None:
        """The smallest cell that could be hidden on a rule margin of any of ``cells``."""
        m = self.m
        groups = self._groups_of(np.asarray(cells, dtype=np.int64))
        at = self._members(groups[self.rule_group[groups]])
        cand, total = m.cell[at], m.is_total[at]
        ok = ~hidden[cand] & self.usable[cand]
        if known_area is not None:
            ok &= self.area[cand] != known_area
        if not ok.any():
            return None
        cand, total = cand[ok], total[ok]
        best = np.lexsort((self.tie[cand], self.size[cand], self.zero[cand], total))[0]
        return int(cand[best])
