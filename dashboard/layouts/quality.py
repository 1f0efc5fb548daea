"""The data-quality page: which returns each area has sent and when, what the checks found, how
complete the optional fields and the paired outcomes are — so a reader knows how far to trust a
figure. The layout is static; ``dashboard.callbacks.quality`` fills it from the database.
"""

from __future__ import annotations

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.charts.card import chart_card
from dashboard.charts.table import JSONList, component_json, json_maker
from dashboard.layouts.shell import aria
from dashboard.layouts.tables import data_table
from dashboard.present import quality as pq
from lfo.reference import load_reference

TITLE = "Data quality"
#: Control borders of 3:1 or more against white (WCAG 1.4.11; Bootstrap's default is 1.3:1).
_BORDER = {"borderColor": "#505a5f"}
ALL_AREAS = "all"

PARAMS = (
    urlstate.Param("area", parse=urlstate.gss_code, default=None),
    urlstate.Param(
        "measure",
        parse=urlstate.choice(tuple(load_reference().measures)),
        default=pq.DEFAULT_MEASURE,
    ),
    urlstate.Param("period", parse=lambda t: urlstate.period(t).label, default=None),
)


def layout(search: str = "") -> html.Div:
    """The page frame: filters and empty regions the callbacks fill (no database work)."""
    return html.Div(
        [
            html.H1(TITLE),
            html.P(
                "Which returns each area has sent and when, what the checks found in them, and how "
                "complete the optional fields and the outcome questionnaires are — so you know how "
                "far to trust a figure. These counts are of returns, rows and cells, not people, so "
                "they are not suppressed; paired-outcome completeness is an indicator, so it is "
                "suppressed like the others.",
                className="lead",
            ),
            dcc.Store(id=ids.QUALITY_STATE, data={"search": search}),
            html.Div(id=ids.QUALITY_MESSAGES, role="status"),
            _filters(),
            html.Div(
                id=ids.QUALITY_CONTENT,
                **aria(live="polite"),
                children=html.P("Reading the database…"),
            ),
            html.H2("Completeness of optional fields", id="quality-completeness-heading"),
            html.P(
                "The share of rows in each area's current return with a stated value in each "
                "optional field. An explicit 'not stated' counts as not stated."
            ),
            chart_card(
                ids.QUALITY_COMPLETENESS_CHART, "Completeness of optional fields", heading_level=3
            ),
            html.H2("Paired-outcome completeness", id="quality-paired-heading"),
            html.P(
                [
                    "Of completed episodes with a baseline questionnaire, the percentage that also "
                    "have an exit score: low completeness makes outcome figures less certain. ",
                    html.A(
                        "How paired-outcome completeness is defined",
                        href="/definitions#outcome.csi4.paired",
                        id=ids.QUALITY_PAIRED_DEFINITION,
                    ),
                ]
            ),
            chart_card(ids.QUALITY_PAIRED_CHART, "Paired-outcome completeness", heading_level=3),
            html.H3("Paired-outcome completeness for every measure"),
            html.Div(id=ids.QUALITY_PAIRED_ALL),
        ]
    )


def _filters() -> html.Section:
    """The area and period selects and the measure radios (the callbacks set their options and
    values from the address)."""
    measures = load_reference().measures
    return html.Section(
        className="lfo-filters",
        **aria(labelledby="quality-filters-heading"),
        children=[
            html.H2("Choose what to show", id="quality-filters-heading"),
            html.Div(
                className="row g-3 mb-3",
                children=[
                    html.Div(
                        className="col-md-6",
                        children=[
                            html.Label(
                                "Area",
                                htmlFor=ids.QUALITY_AREA,
                                className="form-label fw-bold",
                            ),
                            dbc.Select(
                                id=ids.QUALITY_AREA,
                                value=ALL_AREAS,
                                style=_BORDER,
                                options=[{"label": "All areas", "value": ALL_AREAS}],
                            ),
                        ],
                    ),
                    html.Div(
                        className="col-md-6",
                        children=[
                            html.Label(
                                "Period (for paired-outcome completeness)",
                                htmlFor=ids.QUALITY_PERIOD,
                                className="form-label fw-bold",
                            ),
                            dbc.Select(
                                id=ids.QUALITY_PERIOD, value=None, options=[], style=_BORDER
                            ),
                        ],
                    ),
                ],
            ),
            html.Fieldset(
                className="mb-3",
                children=[
                    html.Legend(
                        "Outcome measure (for paired-outcome completeness)",
                        className="form-label fw-bold fs-6",
                    ),
                    # dbc's radios are plain <input type=radio> with labels (Dash 4's
                    # dcc.RadioItems is a listbox of options holding inputs: axe violations)
                    dbc.RadioItems(
                        id=ids.QUALITY_MEASURE,
                        name=ids.QUALITY_MEASURE,
                        value=pq.DEFAULT_MEASURE,
                        inputStyle=_BORDER,
                        options=[{"label": m.name, "value": m.code} for m in measures.values()],
                    ),
                ],
            ),
        ],
    )


