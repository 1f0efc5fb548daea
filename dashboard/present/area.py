"""The area profile's presenter (``/area/<gss_code>``): pure functions from the dashboard's reads
and the indicator engine's rows to what the page shows. No Dash, no SQL: the callbacks
(``dashboard.callbacks.area``) make the reads and hand their results here.

This module holds the page's choices (the spine's indicators and their short names, the trend
and breakdown choices, periods, comparison areas), the ``View`` every part is drawn for, and the
frame (heading, the area's facts, the selects' options and the page's store). The parts:
``area_spine`` (key indicators against the programme), ``area_charts`` (trend, funnel, reach) and
``area_quality`` (the area's own data quality).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard import urlstate
from dashboard.present import choices
from dashboard.present.words import period_label
from lfo.indicators.benchmarks import NEIGHBOURS, REGION
from lfo.indicators.definitions import indicators
from lfo.indicators.request import Query
from lfo.periods import is_quarter, quarters_of, years_of
from lfo.periods import period as parse_code
from lfo.reference import BREAKDOWNS

MEASURES = ("csi4", "ops", "swemwbs", "sdq_total")
#: The spine's indicators: all reach and uptake (but the breakdown and the funnel, which have
#: their own charts), and reliable improvement and recovery for the four measures.
SPINE_INDICATORS: tuple[str, ...] = (
    "reach.parents",
    "reach.families",
    "reach.family_rate",
    "reach.target",
    "reach.fathers",
    "reach.workless",
    "uptake.start",
    "uptake.completion",
    "uptake.days_to_start",
    "uptake.attendance",
    "uptake.both_parents",
    *(f"outcome.{m}.{s}" for m in MEASURES for s in ("reliable_improvement", "recovery")),
)


def spine_ahead(threshold: int, levels: Sequence[float]) -> list[Query]:
    """The whole results the spine asks for on a first draw beyond the programme's: its
    indicators with each group benchmark at each level (``dashboard.present.ahead``)."""
    catalogue = indicators()
    return [
        Query(indicators=(catalogue[i],), ci=ci, threshold=threshold, benchmark=kind)
        for ci in levels
        for kind in (NEIGHBOURS, REGION)
        for i in SPINE_INDICATORS
    ]


#: Indicators the trend chart offers (those defined for quarters).
TREND_INDICATORS: tuple[str, ...] = tuple(i for i in SPINE_INDICATORS if indicators()[i].quarters)
DEFAULT_TREND = "uptake.completion"
DEFAULT_BREAKDOWN = "sex"
BREAKDOWN_LABELS = {
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "relationship_status": "Relationship status",
    "workless_household": "Workless household",
    "youngest_child_age_band": "Youngest child's age",
    "referral_source": "Referral source",
}
#: The spine's short names of its indicators (rows of the spine, the trend choice and title;
#: full names in the definitions). The overview's grid has its own column headers.
SPINE_LABELS = {
    "reach.parents": "Parents referred",
    "reach.families": "Families referred",
    "reach.family_rate": "Families reached per 10,000",
    "reach.target": "Progress to target",
    "reach.fathers": "Fathers reached",
    "reach.workless": "Workless households reached",
    "uptake.start": "Offers taken up",
    # named apart from the funnel's completed stage (docs/words.md: two completion figures)
    "uptake.completion": "Completion rate",
    "uptake.days_to_start": "Days from referral to start",
    "uptake.attendance": "Sessions attended",
    "uptake.both_parents": "Both parents engaged",
}
_MEASURE_WORDS = {
    "csi4": "relationship quality (CSI-4)",
    "ops": "conflict (OPS)",
    "swemwbs": "wellbeing (SWEMWBS)",
    "sdq_total": "child difficulties (SDQ)",
}
for _m, _words in _MEASURE_WORDS.items():
    SPINE_LABELS[f"outcome.{_m}.reliable_improvement"] = f"Reliable improvement: {_words}"
    SPINE_LABELS[f"outcome.{_m}.recovery"] = f"Recovery: {_words}"

#: The period select's value for "the area's latest quarter" (no period in the address).
LATEST = "latest"
UNAVAILABLE = "The figures cannot be shown just now: the database could not be read."
NO_DATA = "No returns are loaded yet, so there are no figures to show."


def spine_label(indicator_id: str) -> str:
    """An indicator's short name on the profile (its full name if it has none)."""
    return SPINE_LABELS.get(indicator_id, indicators()[indicator_id].name)


