"""The area profile's spine in words: part of the chart kit's summaries (``dashboard.charts.text``
and its house rules: two sentences at most, the period the chart shows, every better / worse with
its confidence level).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.charts.text import TREND_CI, in_words
from dashboard.present.words import (
    PROGRAMME_NAME,
    confidence_words,
    count_words,
    join_names,
)


def _names(frame: pd.DataFrame, mask: pd.Series) -> list[str]:
    return [str(n) for n in frame.loc[mask, "name"]]


def describe_profile(
    frame: pd.DataFrame,
    area_name: str,
    period: str,
    compare_names: Sequence[str] = (),
    *,
    ci: float = 95.0,
    benchmark_name: str = PROGRAMME_NAME,
) -> str:
    """The spine of one area in one period: its comparisons with the benchmark (at ``ci``),
    then its recent trends (tested at 99.8%), what has no figure and the areas compared.

    ``frame``: one row per indicator with ``name``, ``value``, ``status``, ``comparison`` and
    ``trend_judgement`` (``dashboard.present.area_spine.spine_frame``).

    "Of 19 indicators for Blackpool in financial year 2018-19, 2 were worse than the programme
    at 95% confidence (Completion and Sessions attended), 1 better (Fathers reached), 4 similar.
    Getting worse over the last five quarters at 99.8% confidence: Completion; suppressed ([c]):
    Recovery; no figure: …; Newcastle upon Tyne marked on each row, their figures in the table."
    """
    when = in_words(period)
    if frame.empty:
        return f"There are no figures for {area_name} in {when}."
    shown = frame["status"].isna() & frame["value"].notna()
    comparison = frame["comparison"].where(shown, None)
    parts: list[str] = []
    for word in ("worse", "better", "similar", "higher", "lower"):
        names = _names(frame, comparison == word)
        if not names:
            continue
        listed = f" ({join_names(names)})" if word != "similar" or len(names) <= 3 else ""
        if not parts:
            link = "to" if word == "similar" else "than"
            verb = "was" if len(names) == 1 else "were"
            level = confidence_words(ci)
            parts.append(f"{len(names)} {verb} {word} {link} {benchmark_name} {level}{listed}")
        else:
            parts.append(f"{len(names)} {word}{listed}")
    first = f"Of {count_words(len(frame), 'indicator')} for {area_name} in {when}, "
    first += (", ".join(parts) if parts else f"none could be compared with {benchmark_name}") + "."
    judged = frame["trend_judgement"] if "trend_judgement" in frame else pd.Series(dtype=object)
    rest: list[str] = []
    trend_level = f"over the last five quarters {confidence_words(TREND_CI)}"
    for judgement in ("getting worse", "getting better"):
        names = _names(frame, judged == judgement)
        if names:
            rest.append(f"{judgement} {trend_level}: {join_names(names)}")
    suppressed = _names(frame, frame["status"] == "c")
    if suppressed:
        rest.append(f"suppressed ([c]): {join_names(suppressed)}")
    missing = _names(frame, frame["status"].isin(["x", "z"]))
    if missing:
        rest.append(f"no figure: {join_names(missing)}")
    if compare_names:
        rest.append(
            f"{join_names(list(compare_names))} marked on each row, their figures in the table"
        )
    if not rest:
        return first
    second = "; ".join(rest)
    return f"{first} {second[:1].upper()}{second[1:]}."
