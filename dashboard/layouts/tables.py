"""A plain accessible table of a frame, for pages that show data as tables (the data-quality
page's loads and findings, the definitions page's reference tables)."""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd
from dash import html

from dashboard.charts.table import JSONList, json_maker

#: Table cells written as JSON (``json_maker``: props in the component's order, checked once).
_TR = json_maker(html.Tr, "children")
_TH = json_maker(html.Th, "children", "className", "scope")
_TD = json_maker(html.Td, "children", "className")


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
