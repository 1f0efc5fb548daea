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
from scipy.sparse.linalg import lsqr

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

PRIME = 2_147_483_647  # 2^31 - 1: products of two residues fit in int64
EXACT_UNKNOWNS = 400  # blocks up to this many unknowns are reduced exactly (mod PRIME)
FREE_TOLERANCE = 1e-3


def determined_blocks(
    eq: np.ndarray, var: np.ndarray, coef: np.ndarray, memo: dict[bytes, np.ndarray] | None = None
) -> tuple[list[list[int]], np.ndarray, np.ndarray]:
    """Which unknowns a linear system Σ coef·var = known fixes, per connected block.

    ``eq``, ``var``, ``coef``: one entry per (equation, unknown) (coefficients of one pair are
    added up). An unknown is determined exactly when its unit vector lies in the row space of
    the equations. Found exactly: unknowns that a single-unknown equation fixes are taken out
    (and the rest repeats); an unknown in one equation only frees that equation (it is
    determined only if the equation's other unknowns are); what is left, where every unknown is
    in two equations or more, is reduced to row echelon form modulo a large prime, block by
    block. Returns the determined unknowns per block, and each unknown's block label
    (``labels[i]`` for ``unknowns[i]``). ``memo`` keeps the reduced blocks' results between
    calls (keyed by their equations and unknowns, whose coefficients never change).
    """
    eq, var, coef = _combined(eq, var, coef)
    unknowns = np.unique(var)
    if len(unknowns) == 0:
        return [], unknowns, np.zeros(0, np.int64)
    eqs = np.unique(eq)
    e_idx, v_idx = np.searchsorted(eqs, eq), np.searchsorted(unknowns, var)
    n_e, n_v = len(eqs), len(unknowns)
    graph = sparse.coo_matrix(
        (np.ones(len(eq)), (e_idx, n_e + v_idx)), shape=(n_e + n_v, n_e + n_v)
    )
    _, label = connected_components(graph, directed=False)
    ids = (eqs.astype(np.int64), unknowns.astype(np.int64))
    fixed = _peel_and_reduce(e_idx, v_idx, coef.astype(np.int64), n_v, ids, memo)
    v_label = label[n_e:]
    blocks: dict[int, list[int]] = {}
    for i in np.flatnonzero(fixed):
        blocks.setdefault(int(v_label[i]), []).append(int(unknowns[i]))
    return list(blocks.values()), unknowns, v_label


