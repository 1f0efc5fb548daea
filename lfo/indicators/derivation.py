"""Which hidden cells of a table can be worked back from its published cells and margins.

Secondary suppression (``lfo.indicators.disclosure``) leaves no margin with a single hidden row,
but where margins overlap (areas × categories) a hidden cell can still follow from adding margins
up (a "bridge" between two protected blocks). Each margin group is one linear equation
Σ cells − total = 0 over the hidden rows; a hidden row is derivable exactly when every solution of
the homogeneous system leaves it at 0. Found in linear time where the equations are those of a
graph (the two margins of ``suppress_indicator``), by a null-space basis otherwise.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.csgraph import connected_components

log = logging.getLogger(__name__)


def derivable(
    members: Sequence[pd.DataFrame], hidden: np.ndarray, informative: np.ndarray
) -> list[int]:
    """Hidden rows whose values follow from the published rows and margins by linear algebra.

    ``members``: one membership frame per margin (``disclosure.membership``). Each margin group
    is one equation Σ cells − total = 0 over the hidden rows (published rows are known). A hidden
    row is determined exactly when every solution of the homogeneous system leaves it at 0, i.e.
    its row of a null-space basis is zero. Solved per connected block of equations.
    """
    return sorted(r for rows in derivable_blocks(members, hidden, informative) for r in rows)


def derivable_blocks(
    members: Sequence[pd.DataFrame], hidden: np.ndarray, informative: np.ndarray
) -> list[list[int]]:
    """``derivable`` rows grouped by connected block of equations (blocks with none left out)."""
    eq_parts, var_parts, coef_parts, offset = [], [], [], 0
    for mem in members:
        pos, gid = mem["pos"].to_numpy(), mem["gid"].to_numpy()
        sel = hidden[pos] & informative[pos]
        if sel.any():
            eq_parts.append(gid[sel] + offset)
            var_parts.append(pos[sel])
            coef_parts.append(np.where(mem["is_total"].to_numpy()[sel], -1.0, 1.0))
        offset += int(gid.max()) + 1 if len(gid) else 0
    if not eq_parts:
        return []
    eqs, vars_, coefs = (np.concatenate(p) for p in (eq_parts, var_parts, coef_parts))
    eq_ids, eq_idx = np.unique(eqs, return_inverse=True)
    var_ids, var_idx = np.unique(vars_, return_inverse=True)
    n_eq, n_var = len(eq_ids), len(var_ids)
    graph = sparse.coo_matrix(
        (np.ones(len(eqs)), (eq_idx, n_eq + var_idx)), shape=(n_eq + n_var, n_eq + n_var)
    )
    _, label = connected_components(graph, directed=False)
    fixed = _fixed_in_graph(eq_idx, var_idx, coefs, n_eq, n_var, label)
    if fixed is not None:
        comp = label[n_eq:]
        hits = np.flatnonzero(fixed)
        order = np.argsort(comp[hits], kind="stable")  # blocks in label order, rows ascending
        hits = hits[order]
        bounds = np.flatnonzero(np.diff(comp[hits])) + 1
        return [[int(r) for r in var_ids[part]] for part in np.split(hits, bounds) if len(part)]
    found: list[list[int]] = []
    entry_comp = label[eq_idx]
    for comp in np.unique(label[n_eq:]):
        e_sel = np.flatnonzero(label[:n_eq] == comp)
        v_sel = np.flatnonzero(label[n_eq:] == comp)
        at = entry_comp == comp
        a = np.zeros((len(e_sel), len(v_sel)))
        np.add.at(
            a, (np.searchsorted(e_sel, eq_idx[at]), np.searchsorted(v_sel, var_idx[at])), coefs[at]
        )
        _, sv, vt = np.linalg.svd(a)
        null = vt[int((sv > 1e-9).sum()) :]
        fixed = np.all(np.abs(null) < 1e-9, axis=0) if len(null) else np.ones(len(v_sel), bool)
        rows = [int(var_ids[v_sel[j]]) for j in np.flatnonzero(fixed)]
        if rows:
            found.append(rows)
    return found


def _fixed_in_graph(
    eq_idx: np.ndarray,
    var_idx: np.ndarray,
    coefs: np.ndarray,
    n_eq: int,
    n_var: int,
    label: np.ndarray,
) -> np.ndarray | None:
    """Which hidden rows are determined, where the equations are those of a graph.

    When every row is in at most two equations, with coefficients ±1, and the equations and rows
    can be rescaled by ±1 so that each row has +1 in one equation and −1 in the other (checked),
    the system is the incidence matrix of a graph: equations are vertices, rows are edges (a row
    in one equation joins it to a free "ground" vertex of its block, which has no equation). Its
    null space is then the cycle space, so a row is determined exactly when its edge is in no
    cycle: when it is a bridge. This is what the null-space test computes, found in linear time
    (the two margins of ``suppress_indicator`` always give such a graph). None: not a graph, use
    the null space.
    """
    count = np.bincount(var_idx, minlength=n_var)
    if count.max() > 2 or not np.all(np.abs(coefs) == 1):
        return None
    order = np.argsort(var_idx, kind="stable")
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    first = order[starts]
    second = order[np.minimum(starts + 1, len(order) - 1)]
    two = count == 2
    u = eq_idx[first]
    w = np.where(two, eq_idx[second], n_eq + label[u])  # ground vertex of the block
    if np.any(two & (u == w)):
        return None  # a row twice in one equation
    # balance: signs s_v of equations with s_u·a = −s_w·b on every edge (a double cover check)
    flip = np.where(two, -coefs[first] * coefs[np.where(two, second, first)], 1.0) < 0
    uu, ww, ff = u[two], w[two], flip[two]
    src = np.concatenate([uu, uu + n_eq])
    dst = np.concatenate([np.where(ff, ww + n_eq, ww), np.where(ff, ww, ww + n_eq)])
    cover = sparse.coo_matrix((np.ones(len(src)), (src, dst)), shape=(2 * n_eq, 2 * n_eq))
    _, side = connected_components(cover, directed=False)
    if np.any(side[:n_eq] == side[n_eq:]):
        return None
    return _bridges(n_eq + int(label.max()) + 1, u, w)


def _bridges(n_nodes: int, u: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Boolean per edge (u[i], w[i]) of a multigraph: True where the edge is in no cycle."""
    adjacency: list[list[tuple[int, int]]] = [[] for _ in range(n_nodes)]
    for e, (a, b) in enumerate(zip(u.tolist(), w.tolist(), strict=True)):
        adjacency[a].append((b, e))
        adjacency[b].append((a, e))
    disc = [-1] * n_nodes
    low = [0] * n_nodes
    bridge = np.zeros(len(u), dtype=bool)
    timer = 0
    for root in range(n_nodes):
        if disc[root] != -1 or not adjacency[root]:
            continue
        disc[root] = low[root] = timer
        timer += 1
        stack = [(root, -1, iter(adjacency[root]))]
        while stack:
            node, via, edges = stack[-1]
            for nxt, e in edges:
                if e == via:
                    continue
                if disc[nxt] == -1:
                    disc[nxt] = low[nxt] = timer
                    timer += 1
                    stack.append((nxt, e, iter(adjacency[nxt])))
                    break
                if disc[nxt] < low[node]:
                    low[node] = disc[nxt]
            else:
                stack.pop()
                if stack:
                    parent = stack[-1][0]
                    if low[node] < low[parent]:
                        low[parent] = low[node]
                    if low[node] > disc[parent]:
                        bridge[via] = True
    return bridge


