"""The overview's headline cards: the programme's figure for the period, with the change from the
same period a year earlier in words.

Pure: engine rows (``IndicatorData.rows(...).rows``) in, ``Headline`` words out. The one statistic
made here is the year-on-year test of a headline proportion, from the engine's numerators and
denominators (statsmodels' Newcombe interval).
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import confint_proportions_2indep

from dashboard.present.words import count_words, fmt, period_label
from lfo.indicators.definitions import indicators
from lfo.indicators.indicator import HIGHER, LOWER, Indicator
from lfo.periods import FinancialYear, Quarter, period
from lfo.terms import PROGRAMME

#: Headline cards, in order, with their titles (the indicator's full name is shown beneath).
HEADLINE_TITLES = {
    "reach.target": "Families reached against target",
    "uptake.start": "Start rate",
    "uptake.completion": "Completion rate",
    "outcome.csi4.reliable_improvement": "Relationship quality reliably improved",
}
HEADLINE_INDICATORS = tuple(HEADLINE_TITLES)
HEADLINE_CI = 95.0
MINUS = "\u2212"
#: What a headline card or a grid cell says for a figure that is missing (short words: the
#: grid's caption and the definitions say what [c], [x] and [z] mean).
SHORT_STATUS_WORDS = {"c": "suppressed", "x": "not available", "z": "not applicable"}


def previous_year(code: str) -> str:
    """The same period a year earlier: a quarter four quarters back, or the year before."""
    p = period(code)
    if isinstance(p, Quarter):
        return (p - 4).label
    return FinancialYear(p.fy - 1).label


@dataclass(frozen=True)
class YearOnYear:
    """The change from the same period a year earlier, for a proportion (percentage points)."""

    difference: float
    lower: float
    upper: float

    @property
    def significant(self) -> bool:
        return bool(self.lower > 0 or self.upper < 0)


def year_on_year(
    num_now: float, den_now: float, num_before: float, den_before: float, confidence: float = 0.95
) -> YearOnYear | None:
    """Difference of two independent proportions (now − before, in percentage points) with its
    Newcombe hybrid score interval (method 10, from Wilson intervals), via statsmodels.

    Significant when the interval excludes 0. None when a count is missing or a denominator is 0.
    """
    values = np.array([num_now, den_now, num_before, den_before], dtype=float)
    if not np.all(np.isfinite(values)) or den_now <= 0 or den_before <= 0:
        return None
    lo, hi = confint_proportions_2indep(
        num_now,
        den_now,
        num_before,
        den_before,
        method="newcomb",
        compare="diff",
        alpha=1 - confidence,
    )
    diff = num_now / den_now - num_before / den_before
    return YearOnYear(float(diff) * 100, float(lo) * 100, float(hi) * 100)


@dataclass(frozen=True)
class Headline:
    indicator: str
    name: str
    period: str
    value_text: str  # "56%" or "suppressed"
    interval_text: str | None  # "95% CI 53% to 59%"
    counts_text: str | None  # "1,234 of 2,200 episodes"
    change_text: str  # the comparison with a year earlier, in words
    pooled_text: str | None
    title: str  # the card's title ("Completion rate")


#: The last frame ``_row`` indexed (a weak reference, its length) and its index: the headline
#: cards ask for eight rows of one frame, found by position rather than eight filters.
_last_rows: tuple[weakref.ref[pd.DataFrame], int, dict[tuple[str, str, str], int]] | None = None


def _row(rows: pd.DataFrame, indicator: str, code: str) -> pd.Series | None:
    """The first row of the programme's ``indicator`` in period ``code``, or None."""
    global _last_rows
    n, last = len(rows), _last_rows
    positions: dict[tuple[str, str, str], int]
    if last is not None and last[1] == n and last[0]() is rows:
        positions = last[2]
    else:
        positions = {}
        keys = zip(
            rows["indicator"].to_numpy(),
            rows["area_code"].to_numpy(),
            rows["period"].to_numpy(),
            strict=True,
        )
        for i, key in enumerate(keys):
            positions.setdefault(key, i)
        _last_rows = (weakref.ref(rows), n, positions)
    at = positions.get((indicator, PROGRAMME, code))
    return None if at is None else rows.iloc[at]


def has_value(row: pd.Series | None) -> bool:
    """Whether an engine row holds a figure to show (not missing, whatever the reason)."""
    return row is not None and row["status"] not in ("c", "x", "z") and pd.notna(row["value"])


