"""Every table (margin) of the published cells, as one membership list (indicators.md v2).

A margin is a set of cells whose numerators (and denominators) add up to its total cell:
(a) areas and the programme, per indicator, filter, period and category;
(b) a breakdown's categories and their total (reach.parents), per area (or the programme) and
    period;
(c) a financial year and its four quarters, per indicator, filter, area (or the programme, where
    the areas pooled in each quarter are those of the year) and category;
(d) the interventions of a level and the level, and the levels and "all", per indicator, area
    (or the programme), period and category;
and, for the linear-algebra check only, reach.target's year-to-date totals (Q2, Q3) over the
quarters' families. Some indicators are not strictly additive across filters or quarters (a
parent counted once per intervention; a family whose parents start in two quarters): the margin
is treated as exact anyway, which can only hide more.

A new kind of published total (a release, say) joins the check by adding its members here
(``Margins.extend`` with its own ``kind``): the rule and the linear-algebra check read nothing
else. Group benchmarks (statistical neighbours, region: ``lfo.indicators.benchmarks``) need no
margin: a group's value is published only when every member's cell for that indicator, period,
filter and category is published (else it is ``c``), so its numerator and denominator (for a
mean, n and the sum n × mean) are sums of published numbers. An equation whose every term is
already known adds nothing to the linear-algebra check, for anyone, an LA knowing its own figures
included (docs/decisions.md, "Issue 11 — benchmarks").

Also the **implications**: a hidden cell whose count another row shows (as its denominator, or
inside it) hides that row too, e.g. a breakdown's total hides its categories (their denominator),
a funnel stage the next stage (its denominator), any sex category reach.fathers (its denominator
is female + male + other), a quarter's families the year-to-date totals that include it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from lfo.indicators.cells import FUNNEL_STAGES, NO_CATEGORY, CellTable
from lfo.periods import Quarter, period
from lfo.reference import BREAKDOWNS, load_reference
from lfo.terms import PROGRAMME

KINDS = ("areas", "categories", "quarters", "filters", "running")


@dataclass
class Margins:
    """Membership of every margin group: ``gid`` (group), ``cell``, ``is_total``; per group its
    ``kind`` (index into KINDS) and whether the rule applies to it (``rule``; else the
    linear-algebra check only). ``src``/``dst``: a hidden ``src`` cell hides ``dst``."""

    gid: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    cell: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    is_total: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))
    kind: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))  # per group
    rule: np.ndarray = field(default_factory=lambda: np.zeros(0, bool))  # per group
    src: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))
    dst: np.ndarray = field(default_factory=lambda: np.zeros(0, np.int64))

    @property
    def groups(self) -> int:
        return len(self.kind)

    def extend(self, group: np.ndarray, cell: np.ndarray, total: np.ndarray, kind: str) -> None:
        """Add groups: ``group`` numbers them from 0 (any labels), one entry per member."""
        if len(cell) == 0:
            return
        codes, _ = pd.factorize(pd.Series(group))
        codes = codes.astype(np.int64)
        # a group with fewer than two members constrains nothing
        counts = np.bincount(codes)
        keep = counts[codes] >= 2
        codes, _ = pd.factorize(pd.Series(codes[keep]))
        n = int(codes.max()) + 1 if len(codes) else 0
        self.gid = np.concatenate([self.gid, codes.astype(np.int64) + self.groups])
        self.cell = np.concatenate([self.cell, np.asarray(cell, np.int64)[keep]])
        self.is_total = np.concatenate([self.is_total, np.asarray(total, bool)[keep]])
        self.kind = np.concatenate([self.kind, np.full(n, KINDS.index(kind), np.int64)])
        self.rule = np.concatenate([self.rule, np.full(n, kind != "running", bool)])

    def imply(self, src: np.ndarray, dst: np.ndarray) -> None:
        self.src = np.concatenate([self.src, np.asarray(src, np.int64)])
        self.dst = np.concatenate([self.dst, np.asarray(dst, np.int64)])


def build(table: CellTable) -> Margins:
    """Every margin and implication of the cell table."""
    c = table.cells
    c = c.assign(_id=np.arange(len(c)), _prog=(c["area_code"] == PROGRAMME).to_numpy())
    member = c[c["informative"].astype(bool)]
    m = Margins()
    _areas(m, member)
    _categories(m, member)
    _quarters(m, member)
    _filters(m, member)
    _running(m, member)
    _implications(m, c, table)
    return m


def _key(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    codes: np.ndarray = frame.groupby(columns, sort=False, dropna=False).ngroup().to_numpy()
    return codes


def _areas(m: Margins, c: pd.DataFrame) -> None:
    keys = ["indicator", "grp", "period", "category"]
    # reach.target's quarters are hidden exactly when a quarter they add up is (implications),
    # never as complements: their areas' table is for the check only
    running = (c["indicator"] == "reach.target").to_numpy()
    for part, kind in ((c[~running], "areas"), (c[running], "running")):
        m.extend(_key(part, keys), part["_id"].to_numpy(), part["_prog"].to_numpy(), kind)


def _categories(m: Margins, c: pd.DataFrame) -> None:
    cats = c[c["indicator"] == "reach.breakdown"]
    if cats.empty:
        return
    breakdown = cats["category"].str.split(":", n=1).str[0]
    cats = cats.assign(_b=breakdown.to_numpy())
    totals = c[c["indicator"] == "reach.parents"][["area_code", "period", "_id"]]
    pairs = cats[["area_code", "period", "_b"]].drop_duplicates()
    tot = pairs.merge(totals, on=["area_code", "period"], how="inner")
    frame = pd.concat(
        [cats[["area_code", "period", "_b", "_id"]].assign(_t=False), tot.assign(_t=True)],
        ignore_index=True,
    )
    group = _key(frame, ["area_code", "period", "_b"])
    m.extend(group, frame["_id"].to_numpy(), frame["_t"].to_numpy(), "categories")


def _year_of(codes: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Each period's financial year (the year it starts in) and whether it is a quarter."""
    uniq = pd.unique(codes.to_numpy(dtype=object))
    parsed = {u: period(u) for u in uniq}
    fy = codes.map({u: p.fy for u, p in parsed.items()}).to_numpy(dtype=np.int64)
    is_q = codes.map({u: isinstance(p, Quarter) for u, p in parsed.items()}).to_numpy(dtype=bool)
    return fy, is_q


