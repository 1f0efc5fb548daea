"""The area profile's controls: the area, period, confidence level and benchmark, the areas to
compare with (the shared area picker), and the choices beside the trend and the
"who is referred" charts. Laid out by ``dashboard.layouts.area``; read by its callbacks
(``dashboard.callbacks.area``)."""

from __future__ import annotations

from typing import Any

import dash_bootstrap_components as dbc
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids
from dashboard.layouts import area_picker, shell
from dashboard.present import trend_by
from dashboard.present.area import breakdown_options, trend_options
from dashboard.present.confidence import CI_NOTE, CI_OPTIONS

_LABELLED_BY_HEADING: dict[str, Any] = {"aria-labelledby": "area-controls-heading"}


def trend_choices(indicator: str, trend: str = trend_by.DEFAULT) -> list[Component]:
    """The choices beside the trend chart: its indicator and
    its step (by quarter or by financial year: ``trend``, from the address)."""
    return [
        _fieldset(
            "Indicator shown in the trend chart",
            dbc.RadioItems(
                id=ids.AREA_INDICATOR,
                name=ids.AREA_INDICATOR,
                value=indicator,
                options=trend_options(),
                **choice_style(columns=True),
            ),
        ),
        trend_by_choice(trend),
    ]


def breakdown_choice(breakdown: str) -> html.Fieldset:
    """The characteristic the "who is referred" chart breaks the referrals down by."""
    return _fieldset(
        "Characteristic",
        dbc.RadioItems(
            id=ids.AREA_BREAKDOWN,
            name=ids.AREA_BREAKDOWN,
            value=breakdown,
            options=breakdown_options(),
            **choice_style(columns=True),
        ),
    )


def _level(ci: str) -> html.Div:
    """The confidence level of the comparisons (``present.choices``), with the line saying
    what the stricter one does."""
    return html.Div(
        className="col-md-6",
        children=[
            _fieldset(
                "Confidence level",
                dbc.RadioItems(
                    id=ids.AREA_CI,
                    name=ids.AREA_CI,
                    value=ci,
                    options=[{"label": t, "value": v} for v, t in CI_OPTIONS],
                    inline=True,
                    **choice_style(),
                ),
            ),
            html.P(CI_NOTE, className="small text-body-secondary mb-0"),
        ],
    )


def controls(
    period: str, period_options: list[dict[str, str]], ci: str = "95", kind: str = "programme"
) -> html.Section:
    return html.Section(
        className="lfo-controls mb-4 p-3",
        style={"background": "#f3f2f1"},
        **_LABELLED_BY_HEADING,
        children=[
            html.H2(
                "Choose the area, period and areas to compare",
                id="area-controls-heading",
                className="h4",
            ),
            html.Div(
                className="row g-3 align-items-end mb-3",
                children=[
                    html.Div(
                        className="col-md-6",
                        children=[
                            html.Label(
                                "Show another area",
                                htmlFor=ids.AREA_SWITCH,
                                className="form-label fw-bold",
                            ),
                            html.Div(
                                className="d-flex gap-2",
                                children=[
                                    dbc.Select(id=ids.AREA_SWITCH, options=[]),
                                    html.Button(
                                        "Show area",
                                        id=ids.AREA_SWITCH_GO,
                                        n_clicks=0,
                                        type="button",
                                        className="btn btn-dark text-nowrap",
                                    ),
                                ],
                            ),
                        ],
                    ),
                    html.Div(
                        className="col-md-6",
                        children=[
                            html.Label(
                                "Period (a quarter or a whole financial year)",
                                htmlFor=ids.AREA_PERIOD,
                                className="form-label fw-bold",
                            ),
                            dbc.Select(id=ids.AREA_PERIOD, value=period, options=period_options),
                        ],
                    ),
                    _level(ci),
                    shell.benchmark_choice(ids.AREA_BENCHMARK, kind),
                ],
            ),
            _compare_choice(),
        ],
    )


#: The area profile's quick picks: similar areas (the statistical neighbours of the area
#: shown), the areas worse than the programme on the trend's indicator, clear.
QUICK_PICKS = (
    ("Similar areas (statistical neighbours)", "quick-neighbours"),
    ("Areas worse than the programme", "quick-worse"),
    ("Clear", "quick-none"),
)


def _compare_choice() -> html.Div:
    """The comparison areas: the shared area picker (search as you type, quick picks, every
    area of a region; ``layouts.area_picker``) and the Store holding the chosen codes. Its
    lists are filled with the frame (``callbacks.area_frame``)."""
    return html.Div(
        [
            dcc.Store(id=ids.AREA_COMPARE),
            area_picker.picker(
                ids.AREA_PICKER,
                "Areas to compare with",
                "Their figures are shown beside the area's in the charts and tables.",
                QUICK_PICKS,
            ),
        ]
    )


def _fieldset(legend: str, control: Component) -> html.Fieldset:
    return html.Fieldset(
        [html.Legend(legend, className="fs-6 fw-bold mb-1"), control], className="mb-3"
    )


def trend_by_choice(value: str = trend_by.DEFAULT) -> html.Fieldset:
    """The trend card's step: quarterly or by financial year (``present.trend_by``); ``value``
    the one chosen (the address's)."""
    return _fieldset(
        "Trend by",
        dbc.RadioItems(
            id=ids.AREA_TREND_BY,
            name=ids.AREA_TREND_BY,
            value=trend_by.checked(value),
            options=[{"label": t, "value": v} for v, t in trend_by.TREND_BY],
            inline=True,
            **choice_style(),
        ),
    )


def choice_style(columns: bool = False) -> dict[str, object]:
    """dbc radio items / checkboxes: plain labelled inputs (Dash 4's dcc ones fail axe), a dark
    border (3:1 against white, WCAG 1.4.11), in columns where there are many."""
    return {
        "style": {"columnWidth": "16rem", "columnGap": "2rem"} if columns else {},
        "label_style": {"breakInside": "avoid"},
        "input_style": {"borderColor": "#0b0c0c"},
    }
