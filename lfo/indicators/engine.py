"""The indicator engine: the one place where every published figure is made.

``compute(conn, query)`` reads the summary tables for all areas and the periods asked (plus the
four quarters before each, for the trend), adds the programme (covered areas pooled), computes
values and intervals, compares each area with the programme, tests the recent trend, applies
disclosure control to each complete table, and only then keeps the areas asked for.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from lfo.indicators import compare as cmp
from lfo.indicators import disclosure, stats, trend
from lfo.indicators.definitions import DEFINITIONS_VERSION, HIGHER, LOWER, Indicator
from lfo.indicators.figures import KEYS, SUMS, figures, summary_columns
from lfo.indicators.queries import (
    coverage,
    data_as_at,
    read_summary,
    snapshot,
    summary_table_for,
)
from lfo.periods import FinancialYear, Quarter, parse_period
from lfo.terms import PROGRAMME

ROW_COLUMNS = [
    "indicator",
    "area_code",
    "area_name",
    "period",
    "category",
    "value",
    "lower",
    "upper",
    "numerator",
    "denominator",
    "comparison",
    "trend",
    "trend_judgement",
    "status",
]
_POLARITY = {HIGHER: "higher_better", LOWER: "lower_better"}


@dataclass(frozen=True)
class Query:
    indicators: tuple[Indicator, ...]
    areas: tuple[str, ...] | None = None  # None: every area and the programme
    periods: tuple[str, ...] | None = None  # None: every period with data
    period_from: str | None = None
    period_to: str | None = None
    intervention: str | None = None
    level: str | None = None
    breakdowns: tuple[str, ...] | None = None
    ci: float = 95.0
    threshold: int = 10

    @property
    def grp(self) -> str:
        if self.intervention:
            return self.intervention
        if self.level:
            return f"level:{self.level}"
        return "all"

    @property
    def confidence(self) -> float:
        return self.ci / 100


@dataclass(frozen=True)
class ResultMeta:
    """What travels with every set of figures: when the data was last changed (ISO 8601, None
    before any load), the suppression threshold applied, and the definitions' version."""

    data_as_at: str | None
    threshold: int
    definitions_version: str = DEFINITIONS_VERSION

    def as_dict(self) -> dict[str, str | int | None]:
        """The API's ``meta`` object."""
        return {
            "data_as_at": self.data_as_at,
            "threshold": self.threshold,
            "definitions_version": self.definitions_version,
        }


@dataclass
class Result:
    rows: pd.DataFrame  # ROW_COLUMNS plus extras (benchmark, areas_pooled, return_period)
    meta: ResultMeta


# --- periods ---------------------------------------------------------------------------------


def _bounds(label: str) -> tuple[pd.Timestamp, pd.Timestamp]:
    p = parse_period(label)
    return pd.Timestamp(p.start), pd.Timestamp(p.end)


def select_periods(available: list[str], query: Query) -> list[str]:
    """The periods a query asks for, in time order (quarters before their year)."""
    chosen = set(query.periods) if query.periods else set(available)
    if query.period_from:
        start = _bounds(query.period_from)[0]
        chosen = {p for p in chosen if _bounds(p)[0] >= start}
    if query.period_to:
        end = _bounds(query.period_to)[1]
        chosen = {p for p in chosen if _bounds(p)[1] <= end}
    return sorted(chosen, key=lambda p: (_bounds(p)[1], isinstance(parse_period(p), Quarter)))


def available_periods(cov: pd.DataFrame) -> list[str]:
    """Every quarter from 2016-17 Q1 to the latest return's, and every financial year that some
    area's return covers in full."""
    ends = cov["period_end"].dropna()
    if ends.empty:
        return []
    last = Quarter.containing(ends.max().date())
    quarters = [Quarter.from_index(i) for i in range(last.index + 1)]
    years = sorted({q.fy for q in quarters if Quarter(q.fy, 4).index <= last.index})
    return [q.label for q in quarters] + [FinancialYear(y).label for y in years]


