"""The definitions page: every indicator's metadata and method, disclosure control, caveats and
the reference tables with their sources. Static: built from the code's own definitions and from
``data/reference`` (no database). Each indicator has an anchor, so charts can link to
``/definitions#uptake.completion``.
"""

from __future__ import annotations

import logging
from functools import cache
from pathlib import Path

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.layouts.shell import aria
from dashboard.layouts.tables import data_table
from dashboard.present.words import status_key
from lfo.db import read_reference
from lfo.indicators.definitions import CAVEATS, DEFINITIONS_VERSION, indicators
from lfo.indicators.indicator import Indicator
from lfo.reference import load_reference

log = logging.getLogger(__name__)

TITLE = "Definitions and methods"

TOPICS = (
    ("reach", "Reach indicators", "Who the programme reaches."),
    ("uptake", "Uptake indicators", "What happens after an offer."),
    ("outcomes", "Outcome indicators", "Relationship and wellbeing change, for each measure."),
)

#: (field, label) of the published metadata, in the order shown.
FIELDS = (
    ("id", "Identifier"),
    ("definition", "Definition"),
    ("numerator", "Numerator"),
    ("denominator", "Denominator"),
    ("unit", "Unit"),
    ("polarity", "Polarity"),
    ("period_basis", "Period basis"),
    ("interval_method", "Interval method"),
    ("source_tables", "Source tables"),
)

#: What the rules hide, measured by benchmarks/disclosure_counts.py (docs/benchmarks.md).
SUPPRESSION_FIGURES = (
    "How much is hidden (threshold 10, every published figure counted once per indicator, "
    "filter, area or the programme, period and category). On the pilot demo data (157,950 "
    "figures): 74,625 (47.2%) by primary suppression and 13,711 (8.7%) by secondary, 88,336 "
    "(55.9%) in all; the version 1 rules hid 75,160 (47.6%, of which 535 secondary), so "
    "version 2 hides 13,176 more. Most figures hidden are tiny counts for one intervention in "
    "one area and quarter.",
    "On synthetic data at national scale (153 areas, 2016-17 to 2025-26: 6,237,000 figures): "
    "3,295,334 (52.8%) by primary suppression; the rule adds 710,022 (11.4%), 4,005,356 "
    "(64.2%) in all, against 3,313,522 (53.1%) under the version 1 rules (691,834 more). "
    "These national figures are the rule's alone: the linear-algebra checks are not yet "
    "computed at that scale.",
)

METHODS = (
    (
        "Proportions: Wilson score interval",
        "Percentages of people, families or episodes have a Wilson score interval (Wilson 1927), "
        "computed as PHE Fingertips does (PHEindicatormethods phe_proportion): lower, upper = "
        "(2x + z² ∓ z√(z² + 4x(1 − x/n))) ÷ (2(n + z²)), where x is the numerator, n the "
        "denominator and z = 1.96 for 95%.",
    ),
    (
        "Rates: Byar's method",
        "The family reach rate per 10,000 families has Byar's approximation to the exact Poisson "
        "interval for the count (Breslow and Day 1987), divided by the number of families. Where "
        "the lower limit would be negative, or the count is 0, it is undefined and left empty.",
    ),
    (
        "Means: Student's t interval",
        "Means (sessions attended, mean change, change sustained) have the interval mean ∓ "
        "t(n − 1) × SD ÷ √n; none for fewer than two episodes. The SD is the sample SD (n − 1).",
    ),
    (
        "Medians: interquartile range",
        "Days from referral to start is a median with the interquartile range (25th and 75th "
        "percentiles, linear interpolation as numpy's default), not a confidence interval.",
    ),
    (
        "Comparison with the programme",
        "The benchmark is the programme value for the same period and filters: all covered areas "
        "pooled (numerators over denominators; for means, the mean over all areas' episodes). An "
        "area is better or worse where its interval lies wholly on one side of the benchmark, "
        "similar where the interval touches or contains it. One confidence level is used for "
        "every comparison on every page: 95% by default, 99.8% when chosen (many areas and "
        "indicators are compared each period, so 99.8% flags only clear differences), and every "
        "better or worse label states it. Indicators without a polarity say higher or lower. "
        "Counts, medians, the standardised response mean and progress to target have no "
        "comparison (shown as [z]).",
    ),
    (
        "Funnel plots: PHE control limits",
        "Funnel plots show each area's percentage against its denominator with 95% and 99.8% "
        "control limits around the pooled programme proportion p: p ± z√(p(1 − p) ÷ n), clipped "
        "to 0–100% (Spiegelhalter 2005), drawn and labelled exactly as PHE Fingertips "
        "(PHEindicatormethods phe_funnels, including its axis rules). These are not the Wilson "
        "interval of the programme value.",
    ),
    (
        "Recent trend: Cochran–Armitage test at 99.8%",
        "The trend of a percentage over the five quarters ending with the period shown is the "
        "Cochran–Armitage test for linear trend (one degree of freedom, two-sided); for a mean it "
        "is a weighted least-squares test of slope with weights n ÷ SD². A trend is reported as "
        "increasing or decreasing only when p < 0.002, otherwise as no significant change; with "
        "a polarity, also as getting better or getting worse. There is no trend ([x]) unless all "
        "five quarters have a denominator of at least the suppression threshold.",
    ),
    (
        "Coverage and revisions",
        "An area's figures exist only for periods up to the end of its latest accepted return; "
        "later periods are [x]. The programme value pools only the areas whose returns cover the "
        "period. Returns are cumulative snapshots, so past figures are revised when a later "
        "return arrives; every view and export shows the date the data is as at.",
    ),
)

