"""Disclosure control v2 on the pilot demo data, attacked through the data API as the issue did.

The attacker's tools are the published numbers and addition: a margin (a total and the cells it
adds up) with one unknown gives the unknown away; a known value found that way is used again
(``recover`` repeats until nothing more is found). Margins as indicators.md v2 defines them:
areas and the programme; a breakdown's categories and reach.parents; a financial year and its
quarters; the interventions of a level and the level, the levels and "all"; and the indicators
that show the same counts (the funnel's referred stage and each breakdown's total are
reach.parents; reach.target is the families' running total; the family rate's numerator is the
year's families; reach.fathers shows sex:male and the stated total).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pytest

from dashboard.app import create_app
from dashboard.settings import DashboardSettings
from lfo.indicators.definitions import indicators
from lfo.periods import FinancialYear, Quarter, period
from lfo.reference import LEVELS, load_reference
from lfo.terms import PROGRAMME

THRESHOLD = 10
# what a hidden row keeps secret: its own counts. A target and a population are public reference
# data; a breakdown's denominator is reach.parents and a funnel stage's the previous stage's
# count, each secret (or not) as its own cell
SECRET = dict.fromkeys(
    ("reach.target", "reach.family_rate", "reach.breakdown", "uptake.funnel"), ("numerator",)
)
STAGES = ("referred", "offered", "started", "completed")
Key = tuple[str, ...]  # (indicator, grp, area, period, category, "numerator" | "denominator")


@pytest.fixture(scope="module")
def client(pilot_db_url):
    app = create_app(DashboardSettings(database_url=pilot_db_url, suppression_threshold=THRESHOLD))
    return app.server.test_client()


def get_rows(client, query: str) -> list[dict]:
    resp = client.get(f"/api/v1/data?{query}")
    assert resp.status_code == 200, resp.get_data(as_text=True)
    return resp.get_json()["data"]


@pytest.fixture(scope="module")
def published(client) -> dict[str, list[dict]]:
    """Every row the API publishes, by filter ("all", "level:…", each intervention)."""
    catalogue = indicators()
    every = ",".join(catalogue)
    filtered = ",".join(i for i, ind in catalogue.items() if ind.by_intervention)
    out = {"all": get_rows(client, f"indicator={every}")}
    for level in LEVELS:
        out[f"level:{level}"] = get_rows(client, f"indicator={filtered}&level={level}")
    for code in load_reference().interventions:
        out[code] = get_rows(client, f"indicator={filtered}&intervention={code}")
    return out


# --- the attacker ---------------------------------------------------------------------------


def facts(published: dict[str, list[dict]]) -> tuple[dict[Key, float], set[Key]]:
    """What the API shows (known values) and what it hides (``c`` rows' numerator and
    denominator), keyed by indicator, filter, area, period, category and which number."""
    known: dict[Key, float] = {}
    hidden: set[Key] = set()
    for grp, rows in published.items():
        for r in rows:
            if r["status"] == "z":
                continue
            base = (r["indicator"], grp, r["area_code"], r["period"], r["category"] or "")
            for part in ("numerator", "denominator"):
                if r["status"] == "c":
                    if part in SECRET.get(r["indicator"], ("numerator", "denominator")):
                        hidden.add((*base, part))
                elif r[part] is not None:
                    known[(*base, part)] = float(r[part])
    return known, hidden


def equations(published: dict[str, list[dict]]) -> list[tuple[list[Key], list[Key]]]:
    """Every published relation as (plus, minus): Σ plus = Σ minus."""
    eqs: list[tuple[list[Key], list[Key]]] = []
    levels = {c: i.level for c, i in load_reference().interventions.items()}
    rows = [(grp, r) for grp, rs in published.items() for r in rs if r["status"] != "z"]
    by: dict[tuple, list[Key]] = defaultdict(list)
    for grp, r in rows:
        ind, area, per, cat = r["indicator"], r["area_code"], r["period"], r["category"] or ""
        if r["status"] == "x" and r["numerator"] is None:
            continue  # no return covers it: not in any total
        for part in ("numerator", "denominator"):
            key = (ind, grp, area, per, cat, part)
            # (a) areas and the programme
            by[("a", ind, grp, per, cat, part, area == PROGRAMME)].append(key)
            # (c) a year and its quarters
            p = period(per)
            if ind not in ("reach.target", "reach.family_rate"):
                by[("c", ind, grp, area, cat, part, p.fy, not p.is_quarter)].append(key)
            # (d) filters (the funnel's referred stage is the cohort: the same in every filter)
            if cat == "referred":
                continue
            if grp in levels:
                by[("d", ind, area, per, cat, part, f"level:{levels[grp]}", False)].append(key)
            elif grp.startswith("level:"):
                by[("d", ind, area, per, cat, part, grp, True)].append(key)
                by[("e", ind, area, per, cat, part, False)].append(key)
            elif grp == "all":
                by[("e", ind, area, per, cat, part, True)].append(key)
        if ind == "reach.breakdown":
            b = cat.split(":")[0]
            by[("b", area, per, b, False)].append((ind, grp, area, per, cat, "numerator"))
            parents = ("reach.parents", "all", area, per, "", "numerator")
            by[("b", area, per, b, True)] = [parents]
            eqs.append(([(ind, grp, area, per, cat, "denominator")], [parents]))
        if ind == "uptake.funnel" and cat == "referred":
            parents = ("reach.parents", "all", area, per, "", "numerator")
            eqs.append(([(ind, grp, area, per, cat, "numerator")], [parents]))
        elif ind == "uptake.funnel":
            before = STAGES[STAGES.index(cat) - 1]
            eqs.append(
                (
                    [(ind, grp, area, per, cat, "denominator")],
                    [(ind, grp, area, per, before, "numerator")],
                )
            )
        eqs += _related(ind, grp, area, per, cat)
    for key, members in by.items():
        if key[-1]:  # a total
            cells = by.get((*key[:-1], False), [])
            if cells:
                eqs.append((cells, members))
    return eqs


def _related(
    ind: str, grp: str, area: str, per: str, cat: str
) -> list[tuple[list[Key], list[Key]]]:
    p = period(per)
    fam = ("reach.families", "all", area)
    num = "numerator"
    if ind == "reach.family_rate" and not p.is_quarter:
        return [([(ind, grp, area, per, cat, num)], [(*fam, per, "", num)])]
    if ind == "reach.target":
        if not p.is_quarter:
            return [([(ind, grp, area, per, cat, num)], [(*fam, per, "", num)])]
        upto = [(*fam, Quarter(p.fy, j).label, "", num) for j in range(1, p.q + 1)]
        if area == PROGRAMME:
            return []  # pools the areas covering the quarter: through the areas' totals
        return [([(ind, grp, area, per, cat, num)], upto)]
    shown = {"reach.fathers": ("sex", "male"), "reach.workless": ("workless_household", "yes")}
    if ind in shown:
        b, hit = shown[ind]
        bd = ("reach.breakdown", "all", area, per)
        parents = ("reach.parents", "all", area, per, "", num)
        return [
            ([(ind, grp, area, per, cat, num)], [(*bd, f"{b}:{hit}", num)]),
            ([(ind, grp, area, per, cat, "denominator"), (*bd, f"{b}:not_stated", num)], [parents]),
        ]
    return []


def recover(known: dict[Key, float], eqs: list[tuple[list[Key], list[Key]]]) -> dict[Key, float]:
    """Everything adding and subtracting the known values gives, repeated until nothing changes
    (each relation with one unknown left gives it)."""
    known = dict(known)
    uses: dict[Key, list[int]] = defaultdict(list)
    for i, (plus, minus) in enumerate(eqs):
        for k in {*plus, *minus}:
            uses[k].append(i)
    queue = list(range(len(eqs)))
    while queue:
        i = queue.pop()
        plus, minus = eqs[i]
        unknown = {k for k in (*plus, *minus) if k not in known}
        if len(unknown) != 1:
            continue
        (k,) = unknown
        sign = 1 if k in plus else -1
        rest = sum(known.get(x, 0.0) for x in plus if x != k) - sum(
            known.get(x, 0.0) for x in minus if x != k
        )
        known[k] = -sign * rest if sign == 1 else rest
        queue.extend(uses[k])
    return known


def zeros_of_zero_tables(
    found: dict[Key, float], eqs: list[tuple[list[Key], list[Key]]], hidden: set[Key]
) -> set[Key]:
    """Hidden counts that are 0 in a relation whose every number is 0: exempt by decision
    (docs/decisions.md, "Margins that are all zero": the published total 0 already shows each
    is 0). Only counts whose row keeps no other secret (no hidden denominator): a hidden 0 of 4
    is not exempt, its 4 is what is protected."""
    zero: set[Key] = set()
    for plus, minus in eqs:
        members = (*plus, *minus)
        if all(found.get(k) == 0 for k in members):
            zero.update(members)
    return {
        k for k in zero & hidden if k[5] == "numerator" and (*k[:5], "denominator") not in hidden
    }


# --- the tests ------------------------------------------------------------------------------


def test_the_issues_example_no_longer_gives_a_quarter_away(client):
    quarters = [f"2016-17_Q{q}" for q in range(1, 5)]
    rows = get_rows(
        client, f"indicator=reach.parents&area=E09000022&period=2016-17,{','.join(quarters)}"
    )
    by_period = {r["period"]: r for r in rows}
    year = by_period["2016-17"]
    hidden = [q for q in quarters if by_period[q]["status"] == "c"]
    assert "2016-17_Q1" in hidden  # 7 parents: primary suppression
    # before: the year (127) and Q2-Q4 (35 + 41 + 44) were published, so Q1 = 7
    assert year["status"] == "c" or len(hidden) >= 3, (year, hidden)


def test_no_hidden_count_can_be_worked_back_from_published_numbers(published):
    known, hidden = facts(published)
    eqs = equations(published)
    found = recover(known, eqs)
    leaks = sorted(k for k in hidden if k in found)
    exempt = zeros_of_zero_tables(found, eqs, hidden)
    leaks = [k for k in leaks if k not in exempt]
    assert not leaks, f"{len(leaks)} hidden numbers recovered, e.g. {leaks[:5]}"


def test_no_quarter_is_a_year_minus_its_published_quarters(published):
    """The issue's attack, over every indicator, filter, area, year and category."""
    leaks = []
    for grp, rows in published.items():
        cells = {(r["indicator"], r["area_code"], r["category"], r["period"]): r for r in rows}
        for (ind, area, cat, per), year in cells.items():
            p = period(per)
            if p.is_quarter or year["status"] in ("c", "z") or ind == "reach.target":
                continue
            qs = [cells.get((ind, area, cat, q.label)) for q in FinancialYear(p.fy).quarters]
            if any(q is None or q["status"] == "z" for q in qs):
                continue
            if sum(q["status"] == "c" for q in qs) == 1:
                shown = [q for q in qs if q["status"] != "c"]
                zeros = year["numerator"] == 0 and all(q["numerator"] == 0 for q in shown)
                if zeros and (ind in SECRET or year["denominator"] is None):
                    continue  # a 0 in a table of zeros: exempt (zeros_of_zero_tables)
                leaks.append((ind, grp, area, cat, per))
    assert not leaks, f"{len(leaks)} years give a quarter away, e.g. {leaks[:5]}"