# --- disclosure control v2: exact check over any margins ---------------------------------------

PRIME = 2_147_483_647  # 2^31 - 1: a product of two residues fits in int64


def null_basis(eq: np.ndarray, var: np.ndarray, coef: np.ndarray, n_var: int) -> np.ndarray:
    """A basis of the solutions of Σ coef·x[var] = 0 (one equation per ``eq`` value), modulo
    PRIME: an ``n_var`` × d matrix, one row per unknown (d: the dimension of the null space).

    Unknown i is determined by the equations exactly when its row is zero; with the unknowns
    ``known`` also known, when its row lies in the span of the known unknowns' rows
    (``given_away``). One reduction per block of equations serves every area's check.
    """
    eqs, e_idx = np.unique(eq, return_inverse=True)
    a = np.zeros((len(eqs), n_var), dtype=np.int64)
    np.add.at(a, (e_idx.reshape(-1), var), coef.astype(np.int64))
    reduced, pivots = _rref_mod_p(a % PRIME)
    free = np.ones(n_var, dtype=bool)
    free[pivots] = False
    free_cols = np.flatnonzero(free)
    basis = np.zeros((n_var, len(free_cols)), dtype=np.int64)
    basis[free_cols, np.arange(len(free_cols))] = 1
    basis[pivots] = (-reduced[: len(pivots)][:, free_cols]) % PRIME
    return basis