DISCLOSURE = (
    "The suppression threshold T is 10 unless the service sets LFO_SUPPRESSION_THRESHOLD; each "
    "chart's notes and downloads state the threshold in use.",
    "Primary suppression: a figure is hidden when its numerator (for a count, the count) is "
    "between 1 and T − 1, or its denominator is below T, counted in the indicator's own unit "
    "(participants, families or episodes). A count of 0 is shown. A figure whose denominator "
    "is 0 (0 of 0) has no value and is shown as [x] with its zeros; it hides nothing.",
    "Secondary suppression is worked out once for everything the service publishes, whatever a "
    "page, download or API request selects, so every view hides the same cells. Every total "
    "defines a table: all areas and the programme (one indicator, period and filter); a "
    "breakdown's categories and their total; a financial year and its four quarters; the "
    "interventions of a level and the level, and the levels and all interventions. Indicators "
    "that show the same counts are protected together: parents referred, the funnel's referred "
    "stage and each breakdown's total; families referred, the family reach rate and progress "
    "to target (a quarter's progress is hidden unless every quarter's families from Q1 to it "
    "are shown).",
    "The rule: a table that hides one figure hides at least three (or its total and two), "
    "because an LA knows its own figures. The smallest other figures are added (by numerator; "
    "by number of people or episodes for means, medians and effect sizes), zeros last, and a "
    "set of hidden figures adding up to 0 is extended where another figure in the table is "
    "not 0 (a table in which every figure, total included, is 0 is left as it is: its total "
    "of 0 already shows that each figure is 0). Then every hidden figure is checked by "
    "exact linear algebra against everything published, and again once for each area with that "
    "area's own figures known; any figure that could still be worked out by adding and "
    "subtracting hides one more figure beside it, and the whole repeats.",
    "A hidden row has no value, interval, numerator, denominator, comparison or trend. Suppressed "
    "areas are left out of funnel and caterpillar charts, and the chart's note names them.",
    "Not protected, by design: a numerator close to its denominator (95 of 100 completed "
    "reveals that 5 did not), and a hidden 0 in a table whose every figure is 0.",
    *SUPPRESSION_FIGURES,
    "Data-quality figures (returns, findings, completeness of optional fields) count returns and "
    "cells, not people, and are not suppressed; paired-outcome completeness is an indicator and "
    "is suppressed as one.",
)

#: The key to the symbols: one home, ``dashboard.present.words`` (the threshold is the default's;
#: each chart's own key names the threshold its figures were made with).
SYMBOLS = tuple(status_key())