def _trend_quarters(periods: list[str]) -> dict[str, list[str]]:
    out = {}
    for label in periods:
        p = parse_period(label)
        if isinstance(p, Quarter):
            out[label] = [(p - k).label for k in range(4, -1, -1)]
    return out


# --- computing -------------------------------------------------------------------------------


def _categories(ind: Indicator, breakdowns: list[str]) -> list[str | None]:
    """Every category an indicator reports, whether or not the data has rows for it."""
    if ind.kind == "breakdown":
        from lfo.reference import BREAKDOWNS

        return [f"{b}:{c}" for b in breakdowns for c in BREAKDOWNS[b]]
    if ind.kind == "funnel":
        return ["referred", "offered", "started", "completed"]
    return [None]


def _used_columns(ind: Indicator, category: str | None) -> list[str]:
    """The columns that hold a real zero when an area has no rows for a period."""
    if ind.kind in ("count", "target", "rate") or category == "referred":
        return ["numerator"]
    if ind.kind in ("mean", "ratio"):
        return ["denominator", "n", "total", "sumsq"]
    if ind.kind == "median":
        return ["denominator"]
    return ["numerator", "denominator"]


def _with_programme(
    ind: Indicator,
    fig: pd.DataFrame,
    cov: pd.DataFrame,
    periods: list[str],
    categories: list[str | None],
) -> pd.DataFrame:
    """Complete area x period x category grid (zeros where an area covering the period had no
    rows), coverage status, and the programme row pooled over covered areas."""
    areas = cov[["area_code", "period_end"]]
    grid = pd.MultiIndex.from_product(
        [areas["area_code"], periods, categories], names=KEYS
    ).to_frame(index=False)
    grid = grid.astype({"category": object})
    fig = fig.astype({"category": object})
    placed = _grid_positions(fig, areas["area_code"], periods, categories)
    if placed is None:  # not one row per key: join as a merge would
        ends = pd.Series({p: _bounds(p)[1] for p in periods}, name="p_end")
        grid = grid.join(ends, on="period").merge(areas, on="area_code", how="left")
        grid["covered"] = grid["period_end"].notna() & (grid["period_end"] >= grid["p_end"])
        full = grid.merge(fig, on=KEYS, how="left", indicator=True)
        absent = full["covered"] & (full["_merge"] == "left_only")
        full = full.drop(columns=["_merge", "p_end", "period_end"])
    else:
        source, target = placed
        ends = pd.to_datetime(pd.Series([_bounds(p)[1] for p in periods])).to_numpy()
        area_end = pd.to_datetime(areas["period_end"]).to_numpy()
        with np.errstate(invalid="ignore"):
            covered = ~np.isnat(area_end)[:, None] & (area_end[:, None] >= ends[None, :])
        full = grid
        full["covered"] = np.repeat(covered.reshape(-1), len(categories))
        found = np.zeros(len(full), dtype=bool)
        found[target] = True
        for column in SUMS:
            values = np.full(len(full), np.nan)
            values[target] = fig[column].to_numpy(dtype=float)[source]
            full[column] = values
        absent = full["covered"] & ~found
    by_columns: dict[tuple[str, ...], list[str | None]] = {}
    for category in categories:
        by_columns.setdefault(tuple(_used_columns(ind, category)), []).append(category)
    for used, cats in by_columns.items():
        named = [c for c in cats if c is not None]
        in_cats = full["category"].isin(named) if named else False
        if None in cats:
            in_cats = full["category"].isna() | in_cats
        full.loc[absent & in_cats, list(used)] = 0.0
    full.loc[~full["covered"], SUMS] = np.nan
    covered = full[full["covered"]]
    prog = covered.groupby(["period", "category"], dropna=False)[SUMS].sum(min_count=1)
    groups = covered.groupby(["period", "category"], dropna=False)
    # one row per area in each group when the grid was filled by position: the count is the size
    prog["areas_pooled"] = groups.size() if placed is not None else groups["area_code"].nunique()
    prog = prog.reset_index().assign(area_code=PROGRAMME, covered=True)
    return pd.concat([full, prog], ignore_index=True)