def test_every_area_knowing_its_own_figures_recovers_no_other_areas(published):
    known, hidden = facts(published)
    eqs = equations(published)
    areas = {k[2] for k in hidden} - {PROGRAMME}
    public = recover(known, eqs)  # what anyone recovers (once: it does not depend on the area)
    leaks = []
    for area in sorted(areas):
        own = {k: 0.0 for k in hidden if k[2] == area}  # its values: any number will do
        found = recover({**known, **own}, eqs)
        exempt = zeros_of_zero_tables(public | found, eqs, hidden)
        leaks += [
            k for k in hidden if k in found and k[2] not in (area, PROGRAMME) and k not in exempt
        ]
    assert not leaks, f"{len(leaks)} other areas' hidden numbers recovered, e.g. {leaks[:5]}"


# --- the linear-algebra check over each set of related indicators ------------------------------

PRIME = 1_000_000_007


def free_of(matrix: np.ndarray) -> np.ndarray:
    """Columns whose unit vector is NOT in the row space of ``matrix`` (Gauss-Jordan modulo a
    prime): the unknowns that no combination of the equations pins down."""
    a = matrix.astype(np.int64) % PRIME
    rows, cols = a.shape
    pivots = []
    r = 0
    for j in range(cols):
        nz = np.flatnonzero(a[r:, j]) if r < rows else []
        if len(nz) == 0:
            continue
        p = r + int(nz[0])
        a[[r, p]] = a[[p, r]]
        a[r] = a[r] * pow(int(a[r, j]), PRIME - 2, PRIME) % PRIME
        for i in np.flatnonzero(a[:, j]):
            if i != r:
                a[i] = (a[i] - a[i, j] * a[r]) % PRIME
        pivots.append(j)
        r += 1
    free_cols = [j for j in range(cols) if j not in set(pivots)]
    pinned = {j for i, j in enumerate(pivots) if not a[i, free_cols].any()}
    return np.array([j not in pinned for j in range(cols)])


