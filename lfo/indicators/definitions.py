"""Every indicator's metadata, defined once (indicators.md, definitions version 2).

The engine computes figures from these definitions; the definitions page, the API's
``/api/v1/indicators`` and every export show the same metadata.
"""

from __future__ import annotations

from functools import cache

from lfo.indicators.indicator import HIGHER, LOWER, NONE, Indicator
from lfo.reference import BREAKDOWNS, Measure, load_reference

DEFINITIONS_VERSION = "2"

_REFERRAL = "quarter or financial year of referral_date"
_EPISODES = "interventions (episodes)"

_REACH = (
    Indicator(
        "reach.parents",
        "Parents referred",
        "Parents and carers with a referral date in the period.",
        "parents referred in the period",
        "none",
        "count (participants)",
        NONE,
        _REFERRAL,
        "none",
        "participants",
        "count",
        "reach",
    ),
    Indicator(
        "reach.families",
        "Families referred",
        "Families whose earliest referral date is in the period.",
        "families whose earliest referral is in the period",
        "none",
        "count (families)",
        NONE,
        "quarter or financial year of the family's earliest referral_date",
        "none",
        "participants",
        "count",
        "reach",
    ),
    Indicator(
        "reach.family_rate",
        "Family reach rate",
        "Families whose earliest referral is in the financial year, per 10,000 families "
        "with dependent children in the area (an approximate, derived population). "
        "Financial years only: a quarter is not applicable.",
        "families whose earliest referral is in the financial year",
        "families with dependent children in the area (areas.families)",
        "rate per 10,000 families",
        HIGHER,
        "financial year only",
        "Byar",
        "participants, areas",
        "rate",
        "reach",
        quarters=False,
    ),
    Indicator(
        "reach.target",
        "Progress to target",
        "Families whose earliest referral is from 1 April to the period's end, as a "
        "percentage of the annual target times the quarters elapsed divided by 4. The "
        "target is a programme assumption (0.4% of families).",
        "families whose earliest referral is from 1 April to the end of the period",
        "annual target x quarters elapsed / 4",
        "% of target",
        HIGHER,
        "financial year to date",
        "none",
        "participants, areas",
        "target",
        "reach",
    ),
    Indicator(
        "reach.fathers",
        "Fathers reached",
        "Of parents referred in the period whose sex is stated (female, male or other), "
        "the percentage who are male.",
        "male parents referred",
        "parents referred with sex stated",
        "% (participants)",
        HIGHER,
        _REFERRAL,
        "Wilson",
        "participants",
        "proportion",
        "reach",
    ),
    Indicator(
        "reach.workless",
        "Workless households reached",
        "Of parents referred in the period whose household's work status is stated, the "
        "percentage in a workless household.",
        "parents in workless households",
        "parents referred with workless_household stated",
        "% (participants)",
        HIGHER,
        _REFERRAL,
        "Wilson",
        "participants",
        "proportion",
        "reach",
    ),
    Indicator(
        "reach.breakdown",
        "Who is referred",
        "Of all parents referred in the period, the percentage in each category of a "
        "characteristic (not_stated is a category). The category is written "
        "<characteristic>:<category>, for example sex:male.",
        "parents referred in the category",
        "all parents referred",
        "% (participants)",
        NONE,
        _REFERRAL,
        "Wilson",
        "participants",
        "breakdown",
        "reach",
    ),
)


