"""The topic pages' area picker and filter bar (issue 11 § 8), pure: what a typed name means,
which areas a quick pick chooses, and the one-line summary of what is selected.

The picker is a text box with a native list of suggestions (``<input list>`` and a
``<datalist>``: a combobox every browser and screen reader knows, search as you type, nothing
loaded from outside), an Add button, and the chosen areas as a list with a Remove button each.
What the reader types is only ever looked up in the server's own list of areas (``find_area``).

Quick picks: every area of a region (``region_codes``), the areas worse than the programme on
the indicator shown (``worse_codes``). Similar areas: the first chosen area's statistical
neighbours (``neighbour_codes``, the engine's benchmark group: ``lfo.indicators.benchmarks``).
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dashboard.present.benchmark import summary_words
from dashboard.present.confidence import level_words
from dashboard.present.topic_filters import Filters, Topic, group_words, period_in_words
from lfo.indicators.benchmarks import NEIGHBOURS
from lfo.indicators.benchmarks import groups as benchmark_groups
from lfo.indicators.definitions import indicators
from lfo.reference import load_reference
from lfo.terms import PROGRAMME

#: The most areas the trend chart draws as lines beside the programme.
MAX_CHOSEN = 200


def neighbour_codes(code: str, areas: pd.DataFrame) -> list[str]:
    """The "similar areas" quick pick: ``code``'s statistical neighbours (the same group as the
    neighbours benchmark), nearest first; none for an area without a deprivation rank."""
    return list(benchmark_groups(areas, NEIGHBOURS).get(code, ()))


def suggestion(name: str, region: object) -> str:
    """An area as the list of suggestions writes it: "Croydon (London)"."""
    return f"{name} ({region})" if isinstance(region, str) and region else name


def suggestions(areas: pd.DataFrame) -> list[str]:
    """The list of suggestions: every area, by name."""
    frame = areas.sort_values("area_name", kind="stable")
    return [suggestion(n, r) for n, r in zip(frame["area_name"], frame["region"], strict=True)]


def find_area(typed: str | None, areas: pd.DataFrame) -> str | None:
    """The code of the area ``typed`` names: a suggestion as listed, an area's name or its
    code, in any case and spacing; None if it names none."""
    wanted = " ".join((typed or "").split()).casefold()
    if not wanted:
        return None
    for code, name, region in zip(
        areas["area_code"], areas["area_name"], areas["region"], strict=True
    ):
        if wanted in (
            str(code).casefold(),
            str(name).casefold(),
            suggestion(name, region).casefold(),
        ):
            return str(code)
    return None


def regions(areas: pd.DataFrame) -> list[str]:
    """The regions of the areas, by name."""
    return sorted({str(r) for r in areas["region"] if isinstance(r, str) and r})


def region_codes(areas: pd.DataFrame, region: str | None) -> list[str]:
    """The areas of ``region``, by name (none for a region the server does not know)."""
    part = areas[areas["region"] == region].sort_values("area_name", kind="stable")
    return [str(c) for c in part["area_code"]]


def worse_codes(rows: pd.DataFrame) -> list[str]:
    """The areas the engine's rows compare as worse than the programme, worst first."""
    worse = rows[(rows["area_code"] != PROGRAMME) & (rows["comparison"] == "worse")]
    return [str(c) for c in worse["area_code"]]


def added(chosen: Sequence[str], codes: Sequence[str]) -> tuple[str, ...]:
    """``chosen`` with ``codes`` after it, once each, at most ``MAX_CHOSEN``."""
    return tuple(dict.fromkeys([*chosen, *codes]))[:MAX_CHOSEN]


def summary_line(topic: Topic, f: Filters, indicator_name: str, n_areas: int) -> str:
    """What is selected, in one line: "Completion · Financial year 2018-19 · All interventions ·
    2 areas chosen · 95% intervals · Programme benchmark"."""
    period = period_in_words(f.period)
    parts = [indicator_name, period[:1].upper() + period[1:]]
    if topic.by_group:
        parts.append(group_words(f.group))
    if topic.by_measure and f.measure:
        parts.append(measure_name(f.measure))
    if topic.by_characteristic and f.char:
        parts.append(f"Who is referred: {f.char.replace('_', ' ')}")
    parts.append(
        "Programme only" if not n_areas else f"{n_areas} area{'s' if n_areas != 1 else ''} chosen"
    )
    parts += [level_words(f.ci), summary_words(f.benchmark)]
    return " · ".join(p for p in parts if p)


def measure_name(code: str) -> str:
    m = load_reference().measures.get(code)
    return m.name if m is not None else code


def indicator_name(topic: Topic, f: Filters) -> str:
    """The chosen indicator's name as the summary says it."""
    ind = indicators()[topic.indicator_id(f.indicator, f.measure or "csi4")]
    return ind.name.split(":")[0] if topic.by_measure else ind.name