#: The word list: one home, docs/words.md, shown on this page as its "Words" section.
WORDS = Path(__file__).resolve().parents[2] / "docs" / "words.md"


def layout(search: str = "") -> html.Div:
    """The whole page (no database work)."""
    return _page()


@cache
def _page() -> html.Div:
    catalogue = indicators()
    return html.Div(
        className="lfo-definitions",
        children=[
            html.H1(TITLE),
            html.P(
                [
                    f"Definitions version {DEFINITIONS_VERSION}. Every figure on this dashboard, "
                    "in its downloads and in the data API is one of these indicators, computed "
                    "in one place. The same metadata is available as data at ",
                    html.A("/api/v1/indicators", href="/api/v1/indicators"),
                    ".",
                ],
                className="lead",
            ),
            _contents(),
            *[
                _topic(topic, heading, blurb, [i for i in catalogue.values() if i.topic == topic])
                for topic, heading, blurb in TOPICS
            ],
            _methods(),
            _disclosure(),
            _caveats(),
            _words(),
            _reference(),
        ],
    )


def _contents() -> html.Nav:
    """What the page holds: its sections, and under each topic a link to every indicator."""
    catalogue = indicators()
    items: list[Component] = []
    for topic, heading, _ in TOPICS:
        own = [i for i in catalogue.values() if i.topic == topic]
        items.append(html.Li([html.A(heading, href=f"#topic-{topic}"), _indicator_links(own)]))
    items += [
        html.Li(html.A(text, href=f"#{anchor}"))
        for anchor, text in (
            ("methods", "Methods"),
            ("disclosure", "Disclosure control"),
            ("caveats", "Caveats"),
            ("words", "Words used on this dashboard"),
            ("reference", "Reference tables and their sources"),
        )
    ]
    return html.Nav(
        id="contents",
        className="lfo-definitions-contents mb-4",
        **aria(labelledby="contents-heading"),
        children=[html.H2("On this page", id="contents-heading", className="h5"), html.Ul(items)],
    )


def _indicator_links(items: list[Indicator]) -> html.Ul:
    """A topic's indicators as links to their entries (outcomes: one line per measure)."""
    measures = [m for m in dict.fromkeys(i.measure for i in items) if m]
    if not measures:
        return html.Ul(
            [html.Li(html.A(i.name, href=f"#{i.id}"), className="list-inline-item") for i in items],
            className="list-inline",
        )
    names = load_reference().measures
    return html.Ul(
        [
            html.Li(
                [
                    html.A(f"{names[m].name} ({m})", href=f"#measure-{m}"),
                    ": ",
                    html.Ul(
                        [
                            html.Li(
                                html.A(_short(i), href=f"#{i.id}"),
                                className="list-inline-item",
                            )
                            for i in items
                            if i.measure == m
                        ],
                        className="list-inline d-inline",
                    ),
                ]
            )
            for m in measures
        ]
    )


def _short(ind: Indicator) -> str:
    """An outcome indicator's name without its measure ("Recovery: SWEMWBS" → "Recovery")."""
    return ind.name.split(":")[0]


def _topic(topic: str, heading: str, blurb: str, items: list[Indicator]) -> html.Section:
    entries: list[Component] = []
    if topic == "outcomes":  # grouped by measure: a heading per measure, h4 per indicator
        measures = load_reference().measures
        for code in dict.fromkeys(i.measure for i in items if i.measure):
            entries.append(html.H3(f"{measures[code].name} ({code})", id=f"measure-{code}"))
            entries += [indicator_entry(i, level=4) for i in items if i.measure == code]
    else:
        entries = [indicator_entry(i) for i in items]
    return html.Section(
        id=f"topic-{topic}",
        **aria(labelledby=f"topic-{topic}-heading"),
        children=[html.H2(heading, id=f"topic-{topic}-heading"), html.P(blurb), *entries],
    )