def _grid_positions(
    fig: pd.DataFrame, area_codes: pd.Series, periods: list[str], categories: list[str | None]
) -> tuple[np.ndarray, np.ndarray] | None:
    """Rows of ``fig`` (source) and their positions in the area x period x category grid
    (target), for rows whose key is in the grid; None if a key is in ``fig`` (or an area in
    ``area_codes``) twice."""
    if not area_codes.is_unique:
        return None
    cats = fig["category"].to_numpy(dtype=object)
    cats = np.where(pd.isna(cats), None, cats)
    a = pd.Index(area_codes.to_numpy(dtype=object)).get_indexer(
        fig["area_code"].to_numpy(dtype=object)
    )
    p = pd.Index(periods, dtype=object).get_indexer(fig["period"].to_numpy(dtype=object))
    c = pd.Index(categories, dtype=object).get_indexer(cats)
    ok = (a >= 0) & (p >= 0) & (c >= 0)
    source = np.flatnonzero(ok)
    target = (a[ok].astype(np.int64) * len(periods) + p[ok]) * len(categories) + c[ok]
    if len(np.unique(target)) != len(target):
        return None
    return source, target


def _values(ind: Indicator, df: pd.DataFrame, conf: float, cov: pd.DataFrame) -> pd.DataFrame:
    num, den = df["numerator"], df["denominator"]
    if ind.kind in ("proportion", "breakdown"):
        df["value"], df["lower"], df["upper"] = stats.wilson(num, den, conf)
    elif ind.kind == "funnel":
        df["value"] = np.where(den > 0, num / den * 100, np.nan)
    elif ind.kind == "rate":
        pop = df["area_code"].map(cov.set_index("area_code")["families"]).astype(float)
        prog_pop = cov.assign(period_end=cov["period_end"])
        pooled = {
            p: float(prog_pop.loc[prog_pop["period_end"] >= _bounds(p)[1], "families"].sum())
            for p in df["period"].unique()
        }
        pop = pop.where(df["area_code"] != PROGRAMME, df["period"].map(pooled))
        df["denominator"] = pop.where(df["covered"])
        df["value"], df["lower"], df["upper"] = stats.byars_rate(num, df["denominator"], conf)
        is_quarter = df["period"].str.contains("_Q")
        df.loc[is_quarter, ["value", "lower", "upper", "numerator", "denominator"]] = np.nan
        # numpy's stubs take no None as a value; here it makes an object array of "z" and None
        df["status"] = np.where(is_quarter, "z", None)  # type: ignore[call-overload]
    elif ind.kind in ("mean", "ratio"):
        mean, sd = stats.moments_from_sums(df["n"], df["total"], df["sumsq"])
        if ind.kind == "mean":
            df["value"] = mean
            df["lower"], df["upper"] = stats.mean_ci(df["n"], mean, sd, conf)
        else:
            df["value"] = np.where(sd > 0, mean / sd, np.nan)
        df["_sd"] = sd
    elif ind.kind == "count":
        df["value"] = num
    return df


