"""Simulate one area's full history of the programme: every parent, episode and questionnaire,
with the true dates on which each thing happened.

Everything is vectorised with numpy (one array per column); the snapshots "as known at a quarter's
end" are taken later (``etl.synthetic.writers``). Dates are whole days since 1970-01-01 (int64);
``NEVER`` marks an event that never happens, so ``date <= snapshot`` is simply false for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from lfo.reference import REFERRAL_SOURCES, load_reference

NEVER = 10**7
EPOCH = dt.date(1970, 1, 1)

INTERVENTIONS = (
    "mybt",
    "arguing_better",
    "girfc",
    "practitioner_support",
    "fcu",
    "pp_pws",
    "tp_ft",
    "tp_enhanced",
    "wmr",
    "mbt_pt",
    "pap",
)
# Choice of intervention by family situation (rows: together+baby, together+older child,
# separated+baby, separated+older child), columns in INTERVENTIONS order. Design choices, not data.
CHOICE = np.array(
    [
        [0.30, 0.08, 0.00, 0.18, 0.10, 0.00, 0.00, 0.12, 0.08, 0.05, 0.09],
        [0.00, 0.35, 0.00, 0.18, 0.12, 0.00, 0.00, 0.13, 0.08, 0.05, 0.09],
        [0.00, 0.10, 0.25, 0.15, 0.10, 0.12, 0.12, 0.04, 0.04, 0.08, 0.00],
        [0.00, 0.08, 0.30, 0.12, 0.10, 0.14, 0.14, 0.04, 0.00, 0.08, 0.00],
    ]
)
GROUP_WORK = {"pp_pws", "tp_ft", "pap"}
REFERRAL_P = np.array([0.12, 0.14, 0.05, 0.06, 0.12, 0.12, 0.18, 0.07, 0.04, 0.06, 0.04])
AGE_P = np.array([0.12, 0.42, 0.33, 0.11, 0.02])
CHILD_P = np.array([0.24, 0.26, 0.34, 0.16])  # 0-1, 2-4, 5-11, 12-17

# Measure: (mean, sd, min, max, better direction, effect by level (universal, targeted,
# specialist) in points of improvement, sd of change). Raw scale (SWEMWBS raw total 7-35).
SCORES = {
    "csi4": (11.5, 4.2, 0, 21, 1, (1.0, 2.2, 3.8), 3.2),
    "ops": (19.0, 7.0, 0, 40, -1, (1.5, 3.0, 5.5), 5.5),
    "swemwbs": (20.0, 4.5, 7, 35, 1, (0.8, 1.8, 3.0), 3.2),
    "sdq_total": (14.0, 6.5, 0, 40, -1, (1.0, 2.2, 4.0), 4.5),
}
LEVEL_INDEX = {"universal": 0, "targeted": 1, "specialist": 2}
STATUS_DECLINED, STATUS_COMPLETED, STATUS_DROPPED = 1, 3, 4
TIMEPOINTS = ("baseline", "exit", "followup_6m", "followup_12m")


def day(d: dt.date) -> int:
    return (d - EPOCH).days


@dataclass(frozen=True)
class AreaParams:
    """What makes one area differ from another (all rates are probabilities)."""

    gss: str
    families: int  # families referred over the whole history
    imd_rank: int
    completion: float  # of starters, share who complete
    take_up: float  # of episodes offered, share started
    paired: float  # of completed episodes with a baseline, share with an exit score
    baseline: float  # of started episodes, share with a baseline questionnaire pack
    missing: float  # share of optional values left blank (per column, varied around this)
    ethnicity_p: tuple[float, ...]  # white, mixed, asian, black, other


@dataclass
class AreaHistory:
    participants: pd.DataFrame
    episodes: pd.DataFrame
    outcomes: pd.DataFrame


def _pick(rng: np.random.Generator, p: np.ndarray, n: int) -> np.ndarray:
    """n draws of category indices with probabilities p (vectorised)."""
    return np.searchsorted(np.cumsum(p / p.sum()), rng.random(n), side="right").clip(0, len(p) - 1)


def _pick_rows(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a probability matrix (rows need not sum to 1)."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs)) * cum[:, -1]
    picks: np.ndarray = (u[:, None] >= cum).sum(axis=1).clip(0, probs.shape[1] - 1)
    return picks


def referral_days(rng: np.random.Generator, n: int, first: int, last: int) -> np.ndarray:
    """n referral dates between two days: a programme that ramps up, mostly on weekdays."""
    days = np.arange(first, last + 1)
    years = (days - first) / 365.25
    weight = (1.1 - 0.75 * np.exp(-years / 0.8)) * np.where((days + 3) % 7 < 5, 1.0, 0.08)
    return np.sort(days[_pick(rng, weight, n)])


def simulate_area(rng: np.random.Generator, a: AreaParams, first: int, last: int) -> AreaHistory:
    """The full history of one area, referrals from ``first`` to ``last`` (day numbers)."""
    nf = a.families
    fam_day = referral_days(rng, nf, first, last)
    two = rng.random(nf) < 0.6
    together = np.where(two, rng.random(nf) < 0.72, rng.random(nf) < 0.45)
    child = _pick(rng, CHILD_P, nf)
    workless = rng.random(nf) < 0.12 + 0.25 * (1 - a.imd_rank / 151)
    eth = _pick(rng, np.array(a.ethnicity_p), nf)
    first_female = rng.random(nf) < np.where(two, 0.9, 0.88)
    single_other = ~two & ~first_female & (rng.random(nf) < 0.15)

    fam = np.repeat(np.arange(nf), np.where(two, 2, 1))
    second = np.zeros(len(fam), dtype=bool)
    second[1:] = fam[1:] == fam[:-1]
    n = len(fam)
    delay = np.where(rng.random(n) < 0.5, 0, rng.integers(1, 60, n))
    ref = np.minimum(fam_day[fam] + np.where(second, delay, 0), last)
    same_sex = rng.random(n) < 0.03
    female = np.where(second, ~first_female[fam] ^ same_sex, first_female[fam])
    sex = np.where(female, "female", "male").astype(object)
    sex[single_other[fam] & ~second] = "other"
    own_eth = rng.random(n) < 0.1
    eth_p = np.where(own_eth, _pick(rng, np.array(a.ethnicity_p), n), eth[fam])
    truth = pd.DataFrame(
        {
            "family": fam,
            "referral_day": ref,
            "referral_source": np.array(_REF_CODES)[_pick(rng, REFERRAL_P, n)],
            "sex": sex,
            "age_band": np.array(_AGE_CODES)[_pick(rng, AGE_P, n)],
            "ethnicity": np.array(_ETH_CODES)[eth_p],
            "relationship_status": np.where(together[fam], "together", "separated"),
            "workless_household": np.where(workless[fam], "yes", "no"),
            "youngest_child_age_band": np.array(_CHILD_CODES)[child[fam]],
        }
    )
    truth = truth.sort_values(["referral_day", "family"], kind="stable").reset_index(drop=True)
    truth["seq"] = np.arange(n)
    episodes = _episodes(rng, a, truth, last)
    outcomes = _outcomes(rng, a, truth, episodes)
    return AreaHistory(truth, episodes, outcomes)


_REF_CODES = REFERRAL_SOURCES
_AGE_CODES = ("16-24", "25-34", "35-44", "45-54", "55+")
_ETH_CODES = ("white", "mixed", "asian", "black", "other")
_CHILD_CODES = ("0-1", "2-4", "5-11", "12-17")


def _episode_block(
    rng: np.random.Generator,
    a: AreaParams,
    person: np.ndarray,
    code: np.ndarray,
    offered: np.ndarray,
    completion: np.ndarray,
) -> dict[str, np.ndarray]:
    """Offer, answer, start, end and sessions for one episode per entry of ``person``."""
    ref = load_reference().interventions
    n = len(person)
    smin = np.array([ref[c].sessions_min for c in INTERVENTIONS])[code]
    smax = np.array([ref[c].sessions_max for c in INTERVENTIONS])[code]
    level = np.array([LEVEL_INDEX[ref[c].level] for c in INTERVENTIONS])[code]
    took = rng.random(n) < a.take_up
    decided = offered + rng.integers(1, 30, n)
    start = np.where(took, offered + 3 + rng.gamma(2.0, 7.0, n).astype(np.int64), NEVER)
    planned = rng.integers(smin, smax + 1)
    weekly = np.where(level == 0, rng.uniform(2, 10, n), rng.uniform(6.5, 11, n))
    length = (planned * weekly).astype(np.int64) + 1
    completes = took & (rng.random(n) < completion)
    frac = np.where(completes, 1.0, rng.uniform(0.1, 0.8, n))
    end = np.where(took, start + (length * frac).astype(np.int64) + 1, NEVER)
    missed = rng.binomial(planned, 0.12)
    attended = np.where(
        completes,
        np.maximum(planned - missed, 1),
        np.floor(planned * frac * rng.uniform(0, 1, n)).astype(np.int64),
    )
    status = np.where(~took, STATUS_DECLINED, np.where(completes, STATUS_COMPLETED, STATUS_DROPPED))
    names = np.array(INTERVENTIONS, dtype=object)[code]
    group = np.isin(names, list(GROUP_WORK))
    modes = np.array(["face_to_face", "telephone", "online", "mixed"], dtype=object)
    mode = np.where(
        level == 0,
        np.where(rng.random(n) < 0.95, "online", "mixed"),
        np.where(
            group & (rng.random(n) < 0.85),
            "group",
            modes[_pick(rng, np.array([0.55, 0.15, 0.15, 0.15]), n)],
        ),
    )
    return {
        "person": person,
        "intervention": names,
        "level": level,
        "offered_day": offered,
        "decided_day": np.where(took, NEVER, decided),
        "start_day": start,
        "end_day": end,
        "final_status": status,
        "sessions_planned": planned,
        "sessions_attended": attended,
        "delivery_mode": mode.astype(object),
    }


def _episodes(
    rng: np.random.Generator, a: AreaParams, people: pd.DataFrame, last: int
) -> pd.DataFrame:
    n = len(people)
    together = (people["relationship_status"] == "together").to_numpy()
    baby = (people["youngest_child_age_band"] == "0-1").to_numpy()
    group = 2 * (~together) + (~baby)
    code = _pick_rows(rng, CHOICE[group])
    offered = people["referral_day"].to_numpy() + 3 + rng.gamma(2.0, 8.0, n).astype(np.int64)
    # Partners who are together are often offered the same intervention on the same day.
    fam = people["family"].to_numpy()
    order = np.argsort(fam, kind="stable")
    pair = np.zeros(n, dtype=bool)
    pair[order[1:]] = fam[order[1:]] == fam[order[:-1]]
    partner = np.zeros(n, dtype=np.int64)
    partner[order[1:]] = order[:-1]
    joint = pair & together & (rng.random(n) < 0.65)
    code = np.where(joint, code[partner], code)
    offered = np.where(joint, np.maximum(offered, offered[partner]), offered)
    offer = rng.random(n) < 0.995
    level_adj = np.array([0.05, 0.0, -0.05])
    ref = load_reference().interventions
    level = np.array([LEVEL_INDEX[ref[c].level] for c in INTERVENTIONS])[code]
    completion = np.clip(a.completion + level_adj[level], 0.05, 0.95)
    idx = np.flatnonzero(offer)
    block = _episode_block(rng, a, idx, code[idx], offered[idx], completion[idx])
    eps = pd.DataFrame(block)
    # Stepped care: some who complete a universal course are offered a targeted one.
    step = (eps["level"].to_numpy() == 0) & (eps["final_status"].to_numpy() == STATUS_COMPLETED)
    step &= rng.random(len(eps)) < 0.2
    if step.any():
        who = eps["person"].to_numpy()[step]
        targeted = np.array([ref[c].level == "targeted" for c in INTERVENTIONS])
        code2 = _pick_rows(rng, CHOICE[group[who]] * targeted)
        off2 = eps["end_day"].to_numpy()[step] + rng.integers(7, 60, len(who))
        comp2 = np.full(len(who), a.completion)
        eps = pd.concat(
            [eps, pd.DataFrame(_episode_block(rng, a, who, code2, off2, comp2))], ignore_index=True
        )
    eps = eps[eps["offered_day"] <= last]
    eps = eps.sort_values(["offered_day", "person"], kind="stable").reset_index(drop=True)
    eps["seq"] = np.arange(len(eps))
    return eps


def _outcomes(
    rng: np.random.Generator, a: AreaParams, people: pd.DataFrame, eps: pd.DataFrame
) -> pd.DataFrame:
    ref = load_reference().interventions
    person = eps["person"].to_numpy()
    together = (people["relationship_status"] == "together").to_numpy()[person]
    child_ok = (people["youngest_child_age_band"] != "0-1").to_numpy()[person]
    started = eps["start_day"].to_numpy() < NEVER
    status = eps["final_status"].to_numpy()
    ne = len(eps)
    pack = started & (rng.random(ne) < a.baseline)
    exit_pack = np.where(
        status == STATUS_COMPLETED, rng.random(ne) < a.paired, rng.random(ne) < 0.12
    )
    completed = status == STATUS_COMPLETED
    fu6 = completed & (rng.random(ne) < 0.34)
    fu12 = completed & (rng.random(ne) < 0.14)
    start = eps["start_day"].to_numpy()
    end = eps["end_day"].to_numpy()
    late_b = rng.random(ne) < 0.001
    base_day = start + np.where(late_b, rng.integers(31, 45, ne), rng.integers(0, 11, ne))
    late_e = rng.random(ne) < 0.001
    exit_day = end + np.where(late_e, rng.integers(61, 80, ne), rng.integers(0, 22, ne))
    fu6_day = end + 182 + rng.integers(-14, 15, ne)
    fu12_day = end + 365 + rng.integers(-21, 22, ne)
    level = eps["level"].to_numpy()
    gain = np.where(completed, 1.0, 0.3)
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("episode", "measure", "timepoint", "day", "score")
    }
    for m, (measure, (mu, sd, lo, hi, better, effect, sd_change)) in enumerate(SCORES.items()):
        collects = (
            eps["intervention"]
            .map({c: measure in ref[c].measures for c in INTERVENTIONS})
            .to_numpy(dtype=bool, copy=True)
        )
        if measure == "csi4":
            collects &= together
        if measure == "sdq_total":
            collects &= child_ok
        has_base = pack & collects & (rng.random(ne) < 0.97)
        b = np.clip(np.rint(rng.normal(mu, sd, ne)), lo, hi)
        d = better * (b - mu)
        improvement = np.array(effect)[level] - 0.25 * d
        change = better * gain * (improvement + rng.normal(0, sd_change, ne))
        points = (
            (has_base, base_day, b),
            (has_base & exit_pack, exit_day, b + change),
            (has_base & fu6, fu6_day, b + 0.85 * change + rng.normal(0, 2, ne)),
            (has_base & fu12, fu12_day, b + 0.75 * change + rng.normal(0, 2.5, ne)),
        )
        for t, (mask, when, score) in enumerate(points):
            idx = np.flatnonzero(mask)
            parts["episode"].append(idx)
            parts["measure"].append(np.full(len(idx), m))
            parts["timepoint"].append(np.full(len(idx), t))
            parts["day"].append(when[idx])
            parts["score"].append(np.clip(np.rint(score[idx]), lo, hi).astype(np.int64))
    cat = {k: np.concatenate(v) for k, v in parts.items()}
    out = pd.DataFrame(
        {
            "episode": cat["episode"],
            "measure": np.array(list(SCORES), dtype=object)[cat["measure"]],
            "timepoint": np.array(TIMEPOINTS, dtype=object)[cat["timepoint"]],
            "measured_day": cat["day"],
            "score": cat["score"],
        }
    )
    out["person"] = person[out["episode"].to_numpy()]
    return out.sort_values(["measured_day", "episode"], kind="stable").reset_index(drop=True)