def indicator_entry(ind: Indicator, level: int = 3) -> html.Div:
    """One indicator: its name as a heading (the anchor is its id) and its metadata."""
    public = ind.public()
    rows: list[Component] = []
    for field, label in FIELDS:
        rows += [
            html.Dt(label, className="col-sm-3 mb-1"),
            html.Dd(
                html.Code(public[field], className="text-body") if field == "id" else public[field],
                className="col-sm-9 mb-1",
            ),
        ]
    heading = html.H3 if level == 3 else html.H4
    return html.Div(
        id=ind.id,
        className="lfo-definition mb-4",
        children=[heading(ind.name, className="h5"), html.Dl(rows, className="row")],
    )


def _methods() -> html.Section:
    children: list[Component] = [html.H2("Methods", id="methods")]
    for heading, text in METHODS:
        children += [html.H3(heading), html.P(text)]
    return html.Section(children)


def _disclosure() -> html.Section:
    return html.Section(
        [
            html.H2("Disclosure control", id="disclosure"),
            html.Ul([html.Li(t) for t in DISCLOSURE]),
            html.H3("Symbols in tables and downloads"),
            html.Dl([part for sym, text in SYMBOLS for part in (html.Dt(sym), html.Dd(text))]),
        ]
    )


@cache
def words_text() -> str | None:
    """docs/words.md, its headings one level down (its h1 is a section of this page), or None
    if the file is missing."""
    try:
        text = WORDS.read_text(encoding="utf-8")
    except OSError as exc:
        log.warning("word list: %s", exc)
        return None
    lines = [f"#{line}" if line.startswith("#") else line for line in text.splitlines()]
    return "\n".join(lines[1:]).strip()  # the h1 becomes this section's own heading


def _words() -> html.Section:
    text = words_text()
    body: Component = (
        dcc.Markdown(text, link_target="_self", className="lfo-words")
        if text is not None
        else html.P("The word list cannot be shown just now.")
    )
    return html.Section([html.H2("Words used on this dashboard", id="words"), body])


def _caveats() -> html.Section:
    return html.Section(
        [
            html.H2("Caveats", id="caveats"),
            html.Ul([html.Li(c) for c in CAVEATS]),
        ]
    )


def _reference() -> html.Section:
    m = read_reference("measures.csv")
    measures = pd.DataFrame(
        {
            "Code": m["code"],
            "Measure": m["name"],
            "Construct": m["construct"],
            "Scores": m["score_min"] + "–" + m["score_max"],
            "Higher is": m["higher_is"],
            "Caseness": m["caseness_operator"] + " " + m["caseness_value"],
            "Reliable change index": m["rci"],
            "Source": m["source"],
            "Status": m["status"],
        }
    )
    i = read_reference("interventions.csv")
    interventions = pd.DataFrame(
        {
            "Code": i["code"],
            "Intervention": i["name"],
            "Level": i["level"],
            "Sessions": (i["sessions_min"] + "–" + i["sessions_max"]).where(
                i["sessions_min"] != i["sessions_max"], i["sessions_min"]
            ),
            "Measures": i["measures"],
            "Sessions source": i["sessions_source"],
            "Note": i["note"],
        }
    )
    a = read_reference("areas.csv")
    areas = pd.DataFrame(
        {
            "Code": a["gss_code"],
            "Area": a["name"],
            "Region": a["region"],
            "Families with children": a["families"],
            "Families source": a["families_source"],
            "Annual target": a["annual_target"],
            "Target source": a["target_source"],
            "Status": a["source"],
        }
    )
    return html.Section(
        [
            html.H2("Reference tables and their sources", id="reference"),
            html.P(
                "Cut-offs, reliable change indices, session counts, families and targets come "
                "from these tables. The source and status columns say which are published, "
                "derived or programme assumptions; treat assumed values with care."
            ),
            html.H3("Measures"),
            data_table(measures, "Outcome measures: scales, caseness cut-offs and reliable change"),
            html.H3("Interventions"),
            data_table(interventions, "Interventions, their level, sessions and measures"),
            html.H3("Areas"),
            data_table(
                areas,
                "Programme areas: families with dependent children and annual "
                "targets, with their sources",
                numeric=("Families with children", "Annual target"),
            ),
            html.P(html.A("Back to the top of the page", href="#main-content")),
        ]
    )
