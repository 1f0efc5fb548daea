"""The area profile's spine as a table with small bars, shown on phones in place of the plotly
spine (``dashboard.present.area_spine_table``; the switch is a media query in
``assets/site/app.css``: ``.lfo-spine-table``).

``spine_slot(chart_id)`` is the empty box a page puts in the spine's card, after its subtitle
(``with_spine_slot``); the page's callback fills it with ``spine_table(table)``.
"""

from __future__ import annotations

from typing import Any

from dash import dcc, html
from dash.development.base_component import Component

from dashboard import ids
from dashboard.layouts.shell import aria
from dashboard.present.area_spine_table import Bar, SpineRow, SpineTable, bar_key, chosen_key

SLOT_CLASS = "lfo-spine-table"


def slot_id(chart_id: str) -> str:
    """The id of the phone table's box in the card ``chart_id``."""
    return ids.chart(chart_id, "phone-table")


def spine_slot(chart_id: str) -> html.Div:
    """The phone table's empty box."""
    return html.Div(id=slot_id(chart_id), className=SLOT_CLASS)


def with_spine_slot(card: Component, chart_id: str) -> Component:
    """The card (``chart_card``'s) with the phone table's box after its subtitle (first, if the
    card has no subtitle): on a phone the table comes first, before the summary."""
    children: list[Any] = list(card.children)
    subtitle = ids.chart(chart_id, "subtitle")
    at = next((k + 1 for k, c in enumerate(children) if getattr(c, "id", None) == subtitle), 0)
    children.insert(at, spine_slot(chart_id))
    card.children = children
    return card


def _bar(bar: Bar) -> html.Div:
    """The row's bar (decorative: the figures and words beside it say the same; the key under
    the table says what its upright line is, the benchmark chosen)."""
    marks: list[Component] = []
    if bar.low is not None and bar.high is not None:
        width = max(bar.high - bar.low, 1.0)
        marks.append(
            html.Span(
                className="lfo-spine-bar__range",
                style={"left": f"{bar.low}%", "width": f"{width}%"},
            )
        )
    if bar.benchmark is not None:
        # (the class keeps its old name: the stylesheet draws the chosen benchmark's line by it)
        marks.append(
            html.Span(className="lfo-spine-bar__programme", style={"left": f"{bar.benchmark}%"})
        )
    if bar.area is not None:
        marks.append(html.Span(className="lfo-spine-bar__area", style={"left": f"{bar.area}%"}))
    return html.Div(marks, className="lfo-spine-bar", **aria(hidden="true"))


def _no_line(bar: Bar) -> list[Component]:
    """Why the bar has no benchmark line (the chosen group's figure suppressed or missing),
    under the bar: in words, not only by the line's absence."""
    return [html.Span(bar.missing, className="d-block small")] if bar.missing else []


def _benchmark_figure(heading: str, figure: str) -> list[Component]:
    """The chosen group benchmark's figure after the comparison ("(Region (London): 60%)"):
    in the comparison's cell, not a column of its own, so the table still fits a 390 px
    phone (a fifth column made the page scroll sideways)."""
    if not heading:
        return []
    return [html.Span(f" ({heading}: {figure})", className="d-block small")]


def _row_id(row: SpineRow) -> str:
    """The id of a row's header cell, which the line of chosen areas under it names as its
    header (``headers``): a screen reader says which indicator the figures are for."""
    return f"lfo-spine-phone-{row.indicator.replace('.', '-')}"


def _chosen_line(row: SpineRow, columns: int) -> html.Tr:
    """The line under a row: each chosen area's name and figure, wrapping at the spaces
    between them (a row of its own across the table, so six areas fit a 390 px phone)."""
    items = [
        html.Li(
            [
                html.Span(name, className="lfo-spine-chosen__name"),
                "\u00a0",
                html.Span(figure, className="lfo-spine-chosen__figure"),
            ],
            className="lfo-spine-chosen__area",
        )
        for name, figure in row.chosen
    ]
    return html.Tr(
        html.Td(
            [
                html.Span("Chosen areas: ", className="visually-hidden"),
                html.Ul(items, className="lfo-spine-chosen"),
            ],
            colSpan=columns,
            headers=_row_id(row),
        ),
        className="lfo-spine-table__chosen",
    )


def _rows(table: SpineTable) -> list[Component]:
    """Each indicator's row, and the line of chosen areas under it when there are any."""
    out: list[Component] = []
    for row in table.rows:
        out.append(
            html.Tr(
                [
                    html.Th(
                        [dcc.Link(row.name, href=row.href), _bar(row.bar), *_no_line(row.bar)],
                        id=_row_id(row),
                        scope="row",
                        className="lfo-spine-table__indicator",
                    ),
                    html.Td(row.area, className="text-end"),
                    html.Td(row.programme, className="text-end"),
                    html.Td(
                        [
                            html.Span(
                                row.symbol,
                                className="lfo-spine-comparison__symbol",
                                **aria(hidden="true"),
                            ),
                            row.comparison,
                            *_benchmark_figure(table.benchmark_heading, row.benchmark),
                        ],
                        className="lfo-spine-table__compared",
                    ),
                ],
                className="lfo-spine-table__with-chosen" if row.chosen else None,
            )
        )
        if row.chosen:
            out.append(_chosen_line(row, 4))
    return out


def spine_table(table: SpineTable | None) -> Component | None:
    """The phone table: each indicator (linking to its definition) with its bar under its name,
    the area's and the programme's figures, and the comparison in words after its symbol (with
    the chosen group benchmark's figure under it); under each row, the chosen areas' figures.
    Column headings wrap at spaces only (``.lfo-spine-table thead th`` in app.css)."""
    if table is None or not table.rows:
        return None
    head = html.Thead(
        html.Tr(
            [
                html.Th("Indicator", scope="col"),
                html.Th(table.area_heading or table.area_name, scope="col", className="text-end"),
                html.Th("Programme", scope="col", className="text-end"),
                html.Th(table.compared_heading, scope="col"),
            ]
        )
    )
    key = bar_key(table.area_name, table.mark_words)
    chosen = chosen_key(table)
    return html.Div(
        [
            # (a word too long for its column scrolls the table in this box, never the page:
            # focusable and named, as the desktop twin's box, for keyboard users)
            html.Div(
                html.Table(
                    # (the caption repeats the card's heading just above: read, not shown)
                    [
                        html.Caption(table.caption, className="visually-hidden"),
                        head,
                        html.Tbody(_rows(table)),
                    ],
                    className="table table-sm caption-top lfo-table",
                ),
                className="table-responsive",
                tabIndex="0",
                role="region",
                **aria(label=f"Table: {table.caption}"),
            ),
            html.P(f"{key} {chosen}" if chosen else key, className="small"),
        ]
    )
