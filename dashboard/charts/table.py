"""The table twin of a chart: an accessible HTML table of exactly the plotted numbers, and the
JSON Dash sends for components (``component_json``, ``json_maker``, ``plain_json``).

The twin's frame (``plotted_table``) and its display text (``display_cells``) are made in
``dashboard.charts.frame`` (pure data); this module draws them as Dash components.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pandas as pd
from _plotly_utils.optional_imports import get_module
from dash import html
from dash.development.base_component import Component
from plotly.io._json import clean_to_json_compatible

from dashboard.charts.frame import (
    STATUS,
    STATUS_KEY,
    UNITS,
    display_cells,
    numeric_columns,
    plotted_table,
)

# the twin's frame keeps its older import path here (``from dashboard.charts.table import ...``)
__all__ = [
    "STATUS",
    "STATUS_KEY",
    "UNITS",
    "JSONList",
    "component_json",
    "display_cells",
    "json_maker",
    "numeric_columns",
    "plain_json",
    "plotted_table",
    "table_twin",
]

#: Per component class and the names of the props given: the order of the props in its JSON and
#: the props it sets itself (``children`` is always set, to None when not given).
_PROP_ORDER: dict[tuple[type, tuple[str, ...]], tuple[tuple[str, ...], dict[str, Any]]] = {}


def component_json(cls: type[Component], **props: Any) -> dict[str, Any]:
    """What ``cls(**props).to_plotly_json()`` gives (the JSON the browser receives), made directly.

    Props keep the component's own order, so the JSON is the same text; props passed as None are
    kept, as the component keeps them, and ``children`` is None when not given, as the component
    sets it. Only known props (not ``data-*`` / ``aria-*``)."""
    key = (cls, tuple(props))
    entry = _PROP_ORDER.get(key)
    if entry is None:
        # made once with these props (a component with required props, such as dcc.Link's
        # href, cannot be made without them; an unknown prop raises TypeError here)
        made = cls(**props)
        unknown = set(props) - set(made._prop_names)
        if unknown:
            raise TypeError(f"{cls.__name__} has no prop {sorted(unknown)}")
        # (dash's Component.to_plotly_json has no annotations)
        made_props = made.to_plotly_json()["props"]  # type: ignore[no-untyped-call]
        own = {p: v for p, v in made_props.items() if p not in props}
        if any(v is not None for v in own.values()):
            raise TypeError(f"{cls.__name__} sets props of its own: {sorted(own)}")
        entry = (tuple(made_props), own)
        _PROP_ORDER[key] = entry
    order, own = entry
    if own:
        return {
            "props": {p: props.get(p) for p in order},
            "type": cls._type,
            "namespace": cls._namespace,
        }
    return {
        "props": {p: props[p] for p in order},
        "type": cls._type,
        "namespace": cls._namespace,
    }


def json_maker(cls: type[Component], *names: str) -> Callable[..., dict[str, Any]]:
    """``component_json(cls, **dict(zip(names, values)))`` as a function of the values, for cells
    made by the thousand. ``names`` must be in the order the component writes its props and name
    every prop it writes (``children`` included), which is checked here, once."""
    order = tuple(component_json(cls, **dict.fromkeys(names, ""))["props"])
    if order != names:
        raise ValueError(f"{cls.__name__} writes its props as {order}, not {names}")
    kind, namespace = cls._type, cls._namespace

    def make(*values: Any) -> dict[str, Any]:
        return {
            "props": dict(zip(names, values, strict=True)),
            "type": kind,
            "namespace": namespace,
        }

    return make


class JSONList(list[Any]):
    """A list already written as plain JSON (components as ``component_json`` gives them, strings,
    numbers, None): ``plain_json`` keeps it as it is instead of walking it."""


def _clean(value: Any) -> Any:
    """What Dash's encoder makes of one value it cannot hand to orjson as it is (a figure, a
    numpy or pandas value): plotly's own conversion, with the modules it would pass."""
    return clean_to_json_compatible(
        value,
        numpy_allowed=True,
        datetime_allowed=True,
        modules={
            "sage_all": get_module("sage.all", should_load=False),
            "np": get_module("numpy", should_load=False),
            "pd": get_module("pandas", should_load=False),
            "image": get_module("PIL.Image", should_load=False),
        },
    )


def plain_json(value: Any) -> Any:
    """``value`` as the plain data Dash's encoder turns it into (components and figures as their
    JSON, pandas and numpy values converted as plotly converts them): the same JSON text.

    Dash encodes a callback's answer with ``plotly.io.json.to_json_plotly``, which gives it to
    orjson as it is when everything in it is plain, but walks the whole answer in Python first
    (``clean_to_json_compatible``) when anything in it is not: one component or figure anywhere
    and a grid of thousands of cells written as JSON is walked again, cell by cell. So a callback
    returns its outputs through this, and writes its large parts as JSON in a ``JSONList``
    (which is not walked again here)."""
    if isinstance(value, (str, int, float)) or value is None or isinstance(value, JSONList):
        return value
    if isinstance(value, Component):
        value = value.to_plotly_json()  # type: ignore[no-untyped-call]  # not annotated in dash
    if type(value) is dict:
        return {k: plain_json(v) for k, v in value.items()}
    if type(value) in (list, tuple):
        return [plain_json(v) for v in value]
    return _clean(value)


_TWIN_TD = json_maker(html.Td, "children", "className")
_TWIN_TH = json_maker(html.Th, "children", "className", "scope")
_TWIN_TR = json_maker(html.Tr, "children")


def table_twin(df: pd.DataFrame, caption: str) -> html.Table:
    """An accessible table: caption, column headers with ``scope="col"``, the first column as row
    headers, numbers right-aligned, ``[c]`` / ``[x]`` / ``[z]`` where the status says so."""
    cells = display_cells(df)
    numeric = set(numeric_columns(df))
    head = html.Thead(
        html.Tr(
            [
                html.Th(c, scope="col", className="text-end" if c in numeric else None)
                for c in cells.columns
            ]
        )
    )
    # The body rows (often thousands of cells) are written as the JSON the browser receives for
    # html.Tr / html.Th / html.Td (``json_maker``): the same output, without building and
    # then serialising a Dash component per cell.
    classes = [f"{'text-end' if c in numeric else ''} text-nowrap".strip() for c in cells.columns]
    first_class = "text-end" if len(cells.columns) and cells.columns[0] in numeric else None
    # the values ``cells.itertuples()`` gives, a column at a time
    columns = [list(cells.iloc[:, k]) for k in range(cells.shape[1])]
    rows = zip(*columns, strict=True) if columns else itertools.repeat((), len(cells))
    td_classes = classes[1:]
    body_rows = JSONList()
    for values in rows:
        tds = [_TWIN_TD(value, cls) for value, cls in zip(values[1:], td_classes, strict=True)]
        if values:
            tds.insert(0, _TWIN_TH(values[0], first_class, "row"))
        body_rows.append(_TWIN_TR(tds))
    used = sorted(set(df[STATUS].dropna().astype(str)) if STATUS in df else set())
    children: list[Any] = [
        html.Caption(caption, style={"captionSide": "top"}),
        head,
        html.Tbody(body_rows),
    ]
    table = html.Table(children, className="table table-sm chart-table")
    if not used:
        return table
    key = "; ".join(STATUS_KEY[s] for s in used if s in STATUS_KEY)
    return html.Table(
        [*children, html.Tfoot(html.Tr(html.Td(key, colSpan=len(cells.columns))))],
        className="table table-sm chart-table",
    )
