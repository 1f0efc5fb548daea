"""Plain-English summaries of engine rows: the text alternative of every chart.

Numbers are rounded for display only, by ``compare.format_value``; nothing here computes a figure:
values, intervals, comparisons and trends all come from the engine's rows.

House rules (issue 11, docs/decisions.md "Issue 11 — Chart summaries"): a summary is at most two
sentences; it names the period (or periods) the chart draws and quotes the chart's own figures;
every better / worse (or higher / lower) words say the confidence level they were judged at
(``ci``; a recent trend is always tested at 99.8%).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import pandas as pd

from dashboard.present.words import (
    PROGRAMME_NAME,
    category_label,
    confidence_words,
    count_words,
    fmt,
    is_missing,
    join_names,
    period_label,
    possessive,
)
from lfo.indicators.indicator import Indicator
from lfo.indicators.trend import ALPHA
from lfo.periods import period as parse_period
from lfo.terms import PROGRAMME

#: The confidence level a recent trend is tested at (p < ``ALPHA``): 99.8.
TREND_CI = round(100 * (1 - ALPHA), 1)


def in_words(code: Any) -> str:
    """A period code as a sentence names it ("2018-19 Q4", "financial year 2018-19"), as the
    charts' titles do (``lfo.periods``); a code that is not a period is shown as it is."""
    try:
        return parse_period(str(code)).in_words
    except ValueError:
        return period_label(code)


def _get(row: Mapping[str, Any] | pd.Series, key: str) -> Any:
    value = row.get(key) if hasattr(row, "get") else None
    return None if is_missing(value) else value


def _area(row: Mapping[str, Any] | pd.Series) -> str:
    if _get(row, "area_code") == PROGRAMME:
        return PROGRAMME_NAME
    return str(_get(row, "area_name") or _get(row, "area_code") or "this area")


def trend_words(row: Mapping[str, Any] | pd.Series) -> str:
    """ "no significant change over the last five quarters at 99.8% confidence",
    "decreasing (getting worse) over …"."""
    direction = _get(row, "trend")
    if direction is None:
        return ""
    judgement = _get(row, "trend_judgement")
    words = f"{direction} ({judgement})" if judgement else str(direction)
    return f"{words} over the last five quarters {confidence_words(TREND_CI)}"


# --- the summaries -------------------------------------------------------------------------------


