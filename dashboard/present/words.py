"""The dashboard's words for figures: one home for how a number, a unit, a period, a category
and a list of names read on a page, in a chart's summary and in an export.

Numbers are rounded for display only (``lfo.indicators.compare.format_value``); nothing here
computes a figure. Period codes are parsed in ``lfo.periods`` (its ``option_label`` and
``in_words`` say how a period reads in a select and in a sentence).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import pandas as pd

from lfo.indicators.compare import format_value
from lfo.indicators.indicator import Indicator

#: The programme (all covered areas pooled) in a sentence.
PROGRAMME_NAME = "the programme"
_WORDS = {
    1: "one",
    2: "two",
    3: "three",
    4: "four",
    5: "five",
    6: "six",
    7: "seven",
    8: "eight",
    9: "nine",
    10: "ten",
    11: "eleven",
    12: "twelve",
}
#: What each status symbol (``lfo.terms``: GSS symbols for a missing figure) says, in a phrase.
STATUS_WORDS = {
    "c": "suppressed to protect confidentiality",
    "x": "not available",
    "z": "not applicable",
}
#: The key to the symbols, one sentence each: under every chart ("About this indicator"), on
#: the definitions page and in docs/words.md. ``{threshold}`` is the suppression threshold.
STATUS_KEY = {
    "c": (
        "Suppressed to protect confidentiality: the figure rests on fewer than {threshold} "
        "people or episodes, or would let such a figure be worked out."
    ),
    "x": (
        "Not available: no return covers the period, there is nothing to count, or too few "
        "quarters for a trend."
    ),
    "z": (
        "Not applicable: the figure is not defined here, for example a yearly rate for a "
        "quarter or a better/worse comparison for a count."
    ),
}
#: The suppression threshold the key names when a chart does not carry its own.
DEFAULT_THRESHOLD = 10
#: How an interval method reads under a chart (the methods in full: the definitions page).
METHOD_WORDS = {
    "Wilson": "Wilson score interval (a percentage)",
    "Byar": "Byar's approximation to the exact Poisson interval (a rate)",
    "Student's t": "Student's t interval (a mean)",
    "interquartile range": "interquartile range (25th to 75th percentile), not a confidence "
    "interval",
    "none": "no interval",
}
#: How a comparison is judged, for the "About this indicator" panel.
COMPARISON_METHOD = (
    "better or worse than the benchmark when the interval lies wholly on one side of it, "
    "similar when it touches or contains it"
)


# --- small helpers (public: page authors use them for their own words and tables) -------------


def display_unit(indicator: Indicator | str) -> tuple[str, int | None]:
    """``(unit, dp)`` for ``compare.format_value`` from an indicator (or its unit text)."""
    unit = indicator if isinstance(indicator, str) else indicator.unit
    unit = unit.strip().lower()
    if unit.startswith(("%", "count and %")):
        return "%", None
    if unit.startswith("count"):
        return "count", None
    if unit.startswith("rate"):
        return "rate", None
    if unit.startswith("days"):
        return "days", None
    if unit.startswith("points"):
        return "points", None
    if unit.startswith("ratio"):
        return "rate", 2
    return "rate", None


def possessive(name: str) -> str:
    """ "the programme" → "the programme's"; "its neighbours" → "its neighbours'"."""
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def confidence_words(ci: float) -> str:
    """ "at 95% confidence" (99.8 → "at 99.8% confidence"): every better/worse label says it."""
    level = format_value(ci, "rate", 0 if float(ci).is_integer() else 1)
    return f"at {level}% confidence"


def status_key(threshold: int | None = None) -> list[tuple[str, str]]:
    """``[("[c]", "Suppressed …"), ("[x]", …), ("[z]", …)]``: the key to the symbols."""
    t = DEFAULT_THRESHOLD if threshold is None else threshold
    return [(f"[{code}]", text.format(threshold=t)) for code, text in STATUS_KEY.items()]


def fmt(value: Any, indicator: Indicator | str) -> str:
    """One figure as display text in the indicator's unit ("41%", "1,234", "3.2")."""
    unit, dp = display_unit(indicator)
    return format_value(value, unit, dp)


def period_label(code: Any) -> str:
    """A period code as it reads in a table or chart: "2018-19_Q4" → "2018-19 Q4"; a financial
    year stays as it is ("2018-19"); nothing for a missing value."""
    return "" if is_missing(code) else str(code).replace("_", " ")


def category_label(category: Any) -> str:
    """ "sex:male" → "Male"; "ethnicity:not_stated" → "Not stated"; None → ""."""
    if is_missing(category):
        return ""
    text = str(category).split(":", 1)[-1].replace("_", " ")
    return text[:1].upper() + text[1:]


def join_names(names: Sequence[str]) -> str:
    """ "A", "A and B", "A, B and C"."""
    names = [str(n) for n in names]
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def count_words(n: int, singular: str, plural: str | None = None) -> str:
    """ "1 area", "3 areas"."""
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"


def is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