def _quarters(m: Margins, c: pd.DataFrame) -> None:
    c = c[~c["indicator"].isin(["reach.target"])]
    fy, is_q = _year_of(c["period"])
    c = c.assign(_fy=fy, _q=is_q)
    keys = ["indicator", "grp", "area_code", "category", "_fy"]
    years = c[~c["_q"]]
    # only years with all four quarters present; for the programme, only where each quarter
    # pools the same areas as the year
    quarters = c[c["_q"]].merge(
        years[[*keys, "areas_pooled"]].rename(columns={"areas_pooled": "_year_pooled"}),
        on=keys,
        how="inner",
    )
    same = ~quarters["_prog"] | (quarters["areas_pooled"] == quarters["_year_pooled"])
    quarters = quarters.assign(_same=same.to_numpy())
    ok = quarters.groupby(keys, dropna=False)["_same"].agg(["all", "size"])
    ok = ok[ok["all"] & (ok["size"] == 4)].reset_index()[keys]
    frame = pd.concat(
        [
            quarters.merge(ok, on=keys)[[*keys, "_id"]].assign(_t=False),
            years.merge(ok, on=keys)[[*keys, "_id"]].assign(_t=True),
        ],
        ignore_index=True,
    )
    m.extend(_key(frame, keys), frame["_id"].to_numpy(), frame["_t"].to_numpy(), "quarters")


def _filters(m: Margins, c: pd.DataFrame) -> None:
    levels = {code: f"level:{i.level}" for code, i in load_reference().interventions.items()}
    keys = ["indicator", "area_code", "period", "category"]
    grp = c["grp"].astype(str)
    by_int = c[grp.isin(list(levels)) | grp.str.startswith("level:")]
    if by_int.empty:
        return
    level_of = by_int["grp"].map(lambda g: g if str(g).startswith("level:") else levels.get(g))
    by_int = by_int.assign(_level=level_of.to_numpy(), _t=by_int["grp"].str.startswith("level:"))
    m.extend(
        _key(by_int, [*keys, "_level"]),
        by_int["_id"].to_numpy(),
        by_int["_t"].to_numpy(),
        "filters",
    )
    has_filters = c["indicator"].isin(set(by_int["indicator"]))
    tops = c[has_filters & (grp.str.startswith("level:") | (grp == "all"))]
    m.extend(_key(tops, keys), tops["_id"].to_numpy(), (tops["grp"] == "all").to_numpy(), "filters")


