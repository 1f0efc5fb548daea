"""The area profile's spine and the stages of referral to completion in words: part of the chart
kit's summaries (``dashboard.charts.text`` and its house rules: two sentences at most, the period
the chart shows, every better / worse with its confidence level).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.charts.text import (
    FEW_NAMES,
    TREND_CI,
    _area,
    _get,
    _records,
    _sentence,
    comparison_groups,
    in_words,
)
from dashboard.present.words import (
    PROGRAMME_NAME,
    confidence_words,
    count_words,
    fmt,
    join_names,
)
from lfo.terms import PROGRAMME


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
    parts = comparison_groups(comparison, frame["name"], ci, benchmark_name)
    first = f"Of {count_words(len(frame), 'indicator')} for {area_name} in {when}, "
    first += (", ".join(parts) if parts else f"none could be compared with {benchmark_name}") + "."
    judged = frame["trend_judgement"] if "trend_judgement" in frame else pd.Series(dtype=object)
    rest: list[str] = []
    trend_level = f"over the last five quarters {confidence_words(TREND_CI)}"
    for judgement in ("getting worse", "getting better"):
        names = _names(frame, judged == judgement)
        if names:
            rest.append(f"{judgement} {trend_level}: {join_names(names)}")
    gaps = (
        ("suppressed ([c])", "suppressed ([c])", ["c"]),
        ("no figure", "with no figure", ["x", "z"]),
    )
    for listed, counted, statuses in gaps:
        names = _names(frame, frame["status"].isin(statuses))
        if len(names) > FEW_NAMES:  # many: counted, the table names them
            rest.append(f"{len(names)} {counted}, marked in the table")
        elif names:
            rest.append(f"{listed}: {join_names(names)}")
    if compare_names:
        rest.append(
            f"{join_names(list(compare_names))} marked on each row, their figures in the table"
        )
    if not rest:
        return first
    second = "; ".join(rest)
    return f"{first} {second[:1].upper()}{second[1:]}."


#: The stages of referral to completion (``uptake.funnel``'s categories), in order.
STAGES = ("referred", "offered", "started", "completed")


def describe_stages(
    rows: pd.DataFrame, codes: Sequence[str], *, title: str = "Referral to completion"
) -> str:
    """Referral to completion for each of ``codes`` (areas, the programme), in two sentences.

    "Referral to completion in 2018-19 Q4. Blackpool: 40 referred, 38 offered (95% of
    referred), 30 started (79% of offered), completed [c]; the programme: …."
    """
    df = _records(rows)
    period = in_words(df["period"].iloc[0]) if len(df) and "period" in df else ""
    head = f"{title} in {period}" if period else title
    lines = []
    for code in codes:
        own = df[df["area_code"] == code].set_index("category")
        if own.empty:
            continue
        name = PROGRAMME_NAME if code == PROGRAMME else _area(own.iloc[0])
        parts = []
        for k, stage in enumerate(STAGES):
            r = own.loc[stage] if stage in own.index else None
            status = None if r is None else _get(r, "status")
            if r is None or status or _get(r, "numerator") is None:
                parts.append(f"{stage} [{status or 'x'}]")
                continue
            words = f"{fmt(r['numerator'], 'count')} {stage}"
            if k and _get(r, "value") is not None:
                words += f" ({fmt(r['value'], '%')} of {STAGES[k - 1]})"
            parts.append(words)
        lines.append(f"{name}: {', '.join(parts)}")
    if not lines:
        return f"There are no figures for {title.lower()} for the areas and period chosen."
    return f"{head}. {_sentence(lines)}"
