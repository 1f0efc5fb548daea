"""A chart card's "About this indicator": what the figures are, beside the chart.

A native ``<details>`` (keyboard and screen-reader friendly, folded by default) under the chart's
summary: for each indicator the chart shows (``ChartContent.indicator_ids``, from the catalogue
``lfo.indicators.definitions``) its definition, numerator, denominator, unit, interval method,
period and caveats, with a link to its full entry on the definitions page
(``/definitions#<indicator id>``, the anchor ``dashboard.layouts.definitions`` gives it); then the
key to the symbols ``[c]``, ``[x]`` and ``[z]`` (``dashboard.present.words.status_key``).

A card sends only the folded panel's shell (``about_shell``: its summary line and a key naming the
indicators and the threshold, codes only); the panel's body is made on the server when the reader
first opens it (``register``: one callback for every card of the app, keyed by the shell's id).
The body of a chart of many indicators (the area profile's spine: about 500 components) is then
neither sent with every redraw nor kept by the browser's renderer, whose every update walks every
component on the page (docs/benchmarks.md, "Issue 11 — speed as felt"). ``about`` is the whole
panel at once (the definitions page's tests check every link of it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

from dash import MATCH, Input, Output, ctx, html
from dash.development.base_component import Component
from dash.exceptions import PreventUpdate

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


def _known(indicator_ids: Sequence[str]) -> list[Indicator]:
    catalogue = indicators()
    return [catalogue[i] for i in dict.fromkeys(indicator_ids) if i in catalogue]


def about(indicator_ids: Sequence[str], threshold: int | None = None) -> html.Details | None:
    """The panel for a chart of ``indicator_ids`` (unknown ids and repeats left out); None when
    the chart names no indicator (nothing to say)."""
    known = _known(indicator_ids)
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


# --- folded until opened ---------------------------------------------------------------------

#: The pattern ids of a lazy panel's summary (its clicks open it) and body.
SUMMARY_TYPE, BODY_TYPE = "chart-about-summary", "chart-about-body"
#: What the body says until the server's answer replaces it (a few milliseconds).
LOADING = "Loading the definitions…"
#: Bounds of a key the browser sends back: its length, and a threshold's range.
MAX_KEY, MAX_THRESHOLD = 2000, 1000


def about_key(indicator_ids: Sequence[str], threshold: int | None, salt: str = "") -> str:
    """The shell's key: ``<threshold or ->|<indicator ids, comma-separated>|<tag>``; the tag (a
    short hash of ``salt``, the card's title) keeps two cards of the same indicators apart."""
    ids_part = ",".join(i.id for i in _known(indicator_ids))
    tag = hashlib.sha256(f"{salt}|{ids_part}".encode()).hexdigest()[:10]
    return f"{'-' if threshold is None else int(threshold)}|{ids_part}|{tag}"


def parse_key(key: object) -> tuple[list[str], int | None]:
    """(indicator ids, threshold) from a shell's key, each checked: ids must be in the catalogue
    and the threshold a whole number in range; ``ValueError`` otherwise."""
    if not isinstance(key, str) or len(key) > MAX_KEY or key.count("|") != 2:
        raise ValueError("not a panel key")
    threshold_text, ids_text, _tag = key.split("|")
    catalogue = indicators()
    ids = [i for i in ids_text.split(",") if i]
    if not ids or any(i not in catalogue for i in ids):
        raise ValueError("unknown indicator")
    if threshold_text == "-":
        return ids, None
    if not threshold_text.isdigit() or int(threshold_text) > MAX_THRESHOLD:
        raise ValueError("bad threshold")
    return ids, int(threshold_text)


def about_shell(
    indicator_ids: Sequence[str], threshold: int | None = None, salt: str = ""
) -> html.Details | None:
    """The folded panel as a card sends it: the summary line and a body that says it is loading,
    filled on the server when first opened (``register``); None when the chart names no
    indicator."""
    known = _known(indicator_ids)
    if not known:
        return None
    key = about_key(indicator_ids, threshold, salt)
    return html.Details(
        className="chart-about mb-2",
        children=[
            html.Summary(
                SUMMARY_ONE if len(known) == 1 else SUMMARY_MANY,
                id={"type": SUMMARY_TYPE, "key": key},
                n_clicks=0,
            ),
            html.Div(
                id={"type": BODY_TYPE, "key": key},
                className="chart-about-body pt-2",
                children=html.P(LOADING, className="mb-0"),
            ),
        ],
    )


def update_about_body(n_clicks: object, key: object) -> Any:
    """The body of the panel whose summary was clicked: on an opening click (odd), the entries
    and the key to the symbols; closing clicks change nothing."""
    if not isinstance(n_clicks, int) or n_clicks % 2 == 0:
        raise PreventUpdate
    try:
        indicator_ids, threshold = parse_key(key)
    except ValueError:
        raise PreventUpdate from None
    return [*[_entry(i) for i in _known(indicator_ids)], status_key_list(threshold)]


def register(app: Any) -> None:
    """The one callback that fills every lazy panel of ``app`` when it is opened."""

    def fill(n_clicks: object) -> Any:
        trigger = ctx.triggered_id
        key = trigger.get("key") if isinstance(trigger, dict) else None
        return update_about_body(n_clicks, key)

    fill.__name__ = update_about_body.__name__
    app.callback(
        Output({"type": BODY_TYPE, "key": MATCH}, "children"),
        Input({"type": SUMMARY_TYPE, "key": MATCH}, "n_clicks"),
        prevent_initial_call=True,
    )(fill)