def given_away(basis: np.ndarray, known: np.ndarray, probes: int = 2) -> np.ndarray:
    """Which unknowns (boolean per row of ``basis``; ``known`` ones False) the equations
    determine once the ``known`` unknowns are known.

    The solutions that keep the known unknowns fixed are ``basis @ w`` for w in the kernel of
    the known rows; an unknown is determined when all of them leave it at 0. Tested with
    ``probes`` random kernel vectors (Schwartz–Zippel): an unknown that is not determined shows
    a non-zero value except with probability 1/PRIME per probe, and that error only ever
    counts a cell as given away (the safe side: it gets a complement). With nothing known:
    the zero rows, exactly."""
    out = np.zeros(len(basis), dtype=bool)
    if not known.any() or basis.shape[1] == 0:
        out[~known] = ~basis[~known].any(axis=1)
        return out
    reduced, pivots = _rref_mod_p(basis[known])
    free = np.ones(basis.shape[1], dtype=bool)
    free[pivots] = False
    rest = basis[~known]
    rng = np.random.default_rng(len(basis))
    moved = np.zeros(len(rest), dtype=bool)
    for _ in range(probes):
        w = np.zeros(basis.shape[1], dtype=np.int64)
        w[free] = rng.integers(1, PRIME, size=int(free.sum()))
        w[pivots] = (-_product(reduced[: len(pivots)][:, free], w[free])) % PRIME
        moved |= _product(rest, w) != 0
    out[np.flatnonzero(~known)] = ~moved
    return out


def _product(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``a @ v`` modulo PRIME, exactly in int64: ``a``'s entries split at 2^16 keep every sum
    of products below 2^63 (2^15 columns at a time)."""
    out = np.zeros(a.shape[0], dtype=np.int64)
    for start in range(0, a.shape[1], 2**15):
        part, w = a[:, start : start + 2**15], v[start : start + 2**15]
        low = (part & 0xFFFF) @ w % PRIME
        high = (part >> 16) @ w % PRIME * 65536 % PRIME
        out = (out + low + high) % PRIME
    return out


def _rref_mod_p(a: np.ndarray) -> tuple[np.ndarray, list[int]]:
    """The reduced row echelon form of ``a`` modulo PRIME, and its pivot columns."""
    a = a.copy()
    m, n = a.shape
    pivots: list[int] = []
    r = 0
    for col in range(n):
        if r == m:
            break
        nz = np.flatnonzero(a[r:, col])
        if len(nz) == 0:
            continue
        p = r + int(nz[0])
        if p != r:
            a[[r, p]] = a[[p, r]]
        inv = pow(int(a[r, col]), PRIME - 2, PRIME)
        a[r] = a[r] * inv % PRIME
        others = np.flatnonzero(a[:, col])
        others = others[others != r]
        if len(others):
            a[others] = (a[others] - (a[others, col][:, None] * a[r][None, :]) % PRIME) % PRIME
        pivots.append(col)
        r += 1
    return a, pivots