def _target(df: pd.DataFrame, cov: pd.DataFrame, quarters: pd.DataFrame) -> pd.DataFrame:
    """Progress to target: families from 1 April to the period's end over the pro-rata target.

    The programme pools the areas whose returns cover the period, for numerator and target alike.
    """
    q = quarters[quarters["area_code"] != PROGRAMME][["area_code", "period", "numerator"]]
    q = q.assign(_fy=q["period"].str.slice(0, 7), _upto=q["period"].str.slice(-1).astype(int))
    q = q.sort_values(["area_code", "_fy", "_upto"])
    q["_cum"] = q["numerator"].astype(float).groupby([q["area_code"], q["_fy"]]).cumsum()
    df = df.assign(
        _fy=df["period"].str.slice(0, 7),
        _upto=np.where(df["period"].str.contains("_Q"), df["period"].str.slice(-1), "4").astype(
            int
        ),
    )
    df = df.merge(
        q[["area_code", "_fy", "_upto", "_cum"]], on=["area_code", "_fy", "_upto"], how="left"
    )
    areas = df["area_code"] != PROGRAMME
    df.loc[areas, "numerator"] = df.loc[areas, "_cum"].where(df.loc[areas, "covered"])
    pooled = df[areas & df["covered"]].groupby("period")["numerator"].sum()
    if (~areas).any():  # no programme row when no area's return covers the period
        df.loc[~areas, "numerator"] = df.loc[~areas, "period"].map(pooled).to_numpy()
    target = cov.set_index("area_code")["annual_target"].astype(float)
    ends = {p: _bounds(p)[1] for p in df["period"].unique()}
    pooled_target = {
        p: float(cov.loc[cov["period_end"] >= e, "annual_target"].sum()) for p, e in ends.items()
    }
    annual = df["area_code"].map(target).where(areas, df["period"].map(pooled_target))
    df["denominator"] = (annual * df["_upto"] / 4).where(df["covered"])
    df["value"] = np.where(df["denominator"] > 0, df["numerator"] / df["denominator"] * 100, np.nan)
    return df.drop(columns=["_fy", "_upto", "_cum"])


def _median(df: pd.DataFrame, hist: pd.DataFrame, cov: pd.DataFrame) -> pd.DataFrame:
    covered = set(cov.loc[cov["period_end"].notna(), "area_code"])
    h = hist[hist["area_code"].isin(covered)]
    at = _pair_positions(df, h)
    if at is None:  # an area and period twice in df: join as the merge does
        h = h.merge(df[["area_code", "period", "covered"]], on=["area_code", "period"])
        h = h[h["covered"]]
    else:
        flags = df["covered"].to_numpy(dtype=bool)
        h = h[(at >= 0) & flags[np.maximum(at, 0)]]
    prog = h.assign(area_code=PROGRAMME)
    both = pd.concat([h, prog], ignore_index=True)
    q = stats.grouped_frequency_quantiles(
        both, ["area_code", "period"], "days", "participants", (0.25, 0.5, 0.75)
    )
    df = df.drop(columns=["denominator"]).merge(
        q.rename(columns={"n": "denominator", "q25": "lower", "q50": "value", "q75": "upper"}),
        on=["area_code", "period"],
        how="left",
    )
    df["denominator"] = df["denominator"].where(~df["covered"], df["denominator"].fillna(0))
    return df


def compute(conn: Connection, query: Query) -> Result:
    snapshot(conn)  # every read below sees the same committed data
    cov = coverage(conn)
    parts = []
    for ind in query.indicators:
        parts.append(_compute_one(conn, ind, query, cov))
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=ROW_COLUMNS)
    return Result(rows, ResultMeta(_iso(data_as_at(conn)), query.threshold))