def trend_choice(indicator_id: str | None) -> str:
    """The trend chart's indicator for the control's value (the default if not one offered)."""
    if indicator_id is not None and indicator_id in TREND_INDICATORS:
        return indicator_id
    return DEFAULT_TREND


def trend_options() -> list[dict[str, str]]:
    return [{"label": SPINE_LABELS[i], "value": i} for i in TREND_INDICATORS]


def breakdown_choice(breakdown: str | None) -> str:
    """The reach chart's characteristic for the control's value (the default if unknown)."""
    if breakdown is not None and breakdown in BREAKDOWN_LABELS:
        return breakdown
    return DEFAULT_BREAKDOWN


def breakdown_label(breakdown: str) -> str:
    return BREAKDOWN_LABELS.get(breakdown, breakdown.replace("_", " ").capitalize())


def breakdown_options() -> list[dict[str, str]]:
    return [{"label": breakdown_label(b), "value": b} for b in BREAKDOWNS]


# --- what a table shows (the layout draws it) ------------------------------------------------


@dataclass(frozen=True)
class Link:
    """A table cell that links somewhere (its text, and the address it goes to)."""

    text: str
    href: str


@dataclass(frozen=True)
class Table:
    """An accessible table's content: the caption, the column headers, the rows (the first cell
    a row header), which columns hold numbers, and the status symbols its cells use."""

    columns: list[str]
    rows: list[list[str | Link]]
    caption: str
    numeric: tuple[int, ...] = ()
    statuses: tuple[str, ...] = ()


# --- comparison areas ------------------------------------------------------------------------


def regions(areas: pd.DataFrame) -> list[str]:
    return list(dict.fromkeys(areas["region"].astype(str)))


def in_order(codes: Sequence[str]) -> list[str]:
    """``codes`` once each, in the order the reader chose them (the picker adds each after the
    last; the address keeps that order, so a reload or a shared link shows the same list)."""
    return list(dict.fromkeys(codes))


def ticked(compare: Sequence[Sequence[str] | None] | None) -> list[str]:
    """The codes of the chosen areas' groups (``callbacks.area_views.checked_compare``)."""
    return [c for group in (compare or []) for c in (group or [])]


# --- periods and the view --------------------------------------------------------------------


def quarters_up_to(period: str | None, available: Sequence[str]) -> list[str]:
    """The available quarters ending no later than ``period`` (a quarter or a year)."""
    if period is None:
        return []
    end = parse_code(period).end
    return [p for p in quarters_of(available) if parse_code(p).end <= end]


def default_period(
    return_period: str | None, available: Sequence[str], latest: str | None
) -> str | None:
    """The area's own latest quarter (its return's period) if it has figures, else the latest."""
    if return_period and return_period in available:
        return return_period
    return latest


def resolve_period(
    choice: str | None, periods: Sequence[str], default: str | None
) -> tuple[str | None, list[str]]:
    """The period to show for the select's value, and a message if it had to fall back."""
    if not choice or choice == LATEST:
        return default, []
    if choice in periods:
        return choice, []
    shown = f"{default_words(default)}, {parse_code(default).in_words}" if default else "no period"
    return default, [f"There are no figures for {period_label(choice)}; showing {shown} instead."]


