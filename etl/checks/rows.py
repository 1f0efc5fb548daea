"""Rules across cells, rows and sheets (spec section 3): E204-E209 and W301, W302, W304.

They run on the typed tables of ``etl.checks.sheets``, where a cell that is missing or failed a cell
rule holds NA, so each rule sees only values that passed (and reports every failure it finds).
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from etl.checks.id_codes import IdCodes, combined, lookup, present_in, values_at
from etl.checks.values import Distinct, Issues
from lfo.periods import PROGRAMME_START, Quarter
from lfo.reference import Reference

NEEDS_START = ("started", "completed", "dropped_out")
NEEDS_END = ("completed", "dropped_out")
SESSIONS_MAX = 52


def check_ranges(
    tables: dict[str, pd.DataFrame],
    text: dict[str, dict[str, pd.Series]],
    issues: dict[str, dict[str, Issues]],
    reference: Reference,
) -> None:
    """E204: sessions outside 1-52, attended above planned, score outside the measure's range."""
    iv = tables["interventions"]
    planned, attended = iv["sessions_planned"], iv["sessions_attended"]
    t = text["interventions"]
    bad_p = planned.notna() & ~planned.between(1, SESSIONS_MAX)
    issues["interventions"]["sessions_planned"].add(
        bad_p,
        "E204",
        t["sessions_planned"],
        [
            "sessions_planned '",
            t["sessions_planned"],
            "' is out of range: use a whole number from 1 to 52",
        ],
    )
    bad_a = attended.notna() & ~attended.between(0, SESSIONS_MAX)
    issues["interventions"]["sessions_attended"].add(
        bad_a,
        "E204",
        t["sessions_attended"],
        [
            "sessions_attended '",
            t["sessions_attended"],
            "' is out of range: use a whole number from 0 to 52",
        ],
    )
    over = attended.notna() & ~bad_a & planned.notna() & ~bad_p & (attended > planned)
    issues["interventions"]["sessions_attended"].add(
        over,
        "E204",
        t["sessions_attended"],
        [
            "sessions_attended '",
            t["sessions_attended"],
            "' is more than sessions_planned '",
            t["sessions_planned"],
            "': correct one of them",
        ],
    )
    iv.loc[bad_p, "sessions_planned"] = np.nan
    iv.loc[bad_a | over, "sessions_attended"] = np.nan

    oc = tables["outcomes"]
    measures = Distinct(oc["measure"])
    ranges = reference.measures.items()
    lo = measures.spread(measures.values.map({k: m.raw_range[0] for k, m in ranges}))
    hi = measures.spread(measures.values.map({k: m.raw_range[1] for k, m in ranges}))
    score = oc["score"]
    bad_s = score.notna() & lo.notna() & ((score < lo) | (score > hi))
    issues["outcomes"]["score"].add(
        bad_s,
        "E204",
        text["outcomes"]["score"],
        [
            "score '",
            text["outcomes"]["score"],
            "' is out of range for ",
            oc["measure"],
            ": use a whole number from ",
            lo,
            " to ",
            hi,
            " (for swemwbs, the raw total)",
        ],
    )
    oc.loc[bad_s, "score"] = np.nan