def headline(rows: pd.DataFrame, indicator: str, code: str) -> Headline:
    """A headline card's words for the programme's ``indicator`` in period ``code``, with the
    change from the same period a year earlier (``rows`` must hold both periods, 95% intervals)."""
    ind = indicators()[indicator]
    title = HEADLINE_TITLES.get(indicator, ind.name)
    before = previous_year(code)
    now, then = _row(rows, indicator, code), _row(rows, indicator, before)
    shown = period_label(code)
    if now is None or not has_value(now):
        status = None if now is None else now["status"]
        words = SHORT_STATUS_WORDS.get(status, "not available")  # type: ignore[arg-type]
        return Headline(
            indicator,
            ind.name,
            code,
            words,
            None,
            None,
            f"No programme figure for {shown} ({words}).",
            None,
            title,
        )
    interval = None
    if ind.has_interval and pd.notna(now["lower"]) and pd.notna(now["upper"]):
        interval = f"95% CI {fmt(now['lower'], ind)} to {fmt(now['upper'], ind)}"
    pooled = None
    if pd.notna(now.get("areas_pooled")):
        n = int(now["areas_pooled"])
        pooled = f"Pools the {count_words(n, 'area')} whose returns cover {shown}."
    return Headline(
        indicator,
        ind.name,
        code,
        fmt(now["value"], ind),
        interval,
        _counts_text(now, ind),
        change_sentence(now, then, ind, period_label(before)),
        pooled,
        title,
    )


def _counts_text(row: pd.Series, ind: Indicator) -> str | None:
    if pd.isna(row["numerator"]) or pd.isna(row["denominator"]):
        return None
    num, den = fmt(row["numerator"], "count"), fmt(row["denominator"], "count")
    if ind.kind == "target":
        return (
            f"{num} families referred in the financial year to date, against a pro-rata "
            f"target of {den}"
        )
    unit = ind.unit.split("(")[-1].rstrip(")") if "(" in ind.unit else "cases"
    return f"{num} of {den} {unit}"


def change_sentence(now: pd.Series, then: pd.Series | None, ind: Indicator, before: str) -> str:
    """ "Up from 52% (95% CI 49% to 55%) in 2017-18 Q4; the change of 4 points (95% CI 1 to 7) is
    significant." — a Newcombe interval for proportions, no test for a figure without one."""
    if then is None or not has_value(then):
        status = None if then is None else then["status"]
        missing = SHORT_STATUS_WORDS.get(status, "no data")  # type: ignore[arg-type]
        return f"No figure for {before} to compare with ({missing})."
    v_now, v_then = float(now["value"]), float(then["value"])
    then_text = fmt(v_then, ind)
    if ind.has_interval and pd.notna(then["lower"]):
        then_text += f" (95% CI {fmt(then['lower'], ind)} to {fmt(then['upper'], ind)})"
    if fmt(v_now, ind) == fmt(v_then, ind):
        opening = f"The same as in {before}, {then_text}"
    else:
        opening = f"{'Up' if v_now > v_then else 'Down'} from {then_text} in {before}"
    pooled_now, pooled_then = now.get("areas_pooled"), then.get("areas_pooled")
    if pd.notna(pooled_now) and pd.notna(pooled_then) and pooled_now != pooled_then:
        opening += f", when {int(pooled_then)} areas' returns covered the period"
    if ind.kind != "proportion":
        return f"{opening}; no significance test for this figure."
    change = year_on_year(
        now["numerator"], now["denominator"], then["numerator"], then["denominator"]
    )
    if change is None:
        return f"{opening}."
    verdict = "is significant" if change.significant else "is not significant"
    size = fmt(abs(change.difference), "points")
    points = (
        f"{'rise' if change.difference >= 0 else 'fall'} of {size} percentage points "
        f"(95% CI {_signed(change.lower)} to {_signed(change.upper)})"
    )
    judgement = ""
    if change.significant and ind.polarity in (HIGHER, LOWER):
        better = (change.difference > 0) == (ind.polarity == HIGHER)
        judgement = f": {'better' if better else 'worse'} than a year earlier"
    return f"{opening}; the {points} {verdict}{judgement}."


def _signed(x: float) -> str:
    """A difference with its sign written out: "−6.1", "+0.7" (U+2212 minus)."""
    text = fmt(abs(x), "points")
    if text == fmt(0.0, "points"):
        return text
    return ("+" if x > 0 else MINUS) + text
