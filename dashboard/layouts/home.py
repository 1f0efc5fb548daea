"""The home page: for now, says the dashboard is being built and what data is loaded."""

from __future__ import annotations

import datetime as dt

import pandas as pd
from dash import dcc, html

from dashboard import ids
from etl.periods import LONDON

TITLE = "Local Family Offer monitoring"


def layout(search: str = "") -> html.Div:
    return html.Div(
        [
            html.H1(TITLE),
            html.P(
                "This dashboard is being built. Pages on the programme, each area, reach, "
                "uptake, outcomes and data quality will appear in the navigation as they are "
                "added.",
                className="lead",
            ),
            html.H2("Data loaded"),
            dcc.Store(id=ids.HOME_STATE, data={"search": search}),
            html.Div(
                id=ids.HOME_LOADED,
                **{"aria-live": "polite"},
                children=html.P("Reading the database…"),
            ),
        ]
    )


def loaded_summary(returns: pd.DataFrame) -> html.Div:
    """A sentence and a table: every programme area with its current return, if any."""
    have = returns["period"].notna()
    n_areas, n_loaded = len(returns), int(have.sum())
    if n_areas == 0:
        return html.Div(html.P("The database holds no programme areas yet."))
    sentence = (
        f"{n_loaded} of {n_areas} programme areas have a return loaded."
        if n_loaded
        else f"No returns are loaded yet for the {n_areas} programme areas."
    )
    rows = [
        html.Tr(
            [
                html.Th(r.name, scope="row"),
                html.Td(r.gss_code),
                html.Td(r.region),
                html.Td(_period(r.period)),
                html.Td(_when(r.loaded_at)),
            ]
        )
        for r in returns.itertuples(index=False)
    ]
    table = html.Table(
        className="table table-sm lfo-table",
        children=[
            html.Caption("Programme areas and their current return"),
            html.Thead(
                html.Tr(
                    [
                        html.Th(h, scope="col")
                        for h in ("Area", "Code", "Region", "Current return", "Loaded")
                    ]
                )
            ),
            html.Tbody(rows),
        ],
    )
    return html.Div([html.P(sentence), html.Div(table, className="table-responsive")])


def unavailable(reason: str) -> html.Div:
    return html.Div(
        html.P(f"The data cannot be shown just now: {reason}."),
        className="alert alert-warning",
        role="status",
    )


def _period(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "none"
    return str(value).replace("_", " ")


def _when(value: object) -> str:
    if value is None or value is pd.NaT or (isinstance(value, float) and pd.isna(value)):
        return "–"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return format_when(value)  # type: ignore[arg-type]


def format_when(value: dt.datetime) -> str:
    """``27 November 2026, 04:42`` in UK time (the ETL stores load times in UTC, without zone)."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    local = value.astimezone(LONDON)
    return f"{local.day} {local:%B %Y, %H:%M}"