def _running(m: Margins, c: pd.DataFrame) -> None:
    """reach.target(Qq) = families(Q1) + ... + families(Qq), q = 2, 3 (check only)."""
    target = c[c["indicator"] == "reach.target"]
    fam = c[(c["indicator"] == "reach.families")]
    if target.empty or fam.empty:
        return
    fam_at = fam.set_index(["area_code", "period"])["_id"]
    pooled = _programme_pooling(c)
    group, cell, total = [], [], []
    rows = zip(target["area_code"], target["period"], target["_id"], target["_prog"], strict=True)
    for g, (area, code, own, prog) in enumerate(rows):
        p = period(code)
        if not isinstance(p, Quarter):
            continue
        members = [fam_at.get((area, Quarter(p.fy, j).label)) for j in range(1, p.q + 1)]
        if any(x is None for x in members) or (prog and not _same_pooling(pooled, p)):
            continue
        group += [g] * (len(members) + 1)
        cell += [*members, own]
        total += [False] * len(members) + [True]
    m.extend(np.array(group), np.array(cell), np.array(total), "running")


def _programme_pooling(c: pd.DataFrame) -> pd.Series:
    """How many areas the programme's reach.families pools, by period."""
    fam = c[(c["indicator"] == "reach.families") & c["_prog"]]
    pooled: pd.Series = fam.set_index("period")["areas_pooled"]
    return pooled


def _same_pooling(pooled: pd.Series, q: Quarter) -> bool:
    """Whether the programme pools the same areas in every quarter of ``q``'s year up to it."""
    return len({pooled.get(Quarter(q.fy, j).label) for j in range(1, q.q + 1)}) == 1


def _implications(m: Margins, c: pd.DataFrame, table: CellTable) -> None:
    at = pd.Series(c["_id"].to_numpy(), index=pd.MultiIndex.from_frame(c[_KEYS].astype(object)))

    def ids(frame: pd.DataFrame) -> np.ndarray:
        found: np.ndarray = at.reindex(pd.MultiIndex.from_frame(frame[_KEYS].astype(object)))
        return np.asarray(found, dtype=float)

    def link(src: pd.DataFrame, dst: pd.DataFrame) -> None:
        s, d = ids(src), ids(dst)
        ok = np.isfinite(s) & np.isfinite(d) & (s != d)
        m.imply(s[ok].astype(np.int64), d[ok].astype(np.int64))

    cats = c[c["indicator"] == "reach.breakdown"]
    link(cats.assign(indicator="reach.parents", category=NO_CATEGORY), cats)
    funnel = c[c["indicator"] == "uptake.funnel"]
    for before, after in pairwise(FUNNEL_STAGES):
        nxt = funnel[funnel["category"] == after]
        src = nxt.assign(category=before)
        if before == "referred":
            src = src.assign(indicator="reach.parents", grp="all", category=NO_CATEGORY)
        link(src, nxt)
    for name, hit, unstated in (
        ("sex", "male", "not_stated"),
        ("workless_household", "yes", "not_stated"),
    ):
        shown = cats[cats["category"] == f"{name}:{hit}"]
        for other in BREAKDOWNS[name]:
            if other != hit:
                link(shown.assign(category=f"{name}:{other}"), shown)
        link(shown, shown.assign(category=f"{name}:{unstated}"))
    target = c[c["indicator"] == "reach.target"]
    src, dst = [], []
    for key in target[_KEYS].itertuples(index=False, name=None):
        p = period(key[3])
        if isinstance(p, Quarter):
            for j in range(1, p.q + 1):
                src.append(("reach.families", key[1], key[2], Quarter(p.fy, j).label, NO_CATEGORY))
                dst.append(key)
    if src:
        link(pd.DataFrame(src, columns=_KEYS), pd.DataFrame(dst, columns=_KEYS))
    # where the programme's quarters pool different areas, its year-to-date total is not the
    # sum of its quarters: it is hidden with any area's
    prog = target[target["_prog"]]
    pooled = _programme_pooling(c)
    for code in prog["period"]:
        p = period(code)
        if isinstance(p, Quarter) and not _same_pooling(pooled, p):
            areas = target[(target["period"] == code) & ~target["_prog"]]
            link(areas, prog[prog["period"] == code].iloc[[0] * len(areas)])


_KEYS = ["indicator", "grp", "area_code", "period", "category"]
