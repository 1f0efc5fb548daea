"""The area picker (issue 11 § 8), one component for every page that chooses areas: the topic
pages' areas in the trend and the area profile's areas to compare with.

A text box with the areas as its suggestions (``<input list>`` and a ``<datalist>``: the
browser's own combobox, search as you type, nothing loaded from outside), an Add button, a
status line, the chosen areas each with a Remove button, the quick picks and "every area of a
region". Its parts are named ``ids.topic_part(key, part)`` for the page's ``key``; what it
chooses is the store ``ids.topic_part(key, "areas")``; the callbacks are
``dashboard.callbacks.area_picker``. The lists are filled by the page's callbacks.
"""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids

#: The quick picks every picker offers: (words, part), in the order shown.
QUICK_PICKS = (
    ("Areas worse than the programme", "quick-worse"),
    ("Similar areas (statistical neighbours)", "quick-neighbours"),
    ("Clear: programme only", "quick-none"),
)


def _part(key: str, name: str) -> str:
    return ids.topic_part(key, name)


def quick_button(text: str, control_id: str, hidden: bool = False) -> html.Button:
    return html.Button(
        text,
        id=control_id,
        n_clicks=0,
        type="button",
        className="btn btn-outline-dark btn-sm",
        hidden=hidden,
    )


def picker(
    key: str,
    legend: str,
    hint: str,
    quick: Sequence[tuple[str, str]] = QUICK_PICKS,
) -> html.Fieldset:
    """The whole picker of the page ``key``: its ``legend``, a ``hint`` under it, and the
    quick picks ``quick`` ((words, part) each)."""
    return html.Fieldset(
        [
            html.Legend(legend, className="h6 fw-bold"),
            html.P(hint, className="small text-body-secondary mb-1"),
            html.Div(
                [
                    html.Div([_search(key), _chosen(key)], className="col-lg-7"),
                    html.Div([_quick_picks(key, quick), _region_pick(key)], className="col-lg-5"),
                ],
                className="row g-3",
            ),
        ],
        className="mb-3 lfo-area-picker",
    )


def _search(key: str) -> html.Div:
    """The text box whose suggestions are the areas, its Add button and its status line."""
    return html.Div(
        [
            html.Label(
                [
                    "Add an area",
                    html.Span(
                        "Type part of a name, choose from the list, then press Enter or Add.",
                        className="d-block small fw-normal text-body-secondary",
                    ),
                ],
                htmlFor=_part(key, "area-search"),
                className="form-label fw-bold mb-1",
            ),
            html.Div(
                [
                    dcc.Input(
                        id=_part(key, "area-search"),
                        type="text",
                        list=_part(key, "area-options"),
                        autoComplete="off",
                        className="form-control",
                    ),
                    html.Button(
                        "Add",
                        id=_part(key, "area-add"),
                        n_clicks=0,
                        type="button",
                        className="btn btn-dark",
                    ),
                ],
                className="input-group lfo-area-search",
            ),
            html.Datalist(id=_part(key, "area-options")),
            html.P(id=_part(key, "area-status"), className="small mb-1", role="status"),
        ],
        className="mb-2",
    )


def _region_pick(key: str) -> html.Div:
    """Add every area of a region (the regions are filled by the page's callbacks)."""
    return html.Div(
        [
            html.Label(
                "Add every area of a region",
                htmlFor=_part(key, "region"),
                className="form-label small",
            ),
            html.Div(
                [
                    dbc.Select(id=_part(key, "region"), options=[], size="sm"),
                    quick_button("Add region", _part(key, "quick-region")),
                ],
                className="input-group input-group-sm",
            ),
        ],
        className="lfo-region-pick",
    )


def _quick_picks(key: str, quick: Sequence[tuple[str, str]]) -> html.Div:
    return html.Div(
        [quick_button(words, _part(key, part)) for words, part in quick],
        className="d-flex flex-wrap gap-2 mb-2",
        role="group",
        **{"aria-label": "Quick picks for the areas"},  # type: ignore[arg-type]  # Dash types no aria-* keywords
    )


def _chosen(key: str) -> html.Div:
    """The chosen areas' list (each a Remove button, drawn by the picker's callback)."""
    return html.Div(
        [
            html.P("Chosen:", className="small fw-bold mb-1", id=_part(key, "chosen-label")),
            html.Ul(
                id=_part(key, "chosen"),
                className="lfo-chosen list-unstyled d-flex flex-wrap gap-2 mb-2",
                **{"aria-labelledby": _part(key, "chosen-label")},  # type: ignore[arg-type]
            ),
        ]
    )


def chosen_areas(key: str, chosen: Sequence[str], names: dict[str, str]) -> list[Component]:
    """The chosen areas, each with a Remove button naming it (none: a line saying so)."""
    if not chosen:
        return [html.Li("None: the programme only.", className="small")]
    return [
        html.Li(
            html.Button(
                [names.get(c, c), html.Span(" ×", **{"aria-hidden": "true"})],  # type: ignore[arg-type]
                id=ids.topic_area_remove(key, c),
                n_clicks=0,
                type="button",
                className="btn btn-outline-dark btn-sm lfo-chip",
                title=f"Remove {names.get(c, c)}",
                **{"aria-label": f"Remove {names.get(c, c)}"},  # type: ignore[arg-type]
            )
        )
        for c in chosen
    ]


def suggestions(texts: Sequence[str]) -> list[Component]:
    """The picker's list of suggestions."""
    return [html.Option(value=t) for t in texts]
