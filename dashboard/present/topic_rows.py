"""The pieces every topic page's charts are made of (``present.topic`` and each page's own,
``present.reach``, ``present.uptake``, ``present.outcomes``): the engine's rows for the filters
(``chosen_rows``), whether they hold a figure and what to say when not (``why_empty``), their
order in a table, the sentences that describe them, and the content of an empty or failed chart.

Pure: no Dash. Every figure comes from the engine's rows: nothing here computes a published
number.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from dashboard.charts.content import ChartContent, empty_content
from dashboard.charts.frame import UNITS
from dashboard.present.topic_filters import ALL, Filters
from dashboard.services.indicator_data import IndicatorData
from dashboard.services.version_cache import BeingMade
from lfo.indicators.indicator import Indicator
from lfo.indicators.request import ResultMeta
from lfo.periods import is_quarter
from lfo.terms import PROGRAMME

log = logging.getLogger(__name__)

EMPTY_MESSAGE = (
    "No area has data for these filters: widen the period or choose another intervention."
)
#: Errors a chart's figures may raise on unforeseen data: that chart shows a message, the rest of
#: the page is drawn (the error is logged with its traceback).
CHART_ERRORS = (ArithmeticError, ValueError, KeyError, TypeError, IndexError)
FAILED_MESSAGE = (
    "This chart could not be drawn for these filters. Try another period or "
    "intervention; the problem has been logged."
)
#: Columns of the table twins of bars: an area's figure beside the programme's.
BAR_COLUMNS = ("area_name", "value", "lower", "upper", "numerator", "denominator", "comparison")


def safely(make: Callable[[], ChartContent], title: str = "") -> ChartContent:
    """``make()``, or a message in its place if its figures raise one of ``CHART_ERRORS`` or
    are being made after a load (``BeingMade``)."""
    try:
        return make()
    except BeingMade as why:  # after a load, before its figures are made: say so, not an error
        return empty_content(str(why), title)
    except CHART_ERRORS:
        log.exception("a chart could not be drawn: %s", title)
        return empty_content(FAILED_MESSAGE, title)


def interval_words(ind: Indicator, ci: str) -> str:
    if ind.kind == "median":
        return "interquartile ranges"
    if not ind.has_interval:
        return "no interval (not a sample statistic)"
    return f"{ci}% confidence intervals"


def with_category(rows: pd.DataFrame, labels: dict[str, str]) -> pd.DataFrame:
    """Rows of several indicators relabelled so each indicator is a category (for side-by-side
    bars): a relabelling, not a computation."""
    return rows.assign(category=rows["indicator"].map(labels))


def rename_columns(table: pd.DataFrame, names: dict[str, str]) -> pd.DataFrame:
    """Rename a twin's columns, keeping its display units."""
    units = {names.get(k, k): v for k, v in table.attrs.get(UNITS, {}).items()}
    out = table.rename(columns=names)
    out.attrs[UNITS] = units
    return out


def has_figures(rows: pd.DataFrame) -> bool:
    if rows.empty:
        return False
    return bool((rows["status"].isna() & rows["value"].notna()).any())


def notes_of(*notes: str | None) -> list[str]:
    """The notes given, leaving out those that are None or empty."""
    return [n for n in notes if n]


def why_empty(rows: pd.DataFrame, ind: Indicator, f: Filters) -> str:
    """The friendly empty-state message for rows with no figure."""
    if not ind.quarters and f.period and is_quarter(f.period):
        return f"{ind.name} is for financial years only: choose a financial year as the period."
    if f.group != ALL and not ind.by_intervention:
        return f"{ind.name} is not broken down by intervention or level: choose All interventions."
    if len(rows) and (rows["status"] == "c").all():
        return (
            "Every figure for these filters is suppressed to protect confidentiality: widen "
            "the period or choose another intervention."
        )
    return EMPTY_MESSAGE


def sorted_for_table(rows: pd.DataFrame) -> pd.DataFrame:
    """Programme first, then areas from the highest value down (suppressed and missing last),
    ties by name. The order by a stable numpy lexsort where every name is a string (the same
    order as the pandas sort below, which handles missing names)."""
    is_prog = (rows["area_code"] == PROGRAMME).to_numpy()
    names = rows["area_name"].to_numpy(dtype=object)
    if all(type(n) is str for n in names):
        value = pd.to_numeric(rows["value"], errors="coerce").to_numpy(dtype=float)
        others = np.flatnonzero(~is_prog)
        # by value descending (NaN last: -NaN sorts last too), then name, then position
        order = others[np.lexsort((names[others].astype(str), -value[others]))]
        return rows.iloc[np.concatenate([np.flatnonzero(is_prog), order])].reset_index(drop=True)
    prog = rows[rows["area_code"] == PROGRAMME]
    areas = rows[rows["area_code"] != PROGRAMME]
    areas = areas.assign(_v=pd.to_numeric(areas["value"], errors="coerce")).sort_values(
        ["_v", "area_name"], ascending=[False, True], na_position="last", kind="stable"
    )
    return pd.concat([prog, areas.drop(columns="_v")], ignore_index=True)


def chosen_rows(
    data: IndicatorData,
    indicator_ids: Sequence[str],
    f: Filters,
    *,
    by_group: bool = True,
    periods: Sequence[str] | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    breakdowns: Sequence[str] | None = None,
) -> tuple[pd.DataFrame, ResultMeta]:
    """Engine rows of the ticked areas and the programme. The engine is asked for every area
    (one cached table per filter, whatever is ticked) and the rows are then picked out."""
    result = data.rows(
        list(indicator_ids),
        ci=f.ci_level,
        benchmark=f.benchmark,
        intervention=f.intervention if by_group else None,
        level=f.level if by_group else None,
        periods=periods,
        period_from=period_from,
        period_to=period_to,
        breakdowns=breakdowns,
    )
    keep = result.rows["area_code"].isin([*f.areas, PROGRAMME])
    return result.rows[keep].reset_index(drop=True), result.meta


def the_period(f: Filters) -> list[str] | None:
    """The ``periods`` argument for the chosen period of the area comparisons."""
    return [f.period] if f.period else None
