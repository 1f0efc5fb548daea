"""The shared layout of the three topic pages (Reach, Uptake, Outcomes): one builder, three
configurations (``dashboard.present.topic_filters.Topic``), and the components their callbacks
render (the areas' checklists, the links, the banner when the data cannot be read).

Every filter lives in the address (``topic_filters.params``); the layout does no database work:
the controls that need the data (areas by region, periods) are filled by
``dashboard.callbacks.topic``.
"""

from __future__ import annotations

from collections.abc import Sequence

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.charts.card import chart_card
from dashboard.layouts import shell
from dashboard.present.topic import UNAVAILABLE
from dashboard.present.topic_filters import (
    Topic,
    characteristic_label,
    group_choices,
    params,
)
from lfo.indicators.definitions import indicators
from lfo.reference import BREAKDOWNS, load_reference


def indicator_label(topic: Topic, choice: str) -> str:
    if topic.by_measure:
        name = indicators()[topic.indicator_id(choice, "csi4")].name
        return name.split(":")[0]
    return indicators()[choice].name


def _radios(
    control_id: str, options: Sequence[tuple[str, str]], value: str, *, columns: bool = False
) -> dbc.RadioItems:
    """Plain radio inputs with labels (Dash 4's dcc.RadioItems fails axe: see
    docs/dashboard-dev.md)."""
    return dbc.RadioItems(
        id=control_id,
        value=value,
        options=[{"label": label, "value": v} for v, label in options],
        className="lfo-radios" + (" lfo-radios--columns" if columns else ""),
    )


def _fieldset(
    legend: str, control: Component, hint: str | None = None, class_name: str = "mb-3"
) -> html.Fieldset:
    children: list[Component] = [html.Legend(legend, className="h6 fw-bold")]
    if hint:
        children.append(html.P(hint, className="small text-body-secondary mb-1"))
    children.append(control)
    return html.Fieldset(children, className=class_name)


def _select(control_id: str, label: str, value: str | None = None) -> html.Div:
    return html.Div(
        [
            html.Label(label, htmlFor=control_id, className="form-label fw-bold"),
            dbc.Select(id=control_id, value=value, options=[]),
        ],
        className="col-sm-4",
    )


def _group_select(control_id: str, value: str) -> html.Div:
    """The intervention-or-level select (a plain select: the list is long)."""
    return html.Div(
        [
            html.Label("Intervention or level", htmlFor=control_id, className="form-label fw-bold"),
            dbc.Select(
                id=control_id,
                value=value,
                options=[{"label": label, "value": v} for v, label in group_choices()],
                style={"maxWidth": "32rem"},
            ),
        ],
        className="mb-3",
    )


def _quick_button(text: str, control_id: str) -> html.Button:
    return html.Button(
        text, id=control_id, n_clicks=0, type="button", className="btn btn-outline-dark btn-sm"
    )


def _areas_fieldset(topic: Topic) -> html.Fieldset:
    """The quick picks and the areas' checklists (filled by the controls callback)."""
    p = topic.part
    quick = html.Div(
        [
            _quick_button("Programme only (clear the ticks)", p("quick-none")),
            _quick_button("Tick every area", p("quick-all")),
        ],
        className="d-flex flex-wrap gap-2 mb-2",
        role="group",
        **{"aria-label": "Quick picks for the areas"},  # type: ignore[arg-type]  # Dash types no aria-* keywords
    )
    checklists = html.Div(
        id=p("areas"), className="lfo-area-groups row", children=html.P("Reading the areas…")
    )
    return _fieldset(
        "Areas to show in the trend chart",
        html.Div([quick, checklists]),
        hint="With no area ticked the trend chart shows the programme only. Ticked areas are also "
        "compared side by side with the programme below.",
    )


