"""A topic page's words and table columns for a group benchmark (issue 11 § 6): when the areas
are compared with their statistical neighbours or their regions, the subtitle says so, and the
table twin of the areas ranked gives each area's benchmark figure (or ``[c]`` with the reason,
never a figure the spec suppresses) and names the areas it pools ("Compared with").

Pure: the figures are the engine's (``benchmark``, ``benchmark_status``), the members
``lfo.indicators.benchmarks.groups``'.
"""

from __future__ import annotations

import pandas as pd

from dashboard.charts.frame import AREA_CODE, PERIOD_CODE, STATUS
from dashboard.present import benchmark as bench
from dashboard.present.topic_filters import Filters
from dashboard.present.words import fmt, join_names
from lfo.indicators.benchmarks import groups
from lfo.terms import PROGRAMME

#: The table's column of the members pooled.
MEMBERS_COLUMN = "Compared with"


def compared_words(f: Filters) -> str:
    """The subtitle's clause for a group benchmark: "compared with their statistical
    neighbours; " ("" for the programme)."""
    if f.benchmark == bench.DEFAULT_BENCHMARK:
        return ""
    return f"compared with {bench.their(f.benchmark)}; "


def not_compared_line(rows: pd.DataFrame, kind: str) -> str | None:
    """The chart's note naming the areas with a figure that are not compared because their
    group benchmark has none, with the reason: "Not compared with their statistical neighbours:
    Croydon and Essex, the group's figure [c] suppressed: a member's figure is suppressed, so
    the group's total would reveal it." None when every area with a figure is compared, and for
    the programme (its own [c] is said by the suppression note)."""
    if bench.checked(kind) == bench.DEFAULT_BENCHMARK or "benchmark_status" not in rows:
        return None
    areas = rows[rows["area_code"] != PROGRAMME]
    with_figure = areas[pd.to_numeric(areas["value"], errors="coerce").notna()]
    lines = []
    for status, group in with_figure.groupby("benchmark_status", sort=True):
        reason = bench.missing_reason(status)
        if reason:
            names = join_names(sorted(str(n) for n in group["area_name"]))
            lines.append(
                f"Not compared with {bench.their(kind)}: {names}, the group's figure {reason}."
            )
    return " ".join(lines) or None


def benchmark_cell(value: object, status: object, unit: str) -> str:
    """A group benchmark's figure in its unit, or its status with the reason."""
    reason = bench.missing_reason(status)
    if reason:
        return reason
    text = fmt(value, unit)
    return text or "[x]"


def group_columns(
    table: pd.DataFrame, rows: pd.DataFrame, kind: str, areas: pd.DataFrame, unit: str
) -> pd.DataFrame:
    """``table`` (``plotted_table`` of ``rows``, row for row) with each area's group benchmark
    (its figure, or ``[c]`` / ``[x]`` / ``[z]`` and why) and the members it pools, by name."""
    members = groups(areas, kind)
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    figures, pooled = [], []
    for r in rows.to_dict("records"):
        code = r.get("area_code")
        if code == PROGRAMME:
            figures.append("")
            pooled.append("")
            continue
        figures.append(benchmark_cell(r.get("benchmark"), r.get("benchmark_status"), unit))
        named = [names.get(c, c) for c in members.get(str(code), ())]
        pooled.append(join_names(named) if named else "no group [z]")
    out = table.copy()
    out.attrs = dict(table.attrs)
    hidden = [i for i, c in enumerate(out.columns) if c in (AREA_CODE, PERIOD_CODE, STATUS)]
    at = hidden[0] if hidden else len(out.columns)
    out.insert(at, f"Benchmark ({bench.LABELS[kind].lower()})", figures)
    out.insert(at + 1, MEMBERS_COLUMN, pooled)
    return out