_UPTAKE = (
    Indicator(
        "uptake.start",
        "Offers taken up",
        "Of episodes offered in the period whose answer is known (status not 'offered'), "
        "the percentage started (started, completed or dropped out).",
        "episodes started",
        "episodes offered in the period with a known answer",
        "% (episodes)",
        HIGHER,
        "quarter or financial year of offered_date",
        "Wilson",
        _EPISODES,
        "proportion",
        "uptake",
        by_intervention=True,
    ),
    Indicator(
        "uptake.completion",
        "Completion",
        "Of episodes that ended in the period (completed or dropped out, by end date), "
        "the percentage completed: the completion rate (not the referral-to-completion "
        "funnel's completed stage, which follows the parents referred in a period).",
        "episodes completed",
        "episodes that ended in the period",
        "% (episodes)",
        HIGHER,
        "quarter or financial year of end_date",
        "Wilson",
        _EPISODES,
        "proportion",
        "uptake",
        by_intervention=True,
    ),
    Indicator(
        "uptake.days_to_start",
        "Days from referral to start",
        "Median days from referral to the participant's first start date, for "
        "participants whose first start is in the period; lower and upper give the "
        "interquartile range (25th and 75th percentiles), not a confidence interval.",
        "none",
        "participants whose first start is in the period",
        "days (median)",
        LOWER,
        "quarter or financial year of the first start_date",
        "interquartile range",
        "participants, interventions",
        "median",
        "uptake",
    ),
    Indicator(
        "uptake.attendance",
        "Sessions attended",
        "Of episodes that ended in the period, the mean of sessions attended divided by "
        "sessions planned per episode, as a percentage.",
        "none (a mean)",
        "episodes that ended in the period",
        "% (mean per episode)",
        HIGHER,
        "quarter or financial year of end_date",
        "Student's t",
        _EPISODES,
        "mean",
        "uptake",
        by_intervention=True,
    ),
    Indicator(
        "uptake.both_parents",
        "Both parents engaged",
        "Of families with a participant whose first start date is in the period, the "
        "percentage in which two or more parents had started by the period's end.",
        "families with two or more parents started",
        "families with a participant whose first start is in the period",
        "% (families)",
        HIGHER,
        "quarter or financial year of the first start_date",
        "Wilson",
        "participants, interventions",
        "proportion",
        "uptake",
    ),
    Indicator(
        "uptake.funnel",
        "Referral to completion",
        "Parents referred in the period (a cohort), and of them how many were offered, "
        "started and completed an intervention by the date of the current return; by "
        "intervention a parent counts once per intervention, in all once. The category "
        "is the stage; the value is the percentage of the previous stage (so its completed "
        "stage is a cohort's completion, not the completion rate).",
        "parents at the stage",
        "parents at the previous stage",
        "count and % of previous stage",
        NONE,
        _REFERRAL,
        "none",
        "participants, interventions",
        "funnel",
        "uptake",
        by_intervention=True,
    ),
)


def _outcomes() -> list[Indicator]:
    """The outcome indicators of every measure in the reference tables, measure by measure."""
    return [i for m in load_reference().measures.values() for i in _measure_indicators(m)]


# Over 80 lines: a table of literal definitions, one entry per outcome indicator of a measure,
# read top to bottom like the other indicators'; split, it would only scatter the catalogue.
def _measure_indicators(m: Measure) -> list[Indicator]:
    """The outcome indicators of one measure, ``outcome.<measure>.<suffix>``."""
    direction = HIGHER if m.higher_is == "better" else LOWER
    nm = m.name
    paired = f"completed episodes ending in the period with baseline and exit scores on {m.code}"
    case = (
        f"paired episodes at caseness at baseline ({m.code} {m.caseness_operator} "
        f"{m.caseness_value:g})"
    )
    rci = f"reliable change index {m.rci:g} points"

    def ind(
        suffix: str,
        name: str,
        definition: str,
        num: str,
        den: str,
        unit: str,
        pol: str,
        method: str,
        kind: str,
    ) -> Indicator:
        return Indicator(
            f"outcome.{m.code}.{suffix}",
            name,
            definition,
            num,
            den,
            unit,
            pol,
            "quarter or financial year of the end_date of completed episodes",
            method,
            "interventions, outcomes, measures",
            kind,
            "outcomes",
            by_intervention=True,
            measure=m.code,
        )

    out = [
        ind(
            "paired",
            f"Paired outcome completeness: {nm}",
            f"Of completed episodes ending in the period that have a baseline score on "
            f"{m.code}, the percentage that also have an exit score.",
            "episodes with baseline and exit",
            "completed episodes with a baseline",
            "% (episodes)",
            HIGHER,
            "Wilson",
            "proportion",
        ),
        ind(
            "change",
            f"Mean change: {nm}",
            f"Mean of exit minus baseline score on {m.code} ({m.construct}; higher is "
            f"{m.higher_is}), over {paired}.",
            "none (a mean)",
            paired,
            "points",
            direction,
            "Student's t",
            "mean",
        ),
        ind(
            "effect_size",
            f"Standardised response mean: {nm}",
            "Mean change divided by the standard deviation of change. Not Cohen's d: the "
            "0.2 / 0.5 / 0.8 rules of thumb do not apply.",
            "none",
            paired,
            "ratio",
            direction,
            "none",
            "ratio",
        ),
        ind(
            "reliable_improvement",
            f"Reliable improvement: {nm}",
            f"Of {paired}, the percentage whose improvement is at least the {rci}.",
            "episodes reliably improved",
            paired,
            "% (episodes)",
            HIGHER,
            "Wilson",
            "proportion",
        ),
        ind(
            "reliable_deterioration",
            f"Reliable deterioration: {nm}",
            f"Of {paired}, the percentage whose worsening is at least the {rci}.",
            "episodes reliably deteriorated",
            paired,
            "% (episodes)",
            LOWER,
            "Wilson",
            "proportion",
        ),
        ind(
            "recovery",
            f"Recovery: {nm}",
            f"Of {case}, the percentage not at caseness at exit.",
            "episodes recovered",
            case,
            "% (episodes)",
            HIGHER,
            "Wilson",
            "proportion",
        ),
        ind(
            "reliable_recovery",
            f"Reliable recovery: {nm}",
            f"Of {case}, the percentage recovered and reliably improved ({rci}).",
            "episodes recovered and reliably improved",
            case,
            "% (episodes)",
            HIGHER,
            "Wilson",
            "proportion",
        ),
    ]
    for months in (6, 12):
        out += [
            ind(
                f"sustained_{months}m",
                f"Change sustained at {months} months: {nm}",
                f"Of completed episodes ending in the period with baseline and "
                f"followup_{months}m scores on {m.code}, the mean change from baseline.",
                "none (a mean)",
                f"episodes with baseline and followup_{months}m scores",
                "points",
                direction,
                "Student's t",
                "mean",
            ),
            ind(
                f"followup_{months}m_response",
                f"Follow-up response at {months} months: {nm}",
                f"Of completed episodes ending in the period with a baseline on {m.code}, the "
                f"percentage with a followup_{months}m score.",
                f"episodes with a followup_{months}m score",
                "completed episodes with a baseline",
                "% (episodes)",
                HIGHER,
                "Wilson",
                "proportion",
            ),
        ]
    return out