def _iso(value: object) -> str | None:
    if value is None:
        return None
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _compute_one(conn: Connection, ind: Indicator, query: Query, cov: pd.DataFrame) -> pd.DataFrame:
    table = summary_table_for(ind.id)
    periods = select_periods(available_periods(cov), query)
    if not periods:
        return pd.DataFrame(columns=ROW_COLUMNS)
    trend_windows = _trend_quarters(periods)
    needed = sorted(set(periods) | {q for w in trend_windows.values() for q in w})
    if ind.id == "reach.target":
        needed = sorted(set(needed) | {f"{p[:7]}_Q{k}" for p in periods for k in range(1, 5)})
    not_applicable = query.grp != "all" and not ind.by_intervention
    summary = read_summary(
        conn,
        table,
        needed,
        grp=query.grp if ind.by_intervention else None,
        measure=ind.measure,
        breakdowns=None if table != "sum_reach" else ["all", *_breakdowns(ind, query)],
        columns=summary_columns(ind),
    )
    fig = figures(ind, summary, _breakdowns(ind, query))
    df = _with_programme(ind, fig, cov, needed, _categories(ind, _breakdowns(ind, query)))
    if ind.id == "reach.target":
        quarters = df[df["period"].str.contains("_Q")]
        df = _target(df[df["period"].isin(periods)].copy(), cov, quarters)
    elif ind.kind == "median":
        df = _median(df, summary, cov)
    conf = query.confidence
    if "status" not in df:
        df["status"] = None
    df = _values(ind, df, conf, cov)
    df = _compare(ind, df)
    df = _trends(ind, df, trend_windows, query.threshold)
    df = df[df["period"].isin(periods)].copy()
    df.loc[~df["covered"].astype(bool), "status"] = "x"
    df = _suppress(ind, df, query.threshold)
    if not_applicable:
        df[
            [
                "value",
                "lower",
                "upper",
                "numerator",
                "denominator",
                "comparison",
                "trend",
                "trend_judgement",
            ]
        ] = None
        df["status"] = "z"
    df["indicator"] = ind.id
    names = dict(zip(cov["area_code"], cov["area_name"], strict=True))
    names[PROGRAMME] = "Programme (all areas)"
    df["area_name"] = df["area_code"].map(names)
    df["return_period"] = df["area_code"].map(
        dict(zip(cov["area_code"], cov["return_period"], strict=True))
    )
    if query.areas is not None:
        df = df[df["area_code"].isin(query.areas)]
    order = {p: i for i, p in enumerate(periods)}
    df = df.iloc[_row_order(df, order)]
    extras = [c for c in ("benchmark", "areas_pooled", "return_period") if c in df]
    return df.reindex(columns=ROW_COLUMNS + extras).reset_index(drop=True)


def _pair_positions(left: pd.DataFrame, right: pd.DataFrame) -> np.ndarray | None:
    """Position in ``left`` of each ``right`` row's area and period (-1: none); None when
    ``left`` has an area and period twice."""
    n = len(left)
    area, _ = pd.factorize(
        np.concatenate(
            [left["area_code"].to_numpy(dtype=object), right["area_code"].to_numpy(dtype=object)]
        )
    )
    period, labels = pd.factorize(
        np.concatenate(
            [left["period"].to_numpy(dtype=object), right["period"].to_numpy(dtype=object)]
        )
    )
    key = area.astype(np.int64) * (len(labels) + 1) + period
    index = pd.Index(key[:n])
    if not index.is_unique:
        return None
    positions: np.ndarray = index.get_indexer(key[n:])
    return positions


def _row_order(df: pd.DataFrame, order: dict[str, int]) -> np.ndarray:
    """Positions sorting rows by period order, areas before the programme, area code, then
    category (missing first): a stable sort of integer codes, as sort_values on the columns."""
    period = df["period"].map(order).to_numpy()
    is_programme = (df["area_code"] == PROGRAMME).to_numpy()
    area, _ = pd.factorize(df["area_code"], sort=True)
    category, _ = pd.factorize(df["category"].astype(object), sort=True)  # missing: -1, first
    return np.lexsort([category, area, is_programme, period])


def _breakdowns(ind: Indicator, query: Query) -> list[str]:
    """The characteristics an indicator reads from ``sum_reach``."""
    from lfo.reference import BREAKDOWNS

    if ind.id == "reach.breakdown":
        return list(query.breakdowns or BREAKDOWNS)
    return {"reach.fathers": ["sex"], "reach.workless": ["workless_household"]}.get(ind.id, [])


def _compare(ind: Indicator, df: pd.DataFrame) -> pd.DataFrame:
    prog = df[df["area_code"] == PROGRAMME].set_index(["period", "category"])["value"]
    keys = pd.MultiIndex.from_frame(df[["period", "category"]].astype(object))
    df["benchmark"] = prog.reindex(keys).to_numpy()
    if ind.has_interval:
        polarity = _POLARITY.get(ind.polarity, "none")
        df["comparison"] = cmp.compare(df["lower"], df["upper"], df["benchmark"], polarity)
        df.loc[df["area_code"] == PROGRAMME, "comparison"] = None
    else:
        df["comparison"] = None
    return df