def default_words(default: str | None) -> str:
    """What the period select's first choice (``LATEST``) is: a year or the area's quarter."""
    if default is not None and not is_quarter(default):
        return "the latest financial year covered"
    return "the area's latest quarter"


def period_options(periods: Sequence[str], own_latest: str | None) -> list[dict[str, str]]:
    """The period select: the default period (``LATEST``: the latest financial year the returns
    cover), then years and quarters, newest first."""
    latest = f" ({period_label(own_latest)})" if own_latest else ""
    words = default_words(own_latest)
    options = [{"label": words[0].upper() + words[1:] + latest, "value": LATEST}]
    for p in [*reversed(years_of(periods)), *reversed(quarters_of(periods))]:
        options.append({"label": parse_code(p).option_label, "value": p})
    return options


def opening_period(
    own: str | None, periods: Sequence[str], latest: str | None, returns: Sequence[object]
) -> str | None:
    """The period the profile opens at: the latest financial year the returns cover
    (``choices.default_period``, as on every page), but no later than the last year the area's
    own return (``own``) covers — its figures stop there; with no whole year covered, the
    area's own latest quarter (``default_period``)."""
    shared = choices.default_period(periods, returns)
    if own is None:  # no return: no figures of its own; the page's default as everywhere
        return shared or latest
    own_year = choices.latest_covered_year(periods, [own]) if own else None
    if own_year is not None and shared is not None and not is_quarter(shared):
        return min(shared, own_year)  # financial years sort by their codes
    return own_year or default_period(own, periods, latest)


@dataclass(frozen=True)
class View:
    """What every part of the profile is drawn for: the area, the comparison areas (code →
    name, in the areas' order), the period resolved, and any message about the period."""

    code: str
    name: str
    compare_names: dict[str, str]
    period: str | None
    messages: tuple[str, ...] = ()
    ci: str = "95"  # the confidence level chosen (``present.confidence``)
    benchmark: str = "programme"  # the benchmark chosen (``present.benchmark``)
    #: the names of each group benchmark's members (kind → names; ``present.benchmark``) and
    #: the area's region (for the words)
    groups: dict[str, tuple[str, ...]] = field(default_factory=dict)
    region: str | None = None

    @property
    def members(self) -> tuple[str, ...]:
        """The chosen benchmark's members (none for the programme)."""
        return self.groups.get(self.benchmark, ())


def view(
    store: dict[str, Any],
    compare: Sequence[Sequence[str] | None] | None,
    period_choice: str | None,
    periods: Sequence[str],
) -> View:
    """The view for the page's store, the ticked areas and the period select's value."""
    code, name = store["code"], store["name"]
    names = {a["area_code"]: a["area_name"] for a in store.get("areas") or []}
    chosen = in_order(ticked(compare))
    compare_names = {c: names[c] for c in chosen if c in names and c != code}
    period, messages = resolve_period(period_choice, periods, store.get("default_period"))
    return View(code, name, compare_names, period, tuple(messages))


# --- the frame: heading, facts, choices ------------------------------------------------------


def code_messages(code: str | None) -> list[str]:
    """A message for an address whose area code is not a GSS code."""
    if code is None:
        return []
    try:
        urlstate.gss_code(code)
    except ValueError:
        return [
            f"'{str(code)[:40]}' is not an area code: an area code is a letter and "
            "eight digits, like E08000021."
        ]
    return []


