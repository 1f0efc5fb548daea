"""Benchmarks other than the programme: the groups (statistical neighbours, region) and the
pooled value of each area's group (indicators.md v2, "Comparison and trend" → "Benchmarks").

The one home of the benchmark kinds (``KINDS``), their names (``NAMES``) and their members
(``groups``). Pure: areas in (the columns of ``lfo.indicators.queries.coverage``: ``area_code``,
``region``, ``families``, ``imd_rank``), codes out.

- **programme**: every area (the area itself included, as the programme pools it).
- **statistical neighbours**: for each area, its ``K`` nearest other areas by Euclidean distance
  on z-scores of the deprivation rank (``imd_rank``) and the natural log of families with
  children (``families``); all the others when fewer; ties by lower GSS code. The z-scores are
  taken over every area of the areas table that has both figures (a rank and more than 0
  families), whether or not its return covers a period: the groups are a property of the areas,
  not of the data, so they do not change from period to period. An area without both figures (an
  area registered without ``imd_rank``) has no position: it has no neighbours (its group is
  unavailable, ``z``) and is nobody's neighbour. The standard deviations are the population's
  (n); any other divisor scales both axes alike and picks the same neighbours. Distances are
  rounded to 10 decimal places before ties are broken, so that equal distances reached by
  different arithmetic count as ties.
- **region**: the other areas of the area's region; none (unavailable, ``z``) where the region
  has no other area.

``add_group_benchmark`` gives each area row its group's pooled value, as the programme is pooled
(numerators over denominators; for means, the sum of values over the units), and compares the
area with it. A group value is published only when none of its members' cells for that
indicator, period, filter and category is suppressed: it is then a sum of published figures and
discloses nothing new (docs/decisions.md, "Issue 11 — benchmarks").
"""

from __future__ import annotations

from typing import Final

import numpy as np
import pandas as pd

from lfo.indicators import compare as cmp
from lfo.indicators import stats
from lfo.indicators.indicator import HIGHER, LOWER, Indicator
from lfo.terms import NOT_APPLICABLE, NOT_AVAILABLE, PROGRAMME, SUPPRESSED

PROGRAMME_KIND: Final = "programme"
NEIGHBOURS: Final = "neighbours"
REGION: Final = "region"
#: The benchmarks a user or an API request may choose, the default first.
KINDS: Final = (PROGRAMME_KIND, NEIGHBOURS, REGION)
#: How each benchmark reads in a sentence ("similar to the programme", "… to statistical
#: neighbours", "… to other areas in the region").
NAMES: Final = {
    PROGRAMME_KIND: "the programme",
    NEIGHBOURS: "statistical neighbours",
    REGION: "other areas in the region",
}
#: Statistical neighbours per area.
K: Final = 5
#: Columns a group benchmark adds to the engine's rows (after ``benchmark``).
COLUMNS: Final = ("benchmark_kind", "benchmark_status", "benchmark_areas")

_POLARITY = {HIGHER: "higher_better", LOWER: "lower_better"}


def check_kind(kind: str) -> str:
    """``kind`` if it is a benchmark kind, else ValueError naming them."""
    if kind not in KINDS:
        raise ValueError(f"benchmark must be one of {', '.join(KINDS)}, not {kind!r}")
    return kind


def groups(areas: pd.DataFrame, kind: str) -> dict[str, tuple[str, ...]]:
    """Each area's code → the codes of its benchmark group's members, in order (neighbours:
    nearest first; region and programme: by code). Every area of ``areas`` is a key; an empty
    tuple means the group is unavailable (``z``). ``areas``: one row per area with
    ``area_code`` (or ``gss_code``), ``region``, ``families`` and ``imd_rank``."""
    check_kind(kind)
    a = areas.rename(columns={"gss_code": "area_code"}).drop_duplicates("area_code")
    a = a.sort_values("area_code", kind="stable")
    codes = [str(c) for c in a["area_code"]]
    if kind == PROGRAMME_KIND:
        return {c: tuple(codes) for c in codes}
    if kind == REGION:
        region = dict(zip(codes, a["region"], strict=True))
        return {c: tuple(o for o in codes if o != c and region[o] == region[c]) for c in codes}
    return _neighbours(a, codes)


