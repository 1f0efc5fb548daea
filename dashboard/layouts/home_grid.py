"""The home page's compare-areas grid: areas × key indicators, each cell filled by its comparison
with the programme (a word and a shape too, never colour alone; styles in
``assets/site/grid.css``), its recent trend as an arrow with words, a count row per column and the
columns every area's figure is suppressed in left out with a line saying so. Written as the JSON
the browser receives (``json_maker``): the grid has thousands of cells.

What each cell says comes from ``present.overview_grid``; this module only lays it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pandas as pd
from dash import dcc, html
from dash.development.base_component import Component

from dashboard.charts.table import JSONList, json_maker, plain_json
from dashboard.present import confidence as pci
from dashboard.present import overview_grid as pg
from dashboard.present.benchmark import DEFAULT_BENCHMARK
from lfo.indicators.definitions import indicators
from lfo.terms import PROGRAMME, PROGRAMME_LABEL


def grid_key() -> html.Ul:
    """What the grid's fills, shapes and arrows mean (each also said in words in every cell)."""
    swatches = [
        html.Li(html.Span(f"{pg.COMPARISON_SHAPES[c]} {c}", className=f"lfo-swatch lfo-cmp-{c}"))
        for c in pg.COUNTED
    ]
    arrows = [html.Li(f"{arrow} {words}") for words, arrow in pg.TREND_ARROWS.items()]
    return html.Ul(
        [html.Li(html.Strong("Key:")), *swatches, *arrows, html.Li("(recent trend)")],
        className="lfo-grid-key small mb-2",
    )


def grid(
    rows: pd.DataFrame,
    order_codes: list[str],
    period: str,
    made_rows: Mapping[str, dict[str, Any]] | None = None,
    ci: str = pci.DEFAULT_CI,
    benchmark: str = DEFAULT_BENCHMARK,
    release: str | None = None,
    counted: int | None = None,
) -> dict[str, Any]:
    """The accessible table of areas × key indicators (each cell's comparison at ``ci`` in a
    word, a shape and a fill; its recent trend as an arrow with words), as the JSON the browser
    receives (``plain_json``): its thousands of cells are written as JSON (``json_maker``), not
    built as Dash components and then serialised one by one. A count row under the headers says
    how many areas are better, similar and worse in each column; the columns every area's
    figure is suppressed in are left out, with a line saying so.

    ``made_rows``: ``grid_rows(rows, period, ci)``, if already made (the rows do not depend on
    the order, so a page re-sorted uses the same ones). ``release``: the release the page shows
    (None: live), kept by every link (``choices.with_release``). ``counted``: how many areas
    the count row counts when ``order_codes`` is only the first of them (its heading says so)."""
    catalogue = indicators()
    hidden = pg.suppressed_columns(rows)
    shown = [i for i in pg.GRID_INDICATORS if i not in hidden]
    head = [html.Th("Area", scope="col")] + [
        html.Th(
            scope="col",
            children=dcc.Link(
                [
                    pg.GRID_HEADERS[i],
                    html.Span(f" ({catalogue[i].name})", className="visually-hidden"),
                ],
                href=pg.topic_link(i, period, ci, release),
            ),
        )
        for i in shown
    ]
    counts = pg.column_counts(rows)
    count_row = html.Tr(
        [html.Th(_count_heading(ci, counted), scope="row")]
        + [html.Td(_counts(counts[i]), className="text-end") for i in shown],
        className="lfo-counts",
    )
    made = made_rows if made_rows is not None else grid_rows(rows, period, ci, benchmark, release)
    lookup = None
    body = [made[PROGRAMME]]
    for code in order_codes:
        row = made.get(code)
        if row is None:  # not an area of ``rows`` (its cells say "no data")
            lookup = pg.cells(rows) if lookup is None else lookup
            row = _grid_row(lookup, code, code, period, ci, shown, benchmark, release)
        body.append(row)
    table = html.Table(
        className="table table-sm lfo-table lfo-grid align-middle",
        children=[
            html.Caption(pg.grid_caption(period, ci, benchmark)),
            html.Thead([html.Tr(head), count_row]),
            html.Tbody(JSONList(body)),
        ],
    )
    note = pg.suppressed_note(hidden, period)
    parts: list[Component] = [html.Div(table, className="table-responsive")]
    if note:
        parts.insert(0, html.P(note, className="lfo-notice"))
    why = pg.uncompared_note(rows, benchmark)
    if why:
        parts.append(html.P(why, className="small"))
    return _json(html.Div(parts))


def _count_heading(ci: str, counted: int | None) -> str:
    """The count row's heading: it counts every area, also those the grid does not draw."""
    every = f", all {counted}" if counted is not None else ""
    return f"Number of areas{every} ({pci.checked(ci)}%)"


