"""The table twin's frame: exactly the plotted numbers, as a DataFrame (pure data, no Dash).

``plotted_table`` turns engine rows into the twin's display frame, which is also what the downloads
carry; ``display_cells`` is its display text (numbers formatted for display only, by
``compare.format_value``; the unrounded values go to the downloads). A ``status`` column (c / x / z)
is not shown as a column: its code replaces the row's missing numbers as ``[c]``, ``[x]`` or
``[z]``, and ``STATUS_KEY`` says what each means.

The frame also carries each row's codes for the downloads, which the twin does not show
(``CODE_COLUMNS``): ``area_code`` (the engine's code of the row's area; ``programme`` for the
programme) and ``period_code`` (the row's period code, where the table has a period column). The
CSV writes them as ``area_code`` and ``period`` on every row; the twin and the spreadsheet's
table show the names and labels beside them instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from dashboard.present.words import category_label, display_unit, period_label
from lfo.indicators.compare import format_value
from lfo.indicators.indicator import Indicator
from lfo.terms import NOT_APPLICABLE, NOT_AVAILABLE, PROGRAMME, PROGRAMME_LABEL, SUPPRESSED

STATUS = "status"
#: The GSS shorthand used in tables and downloads.
STATUS_KEY = {
    SUPPRESSED: "[c] confidential: suppressed to protect confidentiality",
    NOT_AVAILABLE: "[x] not available",
    NOT_APPLICABLE: "[z] not applicable",
}
#: The row codes a table carries for its downloads but does not show (see the module docstring).
AREA_CODE = "area_code"
PERIOD_CODE = "period_code"
CODE_COLUMNS = (AREA_CODE, PERIOD_CODE)
#: ``df.attrs[UNITS]``: display unit (``format_value`` unit, or an indicator unit text) per column.
UNITS = "units"


#: What the areas' rows were compared with (their ``benchmark_kind``), as a column says it.
_BENCHMARK_WORDS = {"neighbours": "their statistical neighbours", "region": "their regions"}


def _benchmark_of(rows: pd.DataFrame) -> str:
    """ "the programme", or the group benchmark the areas' rows carry (``benchmark_kind``)."""
    if "benchmark_kind" in rows and "area_code" in rows:
        kinds = set(rows.loc[rows["area_code"] != PROGRAMME, "benchmark_kind"].dropna())
        if len(kinds) == 1:
            return _BENCHMARK_WORDS.get(str(kinds.pop()), "the programme")
    return "the programme"


def plotted_table(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    ci: float = 95.0,
    columns: Sequence[str] = (
        "area_name",
        "period",
        "category",
        "value",
        "lower",
        "upper",
        "numerator",
        "denominator",
        "comparison",
        "trend",
        "return_period",
    ),
) -> pd.DataFrame:
    """Engine rows → the twin's display frame (and the downloads' data), one row per row given.

    Only the engine columns named in ``columns`` that carry something are kept; ``status`` always
    travels, and so do the rows' area and period codes (``CODE_COLUMNS``, not shown). Column names
    say the unit ("Value (%)"); ``attrs["units"]`` records it for display.
    """
    unit, _ = display_unit(indicator)
    unit_word = {"%": "%", "count": "number", "days": "days", "points": "points"}.get(unit)
    suffix = f" ({unit_word})" if unit_word else ""
    interval = (
        "interquartile range" if indicator.kind == "median" else f"{ci:g}% confidence interval"
    )
    names = {
        "area_name": "Area",
        "area_code": "Area code",
        "period": "Period",
        "category": "Category",
        "value": f"Value{suffix}",
        "lower": f"Lower limit ({interval})",
        "upper": f"Upper limit ({interval})",
        "numerator": "Numerator",
        "denominator": "Denominator",
        "comparison": f"Compared with {_benchmark_of(rows)}",
        "trend": "Recent trend",
        "benchmark": f"Programme value{suffix}",
        "indicator": "Indicator id",
        "return_period": "Latest return used",
    }
    keep = [c for c in columns if c in rows and rows[c].notna().any()]
    out = pd.DataFrame(index=rows.index)
    for c in keep:
        series = rows[c]
        if c in ("period", "return_period"):
            series = series.map(period_label)
        elif c == "category":
            series = series.map(category_label)
        elif c == "area_name" and "area_code" in rows:
            series = series.where(rows["area_code"] != PROGRAMME, PROGRAMME_LABEL)
        elif c in ("value", "lower", "upper", "benchmark", "numerator", "denominator"):
            series = pd.to_numeric(series, errors="coerce").astype(float)
        out[names.get(c, c)] = series.to_numpy()
    if "area_code" in rows and "area_code" not in keep:
        out[AREA_CODE] = rows["area_code"].astype(object).to_numpy()
    if "period" in keep:
        out[PERIOD_CODE] = rows["period"].astype(object).to_numpy()
    status = rows[STATUS] if STATUS in rows else pd.Series(None, index=rows.index)
    out[STATUS] = pd.Series(
        status.astype(object).where(status.notna(), None).to_numpy(), index=out.index, dtype=object
    )
    units = {
        names[c]: indicator.unit for c in ("value", "lower", "upper", "benchmark") if c in keep
    }
    units.update({names[c]: "count" for c in ("numerator", "denominator") if c in keep})
    out = out.reset_index(drop=True)
    out.attrs[UNITS] = units
    return out


def _unit_for(column: str, series: pd.Series, units: Mapping[str, str]) -> tuple[str, int | None]:
    if column in units:
        return display_unit(units[column])
    lowered = column.lower()
    if "%" in lowered or "per cent" in lowered or "percentage" in lowered:
        return "%", None
    if pd.api.types.is_integer_dtype(series) or any(
        w in lowered
        for w in ("count", "number", "numerator", "denominator", "parents", "families", "episodes")
    ):
        return "count", None
    return "rate", None


def display_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as display text: numbers formatted, missing numbers as ``[status]``; the status
    and the rows' codes (``CODE_COLUMNS``) are not shown as columns."""
    units: Mapping[str, str] = df.attrs.get(UNITS, {})
    status = df[STATUS].astype(object) if STATUS in df else pd.Series(None, index=df.index)
    marks = status.map(lambda s: f"[{s}]" if isinstance(s, str) and s else "")
    out = pd.DataFrame(index=df.index)
    for column in df.columns:
        if column == STATUS or column in CODE_COLUMNS:
            continue
        series = df[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            unit, dp = _unit_for(column, series, units)
            text = [format_value(v, unit, dp) for v in series]
            out[column] = [t if t else m for t, m in zip(text, marks, strict=True)]
        else:
            out[column] = [_cell(v) for v in series]
    return out


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if c != STATUS
        and c not in CODE_COLUMNS
        and pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
    ]
