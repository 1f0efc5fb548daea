"""The benchmark a reader chooses for every comparison (issue 11 § 6): the programme (default),
the area's statistical neighbours or its region, beside the confidence level on every page
that compares areas.

The kinds, their members and their pooled values have one home, the engine
(``lfo.indicators.benchmarks``: ``KINDS``, ``groups``); here: the choice as the pages offer it,
as the address carries it (``benchmark=neighbours``; the default is left out of links, so a
forged or stale value falls back to the programme), and its words: what a comparison is with
("worse than its statistical neighbours (95%)", "similar to its region, London (95%)"), who the
members are ("Croydon's statistical neighbours: …") and why a group benchmark has no figure.
Pure: no Dash, no database.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

from dashboard import urlstate
from dashboard.present.confidence import checked as checked_ci
from dashboard.present.words import join_names, possessive
from lfo.indicators.benchmarks import KINDS, NEIGHBOURS, PROGRAMME_KIND, REGION, groups

DEFAULT_BENCHMARK = PROGRAMME_KIND
#: The choice's labels, in the order of ``KINDS`` (the default first).
LABELS = {
    PROGRAMME_KIND: "Programme",
    NEIGHBOURS: "Statistical neighbours",
    REGION: "Region",
}
#: The one line beside the choice.
#: The benchmark choice's label on every page.
BENCHMARK_LABEL = "Benchmark (compared with)"
BENCHMARK_NOTE = (
    "Statistical neighbours: the 5 areas most like each area in deprivation and number of "
    "families with children. Region: the other areas of its region."
)
#: Why a group benchmark has no figure, by its status (``benchmark_status``).
MISSING = {
    "c": "suppressed: a member's figure is suppressed, so the group's total would reveal it",
    "x": "not available: none of the group's areas has a figure",
    "z": "not applicable: the area has no such group (no other area in its region, or no "
    "deprivation rank), or the figure is not compared",
}

#: The address's parameter (shared by every page that compares areas).
BENCHMARK = urlstate.Param("benchmark", parse=urlstate.choice(KINDS), default=DEFAULT_BENCHMARK)


def checked(value: object) -> str:
    """``value`` if it is a benchmark the server offers (``KINDS``), else the programme."""
    return value if isinstance(value, str) and value in KINDS else DEFAULT_BENCHMARK


def benchmark_options() -> list[dict[str, str]]:
    """The choice's options (value: the address's text), the default first."""
    return [{"label": LABELS[k], "value": k} for k in KINDS]


def summary_words(kind: str) -> str:
    """How a filter summary says the choice: "Statistical neighbours benchmark"."""
    return f"{LABELS[checked(kind)]} benchmark"


def its(kind: str, region: str | None = None) -> str:
    """One area's benchmark in a sentence: "the programme", "its statistical neighbours",
    "its region, London"."""
    kind = checked(kind)
    if kind == NEIGHBOURS:
        return "its statistical neighbours"
    if kind == REGION:
        return f"its region, {region}" if region else "its region"
    return "the programme"


def their(kind: str) -> str:
    """Several areas' benchmarks in a sentence: "the programme", "their statistical
    neighbours", "their regions"."""
    kind = checked(kind)
    if kind == NEIGHBOURS:
        return "their statistical neighbours"
    if kind == REGION:
        return "their regions"
    return "the programme"


def compared(comparison: str, ci: str, kind: str, region: str | None = None) -> str:
    """A comparison with its benchmark and level: "worse than its statistical neighbours (95%)",
    "similar to its region, London (95%)"."""
    joiner = "to" if comparison == "similar" else "than"
    return f"{comparison} {joiner} {its(kind, region)} ({checked_ci(ci)}%)"


def column_title(kind: str) -> str:
    """A table's comparison column: "Compared with the programme", "Compared with its
    statistical neighbours"."""
    return f"Compared with {its(kind)}"


def member_names(
    code: str,
    kind: str,
    areas: pd.DataFrame,
    grouped: Mapping[str, Sequence[str]] | None = None,
) -> list[str]:
    """The names of ``code``'s benchmark group (``lfo.indicators.benchmarks.groups``), nearest
    first for neighbours; [] for the programme or no group. ``areas``: ``area_code``,
    ``area_name``, ``region``, ``families``, ``imd_rank``; ``grouped``: ``groups(areas, kind)``
    if the caller has it (at national scale it takes about 20 ms to make)."""
    kind = checked(kind)
    if kind == PROGRAMME_KIND or areas.empty:
        return []
    names = dict(zip(areas["area_code"], areas["area_name"], strict=True))
    members = groups(areas, kind) if grouped is None else grouped
    return [str(names.get(c, c)) for c in members.get(code, ())]


def members_line(
    area_name: str, kind: str, members: Sequence[str], region: str | None = None
) -> str:
    """The line naming a group benchmark's members: "Croydon's statistical neighbours: Barnet,
    Ealing, Enfield, Hounslow and Sutton." ("" for the programme)."""
    kind = checked(kind)
    if kind == PROGRAMME_KIND:
        return ""
    group = "statistical neighbours" if kind == NEIGHBOURS else "region"
    if kind == REGION and region:
        group = f"region ({region})"
    owner = possessive(area_name)
    if not members:
        return f"{owner} {group}: none, so it has no {group.split(' (')[0]} benchmark [z]."
    return f"{owner} {group}: {join_names(list(members))}."


def members_lines(
    codes: Sequence[str], names: Mapping[str, str], kind: str, areas: pd.DataFrame
) -> list[str]:
    """``members_line`` for each of ``codes`` (named by ``names``); [] for the programme."""
    if checked(kind) == PROGRAMME_KIND:
        return []
    region = dict(zip(areas["area_code"], areas["region"], strict=True))
    grouped = groups(areas, kind)  # once, not once per area
    return [
        members_line(
            names.get(c, c), kind, member_names(c, kind, areas, grouped), _text(region.get(c))
        )
        for c in codes
    ]


def missing_reason(status: object) -> str:
    """Why a group benchmark has no figure: "[c] suppressed: …" ("" when it has one)."""
    if isinstance(status, str) and status in MISSING:
        return f"[{status}] {MISSING[status]}"
    return ""


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None
