"""What a topic page (Reach, Uptake, Outcomes) is and what its reader chose: the page's
configuration (``Topic``), its filters (``Filters``), and how they travel in the address.

Pure: no Dash and no database. Every filter lives in the address (``params``): a bad or stale
value falls back with a message (``state_from_search``), and defaults are left out of the
address written back (``to_search``), so a plain link always shows the newest data.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from typing import cast

import pandas as pd

from dashboard import ids, urlstate
from dashboard.present import benchmark as bench
from dashboard.present import choices, confidence
from dashboard.present import trend_by as steps
from lfo.periods import period, quarters_of, years_of
from lfo.reference import BREAKDOWNS, LEVELS, load_reference

ALL = "all"
#: The controls a topic page may add to the shared ones, in the order the callbacks list them
#: (``benchmark``: every topic page has it, carried through the callbacks as these are).
OPTIONAL_CONTROLS = ("group", "measure", "char", "benchmark")


@dataclass(frozen=True)
class Topic:
    """One topic page. ``indicators`` are full ids, or (``by_measure``) suffixes of
    ``outcome.<measure>.<suffix>``."""

    key: str
    path: str
    title: str
    intro: str
    indicators: tuple[str, ...]
    default_indicator: str
    by_group: bool = False  # intervention or level filter
    by_measure: bool = False  # outcome measure filter
    by_characteristic: bool = False  # reach breakdown characteristic
    # kept for callers that set it: every topic page now opens at the latest financial year
    # the returns cover (``choices.default_period``), a quarter by choice
    default_year: bool = False

    @property
    def optional(self) -> tuple[str, ...]:
        """The page's own controls among ``OPTIONAL_CONTROLS``, in that order."""
        on = {
            "group": self.by_group,
            "measure": self.by_measure,
            "char": self.by_characteristic,
            "benchmark": True,
        }
        return tuple(name for name in OPTIONAL_CONTROLS if on[name])

    def indicator_id(self, choice: str, measure: str | None) -> str:
        return f"outcome.{measure}.{choice}" if self.by_measure else choice

    def chart(self, name: str) -> str:
        return ids.topic_chart(self.key, name)

    def part(self, name: str) -> str:
        return ids.topic_part(self.key, name)


@dataclass(frozen=True)
class Filters:
    """The filters of a topic page, as chosen (validated against the data)."""

    indicator: str  # the topic's indicator choice (a suffix on the Outcomes page)
    areas: tuple[str, ...] = ()
    period_from: str | None = None
    period_to: str | None = None
    trend_by: str = steps.DEFAULT  # the trend by quarter or by financial year
    period: str | None = None
    ci: str = "95"
    group: str = ALL
    measure: str | None = None
    char: str | None = None
    benchmark: str = bench.DEFAULT_BENCHMARK  # lfo.indicators.benchmarks.KINDS

    @property
    def ci_level(self) -> float:
        return float(self.ci)

    @property
    def benchmark_name(self) -> str:
        """The areas' benchmark in a sentence: "the programme", "their statistical neighbours"."""
        return bench.their(self.benchmark)

    @property
    def intervention(self) -> str | None:
        """The engine's ``intervention`` argument for the group filter."""
        if self.group in (None, ALL) or self.group.startswith("level:"):
            return None
        return self.group

    @property
    def level(self) -> str | None:
        """The engine's ``level`` argument for the group filter."""
        if self.group and self.group.startswith("level:"):
            return self.group.split(":", 1)[1]
        return None

    def optional_values(self, topic: Topic) -> list[str | None]:
        """The values of ``topic``'s own controls (``Topic.optional``), in order."""
        values = {
            "group": self.group,
            "measure": self.measure,
            "char": self.char,
            "benchmark": self.benchmark,
        }
        return [values[name] for name in topic.optional]


# --- labels of the choices -----------------------------------------------------------------------


def group_choices() -> list[tuple[str, str]]:
    """(value, label) of the intervention-or-level filter: all, each level, each intervention."""
    ref = load_reference()
    out = [(ALL, "All interventions")]
    out += [(f"level:{lv}", f"All {lv} interventions") for lv in LEVELS]
    out += [(code, i.name) for code, i in ref.interventions.items()]
    return out


def group_words(group: str) -> str:
    return dict(group_choices()).get(group, "All interventions")


def characteristic_label(char: str) -> str:
    return char.replace("_", " ").capitalize()


def period_in_words(code: str | None) -> str:
    """A chosen period as it reads in a sentence (``Period.in_words``); "" for none."""
    return period(code).in_words if code else ""


