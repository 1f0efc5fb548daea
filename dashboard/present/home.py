"""The shell's and the home page's own words: when the data was loaded (the footer's "data as at",
load times in the tables), the returns-loaded table, and why the data cannot be shown.

Pure: datetimes and the ``current_returns`` frame in, text and rows of text out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from dashboard.present.overview_rows import PAGE_SIZE
from dashboard.present.words import count_words, period_label
from lfo.db import DatabaseError
from lfo.periods import LONDON

#: What a table cell shows for a load time that is not known.
NO_TIME = "–"


def format_when(value: dt.datetime) -> str:
    """``27 November 2026, 04:42`` in UK time (the ETL stores load times in UTC, without zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M}"


def load_time(value: object) -> str:
    """A load time (a datetime, a timestamp or its ISO text) in UK time, or an en dash."""
    if value is None or value is pd.NaT:
        return NO_TIME
    if not isinstance(value, dt.datetime) and pd.isna(value):
        return NO_TIME
    return format_when(pd.Timestamp(value).to_pydatetime())


def data_as_at(when: dt.datetime | None) -> str:
    """The footer's "Data as at" words: the time of the latest load."""
    return format_when(when) if when else "no returns loaded yet"


#: The footer's words when the database cannot be read.
AS_AT_UNKNOWN = "not available"


def unavailable_reason(exc: BaseException) -> str:
    """A one-line reason fit for a reader (no SQL, no traceback)."""
    if isinstance(exc, DatabaseError):
        return str(exc)
    return "the database could not be read"


@dataclass(frozen=True)
class ReturnsLoaded:
    """The returns-loaded section: a sentence and, per programme area listed, its row of the
    table; ``every_area`` False when only the areas behind are listed (the Data quality page
    lists them all)."""

    sentence: str
    rows: list[tuple[str, str, str, str, str]]  # area name, code, region, return, loaded
    every_area: bool = True


RETURNS_HEADERS = ("Area", "Code", "Region", "Current return", "Loaded")


def returns_loaded(returns: pd.DataFrame, most: int = PAGE_SIZE) -> ReturnsLoaded | None:
    """Every programme area with its current return, if any (``current_returns``); None when the
    database holds no programme areas. With more than ``most`` areas (national scale), only
    those without the latest return loaded: the ones a programme lead chases (a table of 153
    areas was a quarter of the page's components, and its slowest part to draw)."""
    n_areas, n_loaded = len(returns), int(returns["period"].notna().sum())
    if n_areas == 0:
        return None
    sentence = (
        f"{n_loaded} of {n_areas} programme areas have a return loaded."
        if n_loaded
        else f"No returns are loaded yet for the {n_areas} programme areas."
    )
    every_area = n_areas <= most or not n_loaded
    if not every_area:
        latest = str(returns["period"].dropna().max())
        returns = returns[returns["period"] != latest]
        behind = len(returns)
        sentence += (
            f" {count_words(behind, 'area')} {'has' if behind == 1 else 'have'} no return for "
            f"{period_label(latest)}, the latest loaded: listed below."
            if behind
            else f" Each is for {period_label(latest)}, the latest loaded."
        )
    rows = [
        (
            r.area_name,
            r.area_code,
            r.region,
            period_label(r.period) or "none",
            load_time(r.loaded_at),
        )
        for r in returns.itertuples(index=False)
    ]
    return ReturnsLoaded(sentence, rows, every_area)