def filters(topic: Topic, values: dict[str, object]) -> html.Section:
    """The filter panel (labelled radio items, checkboxes and plain selects)."""
    p = topic.part
    rows: list[Component] = [
        html.H2("Choose what to show", id=p("filters-heading")),
        _fieldset(
            "Indicator",
            _radios(
                p("indicator"),
                [(i, indicator_label(topic, i)) for i in topic.indicators],
                str(values["indicator"]),
                columns=True,
            ),
        ),
    ]
    if topic.by_measure:
        measures = [(m.code, m.name) for m in load_reference().measures.values()]
        rows.append(
            _fieldset("Outcome measure", _radios(p("measure"), measures, str(values["measure"])))
        )
    if topic.by_group:
        rows.append(_group_select(p("group"), str(values["group"])))
    rows.append(_areas_fieldset(topic))
    rows.append(
        html.Div(
            [
                _select(p("from"), "Trend from (quarter)"),
                _select(p("to"), "Trend to (quarter)"),
                _select(p("period"), "Period for the area comparisons"),
            ],
            className="row g-3 mb-3",
        )
    )
    if topic.by_characteristic:
        chars = [(c, characteristic_label(c)) for c in BREAKDOWNS]
        rows.append(
            _fieldset(
                "Characteristic (who is referred)",
                _radios(p("char"), chars, str(values["char"]), columns=True),
            )
        )
    levels = [("95", "95% (the usual level)"), ("99.8", "99.8% (stricter: fewer areas flagged)")]
    rows.append(_fieldset("Confidence interval", _radios(p("ci"), levels, str(values["ci"]))))
    return html.Section(
        rows,
        className="lfo-filters mb-4",
        **{"aria-labelledby": p("filters-heading")},  # type: ignore[arg-type]  # Dash types no aria-* keywords
    )


def topic_layout(topic: Topic, search: str = "", extra_cards: Sequence[Component] = ()) -> html.Div:
    """The whole page for ``topic`` (no database work), ``extra_cards`` after the shared three."""
    state = urlstate.parse_query(search, params(topic))
    p, c = topic.part, topic.chart
    return html.Div(
        [
            html.H1(topic.title),
            html.P(topic.intro, className="lead"),
            dcc.Store(id=p("state"), data={"search": search}),
            dcc.Store(id=p("written")),  # the query the page last wrote itself (not to re-read)
            dcc.Store(id=p("nav")),  # a query the page did not write (back, forward, a link)
            html.Div(shell.messages_banner(state.messages), id=p("messages")),
            html.Div(id=p("data-messages"), role="status"),
            filters(topic, state.values),
            html.P(id=p("links"), className="mb-4"),
            html.H2("Trends and areas compared"),
            chart_card(c("trend"), "Trend by quarter", heading_level=3),
            chart_card(c("caterpillar"), "Areas ranked by value", heading_level=3),
            chart_card(c("funnel"), "Funnel plot", heading_level=3),
            *extra_cards,
        ]
    )


# --- what the callbacks render -------------------------------------------------------------------


def no_areas() -> html.P:
    """In place of the areas' checklists when the data cannot be read."""
    return html.P("No areas to show.")


def unavailable_banner() -> html.Div:
    """The banner when the data cannot be read."""
    return html.Div(html.P(UNAVAILABLE), className="alert alert-warning", role="status")


def area_groups(topic: Topic, areas: pd.DataFrame, chosen: Sequence[str]) -> list[Component]:
    """One labelled group of checkboxes per region."""
    out: list[Component] = []
    frame = areas.sort_values(["region", "area_name"], kind="stable")
    for region, part in frame.groupby("region", sort=True, dropna=False):
        region_name = str(region) if isinstance(region, str) and region else "No region"
        codes = list(part["area_code"])
        out.append(
            html.Fieldset(
                [
                    html.Legend(region_name, className="fs-6 fw-bold mb-1"),
                    dbc.Checklist(
                        id=ids.topic_areas(topic.key, region_name),
                        options=[
                            {"label": n, "value": c}
                            for c, n in zip(part["area_code"], part["area_name"], strict=True)
                        ],
                        value=[c for c in chosen if c in codes],
                    ),
                ],
                className="col-sm-6 col-lg-3 mb-2",
            )
        )
    return out


def definition_links(ids_: Sequence[str]) -> list[Component | str]:
    """A link to each indicator's definition, separated by dots."""
    links: list[Component | str] = []
    for i in dict.fromkeys(ids_):
        if links:
            links.append(" · ")
        links.append(dcc.Link(f"How ‘{indicators()[i].name}’ is defined", href=f"/definitions#{i}"))
    return links


def profile_links(codes: Sequence[str], names: dict[str, str]) -> list[Component | str]:
    """A link to each area's profile, each after a dot."""
    out: list[Component | str] = []
    for c in codes:
        out += [" · ", dcc.Link(f"{names.get(c, c)}: area profile", href=f"/area/{c}")]
    return out