@cache
def indicators() -> dict[str, Indicator]:
    """Every indicator, by id, in display order."""
    return {i.id: i for i in (*_REACH, *_UPTAKE, *_outcomes())}


def breakdown_categories() -> dict[str, tuple[str, ...]]:
    return dict(BREAKDOWNS)


CAVEATS = (
    "Regression to the mean: recovery is computed among those at caseness at baseline, who tend "
    "to score nearer the average next time whatever the support.",
    "Follow-up attrition: parents who answer a 6- or 12-month follow-up may differ from those "
    "who do not.",
    "The programme benchmark includes the area itself; with few areas this understates "
    "differences for the largest ones.",
    "Cut-offs, reliable change indices and targets are partly programme assumptions (see the "
    "source column of the reference tables); families per area are approximate.",
    "Figures for past periods are revised when a later cumulative return arrives.",
    "A numerator close to its denominator is not protected (95 of 100 completed reveals that 5 "
    "did not).",
)

#: What ``indicator_caveats`` adds for every indicator (the revisions of cumulative returns).
_ALWAYS = CAVEATS[4]


def indicator_caveats(ind: Indicator) -> tuple[str, ...]:
    """The caveats (``CAVEATS``, and the two completion figures told apart) that apply to one
    indicator, shown beside its charts ("About this indicator")."""
    suffix = ind.id.rsplit(".", 1)[-1]
    out: list[str] = []
    if suffix in ("recovery", "reliable_recovery"):
        out.append(CAVEATS[0])
    if suffix.startswith(("sustained_", "followup_")):
        out.append(CAVEATS[1])
    if ind.polarity != NONE and ind.kind in ("proportion", "rate", "mean"):
        out.append(CAVEATS[2])
    if ind.id in ("reach.family_rate", "reach.target") or ind.measure:
        out.append(CAVEATS[3])
    if ind.id == "uptake.completion":
        out.append(
            "The completion rate counts episodes that ended in the period; it is not the "
            "referral-to-completion funnel's last stage (parents referred in the period who "
            "started and have completed by now)."
        )
    if ind.id == "uptake.funnel":
        out.append(
            "Its last stage (of parents who started, the percentage who completed by now) "
            "follows a cohort of referrals; it is not the completion rate, which counts "
            "episodes that ended in the period."
        )
    out.append(_ALWAYS)
    return tuple(out)
