"""The shared layout of the three topic pages (Reach, Uptake, Outcomes): one builder, three
configurations (``Topic``).

Every filter lives in the address (``PARAMS``); the layout does no database work: the controls
that need the data (areas by region, periods) are filled by ``dashboard.callbacks.topic``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import dash_bootstrap_components as dbc
import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids, urlstate
from dashboard.layouts import shell
from lfo.indicators.definitions import indicators
from lfo.periods import parse_period
from lfo.reference import BREAKDOWNS, LEVELS, load_reference

ALL = "all"
CI_LEVELS = ("95", "99.8")
EMPTY_MESSAGE = (
    "No area has data for these filters: widen the period or choose another intervention."
)


@dataclass(frozen=True)
class Topic:
    """One topic page. ``indicators`` are full ids, or (``by_measure``) suffixes of
    ``outcome.<measure>.<suffix>``."""

    key: str
    path: str
    title: str
    intro: str
    indicators: tuple[str, ...]
    default_indicator: str
    by_group: bool = False  # intervention or level filter
    by_measure: bool = False  # outcome measure filter
    by_characteristic: bool = False  # reach breakdown characteristic
    # compare areas over the latest financial year by default (outcomes: a single quarter's
    # paired episodes are too few in most areas, so most figures would be suppressed)
    default_year: bool = False
    extra_cards: Callable[[], list[Component]] = field(default=list)

    def indicator_id(self, choice: str, measure: str | None) -> str:
        return f"outcome.{measure}.{choice}" if self.by_measure else choice

    def chart(self, name: str) -> str:
        return ids.topic_chart(self.key, name)

    def part(self, name: str) -> str:
        return ids.topic_part(self.key, name)


def group_choices() -> list[tuple[str, str]]:
    """(value, label) of the intervention-or-level filter: all, each level, each intervention."""
    ref = load_reference()
    out = [(ALL, "All interventions")]
    out += [(f"level:{lv}", f"All {lv} interventions") for lv in LEVELS]
    out += [(code, i.name) for code, i in ref.interventions.items()]
    return out


def group_words(group: str) -> str:
    return dict(group_choices()).get(group, "All interventions")


def _group(text: str) -> str:
    allowed = {v for v, _ in group_choices()}
    if text not in allowed:
        raise ValueError("choose 'all', a level (level:targeted) or an intervention code")
    return text


def _ci(text: str) -> str:
    if text not in CI_LEVELS:
        raise ValueError("the interval level is 95 or 99.8")
    return text


def params(topic: Topic) -> tuple[urlstate.Param, ...]:
    """The page's query parameters (defaults are left out of links)."""
    out = [
        urlstate.Param(
            "indicator", parse=urlstate.choice(topic.indicators), default=topic.default_indicator
        ),
        urlstate.Param("area", parse=urlstate.gss_code, many=True),
        urlstate.Param("from", parse=lambda t: urlstate.quarter(t).label),
        urlstate.Param("to", parse=lambda t: urlstate.quarter(t).label),
        urlstate.Param("period", parse=lambda t: urlstate.period(t).label),
        urlstate.Param("ci", parse=_ci, default="95"),
    ]
    if topic.by_group:
        out.append(urlstate.Param("group", parse=_group, default=ALL))
    if topic.by_measure:
        out.append(
            urlstate.Param(
                "measure", parse=urlstate.choice(tuple(load_reference().measures)), default="csi4"
            )
        )
    if topic.by_characteristic:
        out.append(urlstate.Param("char", parse=urlstate.choice(tuple(BREAKDOWNS)), default="sex"))
    return tuple(out)


def indicator_label(topic: Topic, choice: str) -> str:
    if topic.by_measure:
        name = indicators()[topic.indicator_id(choice, "csi4")].name
        return name.split(":")[0]
    return indicators()[choice].name


def characteristic_label(char: str) -> str:
    return char.replace("_", " ").capitalize()


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
        rows.append(
            _fieldset(
                "Outcome measure",
                _radios(
                    p("measure"),
                    [(m.code, m.name) for m in load_reference().measures.values()],
                    str(values["measure"]),
                ),
            )
        )
    if topic.by_group:
        rows.append(
            html.Div(
                [
                    html.Label(
                        "Intervention or level", htmlFor=p("group"), className="form-label fw-bold"
                    ),
                    dbc.Select(
                        id=p("group"),
                        value=str(values["group"]),
                        options=[{"label": label, "value": v} for v, label in group_choices()],
                        style={"maxWidth": "32rem"},
                    ),
                ],
                className="mb-3",
            )
        )
    rows.append(
        _fieldset(
            "Areas to show in the trend chart",
            html.Div(
                [
                    html.Div(
                        [
                            html.Button(
                                "Programme only (clear the ticks)",
                                id=p("quick-none"),
                                n_clicks=0,
                                type="button",
                                className="btn btn-outline-dark btn-sm",
                            ),
                            html.Button(
                                "Tick every area",
                                id=p("quick-all"),
                                n_clicks=0,
                                type="button",
                                className="btn btn-outline-dark btn-sm",
                            ),
                        ],
                        className="d-flex flex-wrap gap-2 mb-2",
                        role="group",
                        **{"aria-label": "Quick picks for the areas"},
                    ),
                    html.Div(
                        id=p("areas"),
                        className="lfo-area-groups row",
                        children=html.P("Reading the areas…"),
                    ),
                ]
            ),
            hint="With no area ticked the trend chart shows the programme only. Ticked areas are also "
            "compared side by side with the programme below.",
        )
    )
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
        rows.append(
            _fieldset(
                "Characteristic (who is referred)",
                _radios(
                    p("char"),
                    [(c, characteristic_label(c)) for c in BREAKDOWNS],
                    str(values["char"]),
                    columns=True,
                ),
            )
        )
    rows.append(
        _fieldset(
            "Confidence interval",
            _radios(
                p("ci"),
                [
                    ("95", "95% (the usual level)"),
                    ("99.8", "99.8% (stricter: fewer areas flagged)"),
                ],
                str(values["ci"]),
            ),
        )
    )
    return html.Section(
        rows, className="lfo-filters mb-4", **{"aria-labelledby": p("filters-heading")}
    )


