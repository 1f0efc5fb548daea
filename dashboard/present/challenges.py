"""Data challenges in words (issue 13; service.md § 6): the figure a challenge names as the pages
show it, and what the area profile shows of an area's challenges (pure: no Dash, no Flask, no
SQL; the server pages ``dashboard.web.challenges_page`` and the area profile's callback hand in
what they read).

A figure's value is the text the area profile's table shows (``area_spine_table.figure_text``):
the figure in its unit, or its status symbol (``[c]`` suppressed, ``[x]`` not available,
``[z]`` not applicable), never a hidden number.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlencode

import pandas as pd

from dashboard.present.area_spine_table import figure_text
from lfo.challenges import Challenge
from lfo.indicators.definitions import indicators
from lfo.periods import period as parse_period

PATH = "/challenges"
NEW_PATH = f"{PATH}/new"
#: Indicators whose figure is one value per area and period (a breakdown or a funnel is several).
SINGLE_KINDS = frozenset({"count", "proportion", "rate", "mean", "median", "target", "ratio"})
MARK = "⚑"  # beside "Challenge open": the status is in words, the symbol only adds to it


def value_text(rows: pd.DataFrame, indicator_id: str, area: str, period: str) -> str | None:
    """The area's figure for the period in the engine's rows (a result already filtered), as
    the pages show it; None when the rows hold no figure for it."""
    hit = rows[
        (rows["indicator"] == indicator_id)
        & (rows["area_code"] == area)
        & (rows["period"] == period)
        & rows["category"].isna()
    ]
    if hit.empty:
        return None
    row = hit.iloc[0]
    return figure_text(row["value"], indicators()[indicator_id].unit, row["status"])


def period_words(code: str) -> str:
    """ "2017-18 Q3" or "financial year 2017-18"."""
    return parse_period(code).in_words


def filter_words(filters: Mapping[str, str], intervention_names: Mapping[str, str]) -> str:
    """The filter a figure was shown with, in words."""
    if "intervention" in filters:
        code = filters["intervention"]
        return f"intervention: {intervention_names.get(code, code)}"
    if "level" in filters:
        return f"{filters['level']} interventions"
    return "all interventions"


def new_link(indicator_id: str, area: str, period: str, filters: Mapping[str, str]) -> str:
    """The address of the form that flags this figure."""
    params = {"indicator": indicator_id, "area": area, "period": period, **filters}
    return f"{NEW_PATH}?{urlencode(params)}"


def list_link(area: str) -> str:
    return f"{PATH}?{urlencode({'area': area})}"


@dataclass(frozen=True)
class OpenRow:
    """One open challenge as the area profile lists it."""

    href: str
    indicator: str
    period: str
    value: str
    raised: str


@dataclass(frozen=True)
class FlagLink:
    """One of the area's figures of the shown period, with the link that flags it and whether
    a challenge on it is open."""

    indicator: str
    href: str
    challenged: bool


@dataclass(frozen=True)
class AreaChallenges:
    """What the area profile shows of the area's challenges, to those who may raise them."""

    area_name: str
    period: str | None  # in words; None: no period with data
    open_rows: tuple[OpenRow, ...]
    flags: tuple[FlagLink, ...]
    all_href: str


def area_challenges(
    area: str,
    area_name: str,
    period: str | None,
    open_ones: Sequence[Challenge],
    spine: Sequence[tuple[str, str]],
) -> AreaChallenges:
    """The panel for ``area`` at ``period`` (a code, None for none): its open challenges and
    a flag link for each of ``spine`` (indicator id, short name), marked where a challenge of
    that figure (the indicator, the period, no filter) is open."""
    rows = tuple(
        OpenRow(
            href=f"{PATH}/{c.challenge_id}",
            indicator=indicators()[c.indicator].name
            if c.indicator in indicators()
            else c.indicator,
            period=period_words(c.period),
            value=c.value,
            raised=c.raised_at.strftime("%d %b %Y"),
        )
        for c in open_ones
    )
    challenged = {(c.indicator, c.period) for c in open_ones if not c.filters}
    flags = (
        tuple(
            FlagLink(name, new_link(i, area, period, {}), (i, period) in challenged)
            for i, name in spine
        )
        if period is not None
        else ()
    )
    return AreaChallenges(
        area_name=area_name,
        period=period_words(period) if period is not None else None,
        open_rows=rows,
        flags=flags,
        all_href=list_link(area),
    )