def period_options(periods: Sequence[str], quarters_only: bool) -> list[dict[str, str]]:
    """The options of a period select (``Period.option_label``): quarters only, oldest first
    (the trend's range); or financial years then quarters, newest first (the period the areas
    are compared over: a year is the default, a quarter by choice)."""
    shown = (
        quarters_of(periods)
        if quarters_only
        else [*reversed(years_of(periods)), *reversed(quarters_of(periods))]
    )
    return [{"label": period(p).option_label, "value": p} for p in shown]


# --- the address ---------------------------------------------------------------------------------


def _group(text: str) -> str:
    allowed = {v for v, _ in group_choices()}
    if text not in allowed:
        raise ValueError("choose 'all', a level (level:targeted) or an intervention code")
    return text


#: The trend's step in the address: ``trend=annual`` (quarterly by default).
TREND_PARAM = steps.PARAM


def params(topic: Topic) -> tuple[urlstate.Param, ...]:
    """The page's query parameters (defaults are left out of links)."""
    out = [
        urlstate.Param(
            "indicator", parse=urlstate.choice(topic.indicators), default=topic.default_indicator
        ),
        urlstate.Param("area", parse=urlstate.gss_code, many=True),
        urlstate.Param("from", parse=lambda t: urlstate.quarter(t).label),
        urlstate.Param("to", parse=lambda t: urlstate.quarter(t).label),
        TREND_PARAM,
        urlstate.Param("period", parse=lambda t: urlstate.period(t).label),
        confidence.CI,
        bench.BENCHMARK,
    ]
    if topic.by_group:
        out.append(urlstate.Param("group", parse=_group, default=ALL))
    if topic.by_measure:
        out.append(
            urlstate.Param(
                "measure", parse=urlstate.choice(tuple(load_reference().measures)), default="csi4"
            )
        )
    if topic.by_characteristic:
        out.append(urlstate.Param("char", parse=urlstate.choice(tuple(BREAKDOWNS)), default="sex"))
    return tuple(out)


def default_period(
    topic: Topic, periods: Sequence[str], returns: Sequence[object] = ()
) -> str | None:
    """The period the area comparisons show when the address names none: the latest financial
    year the areas' current returns (``returns``, their periods) cover
    (``choices.default_period``, the same on every page)."""
    return choices.default_period(periods, returns)


def state_from_search(
    topic: Topic,
    search: str | None,
    areas: pd.DataFrame,
    periods: list[str],
    returns: Sequence[object] | None = None,
) -> tuple[Filters, list[str]]:
    """The filters for ``search``: unknown areas and periods without data fall back, with a
    message; never an exception. ``returns``: the areas' current return periods (the default
    period's rule); None reads them from ``areas`` (``return_period``) if it has them."""
    if returns is None:
        returns = list(areas["return_period"]) if "return_period" in areas else []
    state = urlstate.parse_query(search, params(topic))
    v, messages = dict(state.values), list(state.messages)
    known = set(areas["area_code"])
    chosen = []
    for code in cast(tuple[str, ...], v["area"]):  # a many-valued parameter: a tuple
        if code in known:
            chosen.append(code)
        else:
            messages.append(f"There is no programme area {code}; it was left out.")
    quarters = quarters_of(periods)
    bounds: dict[str, str | None] = {}
    for name in ("from", "to"):
        value = v[name]
        if value is not None and value not in quarters:
            messages.append(
                f"There are no figures for {period_in_words(str(value))} yet; showing "
                f"the {'first' if name == 'from' else 'latest'} quarter instead."
            )
            value = None
        bounds[name] = None if value is None else str(value)
    start = bounds["from"] or (quarters[0] if quarters else None)
    end = bounds["to"] or (quarters[-1] if quarters else None)
    if start and end and quarters.index(start) > quarters.index(end):
        messages.append("The trend's first quarter was after its last; they were swapped.")
        start, end = end, start
    chosen_period = None if v["period"] is None else str(v["period"])
    if chosen_period is not None and chosen_period not in periods:
        fallback = default_period(topic, periods, returns)
        messages.append(
            f"There are no figures for {period_in_words(chosen_period)} yet; showing "
            f"{period_in_words(fallback)}."
        )
        chosen_period = None
    return Filters(
        indicator=str(v["indicator"]),
        areas=tuple(chosen),
        period_from=start,
        period_to=end,
        trend_by=steps.checked(v["trend"]),
        period=chosen_period or default_period(topic, periods, returns),
        ci=str(v["ci"]),
        group=str(v.get("group") or ALL),
        measure=_text(v.get("measure")),
        char=_text(v.get("char")),
        benchmark=bench.checked(v.get("benchmark")),
    ), messages


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def to_search(topic: Topic, f: Filters, periods: list[str], returns: Sequence[object] = ()) -> str:
    """The query string for ``f``; defaults (first and latest quarter, the default period for
    ``returns``) left out, so a plain link always shows the newest data."""
    quarters = quarters_of(periods)
    first = quarters[0] if quarters else None
    latest = quarters[-1] if quarters else None
    values: dict[str, object] = {
        "indicator": f.indicator,
        "area": tuple(f.areas),
        "from": None if f.period_from == first else f.period_from,
        "to": None if f.period_to == latest else f.period_to,
        "trend": f.trend_by,
        "period": None if f.period == default_period(topic, periods, returns) else f.period,
        "ci": f.ci,
        "benchmark": f.benchmark,
    }
    if topic.by_group:
        values["group"] = f.group
    if topic.by_measure:
        values["measure"] = f.measure
    if topic.by_characteristic:
        values["char"] = f.char
    return urlstate.to_query(values, params(topic))


