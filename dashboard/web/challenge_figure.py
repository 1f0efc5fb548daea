"""The figure a data challenge names (issue 13; service.md § 6), checked and computed on the server.

The browser sends codes only (indicator, area, period, and an ``intervention`` or ``level``
filter); each is checked against the server's own lists (the indicator catalogue, the areas
table, ``lfo.periods.requested_period``, the indicator's own filter choices) and bounded in
length, and the value is computed here with the indicator engine through the dashboard's cached
results (``IndicatorData.rows``, as the area profile and the API do): any value the browser sends
is ignored. A suppressed figure is kept as the page shows it (``[c]``), never the hidden number.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from dashboard.present import challenges as words
from dashboard.services import Services
from lfo.indicators.definitions import indicators
from lfo.periods import requested_period
from lfo.reference import LEVELS, load_reference

MAX_CODE = 60  # longer than any indicator id, GSS code, period or filter code
FILTERS = ("intervention", "level")


class FigureProblem(ValueError):
    """What is wrong with the figure asked for, as a sentence saying how to put it right."""


@dataclass(frozen=True)
class Figure:
    """A figure named by checked codes, with its value as the server computed it."""

    indicator: str
    area: str
    period: str
    filters: dict[str, str] = field(default_factory=dict)
    value: str = ""


def _code(values: Mapping[str, str], name: str) -> str:
    raw = (values.get(name) or "").strip()
    if not raw:
        raise FigureProblem(f"The address does not say which {name}: open the form from a figure.")
    if len(raw) > MAX_CODE:
        raise FigureProblem(f"The {name} code is too long: open the form from a figure.")
    return raw


def checked_codes(values: Mapping[str, str], known_areas: set[str]) -> Figure:
    """The figure's codes, each checked against the server's lists (``FigureProblem`` if not)."""
    catalogue = indicators()
    indicator_id = _code(values, "indicator")
    indicator = catalogue.get(indicator_id)
    if indicator is None:
        raise FigureProblem(f"There is no indicator '{indicator_id}': see the definitions page.")
    if indicator.kind not in words.SINGLE_KINDS:
        raise FigureProblem(
            f"'{indicator.name}' is a set of figures, not one: flag it from the area profile's "
            "figures instead."
        )
    area = _code(values, "area")
    if area not in known_areas:
        raise FigureProblem(f"There is no programme area '{area}': give its GSS code.")
    try:
        period = requested_period(_code(values, "period")).label
    except ValueError as exc:
        raise FigureProblem(f"The period is not one the service shows: {exc}.") from None
    if not indicator.quarters and "_Q" in period:
        raise FigureProblem(f"'{indicator.name}' is published by financial year, not by quarter.")
    return Figure(indicator_id, area, period, _filters(values, indicator.by_intervention))


def _filters(values: Mapping[str, str], by_intervention: bool) -> dict[str, str]:
    given = {name: values[name].strip().lower() for name in FILTERS if values.get(name)}
    if not given:
        return {}
    if not by_intervention:
        raise FigureProblem("This indicator has no filter by intervention or level: leave it out.")
    if len(given) > 1:
        raise FigureProblem("Give an intervention or a level, not both.")
    name, code = next(iter(given.items()))
    allowed = tuple(load_reference().interventions) if name == "intervention" else LEVELS
    if code not in allowed:
        raise FigureProblem(
            f"There is no {name} '{code[:MAX_CODE]}': use one of {', '.join(allowed)}."
        )
    return {name: code}


def computed(services: Services, figure: Figure) -> Figure:
    """``figure`` with its value computed by the engine, as the pages show it (suppression
    applied); ``FigureProblem`` if the data holds no such figure."""
    result = services.data.rows(
        [figure.indicator],
        areas=[figure.area],
        periods=[figure.period],
        intervention=figure.filters.get("intervention"),
        level=figure.filters.get("level"),
    )
    value = words.value_text(result.rows, figure.indicator, figure.area, figure.period)
    if value is None:
        raise FigureProblem(
            f"There is no figure for that area in {words.period_words(figure.period)}: "
            "choose a period with data."
        )
    return Figure(figure.indicator, figure.area, figure.period, figure.filters, value)


def figure_of(services: Services, values: Mapping[str, str]) -> Figure:
    """The figure ``values`` (a request's arguments or form) name, checked and computed."""
    known = set(services.data.area_list()["area_code"])  # the figures' own areas
    return computed(services, checked_codes(values, known))