def _neighbours(a: pd.DataFrame, codes: list[str]) -> dict[str, tuple[str, ...]]:
    rank = pd.to_numeric(a["imd_rank"], errors="coerce").to_numpy(dtype=float)
    families = pd.to_numeric(a["families"], errors="coerce").to_numpy(dtype=float)
    placed = np.isfinite(rank) & np.isfinite(families) & (families > 0)
    out: dict[str, tuple[str, ...]] = dict.fromkeys(codes, ())
    if placed.sum() < 2:
        return out
    with np.errstate(divide="ignore", invalid="ignore"):
        logs = np.log(families)
    z = np.column_stack([_z_scores(rank[placed]), _z_scores(logs[placed])])
    kept = [c for c, ok in zip(codes, placed, strict=True) if ok]
    for i, code in enumerate(kept):
        dist = np.round(np.sqrt(((z - z[i]) ** 2).sum(axis=1)), 10)
        order = sorted((d, other) for d, other in zip(dist, kept, strict=True) if other != code)
        out[code] = tuple(other for _, other in order[:K])
    return out


def _z_scores(x: np.ndarray) -> np.ndarray:
    """(x − mean) / population SD; 0 throughout where every value is the same."""
    sd = float(x.std())
    if sd == 0:
        return np.zeros(len(x))
    out: np.ndarray = (x - x.mean()) / sd
    return out


def add_group_benchmark(
    ind: Indicator, df: pd.DataFrame, members: dict[str, tuple[str, ...]], kind: str, conf: float
) -> pd.DataFrame:
    """Each area row's ``benchmark``: the pooled value of its group (``members``) for the same
    period and category, and its ``comparison`` with it (the same rule and polarity as with the
    programme, at confidence ``conf``). ``df``: the engine's complete grid after disclosure
    control (every area and the programme, statuses set, ``covered``; for means ``n`` and
    ``total``). The programme's rows keep the programme's benchmark.

    Added columns: ``benchmark_kind`` (``kind``; "programme" on the programme's rows),
    ``benchmark_status`` (why the benchmark is missing: ``c`` a member's cell is suppressed, ``x``
    no member has data, ``z`` no group (no other area in the region, an area without a position)
    or no comparison for this indicator or row; None when shown), ``benchmark_areas`` (members
    pooled: those whose returns cover the period). The benchmark of a row that is itself ``c`` is
    null, as with the programme; its ``benchmark_status`` still says the group's."""
    df = df.reset_index(drop=True)
    area = (df["area_code"] != PROGRAMME).to_numpy()
    pooled = _pool(ind, df, members)
    keys = pd.MultiIndex.from_frame(df[["area_code", "period", "category"]].astype(object))
    pooled = pooled.reindex(keys)
    status = np.full(len(df), None, dtype=object)
    n_members = np.array([len(members.get(c, ())) for c in df["area_code"]])
    hidden = pooled["hidden"].fillna(0).to_numpy() > 0
    value = pooled["value"].to_numpy(dtype=float)
    status[~np.isfinite(value)] = NOT_AVAILABLE
    status[hidden] = SUPPRESSED
    own = df["status"].astype(object).to_numpy()
    no_group = (n_members == 0) | (not ind.has_interval) | (own == NOT_APPLICABLE)
    status[no_group] = NOT_APPLICABLE
    shown = pd.isna(status)
    bench = np.where(shown, value, np.nan)
    bench[own == SUPPRESSED] = np.nan
    prog_bench = df["benchmark"].to_numpy(dtype=float) if "benchmark" in df else np.nan
    df["benchmark"] = np.where(area, bench, prog_bench)
    df["benchmark_kind"] = pd.Series(np.where(area, kind, PROGRAMME_KIND), dtype=object)
    prog_status = programme_status(df, df).to_numpy()
    df["benchmark_status"] = pd.Series(np.where(area, status, prog_status), dtype=object)
    counted = pooled["covered"].fillna(0).to_numpy(dtype=float)
    df["benchmark_areas"] = pd.Series(
        [int(c) if ok else None for c, ok in zip(counted, area & ~no_group, strict=True)],
        index=df.index,
        dtype=object,
    )
    comparison = pd.Series(None, index=df.index, dtype=object)
    if ind.has_interval:
        polarity = _POLARITY.get(ind.polarity, "none")
        comparison = cmp.compare(df["lower"], df["upper"], df["benchmark"], polarity)
    df["comparison"] = comparison.where(pd.Series(area, index=df.index), None)
    return df


