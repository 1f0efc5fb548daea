"""What a chart's downloads say its figures are for (issue 11 § 10): the ``context`` and the
``file_parts`` of a ``ChartContent``, made from a page's filters.

Pure: no Dash. A presenter passes ``**chart_export(...)`` (or ``**topic_export(f, ...)``) where it
builds its ``ChartContent``. Everything here is a code the server chose or checked (an indicator
id, a period code, a filter's value, an area code from the server's list), never text from the
browser: the CSV writes each context item as a column of every row (``exports.csv_file``), the
spreadsheet and the images list them with their metadata, and ``downloads.file_name`` names the
file from the parts.

The context's keys, in order: ``area_code`` and ``area_name`` (only for a chart of one area: a
chart that lists areas carries each row's code in its table), ``period`` (only where the chart is
of one period: a trend's rows carry their own), the filters (``intervention_group``, ``measure``,
``characteristic``, ``breakdown`` …: as the page's address names them), ``benchmark`` (what the
comparison is against: ``programme`` unless the page's filters say otherwise) and
``confidence_level`` (of the intervals and the comparison: ``95`` or ``99.8``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TypedDict

from dashboard.present.topic_filters import Filters
from lfo.terms import PROGRAMME

#: How many ticked areas a file name lists by code (more: their number).
NAMED_AREAS = 3


class Export(TypedDict):
    """The ``ChartContent`` arguments a presenter passes as ``**chart_export(...)``."""

    context: dict[str, str]
    file_parts: list[str]


def _level(ci: object) -> str:
    """A confidence level as its code: ``95``, ``99.8``."""
    return f"{float(str(ci)):g}" if ci not in (None, "") else ""


def chart_export(
    indicator_ids: Sequence[str],
    *,
    period: str | None = None,
    period_from: str | None = None,
    period_to: str | None = None,
    area: tuple[str, str] | None = None,
    filters: Mapping[str, str | None] | None = None,
    areas: Sequence[str] = (),
    benchmark: str | None = PROGRAMME,
    ci: object = "95",
) -> Export:
    """The context and file parts of a chart of ``indicator_ids`` for ``period`` (one period) or
    ``period_from``–``period_to`` (a trend), of one ``area`` (code, name) or of the areas its
    table lists, filtered by ``filters`` (name → code; None left out), for the ticked ``areas``
    (in the file name only: the rows name their areas), compared with ``benchmark`` at ``ci``."""
    context: dict[str, str] = {}
    if area is not None:
        context["area_code"], context["area_name"] = area
    if period:
        context["period"] = period
    chosen = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "")}
    context.update(chosen)
    if benchmark:
        context["benchmark"] = benchmark
    level = _level(ci)
    if level:
        context["confidence_level"] = level
    parts = [_indicator_part(indicator_ids)]
    if area is not None:
        parts.append(area[0])
    if period:
        parts.append(period)
    elif period_from or period_to:
        parts.append(f"{period_from or ''}_to_{period_to or ''}")
    parts += [v for v in chosen.values() if v not in parts[0].split(".")]  # (measure: in the id)
    if areas:
        parts += list(areas) if len(areas) <= NAMED_AREAS else [f"{len(areas)}-areas"]
    if benchmark and benchmark != PROGRAMME:
        parts.append(f"vs-{benchmark}")
    if level:
        parts.append(f"ci{level}")
    return {"context": context, "file_parts": [p for p in parts if p]}


def _indicator_part(indicator_ids: Sequence[str]) -> str:
    """One indicator's id, or what several share (``outcome.csi4``), else the first's."""
    ids = list(dict.fromkeys(indicator_ids))
    if len(ids) <= 1:
        return ids[0] if ids else ""
    pieces = [i.split(".") for i in ids]
    shared = []
    for column in zip(*pieces, strict=False):
        if len(set(column)) > 1:
            break
        shared.append(column[0])
    return ".".join(shared) or ids[0]


def topic_export(
    f: Filters,
    indicator_ids: Sequence[str],
    *,
    trend: bool = False,
    by_areas: bool = False,
    **filters: str | None,
) -> Export:
    """``chart_export`` for a topic page's chart (Reach, Uptake, Outcomes) under ``f``: its
    period (``trend``: its quarters from ``f.period_from`` to ``f.period_to``), the intervention
    group and measure chosen, any of the chart's own ``filters`` (e.g. ``characteristic``), the
    benchmark and the confidence level; ``by_areas``: the chart's rows are the ticked areas'."""
    return chart_export(
        indicator_ids,
        period=None if trend else f.period,
        period_from=f.period_from if trend else None,
        period_to=f.period_to if trend else None,
        filters={"intervention_group": f.group, "measure": f.measure, **filters},
        areas=f.areas if by_areas else (),
        benchmark=str(getattr(f, "benchmark", None) or PROGRAMME),
        ci=f.ci,
    )
