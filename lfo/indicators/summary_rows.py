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
    """``df`` twice over, with ``period`` the quarter and then the financial year of the date."""
    df = df[df[date_column].notna()]
    fy, q, ok = _fy_and_quarter(df[date_column])
    quarter = _labels(fy * 10 + q, ok, _quarter_label)
    year = _labels(fy, ok, _year_label)
    quarters = df.assign(period=quarter.set_axis(df.index))
    years = df.assign(period=year.set_axis(df.index))
    return pd.concat([quarters, years], ignore_index=True)


# --- summaries -------------------------------------------------------------------------------


def _add_groups(df: pd.DataFrame, keys: list[str], levels: dict[str, str]) -> pd.DataFrame:
    """Per-intervention rows (``grp``) plus ``level:<level>`` and ``all`` rows, by summing."""
    level_rows = df.assign(grp="level:" + df["grp"].map(levels))
    all_rows = df.assign(grp=ALL)
    out = pd.concat([df, level_rows, all_rows], ignore_index=True)
    return out.groupby([*keys, "grp"], as_index=False, sort=True).sum(numeric_only=True)


def _moments(values: pd.Series, mask: pd.Series, prefix: str) -> dict[str, pd.Series]:
    v = values.where(mask, 0.0).astype(float)
    return {
        f"{prefix}_n": mask.astype(int),
        f"{prefix}_sum": v,
        f"{prefix}_sumsq": v * v,
    }


def reach(p: pd.DataFrame) -> pd.DataFrame:
    rows = by_period(p, "referral_date")
    parts = [
        rows.groupby("period")
        .size()
        .rename("parents")
        .reset_index()
        .assign(breakdown=ALL, category=ALL)
    ]
    for breakdown in BREAKDOWNS:
        counts = rows.groupby(["period", breakdown]).size().rename("parents").reset_index()
        parts.append(counts.rename(columns={breakdown: "category"}).assign(breakdown=breakdown))
    return pd.concat(parts, ignore_index=True)[["period", "breakdown", "category", "parents"]]


def families(p: pd.DataFrame) -> pd.DataFrame:
    first = p.groupby("family_key", as_index=False)["referral_date"].min()
    return (
        by_period(first, "referral_date").groupby("period").size().rename("families").reset_index()
    )


def offers(e: pd.DataFrame, levels: dict[str, str]) -> pd.DataFrame:
    rows = by_period(e, "offered_date")
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
    rows = by_period(ended, "end_date")
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
    rows = by_period(fs, "first_start")
    return rows.groupby(["period", "days"]).size().rename("participants").reset_index()


def both_parents(p: pd.DataFrame, e: pd.DataFrame) -> pd.DataFrame:
    fs = _first_starts(p, e)
    ordered = fs.sort_values(["family_key", "first_start"])
    rank = ordered.groupby("family_key").cumcount()
    second = ordered[rank == 1].set_index("family_key")["first_start"]
    rows = by_period(fs, "first_start")[["family_key", "period"]].drop_duplicates()
    rows = rows.join(second.rename("second_start"), on="family_key")
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
    cohort = by_period(
        pd.DataFrame(
            {"participant_key": p_code, "referral_date": p["referral_date"].to_numpy()},
            index=p.index,
        ),
        "referral_date",
    )
    referred = cohort.groupby("period").size().rename("referred")
    parts = []
    for column in ("intervention", "level", "everything"):
        per = ep.groupby(["participant_key", column], as_index=False)[
            ["started", "completed"]
        ].max()
        per = per.rename(columns={column: "grp"}).assign(offered=1)
        merged = cohort[["participant_key", "period"]].merge(per, on="participant_key")
        parts.append(
            merged.groupby(["period", "grp"], as_index=False)[
                ["offered", "started", "completed"]
            ].sum()
        )
    out = pd.concat(parts, ignore_index=True)
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
    scores = o.pivot_table(
        index=["episode_key", "measure"], columns="timepoint", values="score", aggfunc="first"
    )
    scores = scores.reindex(columns=["baseline", "exit", "followup_6m", "followup_12m"])
    scores = scores.reset_index().merge(done, on="episode_key")
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
    rows = by_period(df, "end_date").drop(columns="end_date")
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


def build_summaries(
    p: pd.DataFrame, e: pd.DataFrame, o: pd.DataFrame, levels: dict[str, str]
) -> dict[str, pd.DataFrame]:
    """Every summary table's rows for one area (without ``area_code``)."""
    if p.empty:
        return {}
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