def hidden_system(eqs, known, unknowns):
    """The relations restricted to ``unknowns`` (a list of keys) as a matrix (published values
    moved to the other side)."""
    col = {k: j for j, k in enumerate(unknowns)}
    out = []
    for plus, minus in eqs:
        row = np.zeros(len(unknowns), dtype=np.int64)
        for k in plus:
            if k in col:
                row[col[k]] += 1
        for k in minus:
            if k in col:
                row[col[k]] -= 1
        if row.any() and all(k in col or k in known for k in (*plus, *minus)):
            out.append(row)
    return np.array(out).reshape(-1, len(unknowns))


@pytest.mark.parametrize(
    "related",
    [
        *[("reach.parents", f"reach.breakdown:{b}") for b in ("sex", "age_band", "ethnicity")],
        *[
            ("reach.parents", f"reach.breakdown:{b}")
            for b in ("workless_household", "referral_source")
        ],
        ("reach.families", "reach.target", "reach.family_rate"),
    ],
)
def test_no_hidden_count_of_related_indicators_follows_by_linear_algebra(published, related):
    """Exact linear algebra over reach.parents with one breakdown (the parents being each
    breakdown's total), and over families, progress to target and the family rate; again with
    each area's own figures known."""
    known, hidden = facts(published)
    eqs = equations(published)

    def wanted(k):
        if k[0] == "reach.breakdown":
            return f"reach.breakdown:{k[4].split(':')[0]}" in related
        return k[0] in related and k[1] == "all"

    targets = {k for k in hidden if wanted(k) and k[5] == "numerator"}
    assert targets, "nothing hidden: the test would prove nothing"
    # the unknowns: these, and every hidden number sharing a relation with one of them
    near = {k for plus, minus in eqs if targets & {*plus, *minus} for k in (*plus, *minus)}
    unknowns = sorted(targets | (near & hidden))
    free = free_of(hidden_system(eqs, known, unknowns))
    exempt = zeros_of_zero_tables(recover(known, eqs), eqs, hidden)
    pinned = [k for j, k in enumerate(unknowns) if k in targets and not free[j]]
    assert not [k for k in pinned if k not in exempt], "a hidden count follows"
    for area in sorted({k[2] for k in targets} - {PROGRAMME}):
        rest = [k for k in unknowns if k[2] != area]
        own = {k: 0.0 for k in hidden if k[2] == area}  # its values: any number will do
        free = free_of(hidden_system(eqs, {**known, **own}, rest))
        leaks = [k for j, k in enumerate(rest) if not free[j] and k in targets]
        leaks = [k for k in leaks if k[2] != PROGRAMME and k not in exempt]
        assert not leaks, (area, leaks[:5])
