"""The table twin of a chart: an accessible HTML table of exactly the plotted numbers.

A page builds the twin's DataFrame with ``plotted_table`` (or its own display columns); numbers are
formatted for display only (``compare.format_value``), the unrounded values go to the downloads.
A ``status`` column (c / x / z) is not shown as a column: its code replaces the row's missing
numbers as ``[c]``, ``[x]`` or ``[z]``, and the key is written under the table.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from _plotly_utils.optional_imports import get_module
from dash import html
from dash.development.base_component import Component
from plotly.io._json import clean_to_json_compatible

from dashboard.present.words import category_label, display_unit, period_label
from lfo.indicators.compare import format_value
from lfo.indicators.definitions import Indicator

STATUS = "status"
#: The GSS shorthand used in tables and downloads.
STATUS_KEY = {
    "c": "[c] confidential: suppressed to protect confidentiality",
    "x": "[x] not available",
    "z": "[z] not applicable",
}
#: ``df.attrs[UNITS]``: display unit (``format_value`` unit, or an indicator unit text) per column.
UNITS = "units"


def plotted_table(
    rows: pd.DataFrame,
    indicator: Indicator,
    *,
    ci: float = 95.0,
    columns: Sequence[str] = (
        "area_name",
        "period",
        "category",
        "value",
        "lower",
        "upper",
        "numerator",
        "denominator",
        "comparison",
        "trend",
        "return_period",
    ),
) -> pd.DataFrame:
    """Engine rows → the twin's display frame (and the downloads' data), one row per row given.

    Only the engine columns named in ``columns`` that carry something are kept; ``status`` always
    travels. Column names say the unit ("Value (%)"); ``attrs["units"]`` records it for display.
    """
    unit, _ = display_unit(indicator)
    unit_word = {"%": "%", "count": "number", "days": "days", "points": "points"}.get(unit)
    suffix = f" ({unit_word})" if unit_word else ""
    interval = (
        "interquartile range" if indicator.kind == "median" else f"{ci:g}% confidence interval"
    )
    names = {
        "area_name": "Area",
        "area_code": "Area code",
        "period": "Period",
        "category": "Category",
        "value": f"Value{suffix}",
        "lower": f"Lower limit ({interval})",
        "upper": f"Upper limit ({interval})",
        "numerator": "Numerator",
        "denominator": "Denominator",
        "comparison": "Compared with the programme",
        "trend": "Recent trend",
        "benchmark": f"Programme value{suffix}",
        "indicator": "Indicator id",
        "return_period": "Latest return used",
    }
    keep = [c for c in columns if c in rows and rows[c].notna().any()]
    out = pd.DataFrame(index=rows.index)
    for c in keep:
        series = rows[c]
        if c in ("period", "return_period"):
            series = series.map(period_label)
        elif c == "category":
            series = series.map(category_label)
        elif c == "area_name" and "area_code" in rows:
            series = series.where(rows["area_code"] != "programme", "Programme (all areas)")
        elif c in ("value", "lower", "upper", "benchmark", "numerator", "denominator"):
            series = pd.to_numeric(series, errors="coerce").astype(float)
        out[names.get(c, c)] = series.to_numpy()
    status = rows[STATUS] if STATUS in rows else pd.Series(None, index=rows.index)
    out[STATUS] = pd.Series(
        status.astype(object).where(status.notna(), None).to_numpy(), index=out.index, dtype=object
    )
    units = {
        names[c]: indicator.unit for c in ("value", "lower", "upper", "benchmark") if c in keep
    }
    units.update({names[c]: "count" for c in ("numerator", "denominator") if c in keep})
    out = out.reset_index(drop=True)
    out.attrs[UNITS] = units
    return out


def _unit_for(column: str, series: pd.Series, units: Mapping[str, str]) -> tuple[str, int | None]:
    if column in units:
        return display_unit(units[column])
    lowered = column.lower()
    if "%" in lowered or "per cent" in lowered or "percentage" in lowered:
        return "%", None
    if pd.api.types.is_integer_dtype(series) or any(
        w in lowered
        for w in ("count", "number", "numerator", "denominator", "parents", "families", "episodes")
    ):
        return "count", None
    return "rate", None


def display_cells(df: pd.DataFrame) -> pd.DataFrame:
    """The frame as display text: numbers formatted, missing numbers as ``[status]``."""
    units: Mapping[str, str] = df.attrs.get(UNITS, {})
    status = df[STATUS].astype(object) if STATUS in df else pd.Series(None, index=df.index)
    marks = status.map(lambda s: f"[{s}]" if isinstance(s, str) and s else "")
    out = pd.DataFrame(index=df.index)
    for column in df.columns:
        if column == STATUS:
            continue
        series = df[column]
        if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
            unit, dp = _unit_for(column, series, units)
            text = [format_value(v, unit, dp) for v in series]
            out[column] = [t if t else m for t, m in zip(text, marks, strict=True)]
        else:
            out[column] = [_cell(v) for v in series]
    return out


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    return str(value)


def numeric_columns(df: pd.DataFrame) -> list[str]:
    return [
        c
        for c in df.columns
        if c != STATUS
        and pd.api.types.is_numeric_dtype(df[c])
        and not pd.api.types.is_bool_dtype(df[c])
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
        unknown = set(props) - set(made._prop_names)  # type: ignore[attr-defined]
        if unknown:
            raise TypeError(f"{cls.__name__} has no prop {sorted(unknown)}")
        made_props = made.to_plotly_json()["props"]
        own = {p: v for p, v in made_props.items() if p not in props}
        if any(v is not None for v in own.values()):
            raise TypeError(f"{cls.__name__} sets props of its own: {sorted(own)}")
        entry = (tuple(made_props), own)
        _PROP_ORDER[key] = entry
    order, own = entry
    if own:
        return {
            "props": {p: props.get(p) for p in order},
            "type": cls._type,  # type: ignore
            "namespace": cls._namespace,
        }  # type: ignore[attr-defined]
    return {
        "props": {p: props[p] for p in order},
        "type": cls._type,  # type: ignore[attr-defined]
        "namespace": cls._namespace,
    }  # type: ignore[attr-defined]


def json_maker(cls: type[Component], *names: str) -> Callable[..., dict[str, Any]]:
    """``component_json(cls, **dict(zip(names, values)))`` as a function of the values, for cells
    made by the thousand. ``names`` must be in the order the component writes its props and name
    every prop it writes (``children`` included), which is checked here, once."""
    order = tuple(component_json(cls, **dict.fromkeys(names, ""))["props"])
    if order != names:
        raise ValueError(f"{cls.__name__} writes its props as {order}, not {names}")
    kind, namespace = cls._type, cls._namespace  # type: ignore[attr-defined]

    def make(*values: Any) -> dict[str, Any]:
        return {
            "props": dict(zip(names, values, strict=True)),
            "type": kind,
            "namespace": namespace,
        }

    return make


class JSONList(list):
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
        value = value.to_plotly_json()
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
