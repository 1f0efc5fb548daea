"""The rows of every summary table for one area, built from the area's data (pure pandas).

Each summary holds counts (and, for means, the sufficient statistics n, sum and sum of squares)
per period x group, for every quarter and every financial year, so that numerators and
denominators can be pooled across areas, and interventions summed into levels, by plain
addition. ``build_summaries`` takes DataFrames and returns DataFrames; it is tested on hand-made
data. ``lfo.indicators.summaries`` reads or takes an area's rows and writes what it builds.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from lfo.periods import FinancialYear, Quarter, period
from lfo.reference import BREAKDOWNS, load_reference

STARTED = ("started", "completed", "dropped_out")
ENDED = ("completed", "dropped_out")
ALL = "all"


# --- periods ---------------------------------------------------------------------------------


def _fy_and_quarter(dates: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    d = pd.to_datetime(dates)
    month = d.dt.month.to_numpy(dtype="float64", na_value=np.nan)
    year = d.dt.year.to_numpy(dtype="float64", na_value=np.nan)
    ok = ~np.isnan(month)
    fy = np.where(ok, year - (month < 4), 0).astype(np.int64)
    q = np.where(ok, (month - 4) % 12 // 3 + 1, 1).astype(np.int64)
    return fy, q, ok


def _labels(keys: np.ndarray, ok: np.ndarray, make: Callable[[int], str]) -> pd.Series:
    """Label per key, built once per distinct key (a handful) instead of once per row."""
    uniq, inverse = np.unique(keys, return_inverse=True)
    table = np.array([make(int(k)) for k in uniq] + [None], dtype=object)
    return pd.Series(table[np.where(ok, inverse, len(uniq))], dtype=object)


def _quarter_label(key: int) -> str:
    """The code of quarter ``key % 10`` of the financial year ``key // 10``."""
    return Quarter(key // 10, key % 10).label


def _year_label(fy: int) -> str:
    """The code of the financial year starting in ``fy``."""
    return FinancialYear(fy).label


def quarter_labels(dates: pd.Series) -> pd.Series:
    """``2017-18_Q3`` for each date (missing for NaT)."""
    fy, q, ok = _fy_and_quarter(dates)
    out = _labels(fy * 10 + q, ok, _quarter_label)
    out.index = dates.index
    return out


def year_labels(dates: pd.Series) -> pd.Series:
    fy, _, ok = _fy_and_quarter(dates)
    out = _labels(fy, ok, _year_label)
    out.index = dates.index
    return out


def period_end(labels: pd.Series) -> pd.Series:
    """Last day of each period label (quarter or financial year), worked out once per label."""
    uniq = pd.Series(pd.unique(labels.to_numpy(dtype=object)), dtype="str")
    ends = [pd.Timestamp(period(code).end) for code in uniq]
    return labels.map(dict(zip(uniq, ends, strict=True))).astype("datetime64[ns]")


def by_period(df: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """``df`` twice over, with ``period`` the quarter and then the financial year of the date
    (for what a year does not count as the sum of its quarters: ``both_parents``)."""
    quarters = by_quarter(df, date_column)
    year_of = _years_of(quarters["period"])
    return pd.concat([quarters, quarters.assign(period=year_of)], ignore_index=True)


def by_quarter(df: pd.DataFrame, date_column: str) -> pd.DataFrame:
    """The rows of ``df`` with a date, with ``period`` the quarter of the date."""
    df = df[df[date_column].notna()]
    fy, q, ok = _fy_and_quarter(df[date_column])
    return df.assign(period=_labels(fy * 10 + q, ok, _quarter_label).set_axis(df.index))


def _years_of(quarters: pd.Series) -> pd.Series:
    """The financial year's code of each quarter's code (worked out once per quarter)."""
    uniq = pd.unique(quarters.to_numpy(dtype=object))
    return quarters.map({code: _year_of_quarter(code) for code in uniq})


def _year_of_quarter(code: str) -> str:
    p = period(code)
    return p.year_label if isinstance(p, Quarter) else p.label


def with_years(quarters: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """``quarters`` (summed by ``period``, a quarter's code, and ``keys``; every other column a
    count or a sum) followed by the same summed by financial year. A year's counts and sums are
    its quarters' since each row falls in one quarter: grouping the summed quarters, not the
    rows again, halves the work."""
    if quarters.empty:
        return quarters
    years = quarters.assign(period=_years_of(quarters["period"]))
    years = years.groupby(["period", *keys], as_index=False, sort=False).sum(numeric_only=True)
    return pd.concat([quarters, years[quarters.columns]], ignore_index=True)


# --- summaries -------------------------------------------------------------------------------


def _add_groups(df: pd.DataFrame, keys: list[str], levels: dict[str, str]) -> pd.DataFrame:
    """``df`` (one row per record, ``period`` its quarter) summed by quarter, ``keys`` and
    intervention (``grp``), plus ``level:<level>`` and ``all`` rows summed from those, and the
    same by financial year (``with_years``); sorted by the keys."""
    group_by = [*keys, "grp"]
    per = df.groupby(group_by, as_index=False, sort=False).sum(numeric_only=True)
    levels_and_all = (
        pd.concat(
            [per.assign(grp="level:" + per["grp"].map(levels)), per.assign(grp=ALL)],
            ignore_index=True,
        )
        .groupby(group_by, as_index=False, sort=False)
        .sum(numeric_only=True)
    )
    quarters = pd.concat([per, levels_and_all[per.columns]], ignore_index=True)
    out = with_years(quarters, [k for k in group_by if k != "period"])
    return out.sort_values(group_by, ignore_index=True)


def _moments(values: pd.Series, mask: pd.Series, prefix: str) -> dict[str, pd.Series]:
    v = values.where(mask, 0.0).astype(float)
    return {
        f"{prefix}_n": mask.astype(int),
        f"{prefix}_sum": v,
        f"{prefix}_sumsq": v * v,
    }


def reach(p: pd.DataFrame) -> pd.DataFrame:
    rows = by_quarter(p, "referral_date")
    parts = [rows.groupby("period", sort=False).size().rename("parents").reset_index()]
    parts[0] = parts[0].assign(breakdown=ALL, category=ALL)
    for breakdown in BREAKDOWNS:
        counts = rows.groupby(["period", breakdown], sort=False).size().rename("parents")
        parts.append(
            counts.reset_index().rename(columns={breakdown: "category"}).assign(breakdown=breakdown)
        )
    quarters = pd.concat(parts, ignore_index=True)[["period", "breakdown", "category", "parents"]]
    return with_years(quarters, ["breakdown", "category"])


def families(p: pd.DataFrame) -> pd.DataFrame:
    first = p.groupby("family_key", as_index=False)["referral_date"].min()
    quarters = by_quarter(first, "referral_date").groupby("period", sort=False).size()
    return with_years(quarters.rename("families").reset_index(), [])


def offers(e: pd.DataFrame, levels: dict[str, str]) -> pd.DataFrame:
    rows = by_quarter(e, "offered_date")
    df = pd.DataFrame(
        {
            "period": rows["period"],
            "grp": rows["intervention"],
            "offered": 1,
            "answered": (rows["status"] != "offered").astype(int),
            "started": rows["status"].isin(STARTED).astype(int),
        }
    )
    return _add_groups(df, ["period"], levels)


def endings(e: pd.DataFrame, levels: dict[str, str]) -> pd.DataFrame:
    ended = e[e["status"].isin(ENDED) & e["end_date"].notna()]
    rows = by_quarter(ended, "end_date")
    planned = rows["sessions_planned"].astype("Float64")
    ratio = (rows["sessions_attended"].astype("Float64") / planned).astype(float)
    df = pd.DataFrame(
        {
            "period": rows["period"],
            "grp": rows["intervention"],
            "ended": 1,
            "completed": (rows["status"] == "completed").astype(int),
            **_moments(
                ratio,
                planned.notna().to_numpy(dtype=bool, na_value=False) & ratio.notna(),
                "attendance",
            ),
        }
    )
    return _add_groups(df, ["period"], levels)


def _first_starts(p: pd.DataFrame, e: pd.DataFrame) -> pd.DataFrame:
    starts = e[e["start_date"].notna()].groupby("participant_key")["start_date"].min()
    out = p[["participant_key", "family_key", "referral_date"]].join(
        starts.rename("first_start"), on="participant_key"
    )
    return out[out["first_start"].notna()]


def days_to_start(p: pd.DataFrame, e: pd.DataFrame) -> pd.DataFrame:
    fs = _first_starts(p, e)
    fs = fs.assign(days=(fs["first_start"] - fs["referral_date"]).dt.days)
    rows = by_quarter(fs, "first_start")
    quarters = rows.groupby(["period", "days"], sort=False).size().rename("participants")
    return with_years(quarters.reset_index(), ["days"])


def both_parents(p: pd.DataFrame, e: pd.DataFrame) -> pd.DataFrame:
    fs = _first_starts(p, e)
    # families by an integer code (sorting and grouping 64-character keys is most of the cost)
    family, _ = pd.factorize(fs["family_key"])
    fs = pd.DataFrame({"family": family, "first_start": fs["first_start"].to_numpy()})
    ordered = fs.sort_values(["family", "first_start"])
    rank = ordered.groupby("family").cumcount()
    second = ordered[rank == 1].set_index("family")["first_start"]
    rows = by_period(fs, "first_start")[["family", "period"]].drop_duplicates()
    rows = rows.join(second.rename("second_start"), on="family")
    two = rows["second_start"].notna() & (rows["second_start"] <= period_end(rows["period"]))
    rows = rows.assign(families=1, two_started=two.astype(int))
    return rows.groupby("period", as_index=False)[["families", "two_started"]].sum()


def funnel(p: pd.DataFrame, e: pd.DataFrame, levels: dict[str, str]) -> pd.DataFrame:
    # participants by an integer code (one factorisation of the keys instead of one per group-by
    # and merge); only counts leave this function, so the codes never show
    codes, _ = pd.factorize(
        pd.concat([p["participant_key"], e["participant_key"]], ignore_index=True)
    )
    p_code, e_code = codes[: len(p)], codes[len(p) :]
    ep = pd.DataFrame(
        {
            "participant_key": e_code,
            "intervention": e["intervention"].to_numpy(),
            "status": e["status"].to_numpy(),
        },
        index=e.index,
    )
    ep = ep.assign(started=e["status"].isin(STARTED), completed=e["status"] == "completed")
    ep = ep.assign(level="level:" + ep["intervention"].map(levels), everything=ALL)
    cohort = by_quarter(
        pd.DataFrame(
            {"participant_key": p_code, "referral_date": p["referral_date"].to_numpy()},
            index=p.index,
        ),
        "referral_date",
    )
    referred = cohort.groupby("period", sort=False).size().rename("referred").reset_index()
    referred = with_years(referred, []).set_index("period")["referred"]
    parts = []
    for column in ("intervention", "level", "everything"):
        per = ep.groupby(["participant_key", column], as_index=False)[
            ["started", "completed"]
        ].max()
        per = per.rename(columns={column: "grp"}).assign(offered=1)
        merged = cohort[["participant_key", "period"]].merge(per, on="participant_key")
        parts.append(
            merged.groupby(["period", "grp"], as_index=False, sort=False)[
                ["offered", "started", "completed"]
            ].sum()
        )
    out = with_years(pd.concat(parts, ignore_index=True), ["grp"])
    # every period with referrals has an "all" row, even when nobody has been offered yet
    grid = referred.reset_index()[["period"]].assign(grp=ALL)
    out = grid.merge(out, on=["period", "grp"], how="outer").fillna(0)
    out = out.join(referred, on="period")
    cols = ["offered", "started", "completed", "referred"]
    out[cols] = out[cols].astype(int)
    return out[["period", "grp", "referred", "offered", "started", "completed"]]


def outcomes(e: pd.DataFrame, o: pd.DataFrame, levels: dict[str, str]) -> pd.DataFrame:
    ref = load_reference()
    done = e[(e["status"] == "completed") & e["end_date"].notna()][
        ["episode_key", "intervention", "end_date"]
    ]
    # episodes by an integer code (in the order of ``o``); one score per episode, measure and
    # timepoint (the table's key)
    episode, keys = pd.factorize(o["episode_key"])
    scores = pd.DataFrame(
        {
            "episode": episode,
            "measure": o["measure"].to_numpy(),
            "timepoint": o["timepoint"].to_numpy(),
            "score": o["score"].to_numpy(),
        }
    )
    scores = scores.set_index(["episode", "measure", "timepoint"])["score"].unstack("timepoint")
    scores = scores.reindex(columns=["baseline", "exit", "followup_6m", "followup_12m"])
    done = done.assign(episode=pd.Index(keys).get_indexer(done["episode_key"]))
    scores = scores.reset_index().merge(done[done["episode"] >= 0], on="episode")
    scores = scores[scores["baseline"].notna()]
    if scores.empty:
        return pd.DataFrame()
    direction = scores["measure"].map(
        {m.code: 1.0 if m.higher_is == "better" else -1.0 for m in ref.measures.values()}
    )
    rci = scores["measure"].map({m.code: m.rci for m in ref.measures.values()})
    case_low = (
        scores["measure"]
        .map({m.code: m.caseness_operator == "<" for m in ref.measures.values()})
        .astype(bool)
    )
    cut = scores["measure"].map({m.code: m.caseness_value for m in ref.measures.values()})

    def at_case(s: pd.Series) -> pd.Series:
        return pd.Series(np.where(case_low, s < cut, s >= cut), index=s.index) & s.notna()

    paired = scores["exit"].notna()
    change = (scores["exit"] - scores["baseline"]).round(6)
    improvement = change * direction
    improved = paired & (improvement >= rci)
    case = paired & at_case(scores["baseline"])
    recovered = case & ~at_case(scores["exit"])
    df = pd.DataFrame(
        {
            "end_date": scores["end_date"],
            "grp": scores["intervention"],
            "measure": scores["measure"],
            "with_baseline": 1,
            "paired": paired.astype(int),
            "improved": improved.astype(int),
            "deteriorated": (paired & (-improvement >= rci)).astype(int),
            "case_baseline": case.astype(int),
            "recovered": recovered.astype(int),
            "reliable_recovered": (recovered & improved).astype(int),
            **_moments(change, paired, "change"),
            **_moments(
                scores["followup_6m"] - scores["baseline"], scores["followup_6m"].notna(), "fu6"
            ),
            **_moments(
                scores["followup_12m"] - scores["baseline"], scores["followup_12m"].notna(), "fu12"
            ),
        }
    )
    rows = by_quarter(df, "end_date").drop(columns="end_date")
    return _add_groups(rows, ["period", "measure"], levels)


OPTIONAL_COLUMNS = {
    "participants": (
        "sex",
        "age_band",
        "ethnicity",
        "relationship_status",
        "workless_household",
        "youngest_child_age_band",
    ),
    "interventions": ("delivery_mode",),
}


def completeness(p: pd.DataFrame, e: pd.DataFrame) -> pd.DataFrame:
    """Rows and rows with a stated value, per optional column (not_stated is not stated)."""
    out = []
    for sheet, frame in (("participants", p), ("interventions", e)):
        for column in OPTIONAL_COLUMNS[sheet]:
            stated = int((frame[column] != "not_stated").sum()) if column in frame else 0
            out.append({"sheet": sheet, "column": column, "rows": len(frame), "stated": stated})
    return pd.DataFrame(out)


def _keys_as_codes(
    p: pd.DataFrame, e: pd.DataFrame, o: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The frames with each key column (participant, family, episode) as integer codes, a key's
    code the same in every frame. Only counts leave the summaries, so the codes never show;
    every group-by and merge then hashes integers, not 64-character keys. The codes are in the
    keys' sorted order, so every sort and group comes out in the same order as on the keys."""

    def codes(*columns: pd.Series) -> list[np.ndarray]:
        joined, _ = pd.factorize(pd.concat(columns, ignore_index=True), sort=True)
        ends = np.cumsum([len(c) for c in columns])
        return np.split(joined, ends[:-1])

    pp, ep = codes(p["participant_key"], e["participant_key"])
    ee, oe = codes(e["episode_key"], o["episode_key"])
    (pf,) = codes(p["family_key"])
    return (
        p.assign(participant_key=pp, family_key=pf),
        e.assign(participant_key=ep, episode_key=ee),
        o.assign(episode_key=oe),
    )


def build_summaries(
    p: pd.DataFrame, e: pd.DataFrame, o: pd.DataFrame, levels: dict[str, str]
) -> dict[str, pd.DataFrame]:
    """Every summary table's rows for one area (without ``area_code``)."""
    if p.empty:
        return {}
    p, e, o = _keys_as_codes(p, e, o)
    return {
        "sum_reach": reach(p),
        "sum_families": families(p),
        "sum_offers": offers(e, levels) if not e.empty else pd.DataFrame(),
        "sum_endings": endings(e, levels) if not e.empty else pd.DataFrame(),
        "sum_days_to_start": days_to_start(p, e) if not e.empty else pd.DataFrame(),
        "sum_both_parents": both_parents(p, e) if not e.empty else pd.DataFrame(),
        "sum_funnel": funnel(p, e, levels) if not e.empty else pd.DataFrame(),
        "sum_outcomes": outcomes(e, o, levels) if not (e.empty or o.empty) else pd.DataFrame(),
        "sum_completeness": completeness(p, e),
    }