def _counts(counts: dict[str, int] | None) -> list[Component] | str:
    if counts is None:
        return "not compared"
    return [html.Span(f"{pg.COMPARISON_SHAPES[c]} {counts[c]} {c}") for c in pg.COUNTED]


def grid_rows(
    rows: pd.DataFrame,
    period: str,
    ci: str = pci.DEFAULT_CI,
    benchmark: str = DEFAULT_BENCHMARK,
    release: str | None = None,
) -> dict[str, dict[str, Any]]:
    """Every row of the grid as ``html.Tr``'s JSON, by area code: the programme's (always) and
    each area's in ``rows`` (the columns every area's figure is suppressed in left out)."""
    lookup = pg.cells(rows)
    hidden = pg.suppressed_columns(rows)
    shown = [i for i in pg.GRID_INDICATORS if i not in hidden]
    names = dict(zip(rows["area_code"], rows["area_name"], strict=False))
    made = {PROGRAMME: _grid_row(lookup, PROGRAMME, PROGRAMME_LABEL, period, ci, shown, benchmark)}
    for code, name in names.items():
        if code != PROGRAMME:
            made[code] = _grid_row(lookup, code, name, period, ci, shown, benchmark, release)
    return made


#: The grid's cells are written as JSON by these (``json_maker``: the props in the component's
#: order, checked once).
_TH = json_maker(html.Th, "children", "scope")
_TR = json_maker(html.Tr, "children")
_TD = json_maker(html.Td, "children", "className")
_SPAN_CLASS = json_maker(html.Span, "children", "className")
_LINK = json_maker(dcc.Link, "children", "href")
_TD_PLAIN = json_maker(html.Td, "children")


def _grid_row(
    lookup: Mapping[tuple[str, str], Mapping[str, Any]],
    code: str,
    name: str,
    period: str,
    ci: str = pci.DEFAULT_CI,
    shown: list[str] | None = None,
    benchmark: str = DEFAULT_BENCHMARK,
    release: str | None = None,
) -> dict[str, Any]:
    """A grid row as ``html.Tr``'s JSON."""
    if code == PROGRAMME:
        header = _TH(name, "row")
    else:
        header = _TH(_LINK(name, pg.area_link(code, period=period, release=release)), "row")
    columns = pg.GRID_INDICATORS if shown is None else shown
    return _TR(
        [header]
        + [
            _grid_cell(
                pg.grid_cell(lookup.get((code, i)), code, name, i, period, ci, benchmark, release)
            )
            for i in columns
        ]
    )


#: A missing figure's cell: its mark and words in the secondary text colour.
_MISSING = "text-end text-body-secondary"


def _grid_cell(cell: pg.GridCell) -> dict[str, Any]:
    """A grid cell as ``html.Td``'s JSON: the figure (its link's words for screen readers with
    it) and its trend's arrow on the first line; under it the comparison in a shape and a word
    (its level in words for screen readers), and "getting better" / "getting worse" where the
    trend says so; the cell filled by the comparison.

    As few components as the words need (the grid is hundreds of cells, and the browser's work
    grows with every component): the arrow is text of the cell itself; the lines under the
    figure are one block of text (``white-space: pre``), its words for screen readers in one
    hidden span."""
    if cell.mark is not None:
        return _TD([cell.mark, _SPAN_CLASS(f" {cell.words}", "small d-block")], _MISSING)
    if cell.href is None:
        figure = _SPAN_CLASS(cell.value, "fw-bold")
    else:
        figure = _LINK([cell.value, _SPAN_CLASS(cell.context, "visually-hidden")], cell.href)
    parts: list[Any] = [figure]
    if cell.arrow:
        parts.append(f"\u00a0{cell.arrow}")  # beside the figure
    lines = _lines(cell)
    if lines:
        parts.append(_SPAN_CLASS(lines, "lfo-cmp"))
    fill = f" lfo-cmp-{cell.comparison}" if cell.comparison in pg.COUNTED else ""
    return _TD(parts, "text-end" + fill)


def _lines(cell: pg.GridCell) -> list[Any]:
    """What is under a cell's figure: the comparison ("◆ better") or why there is none ("not
    compared [c]"), with the words only screen readers hear (the comparison's level, the
    trend's direction), then the trend's judgement on a line of its own."""
    first = ""
    if cell.comparison:
        first = f"{cell.shape} {cell.comparison}"
    elif cell.uncompared:
        first = f"not compared {cell.uncompared}"
    said = cell.label.removeprefix(cell.comparison or "") if cell.comparison else ""
    if cell.direction:
        said += f" ({cell.direction})"
    lines: list[Any] = [first] if first else []
    if said:
        lines.append(_SPAN_CLASS(said, "visually-hidden"))
    if cell.trend:
        lines.append(f"\n{cell.trend}" if first else cell.trend)
    return lines


def _json(component: Component) -> dict[str, Any]:
    """``component`` as the JSON the browser receives (``plain_json``)."""
    made: dict[str, Any] = plain_json(component)
    return made
