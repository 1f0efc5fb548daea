"""A chart card's "About this indicator": what the figures are, beside the chart.

A native ``<details>`` (keyboard and screen-reader friendly, folded by default) under the chart's
summary: for each indicator the chart shows (``ChartContent.indicator_ids``, from the catalogue
``lfo.indicators.definitions``) its definition, numerator, denominator, unit, interval method,
period and caveats, with a link to its full entry on the definitions page
(``/definitions#<indicator id>``, the anchor ``dashboard.layouts.definitions`` gives it); then the
key to the symbols ``[c]``, ``[x]`` and ``[z]`` (``dashboard.present.words.status_key``).
"""

from __future__ import annotations

from collections.abc import Sequence

from dash import html
from dash.development.base_component import Component

from dashboard.present.words import COMPARISON_METHOD, METHOD_WORDS, status_key
from lfo.indicators.definitions import indicator_caveats, indicators
from lfo.indicators.indicator import NONE, Indicator

SUMMARY_ONE, SUMMARY_MANY = "About this indicator", "About these indicators"
KEY_TITLE = "Symbols in the chart, the table and the downloads"


def definition_href(indicator_id: str) -> str:
    """The link to an indicator's full entry on the definitions page."""
    return f"/definitions#{indicator_id}"


def method_words(ind: Indicator) -> str:
    """ "Wilson score interval (a percentage); better or worse than the benchmark when …"."""
    words = METHOD_WORDS.get(ind.interval_method, ind.interval_method)
    if ind.has_interval and ind.polarity != NONE:
        words += f"; {COMPARISON_METHOD}"
    elif ind.has_interval:
        words += "; no polarity, so higher or lower than the benchmark rather than better or worse"
    return words


def fields(ind: Indicator) -> list[tuple[str, str | list[str]]]:
    """(label, text) of what the panel says about one indicator, in order."""
    public = ind.public()
    return [
        ("Definition", public["definition"]),
        ("Numerator", public["numerator"]),
        ("Denominator", public["denominator"]),
        ("Unit", public["unit"]),
        ("Polarity", public["polarity"]),
        ("Method", method_words(ind)),
        ("Period", public["period_basis"]),
        ("Caveats", list(indicator_caveats(ind))),
    ]


def _entry(ind: Indicator) -> html.Div:
    rows: list[Component] = []
    for label, text in fields(ind):
        value = (
            html.Ul([html.Li(t) for t in text], className="mb-0")
            if isinstance(text, list)
            else text
        )
        rows += [
            html.Dt(label, className="col-sm-3 mb-1"),
            html.Dd(value, className="col-sm-9 mb-1"),
        ]
    return html.Div(
        className="chart-about-entry mb-3",
        children=[
            html.P(html.Strong(ind.name), className="mb-1"),
            html.Dl(rows, className="row mb-1"),
            html.P(
                html.A(
                    f"Full definition of {ind.name} (definitions page)",
                    href=definition_href(ind.id),
                ),
                className="mb-0",
            ),
        ],
    )


def status_key_list(threshold: int | None = None) -> html.Div:
    """The key to ``[c]``, ``[x]`` and ``[z]``."""
    parts: list[Component] = []
    for symbol, text in status_key(threshold):
        parts += [
            html.Dt(symbol, className="col-sm-3 mb-1"),
            html.Dd(text, className="col-sm-9 mb-1"),
        ]
    return html.Div(
        className="chart-status-key",
        children=[
            html.P(html.Strong(KEY_TITLE), className="mb-1"),
            html.Dl(parts, className="row mb-0"),
        ],
    )


def about(indicator_ids: Sequence[str], threshold: int | None = None) -> html.Details | None:
    """The panel for a chart of ``indicator_ids`` (unknown ids and repeats left out); None when
    the chart names no indicator (nothing to say)."""
    catalogue = indicators()
    known = [catalogue[i] for i in dict.fromkeys(indicator_ids) if i in catalogue]
    if not known:
        return None
    return html.Details(
        className="chart-about mb-2",
        children=[
            html.Summary(SUMMARY_ONE if len(known) == 1 else SUMMARY_MANY),
            html.Div(
                className="chart-about-body pt-2",
                children=[*[_entry(i) for i in known], status_key_list(threshold)],
            ),
        ],
    )
