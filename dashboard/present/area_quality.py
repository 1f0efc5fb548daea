"""The area profile's data quality section (pure; see ``dashboard.present.area``): the area's
current return, the returns it has sent, findings by severity and code, rows held back,
completeness of optional fields against the programme, and paired outcomes — from the data
quality reads (``dashboard.services.queries``) and the engine's paired-outcome rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from dashboard.present.area import MEASURES, Link, Table, View, when_text
from dashboard.present.choices import with_release
from dashboard.present.words import fmt, period_label
from lfo.periods import period as parse_code
from lfo.reference import load_reference
from lfo.terms import PROGRAMME

#: The engine's paired-outcome completeness, one indicator per measure.
PAIRED_INDICATORS = tuple(f"outcome.{m}.paired" for m in MEASURES)


@dataclass(frozen=True)
class AreaQuality:
    """What the section shows: the area's facts, then each table it has (None: left out), and
    the link to the data quality page."""

    facts: list[tuple[str, str]]
    findings: Table | None
    completeness: Table | None
    paired: Table | None
    link: Link


def area_quality(
    v: View,
    *,
    current: pd.DataFrame,
    loads: pd.DataFrame,
    findings: pd.DataFrame,
    held: pd.DataFrame,
    completeness: pd.DataFrame,
    pooled: pd.DataFrame,
    paired: pd.DataFrame | None,
    release: str | None = None,
) -> AreaQuality:
    """The section for the view's area from its reads (``current_returns``, ``load_log``,
    ``finding_counts``, ``held_back`` and ``completeness`` for the area, completeness ``pooled``
    over every area) and the engine's ``PAIRED_INDICATORS`` rows for the area and the programme
    in the view's period (None where there is no period); its link keeps the ``release`` shown."""
    name = v.name
    return AreaQuality(
        facts=quality_facts(current, loads, findings, held),
        findings=_findings_table(findings, name) if len(findings) else None,
        completeness=(
            _completeness_table(completeness, pooled, name) if len(completeness) else None
        ),
        paired=(
            paired_table(paired, v.code, name, v.period)
            if v.period is not None and paired is not None
            else None
        ),
        link=Link(
            f"See every return {name} has sent, on the data quality page",
            with_release(f"/quality?area={v.code}", release),
        ),
    )


def quality_facts(
    current: pd.DataFrame, loads: pd.DataFrame, findings: pd.DataFrame, held: pd.DataFrame
) -> list[tuple[str, str]]:
    """The latest return, the returns sent, findings by severity and rows held back."""
    facts = []
    cur = current.iloc[0] if len(current) else None
    if cur is not None and isinstance(cur["period"], str):
        facts.append(
            (
                "Latest return",
                f"{period_label(cur['period'])} "
                f"({cur['file_name']}), loaded {when_text(cur['loaded_at'])}"
                + (f"; {cur['outcome']}" if cur["outcome"] else ""),
            )
        )
    else:
        facts.append(("Latest return", "none loaded yet"))
    if len(loads):
        outcomes = loads["outcome"].fillna("unknown").value_counts()
        sent = ", ".join(f"{n} {o}" for o, n in outcomes.items())
        facts.append(("Returns sent", f"{len(loads)} ({sent})"))
    by_severity = findings.groupby("severity")["findings"].sum() if len(findings) else {}
    facts.append(
        (
            "Findings in the latest return",
            ", ".join(
                f"{int(by_severity.get(s, 0)):,} {s}{'s' if by_severity.get(s, 0) != 1 else ''}"
                for s in ("error", "warning")
            )
            if len(findings)
            else "none",
        )
    )
    held_rows = int(held["rows"].sum()) if len(held) else 0
    unresolved = int(held["unresolved"].sum()) if len(held) else 0
    facts.append(
        (
            "Rows held back",
            f"{held_rows:,}" + (f" ({unresolved:,} not yet resolved)" if held_rows else ""),
        )
    )
    return facts


def _findings_table(findings: pd.DataFrame, name: str) -> Table:
    return Table(
        ["Code", "What it means", "Severity", "Findings"],
        [
            [r["code"], r["title"], r["severity"], f"{int(r['findings']):,}"]
            for _, r in findings.iterrows()
        ],
        f"Findings in {name}'s latest return, by code",
        numeric=(3,),
    )


def _completeness_table(completeness: pd.DataFrame, pooled: pd.DataFrame, name: str) -> Table:
    prog = pooled.set_index(["sheet", "column"])["percent_stated"]
    rows: list[list[str | Link]] = [
        [
            f"{r['column'].replace('_', ' ')} ({r['sheet']})",
            f"{int(r['stated']):,} of {int(r['rows']):,}",
            fmt(r["percent_stated"], "%") or "[x]",
            fmt(prog.get((r["sheet"], r["column"])), "%") or "[x]",
        ]
        for _, r in completeness.iterrows()
    ]
    return Table(
        ["Optional field", "Rows with a value", name, "Programme"],
        rows,
        f"Completeness of optional fields in {name}'s latest return: percentage of rows with "
        "a stated value (not_stated counts as not stated)",
        numeric=(1, 2, 3),
    )


def paired_table(rows: pd.DataFrame, code: str, name: str, period: str) -> Table:
    """Paired outcome completeness for each measure, the area beside the programme."""
    measures = load_reference().measures
    out: list[list[str | Link]] = []
    for m, ind_id in zip(MEASURES, PAIRED_INDICATORS, strict=True):
        own = rows[(rows["indicator"] == ind_id) & (rows["area_code"] == code)]
        prog = rows[(rows["indicator"] == ind_id) & (rows["area_code"] == PROGRAMME)]
        measure = measures[m].name if m in measures else m
        out.append([Link(measure, f"/definitions#{ind_id}"), _percent(own), _percent(prog)])
    return Table(
        ["Measure", name, "Programme"],
        out,
        f"Paired outcome completeness, {parse_code(period).in_words}: of completed episodes "
        "with a baseline score, the percentage that also have an exit score",
        numeric=(1, 2),
    )


def _percent(rows: pd.DataFrame) -> str:
    if rows.empty:
        return "[x]"
    r = rows.iloc[0]
    if isinstance(r["status"], str) and r["status"]:
        return f"[{r['status']}]"
    return fmt(r["value"], "%") or "[x]"