def _pool(ind: Indicator, df: pd.DataFrame, members: dict[str, tuple[str, ...]]) -> pd.DataFrame:
    """Per area, period and category: the group's pooled ``value``, how many members' cells are
    suppressed (``hidden``) and how many covered members were pooled (``covered``)."""
    pairs = pd.DataFrame(
        [(a, m) for a, ms in members.items() for m in ms], columns=["group_of", "area_code"]
    )
    sums = [c for c in ("numerator", "denominator", "n", "total") if c in df]
    cells = df.loc[df["area_code"] != PROGRAMME, ["area_code", "period", "category", "covered"]]
    cells = cells.assign(
        hidden=(df["status"] == SUPPRESSED).astype(int),
        **{c: pd.to_numeric(df[c], errors="coerce").astype(float) for c in sums},
    )
    cells["covered"] = cells["covered"].astype(bool)
    for c in sums:  # uncovered members add nothing
        cells[c] = cells[c].where(cells["covered"])
    joined = pairs.merge(cells, on="area_code", how="inner")
    keys = ["group_of", "period", "category"]
    pooled = joined.groupby(keys, dropna=False, sort=False).agg(
        hidden=("hidden", "sum"),
        covered=("covered", "sum"),
        **{c: (c, "sum") for c in sums},
    )
    pooled["value"] = _value(ind, pooled)
    pooled.index = pooled.index.set_names(["area_code", "period", "category"])
    return pooled


def _value(ind: Indicator, pooled: pd.DataFrame) -> np.ndarray:
    """The pooled value by kind, as the programme's (``kinds.add_values``)."""
    if ind.kind in ("proportion", "breakdown"):
        value, _, _ = stats.wilson(pooled["numerator"], pooled["denominator"])
    elif ind.kind == "rate":
        value, _, _ = stats.byars_rate(pooled["numerator"], pooled["denominator"])
    elif ind.kind == "mean":
        n, total = pooled["n"].to_numpy(dtype=float), pooled["total"].to_numpy(dtype=float)
        with np.errstate(invalid="ignore", divide="ignore"):
            value = np.where(n >= 1, total / n, np.nan)
    else:  # no comparison for this kind: no group value either
        value = np.full(len(pooled), np.nan)
    return np.asarray(value, dtype=float)


def programme_status(rows: pd.DataFrame, programme: pd.DataFrame) -> pd.Series:
    """``benchmark_status`` of rows compared with the programme: None where ``benchmark`` is
    shown or the row is itself ``c`` and the programme's value is published; otherwise the status
    of the programme's row (in ``programme``: rows with the programme among them) for the same
    indicator, period and category (``c``, ``x`` or ``z``; ``x`` where there is none)."""
    on = [c for c in ("indicator", "period", "category") if c in rows and c in programme]
    prog = programme[programme["area_code"] == PROGRAMME].drop_duplicates(on)
    index = pd.MultiIndex.from_frame(prog[on].astype(object))
    keys = pd.MultiIndex.from_frame(rows[on].astype(object))
    theirs = pd.Series(prog["status"].astype(object).to_numpy(), index=index)
    out = np.array(theirs.reindex(keys).to_numpy(dtype=object), dtype=object)
    published = pd.Series(prog["value"].notna().to_numpy(), index=index)
    shown = published.reindex(keys, fill_value=False).to_numpy(dtype=bool)
    missing = pd.isna(out)
    out[missing] = None
    out[missing & ~shown] = NOT_AVAILABLE
    out[rows["benchmark"].notna().to_numpy()] = None
    return pd.Series(out, index=rows.index, dtype=object)