def _records(rows: pd.DataFrame | Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    return rows if isinstance(rows, pd.DataFrame) else pd.DataFrame(list(rows))


def _sentence(parts: Sequence[str]) -> str:
    """Clauses joined by semicolons as one sentence, its first letter a capital."""
    text = "; ".join(p for p in parts if p)
    return text[:1].upper() + text[1:] + "." if text else ""


#: At most this many names in a list a summary could do without (areas found similar, indicators
#: suppressed): more are counted, and the table names them (issue 11 § 11: short summaries).
FEW_NAMES = 3


def comparison_groups(
    comparison: pd.Series, names: pd.Series, ci: float, benchmark_name: str = PROGRAMME_NAME
) -> list[str]:
    """ "2 were worse than the programme at 95% confidence (Blackpool and Luton)", "8 similar",
    "1 better (Essex)": the things compared, by comparison (worst first), the level said once."""
    groups: list[str] = []
    for word in ("worse", "similar", "better", "higher", "lower"):
        these = names[comparison == word].astype(str).tolist()
        if not these:
            continue
        listed = f" ({join_names(these)})" if word != "similar" or len(these) <= FEW_NAMES else ""
        if not groups:
            link = "to" if word == "similar" else "than"
            verb = "was" if len(these) == 1 else "were"
            level = confidence_words(ci)
            groups.append(f"{len(these)} {verb} {word} {link} {benchmark_name} {level}{listed}")
        else:
            groups.append(f"{len(these)} {word}{listed}")
    return groups


def _gaps(areas: pd.DataFrame, status: pd.Series) -> list[str]:
    """ "1 area is suppressed (Westminster)", "2 areas have no figure (Leeds and Kent)"; more
    than ``FEW_NAMES`` counted only ("40 areas are suppressed, marked in the table")."""
    suppressed = areas.loc[status == "c", "area_name"].astype(str).tolist()
    missing = (
        areas.loc[status.isin(["x", "z"]) | (status.isna() & areas["value"].isna()), "area_name"]
        .astype(str)
        .tolist()
    )
    out = []
    for names, one, many in (
        (suppressed, "is suppressed", "are suppressed"),
        (missing, "has no figure", "have no figure"),
    ):
        if not names:
            continue
        said = f"{count_words(len(names), 'area')} {one if len(names) == 1 else many}"
        listed = f" ({join_names(names)})" if len(names) <= FEW_NAMES else ", marked in the table"
        out.append(said + listed)
    return out


def describe_ranking(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    ci: float = 95.0,
    benchmark_name: str = PROGRAMME_NAME,
    also: str = "",
) -> str:
    """Areas of one period against the benchmark, for caterpillar and funnel charts: two
    sentences, the comparisons (with their confidence level) then the range; ``also``: a last
    clause of the second sentence (a funnel plot's reading, say).

    "Completion in 2018-19 Q4: of 12 areas with a figure, 2 were worse than the programme at 95%
    confidence (Blackpool and Luton), 8 similar, 1 better (Essex). The highest was Essex (72%)
    and the lowest Blackpool (41%); the programme's figure was 56%; 1 area is suppressed
    (Westminster)."
    """
    df = _records(rows)
    nothing = f"There are no figures for {indicator.name} for the areas and period chosen."
    if df.empty:
        return nothing
    areas = df[df["area_code"] != PROGRAMME]
    status = areas["status"].astype(object).where(areas["status"].notna(), None)
    shown = areas[status.isna() & areas["value"].notna()]
    n = len(shown)
    period = in_words(df["period"].iloc[0]) if "period" in df else ""
    head = f"{indicator.name} in {period}: " if period else f"{indicator.name}: "
    groups = comparison_groups(shown["comparison"], shown["area_name"], ci, benchmark_name)
    if n:
        uncompared = int(shown["comparison"].isna().sum())
        if uncompared and groups:
            groups.append(f"{uncompared} not compared")
        first = f"of {count_words(n, 'area')} with a figure" + (
            ", " + ", ".join(groups) if groups else ""
        )
    else:
        first = "no area has a figure"
    rest: list[str] = []
    if n == 1:
        only = shown.iloc[0]
        rest.append(f"the figure for {only['area_name']} was {fmt(only['value'], indicator)}")
    if n > 1:
        ordered = shown.sort_values("value", kind="stable")
        low, high = ordered.iloc[0], ordered.iloc[-1]
        rest.append(
            f"the highest was {high['area_name']} ({fmt(high['value'], indicator)}) "
            f"and the lowest {low['area_name']} ({fmt(low['value'], indicator)})"
        )
    prog = df[df["area_code"] == PROGRAMME]
    owner = possessive(benchmark_name)
    if len(prog) and not is_missing(prog["value"].iloc[0]):
        rest.append(f"the programme's figure was {fmt(prog['value'].iloc[0], indicator)}")
    elif "benchmark" in areas and areas["benchmark"].notna().any():
        rest.append(f"{owner} figure was {fmt(areas['benchmark'].dropna().iloc[0], indicator)}")
    rest += _gaps(areas, status)
    if also:
        rest.append(also)
    if not n and not rest:
        return nothing
    return f"{head}{first}." + (f" {_sentence(rest)}" if rest else "")


def _line_words(own: pd.DataFrame, indicator: Indicator, name: str, step: str) -> str:
    """One line of a trend chart: "Blackpool: 50% in 2018-19 Q1 to 47% in 2018-19 Q3 (1 quarter
    without a figure), no significant change over the last five quarters at 99.8% confidence"."""
    has = own[own["value"].notna()]
    if has.empty:
        statuses = sorted(set(own["status"].dropna().astype(str)))
        return f"{name}: no figures ({'suppressed, [c]' if statuses == ['c'] else 'not available'})"
    first, last = has.iloc[0], has.iloc[-1]
    text = f"{name}: {fmt(last['value'], indicator)} in {period_label(last['period'])}"
    if len(has) > 1:
        text = (
            f"{name}: {fmt(first['value'], indicator)} in {period_label(first['period'])} "
            f"to {fmt(last['value'], indicator)} in {period_label(last['period'])}"
        )
    gaps = int(own["value"].isna().sum())
    if gaps:
        text += f" ({count_words(gaps, step)} without a figure)"
    trend = trend_words(last)
    return f"{text}, {trend}" if trend else text


def describe_trend_lines(rows: pd.DataFrame, indicator: Indicator, areas: Sequence[str]) -> str:
    """The periods drawn (quarters, or financial years), then each line's first and latest figure
    with its recent trend (the areas, then the programme): two sentences.

    "Completion by quarter, 2018-19 Q1 to 2018-19 Q3. Blackpool: 50% in 2018-19 Q1 to 47% in
    2018-19 Q3 (1 quarter without a figure); the programme: 55% in 2018-19 Q1 to 56% in 2018-19 Q3,
    no significant change over the last five quarters at 99.8% confidence."
    """
    df = _records(rows)
    nothing = f"There are no figures for {indicator.name} for the areas and periods chosen."
    if df.empty:
        return nothing
    periods = sorted(set(df["period"].dropna().astype(str)))
    step = "quarter" if any("_Q" in p for p in periods) else "financial year"
    lines = []
    codes = list(areas) + ([PROGRAMME] if PROGRAMME not in areas else [])
    for code in codes:
        own = df[df["area_code"] == code]
        if own.empty:
            continue
        name = PROGRAMME_NAME if code == PROGRAMME else str(own["area_name"].iloc[0])
        lines.append(_line_words(own, indicator, name, step))
    if not lines:
        return nothing
    span = period_label(periods[0])
    if len(periods) > 1:
        span += f" to {period_label(periods[-1])}"
    return f"{indicator.name} by {step}, {span}. {_sentence(lines)}"


def describe_categories(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    ci: float = 95.0,
    benchmark_name: str = PROGRAMME_NAME,
    title: str | None = None,
) -> str:
    """Categories of one period, each area then the programme, compactly (for bar charts): two
    sentences, the period, then the figures with the confidence level of their comparisons.

    "Who is referred in 2018-19 Q4. Compared with the programme at 95% confidence, Newcastle
    upon Tyne: Female 54% (similar), Other 0% (lower), Male and Not stated suppressed ([c]); the
    programme: Female 56%, Male 41%, Other and Not stated suppressed ([c])."

    ``title`` names the chart in place of the indicator's name ("Who is referred by sex"); for
    several indicators side by side, pass rows whose category is each indicator's label.
    """
    df = _records(rows)
    if df.empty:
        return f"There are no figures for {indicator.name} for the area and period chosen."
    period = in_words(df["period"].iloc[0]) if "period" in df else ""
    head = title or indicator.name
    head = f"{head} in {period}" if period else head
    compared = "comparison" in df and df["comparison"].notna().any()
    lead = f"Compared with {benchmark_name} {confidence_words(ci)}, " if compared else ""
    codes = [c for c in dict.fromkeys(df["area_code"]) if c != PROGRAMME]
    codes += [PROGRAMME] if (df["area_code"] == PROGRAMME).any() else []
    lines: list[str] = []
    for code in codes:
        own = df[df["area_code"] == code]
        name = PROGRAMME_NAME if code == PROGRAMME else _area(own.iloc[0])
        shown: list[str] = []
        hidden: dict[str, list[str]] = {"c": [], "x": [], "z": []}
        for _, r in own.iterrows():
            label = category_label(_get(r, "category")) or indicator.name
            status = _get(r, "status")
            if status in hidden or _get(r, "value") is None:
                hidden[status if status in hidden else "x"].append(label)
                continue
            words = f"{label} {fmt(r['value'], indicator)}"
            comparison = _get(r, "comparison")
            if comparison is not None and code != PROGRAMME:
                words += f" ({comparison})"
            shown.append(words)
        for status, why in (
            ("c", "suppressed ([c])"),
            ("x", "not available ([x])"),
            ("z", "not applicable ([z])"),
        ):
            if hidden[status]:
                shown.append(f"{join_names(hidden[status])} {why}")
        lines.append(f"{name}: {', '.join(shown)}")
    figures = f"{lead}{'; '.join(lines)}." if lead else _sentence(lines)
    return f"{head}. {figures}"


def suppression_note(rows: pd.DataFrame, threshold: int, *, left_out: bool = True) -> str | None:
    """The note naming what is suppressed, or None when nothing is.

    ``left_out`` (caterpillar and funnel charts): suppressed areas are not drawn; otherwise the
    chart and table show them as ``[c]``. Categories are named after their area.
    """
    df = _records(rows)
    if df.empty or "status" not in df:
        return None
    hit = df[df["status"].astype(object) == "c"]
    if hit.empty:
        return None
    names: dict[str, list[str]] = {}
    categories = hit["category"] if "category" in hit else pd.Series(None, index=hit.index)
    area_names = hit["area_name"] if "area_name" in hit else hit["area_code"]
    for code, name, category in zip(hit["area_code"], area_names, categories, strict=True):
        label = (
            "the programme" if code == PROGRAMME else str(name if not is_missing(name) else code)
        )
        cats = names.setdefault(label, [])
        if not is_missing(category) and category_label(category) not in cats:
            cats.append(category_label(category))
    parts = [f"{label} ({join_names(cats)})" if cats else label for label, cats in names.items()]
    tail = (
        "Suppressed areas are left out of the chart."
        if left_out
        else "They are shown as [c] in the chart and the table."
    )
    return (
        f"Figures for {join_names(parts)} are suppressed ([c]) to protect confidentiality: "
        f"they rest on fewer than {threshold} people or episodes, or would let such a figure "
        f"be worked out. {tail}"
    )
