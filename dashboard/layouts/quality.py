"""The data-quality page: which returns each area has sent and when, what the checks found, how
complete the optional fields and the paired outcomes are — so a reader knows how far to trust a
figure. The layout is static; ``dashboard.callbacks.quality`` fills it from the database.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.charts.table import JSONList, component_json, json_maker
from dashboard.layouts.home import format_when
from lfo.indicators.compare import format_value
from lfo.periods import Quarter
from lfo.reference import load_reference

TITLE = "Data quality"
#: Control borders of 3:1 or more against white (WCAG 1.4.11; Bootstrap's default is 1.3:1).
_BORDER = {"borderColor": "#505a5f"}
ALL_AREAS = "all"

PARAMS = (
    urlstate.Param("area", parse=urlstate.gss_code, default=None),
    urlstate.Param(
        "measure", parse=urlstate.choice(tuple(load_reference().measures)), default="csi4"
    ),
    urlstate.Param("period", parse=lambda t: urlstate.period(t).label, default=None),
)

#: Load log outcomes in plain words for a reader.
OUTCOME_WORDS = {
    "loaded": "Loaded",
    "loaded with quarantine": "Loaded, some rows held back",
    "forced": "Loaded by force (checks overridden)",
    "rejected": "Rejected",
    "failed": "Failed",
    "already loaded": "Already loaded (same file)",
}

OPTIONAL_FIELD_NAMES = {
    "sex": "Sex",
    "age_band": "Age band",
    "ethnicity": "Ethnicity",
    "relationship_status": "Relationship status",
    "workless_household": "Workless household",
    "youngest_child_age_band": "Youngest child's age band",
    "delivery_mode": "Delivery mode",
}


def layout(search: str = "") -> html.Div:
    """The page frame: filters and empty regions the callbacks fill (no database work)."""
    from dashboard.charts import chart_card  # the chart kit (imported late: built in parallel)

    measures = load_reference().measures
    return html.Div(
        [
            html.H1(TITLE),
            html.P(
                "Which returns each area has sent and when, what the checks found in them, and how "
                "complete the optional fields and the outcome questionnaires are — so you know how "
                "far to trust a figure. These counts are of returns, rows and cells, not people, so "
                "they are not suppressed; paired-outcome completeness is an indicator and is.",
                className="lead",
            ),
            dcc.Store(id=ids.QUALITY_STATE, data={"search": search}),
            html.Div(id=ids.QUALITY_MESSAGES, role="status"),
            html.Section(
                className="lfo-filters",
                **{"aria-labelledby": "quality-filters-heading"},
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
                                value="csi4",
                                inputStyle=_BORDER,
                                options=[
                                    {"label": m.name, "value": m.code} for m in measures.values()
                                ],
                            ),
                        ],
                    ),
                ],
            ),
            html.Div(
                id=ids.QUALITY_CONTENT,
                **{"aria-live": "polite"},
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


# --- the parts the callbacks fill ----------------------------------------------------------------


#: Table cells written as JSON (``json_maker``: props in the component's order, checked once).
_TR = json_maker(html.Tr, "children")
_TH = json_maker(html.Th, "children", "className", "scope")
_TD = json_maker(html.Td, "children", "className")
_SPAN = json_maker(html.Span, "children", "className")


def data_table(
    df: pd.DataFrame, caption: str, *, numeric: Sequence[str] = (), row_header: str | None = None
) -> html.Div:
    """An accessible table: caption, column headers with scope, an optional row-header column,
    right-aligned numeric columns; missing cells show an en dash. The body cells are written as
    the JSON the browser receives (``component_json``), not built as a component each."""
    head = html.Thead(
        html.Tr(
            [
                html.Th(c, scope="col", className="text-end" if c in numeric else None)
                for c in df.columns
            ]
        )
    )
    classes = ["text-end" if col in numeric else None for col in df.columns]
    headers = [col == row_header for col in df.columns]
    # the values ``df.itertuples()`` gives, a column at a time
    columns = [[_cell(v) for v in df.iloc[:, k]] for k in range(df.shape[1])]
    body = JSONList(
        _TR(
            [
                _TH(text, cls, "row") if header else _TD(text, cls)
                for text, cls, header in zip(values, classes, headers, strict=True)
            ]
        )
        for values in zip(*columns, strict=True)
    )
    table = html.Table(
        [html.Caption(caption), head, html.Tbody(body)], className="table table-sm lfo-table"
    )
    return html.Div(table, className="table-responsive")


def _cell(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return "–"
    if isinstance(value, float):
        return f"{value:,.0f}" if value.is_integer() else f"{value:,.1f}"
    if isinstance(value, int):
        return f"{value:,}"
    return str(value)


def when(value: object) -> str:
    """A load time in UK time, or an en dash."""
    if value is None or (not isinstance(value, dt.datetime) and pd.isna(value)):
        return "–"
    return format_when(pd.Timestamp(value).to_pydatetime())


def returns_grid(current: pd.DataFrame, quarters: list[Quarter], grid: pd.DataFrame) -> Component:
    """Area × quarter: covered by the current return ("✓ 2018-19 Q4 return") or not ("✗ none")."""
    if not quarters:
        return html.P(
            "No area has a return loaded yet, so no quarter is covered.", className="lfo-empty"
        )
    head = html.Thead(
        html.Tr(
            [html.Th("Area", scope="col"), html.Th("Current return", scope="col")]
            + [html.Th(q.display, scope="col", className="text-nowrap") for q in quarters]
        )
    )
    # area × quarter read once as an array (rows in ``current``'s order), and the cells written
    # as the JSON the browser receives (``component_json``): thousands of cells for all areas
    covered = grid.loc[current["area_code"].to_numpy(), [q.label for q in quarters]].to_numpy(
        dtype=bool
    )
    not_covered = "✗ not covered"
    yes_class = "text-nowrap small lfo-grid__yes"
    no_class = "text-nowrap small lfo-grid__no text-secondary"
    body = JSONList()
    for r, row_covered in zip(current.itertuples(index=False), covered, strict=True):
        period = str(r.period).replace("_", " ") if isinstance(r.period, str) else None
        outcome = OUTCOME_WORDS.get(r.outcome, r.outcome or "Loaded")
        summary = (
            [
                _SPAN(period, "fw-bold"),
                component_json(html.Br),
                _SPAN(f"{outcome} {when(r.loaded_at)}", "small"),
            ]
            if period
            else "No return loaded"
        )
        yes = f"✓ {period}"
        cells = [_TH(r.area_name, "text-nowrap", "row"), _TD(summary, "text-nowrap")]
        cells += [
            _TD(yes, yes_class) if c else _TD(not_covered, no_class) for c in row_covered.tolist()
        ]
        body.append(_TR(cells))
    n_cov = int(grid.any(axis=1).sum())
    caption = (
        f"Quarters covered by each area's current return, 2016-17 Q1 to "
        f"{quarters[-1].display} (areas with a current return: {n_cov} of {len(current)})"
    )
    return html.Div(
        html.Table(
            [html.Caption(caption), head, html.Tbody(body)],
            className="table table-sm lfo-table lfo-grid",
        ),
        className="table-responsive",
        tabIndex="0",
        role="region",
        **{"aria-label": "Quarters covered by each area's return (scrolls sideways)"},
    )


def loads_table(loads: pd.DataFrame, names: dict[str, str]) -> Component:
    if loads.empty:
        return html.P("No return has been sent yet.", className="lfo-empty")
    df = pd.DataFrame(
        {
            "Received": [when(v) for v in loads["started_at"]],
            "Area": [
                "file name not readable" if pd.isna(c) else names.get(c, c)
                for c in loads["area_code"]
            ],
            "Return": loads["period"].fillna("–").str.replace("_", " "),
            "File": loads["file_name"],
            "Outcome": [OUTCOME_WORDS.get(o, o) for o in loads["outcome"]],
            "Errors": loads["errors"],
            "Warnings": loads["warnings"],
            "Rows held back": loads["rows_held_back"],
            "Participants loaded": loads["participants_loaded"],
        }
    )
    counts = loads["outcome"].map(lambda o: OUTCOME_WORDS.get(o, o).lower()).value_counts()
    sentence = (
        f"{len(df)} return{'s' if len(df) != 1 else ''} sent: "
        + ", ".join(f"{n} {word}" for word, n in counts.items())
        + "."
    )
    table = data_table(
        df,
        f"Every return sent, newest first ({len(df)})",
        numeric=("Errors", "Warnings", "Rows held back", "Participants loaded"),
    )
    return html.Div(
        [
            html.P(sentence),
            html.Details(
                [html.Summary(f"Show every return sent ({len(df)})"), table], className="mb-3"
            ),
        ]
    )


def findings_table(findings: pd.DataFrame, names: dict[str, str]) -> Component:
    """Areas × finding codes: how many findings of each code the current return has."""
    if findings.empty:
        return html.P(
            "The checks found nothing to report in the current returns.", className="lfo-empty"
        )
    wide = findings.pivot_table(
        index="area_code", columns="code", values="findings", aggfunc="sum", fill_value=0
    )
    codes = list(wide.columns)
    titles = findings.drop_duplicates("code").set_index("code")
    headers = {c: f"{c} {titles.at[c, 'title']} ({titles.at[c, 'severity']})" for c in codes}
    df = pd.DataFrame({"Area": [names.get(a, a) for a in wide.index]})
    for c in codes:
        df[headers[c]] = wide[c].to_numpy().astype(int)
    df["All findings"] = wide.sum(axis=1).to_numpy().astype(int)
    df = df.sort_values("Area", kind="stable")
    return data_table(
        df,
        "Findings of the checks in each area's current return, by code",
        numeric=[*headers.values(), "All findings"],
        row_header="Area",
    )


def held_back_table(held: pd.DataFrame, names: dict[str, str]) -> Component:
    if held.empty:
        return html.P("No rows are held back from the current returns.", className="lfo-empty")
    df = pd.DataFrame(
        {
            "Area": [names.get(c, c) for c in held["area_code"]],
            "Sheet": held["sheet"],
            "Rows held back": held["rows"],
            "Not yet resolved": held["unresolved"],
        }
    )
    return data_table(
        df,
        "Rows held back (quarantined) from each area's current return",
        numeric=("Rows held back", "Not yet resolved"),
    )


def paired_table(rows: pd.DataFrame, measure_names: dict[str, str], period: str) -> Component:
    """Areas (and the programme) × measures: paired completeness, [c] / [x] / [z] by status."""
    if rows.empty:
        return html.P("There are no paired-outcome figures for this period.", className="lfo-empty")
    measure = rows["indicator"].str.split(".").str[1]
    text = [
        f"[{s}]" if isinstance(s, str) and s in STATUS_MARKS else format_value(v, "%")
        for v, s in zip(rows["value"], rows["status"], strict=True)
    ]
    text = [t or "[x]" for t in text]
    wide = pd.DataFrame(
        {"area": rows["area_name"], "code": rows["area_code"], "measure": measure, "text": text}
    )
    order = list(dict.fromkeys(wide["code"]))
    table = wide.pivot(index="code", columns="measure", values="text").reindex(order)
    names = wide.drop_duplicates("code").set_index("code")["area"]
    df = pd.DataFrame({"Area": [names[c] for c in table.index]})
    for code, name in measure_names.items():
        if code in table:
            df[f"{name} (% paired)"] = table[code].to_numpy()
    return data_table(
        df,
        f"Paired-outcome completeness by measure, {period}: of completed "
        "episodes with a baseline score, % with an exit score",
        numeric=[c for c in df.columns if c != "Area"],
        row_header="Area",
    )


STATUS_MARKS = ("c", "x", "z")


def field_name(column: str) -> str:
    return OPTIONAL_FIELD_NAMES.get(column, column.replace("_", " ").capitalize())