def topic_layout(topic: Topic, search: str = "") -> html.Div:
    """The whole page for ``topic`` (no database work)."""
    from dashboard.charts import chart_card  # the chart kit

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
            *topic.extra_cards(),
        ]
    )


# --- the page's state (used by dashboard.callbacks.topic) ---------------------------------------


@dataclass(frozen=True)
class Filters:
    """The filters of a topic page, as chosen (validated against the data)."""

    indicator: str  # the topic's indicator choice (a suffix on the Outcomes page)
    areas: tuple[str, ...] = ()
    period_from: str | None = None
    period_to: str | None = None
    period: str | None = None
    ci: str = "95"
    group: str = ALL
    measure: str | None = None
    char: str | None = None

    @property
    def ci_level(self) -> float:
        return float(self.ci)

    def engine_group(self) -> dict[str, str | None]:
        """The engine's ``intervention`` / ``level`` arguments for the group filter."""
        if self.group in (None, ALL):
            return {"intervention": None, "level": None}
        if self.group.startswith("level:"):
            return {"intervention": None, "level": self.group.split(":", 1)[1]}
        return {"intervention": self.group, "level": None}


def period_words(label: str | None) -> str:
    if not label:
        return ""
    p = parse_period(label)
    return p.display if "_Q" in label else f"{p.display} (financial year)"


def default_period(topic: Topic, periods: Sequence[str]) -> str | None:
    """The period the area comparisons show when the address names none."""
    quarters = [p for p in periods if "_Q" in p]
    years = [p for p in periods if "_Q" not in p]
    if topic.default_year and years:
        return years[-1]
    return quarters[-1] if quarters else None


def state_from_search(
    topic: Topic, search: str | None, areas: pd.DataFrame, periods: list[str]
) -> tuple[Filters, list[str]]:
    """The filters for ``search``: unknown areas and periods without data fall back, with a
    message; never an exception."""
    state = urlstate.parse_query(search, params(topic))
    v, messages = dict(state.values), list(state.messages)
    known = set(areas["area_code"])
    chosen = []
    for code in v["area"]:
        if code in known:
            chosen.append(code)
        else:
            messages.append(f"There is no programme area {code}; it was left out.")
    quarters = [p for p in periods if "_Q" in p]
    for name in ("from", "to"):
        if v[name] is not None and v[name] not in quarters:
            messages.append(
                f"There are no figures for {period_words(v[name])} yet; showing "
                f"the {'first' if name == 'from' else 'latest'} quarter instead."
            )
            v[name] = None
    start = v["from"] or (quarters[0] if quarters else None)
    end = v["to"] or (quarters[-1] if quarters else None)
    if start and end and quarters.index(start) > quarters.index(end):
        messages.append("The trend's first quarter was after its last; they were swapped.")
        start, end = end, start
    period = v["period"]
    if period is not None and period not in periods:
        fallback = default_period(topic, periods)
        messages.append(
            f"There are no figures for {period_words(period)} yet; showing "
            f"{period_words(fallback)}."
        )
        period = None
    period = period or default_period(topic, periods)
    return Filters(
        indicator=str(v["indicator"]),
        areas=tuple(chosen),
        period_from=start,
        period_to=end,
        period=period,
        ci=str(v["ci"]),
        group=str(v.get("group") or ALL),
        measure=v.get("measure"),
        char=v.get("char"),
    ), messages


def to_search(topic: Topic, f: Filters, periods: list[str]) -> str:
    """The query string for ``f``; defaults (first and latest quarter, latest period) left out,
    so a plain link always shows the newest data."""
    quarters = [p for p in periods if "_Q" in p]
    first = quarters[0] if quarters else None
    latest = quarters[-1] if quarters else None
    values: dict[str, object] = {
        "indicator": f.indicator,
        "area": tuple(f.areas),
        "from": None if f.period_from == first else f.period_from,
        "to": None if f.period_to == latest else f.period_to,
        "period": None if f.period == default_period(topic, periods) else f.period,
        "ci": f.ci,
    }
    if topic.by_group:
        values["group"] = f.group
    if topic.by_measure:
        values["measure"] = f.measure
    if topic.by_characteristic:
        values["char"] = f.char
    return urlstate.to_query(values, params(topic))


def area_groups(topic: Topic, areas: pd.DataFrame, chosen: Sequence[str]) -> list:
    """One labelled group of checkboxes per region."""
    out = []
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


def period_options(periods: Sequence[str], quarters_only: bool) -> list[dict[str, str]]:
    shown = [p for p in periods if "_Q" in p or not quarters_only]
    return [{"label": period_words(p), "value": p} for p in shown]


def definition_links(ids_: Sequence[str]) -> list[Component]:
    links: list[Component] = []
    for i in dict.fromkeys(ids_):
        if links:
            links.append(" · ")
        links.append(dcc.Link(f"How ‘{indicators()[i].name}’ is defined", href=f"/definitions#{i}"))
    return links


def profile_links(codes: Sequence[str], names: dict[str, str]) -> list[Component]:
    out: list[Component] = []
    for c in codes:
        out += [" · ", dcc.Link(f"{names.get(c, c)}: area profile", href=f"/area/{c}")]
    return out