# --- the controls' values ------------------------------------------------------------------------


def ticked_areas(area_lists: Sequence[Sequence[str] | None] | None) -> tuple[str, ...]:
    """The area codes ticked across the regions' checklists, in order."""
    return tuple(c for codes in area_lists or [] for c in (codes or []))


def same_areas(ticked: Sequence[Sequence[str] | None] | None, chosen: Sequence[str]) -> bool:
    """Whether the ticked boxes already say ``chosen`` (then the checklists are not drawn
    again, so the box in focus keeps it)."""
    return bool(ticked) and sorted(ticked_areas(ticked)) == sorted(chosen)


def filters_from_inputs(
    topic: Topic,
    choice: str | None,
    area_lists: Sequence[Sequence[str] | None] | None,
    start: str | None,
    end: str | None,
    chosen_period: str | None,
    ci: str | None,
    optional_values: Sequence[object],
    trend: str | None = None,
) -> Filters:
    """The filters the controls say (``optional_values`` those of ``topic.optional``; ``trend``
    the trend's step); a trend range given backwards is turned round."""
    given = list(optional_values)
    if len(given) > len(topic.optional):
        raise ValueError("more values than the page has controls")
    given += [None] * (len(topic.optional) - len(given))  # (left out: the defaults)
    opts = dict(zip(topic.optional, given, strict=True))
    if start and end and start > end:
        start, end = end, start
    return Filters(
        indicator=choice or topic.default_indicator,
        areas=ticked_areas(area_lists),
        period_from=start,
        period_to=end,
        trend_by=trend or steps.DEFAULT,
        period=chosen_period,
        ci=ci or "95",
        group=str(opts.get("group") or ALL),
        measure=_text(opts.get("measure")),
        char=_text(opts.get("char")),
        benchmark=bench.checked(opts.get("benchmark")),
    )


def checked_filters(
    topic: Topic,
    f: Filters,
    known_areas: Collection[str],
    periods: Sequence[str],
    returns: Sequence[object] = (),
) -> Filters:
    """``f`` with every value checked against the server's lists: unknown areas left out, an
    indicator, interval level or choice the page does not offer replaced by its default, a
    period without data by the default period. The controls only ever offer known values, so
    for what they send this is ``f`` itself."""
    quarters = quarters_of(periods)
    start = f.period_from if f.period_from in quarters else (quarters[0] if quarters else None)
    end = f.period_to if f.period_to in quarters else (quarters[-1] if quarters else None)
    if start and end and quarters.index(start) > quarters.index(end):
        start, end = end, start
    defaults = {p.name: p.default for p in params(topic)}
    opts = {}
    for name in OPTIONAL_CONTROLS:
        value = getattr(f, name)
        if name in topic.optional:
            parse = next(p.parse for p in params(topic) if p.name == name)
            try:
                value = parse(value) if isinstance(value, str) else defaults[name]
            except ValueError:
                value = defaults[name]
        opts[name] = value
    return Filters(
        indicator=f.indicator if f.indicator in topic.indicators else topic.default_indicator,
        areas=tuple(dict.fromkeys(a for a in f.areas if a in known_areas)),
        period_from=start,
        period_to=end,
        trend_by=steps.checked(f.trend_by),
        period=f.period if f.period in periods else default_period(topic, periods, returns),
        ci=confidence.checked(f.ci),
        group=str(opts["group"] or ALL),
        measure=_text(opts["measure"]),
        char=_text(opts["char"]),
        benchmark=bench.checked(opts["benchmark"]),
    )


def view_key(f: Filters) -> dict[str, str | list[str] | None]:
    """The filters as a chart's view key (``card.render``): codes and choices only."""
    return {
        "indicator": f.indicator,
        "areas": list(f.areas),
        "from": f.period_from,
        "to": f.period_to,
        "trend_by": f.trend_by,
        "period": f.period,
        "ci": f.ci,
        "group": f.group,
        "measure": f.measure,
        "char": f.char,
        "benchmark": f.benchmark,
    }