def _trends(
    ind: Indicator, df: pd.DataFrame, windows: dict[str, list[str]], threshold: int
) -> pd.DataFrame:
    """Recent trend over the five quarters ending with each quarterly row (None: not tested)."""
    df["trend"] = None
    df["trend_judgement"] = None
    if ind.kind not in ("proportion", "breakdown", "mean") or not windows:
        return df
    is_target = df["period"].isin(list(windows)).to_numpy()
    if not is_target.any():
        return df
    rows = _window_rows(df, np.flatnonzero(is_target), windows)

    def column(name: str) -> np.ndarray:
        values = df[name].to_numpy(dtype=float)
        return np.where(rows >= 0, values[np.maximum(rows, 0)], np.nan)

    if ind.kind == "mean":
        sds, means = column("_sd"), column("value")
        result = trend.mean_trend_many(column("n"), means, sds, min_n=threshold)
    else:
        result = trend.cochran_armitage_many(
            column("numerator"), column("denominator"), min_denominator=threshold
        )
    df.loc[df.index[is_target], "trend"] = result["direction"].to_numpy()
    polarity = _POLARITY.get(ind.polarity, "none")
    df["trend_judgement"] = cmp.trend_judgement(df["trend"], polarity)
    return df


def _window_rows(df: pd.DataFrame, at: np.ndarray, windows: dict[str, list[str]]) -> np.ndarray:
    """Row positions in ``df`` of the five quarters of the window of each row at positions
    ``at`` (-1: no row).

    Rows are matched on area, category (a missing category matches a missing one) and period.
    """
    area, _ = pd.factorize(df["area_code"].to_numpy(dtype=object))
    cat, cats = pd.factorize(df["category"].to_numpy(dtype=object), use_na_sentinel=False)
    per, labels = pd.factorize(df["period"].to_numpy(dtype=object))
    n_cat, n_per = len(cats) + 1, len(labels) + 1
    key = (area.astype(np.int64) * n_cat + cat) * n_per + per
    order = np.argsort(key, kind="stable")
    sorted_keys = key[order]
    code = {label: i for i, label in enumerate(labels)}
    t_per = per[at]
    base = (area[at].astype(np.int64) * n_cat + cat[at]) * n_per
    out = np.empty((len(at), 5), dtype=np.int64)
    for k in range(5):
        window = np.array(
            [code.get(windows[label][k], -1) if label in windows else -1 for label in labels],
            dtype=np.int64,
        )
        wanted = window[t_per]
        keys = base + wanted
        i = np.minimum(np.searchsorted(sorted_keys, keys), len(sorted_keys) - 1)
        found = (sorted_keys[i] == keys) & (wanted >= 0)
        out[:, k] = np.where(found, order[i], -1)
    return out


def _suppress(ind: Indicator, df: pd.DataFrame, threshold: int) -> pd.DataFrame:
    """Disclosure control; a covered row whose denominator is 0 has no figure and nothing to
    hide: it is shown with its zeros and status ``x`` and kept out of the margins (adding 0 to a
    margin reveals nothing), so it cannot force a real figure into secondary suppression."""
    if ind.kind in ("count", "target", "rate"):
        return disclosure.suppress_indicator(df, ind.kind, threshold)
    empty = df["covered"].astype(bool) & (df["denominator"] == 0)
    out = disclosure.suppress_indicator(df[~empty], ind.kind, threshold)
    zeros = df[empty].copy()
    zeros[["value", "lower", "upper", "comparison", "trend", "trend_judgement"]] = None
    zeros["status"] = "x"
    return pd.concat([out, zeros]).loc[df.index]


__all__ = ["PROGRAMME", "ROW_COLUMNS", "FinancialYear", "Query", "Result", "compute"]
