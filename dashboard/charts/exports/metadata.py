"""What every chart file carries beside its numbers: the indicators' published metadata, the
suppression notes, the source and "© Crown copyright"."""

from __future__ import annotations

from dashboard.charts.content import ChartContent
from lfo.indicators.definitions import DEFINITIONS_VERSION, indicators
from lfo.indicators.indicator import Indicator

COPYRIGHT = "© Crown copyright"
CONTACT = "Local Family Offer monitoring team, DWP (contact details to be added)"


def chart_indicators(content: ChartContent) -> list[Indicator]:
    """The chart's indicators that the catalogue knows, in the chart's order."""
    catalogue = indicators()
    return [catalogue[i] for i in content.indicator_ids if i in catalogue]


def metadata_lines(ind: Indicator) -> list[tuple[str, str]]:
    """One indicator's published metadata as (label, text) pairs."""
    return [
        ("Indicator id", ind.id),
        ("Name", ind.name),
        ("Definition", ind.definition),
        ("Numerator", ind.numerator),
        ("Denominator", ind.denominator),
        ("Unit", ind.unit),
        ("Polarity", ind.polarity),
        ("Period basis", ind.period_basis),
        ("Interval method", ind.interval_method),
        ("Source tables", ind.source_tables),
    ]


#: How each context item (``ChartContent.context``: codes) is labelled in a file's metadata.
CONTEXT_LABELS = {
    "area_code": "Area code",
    "area_name": "Area",
    "period": "Period",
    "intervention_group": "Intervention or level",
    "measure": "Outcome measure",
    "characteristic": "Characteristic",
    "returns": "Returns",
    "benchmark": "Compared with",
    "confidence_level": "Confidence level (%)",
}


def context_lines(content: ChartContent) -> list[tuple[str, str]]:
    """The chart's context (what its figures are for: area, period, filters, benchmark,
    confidence level) as (label, code) pairs, in order."""
    return [
        (CONTEXT_LABELS.get(k, k.replace("_", " ").capitalize()), v)
        for k, v in content.context.items()
    ]


def context_text(content: ChartContent) -> str:
    """The chart's context in one line: "Period: 2018-19_Q4; Intervention or level: all; …"."""
    lines = context_lines(content)
    return ("Figures for " + "; ".join(f"{k}: {v}" for k, v in lines) + ".") if lines else ""


def suppression_notes(content: ChartContent) -> list[str]:
    """The chart's notes about suppressed figures (those that mention ``[c]``)."""
    return [n for n in content.notes if "[c]" in n]


def description(content: ChartContent) -> str:
    """The chart in words for a file's description: subtitle, what the figures are for (the
    context), summary, notes, each indicator's definition and the definitions version."""
    parts = [content.subtitle, context_text(content), content.summary, *content.notes]
    for ind in chart_indicators(content):
        parts.append(
            f"{ind.name} ({ind.id}): {ind.definition} Interval method: "
            f"{ind.interval_method}. Unit: {ind.unit}."
        )
    parts.append(f"Indicator definitions version {DEFINITIONS_VERSION}.")
    return " ".join(p for p in parts if p)


def data_csv_text(content: ChartContent) -> str:
    """The plotted numbers as CSV text (no metadata columns), for embedding in images."""
    text: str = content.table.to_csv(index=False, lineterminator="\n")
    return text
