"""The engine's computations by kind of indicator, on the complete area x period x category grid.

Each function takes the grid the engine has built (every area and the programme, every period
needed, numerators and denominators filled in) and adds or replaces columns: values and intervals
by kind (``add_values``), progress to target and pooled medians (their own sums), the comparison
with the programme, the recent trend, and disclosure control with its empty rows (``suppress``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from lfo.indicators import compare as cmp
from lfo.indicators import disclosure, stats, trend
from lfo.indicators.indicator import HIGHER, LOWER, Indicator
from lfo.indicators.request import period_bounds
from lfo.periods import Quarter, is_quarter, period
from lfo.terms import PROGRAMME

_POLARITY = {HIGHER: "higher_better", LOWER: "lower_better"}


def add_values(ind: Indicator, df: pd.DataFrame, conf: float, cov: pd.DataFrame) -> pd.DataFrame:
    """Each row's value and interval by the indicator's kind, at confidence ``conf``. A rate's
    denominator is the families of the area (of the covered areas, for the programme); a rate is
    for financial years only, so its quarters have no figure (status ``z``)."""
    num, den = df["numerator"], df["denominator"]
    if ind.kind in ("proportion", "breakdown"):
        df["value"], df["lower"], df["upper"] = stats.wilson(num, den, conf)
    elif ind.kind == "funnel":
        df["value"] = np.where(den > 0, num / den * 100, np.nan)
    elif ind.kind == "rate":
        pop = df["area_code"].map(cov.set_index("area_code")["families"]).astype(float)
        prog_pop = cov.assign(period_end=cov["period_end"])
        pooled = {
            p: float(prog_pop.loc[prog_pop["period_end"] >= period_bounds(p)[1], "families"].sum())
            for p in df["period"].unique()
        }
        pop = pop.where(df["area_code"] != PROGRAMME, df["period"].map(pooled))
        df["denominator"] = pop.where(df["covered"])
        df["value"], df["lower"], df["upper"] = stats.byars_rate(num, df["denominator"], conf)
        quarterly = df["period"].map(is_quarter).astype(bool)
        df.loc[quarterly, ["value", "lower", "upper", "numerator", "denominator"]] = np.nan
        # numpy's stubs take no None as a value; here it makes an object array of "z" and None
        df["status"] = np.where(quarterly, "z", None)  # type: ignore[call-overload]
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


def progress_to_target(df: pd.DataFrame, cov: pd.DataFrame, quarters: pd.DataFrame) -> pd.DataFrame:
    """Progress to target: families from 1 April to the period's end over the pro-rata target.

    The programme pools the areas whose returns cover the period, for numerator and target alike.
    """
    q = quarters[quarters["area_code"] != PROGRAMME][["area_code", "period", "numerator"]]
    q = q.assign(**_year_to_date(q["period"]))
    q = q.sort_values(["area_code", "_fy", "_upto"])
    q["_cum"] = q["numerator"].astype(float).groupby([q["area_code"], q["_fy"]]).cumsum()
    df = df.assign(**_year_to_date(df["period"]))
    df = df.merge(
        q[["area_code", "_fy", "_upto", "_cum"]], on=["area_code", "_fy", "_upto"], how="left"
    )
    areas = df["area_code"] != PROGRAMME
    df.loc[areas, "numerator"] = df.loc[areas, "_cum"].where(df.loc[areas, "covered"])
    pooled = df[areas & df["covered"]].groupby("period")["numerator"].sum()
    if (~areas).any():  # no programme row when no area's return covers the period
        df.loc[~areas, "numerator"] = df.loc[~areas, "period"].map(pooled).to_numpy()
    target = cov.set_index("area_code")["annual_target"].astype(float)
    ends = {p: period_bounds(p)[1] for p in df["period"].unique()}
    pooled_target = {
        p: float(cov.loc[cov["period_end"] >= e, "annual_target"].sum()) for p, e in ends.items()
    }
    annual = df["area_code"].map(target).where(areas, df["period"].map(pooled_target))
    df["denominator"] = (annual * df["_upto"] / 4).where(df["covered"])
    df["value"] = np.where(df["denominator"] > 0, df["numerator"] / df["denominator"] * 100, np.nan)
    return df.drop(columns=["_fy", "_upto", "_cum"])


def _year_to_date(codes: pd.Series) -> dict[str, np.ndarray]:
    """Each period's financial year (``_fy``, the year it starts in) and the quarters of that
    year up to the period's end (``_upto``: the quarter's number, 4 for a whole year)."""
    parsed = [period(code) for code in codes]
    return {
        "_fy": np.array([p.fy for p in parsed], dtype=np.int64),
        "_upto": np.array([p.q if isinstance(p, Quarter) else 4 for p in parsed], dtype=np.int64),
    }


def pooled_median(df: pd.DataFrame, hist: pd.DataFrame, cov: pd.DataFrame) -> pd.DataFrame:
    """Median days (``value``) with the quartiles (``lower``, ``upper``) and the number of
    participants (``denominator``), from the histogram rows ``hist`` of the covered areas; the
    programme pools their histograms."""
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


def _pair_positions(left: pd.DataFrame, right: pd.DataFrame) -> np.ndarray | None:
    """Position in ``left`` of each ``right`` row's area and period (-1: none); None when
    ``left`` has an area and period twice."""
    n = len(left)
    area, _ = pd.factorize(
        np.concatenate(
            [left["area_code"].to_numpy(dtype=object), right["area_code"].to_numpy(dtype=object)]
        )
    )
    per, labels = pd.factorize(
        np.concatenate(
            [left["period"].to_numpy(dtype=object), right["period"].to_numpy(dtype=object)]
        )
    )
    key = area.astype(np.int64) * (len(labels) + 1) + per
    index = pd.Index(key[:n])
    if not index.is_unique:
        return None
    positions: np.ndarray = index.get_indexer(key[n:])
    return positions


def add_comparison(ind: Indicator, df: pd.DataFrame) -> pd.DataFrame:
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


def add_trends(
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


def suppress(ind: Indicator, df: pd.DataFrame, threshold: int) -> pd.DataFrame:
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


def apply_plan(ind: Indicator, df: pd.DataFrame, hidden: np.ndarray) -> pd.DataFrame:
    """Disclosure control from the plan: rows in ``hidden`` become ``c`` (figures, comparison
    and trend null); where the programme row is hidden, the benchmark and comparison of its
    period and category are null. A covered row whose denominator is 0 (0 of 0) that the plan
    does not hide is shown with its zeros and status ``x``. Rows not applicable (``z``) stay so."""
    df = df.reset_index(drop=True)
    hidden = np.asarray(hidden, dtype=bool) & (df["status"] != "z").to_numpy()
    if ind.kind not in ("count", "target", "rate"):
        empty = df["covered"].astype(bool).to_numpy() & (df["denominator"] == 0).to_numpy()
        zeros = empty & ~hidden
        if zeros.any():
            df[["comparison", "trend", "trend_judgement"]] = df[
                ["comparison", "trend", "trend_judgement"]
            ].astype(object)
            df.loc[zeros, ["value", "lower", "upper"]] = np.nan
            df.loc[zeros, ["comparison", "trend", "trend_judgement"]] = None
            df["status"] = df["status"].astype(object)
            df.loc[zeros, "status"] = "x"
    keep = ("areas_pooled", "area_code", "period", "category", "covered")
    out = disclosure.hide(df, hidden, keep=keep)
    prog_hidden = out.loc[(out["area_code"] == PROGRAMME) & hidden, ["period", "category"]]
    if not prog_hidden.empty and "benchmark" in out:
        keys = pd.MultiIndex.from_frame(out[["period", "category"]].astype(object))
        hit = keys.isin(pd.MultiIndex.from_frame(prog_hidden.astype(object)))
        out.loc[hit, "benchmark"] = np.nan
        out["comparison"] = out["comparison"].astype(object)
        out.loc[hit, "comparison"] = None
    return out