def _combined(
    eq: np.ndarray, var: np.ndarray, coef: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if len(eq) == 0:
        return eq, var, coef
    width = int(var.max()) + 1
    key = eq.astype(np.int64) * width + var.astype(np.int64)
    uniq, inverse = np.unique(key, return_inverse=True)
    total = np.bincount(inverse.reshape(-1), weights=coef, minlength=len(uniq))
    keep = total != 0
    return uniq[keep] // width, uniq[keep] % width, total[keep]


def _peel_and_reduce(
    e_idx: np.ndarray,
    v_idx: np.ndarray,
    coef: np.ndarray,
    n_v: int,
    ids: tuple[np.ndarray, np.ndarray],
    memo: dict[bytes, np.ndarray] | None,
) -> np.ndarray:
    """Determined unknowns (boolean per unknown), see ``determined_blocks``."""
    eq_vars: dict[int, dict[int, int]] = {}
    var_eqs: list[set[int]] = [set() for _ in range(n_v)]
    for e, v, a in zip(e_idx.tolist(), v_idx.tolist(), coef.tolist(), strict=True):
        eq_vars.setdefault(e, {})[v] = a
        var_eqs[v].add(e)
    fixed = np.zeros(n_v, dtype=bool)
    freed: list[tuple[int, list[int]]] = []  # (unknown, the other unknowns of its equation)
    singles = [e for e, vs in eq_vars.items() if len(vs) == 1]
    leaves = [v for v in range(n_v) if len(var_eqs[v]) == 1]
    while singles or leaves:
        while singles:
            e = singles.pop()
            vs = eq_vars.pop(e, None)
            if not vs or len(vs) != 1:
                if vs:
                    eq_vars[e] = vs
                continue
            (v,) = vs
            fixed[v] = True
            for other in var_eqs[v]:
                if other != e and other in eq_vars:
                    eq_vars[other].pop(v, None)
                    if len(eq_vars[other]) == 1:
                        singles.append(other)
                    elif not eq_vars[other]:
                        del eq_vars[other]
            var_eqs[v] = set()
        if leaves:
            v = leaves.pop()
            if len(var_eqs[v]) != 1:
                continue
            (e,) = var_eqs[v]
            vs = eq_vars.get(e)
            if vs is None or len(vs) < 2:
                continue
            del eq_vars[e]
            var_eqs[v] = set()
            others = [u for u in vs if u != v]
            freed.append((v, others))
            for u in others:
                var_eqs[u].discard(e)
                if len(var_eqs[u]) == 1:
                    leaves.append(u)
    _reduce_core(eq_vars, fixed, ids, {} if memo is None else memo)
    for v, others in reversed(freed):
        fixed[v] = bool(np.all(fixed[others]))
    return fixed


def _reduce_core(
    eq_vars: dict[int, dict[int, int]],
    fixed: np.ndarray,
    ids: tuple[np.ndarray, np.ndarray],
    memo: dict[bytes, np.ndarray],
) -> None:
    """Mark the unknowns the remaining equations determine (row echelon form mod PRIME, per
    connected block)."""
    if not eq_vars:
        return
    rows = list(eq_vars.items())
    e_list = np.array([e for e, vs in rows for _ in vs], dtype=np.int64)
    v_list = np.array([v for _, vs in rows for v in vs], dtype=np.int64)
    a_list = np.array([a for _, vs in rows for a in vs.values()], dtype=np.int64)
    eqs, e_idx = np.unique(e_list, return_inverse=True)
    vs, v_idx = np.unique(v_list, return_inverse=True)
    n_e, n_v = len(eqs), len(vs)
    graph = sparse.coo_matrix(
        (np.ones(len(e_idx)), (e_idx, n_e + v_idx)), shape=(n_e + n_v, n_e + n_v)
    )
    _, label = connected_components(graph, directed=False)
    entry_label = label[e_idx]
    sizes = np.bincount(label[n_e:], minlength=int(label.max()) + 1)
    small = sizes[entry_label] <= EXACT_UNKNOWNS
    order = np.flatnonzero(small)
    order = order[np.argsort(entry_label[order], kind="stable")]
    bounds = np.flatnonzero(np.diff(entry_label[order])) + 1
    for part in np.split(order, bounds) if len(order) else []:
        e_sel, e_loc = np.unique(e_idx[part], return_inverse=True)
        v_sel, v_loc = np.unique(v_idx[part], return_inverse=True)
        key = ids[0][eqs[e_sel]].tobytes() + b"|" + ids[1][vs[v_sel]].tobytes()
        if key not in memo:
            a = np.zeros((len(e_sel), len(v_sel)), dtype=np.int64)
            a[e_loc, v_loc] = a_list[part] % PRIME
            memo[key] = _determined_mod_p(a)
        fixed[vs[v_sel[memo[key]]]] = True
    large = np.flatnonzero(~small)
    if len(large):
        e_sel, e_loc = np.unique(e_idx[large], return_inverse=True)
        v_sel, v_loc = np.unique(v_idx[large], return_inverse=True)
        key = ids[0][eqs[e_sel]].tobytes() + b"|" + ids[1][vs[v_sel]].tobytes()
        if key not in memo:
            a = sparse.csr_matrix(
                (a_list[large].astype(float), (e_loc, v_loc)), shape=(len(e_sel), len(v_sel))
            )
            memo[key] = _determined_by_projection(a)
        fixed[vs[v_sel[memo[key]]]] = True


def _determined_by_projection(a: sparse.csr_matrix, probes: int = 3) -> np.ndarray:
    """Columns j with e_j in the row space of ``a``, for systems too large to reduce densely:
    the projection z of a random vector onto the null space of ``a`` (by LSQR) has z_j = 0
    exactly for those columns, and almost surely not for the others. A column is taken as
    determined (the safe side: it gets a complement) unless some probe gives |z_j| above
    ``FREE_TOLERANCE`` with ``a z`` (which should be 0) 100,000 times smaller."""
    rng = np.random.default_rng(20261203)
    free = np.zeros(a.shape[1], dtype=bool)
    at = a.T.tocsr()
    for _ in range(probes):
        r = rng.integers(1, 1000, size=a.shape[1]).astype(float)
        y = lsqr(at, r, atol=1e-15, btol=1e-15, iter_lim=20 * a.shape[1])[0]
        z = r - at @ y
        residual = float(np.abs(a @ z).max()) if a.shape[0] else 0.0
        if residual * 1e5 > FREE_TOLERANCE:
            log.warning("the projection did not converge (residual %.2g)", residual)
            continue
        free |= np.abs(z) > FREE_TOLERANCE
    determined: np.ndarray = ~free
    return determined


def _determined_mod_p(a: np.ndarray) -> np.ndarray:
    """Columns j of ``a`` whose unit vector e_j is in its row space, modulo PRIME: the pivot
    columns whose reduced row has no entry in a free column."""
    a = a.copy() % PRIME
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
    free = np.ones(n, dtype=bool)
    free[pivots] = False
    out = np.zeros(n, dtype=bool)
    for i, col in enumerate(pivots):
        out[col] = not np.any(a[i, free])
    return out