def when_text(value: object) -> str:
    """A load time as "27 November 2026 at 05:14" (unknown: "not known")."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "not known"
    when = pd.Timestamp(value).to_pydatetime()
    return f"{when.day} {when:%B %Y} at {when:%H:%M}"


@dataclass(frozen=True)
class AreaFrame:
    """The frame of a known area's profile: heading, facts, selects' options, the comparison
    areas ticked, what the parts are drawn from (``area_store``) and messages."""

    heading: str
    facts: list[tuple[str, str]]
    switch_options: list[dict[str, str]]
    period_options: list[dict[str, str]]
    ticked: tuple[str, ...]  # in the address's order (the order chosen)
    store: dict[str, Any]
    messages: list[str] = field(default_factory=list)
    region: str | None = None  # the area's region (the picker's region select opens at it)


def area_frame(
    code: str,
    compare: Sequence[str],
    areas: pd.DataFrame,
    coverage: pd.DataFrame,
    periods: Sequence[str],
    latest: str | None,
    data_as_at: object,
) -> AreaFrame:
    """The frame for area ``code`` (one of ``areas``) with the comparison codes of the address:
    ``coverage`` is each area's current return (``IndicatorData.areas``), ``periods`` those with
    data, ``latest`` the latest quarter, ``data_as_at`` the latest load (None: none)."""
    known = set(areas["area_code"])
    cov = coverage.set_index("area_code")
    store = area_store(code, areas, coverage, periods, latest)
    own_latest = store["default_period"]
    unknown = [c for c in compare if c not in known]
    messages = []
    if unknown:
        s = "s" if len(unknown) > 1 else ""
        messages.append(f"Ignored comparison area{s} {', '.join(unknown)}: not programme area{s}.")
    row = areas.set_index("area_code").loc[code]
    name = str(row["area_name"])
    switch = [
        {"label": f"{n} ({r})", "value": c}
        for c, n, r in zip(areas["area_code"], areas["area_name"], areas["region"], strict=True)
    ]
    return AreaFrame(
        heading=f"{name}: area profile",
        facts=area_facts(row, cov, code, data_as_at),
        switch_options=switch,
        period_options=period_options(periods, own_latest),
        ticked=tuple(c for c in in_order(compare) if c in known and c != code),
        store=store,
        messages=messages,
        region=str(row["region"]) if isinstance(row["region"], str) else None,
    )


def area_store(
    code: str,
    areas: pd.DataFrame,
    coverage: pd.DataFrame,
    periods: Sequence[str],
    latest: str | None,
) -> dict[str, Any]:
    """What every part of the profile of ``code`` (one of ``areas``) is drawn from: the area's
    code and name, every programme area (``queries.AREA_COLUMNS``, for the comparisons and
    quick picks) and the area's own latest period. Made on the server for each callback from
    the area code alone (the page keeps nothing else)."""
    name = str(areas.loc[areas["area_code"] == code, "area_name"].iloc[0])
    return_period = coverage.set_index("area_code")["return_period"].get(code)
    own = return_period if isinstance(return_period, str) else None
    own_latest = opening_period(own, periods, latest, list(coverage["return_period"]))
    ranked = areas.assign(imd_rank=pd.to_numeric(areas["imd_rank"], errors="coerce"))
    return {
        "code": code,
        "name": name,
        "areas": ranked.to_dict("records"),
        "default_period": own_latest,
    }


def area_facts(
    row: pd.Series, cov: pd.DataFrame, code: str, data_as_at: object
) -> list[tuple[str, str]]:
    """The area's facts: region, deprivation, the return its figures come from, data as at."""
    facts = [("Region", str(row["region"]))]
    rank = pd.to_numeric(pd.Series([row["imd_rank"]]), errors="coerce").iloc[0]
    if pd.notna(rank):
        facts.append(
            (
                "Deprivation",
                f"IMD 2019 rank {int(rank)} of 151 upper-tier local "
                "authorities (1 is the most deprived)",
            )
        )
    period = cov["return_period"].get(code) if code in cov.index else None
    if isinstance(period, str):
        facts.append(
            (
                "Figures come from",
                f"the return for {period_label(period)} "
                f"({cov['file_name'].get(code)}), loaded "
                f"{when_text(cov['loaded_at'].get(code))}",
            )
        )
    else:
        facts.append(("Figures come from", "no return has been loaded for this area yet"))
    facts.append(("Data as at", when_text(data_as_at) if data_as_at else "no returns loaded yet"))
    return facts