def _duplicates(codes: np.ndarray, rows: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """Rows whose key code (-1: incomplete key) another row shares, and the Excel rows of each
    key group (in row order), on ``rows``'s index."""
    mask = np.zeros(len(codes), dtype=bool)
    complete = np.flatnonzero(codes >= 0)
    mask[complete] = pd.Series(codes[complete]).duplicated(keep=False).to_numpy()
    groups = pd.Series("", index=rows.index, dtype="str")
    if mask.any():
        dup = pd.DataFrame({"key": codes[mask], "row": rows.to_numpy()[mask]})
        listed = dup.groupby("key", sort=False)["row"].transform(
            lambda s: ", ".join(str(r) for r in s)
        )
        groups.iloc[np.flatnonzero(mask)] = listed.astype("str").to_numpy()
    return mask, groups


def _small_codes(values: pd.Series) -> np.ndarray:
    codes: np.ndarray = pd.factorize(values)[0]
    return codes.astype(np.int64)


def check_keys(
    tables: dict[str, pd.DataFrame],
    text: dict[str, dict[str, pd.Series]],
    issues: dict[str, dict[str, Issues]],
    ids: IdCodes,
) -> None:
    """E205 duplicate keys; E206 references to missing participants or episodes."""
    pt, iv, oc = tables["participants"], tables["interventions"], tables["outcomes"]
    mask, rows = _duplicates(ids.pid["participants"], pt["_row"])
    issues["participants"]["participant_id"].add(
        mask,
        "E205",
        text["participants"]["participant_id"],
        [
            "this participant_id appears in rows ",
            rows,
            ": each participant must appear once; keep one row",
        ],
    )
    mask, rows = _duplicates(ids.eid["interventions"], iv["_row"])
    issues["interventions"]["episode_id"].add(
        mask,
        "E205",
        text["interventions"]["episode_id"],
        ["this episode_id appears in rows ", rows, ": each episode must appear once; keep one row"],
    )
    questionnaire = combined(
        [
            ids.pid["outcomes"],
            ids.eid["outcomes"],
            _small_codes(oc["measure"]),
            _small_codes(oc["timepoint"]),
        ]
    )
    mask, rows = _duplicates(questionnaire, oc["_row"])
    issues["outcomes"]["episode_id"].add(
        mask,
        "E205",
        text["outcomes"]["episode_id"],
        [
            "the same participant_id, episode_id, measure and timepoint appear in rows ",
            rows,
            ": each questionnaire must appear once; keep one row",
        ],
    )

    people = present_in(ids.pid["participants"], ids.n_pid)
    for sheet in ("interventions", "outcomes"):
        pid = ids.pid[sheet]
        gone = (pid >= 0) & ~lookup(people, pid, True)
        issues[sheet]["participant_id"].add(
            gone,
            "E206",
            text[sheet]["participant_id"],
            "this participant_id is not in the participants sheet: add the participant or "
            "correct the ID",
        )
    eid, pid = ids.eid["outcomes"], ids.pid["outcomes"]
    episode_row = ids.episode_row_of_outcome
    known = episode_row >= 0
    issues["outcomes"]["episode_id"].add(
        (eid >= 0) & ~known,
        "E206",
        text["outcomes"]["episode_id"],
        "this episode_id is not in the interventions sheet: add the episode or correct the ID",
    )
    owner = lookup(ids.pid["interventions"], episode_row, -1)
    other = known & (pid >= 0) & (owner >= 0) & (owner != pid)
    issues["outcomes"]["episode_id"].add(
        other,
        "E206",
        text["outcomes"]["episode_id"],
        [
            "this episode_id belongs to another participant (row ",
            values_at(iv["_row"], episode_row, oc.index),
            " of interventions): correct the participant_id or the episode_id",
        ],
    )


def check_dates(
    tables: dict[str, pd.DataFrame],
    text: dict[str, dict[str, pd.Series]],
    issues: dict[str, dict[str, Issues]],
    quarter: Quarter,
    ids: IdCodes,
) -> None:
    """E207 dates in the wrong order; E208 dates outside the return's coverage."""
    pt, iv = tables["participants"], tables["interventions"]
    start = pd.Timestamp(PROGRAMME_START)
    end = pd.Timestamp(quarter.end)
    coverage = f"from {PROGRAMME_START.isoformat()} to {quarter.end.isoformat()}"
    for sheet, column in (
        ("participants", "referral_date"),
        ("interventions", "offered_date"),
        ("interventions", "start_date"),
        ("interventions", "end_date"),
        ("outcomes", "measured_date"),
    ):
        values = tables[sheet][column]
        late = values > end
        early = values < start if column != "measured_date" else pd.Series(False, values.index)
        allowed = coverage if column != "measured_date" else f"on or before {end.date()}"
        issues[sheet][column].add(
            late | early,
            "E208",
            text[sheet][column],
            [
                f"{column} ",
                values,
                " is outside this return's coverage: it "
                f"must be {allowed} (the end of {quarter.display})",
            ],
        )

    referral = values_at(pt["referral_date"], ids.participant_row_of_intervention, iv.index)
    for column, before, name, what in (
        ("offered_date", referral, "referral_date", "the participant's referral_date"),
        ("start_date", iv["offered_date"], "offered_date", "offered_date"),
        ("end_date", iv["start_date"], "start_date", "start_date"),
    ):
        after = iv[column]
        wrong = after.notna() & before.notna() & (after < before)
        issues["interventions"][column].add(
            wrong,
            "E207",
            text["interventions"][column],
            [
                f"{column} ",
                after,
                f" is before {what} ",
                before,
                f": {column} cannot come before {name}; correct one of them",
            ],
        )


def check_status(
    tables: dict[str, pd.DataFrame],
    missing: dict[str, dict[str, pd.Series]],
    text: dict[str, dict[str, pd.Series]],
    issues: dict[str, dict[str, Issues]],
) -> None:
    """E209 conditional fields against status; W302 completed with no sessions attended."""
    iv = tables["interventions"]
    status = iv["status"]
    statuses = Distinct(status)
    rules = {
        "start_date": NEEDS_START,
        "end_date": NEEDS_END,
        "sessions_planned": NEEDS_START,
        "sessions_attended": NEEDS_START,
    }
    for column, needs in rules.items():
        need = statuses.spread(statuses.values.isin(needs))
        absent = status.notna() & need & missing["interventions"][column]
        issues["interventions"][column].add(
            absent,
            "E209",
            text["interventions"][column],
            [
                f"{column} is empty but status is '",
                status,
                f"': a {'/'.join(needs)} episode needs a {column}",
            ],
        )
        forbid = status.notna() & ~need & iv[column].notna()
        issues["interventions"][column].add(
            forbid,
            "E209",
            text["interventions"][column],
            [
                f"{column} '",
                text["interventions"][column],
                "' is given but status is '",
                status,
                f"': leave {column} empty unless the status is {' or '.join(needs)}",
            ],
        )
    zero = (status == "completed") & (iv["sessions_attended"] == 0)
    issues["interventions"]["sessions_attended"].add(
        zero.fillna(False),
        "W302",
        text["interventions"]["sessions_attended"],
        "sessions_attended is 0 for a completed episode: check the count or the status",
    )


def check_timing(
    tables: dict[str, pd.DataFrame],
    text: dict[str, dict[str, pd.Series]],
    issues: dict[str, dict[str, Issues]],
    quarter: Quarter,
    ids: IdCodes,
) -> None:
    """W301 late questionnaires; W304 participants referred long ago with no episode."""
    pt, iv, oc = tables["participants"], tables["interventions"], tables["outcomes"]
    episode_row = ids.episode_row_of_outcome
    for timepoint, anchor, days in (("baseline", "start_date", 30), ("exit", "end_date", 60)):
        ref_date = values_at(iv[anchor], episode_row, oc.index)
        gap = (oc["measured_date"] - ref_date).dt.days
        late = (oc["timepoint"] == timepoint) & gap.notna() & (gap > days)
        issues["outcomes"]["measured_date"].add(
            late.fillna(False),
            "W301",
            text["outcomes"]["measured_date"],
            [
                f"the {timepoint} questionnaire was measured ",
                gap,
                f" days after the episode's {anchor} (more than {days}): check the date",
            ],
        )
    cutoff = pd.Timestamp(quarter.end - dt.timedelta(days=90))
    offered = present_in(ids.pid["interventions"], ids.n_pid)
    pid = ids.pid["participants"]
    has_episode = lookup(offered, pid, False)
    alone = (pid >= 0) & (pt["referral_date"] < cutoff).to_numpy(dtype=bool) & ~has_episode
    issues["participants"]["participant_id"].add(
        alone,
        "W304",
        text["participants"]["participant_id"],
        [
            "this participant was referred on ",
            pt["referral_date"],
            ", more than 90 days "
            f"before the end of {quarter.display}, and has no episode: add the offer made, or "
            "check the referral",
        ],
    )