# --- the parts the callbacks fill ----------------------------------------------------------------


def area_options(areas: pd.DataFrame | None = None) -> list[dict[str, str]]:
    """The area select's options: all areas, then each of ``areas`` (``queries.areas``)."""
    each = [] if areas is None else areas.itertuples()
    return [{"label": "All areas", "value": ALL_AREAS}] + [
        {"label": r.area_name, "value": r.area_code} for r in each
    ]


def empty(message: str) -> html.P:
    return html.P(message, className="lfo-empty")


def table(content: pq.Table | str) -> Component:
    """A presenter's table, or its message when there is none."""
    if isinstance(content, str):
        return empty(content)
    return data_table(
        content.frame, content.caption, numeric=content.numeric, row_header=content.row_header
    )


def sections(
    coverage: pq.Coverage | str,
    loads: pq.Loads | str,
    findings: pq.Table | str,
    held_back: pq.Table | str,
) -> list[Component]:
    """Returns received, every load, findings and held-back rows."""
    return [
        html.H2("Returns received"),
        html.P(
            "Each return is a cumulative snapshot, so an area's current return covers every "
            "quarter from 2016-17 Q1 to the end of its period. A tick means the quarter is "
            "covered; figures for quarters not covered are shown as [x]."
        ),
        returns_grid(coverage),
        html.H3("Every return sent"),
        loads_table(loads),
        html.H2("What the checks found"),
        html.P(
            "Findings of the checks in each area's current return, counted by code. Errors in "
            "single rows hold those rows back; warnings are accepted but worth a look."
        ),
        table(findings),
        html.H3("Rows held back"),
        table(held_back),
    ]


#: Grid cells written as JSON (``json_maker``: props in the component's order, checked once).
_TR = json_maker(html.Tr, "children")
_TH = json_maker(html.Th, "children", "className", "scope")
_TD = json_maker(html.Td, "children", "className")
_SPAN = json_maker(html.Span, "children", "className")
_YES_CLASS = "text-nowrap small lfo-grid__yes"
_NO_CLASS = "text-nowrap small lfo-grid__no text-secondary"
_NOT_COVERED = "✗ not covered"


def returns_grid(coverage: pq.Coverage | str) -> Component:
    """Area × quarter: covered by the current return ("✓ 2018-19 Q4 return") or not ("✗ none")."""
    if isinstance(coverage, str):
        return empty(coverage)
    head = html.Thead(
        html.Tr(
            [html.Th("Area", scope="col"), html.Th("Current return", scope="col")]
            + [html.Th(q, scope="col", className="text-nowrap") for q in coverage.quarters]
        )
    )
    # the cells written as the JSON the browser receives (``component_json``): thousands of
    # cells for all areas
    body = JSONList()
    for row in coverage.rows:
        summary = (
            [_SPAN(row.period, "fw-bold"), component_json(html.Br), _SPAN(row.loaded, "small")]
            if row.period
            else "No return loaded"
        )
        yes = f"✓ {row.period}"
        cells = [_TH(row.area_name, "text-nowrap", "row"), _TD(summary, "text-nowrap")]
        cells += [_TD(yes, _YES_CLASS) if c else _TD(_NOT_COVERED, _NO_CLASS) for c in row.covered]
        body.append(_TR(cells))
    return html.Div(
        html.Table(
            [html.Caption(coverage.caption), head, html.Tbody(body)],
            className="table table-sm lfo-table lfo-grid",
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **aria(label="Quarters covered by each area's return (scrolls sideways)"),
    )


def loads_table(loads: pq.Loads | str) -> Component:
    """A sentence counting the returns sent, and every one of them in a disclosure."""
    if isinstance(loads, str):
        return empty(loads)
    n = len(loads.table.frame)
    return html.Div(
        [
            html.P(loads.sentence),
            html.Details(
                [html.Summary(f"Show every return sent ({n})"), table(loads.table)],
                className="mb-3",
            ),
        ]
    )
